#include "adminserver.h"

#include "adminjson.h"
#include "consoleapi.h"
#include "http/connectionguard.h"
#include "http/gatewayserver.h"
#include "http/tlscontext.h"

#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcAdmin, "airlock.admin", QtInfoMsg)

namespace airlock::admin {

using http::HttpExchange;

bool constantTimeEquals(QByteArrayView a, QByteArrayView b)
{
    // Compare over the longer length so the time does not reveal where the first difference is.
    const qsizetype n = std::max(a.size(), b.size());
    unsigned diff = unsigned(a.size() ^ b.size());
    for (qsizetype i = 0; i < n; ++i) {
        const unsigned char x = i < a.size() ? uchar(a[i]) : 0;
        const unsigned char y = i < b.size() ? uchar(b[i]) : 0;
        diff |= unsigned(x ^ y);
    }
    return diff == 0 && !a.isEmpty();
}

namespace {

// A renamed model carries "renamed_from": its stored name, so that its stored key follows the rename (a
// client cannot resend a key it never sees). The key is not part of the configuration: it is taken out of
// `body` (a string value only; anything else stays and fails parsing as an unknown key). Returns the
// previous names by model index.
QHash<qsizetype, QString> takeRenames(QByteArray &body)
{
    QHash<qsizetype, QString> renamedFrom;
    QJsonObject root = QJsonDocument::fromJson(body).object();
    QJsonArray models = root.value(QLatin1String("models")).toArray();
    for (qsizetype i = 0; i < models.size(); ++i) {
        QJsonObject model = models.at(i).toObject();
        if (!model.value(QLatin1String("renamed_from")).isString())
            continue;
        renamedFrom.insert(i, model.take(QLatin1String("renamed_from")).toString());
        models[i] = model;
    }
    if (!renamedFrom.isEmpty()) {
        root.insert(QLatin1String("models"), models);
        body = compactJson(root);
    }
    return renamedFrom;
}

// API keys are write-only (GET /api/v1/config never returns them), so a client that edits the configuration
// it fetched sends models without "api_key": those keep the key stored for the model of the same name (or of
// the name in `renamedFrom`). An explicit "api_key":"" removes it. `body` is the (already parsed and valid)
// JSON of `incoming`.
void keepStoredApiKeys(const QByteArray &body, const QHash<qsizetype, QString> &renamedFrom,
                       const GatewayConfig &current, GatewayConfig &incoming)
{
    const QJsonArray models = QJsonDocument::fromJson(body).object().value(QLatin1String("models")).toArray();
    for (qsizetype i = 0; i < incoming.models.size() && i < models.size(); ++i) {
        ModelEndpoint &model = incoming.models[i];
        if (models.at(i).toObject().contains(QLatin1String("api_key")))
            continue;
        if (const ModelEndpoint *stored = current.findModel(renamedFrom.value(i, model.name)))
            model.apiKey = stored->apiKey;
    }
}

} // namespace

struct AdminServer::Private
{
    AdminBackend &backend;
    AdminGate &gate;
    ServerLimits limits;
    http::GatewayServer *server = nullptr;
    AuditSink *audit = nullptr;
    QHash<QByteArray, std::function<void(std::unique_ptr<QWebSocket>)>> webSockets;

    std::optional<AdminCaller> authorized(HttpExchange &exchange) const
    {
        auto caller = gate.admit(exchange.request());
        if (caller)
            return *caller;
        if (caller.error().code == QLatin1String("too_many_attempts")) {
            exchange.addResponseHeader("Retry-After", caller.error().field.toLatin1());
            writeError(exchange, 429, caller.error().code, caller.error().message);
            return std::nullopt;
        }
        exchange.addResponseHeader("WWW-Authenticate", "Bearer");
        writeError(exchange, 401, QStringLiteral("unauthorized"), caller.error().message);
        return std::nullopt;
    }

    // Wraps a handler with the admin gate.
    http::Handler guarded(AdminHandler handler)
    {
        return [this, handler = std::move(handler)](std::unique_ptr<HttpExchange> exchange) {
            if (const auto caller = authorized(*exchange))
                handler(*exchange, *caller);
        };
    }

