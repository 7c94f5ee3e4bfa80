#include "gitlabapiprivate.h"

#include "gitlabresponses.h"
#include "gitlabvalidator.h"
#include "languages.h"
#include "suggestionrequest.h"
#include "dialects/common/cacheowner.h"
#include "routing/completioncache.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace airlock::gitlab {

using http::HttpExchange;

namespace {

const QStringList kModelProviders { QStringLiteral("anthropic"), QStringLiteral("vertex-ai"),
    QStringLiteral("litellm"), QStringLiteral("codestral"), QStringLiteral("fireworks_ai") };

} // namespace

void GitLabApi::Private::suggestions(
    std::unique_ptr<HttpExchange> exchange, bool generation, SuggestionContext::Format streamFormat)
{
    auto prelude = begin(*exchange, true);
    if (!prelude)
        return;
    const QJsonObject &body = prelude->body;
    GitLabValidator v;
    const auto promptVersion = v.integer(body, QStringLiteral("prompt_version"), {}, false);
    const int version = int(promptVersion.value_or(1));
    const auto currentFile = v.object(body, QStringLiteral("current_file"), {}, true);
    prompts::CodeContext input;
    if (currentFile) {
        const QStringList loc { QStringLiteral("current_file") };
        input.fileName
            = v.string(*currentFile, QStringLiteral("file_name"), loc, true, 255).value_or(QString());
        input.language = v.string(*currentFile, QStringLiteral("language_identifier"), loc, false, 255)
                             .value_or(QString());
        input.prefix = v.string(*currentFile, QStringLiteral("content_above_cursor"), loc, true, 100000)
                           .value_or(QString());
        input.suffix = v.string(*currentFile, QStringLiteral("content_below_cursor"), loc, true, 100000)
                           .value_or(QString());
    }
    v.string(body, QStringLiteral("project_path"), {}, false, 255, true);
    v.integer(body, QStringLiteral("project_id"), {}, false);
    if (body.contains(QStringLiteral("model_provider"))
        && !body.value(QStringLiteral("model_provider")).isNull())
        v.oneOf(body, QStringLiteral("model_provider"), {}, kModelProviders, false);
    ModelDetails details;
    details.name = v.string(body, QStringLiteral("model_name"), {}, false, 50, true).value_or(QString());
    details.endpoint
        = v.string(body, QStringLiteral("model_endpoint"), {}, false, -1, true).value_or(QString());
    details.identifier
        = v.string(body, QStringLiteral("model_identifier"), {}, false, -1, true).value_or(QString());
    v.string(body, QStringLiteral("model_api_key"), {}, false, -1, true);
    const auto telemetry = v.array(body, QStringLiteral("telemetry"), {}, false, -1, 10);
    if (telemetry) {
        for (qsizetype i = 0; i < telemetry->size(); ++i) {
            const QStringList loc { QStringLiteral("telemetry"), QString::number(i) };
            if (!telemetry->at(i).isObject()) {
                v.add(
                    loc, QStringLiteral("model_type"), QStringLiteral("Input should be a valid dictionary"));
                continue;
            }
            const QJsonObject t = telemetry->at(i).toObject();
            v.string(t, QStringLiteral("model_engine"), loc, false, 50, true);
            v.string(t, QStringLiteral("model_name"), loc, false, 50, true);
            v.string(t, QStringLiteral("lang"), loc, false, 50, true);
            v.integer(t, QStringLiteral("requests"), loc, false);
            v.integer(t, QStringLiteral("accepts"), loc, false);
            v.integer(t, QStringLiteral("errors"), loc, false);
        }
        exchange->record().telemetryJson = QJsonDocument(*telemetry).toJson(QJsonDocument::Compact);
    }
    const bool stream = v.boolean(body, QStringLiteral("stream"), {}, false).value_or(false);
    v.integer(body, QStringLiteral("choices_count"), {}, false);
    const auto context = v.array(body, QStringLiteral("context"), {}, false, -1, 100);
    if (context) {
        for (qsizetype i = 0; i < context->size(); ++i) {
            const QStringList loc { QStringLiteral("context"), QString::number(i) };
            const QJsonObject item = context->at(i).toObject();
            prompts::CodeContext::Item ci;
            ci.type = v.string(item, QStringLiteral("type"), loc, true, 1024).value_or(QString());
            ci.name = v.string(item, QStringLiteral("name"), loc, true, 1024).value_or(QString());
            ci.content = v.string(item, QStringLiteral("content"), loc, true, 500000).value_or(QString());
            input.context.append(ci);
        }
    }
    const QString promptId
        = v.string(body, QStringLiteral("prompt_id"), {}, false, -1, true).value_or(QString());
    const QJsonValue prompt = body.value(QStringLiteral("prompt"));
    if (version >= 3) {
        if (!prompt.isUndefined() && !prompt.isNull()) {
            const auto messages = v.array(body, QStringLiteral("prompt"), {}, false);
            if (messages) {
                for (qsizetype i = 0; i < messages->size(); ++i) {
                    const QStringList loc { QStringLiteral("prompt"), QString::number(i) };
                    const QJsonObject m = messages->at(i).toObject();
                    const auto role = v.oneOf(m, QStringLiteral("role"), loc,
                        { QStringLiteral("system"), QStringLiteral("user"), QStringLiteral("assistant") },
                        true);
                    const auto content = v.string(m, QStringLiteral("content"), loc, true);
                    if (role == QLatin1String("user") && content)
                        input.instruction = *content;
                }
            }
        } else if (generation) {
            v.add({ QStringLiteral("prompt") }, QStringLiteral("missing"), QStringLiteral("Field required"));
        }
    } else if (version == 2 && generation) {
        input.instruction = v.string(body, QStringLiteral("prompt"), {}, true).value_or(QString());
    } else {
        input.instruction = v.string(body, QStringLiteral("prompt"), {}, false, -1, true).value_or(QString());
    }
    if (!v.ok()) {
        respondValidation(*exchange, v);
        return;
    }
    Q_UNUSED(promptId);
    SuggestionJob job;
    job.generation = generation;
    job.input = std::move(input);
    job.details = details;
    job.format = streamFormat == SuggestionContext::Format::Sse ? SuggestionContext::Format::Sse
        : stream                                             ? SuggestionContext::Format::RawText
                                                             : SuggestionContext::Format::Json;
    job.scopeMessage = generation ? QStringLiteral("Unauthorized to access code generations")
                                  : QStringLiteral("Unauthorized to access code completions");
    relaySuggestion(std::move(exchange), *prelude, std::move(job));
}

