#include "consoleapi.h"

#include "adminjson.h"
#include "adminserver.h"
#include "featurecatalog.h"
#include "gatewayconfig.h"
#include "prompts/templatestore.h"
#include "routing/replicareport.h"

#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QPointer>
#include <QSslCipher>
#include <QSslSocket>
#include <QTimer>

Q_LOGGING_CATEGORY(lcConsoleApi, "airlock.admin.console", QtInfoMsg)

namespace airlock::admin {

using http::HttpExchange;
using namespace Qt::StringLiterals;

namespace {

constexpr int kMaxDetail = 200;

Result<QJsonObject> jsonObjectBody(const HttpExchange &exchange)
{
    return admin::jsonObjectBody(exchange, u"send the body as application/json"_s);
}

QString clip(QString text)
{
    text = text.simplified();
    if (text.size() > kMaxDetail)
        text = text.left(kMaxDetail - 1) + u'…';
    return text;
}

QJsonObject loadJsonResource(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QJsonDocument::fromJson(file.readAll()).object();
}

// One run of POST /api/v1/models/test. Owns the exchange; deletes itself when it has answered or the
// client left. Steps run one after the other; the first failure skips the rest.
class ModelTest : public QObject
{
public:
    ModelTest(std::unique_ptr<HttpExchange> exchange, ModelEndpoint endpoint, QString completionApi,
              QNetworkAccessManager *network)
        : m_exchange(std::move(exchange))
        , m_endpoint(std::move(endpoint))
        , m_completionApi(std::move(completionApi))
        , m_network(network)
    {
        m_exchange->onClientGone([this] { cancel(); });
    }

    void start() { reach(); }

private:
    struct Step
    {
        QString name;
        bool ok = false;
        bool skipped = false;
        QString detail;
        qint64 ms = -1;
    };

    bool tls() const { return m_endpoint.baseUrl.scheme() == "https"_L1; }

    void cancel()
    {
        m_cancelled = true;
        if (m_socket)
            m_socket->abort();
        if (m_reply)
            m_reply->abort();
        deleteLater();
    }

    void pass(const QString &name, const QString &detail)
    {
        m_steps.append(Step{name, true, false, detail, m_timer.elapsed()});
    }

    void failAndFinish(const QString &name, const QString &detail)
    {
        m_steps.append(Step{name, false, false, clip(detail), m_timer.elapsed()});
        finish();
    }

    void reach()
    {
        const QUrl url = m_endpoint.baseUrl;
        const quint16 port = quint16(url.port(tls() ? 443 : 80));
        m_socket = new QSslSocket(this);
        m_timer.start();
        auto *timeout = new QTimer(m_socket);
        timeout->setSingleShot(true);
        connect(timeout, &QTimer::timeout, this, [this, url] {
            const QString step = m_reached ? u"tls"_s : u"reachable"_s;
            m_socket->abort();
            failAndFinish(step, u"no answer from %1 within %2 ms"_s.arg(url.authority()).arg(m_endpoint.timeouts.connectMs));
        });
        timeout->start(std::max(500, m_endpoint.timeouts.connectMs) * (tls() ? 2 : 1));
        connect(m_socket, &QAbstractSocket::connected, this, [this, url, timeout] {
            m_reached = true;
            pass(u"reachable"_s, u"connected to %1"_s.arg(url.authority()));
            if (!tls()) {
                timeout->stop();
                m_socket->disconnectFromHost();
                models();
                return;
            }
            m_timer.start();
        });
        connect(m_socket, &QSslSocket::encrypted, this, [this, timeout] {
            timeout->stop();
            const QSslCertificate cert = m_socket->peerCertificate();
            const QString subject = cert.subjectInfo(QSslCertificate::CommonName).join(u", "_s);
            pass(u"tls"_s, u"%1, certificate for %2 valid until %3"_s.arg(
                               m_socket->sessionCipher().protocolString(), subject,
                               cert.expiryDate().toString(Qt::ISODate)));
            m_socket->disconnectFromHost();
            models();
        });
        connect(m_socket, &QSslSocket::sslErrors, this, [this, timeout](const QList<QSslError> &errors) {
            timeout->stop();
            QStringList why;
            for (const QSslError &e : errors)
                why << e.errorString();
            m_socket->abort();
            failAndFinish(u"tls"_s, why.join(u"; "_s));
        });
        connect(m_socket, &QAbstractSocket::errorOccurred, this, [this, timeout](QAbstractSocket::SocketError) {
            if (!timeout->isActive() || m_done)
                return; // already reported (timeout or TLS errors), or a close after success
            timeout->stop();
            failAndFinish(m_reached ? u"tls"_s : u"reachable"_s, m_socket->errorString());
        });
        if (tls())
            m_socket->connectToHostEncrypted(url.host(), port);
        else
            m_socket->connectToHost(url.host(), port);
    }

