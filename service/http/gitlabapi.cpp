#include "gitlabapi.h"

#include "auth/principal.h"
#include "chatcapture.h"
#include "featurecatalog.h"
#include "gitlabvalidator.h"
#include "jsonscanner.h"
#include "openaianswer.h"
#include "prompts/promptbuilder.h"
#include "routing/completioncache.h"
#include "routing/featurepolicy.h"
#include "routing/router.h"
#include "routing/supersederegistry.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QPointer>
#include <QRegularExpression>
#include <QUrl>

Q_LOGGING_CATEGORY(lcGitLab, "airlock.http.gitlab", QtWarningMsg)

namespace airlock::http {

namespace {

const QStringList kModelProviders{QStringLiteral("anthropic"), QStringLiteral("vertex-ai"), QStringLiteral("litellm"),
                                  QStringLiteral("codestral"), QStringLiteral("fireworks_ai")};

QByteArray compact(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

void respondJson(HttpExchange &exchange, int status, const QJsonObject &object)
{
    exchange.respond(status, "application/json", compact(object));
}

void respondDetail(HttpExchange &exchange, int status, const QString &detail, const QString &code = {})
{
    exchange.record().errorCode = code.isEmpty() ? QStringLiteral("http_%1").arg(status) : code;
    exchange.record().errorMessage = detail;
    respondJson(exchange, status, QJsonObject{{QStringLiteral("detail"), detail}});
}

void respondValidation(HttpExchange &exchange, const GitLabValidator &validator)
{
    exchange.record().errorCode = QStringLiteral("validation_error");
    exchange.record().errorMessage = validator.errors().at(0).toObject().value(QStringLiteral("msg")).toString();
    exchange.respond(422, "application/json", validator.body());
}

// What GitLab passes about the model it chose (as Self-Managed sends it); only ever used to check it
// against the registered endpoints, never to call a URL.
struct ModelDetails
{
    QString endpoint;
    QString name;
    QString identifier;
    bool present() const { return !endpoint.isEmpty() || !identifier.isEmpty(); }
};

QString normalizedApiRoot(const QString &url)
{
    ModelEndpoint e;
    e.baseUrl = QUrl(url);
    QUrl root = e.apiRoot();
    root.setHost(root.host().toLower());
    return root.toString(QUrl::StripTrailingSlash | QUrl::NormalizePathSegments);
}

bool identifierMatches(const QString &given, const QString &registered)
{
    if (given == registered)
        return true;
    // GitLab prefixes the served model with the provider route: "custom_openai/Mixtral-8x7B".
    const qsizetype slash = given.indexOf(QLatin1Char('/'));
    return slash > 0 && given.mid(slash + 1) == registered;
}

// Model the feature needs, from Airlock's assignment, after checking what the request carries.
struct Routed
{
    const routing::EndpointRuntime *endpoint = nullptr;
    int status = 0;
    QString detail;
    QString code;
};

Routed routeFeature(const routing::ConfigSnapshot &snapshot, const QString &feature, const ModelDetails &details)
{
    const routing::EndpointRuntime *named = nullptr;
    if (details.present()) {
        // Served only when the details match an endpoint the admin registered: a request can never make
        // the gateway call a URL of its own choosing.
        for (const ModelEndpoint &m : snapshot.config().models) {
            const bool endpointOk = details.endpoint.isEmpty()
                || normalizedApiRoot(details.endpoint) == normalizedApiRoot(m.baseUrl.toString());
            const bool identifierOk = details.identifier.isEmpty() || identifierMatches(details.identifier, m.identifier);
            if (endpointOk && identifierOk) {
                named = snapshot.endpoint(m.name);
                break;
            }
        }
        if (!named) {
            return Routed{nullptr, 403,
                          QStringLiteral("The model endpoint in the request (%1) is not registered with this gateway")
                              .arg(details.endpoint.isEmpty() ? details.identifier : details.endpoint),
                          QStringLiteral("unregistered_model_endpoint")};
        }
    }
    auto route = routing::resolveFeature(snapshot, feature);
    if (route)
        return Routed{route->endpoint, 0, {}, {}};
    if (route.error().code == QLatin1String("feature_unassigned") && named)
        return Routed{named, 0, {}, {}};
    return Routed{nullptr, 403, route.error().message, route.error().code};
}

// Streams back only the code of a generation: drops a leading ``` fence line and a trailing ``` fence,
// holding back just enough characters to recognise them.
class FenceFilter
{
public:
    QString feed(const QString &text)
    {
        m_pending += text;
        if (!m_headDone) {
            const qsizetype nl = m_pending.indexOf(QLatin1Char('\n'));
            const QString trimmed = m_pending.trimmed();
            if (nl < 0 && (trimmed.isEmpty() || QStringLiteral("```").startsWith(trimmed.left(3))) && m_pending.size() < 64)
                return {};
            m_headDone = true;
            if (m_pending.trimmed().startsWith(QLatin1String("```")) && nl >= 0)
                m_pending = m_pending.mid(nl + 1);
        }
        // Keep the last few characters: they may be the start of a closing fence.
        const qsizetype keep = std::min<qsizetype>(m_pending.size(), 5);
        const QString out = m_pending.left(m_pending.size() - keep);
        m_pending = m_pending.right(keep);
        return out;
    }
    QString finish()
    {
        QString rest = m_pending;
        m_pending.clear();
        if (!m_headDone && rest.trimmed().startsWith(QLatin1String("```"))) {
            const qsizetype nl = rest.indexOf(QLatin1Char('\n'));
            rest = nl < 0 ? QString() : rest.mid(nl + 1);
        }
        QString trimmed = rest;
        while (trimmed.endsWith(QLatin1Char('\n')) || trimmed.endsWith(QLatin1Char(' ')))
            trimmed.chop(1);
        if (trimmed.endsWith(QLatin1String("```")))
            rest = trimmed.left(trimmed.size() - 3);
        return rest;
    }

private:
    QString m_pending;
    bool m_headDone = false;
};

// ------------------------------------------------------------------------------------------------
// Relays: how the model server's OpenAI answer becomes each GitLab response.

// Shared part: decodes the upstream answer (whole or streamed) into text.
class GitLabRelay : public ResponseRelay
{
public:
    void head(HttpExchange &exchange, int status, const QByteArray &contentType) override
    {
        m_status = status;
        m_sse = contentType.startsWith("text/event-stream");
        if (ok() && m_sse)
            streamStarted(exchange);
    }

    std::optional<ApiError> body(HttpExchange &exchange, QByteArrayView bytes) override
    {
        if (ok() && m_sse) {
            m_decoder.feed(bytes, [&](const QString &text) {
                m_text += text;
                delta(exchange, text);
            });
            return std::nullopt;
        }
        if (m_body.size() + bytes.size() > 16 * 1024 * 1024)
            return ApiError::make(502, QStringLiteral("upstream_answer_too_large"), QStringLiteral("answer too large"));
        m_body.append(bytes);
        return std::nullopt;
    }

    void complete(HttpExchange &exchange) override
    {
        if (!ok()) {
            upstreamHttpError(exchange, m_status, m_body);
            return;
        }
        if (m_sse) {
            if (!m_decoder.streamError().isEmpty()) {
                error(exchange, ApiError::make(502, QStringLiteral("upstream_stream_error"), m_decoder.streamError()));
                return;
            }
            exchange.record().promptTokens = m_decoder.promptTokens();
            exchange.record().answerTokens = m_decoder.completionTokens();
            streamFinished(exchange, m_decoder.finishReason());
            return;
        }
        auto answer = parseOpenAiAnswer(m_body);
        if (!answer) {
            error(exchange, ApiError::make(502, answer.error().code, answer.error().message));
            return;
        }
        exchange.record().promptTokens = answer->promptTokens;
        exchange.record().answerTokens = answer->completionTokens;
        whole(exchange, *answer);
    }

    void error(HttpExchange &exchange, const ApiError &error) override
    {
        if (exchange.responseStarted()) {
            streamFailed(exchange, error);
            return;
        }
        if (error.status == 503 && error.code == QLatin1String("endpoint_busy")) {
            respondDetail(exchange, 503, error.message, error.code);
            return;
        }
        respondDetail(exchange, 503, QStringLiteral("Inference failed"), error.code);
    }

protected:
    bool ok() const { return m_status >= 200 && m_status < 300; }
    // A streamed answer began (2xx, event stream): start the client's response if streaming.
    virtual void streamStarted(HttpExchange &) { }
    virtual void delta(HttpExchange &exchange, const QString &text) = 0;
    virtual void streamFinished(HttpExchange &exchange, const QString &finishReason) = 0;
    virtual void whole(HttpExchange &exchange, const OpenAiAnswer &answer) = 0;
    virtual void streamFailed(HttpExchange &exchange, const ApiError &) { exchange.abortStream(); }
    virtual void upstreamHttpError(HttpExchange &exchange, int status, const QByteArray &)
    {
        respondDetail(exchange, 503, QStringLiteral("Inference failed"), QStringLiteral("upstream_status_%1").arg(status));
    }

    int m_status = 0;
    bool m_sse = false;
    QByteArray m_body;
    QString m_text; // streamed text so far
    OpenAiStreamDecoder m_decoder;
};

struct SuggestionContext
{
    const prompts::PromptBuilder *prompts = nullptr;
    ModelFamily family = ModelFamily::General;
    QString identifier;
    QString language;
    QStringList stop;
    QString prefix; // generation: the code above the cursor (fixes the leading newline)
    bool generation = false;
    enum class Format { Json, RawText, Sse } format = Format::Json;
    routing::CompletionCache *cache = nullptr;
    QByteArray cacheKey;
};

QJsonObject modelObject(const SuggestionContext &ctx, int inputTokens, int outputTokens)
{
    return QJsonObject{
        {QStringLiteral("engine"), QStringLiteral("airlock")},
        {QStringLiteral("name"), ctx.identifier},
        {QStringLiteral("lang"), ctx.language},
        {QStringLiteral("tokens_consumption_metadata"),
         QJsonObject{{QStringLiteral("input_tokens"), std::max(inputTokens, 0)},
                     {QStringLiteral("output_tokens"), std::max(outputTokens, 0)},
                     {QStringLiteral("context_tokens_sent"), 0},
                     {QStringLiteral("context_tokens_used"), 0}}},
    };
}

QJsonObject suggestionBody(const SuggestionContext &ctx, const QStringList &texts, const QString &finishReason,
                           int inputTokens, int outputTokens)
{
    QJsonArray choices;
    for (const QString &text : texts) {
        if (text.isEmpty())
            continue; // GitLab drops empty choices
        choices.append(QJsonObject{{QStringLiteral("text"), text},
                                   {QStringLiteral("index"), choices.size()},
                                   {QStringLiteral("finish_reason"), finishReason.isEmpty() ? QStringLiteral("length") : finishReason}});
    }
    return QJsonObject{{QStringLiteral("id"), QStringLiteral("id")},
                       {QStringLiteral("model"), modelObject(ctx, inputTokens, outputTokens)},
                       {QStringLiteral("experiments"), QJsonArray()},
                       {QStringLiteral("object"), QStringLiteral("text_completion")},
                       {QStringLiteral("created"), QDateTime::currentSecsSinceEpoch()},
                       {QStringLiteral("choices"), choices}};
}

QByteArray sseEvent(const char *event, const QByteArray &data)
{
    return "event: " + QByteArray(event) + "\ndata: " + data + "\n\n";
}

// Code completion and generation (/v2/code/*, /v4/code/suggestions).
class SuggestionRelay final : public GitLabRelay
{
public:
    explicit SuggestionRelay(SuggestionContext ctx) : m_ctx(std::move(ctx)) { }

    void error(HttpExchange &exchange, const ApiError &error) override
    {
        if (error.code == QLatin1String("superseded") && !exchange.responseStarted()) {
            // A newer keystroke replaced this request: answer "no suggestion" at once.
            exchange.record().superseded = true;
            if (m_ctx.format == SuggestionContext::Format::Json)
                respondJson(exchange, 200, suggestionBody(m_ctx, {}, QStringLiteral("length"), 0, 0));
            else
                exchange.respond(200, "text/event-stream", {});
            return;
        }
        GitLabRelay::error(exchange, error);
    }

protected:
    void streamStarted(HttpExchange &exchange) override
    {
        if (m_ctx.format == SuggestionContext::Format::Sse) {
            exchange.beginStream(200, "text/event-stream", {{"X-Streaming-Format", "sse"}, {"Cache-Control", "no-cache"}});
            exchange.writeChunk(sseEvent("stream_start", compact(QJsonObject{
                {QStringLiteral("metadata"), QJsonObject{{QStringLiteral("model"), modelObject(m_ctx, 0, 0)}}}})));
        } else if (m_ctx.format == SuggestionContext::Format::RawText) {
            exchange.beginStream(200, "text/event-stream", {{"Cache-Control", "no-cache"}});
        }
    }

    void delta(HttpExchange &exchange, const QString &text) override
    {
        const QString out = m_ctx.generation ? m_fences.feed(text) : text;
        emitText(exchange, out);
    }

    void emitText(HttpExchange &exchange, const QString &text)
    {
        if (text.isEmpty())
            return;
        m_sent += text;
        if (m_ctx.format == SuggestionContext::Format::Sse) {
            const QJsonObject chunk{{QStringLiteral("choices"),
                                     QJsonArray{QJsonObject{{QStringLiteral("delta"), QJsonObject{{QStringLiteral("content"), text}}},
                                                            {QStringLiteral("index"), 0}}}}};
            exchange.writeChunk(sseEvent("content_chunk", compact(chunk)));
        } else if (m_ctx.format == SuggestionContext::Format::RawText) {
            exchange.writeChunk(text.toUtf8());
        }
    }

    void streamFinished(HttpExchange &exchange, const QString &finishReason) override
    {
        if (m_ctx.generation)
            emitText(exchange, m_fences.finish());
        if (m_ctx.format == SuggestionContext::Format::Json) {
            // The client asked for JSON but the server streamed: answer whole.
            OpenAiAnswer answer;
            answer.texts = {m_text};
            answer.finishReason = finishReason;
            whole(exchange, answer);
            return;
        }
        if (m_ctx.format == SuggestionContext::Format::Sse)
            exchange.writeChunk(sseEvent("stream_end", "null"));
        exchange.endStream();
    }

    void whole(HttpExchange &exchange, const OpenAiAnswer &answer) override
    {
        QStringList texts;
        for (const QString &text : answer.texts) {
            texts << (m_ctx.generation ? m_ctx.prompts->postProcessGeneration(m_ctx.family, text, m_ctx.prefix)
                                       : m_ctx.prompts->postProcessCompletion(m_ctx.family, text, m_ctx.stop));
        }
        if (m_ctx.cache && !m_ctx.cacheKey.isEmpty())
            m_ctx.cache->insert(m_ctx.cacheKey, {texts, answer.promptTokens, answer.completionTokens});
        if (m_ctx.format == SuggestionContext::Format::Json) {
            respondJson(exchange, 200, suggestionBody(m_ctx, texts, answer.finishReason, answer.promptTokens,
                                                      answer.completionTokens));
            return;
        }
        // Streamed form requested, but the server answered whole.
        streamStarted(exchange);
        emitText(exchange, texts.value(0));
        if (m_ctx.format == SuggestionContext::Format::Sse)
            exchange.writeChunk(sseEvent("stream_end", "null"));
        exchange.endStream();
    }

    void streamFailed(HttpExchange &exchange, const ApiError &) override
    {
        if (m_ctx.format == SuggestionContext::Format::Sse) {
            exchange.writeChunk(sseEvent("stream_end", "null"));
            exchange.endStream();
            return;
        }
        exchange.abortStream();
    }

private:
    SuggestionContext m_ctx;
    FenceFilter m_fences;
    QString m_sent;
};

// Answers that are text: streamed as raw text chunks, or written whole by respondWhole().
class TextRelay : public GitLabRelay
{
public:
    explicit TextRelay(bool stream) : m_stream(stream) { }

protected:
    virtual void respondWhole(HttpExchange &exchange, const QString &text) = 0;

    void streamStarted(HttpExchange &exchange) override
    {
        if (m_stream)
            exchange.beginStream(200, "text/event-stream", {{"Cache-Control", "no-cache"}});
    }
    // The answer text goes to the chat history too (when the chat endpoint started a turn).
    void delta(HttpExchange &exchange, const QString &text) override
    {
        if (m_stream) {
            captureChatAnswer(exchange.record(), text);
            exchange.writeChunk(text.toUtf8());
        }
    }
    void streamFinished(HttpExchange &exchange, const QString &) override
    {
        if (m_stream) {
            exchange.endStream();
        } else {
            captureChatAnswer(exchange.record(), m_text);
            respondWhole(exchange, m_text);
        }
    }
    void whole(HttpExchange &exchange, const OpenAiAnswer &answer) override
    {
        captureChatAnswer(exchange.record(), answer.texts.value(0));
        if (!m_stream) {
            respondWhole(exchange, answer.texts.value(0));
            return;
        }
        streamStarted(exchange);
        exchange.writeChunk(answer.texts.value(0).toUtf8());
        exchange.endStream();
    }

private:
    bool m_stream;
};

// /v1/chat/{invokable}: {"response": ..., "metadata": {...}} or raw text chunks.
class ChatRelay final : public TextRelay
{
public:
    ChatRelay(bool stream, QString provider, QString model)
        : TextRelay(stream)
        , m_provider(std::move(provider))
        , m_model(std::move(model))
    {
    }

protected:
    void respondWhole(HttpExchange &exchange, const QString &text) override
    {
        respondJson(exchange, 200,
                    QJsonObject{{QStringLiteral("response"), text},
                                {QStringLiteral("metadata"),
                                 QJsonObject{{QStringLiteral("provider"), m_provider},
                                             {QStringLiteral("model"), m_model},
                                             {QStringLiteral("timestamp"), QDateTime::currentSecsSinceEpoch()}}}});
    }

private:
    QString m_provider;
    QString m_model;
};

// /v1/prompts/{id}: a JSON string, or raw text; a model-server HTTP error is 421 "<status>: <reason>".
class PromptRelay final : public TextRelay
{
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
        const QJsonObject error = QJsonDocument::fromJson(body).object().value(QStringLiteral("error")).toObject();
        if (!error.value(QStringLiteral("message")).toString().isEmpty())
            reason = error.value(QStringLiteral("message")).toString();
        respondDetail(exchange, 421, QStringLiteral("%1: %2").arg(status).arg(reason),
                      QStringLiteral("upstream_status_%1").arg(status));
    }
};

// /v2/chat/agent: always 200, one JSON object per line, as the model produces them.
class AgentRelay final : public GitLabRelay
{
public:
    void error(HttpExchange &exchange, const ApiError &error) override
    {
        ensureStarted(exchange);
        writeEvent(exchange, QStringLiteral("error"),
                   QJsonObject{{QStringLiteral("message"), error.status == 503 && error.code == QLatin1String("endpoint_busy")
                                                                ? error.message
                                                                : QStringLiteral("Inference failed")},
                               {QStringLiteral("retryable"), error.status >= 500}});
        exchange.endStream();
    }

protected:
    void ensureStarted(HttpExchange &exchange)
    {
        if (!exchange.responseStarted())
            exchange.beginStream(200, "application/x-ndjson; charset=utf-8", {{"Cache-Control", "no-cache"}});
    }
    void writeEvent(HttpExchange &exchange, const QString &type, const QJsonObject &data)
    {
        exchange.writeChunk(QByteArray(compact(QJsonObject{{QStringLiteral("type"), type}, {QStringLiteral("data"), data}}) + '\n'));
    }
    void emitEvents(HttpExchange &exchange, const QList<ReActParser::Event> &events)
    {
        for (const ReActParser::Event &e : events) {
            switch (e.type) {
            case ReActParser::Event::Type::Action:
                writeEvent(exchange, QStringLiteral("action"),
                           QJsonObject{{QStringLiteral("tool"), e.tool},
                                       {QStringLiteral("tool_input"), e.toolInput},
                                       {QStringLiteral("thought"), e.thought}});
                break;
            case ReActParser::Event::Type::FinalAnswerDelta:
                captureChatAnswer(exchange.record(), e.text);
                writeEvent(exchange, QStringLiteral("final_answer_delta"), QJsonObject{{QStringLiteral("text"), e.text}});
                break;
            case ReActParser::Event::Type::Unknown:
                captureChatAnswer(exchange.record(), e.text);
                writeEvent(exchange, QStringLiteral("unknown"), QJsonObject{{QStringLiteral("text"), e.text}});
                break;
            }
        }
    }
    void streamStarted(HttpExchange &exchange) override { ensureStarted(exchange); }
    void delta(HttpExchange &exchange, const QString &text) override { emitEvents(exchange, m_parser.feed(text)); }
    void streamFinished(HttpExchange &exchange, const QString &) override
    {
        emitEvents(exchange, m_parser.finish());
        exchange.endStream();
    }
    void whole(HttpExchange &exchange, const OpenAiAnswer &answer) override
    {
        ensureStarted(exchange);
        emitEvents(exchange, m_parser.feed(answer.texts.value(0)));
        emitEvents(exchange, m_parser.finish());
        exchange.endStream();
    }
    void upstreamHttpError(HttpExchange &exchange, int status, const QByteArray &) override
    {
        exchange.record().errorCode = QStringLiteral("upstream_status_%1").arg(status);
        error(exchange, ApiError::make(502, exchange.record().errorCode, QStringLiteral("Inference failed")));
    }

private:
    ReActParser m_parser;
};

QString readPromptVersionConstraint(const QJsonValue &value, bool *valid)
{
    *valid = true;
    if (value.isUndefined() || value.isNull())
        return QStringLiteral("^1.0.0");
    if (!value.isString()) {
        *valid = false;
        return {};
    }
    return value.toString();
}

// Does our prompt version 1.0.0 satisfy a semver constraint ("^1.0.0", "~1.0", ">=1.0.0", "1.0.0",
// "1.x", "*")? Sets *valid = false when the constraint cannot be parsed.
bool versionSatisfies(const QString &constraint, bool *valid)
{
    static const QRegularExpression pattern(
        QStringLiteral("^\\s*(\\^|~|>=|<=|>|<|=)?\\s*v?(\\d+|x|\\*)(?:\\.(\\d+|x|\\*))?(?:\\.(\\d+|x|\\*))?(-[0-9A-Za-z.-]+)?\\s*$"));
    const QString c = constraint.trimmed();
    if (c == QLatin1String("*") || c.isEmpty()) {
        *valid = !c.isEmpty();
        return *valid;
    }
    const auto match = pattern.match(c);
    *valid = match.hasMatch();
    if (!*valid)
        return false;
    const QString op = match.captured(1);
    auto part = [&](int i) { const QString s = match.captured(i); return s.isEmpty() || s == QLatin1String("x") || s == QLatin1String("*") ? -1 : s.toInt(); };
    const int major = part(2), minor = part(3), patch = part(4);
    const int ours[3] = {1, 0, 0};
    const int want[3] = {major, minor < 0 ? 0 : minor, patch < 0 ? 0 : patch};
    auto compare = [&]() {
        for (int i = 0; i < 3; ++i) {
            if (ours[i] != want[i])
                return ours[i] < want[i] ? -1 : 1;
        }
        return 0;
    };
    if (op == QLatin1String("^") || op.isEmpty() || op == QLatin1String("=")) {
        if (op.isEmpty() || op == QLatin1String("="))
            return major < 0 || (major == 1 && (minor < 0 || minor == 0) && (patch < 0 || patch == 0));
        return major == 1 && compare() >= 0;
    }
    if (op == QLatin1String("~"))
        return major == 1 && (minor < 0 || minor == 0) && compare() >= 0;
    const int cmp = compare();
    if (op == QLatin1String(">="))
        return cmp >= 0;
    if (op == QLatin1String(">"))
        return cmp > 0;
    if (op == QLatin1String("<="))
        return cmp <= 0;
    return cmp < 0;
}

} // namespace

// ------------------------------------------------------------------------------------------------

QList<ReActParser::Event> ReActParser::feed(const QString &text)
{
    m_text += text;
    QList<Event> events;
    if (!m_final) {
        static const QString marker = QStringLiteral("Final Answer:");
        const qsizetype at = m_text.indexOf(marker);
        if (at < 0)
            return events;
        m_final = true;
        m_finalStart = at + marker.size();
        while (m_finalStart < m_text.size() && m_text.at(m_finalStart) == QLatin1Char(' '))
            ++m_finalStart;
        m_emitted = m_finalStart;
    }
    if (m_text.size() > m_emitted) {
        events.append(Event{Event::Type::FinalAnswerDelta, m_text.mid(m_emitted), {}, {}, {}});
        m_emitted = m_text.size();
    }
    return events;
}

QList<ReActParser::Event> ReActParser::finish()
{
    if (m_final)
        return {};
    static const QRegularExpression action(
        QStringLiteral("(?:Thought:\\s*(?<thought>.*?)\\s*)?Action:\\s*(?<tool>[^\\n]+?)\\s*\\n+\\s*Action Input:\\s*(?<input>.*?)\\s*$"),
        QRegularExpression::DotMatchesEverythingOption);
    const auto match = action.match(m_text);
    if (match.hasMatch()) {
        return {Event{Event::Type::Action, {}, match.captured(u"tool"), match.captured(u"input"),
                      match.captured(u"thought")}};
    }
    return {Event{Event::Type::Unknown, m_text.trimmed(), {}, {}, {}}};
}

// ------------------------------------------------------------------------------------------------

struct GitLabApi::Private
{
    WorkerServices services;
    GitLabShared shared;
    QObject context; // lives on this worker's thread: target of supersede cancellations