void GitLabApi::Private::componentSuggestions(std::unique_ptr<HttpExchange> exchange, bool sse)
{
    auto prelude = begin(*exchange, true);
    if (!prelude)
        return;
    GitLabValidator v;
    ComponentRequest request;
    readComponentRequest(prelude->body, v, request);
    if (!v.ok()) {
        respondValidation(*exchange, v);
        return;
    }
    const QString scopeMessage = QStringLiteral("Unauthorized to access code suggestions");
    if (!request.generation && isUserAccessToken(prelude->principal)) {
        // The IDE's direct-connection token serves /v2 only; these endpoints are GitLab Rails', as
        // GitLab's gateway has it.
        exchange->record().feature = QStringLiteral("code_completions");
        respondDetail(*exchange, 403, scopeMessage, QStringLiteral("insufficient_scope"));
        return;
    }
    SuggestionJob job;
    job.generation = request.generation;
    job.input = std::move(request.input);
    job.details = request.details;
    job.componentsShape = true;
    job.format = !request.stream ? SuggestionContext::Format::Json
        : sse                    ? SuggestionContext::Format::Sse
                                 : SuggestionContext::Format::RawText;
    job.scopeMessage = scopeMessage;
    relaySuggestion(std::move(exchange), *prelude, std::move(job));
}