    QNetworkRequest request(const QString &path) const
    {
        QNetworkRequest request(m_endpoint.apiUrl(path));
        if (!m_endpoint.apiKey.isEmpty())
            request.setRawHeader("Authorization", "Bearer " + m_endpoint.apiKey.toUtf8());
        request.setRawHeader("Accept", "application/json");
        request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
        return request;
    }

    static QString replyError(QNetworkReply *reply, const QByteArray &body)
    {
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        if (status == 0)
            return reply->errorString();
        const QJsonValue error = QJsonDocument::fromJson(body).object().value("error"_L1);
        const QString message = error.isObject() ? error.toObject().value("message"_L1).toString()
                                                 : error.toString();
        return u"HTTP %1%2"_s.arg(status).arg(message.isEmpty() ? QString() : u": "_s + message);
    }

    void models()
    {
        m_timer.start();
        QNetworkRequest req = request(u"models"_s);
        req.setTransferTimeout(std::max(1000, m_endpoint.timeouts.firstByteMs));
        m_reply = m_network->get(req);
        connect(m_reply, &QNetworkReply::finished, this, [this] {
            QNetworkReply *reply = m_reply;
            reply->deleteLater();
            const QByteArray body = reply->readAll();
            if (reply->error() != QNetworkReply::NoError)
                return failAndFinish(u"models"_s, replyError(reply, body));
            QStringList ids;
            for (const QJsonValue &model : QJsonDocument::fromJson(body).object().value("data"_L1).toArray())
                ids << model.toObject().value("id"_L1).toString();
            if (!ids.contains(m_endpoint.identifier)) {
                return failAndFinish(u"models"_s, u"the server does not list \"%1\"; it serves: %2"_s.arg(
                                                      m_endpoint.identifier,
                                                      ids.isEmpty() ? u"nothing"_s : ids.mid(0, 8).join(u", "_s)));
            }
            pass(u"models"_s, u"\"%1\" is listed (%2 model(s) served)"_s.arg(m_endpoint.identifier).arg(ids.size()));
            completion();
        });
    }

    void completion()
    {
        const bool chat = m_completionApi == "chat"_L1;
        QJsonObject body{{u"model"_s, m_endpoint.identifier}, {u"max_tokens"_s, 8}, {u"temperature"_s, 0},
                         {u"stream"_s, false}};
        if (chat)
            body.insert(u"messages"_s, QJsonArray{QJsonObject{{u"role"_s, u"user"_s}, {u"content"_s, u"Reply with OK."_s}}});
        else
            body.insert(u"prompt"_s, u"def hello():\n"_s);
        QNetworkRequest req = request(chat ? u"chat/completions"_s : u"completions"_s);
        req.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
        req.setTransferTimeout(std::max(1000, m_endpoint.timeouts.firstByteMs));
        m_timer.start();
        m_reply = m_network->post(req, QJsonDocument(body).toJson(QJsonDocument::Compact));
        connect(m_reply, &QNetworkReply::finished, this, [this, chat] {
            QNetworkReply *reply = m_reply;
            reply->deleteLater();
            const QByteArray answer = reply->readAll();
            if (reply->error() != QNetworkReply::NoError)
                return failAndFinish(u"completion"_s, replyError(reply, answer));
            const QJsonObject choice =
                QJsonDocument::fromJson(answer).object().value("choices"_L1).toArray().first().toObject();
            if (choice.isEmpty())
                return failAndFinish(u"completion"_s, u"the answer has no choices"_s);
            const QString text = chat ? choice.value("message"_L1).toObject().value("content"_L1).toString()
                                      : choice.value("text"_L1).toString();
            pass(u"completion"_s, u"answered in %1 ms: \"%2\""_s.arg(m_timer.elapsed()).arg(clip(text)));
            finish();
        });
    }