    struct Prelude
    {
        std::shared_ptr<const routing::ConfigSnapshot> snapshot;
        auth::Principal principal;
        QJsonObject body;
    };

    // Common start of every GitLab request: headers into the record, authentication, body parsing.
    std::optional<Prelude> begin(HttpExchange &exchange, bool parseBody)
    {
        exchange.setProcessTimeHeader(true);
        const HttpRequest &request = exchange.request();
        RequestRecord &record = exchange.record();
        record.dialect = QStringLiteral("gitlab");
        record.userId = QString::fromUtf8(request.header("x-gitlab-global-user-id"));
        record.instanceId = QString::fromUtf8(request.header("x-gitlab-instance-id"));
        record.realm = QString::fromUtf8(request.header("x-gitlab-realm"));
        record.hostName = QString::fromUtf8(request.header("x-gitlab-host-name"));
        record.gitlabVersion = QString::fromUtf8(request.header("x-gitlab-version"));
        record.clientVersion = QString::fromUtf8(request.header("x-gitlab-language-server-version"));
        // record.captureBodies was decided by the exchange (admin setting or the request's
        // `expanded_ai_logging` flag): never overwrite it here.

        Prelude prelude;
        prelude.snapshot = services.config->current();
        if (services.auth) {
            QElapsedTimer timer;
            timer.start();
            auto principal = services.auth->authenticate(request, auth::Dialect::GitLab);
            record.authMs = timer.nsecsElapsed() / 1e6;
            if (!principal) {
                record.errorCode = principal.error().code;
                record.errorMessage = principal.error().message;
                const int status = auth::statusFor(principal.error());
                if (const int seconds = auth::retryAfterSeconds(principal.error()))
                    exchange.addResponseHeader("Retry-After", QByteArray::number(seconds));
                if (status == 401)
                    respondJson(exchange, 401, QJsonObject{{QStringLiteral("error"), principal.error().message}});
                else
                    respondDetail(exchange, status, principal.error().message, principal.error().code);
                return std::nullopt;
            }
            prelude.principal = *principal;
            if (!principal->subject.isEmpty() && record.userId.isEmpty())
                record.userId = principal->subject;
            record.tokenIssuer = principal->issuer;
            record.tokenId = principal->tokenId;
        } else {
            prelude.principal.anonymous = true;
        }
        if (!parseBody)
            return prelude;
        const auto scan = scanJson(request.body);
        if (!scan) {
            GitLabValidator v;
            v.add({}, QStringLiteral("json_invalid"), QStringLiteral("JSON decode error: %1").arg(scan.error().message));
            respondValidation(exchange, v);
            return std::nullopt;
        }
        if (scan->rootType != JsonType::Object) {
            GitLabValidator v;
            v.add({}, QStringLiteral("model_attributes_type"),
                  QStringLiteral("Input should be a valid dictionary or object to extract fields from"));
            respondValidation(exchange, v);
            return std::nullopt;
        }
        prelude.body = QJsonDocument::fromJson(request.body).object();
        return prelude;
    }

