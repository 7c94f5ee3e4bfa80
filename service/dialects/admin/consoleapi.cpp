#include "consoleapi.h"

#include "adminjson.h"
#include "adminserver.h"
#include "modeltest.h"
#include "featurecatalog.h"
#include "gatewayconfig.h"
#include "prompts/templatestore.h"
#include "routing/replicareport.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QNetworkAccessManager>

Q_LOGGING_CATEGORY(lcConsoleApi, "airlock.admin.console", QtInfoMsg)

namespace airlock::admin {

using http::HttpExchange;
using namespace Qt::StringLiterals;

namespace {

Result<QJsonObject> jsonObjectBody(const HttpExchange &exchange)
{
    return admin::jsonObjectBody(exchange, u"send the body as application/json"_s);
}

QJsonObject loadJsonResource(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QJsonDocument::fromJson(file.readAll()).object();
}

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
        startModelTest(std::move(e), *endpoint, api, &network);
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