    void finish()
    {
        if (m_done)
            return;
        m_done = true;
        QStringList names{u"reachable"_s};
        if (tls())
            names << u"tls"_s;
        names << u"models"_s << u"completion"_s;
        QJsonArray steps;
        bool ok = true;
        for (const QString &name : std::as_const(names)) {
            const auto it = std::find_if(m_steps.cbegin(), m_steps.cend(), [&](const Step &s) { return s.name == name; });
            QJsonObject o{{u"name"_s, name}};
            if (it == m_steps.cend()) {
                ok = false;
                o.insert(u"ok"_s, false);
                o.insert(u"skipped"_s, true);
                o.insert(u"detail"_s, u"not run: an earlier step failed"_s);
            } else {
                ok = ok && it->ok;
                o.insert(u"ok"_s, it->ok);
                o.insert(u"skipped"_s, false);
                o.insert(u"detail"_s, it->detail);
                o.insert(u"ms"_s, it->ms);
            }
            steps.append(o);
        }
        qCInfo(lcConsoleApi).noquote() << "model test of" << m_endpoint.baseUrl.toDisplayString()
                                       << (ok ? "passed" : "failed");
        if (!m_cancelled)
            writeJson(*m_exchange, QJsonObject{{u"ok"_s, ok}, {u"steps"_s, steps}});
        deleteLater();
    }

    std::unique_ptr<HttpExchange> m_exchange;
    ModelEndpoint m_endpoint;
    QString m_completionApi;
    QNetworkAccessManager *m_network;
    QPointer<QSslSocket> m_socket;
    QPointer<QNetworkReply> m_reply;
    QElapsedTimer m_timer;
    QList<Step> m_steps;
    bool m_reached = false;
    bool m_done = false;
    bool m_cancelled = false;
};

} // namespace

QJsonObject revisionToJson(const prompts::TemplateRevision &r)
{
    return QJsonObject{{u"id"_s, r.id},           {u"endpoint"_s, r.endpoint}, {u"feature"_s, r.feature},
                       {u"template"_s, r.text},   {u"created_at"_s, r.createdAt}, {u"author"_s, r.author},
                       {u"built_in"_s, r.isBuiltIn()}};
}

struct ConsoleApi::Private
{
    AdminBackend &backend;
    const prompts::PromptBuilder &builder;
    const routing::ConfigHolder &config;
    prompts::TemplateStore templates;
    QNetworkAccessManager network;

    Private(AdminBackend &b, const prompts::PromptBuilder &p, const routing::ConfigHolder &c, Database &db)
        : backend(b), builder(p), config(c), templates(db)
    {
    }

    // "/api/v1/prompts/overrides/{endpoint}/{feature}[/revert]" -> (endpoint, feature, revert?)
    static std::optional<std::tuple<QString, QString, bool>> overridePath(const QByteArray &path)
    {
        static constexpr QByteArrayView prefix("/api/v1/prompts/overrides/");
        QList<QByteArray> parts = path.mid(prefix.size()).split('/');
        bool revert = false;
        if (parts.size() == 3 && parts.at(2) == "revert") {
            revert = true;
            parts.removeLast();
        }
        if (parts.size() != 2 || parts.at(0).isEmpty() || parts.at(1).isEmpty())
            return std::nullopt;
        return std::tuple{QString::fromUtf8(QByteArray::fromPercentEncoding(parts.at(0))),
                          QString::fromUtf8(QByteArray::fromPercentEncoding(parts.at(1))), revert};
    }