    // Scope, flags and stage for `feature`; answers the refusal itself.
    bool allowed(HttpExchange &exchange, const Prelude &prelude, const QString &feature, const QString &scopeMessage)
    {
        exchange.record().feature = feature;
        if (!auth::scopeAllows(prelude.principal, feature)) {
            respondDetail(exchange, 403, scopeMessage, QStringLiteral("insufficient_scope"));
            return false;
        }
        const Feature *entry = FeatureCatalog::instance().find(feature);
        if (entry) {
            const auto st = routing::checkFeatureAllowed(
                prelude.snapshot->flags(), *entry,
                routing::parseNamespaceIdsHeader(exchange.request().header("x-gitlab-feature-enabled-by-namespace-ids")));
            if (!st) {
                respondDetail(exchange, 403, st.error().message, st.error().code);
                return false;
            }
        }
        return true;
    }

    const routing::EndpointRuntime *route(HttpExchange &exchange, const Prelude &prelude, const QString &feature,
                                          const ModelDetails &details)
    {
        const Routed routed = routeFeature(*prelude.snapshot, feature, details);
        if (!routed.endpoint) {
            respondDetail(exchange, routed.status, routed.detail, routed.code);
            return nullptr;
        }
        return routed.endpoint;
    }

    void start(std::unique_ptr<HttpExchange> exchange, const Prelude &prelude, const routing::EndpointRuntime *endpoint,
               const prompts::BuiltRequest &built, bool stream, std::unique_ptr<ResponseRelay> relay,
               const QByteArray &supersedeKey = {})
    {
        ProxyJob job;
        // Register first: a superseded request must be cancellable from the moment it exists.
        routing::SupersedeRegistry::Entered entered;
        auto pending = std::make_shared<QPointer<ProxyOperation>>();
        if (!supersedeKey.isEmpty() && shared.supersede) {
            entered = shared.supersede->enter(supersedeKey, &context, [pending] {
                if (*pending)
                    (*pending)->cancel(ApiError::make(200, QStringLiteral("superseded"),
                                                      QStringLiteral("a newer completion request for the same file replaced this one")));
            });
            // Inside a typing burst the next keystroke is likely before the model could answer: wait a
            // little, so that a superseded request never reaches the model server at all.
            if (shared.burstDebounceMs > 0 && entered.msSincePrevious >= 0 && entered.msSincePrevious < shared.burstWindowMs)
                job.startDelayMs = shared.burstDebounceMs;
        }
        job.snapshot = prelude.snapshot;
        job.authLease = prelude.principal.lease; // per-user/per-token places held until the response ends
        job.feature = exchange->record().feature;
        job.endpoint = endpoint;
        job.url = built.api == prompts::BuiltRequest::Api::Completions ? endpoint->completionsUrl
                                                                        : endpoint->chatCompletionsUrl;
        job.body = built.body;
        job.stream = stream;
        if (exchange->record().captureBodies)
            exchange->record().promptBody = built.prompt.toUtf8().left(kMaxCapturedBodyBytes);
        const QPointer<ProxyOperation> op = ProxyOperation::start(std::move(exchange), std::move(job), services.client,
                                                                  std::move(relay), services.observer);
        if (!entered.ticket)
            return;
        *pending = op;
        const auto leave = [registry = shared.supersede, supersedeKey, ticket = entered.ticket] {
            registry->leave(supersedeKey, ticket);
        };
        if (!op)
            leave();
        else
            QObject::connect(op, &QObject::destroyed, &context, leave);
    }