void GitLabApi::Private::relaySuggestion(std::unique_ptr<HttpExchange> exchange, Prelude &prelude, SuggestionJob job)
{
    const bool generation = job.generation;
    const prompts::CodeContext input = std::move(job.input);
    const QString language = languageId(input.fileName, input.language);
    exchange->record().lang = language;
    exchange->record().editorLang = input.language;
    const QString feature
        = generation ? QStringLiteral("code_generations") : QStringLiteral("code_completions");
    const routing::EndpointRuntime *endpoint
        = authorizeAndRoute(*exchange, prelude, feature, job.scopeMessage, job.details);
    if (!endpoint)
        return;
    const SuggestionContext::Format format = job.format;
    const bool componentsShape = job.componentsShape;
    const bool upstreamStream = format != SuggestionContext::Format::Json;
    // Exact-match cache (non-streamed completions): the same inputs from the same user (or anyone's, with
    // the shared scope) get the same answer. No owner: the user-scoped cache does not serve this request.
    std::optional<QString> cacheOwner;
    if (!generation && format == SuggestionContext::Format::Json && shared.cache)
        cacheOwner = dialects::cacheOwner(shared.cache->scope(), &prelude.principal, exchange->record().userId);
    // The prompt for one endpoint of the route (its family, its identifier, the admin's override) and
    // the context its answer is post-processed with.
    const auto prepare = [prompts = shared.prompts, cache = cacheOwner ? shared.cache : nullptr,
                             owner = cacheOwner.value_or(QString()), snapshot = prelude.snapshot, input, feature,
                             generation, format, upstreamStream, language, componentsShape](const routing::EndpointRuntime &e)
        -> Result<std::pair<prompts::BuiltRequest, SuggestionContext>> {
        const ModelEndpoint &model = e.endpoint;
        const auto override = overrideFor(*snapshot, e, feature);
        auto built = generation
            ? prompts->codeGeneration(model, input, upstreamStream, override ? &*override : nullptr)
            : prompts->codeCompletion(model, input, upstreamStream, override ? &*override : nullptr);
        if (!built)
            return built.error();
        SuggestionContext ctx;
        ctx.prompts = prompts;
        ctx.family = model.family;
        ctx.identifier = model.identifier;
        ctx.language = language;
        ctx.componentsShape = componentsShape;
        ctx.generation = generation;
        ctx.prefix = input.prefix;
        ctx.format = format;
        ctx.stop = built->stop;
        if (cache) {
            ctx.cache = cache;
            ctx.cacheKey = routing::CompletionCache::key({ owner, model.name, model.identifier, built->prompt,
                QString::number(built->temperature), input.fileName,
                componentsShape ? QStringLiteral("v3") : QStringLiteral("v2") });
        }
        return std::pair { std::move(*built), std::move(ctx) };
    };
    auto first = prepare(*endpoint);
    if (!first) {
        respondDetail(*exchange, 422, first.error().message, first.error().code);
        return;
    }
    auto &[built, ctx] = *first;
    exchange->record().promptTokens = built.promptTokensEstimate;
    if (ctx.cache) {
        if (auto hit = ctx.cache->find(ctx.cacheKey)) {
            // The original answer, byte for byte.
            exchange->record().cached = true;
            exchange->record().modelEndpoint = endpoint->endpoint.name;
            exchange->record().modelIdentifier = endpoint->endpoint.identifier;
            exchange->record().promptTokens = hit->promptTokens;
            exchange->record().answerTokens = hit->completionTokens;
            exchange->addResponseHeader(routing::kCacheHeader, "hit");
            exchange->respond(200, hit->contentType, hit->body);
            return;
        }
        exchange->addResponseHeader(routing::kCacheHeader, "miss");
    }

    QByteArray supersedeKey;
    if (!generation) {
        const QString user = !prelude.principal.anonymous && !prelude.principal.subject.isEmpty()
            ? prelude.principal.subject
            : exchange->record().userId;
        if (!user.isEmpty() && !input.fileName.isEmpty())
            supersedeKey = (user + QChar(0) + input.fileName).toUtf8();
    }
    const Builder build = [prepare](const routing::EndpointRuntime &e) -> Result<Prepared> {
        auto prepared = prepare(e);
        if (!prepared)
            return prepared.error();
        return Prepared { std::move(prepared->first), makeSuggestionRelay(std::move(prepared->second)) };
    };
    Prepared prepared { std::move(built), makeSuggestionRelay(std::move(ctx)) };
    start(std::move(exchange), prelude, endpoint, std::move(prepared), build, upstreamStream, supersedeKey);
}

} // namespace airlock::gitlab