    void overrides(HttpExchange &e, const AdminCaller &caller, AdminServer &server)
    {
        const auto target = overridePath(e.request().path);
        const QByteArray method = e.request().method;
        if (!target || (std::get<2>(*target) != (method == "POST"))) {
            return writeError(e, 404, u"not_found"_s,
                              u"expected /api/v1/prompts/overrides/{endpoint}/{feature}[/revert]"_s);
        }
        const auto &[endpoint, feature, revert] = *target;
        const Feature *f = FeatureCatalog::instance().find(feature);
        if (!f || !f->servedByGateway)
            return writeError(e, 404, u"unknown_feature"_s, u"no feature \"%1\" served by the gateway"_s.arg(feature), u"feature"_s);

        if (method == "GET") {
            auto current = templates.current(endpoint, feature);
            auto history = templates.history(endpoint, feature);
            if (!current || !history)
                return writeError(e, 500, u"storage_error"_s, (!current ? current.error() : history.error()).message);
            QJsonArray revisions;
            for (const prompts::TemplateRevision &r : *history)
                revisions.append(revisionToJson(r));
            const ModelEndpoint *model = backend.currentConfig().findModel(endpoint);
            return writeJson(e, QJsonObject{{u"endpoint"_s, endpoint},
                                            {u"feature"_s, feature},
                                            {u"current"_s, *current ? QJsonValue(revisionToJson(**current)) : QJsonValue(QJsonValue::Null)},
                                            {u"history"_s, revisions},
                                            {u"built_in"_s, model ? ConsoleApi::builtInTemplate(model->family, feature) : QString()}});
        }

        auto body = jsonObjectBody(e);
        if (!body)
            return writeResultError(e, body.error());
        // The audit log's "before": the override in force (null: the built-in template).
        auto previous = templates.current(endpoint, feature);
        if (!previous)
            return writeError(e, 500, u"storage_error"_s, previous.error().message);
        Result<prompts::TemplateRevision> revision = Error::make(u"invalid_request"_s, QString());
        if (revert) {
            const QJsonValue id = body->value("revision"_L1);
            if (!id.isDouble())
                return writeError(e, 400, u"invalid_type"_s, u"revision must be a number (0: the built-in template)"_s, u"revision"_s);
            revision = templates.revert(endpoint, feature, qint64(id.toDouble()), caller.actor);
        } else {
            const QJsonValue text = body->value("template"_L1);
            if (!text.isString())
                return writeError(e, 400, u"invalid_type"_s, u"template must be a string"_s, u"template"_s);
            revision = templates.set(endpoint, feature, text.toString(), caller.actor);
        }
        if (!revision)
            return writeResultError(e, revision.error());
        if (auto st = backend.reloadPromptOverrides(); !st)
            return writeError(e, 500, st.error().code, st.error().message);
        qCInfo(lcConsoleApi).noquote() << "prompt template of" << endpoint << feature
                                       << (revision->isBuiltIn() ? "back to the built-in" : "overridden") << "by" << caller.actor;
        server.audit(caller, revert ? u"prompt.revert"_s : u"prompt.override"_s, endpoint + u'/' + feature,
                     *previous ? compactJson(revisionToJson(**previous)) : QByteArray(), compactJson(revisionToJson(*revision)));
        writeJson(e, revisionToJson(*revision));
    }

    // GET /api/v1/replicas: every endpoint's replicas as routing sees them (state, last probe error,
    // requests outstanding), in configuration order.
    void replicas(HttpExchange &e) const
    {
        const auto snapshot = config.current();
        const qint64 now = routing::routingNowMs();
        QJsonArray endpoints;
        for (const ModelEndpoint &m : snapshot->config().models) {
            const routing::EndpointRuntime *runtime = snapshot->endpoint(m.name);
            if (!runtime)
                continue;
            endpoints.append(QJsonObject{{u"name"_s, m.name},
                                         {u"server"_s, serverKindName(m.server)},
                                         {u"replicas"_s, routing::replicasJson(*runtime, now)}});
        }
        writeJson(e, QJsonObject{{u"endpoints"_s, endpoints}});
    }