    // ---- code suggestions ------------------------------------------------------------------------

    void suggestions(std::unique_ptr<HttpExchange> exchange, bool generation, SuggestionContext::Format streamFormat)
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
            const QStringList loc{QStringLiteral("current_file")};
            input.fileName = v.string(*currentFile, QStringLiteral("file_name"), loc, true, 255).value_or(QString());
            input.language = v.string(*currentFile, QStringLiteral("language_identifier"), loc, false, 255).value_or(QString());
            input.prefix = v.string(*currentFile, QStringLiteral("content_above_cursor"), loc, true, 100000).value_or(QString());
            input.suffix = v.string(*currentFile, QStringLiteral("content_below_cursor"), loc, true, 100000).value_or(QString());
        }
        v.string(body, QStringLiteral("project_path"), {}, false, 255, true);
        v.integer(body, QStringLiteral("project_id"), {}, false);
        if (body.contains(QStringLiteral("model_provider")) && !body.value(QStringLiteral("model_provider")).isNull())
            v.oneOf(body, QStringLiteral("model_provider"), {}, kModelProviders, false);
        ModelDetails details;
        details.name = v.string(body, QStringLiteral("model_name"), {}, false, 50, true).value_or(QString());
        details.endpoint = v.string(body, QStringLiteral("model_endpoint"), {}, false, -1, true).value_or(QString());
        details.identifier = v.string(body, QStringLiteral("model_identifier"), {}, false, -1, true).value_or(QString());
        v.string(body, QStringLiteral("model_api_key"), {}, false, -1, true);
        const auto telemetry = v.array(body, QStringLiteral("telemetry"), {}, false, -1, 10);
        if (telemetry) {
            for (qsizetype i = 0; i < telemetry->size(); ++i) {
                const QStringList loc{QStringLiteral("telemetry"), QString::number(i)};
                if (!telemetry->at(i).isObject()) {
                    v.add(loc, QStringLiteral("model_type"), QStringLiteral("Input should be a valid dictionary"));
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
                const QStringList loc{QStringLiteral("context"), QString::number(i)};
                const QJsonObject item = context->at(i).toObject();
                prompts::CodeContext::Item ci;
                ci.type = v.string(item, QStringLiteral("type"), loc, true, 1024).value_or(QString());
                ci.name = v.string(item, QStringLiteral("name"), loc, true, 1024).value_or(QString());
                ci.content = v.string(item, QStringLiteral("content"), loc, true, 500000).value_or(QString());
                input.context.append(ci);
            }
        }
        const QString promptId = v.string(body, QStringLiteral("prompt_id"), {}, false, -1, true).value_or(QString());
        const QJsonValue prompt = body.value(QStringLiteral("prompt"));
        if (version >= 3) {
            if (!prompt.isUndefined() && !prompt.isNull()) {
                const auto messages = v.array(body, QStringLiteral("prompt"), {}, false);
                if (messages) {
                    for (qsizetype i = 0; i < messages->size(); ++i) {
                        const QStringList loc{QStringLiteral("prompt"), QString::number(i)};
                        const QJsonObject m = messages->at(i).toObject();
                        const auto role = v.oneOf(m, QStringLiteral("role"), loc,
                                                  {QStringLiteral("system"), QStringLiteral("user"), QStringLiteral("assistant")}, true);
                        const auto content = v.string(m, QStringLiteral("content"), loc, true);
                        if (role == QLatin1String("user") && content)
                            input.instruction = *content;
                    }
                }
            } else if (generation) {
                v.add({QStringLiteral("prompt")}, QStringLiteral("missing"), QStringLiteral("Field required"));
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
        exchange->record().lang = input.language;
        exchange->record().editorLang = input.language;
        const QString feature = generation ? QStringLiteral("code_generations") : QStringLiteral("code_completions");
        if (!allowed(*exchange, *prelude, feature,
                     generation ? QStringLiteral("Unauthorized to access code generations")
                                : QStringLiteral("Unauthorized to access code completions")))
            return;
        const routing::EndpointRuntime *endpoint = route(*exchange, *prelude, feature, details);
        if (!endpoint)
            return;
        const ModelEndpoint &model = endpoint->endpoint;
        SuggestionContext ctx;
        ctx.prompts = shared.prompts;
        ctx.family = model.family;
        ctx.identifier = model.identifier;
        ctx.language = input.language;
        ctx.generation = generation;
        ctx.prefix = input.prefix;
        ctx.format = streamFormat == SuggestionContext::Format::Sse ? SuggestionContext::Format::Sse
            : stream                                               ? SuggestionContext::Format::RawText
                                                                   : SuggestionContext::Format::Json;
        const bool upstreamStream = ctx.format != SuggestionContext::Format::Json;

        const QString *overrideText = prelude->snapshot->promptOverride(model.name, feature);
        const prompts::TemplateOverride override{overrideText ? *overrideText : QString()};
        auto built = generation ? shared.prompts->codeGeneration(model, input, upstreamStream, overrideText ? &override : nullptr)
                                : shared.prompts->codeCompletion(model, input, upstreamStream, overrideText ? &override : nullptr);
        if (!built) {
            respondDetail(*exchange, 422, built.error().message, built.error().code);
            return;
        }
        ctx.stop = built->stop;
        exchange->record().promptTokens = built->promptTokensEstimate;

        // Exact-match cache (non-streamed completions): the same inputs give the same suggestion.
        if (!generation && ctx.format == SuggestionContext::Format::Json && shared.cache) {
            ctx.cache = shared.cache;
            ctx.cacheKey = routing::CompletionCache::key(
                {model.name, model.identifier, built->prompt, QString::number(built->temperature), input.fileName});
            if (auto hit = shared.cache->find(ctx.cacheKey)) {
                exchange->record().cached = true;
                exchange->record().modelEndpoint = model.name;
                exchange->record().modelIdentifier = model.identifier;
                respondJson(*exchange, 200, suggestionBody(ctx, hit->choices, QStringLiteral("length"), hit->promptTokens,
                                                           hit->completionTokens));
                return;
            }
        }

        QByteArray supersedeKey;
        if (!generation) {
            const QString user = !prelude->principal.anonymous && !prelude->principal.subject.isEmpty()
                ? prelude->principal.subject
                : exchange->record().userId;
            if (!user.isEmpty() && !input.fileName.isEmpty())
                supersedeKey = (user + QChar(0) + input.fileName).toUtf8();
        }
        auto relay = std::make_unique<SuggestionRelay>(ctx);
        start(std::move(exchange), *prelude, endpoint, *built, upstreamStream, std::move(relay), supersedeKey);
    }

    // ---- chat ----------------------------------------------------------------------------------

    void chat(std::unique_ptr<HttpExchange> exchange)
    {
        const QByteArray prefix = "/v1/chat/";
        const QString invokable = QUrl::fromPercentEncoding(exchange->request().path.mid(prefix.size()));
        const Feature *feature = FeatureCatalog::instance().findByRoute(u"/v1/chat/{invokable}", invokable);
        auto prelude = begin(*exchange, true);
        if (!prelude)
            return;
        if (!feature) {
            respondDetail(*exchange, 404, QStringLiteral("Not found"), QStringLiteral("unknown_invokable"));
            return;
        }
        const QJsonObject &body = prelude->body;
        GitLabValidator v;
        const auto components = v.array(body, QStringLiteral("prompt_components"), {}, true, 1, 1);
        const bool stream = v.boolean(body, QStringLiteral("stream"), {}, false).value_or(false);
        prompts::ChatInput input;
        input.feature = feature->id;
        ModelDetails details;
        QString provider = QStringLiteral("litellm");
        QString modelName;
        if (components && !components->isEmpty()) {
            const QStringList loc{QStringLiteral("prompt_components"), QStringLiteral("0")};
            const QJsonObject component = components->at(0).toObject();
            v.string(component, QStringLiteral("type"), loc, true, 100);
            if (const auto metadata = v.object(component, QStringLiteral("metadata"), loc, false)) {
                v.string(*metadata, QStringLiteral("source"), loc + QStringList{QStringLiteral("metadata")}, false, 100);
                v.string(*metadata, QStringLiteral("version"), loc + QStringList{QStringLiteral("metadata")}, false, 100);
            }
            const auto payload = v.object(component, QStringLiteral("payload"), loc, true);
            if (payload) {
                const QStringList ploc = loc + QStringList{QStringLiteral("payload")};
                const QJsonValue content = payload->value(QStringLiteral("content"));
                if (content.isString()) {
                    if (content.toString().size() > 400000) {
                        v.add(ploc + QStringList{QStringLiteral("content")}, QStringLiteral("string_too_long"),
                              QStringLiteral("String should have at most 400000 characters"));
                    }
                    input.messages.append(QJsonObject{{QStringLiteral("role"), QStringLiteral("user")},
                                                      {QStringLiteral("content"), content.toString()}});
                } else if (content.isArray()) {
                    const QJsonArray list = content.toArray();
                    if (list.isEmpty() || list.size() > 100) {
                        v.add(ploc + QStringList{QStringLiteral("content")}, QStringLiteral("too_long"),
                              QStringLiteral("List should have between 1 and 100 items"));
                    }
                    for (qsizetype i = 0; i < list.size(); ++i) {
                        const QStringList mloc = ploc + QStringList{QStringLiteral("content"), QString::number(i)};
                        const QJsonObject m = list.at(i).toObject();
                        const auto role = v.oneOf(m, QStringLiteral("role"), mloc,
                                                  {QStringLiteral("system"), QStringLiteral("user"), QStringLiteral("assistant")}, true);
                        const auto text = v.string(m, QStringLiteral("content"), mloc, true);
                        if (role && text)
                            input.messages.append(QJsonObject{{QStringLiteral("role"), *role}, {QStringLiteral("content"), *text}});
                    }
                } else {
                    v.add(ploc + QStringList{QStringLiteral("content")},
                          content.isUndefined() ? QStringLiteral("missing") : QStringLiteral("string_type"),
                          content.isUndefined() ? QStringLiteral("Field required")
                                                : QStringLiteral("Input should be a valid string"));
                }
                if (payload->contains(QStringLiteral("provider")))
                    provider = v.oneOf(*payload, QStringLiteral("provider"), ploc,
                                       {QStringLiteral("anthropic"), QStringLiteral("litellm")}, false).value_or(provider);
                modelName = v.string(*payload, QStringLiteral("model"), ploc, false, -1, true).value_or(QString());
                details.endpoint = v.string(*payload, QStringLiteral("model_endpoint"), ploc, false, -1, true).value_or(QString());
                details.identifier = v.string(*payload, QStringLiteral("model_identifier"), ploc, false, -1, true).value_or(QString());
                if (const auto params = v.object(*payload, QStringLiteral("params"), ploc, false)) {
                    const QStringList aloc = ploc + QStringList{QStringLiteral("params")};
                    if (const auto stops = v.array(*params, QStringLiteral("stop_sequences"), aloc, false, 1, 10)) {
                        for (const QJsonValue &s : *stops)
                            input.stop << s.toString().left(225);
                    }
                    input.temperature = v.number(*params, QStringLiteral("temperature"), aloc, 0, 1).value_or(-1);
                    if (const auto maxTokens = v.integer(*params, QStringLiteral("max_tokens_to_sample"), aloc, false)) {
                        if (*maxTokens < 1 || *maxTokens > 8192)
                            v.add(aloc + QStringList{QStringLiteral("max_tokens_to_sample")}, QStringLiteral("less_than_equal"),
                                  QStringLiteral("Input should be between 1 and 8192"));
                        else
                            input.maxTokens = int(*maxTokens);
                    }
                }
            }
        }
        if (!v.ok()) {
            respondValidation(*exchange, v);
            return;
        }
        if (!allowed(*exchange, *prelude, feature->id, QStringLiteral("Unauthorized to access %1").arg(invokable)))
            return;
        const routing::EndpointRuntime *endpoint = route(*exchange, *prelude, feature->id, details);
        if (!endpoint)
            return;
        const QString *overrideText = prelude->snapshot->promptOverride(endpoint->endpoint.name, feature->id);
        const prompts::TemplateOverride override{overrideText ? *overrideText : QString()};
        auto built = shared.prompts->chat(endpoint->endpoint, input, stream, overrideText ? &override : nullptr);
        if (!built) {
            respondDetail(*exchange, 422, built.error().message, built.error().code);
            return;
        }
        if (feature->chat && services.observer)
            beginChatCapture(exchange->record(), chatHistoryOwner(prelude->principal), lastUserMessage(input.messages));
        start(std::move(exchange), *prelude, endpoint, *built, stream,
              std::make_unique<ChatRelay>(stream, provider, modelName.isEmpty() ? endpoint->endpoint.identifier : modelName));
    }

    // ---- Duo Chat agent (ReAct) -------------------------------------------------------------------

    void agent(std::unique_ptr<HttpExchange> exchange)
    {
        auto prelude = begin(*exchange, true);
        if (!prelude)
            return;
        const QJsonObject &body = prelude->body;
        GitLabValidator v;
        const auto messages = v.array(body, QStringLiteral("messages"), {}, true, 1);
        prompts::ChatInput input;
        input.feature = QStringLiteral("duo_chat");
        QString question; // the last user message, for the chat history
        QString system = QStringLiteral(
            "You are GitLab Duo Chat, a helpful assistant for software development. Answer the user's last question. "
            "You can reason step by step. When you know the answer, reply in this format:\n"
            "Thought: <your reasoning>\nFinal Answer: <the answer for the user, in Markdown>\n"
            "If you need information from a tool, reply with:\nThought: <why>\nAction: <tool name>\nAction Input: <input>\n"
            "and nothing else.");
        if (const auto unavailable = v.array(body, QStringLiteral("unavailable_resources"), {}, false); unavailable && !unavailable->isEmpty()) {
            QStringList names;
            for (const QJsonValue &r : *unavailable)
                names << r.toString();
            system += QStringLiteral("\nThese resources are not available: %1.").arg(names.join(QStringLiteral(", ")));
        }
        input.messages.append(QJsonObject{{QStringLiteral("role"), QStringLiteral("system")}, {QStringLiteral("content"), system}});
        if (messages) {
            for (qsizetype i = 0; i < messages->size(); ++i) {
                const QStringList loc{QStringLiteral("messages"), QString::number(i)};
                const QJsonObject m = messages->at(i).toObject();
                const auto role = v.oneOf(m, QStringLiteral("role"), loc,
                                          {QStringLiteral("user"), QStringLiteral("assistant"), QStringLiteral("system")}, true);
                QString content = v.string(m, QStringLiteral("content"), loc, true).value_or(QString());
                if (role == QLatin1String("user"))
                    question = content; // what the user wrote, without the context added below
                if (const auto ctx = v.object(m, QStringLiteral("context"), loc, false)) {
                    content += QStringLiteral("\n\nContext (%1):\n%2")
                                   .arg(ctx->value(QStringLiteral("type")).toString(), ctx->value(QStringLiteral("content")).toString());
                }
                if (const auto file = v.object(m, QStringLiteral("current_file"), loc, false)) {
                    content += QStringLiteral("\n\nCurrent file %1:\n%2")
                                   .arg(file->value(QStringLiteral("file_path")).toString(),
                                        file->value(QStringLiteral("selected_code")).toBool()
                                            ? file->value(QStringLiteral("data")).toString()
                                            : file->value(QStringLiteral("data")).toString());
                }
                if (const auto extra = v.array(m, QStringLiteral("additional_context"), loc, false)) {
                    for (const QJsonValue &item : *extra) {
                        const QJsonObject o = item.toObject();
                        content += QStringLiteral("\n\nAdditional context (%1 %2):\n%3")
                                       .arg(o.value(QStringLiteral("category")).toString(), o.value(QStringLiteral("id")).toString(),
                                            o.value(QStringLiteral("content")).toString());
                    }
                }
                if (role)
                    input.messages.append(QJsonObject{{QStringLiteral("role"), *role}, {QStringLiteral("content"), content}});
            }
        }
        // Steps already taken (tool observations) continue the scratchpad.
        const QJsonObject options = body.value(QStringLiteral("options")).toObject();
        const QJsonArray steps = options.value(QStringLiteral("agent_scratchpad")).toObject().value(QStringLiteral("steps")).toArray();
        if (!steps.isEmpty()) {
            QString scratch;
            for (const QJsonValue &s : steps) {
                const QJsonObject step = s.toObject();
                scratch += QStringLiteral("Thought: %1\nAction: %2\nAction Input: %3\nObservation: %4\n")
                               .arg(step.value(QStringLiteral("thought")).toString(), step.value(QStringLiteral("tool")).toString(),
                                    step.value(QStringLiteral("tool_input")).toString(),
                                    step.value(QStringLiteral("observation")).toString());
            }
            input.messages.append(QJsonObject{{QStringLiteral("role"), QStringLiteral("assistant")}, {QStringLiteral("content"), scratch}});
        }
        ModelDetails details;
        if (const auto metadata = v.object(body, QStringLiteral("model_metadata"), {}, false)) {
            details.endpoint = metadata->value(QStringLiteral("endpoint")).toString();
            details.identifier = metadata->value(QStringLiteral("identifier")).toString();
        }
        if (!v.ok()) {
            respondValidation(*exchange, v);
            return;
        }
        if (!allowed(*exchange, *prelude, QStringLiteral("duo_chat"), QStringLiteral("Unauthorized to access duo chat")))
            return;
        const routing::EndpointRuntime *endpoint = route(*exchange, *prelude, QStringLiteral("duo_chat"), details);
        if (!endpoint)
            return;
        input.stop = {QStringLiteral("Observation:")};
        auto built = shared.prompts->chat(endpoint->endpoint, input, true);
        if (!built) {
            respondDetail(*exchange, 422, built.error().message, built.error().code);
            return;
        }
        // A ReAct exchange takes several steps for one question: the question goes to the history with
        // the first step; a later step (tool observations in the scratchpad) adds only its final answer.
        if (services.observer)
            beginChatCapture(exchange->record(), chatHistoryOwner(prelude->principal), steps.isEmpty() ? question : QString());
        start(std::move(exchange), *prelude, endpoint, *built, true, std::make_unique<AgentRelay>());
    }

    // ---- prompt registry -----------------------------------------------------------------------

    void prompt(std::unique_ptr<HttpExchange> exchange)
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
            const QStringList loc{QStringLiteral("model_metadata")};
            details.name = v.string(*metadata, QStringLiteral("name"), loc, false, 255, true).value_or(QString());
            v.string(*metadata, QStringLiteral("provider"), loc, false, 255, true);
            details.endpoint = v.string(*metadata, QStringLiteral("endpoint"), loc, false, 255, true).value_or(QString());
            v.string(*metadata, QStringLiteral("api_key"), loc, false, 255, true);
            details.identifier = v.string(*metadata, QStringLiteral("identifier"), loc, false, 255, true).value_or(QString());
        }
        bool constraintValid = true;
        const QString constraint = readPromptVersionConstraint(body.value(QStringLiteral("prompt_version")), &constraintValid);
        if (!v.ok()) {
            respondValidation(*exchange, v);
            return;
        }
        bool valid = constraintValid;
        const bool satisfied = valid && versionSatisfies(constraint, &valid);
        if (!valid) {
            respondDetail(*exchange, 422, QStringLiteral("Invalid version constraint"), QStringLiteral("invalid_version_constraint"));
            return;
        }

        // model_configuration/check: GitLab's "test model" button. Ask the named (registered) model for a
        // one-word answer.
        if (promptId == QLatin1String("model_configuration/check")) {
            exchange->record().feature = QStringLiteral("model_configuration_check");
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
                respondDetail(*exchange, 404, QStringLiteral("No model endpoint is registered"), QStringLiteral("no_model"));
                return;
            }
            prompts::ChatInput input;
            input.feature = QStringLiteral("duo_chat");
            input.messages.append(QJsonObject{{QStringLiteral("role"), QStringLiteral("user")},
                                              {QStringLiteral("content"), QStringLiteral("Reply with the single word OK.")}});
            input.maxTokens = 8;
            input.temperature = 0;
            auto built = shared.prompts->chat(endpoint->endpoint, input, stream);
            if (!built) {
                respondDetail(*exchange, 422, built.error().message, built.error().code);
                return;
            }
            start(std::move(exchange), *prelude, endpoint, *built, stream, std::make_unique<PromptRelay>(stream));
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
            respondDetail(*exchange, 404, QStringLiteral("Prompt '%1' not found").arg(promptId), QStringLiteral("prompt_not_found"));
            return;
        }
        if (!satisfied) {
            respondDetail(*exchange, 404, QStringLiteral("No prompt version found matching the query"),
                          QStringLiteral("prompt_version_not_found"));
            return;
        }
        if (!allowed(*exchange, *prelude, feature->id, QStringLiteral("Unauthorized to access '%1'").arg(promptId)))
            return;
        const routing::EndpointRuntime *endpoint = route(*exchange, *prelude, feature->id, details);
        if (!endpoint)
            return;
        prompts::BuiltRequest built;
        if (feature->id == QLatin1String("code_generations")) {
            prompts::CodeContext code;
            code.prefix = inputs->value(QStringLiteral("prefix")).toString();
            code.suffix = inputs->value(QStringLiteral("suffix")).toString();
            code.instruction = inputs->value(QStringLiteral("instruction")).toString();
            code.language = inputs->value(QStringLiteral("language")).toString();
            code.fileName = inputs->value(QStringLiteral("file_name")).toString();
            auto r = shared.prompts->codeGeneration(endpoint->endpoint, code, stream);
            if (!r) {
                respondDetail(*exchange, 422, r.error().message, r.error().code);
                return;
            }
            built = *r;
        } else {
            prompts::ChatInput input;
            input.feature = feature->id;
            QString text;
            for (auto it = inputs->begin(); it != inputs->end(); ++it) {
                const QString value = it.value().isString() ? it.value().toString()
                                                            : QString::fromUtf8(QJsonDocument::fromVariant(it.value().toVariant()).toJson());
                text += QStringLiteral("<%1>\n%2\n</%1>\n").arg(it.key(), value);
            }
            input.messages.append(QJsonObject{{QStringLiteral("role"), QStringLiteral("user")}, {QStringLiteral("content"), text}});
            auto r = shared.prompts->chat(endpoint->endpoint, input, stream);
            if (!r) {
                respondDetail(*exchange, 422, r.error().message, r.error().code);
                return;
            }
            built = *r;
        }
        start(std::move(exchange), *prelude, endpoint, built, stream, std::make_unique<PromptRelay>(stream));
    }

    // ---- monitoring ----------------------------------------------------------------------------

    void healthz(std::unique_ptr<HttpExchange> exchange)
    {
        exchange->setProcessTimeHeader(true);
        exchange->record().dialect = QStringLiteral("gitlab");
        respondJson(*exchange, 200, QJsonObject{{QStringLiteral("status"), QStringLiteral("ok")}});
    }

    void ready(std::unique_ptr<HttpExchange> exchange);
};