    // The prompt template overrides of renamed models follow them. False (and an error answered) when the
    // store failed: the configuration is in force then, the templates stay under the previous names.
    bool followRenames(HttpExchange &exchange, const AdminCaller &caller, const QHash<qsizetype, QString> &renamedFrom,
                       const GatewayConfig &before, const GatewayConfig &applied)
    {
        QHash<QString, QString> renames;
        for (auto it = renamedFrom.cbegin(); it != renamedFrom.cend(); ++it) {
            if (it.key() < applied.models.size() && before.findModel(it.value())
                && applied.models.at(it.key()).name != it.value())
                renames.insert(it.value(), applied.models.at(it.key()).name);
        }
        if (renames.isEmpty())
            return true;
        auto carried = backend.followModelRenames(renames, caller.actor);
        if (!carried) {
            writeError(exchange, 500, QStringLiteral("storage_error"),
                       QStringLiteral("the configuration is in force, but the prompt templates of the renamed models "
                                      "were not carried over: %1")
                           .arg(carried.error().message));
            return false;
        }
        for (const prompts::TemplateRevision &revision : std::as_const(*carried)) {
            qCInfo(lcAdmin).noquote() << "prompt template of" << revision.endpoint << revision.feature
                                      << "carried over from its previous name by" << caller.actor;
            if (audit) {
                audit->record(caller, QStringLiteral("prompt.rename"), revision.endpoint + u'/' + revision.feature,
                              QByteArray(), compactJson(revisionToJson(revision)));
            }
        }
        return true;
    }

