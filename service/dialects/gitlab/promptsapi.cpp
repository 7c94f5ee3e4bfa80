#include "gitlabapiprivate.h"

#include "featurecatalog.h"
#include "gitlabrelay.h"
#include "gitlabresponses.h"
#include "gitlabvalidator.h"
#include "jsonscanner.h"
#include "policy/requestpolicy.h"
#include "versionconstraint.h"

#include <QJsonDocument>
#include <QUrl>

namespace airlock::gitlab {

using http::HttpExchange;
using http::reasonPhrase;

namespace {

// /v1/prompts/{id}: a JSON string, or raw text; a model-server HTTP error is 421 "<status>: <reason>"
// (the reason phrase alone for 401 and 403).
class PromptRelay final : public TextRelay {
public:
    using TextRelay::TextRelay;

protected:
    void respondWhole(HttpExchange &exchange, const QString &text) override
    {
        exchange.respond(200, "application/json", encodeJsonString(text));
    }
    void upstreamHttpError(HttpExchange &exchange, int status, const QByteArray &body) override
    {
        QString reason = QString::fromUtf8(reasonPhrase(status));
        const QJsonObject error
            = QJsonDocument::fromJson(body).object().value(QStringLiteral("error")).toObject();
        // The model server's words about its own credentials can quote the key: never passed on.
        if (status != 401 && status != 403 && !error.value(QStringLiteral("message")).toString().isEmpty())
            reason = error.value(QStringLiteral("message")).toString();
        respondDetail(exchange, 421, QStringLiteral("%1: %2").arg(status).arg(reason),
            QStringLiteral("upstream_status_%1").arg(status));
    }
};

} // namespace

void GitLabApi::Private::prompt(std::unique_ptr<HttpExchange> exchange)
{
    const QByteArray prefix = "/v1/prompts/";
    const QString promptId = QUrl::fromPercentEncoding(exchange->request().path.mid(prefix.size()));
    auto prelude = begin(*exchange, true);
    if (!prelude)
        return;
    const QJsonObject &body = prelude->body;
    GitLabValidator v;
    const auto inputs = v.object(body, QStringLiteral("inputs"), {}, true);
    const bool stream = v.boolean(body, QStringLiteral("stream"), {}, false).value_or(false);
    ModelDetails details;
    if (const auto metadata = v.object(body, QStringLiteral("model_metadata"), {}, false)) {
        const QStringList loc { QStringLiteral("model_metadata") };
        details.name = v.string(*metadata, QStringLiteral("name"), loc, false, 255, true).value_or(QString());
        v.string(*metadata, QStringLiteral("provider"), loc, false, 255, true);
        details.endpoint
            = v.string(*metadata, QStringLiteral("endpoint"), loc, false, 255, true).value_or(QString());
        v.string(*metadata, QStringLiteral("api_key"), loc, false, 255, true);
        details.identifier
            = v.string(*metadata, QStringLiteral("identifier"), loc, false, 255, true).value_or(QString());
    }
    bool constraintValid = true;
    const QString constraint
        = readPromptVersionConstraint(body.value(QStringLiteral("prompt_version")), &constraintValid);
    if (!v.ok()) {
        respondValidation(*exchange, v);
        return;
    }
    bool valid = constraintValid;
    const bool satisfied = valid && versionSatisfies(constraint, &valid);
    if (!valid) {
        respondDetail(*exchange, 422, QStringLiteral("Invalid version constraint"),
            QStringLiteral("invalid_version_constraint"));
        return;
    }

    // model_configuration/check: GitLab's "test model" button. Ask the named (registered) model for a
    // one-word answer.
    if (promptId == QLatin1String("model_configuration/check")) {
        exchange->record().feature = QStringLiteral("model_configuration_check");
        auto cleared = policy::RequestPolicy::authorizeModelCheck(*prelude->snapshot);
        if (!cleared) {
            respondDetail(*exchange, 403, cleared.error().message, cleared.error().code);
            return;
        }
        prelude->clearance = std::move(cleared).value();
        const routing::EndpointRuntime *endpoint = nullptr;
        if (details.present()) {
            const Routed routed = routeFeature(*prelude->snapshot, QStringLiteral("__check__"), details);
            endpoint = routed.endpoint;
            if (!endpoint && routed.code == QLatin1String("unregistered_model_endpoint")) {
                respondDetail(*exchange, 403, routed.detail, routed.code);
                return;
            }
        }
        if (!endpoint && !prelude->snapshot->config().models.isEmpty())
            endpoint = prelude->snapshot->endpoint(prelude->snapshot->config().models.first().name);
        if (!endpoint) {
            respondDetail(*exchange, 404, QStringLiteral("No model endpoint is registered"),
                QStringLiteral("no_model"));
            return;
        }
        prompts::ChatInput input;
        input.feature = QStringLiteral("duo_chat");
        input.messages.append(QJsonObject { { QStringLiteral("role"), QStringLiteral("user") },
            { QStringLiteral("content"), QStringLiteral("Reply with the single word OK.") } });
        input.maxTokens = 8;
        input.temperature = 0;
        // The model the admin is testing, and no other: no fallback.
        auto built = shared.prompts->chat(endpoint->endpoint, input, stream);
        if (!built) {
            respondDetail(*exchange, 422, built.error().message, built.error().code);
            return;
        }
        start(std::move(exchange), *prelude, endpoint,
            Prepared { std::move(*built), std::make_unique<PromptRelay>(stream) }, {}, stream);
        return;
    }
    // The agent's ReAct prompt is not invokable as a plain prompt (GitLab's gateway: 422 "not supported");
    // the agent is served at /v2/chat/agent.
    if (promptId == QLatin1String("chat/react") || promptId.startsWith(QLatin1String("chat/react/"))) {
        respondDetail(*exchange, 422, QStringLiteral("Prompt '%1' is not supported").arg(promptId),
            QStringLiteral("prompt_not_supported"));
        return;
    }
    const Feature *feature = FeatureCatalog::instance().findByRoute(u"/v1/prompts/{prompt_id}", promptId);
    if (!feature) {
        // Prompt ids may carry a version or variant suffix ("chat/fix_code/v2"): try the parents.
        QString id = promptId;
        while (!feature && id.contains(QLatin1Char('/'))) {
            id = id.left(id.lastIndexOf(QLatin1Char('/')));
            feature = FeatureCatalog::instance().findByRoute(u"/v1/prompts/{prompt_id}", id);
        }
    }
    if (!feature) {
        respondDetail(*exchange, 404, QStringLiteral("Prompt '%1' not found").arg(promptId),
            QStringLiteral("prompt_not_found"));
        return;
    }
    if (!satisfied) {
        respondDetail(*exchange, 404, QStringLiteral("No prompt version found matching the query"),
            QStringLiteral("prompt_version_not_found"));
        return;
    }
    const routing::EndpointRuntime *endpoint = authorizeAndRoute(*exchange, *prelude, feature->id,
        QStringLiteral("Unauthorized to access '%1'").arg(promptId), details);
    if (!endpoint)
        return;
    Builder build;
    if (feature->id == QLatin1String("code_generations")) {
        prompts::CodeContext code;
        code.prefix = inputs->value(QStringLiteral("prefix")).toString();
        code.suffix = inputs->value(QStringLiteral("suffix")).toString();
        code.instruction = inputs->value(QStringLiteral("instruction")).toString();
        code.language = inputs->value(QStringLiteral("language")).toString();
        code.fileName = inputs->value(QStringLiteral("file_name")).toString();
        build = [prompts = shared.prompts, code, stream](const routing::EndpointRuntime &e) -> Result<Prepared> {
            auto built = prompts->codeGeneration(e.endpoint, code, stream);
            if (!built)
                return built.error();
            return Prepared { std::move(*built), std::make_unique<PromptRelay>(stream) };
        };
    } else {
        prompts::ChatInput input;
        input.feature = feature->id;
        QString text;
        for (auto it = inputs->begin(); it != inputs->end(); ++it) {
            const QString value = it.value().isString()
                ? it.value().toString()
                : QString::fromUtf8(QJsonDocument::fromVariant(it.value().toVariant()).toJson());
            text += QStringLiteral("<%1>\n%2\n</%1>\n").arg(it.key(), value);
        }
        input.messages.append(QJsonObject {
            { QStringLiteral("role"), QStringLiteral("user") }, { QStringLiteral("content"), text } });
        build = [prompts = shared.prompts, input, stream](const routing::EndpointRuntime &e) -> Result<Prepared> {
            auto built = prompts->chat(e.endpoint, input, stream);
            if (!built)
                return built.error();
            return Prepared { std::move(*built), std::make_unique<PromptRelay>(stream) };
        };
    }
    auto first = prepareFirst(*exchange, build, *endpoint);
    if (!first)
        return;
    start(std::move(exchange), *prelude, endpoint, std::move(*first), build, stream);
}

} // namespace airlock::gitlab