namespace {

// /monitoring/ready: GET /v1/models on every assigned endpoint (at once, 3 s budget); ready when all
// answer 2xx. The body names the ones that did not.
class ReadinessCheck final : public QObject
{
public:
    static void run(std::unique_ptr<HttpExchange> exchange, std::shared_ptr<const routing::ConfigSnapshot> snapshot,
                    upstream::UpstreamClient *client, const QJsonObject &auth = {})
    {
        auto *check = new ReadinessCheck(std::move(exchange), std::move(snapshot));
        check->m_auth = auth;
        check->start(client);
    }

private:
    struct Probe : public upstream::UpstreamCallHandler
    {
        ReadinessCheck *owner = nullptr;
        QString name;
        int status = 0;
        QString error;
        bool done = false;
        QPointer<upstream::UpstreamCall> call;
        void onHead(const upstream::UpstreamResponseHead &head) override { status = head.status; }
        void onBody(QByteArrayView) override { }
        void onComplete() override { finish(); }
        void onError(const upstream::UpstreamError &e) override
        {
            error = e.message;
            finish();
        }
        void finish()
        {
            done = true;
            call.clear();
            owner->probeDone();
        }
    };

    ReadinessCheck(std::unique_ptr<HttpExchange> exchange, std::shared_ptr<const routing::ConfigSnapshot> snapshot)
        : m_exchange(std::move(exchange))
        , m_snapshot(std::move(snapshot))
    {
    }
    ~ReadinessCheck() override
    {
        for (auto &probe : m_probes) {
            if (probe->call)
                probe->call->abort();
        }
    }
    void start(upstream::UpstreamClient *client)
    {
        m_exchange->onClientGone([this] { deleteLater(); });
        QSet<QString> assigned;
        for (auto it = m_snapshot->config().features.cbegin(); it != m_snapshot->config().features.cend(); ++it) {
            if (it.value() != kDisabled)
                assigned.insert(it.value());
        }
        QStringList names(assigned.begin(), assigned.end());
        names.sort();
        for (const QString &name : names) {
            const routing::EndpointRuntime *endpoint = m_snapshot->endpoint(name);
            if (!endpoint)
                continue;
            auto probe = std::make_unique<Probe>();
            probe->owner = this;
            probe->name = name;
            upstream::UpstreamRequest request;
            request.method = "GET";
            request.url = endpoint->modelsUrl;
            request.timeouts = endpoint->endpoint.timeouts;
            request.timeouts.connectMs = std::min(request.timeouts.connectMs, 3000);
            request.timeouts.firstByteMs = std::min(request.timeouts.firstByteMs, 3000);
            request.timeouts.totalMs = std::min(request.timeouts.totalMs, 3000);
            if (!endpoint->authorization.isEmpty())
                request.headers.emplaceBack("Authorization", endpoint->authorization);
            Probe *raw = probe.get();
            m_probes.push_back(std::move(probe));
            raw->call = client->start(std::move(request), raw);
        }
        if (m_probes.empty())
            answer();
    }