    void putConfig(HttpExchange &exchange, const AdminCaller &caller)
    {
        if (auto st = requireJsonContentType(exchange.request(), QStringLiteral("send the configuration as application/json"));
            !st) {
            writeResultError(exchange, st.error());
            return;
        }
        QByteArray body = exchange.request().body;
        const QHash<qsizetype, QString> renamedFrom = takeRenames(body);
        auto config = parseGatewayConfig(body);
        if (!config) {
            writeError(exchange, 400, config.error().code, config.error().message, config.error().field);
            return;
        }
        const GatewayConfig current = backend.currentConfig();
        keepStoredApiKeys(body, renamedFrom, current, *config);
        const QByteArray before = serializeGatewayConfig(current);
        if (auto st = backend.applyConfig(*config); !st) {
            writeError(exchange, 400, st.error().code, st.error().message, st.error().field);
            return;
        }
        qCInfo(lcAdmin) << "configuration replaced through the admin API:" << config->models.size() << "models,"
                        << config->features.size() << "feature assignments";
        const QByteArray after = serializeGatewayConfig(backend.currentConfig());
        if (audit)
            audit->record(caller, QStringLiteral("config.replace"), QStringLiteral("config"), before, after);
        if (!followRenames(exchange, caller, renamedFrom, current, *config))
            return;
        exchange.respond(200, "application/json", after);
    }
};

AdminServer::AdminServer(AdminBackend &backend, AdminGate &gate, const ServerLimits &limits, QObject *parent)
    : QObject(parent)
    , d(new Private{backend, gate, limits})
{
    d->server = new http::GatewayServer(this);
    d->server->addRoute("GET", "/api/v1/info", d->guarded([this](HttpExchange &e, const AdminCaller &) { writeJson(e, d->backend.info()); }));
    d->server->addRoute("GET", "/api/v1/config", d->guarded([this](HttpExchange &e, const AdminCaller &) {
        e.respond(200, "application/json", serializeGatewayConfig(d->backend.currentConfig()));
    }));
    d->server->addRoute("PUT", "/api/v1/config", d->guarded([this](HttpExchange &e, const AdminCaller &c) { d->putConfig(e, c); }));
    d->server->setFallback("/", [](HttpExchange &e, int status, const QByteArrayList &allowed) {
        if (status == 404) {
            writeError(e, 404, QStringLiteral("not_found"),
                       QStringLiteral("no admin endpoint at \"%1\"").arg(QString::fromLatin1(e.request().path)));
        } else {
            writeError(e, 405, QStringLiteral("method_not_allowed"),
                       QStringLiteral("allowed methods: %1").arg(QString::fromLatin1(allowed.join(", "))));
        }
    });
}

AdminServer::~AdminServer() = default;

void AdminServer::addRoute(QByteArray method, QByteArray path, AdminHandler handler)
{
    d->server->addRoute(std::move(method), std::move(path), d->guarded(std::move(handler)));
}

void AdminServer::addPrefixRoute(QByteArray method, QByteArray prefix, AdminHandler handler)
{
    d->server->addPrefixRoute(std::move(method), std::move(prefix), d->guarded(std::move(handler)));
}

void AdminServer::addAsyncRoute(QByteArray method, QByteArray path, AsyncAdminHandler handler)
{
    d->server->addRoute(std::move(method), std::move(path),
                        [this, handler = std::move(handler)](std::unique_ptr<HttpExchange> exchange) {
                            if (const auto caller = d->authorized(*exchange))
                                handler(std::move(exchange), *caller);
                        });
}

void AdminServer::addOpenRoute(QByteArray method, QByteArray path, std::function<void(http::HttpExchange &)> handler)
{
    d->server->addRoute(std::move(method), std::move(path),
                        [handler = std::move(handler)](std::unique_ptr<HttpExchange> e) { handler(*e); });
}

void AdminServer::addWebSocketRoute(QByteArray path, std::function<void(std::unique_ptr<QWebSocket>)> handler)
{
    d->server->addWebSocketRoute(path, [this](const http::HttpRequest &request) -> http::GatewayServer::UpgradeRefusal {
        auto caller = d->gate.admit(request);
        if (caller)
            return {};
        const Error error = caller.error();
        return [error](HttpExchange &e) {
            if (error.code == QLatin1String("too_many_attempts")) {
                e.addResponseHeader("Retry-After", error.field.toLatin1());
                writeError(e, 429, error.code, error.message);
            } else {
                e.addResponseHeader("WWW-Authenticate", "Bearer");
                writeError(e, 401, QStringLiteral("unauthorized"), error.message);
            }
        };
    });
    d->webSockets.insert(path, std::move(handler));
    if (d->webSockets.size() > 1)
        return;
    connect(d->server, &http::GatewayServer::newWebSocketConnection, this, [this] {
        while (d->server->hasPendingWebSocketConnections()) {
            std::unique_ptr<QWebSocket> socket = d->server->nextPendingWebSocketConnection();
            if (!socket)
                break;
            // Again on the handshake the WebSocket server accepted: the upgrade check above runs only if
            // QHttpServer consults handleRequest() for upgrades, which not every Qt 6 release does.
            http::HttpRequest handshake;
            handshake.path = socket->requestUrl().path(QUrl::FullyEncoded).toLatin1();
            handshake.peer = socket->peerAddress();
            for (const QByteArray &name : socket->request().rawHeaderList())
                handshake.headers.append({name, socket->request().rawHeader(name)});
            const auto handler = d->webSockets.constFind(handshake.path);
            if (handler == d->webSockets.cend() || !d->gate.admit(handshake)) {
                qCWarning(lcAdmin) << "closing an unauthorized admin WebSocket from" << handshake.peer.toString();
                socket->close(QWebSocketProtocol::CloseCodePolicyViolated, QStringLiteral("unauthorized"));
                socket.release()->deleteLater();
                continue;
            }
            (*handler)(std::move(socket));
        }
    });
}

void AdminServer::setAuditSink(AuditSink *sink)
{
    d->audit = sink;
}

void AdminServer::audit(const AdminCaller &caller, const QString &action, const QString &target,
                        const QByteArray &before, const QByteArray &after)
{
    if (d->audit)
        d->audit->record(caller, action, target, before, after);
}

Result<quint16> AdminServer::listen(const ListenAddress &address, std::shared_ptr<http::TlsContext> tls)
{
    auto *tcp = new http::GuardedTcpServer(d->limits, this);
    tcp->setTls(std::move(tls));
    if (!tcp->listen(address.host, address.port)) {
        const QString why = tcp->errorString();
        delete tcp;
        return Error::make(QStringLiteral("listen_failed"),
                           QStringLiteral("cannot listen on %1: %2").arg(address.toString(), why));
    }
    d->server->serve(tcp);
    return tcp->serverPort();
}

} // namespace airlock::admin