    void catalog(HttpExchange &e) const
    {
        QJsonArray features;
        for (const Feature &f : FeatureCatalog::instance().features()) {
            QJsonArray families;
            for (ModelFamily family : f.families)
                families.append(familyName(family));
            features.append(QJsonObject{{u"id"_s, f.id},
                                        {u"name_en"_s, f.nameEn},
                                        {u"name_ko"_s, f.nameKo},
                                        {u"stage"_s, stageName(f.stage)},
                                        {u"flag"_s, f.flag},
                                        {u"chat"_s, f.chat},
                                        {u"served_by_gateway"_s, f.servedByGateway},
                                        {u"families"_s, families}});
        }
        writeJson(e, QJsonObject{{u"features"_s, features},
                                 {u"families"_s, QJsonArray::fromStringList(allFamilyNames())}});
    }

    void testModel(std::unique_ptr<HttpExchange> e)
    {
        auto body = jsonObjectBody(*e);
        if (!body)
            return writeResultError(*e, body.error());
        QJsonObject object = *body;
        if (!object.contains("name"_L1))
            object.insert(u"name"_s, u"test"_s);
        auto endpoint = parseModelEndpoint(object, u"model"_s);
        if (!endpoint)
            return writeResultError(*e, endpoint.error());
        if (auto st = validateEndpoint(*endpoint, u"model"_s); !st)
            return writeResultError(*e, st.error());
        if (!object.contains("api_key"_L1)) {
            // Write-only keys: testing a stored model without retyping its key.
            if (const ModelEndpoint *stored = backend.currentConfig().findModel(endpoint->name))
                endpoint->apiKey = stored->apiKey;
        }
        const QString api = builder.defaults(endpoint->family).completionApi;
        auto *test = new ModelTest(std::move(e), *endpoint, api, &network);
        test->start();
    }

