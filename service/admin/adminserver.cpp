#include "adminserver.h"

#include "http/connectionguard.h"
#include "http/gatewayserver.h"

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

void writeError(HttpExchange &exchange, int status, const QString &code, const QString &message,
                const QString &field = {})
{
    QJsonObject error{{QStringLiteral("code"), code}, {QStringLiteral("message"), message}};
    if (!field.isEmpty())
        error.insert(QStringLiteral("field"), field);
    exchange.respond(status, "application/json",
                     QJsonDocument(QJsonObject{{QStringLiteral("error"), error}}).toJson(QJsonDocument::Compact));
}

void writeJson(HttpExchange &exchange, const QJsonObject &object)
{
    exchange.respond(200, "application/json", QJsonDocument(object).toJson(QJsonDocument::Compact));
}

} // namespace

struct AdminServer::Private
{
    AdminBackend &backend;
    QByteArray token;
    ServerLimits limits;
    http::GatewayServer *server = nullptr;

    bool authorized(HttpExchange &exchange) const
    {
        const QByteArray header = exchange.request().header("authorization");
        const QByteArray presented = header.startsWith("Bearer ") ? header.mid(7).trimmed() : QByteArray();
        if (constantTimeEquals(presented, token))
            return true;
        qCWarning(lcAdmin) << "admin request refused: missing or wrong admin token from"
                           << exchange.request().peer.toString();
        exchange.addResponseHeader("WWW-Authenticate", "Bearer");
        writeError(exchange, 401, QStringLiteral("unauthorized"),
                   presented.isEmpty() ? QStringLiteral("the admin API needs an Authorization: Bearer <admin token> header")
                                       : QStringLiteral("the admin token is not valid"));
        return false;
    }

    // Wraps a handler with the admin token check.
    http::Handler guarded(std::function<void(HttpExchange &)> handler)
    {
        return [this, handler = std::move(handler)](std::unique_ptr<HttpExchange> exchange) {
            if (authorized(*exchange))
                handler(*exchange);
        };
    }

    void putConfig(HttpExchange &exchange)
    {
        const QByteArray contentType = exchange.request().header("content-type");
        if (!contentType.toLower().startsWith("application/json")) {
            writeError(exchange, 415, QStringLiteral("unsupported_media_type"),
                       QStringLiteral("send the configuration as application/json"));
            return;
        }
        auto config = parseGatewayConfig(exchange.request().body);
        if (!config) {
            writeError(exchange, 400, config.error().code, config.error().message, config.error().field);
            return;
        }
        if (auto st = backend.applyConfig(*config); !st) {
            writeError(exchange, 400, st.error().code, st.error().message, st.error().field);
            return;
        }
        qCInfo(lcAdmin) << "configuration replaced through the admin API:" << config->models.size() << "models,"
                        << config->features.size() << "feature assignments";
        exchange.respond(200, "application/json", serializeGatewayConfig(backend.currentConfig()));
    }
};

AdminServer::AdminServer(AdminBackend &backend, QByteArray adminToken, const ServerLimits &limits, QObject *parent)
    : QObject(parent)
    , d(new Private{backend, std::move(adminToken), limits})
{
    d->server = new http::GatewayServer(this);
    d->server->addRoute("GET", "/api/v1/info", d->guarded([this](HttpExchange &e) { writeJson(e, d->backend.info()); }));
    d->server->addRoute("GET", "/api/v1/config", d->guarded([this](HttpExchange &e) {
        e.respond(200, "application/json", serializeGatewayConfig(d->backend.currentConfig()));
    }));
    d->server->addRoute("PUT", "/api/v1/config", d->guarded([this](HttpExchange &e) { d->putConfig(e); }));
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

Result<quint16> AdminServer::listen(const ListenAddress &address)
{
    auto *tcp = new http::GuardedTcpServer(d->limits, this);
    if (!tcp->listen(address.host, address.port)) {
        const QString why = tcp->errorString();
        delete tcp;
        return Error::make(QStringLiteral("listen_failed"),
                           QStringLiteral("cannot listen on %1: %2").arg(address.toString(), why));
    }
    d->server->bind(tcp);
    return tcp->serverPort();
}

} // namespace airlock::admin