    void probeDone()
    {
        if (std::all_of(m_probes.begin(), m_probes.end(), [](const auto &p) { return p->done; }))
            QMetaObject::invokeMethod(this, [this] { answer(); }, Qt::QueuedConnection);
    }

    void answer()
    {
        QJsonArray models;
        QStringList failed;
        for (const auto &probe : m_probes) {
            const bool ok = probe->error.isEmpty() && probe->status >= 200 && probe->status < 300;
            QJsonObject entry{{QStringLiteral("name"), probe->name}, {QStringLiteral("ready"), ok}};
            if (!ok) {
                entry.insert(QStringLiteral("error"),
                             probe->error.isEmpty() ? QStringLiteral("HTTP %1").arg(probe->status) : probe->error);
                failed << probe->name;
            }
            models.append(entry);
        }
        QJsonObject body{{QStringLiteral("status"), failed.isEmpty() ? QStringLiteral("ok") : QStringLiteral("unavailable")},
                         {QStringLiteral("models"), models}};
        if (!m_auth.isEmpty())
            body.insert(QStringLiteral("auth"), m_auth); // "disabled" is announced here (and at start)
        if (!failed.isEmpty())
            body.insert(QStringLiteral("detail"),
                        QStringLiteral("model endpoints not answering: %1").arg(failed.join(QStringLiteral(", "))));
        respondJson(*m_exchange, failed.isEmpty() ? 200 : 503, body);
        deleteLater();
    }