    void render(HttpExchange &e) const
    {
        auto body = jsonObjectBody(e);
        if (!body)
            return writeResultError(e, body.error());
        const QJsonObject &o = *body;
        static const QStringList known{u"feature"_s, u"model"_s,  u"file_name"_s,   u"language"_s,
                                       u"prefix"_s,  u"suffix"_s, u"instruction"_s, u"template"_s};
        for (auto it = o.begin(); it != o.end(); ++it) {
            if (!known.contains(it.key()))
                return writeError(e, 400, u"unknown_key"_s, u"unknown key \"%1\""_s.arg(it.key()), it.key());
            if (!it.value().isString())
                return writeError(e, 400, u"invalid_type"_s, u"%1 must be a string"_s.arg(it.key()), it.key());
        }
        const QString featureId = o.value("feature"_L1).toString();
        const Feature *feature = FeatureCatalog::instance().find(featureId);
        if (!feature || !feature->servedByGateway)
            return writeError(e, 400, u"unknown_feature"_s, u"no feature \"%1\" served by the gateway"_s.arg(featureId), u"feature"_s);
        const auto snapshot = config.current();
        const QString modelName = o.value("model"_L1).toString();
        const ModelEndpoint *model = snapshot->config().findModel(modelName);
        if (!model)
            return writeError(e, 400, u"unknown_model"_s, u"no model endpoint \"%1\""_s.arg(modelName), u"model"_s);

        QString source = u"built_in"_s;
        std::optional<prompts::TemplateOverride> override;
        if (o.contains("template"_L1)) {
            const QString text = o.value("template"_L1).toString();
            if (!text.isEmpty()) {
                if (auto st = prompts::PromptBuilder::validateOverride(featureId, text); !st)
                    return writeError(e, 400, st.error().code, st.error().message, u"template"_s);
                override = prompts::TemplateOverride{text};
                source = u"preview"_s;
            }
        } else if (const QString *stored = snapshot->promptOverride(modelName, featureId)) {
            override = prompts::TemplateOverride{*stored};
            source = u"override"_s;
        }

        prompts::CodeContext code;
        code.fileName = o.value("file_name"_L1).toString();
        code.language = o.value("language"_L1).toString();
        code.prefix = o.value("prefix"_L1).toString();
        code.suffix = o.value("suffix"_L1).toString();
        code.instruction = o.value("instruction"_L1).toString();
        const prompts::TemplateOverride *ov = override ? &*override : nullptr;
        Result<prompts::BuiltRequest> built = Error::make(u"unknown_feature"_s, QString());
        if (featureId == "code_completions"_L1) {
            built = builder.codeCompletion(*model, code, true, ov);
        } else if (featureId == "code_generations"_L1) {
            built = builder.codeGeneration(*model, code, true, ov);
        } else {
            prompts::ChatInput chat;
            chat.feature = featureId;
            QString content = code.instruction;
            const QString selected = code.prefix + code.suffix;
            if (!selected.trimmed().isEmpty()) {
                content += u"\n\n```"_s + code.language + u'\n' + selected
                    + (selected.endsWith(u'\n') ? QString() : u"\n"_s) + u"```"_s;
            }
            chat.messages = QJsonArray{QJsonObject{{u"role"_s, u"user"_s}, {u"content"_s, content.trimmed()}}};
            built = builder.chat(*model, chat, true, ov);
        }
        if (!built)
            return writeError(e, 400, built.error().code, built.error().message, built.error().field);
        const bool chatApi = built->api == prompts::BuiltRequest::Api::ChatCompletions;
        writeJson(e, QJsonObject{
                         {u"feature"_s, featureId},
                         {u"model"_s, modelName},
                         {u"api"_s, chatApi ? u"chat"_s : u"completions"_s},
                         {u"path"_s, chatApi ? u"/v1/chat/completions"_s : u"/v1/completions"_s},
                         {u"url"_s, model->apiUrl(chatApi ? u"chat/completions" : u"completions").toString()},
                         {u"prompt"_s, built->prompt},
                         {u"messages"_s, built->messages},
                         {u"body"_s, QJsonDocument::fromJson(built->body).object()},
                         {u"stop"_s, QJsonArray::fromStringList(built->stop)},
                         {u"temperature"_s, built->temperature},
                         {u"max_tokens"_s, built->maxTokens},
                         {u"prompt_tokens_estimate"_s, built->promptTokensEstimate},
                         {u"truncated"_s, built->truncated},
                         {u"template_source"_s, source},
                         {u"template"_s, override ? override->text : builtInTemplate(model->family, featureId)},
                         {u"built_in_template"_s, builtInTemplate(model->family, featureId)},
                     });
    }
};

ConsoleApi::ConsoleApi(AdminBackend &backend, const prompts::PromptBuilder &builder, const routing::ConfigHolder &config,
                       Database &database)
    : d(std::make_unique<Private>(backend, builder, config, database))
{
}

ConsoleApi::~ConsoleApi() = default;

QString ConsoleApi::builtInTemplate(ModelFamily family, const QString &feature)
{
    const Feature *f = FeatureCatalog::instance().find(feature);
    if (!f)
        return {};
    if (!f->chat && (feature == "code_completions"_L1 || feature == "code_generations"_L1)) {
        QJsonObject json = loadJsonResource(u":/airlock/prompts/%1.json"_s.arg(familyName(family)));
        if (json.isEmpty())
            json = loadJsonResource(u":/airlock/prompts/general.json"_s);
        return json.value(feature).toObject().value("template"_L1).toString();
    }
    return loadJsonResource(u":/airlock/prompts/common.json"_s)
        .value("chat_system_prompts"_L1).toObject().value(feature).toString();
}

void ConsoleApi::registerRoutes(AdminServer &server)
{
    server.addRoute("GET", "/api/v1/catalog", [this](HttpExchange &e, const AdminCaller &) { d->catalog(e); });
    server.addRoute("GET", "/api/v1/replicas", [this](HttpExchange &e, const AdminCaller &) { d->replicas(e); });
    server.addRoute("POST", "/api/v1/prompts/render", [this](HttpExchange &e, const AdminCaller &) { d->render(e); });
    for (const char *method : {"GET", "PUT", "POST"}) {
        server.addPrefixRoute(method, "/api/v1/prompts/overrides/",
                              [this, &server](HttpExchange &e, const AdminCaller &caller) { d->overrides(e, caller, server); });
    }
    server.addAsyncRoute("POST", "/api/v1/models/test",
                         [this](std::unique_ptr<HttpExchange> e, const AdminCaller &) { d->testModel(std::move(e)); });
}

} // namespace airlock::admin