    std::unique_ptr<HttpExchange> m_exchange;
    std::shared_ptr<const routing::ConfigSnapshot> m_snapshot;
    std::vector<std::unique_ptr<Probe>> m_probes;
    QJsonObject m_auth;
};

} // namespace

void GitLabApi::Private::ready(std::unique_ptr<HttpExchange> exchange)
{
    exchange->setProcessTimeHeader(true);
    exchange->record().dialect = QStringLiteral("gitlab");
    ReadinessCheck::run(std::move(exchange), services.config->current(), services.client, services.authStatus);
}

GitLabApi::GitLabApi(const WorkerServices &services, const GitLabShared &shared)
    : d(std::make_unique<Private>())
{
    d->services = services;
    d->shared = shared;
}

GitLabApi::~GitLabApi() = default;

void GitLabApi::registerRoutes(GatewayServer &server)
{
    using Format = SuggestionContext::Format;
    Private *p = d.get();
    server.addRoute("POST", "/v2/code/completions",
                    [p](std::unique_ptr<HttpExchange> e) { p->suggestions(std::move(e), false, Format::Json); });
    server.addRoute("POST", "/v2/completions",
                    [p](std::unique_ptr<HttpExchange> e) { p->suggestions(std::move(e), false, Format::Json); });
    server.addRoute("POST", "/v2/code/generations",
                    [p](std::unique_ptr<HttpExchange> e) { p->suggestions(std::move(e), true, Format::Json); });
    server.addRoute("POST", "/v4/code/suggestions", [p](std::unique_ptr<HttpExchange> e) {
        // The SSE variant serves generations when the request carries an instruction.
        const QJsonObject body = QJsonDocument::fromJson(e->request().body).object();
        const bool generation = body.value(QStringLiteral("intent")).toString() == QLatin1String("generation")
            || body.value(QStringLiteral("prompt_id")).toString() == QLatin1String("code_suggestions/generations");
        p->suggestions(std::move(e), generation, Format::Sse);
    });
    server.addPrefixRoute("POST", "/v1/chat/", [p](std::unique_ptr<HttpExchange> e) { p->chat(std::move(e)); });
    server.addRoute("POST", "/v2/chat/agent", [p](std::unique_ptr<HttpExchange> e) { p->agent(std::move(e)); });
    server.addPrefixRoute("POST", "/v1/prompts/", [p](std::unique_ptr<HttpExchange> e) { p->prompt(std::move(e)); });
    server.addRoute("GET", "/monitoring/healthz", [p](std::unique_ptr<HttpExchange> e) { p->healthz(std::move(e)); });
    server.addRoute("GET", "/monitoring/ready", [p](std::unique_ptr<HttpExchange> e) { p->ready(std::move(e)); });

    const FallbackWriter gitlabFallback = [](HttpExchange &e, int status, const QByteArrayList &) {
        e.setProcessTimeHeader(true);
        respondDetail(e, status, status == 404 ? QStringLiteral("Not Found") : QStringLiteral("Method Not Allowed"));
    };
    for (const char *prefix : {"/v1/chat/", "/v1/prompts/", "/v1/code/", "/v2/", "/v3/", "/v4/", "/monitoring/"})
        server.setFallback(prefix, gitlabFallback);
}

} // namespace airlock::http
