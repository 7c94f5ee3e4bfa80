#include "openaiapi.h"

#include "completioncaching.h"
#include "dialects/common/chatcapture.h"
#include "embeddingsapi.h"
#include "openaicaller.h"
#include "openairequest.h"
#include "featurecatalog.h"
#include "jsonscanner.h"
#include "auth/authenticator.h"
#include "policy/featurepolicy.h"
#include "policy/requestpolicy.h"
#include "routing/router.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <limits>

namespace airlock::openai {

using http::ApiError;
using http::GatewayServer;
using http::HttpExchange;
using http::HttpRequest;
using http::openAiErrorBody;
using routing::ProxyOperation;
using routing::ProxyJob;
using routing::ResponseRelay;
using dialects::WorkerServices;
using dialects::OpenAiAnswerCapture;
using dialects::beginChatCapture;
using dialects::chatHistoryOwner;
using dialects::lastUserMessage;

namespace {

// A whole (non-streamed) answer larger than this is refused rather than buffered without bound.
constexpr qsizetype kMaxBufferedAnswer = 64 * 1024 * 1024;

// ---- token counts from the model server's `usage` ------------------------------------------------
// The answer is relayed as it is; the record's token counts come from its `usage` object
// ({"prompt_tokens": n, "completion_tokens": m, ...}): in the JSON body of a whole answer, or in the
// last stream event that carries one (OpenAI and vLLM send a final `choices: []` chunk with it when the
// request asked for `stream_options: {"include_usage": true}`; Airlock does not add that option, the
// client decides; llama.cpp and TGI send usage on their last chunk unasked). No DOM is built: a cheap
// byte search skips text without a `"usage": {` member (the usual stream event, `"usage": null`
// included), and only text that has one is scanned (shared/jsonscanner.h) for the two numbers.

// True when `json` may hold a member "usage" whose value is an object.
bool mayHaveUsageObject(QByteArrayView json)
{
    static constexpr QByteArrayView key("\"usage\"");
    for (qsizetype at = json.indexOf(key); at >= 0; at = json.indexOf(key, at + key.size())) {
        qsizetype i = at + key.size();
        auto skipBlanks = [&] {
            while (i < json.size() && (json[i] == ' ' || json[i] == '\t' || json[i] == '\n' || json[i] == '\r'))
                ++i;
        };
        skipBlanks();
        if (i >= json.size() || json[i] != ':')
            continue;
        ++i;
        skipBlanks();
        if (i < json.size() && json[i] == '{')
            return true;
    }
    return false;
}

// Reads the root object's `usage` from an OpenAI answer or stream event; false when there is none
// (absent, null, or the text is not a JSON object). A count that is missing or not a non-negative
// integer reads as -1 (unknown).
bool readUsage(QByteArrayView json, int *promptTokens, int *completionTokens)
{
    if (!mayHaveUsageObject(json))
        return false;
    const auto root = scanJson(json);
    if (!root || root->rootType != JsonType::Object)
        return false;
    const JsonMember *usage = root->find("usage");
    if (!usage || usage->type != JsonType::Object)
        return false;
    const QByteArrayView object = json.sliced(usage->valueBegin, usage->valueEnd - usage->valueBegin);
    const auto members = scanJson(object); // a few dozen bytes
    if (!members)
        return false;
    auto count = [&](QByteArrayView name) {
        const JsonMember *m = members->find(name);
        if (!m || m->type != JsonType::Number)
            return -1;
        bool ok = false;
        const qlonglong n = object.sliced(m->valueBegin, m->valueEnd - m->valueBegin).toLongLong(&ok);
        return ok && n >= 0 && n <= std::numeric_limits<int>::max() ? int(n) : -1;
    };
    *promptTokens = count("prompt_tokens");
    *completionTokens = count("completion_tokens");
    return true;
}

// Follows a relayed event stream (Server-Sent Events) for `usage`; each event that carries one sets the
// record's token counts, so the last one wins. Bytes are looked at where they arrive: only the tail of
// an event split across reads is copied, and kept until the event's blank line arrives.
class StreamUsageReader
{
public:
    void feed(RequestRecord &record, QByteArrayView bytes)
    {
        QByteArrayView text = bytes;
        qsizetype lineStart = 0;
        const bool buffered = !m_partial.isEmpty();
        if (buffered) {
            m_partial.append(bytes);
            text = m_partial;
            lineStart = m_lineStart; // the lines before it were searched already
        }
        qsizetype eventStart = 0;
        for (qsizetype nl = text.indexOf('\n', lineStart); nl >= 0; nl = text.indexOf('\n', lineStart)) {
            const bool blank = nl == lineStart || (nl == lineStart + 1 && text[lineStart] == '\r');
            lineStart = nl + 1;
            if (blank) {
                if (lineStart - eventStart > 2)
                    event(record, text.sliced(eventStart, lineStart - eventStart));
                eventStart = lineStart;
            }
        }
        // Keep the unfinished event. One that grows past the bound (no event carrying usage is that
        // large) is dropped: its remainder then reads as a fragment, which does not parse.
        const qsizetype tail = text.size() - eventStart;
        if (tail > kMaxEventBytes || tail == 0) {
            m_partial.clear();
            m_lineStart = 0;
            return;
        }
        m_lineStart = lineStart - eventStart;
        if (buffered)
            m_partial.remove(0, eventStart);
        else
            m_partial = text.sliced(eventStart).toByteArray();
    }

private:
    static constexpr qsizetype kMaxEventBytes = 1024 * 1024;

    static void event(RequestRecord &record, QByteArrayView text)
    {
        if (!mayHaveUsageObject(text))
            return; // the usual event: nothing more to do
        // The event's data lines, joined by newlines (almost always exactly one).
        QByteArrayView data;
        QByteArray joined;
        int lines = 0;
        while (!text.isEmpty()) {
            const qsizetype nl = text.indexOf('\n');
            QByteArrayView line = nl < 0 ? text : text.first(nl);
            text = nl < 0 ? QByteArrayView() : text.sliced(nl + 1);
            if (line.endsWith('\r'))
                line.chop(1);
            if (!line.startsWith("data:"))
                continue;
            line = line.sliced(5);
            if (line.startsWith(' '))
                line = line.sliced(1);
            if (lines++ == 0) {
                data = line;
                continue;
            }
            if (joined.isEmpty())
                joined = data.toByteArray();
            joined += '\n';
            joined += line;
            data = joined;
        }
        int prompt = -1;
        int completion = -1;
        if (readUsage(data, &prompt, &completion)) {
            record.promptTokens = prompt;
            record.answerTokens = completion;
        }
    }

    QByteArray m_partial;    // the start of an event whose blank line has not arrived yet
    qsizetype m_lineStart = 0; // in m_partial: where its last, unfinished line starts
};

// OpenAI clients get the model server's answer as it is: streamed events relayed as they arrive,
// whole answers and upstream errors (status and body) passed through.
class PassThroughRelay final : public ResponseRelay
{
public:
    PassThroughRelay() = default;
    // A whole 2xx answer is also stored in `cache` under `key` (see completioncaching.h).
    PassThroughRelay(routing::CompletionCache *cache, QByteArray key)
        : m_cache(cache)
        , m_cacheKey(std::move(key))
    {
    }

    void head(HttpExchange &exchange, int status, const QByteArray &contentType) override
    {
        m_status = status;
        m_contentType = contentType;
        if (status >= 200 && status < 300 && contentType.startsWith("text/event-stream")) {
            m_streaming = true;
            exchange.beginStream(200, "text/event-stream", {{"Cache-Control", "no-cache"}, {"X-Accel-Buffering", "no"}});
        }
    }

    std::optional<ApiError> body(HttpExchange &exchange, QByteArrayView bytes) override
    {
        if (m_streaming) {
            exchange.writeChunk(bytes);
            m_usage.feed(exchange.record(), bytes);
            m_chat.streamed(exchange.record(), bytes); // nothing unless a chat turn was started
            return std::nullopt;
        }
        return appendBounded(m_body, bytes, kMaxBufferedAnswer, exchange);
    }

    void complete(HttpExchange &exchange) override
    {
        if (m_streaming) {
            exchange.endStream();
            return;
        }
        if (m_status >= 200 && m_status < 300) {
            readUsage(m_body, &exchange.record().promptTokens, &exchange.record().answerTokens);
            m_chat.whole(exchange.record(), m_body);
            if (m_cache)
                storeAnswer(*m_cache, m_cacheKey, exchange.record(), m_contentType, m_body);
        }
        // Upstream 4xx/5xx pass through with their body: the model server's message is the useful one.
        exchange.respond(m_status, m_contentType.isEmpty() ? QByteArrayView("application/json") : m_contentType, m_body);
    }

    void error(HttpExchange &exchange, const ApiError &error) override
    {
        if (!exchange.responseStarted()) {
            exchange.respondError(error);
            return;
        }
        // The status line is gone; end the event stream with an error event the client can read.
        exchange.writeChunk(QByteArray("data: " + openAiErrorBody(error) + "\n\n"));
        exchange.endStream();
    }

private:
    int m_status = 0;
    QByteArray m_contentType;
    QByteArray m_body;
    bool m_streaming = false;
    StreamUsageReader m_usage;
    OpenAiAnswerCapture m_chat;
    routing::CompletionCache *m_cache = nullptr;
    QByteArray m_cacheKey;
};

} // namespace

OpenAiApi::OpenAiApi(const WorkerServices &services)
    : m_services(services)
{
}

void OpenAiApi::registerRoutes(GatewayServer &server)
{
    server.addRoute("POST", "/v1/chat/completions",
                    [this](std::unique_ptr<HttpExchange> e) { proxy(std::move(e), Kind::ChatCompletions); });
    server.addRoute("POST", "/v1/completions",
                    [this](std::unique_ptr<HttpExchange> e) { proxy(std::move(e), Kind::Completions); });
    server.addRoute("GET", "/v1/models", [this](std::unique_ptr<HttpExchange> e) { listModels(std::move(e)); });
    EmbeddingsApi::registerRoutes(server, m_services);
    // These paths sit under prefixes another dialect answers for ("/v1/chat/"): claim their 404/405s.
    for (const char *path : {"/v1/chat/completions", "/v1/completions", "/v1/models"})
        server.setFallback(path, &GatewayServer::defaultFallback);
}

Result<ProxyJob> OpenAiApi::adapt(const HttpRequest &request, Kind kind,
                                  std::shared_ptr<const routing::ConfigSnapshot> snapshot, ApiError *apiError,
                                  std::optional<routing::PolicyClearance> *clearance)
{
    auto refuse = [apiError](int status, const char *code, QString message, QString param = {}) {
        *apiError = ApiError::make(status, QLatin1String(code), std::move(message), std::move(param));
        return Error::make(apiError->code, apiError->message, apiError->param);
    };

    const auto scan = scanObjectBody(request, apiError);
    if (!scan)
        return Error::make(apiError->code, apiError->message, apiError->param);
    QString modelName;
    const JsonMember *model = readModel(request, *scan, &modelName, apiError);
    if (!model)
        return Error::make(apiError->code, apiError->message, apiError->param);

    int count = 0;
    bool stream = false;
    const JsonMember *streamMember = scan->find("stream", &count);
    if (streamMember) {
        if (count > 1)
            return refuse(400, "duplicate_field", QStringLiteral("the field \"stream\" appears more than once"),
                          QStringLiteral("stream"));
        if (streamMember->type != JsonType::Bool && streamMember->type != JsonType::Null)
            return refuse(400, "invalid_type", QStringLiteral("the field \"stream\" must be a boolean"),
                          QStringLiteral("stream"));
        stream = request.body.at(streamMember->valueBegin) == 't';
    }

    // The admin's switches, flags, stage gate and assignments hold here as on every other dialect.
    auto cleared = policy::RequestPolicy::authorizeModel(
        *snapshot, modelName,
        policy::parseNamespaceIdsHeader(request.header("x-gitlab-feature-enabled-by-namespace-ids")));
    if (!cleared) {
        const Error &e = cleared.error();
        return refuse(statusForRoutingError(e.code), e.code.toLatin1().constData(),
                      e.message, e.field);
    }
    if (clearance)
        *clearance = std::move(cleared).value();

    const auto route = routing::resolveModel(*snapshot, modelName);
    if (!route) {
        return refuse(statusForRoutingError(route.error().code), route.error().code.toLatin1().constData(),
                      route.error().message, QStringLiteral("model"));
    }

    const auto api = kind == Kind::ChatCompletions ? routing::UpstreamApi::ChatCompletions : routing::UpstreamApi::Completions;
    ProxyJob job = routedJob(*route, request, *model, api, [] { return std::make_unique<PassThroughRelay>(); });
    job.stream = stream;
    job.snapshot = std::move(snapshot);
    return job;
}

void OpenAiApi::proxy(std::unique_ptr<HttpExchange> exchange, Kind kind)
{
    exchange->record().dialect = QStringLiteral("openai");
    auto caller = authenticateCaller(*exchange, m_services.auth);
    if (!caller)
        return;
    const std::optional<Principal> &scopedPrincipal = caller->principal;
    ApiError error;
    std::optional<routing::PolicyClearance> clearance;
    auto job = adapt(exchange->request(), kind, m_services.config->current(), &error, &clearance);
    if (!job) {
        exchange->respondError(error);
        return;
    }
    exchange->record().feature = job->feature; // empty when the model was named, not a feature
    if (auto refused = checkScope(*caller, job->feature)) {
        exchange->respondError(*refused);
        return;
    }
    // Chat features of an authenticated user feed that user's chat history (see chatcapture.h).
    if (scopedPrincipal && m_services.observer && kind == Kind::ChatCompletions && !job->feature.isEmpty()) {
        const Feature *feature = FeatureCatalog::instance().find(job->feature);
        const QString owner = feature && feature->chat ? chatHistoryOwner(*scopedPrincipal) : QString();
        if (!owner.isEmpty()) {
            const QJsonArray messages =
                QJsonDocument::fromJson(exchange->request().body).object().value(QLatin1String("messages")).toArray();
            beginChatCapture(exchange->record(), owner, lastUserMessage(messages));
        }
    }
    // Non-streamed /v1/completions: the exact-match cache (completioncaching.h) may answer at once.
    QByteArray cacheKey;
    if (kind == Kind::Completions && !job->stream && m_services.completionCache
        && answerFromCache(*exchange, *m_services.completionCache, *job,
                           scopedPrincipal ? &*scopedPrincipal : nullptr, &cacheKey))
        return;
    auto relay = cacheKey.isEmpty() ? std::make_unique<PassThroughRelay>()
                                    : std::make_unique<PassThroughRelay>(m_services.completionCache, cacheKey);
    job->authLease = std::move(caller->lease);
    ProxyOperation::start(std::move(exchange), *clearance, std::move(job).value(), m_services.client,
                          std::move(relay), m_services.observer);
}

void OpenAiApi::listModels(std::unique_ptr<HttpExchange> exchange)
{
    const auto snapshot = m_services.config->current();
    const GatewayConfig &config = snapshot->config();
    // Only what the policy would serve to this caller is listed.
    const QList<qint64> namespaceIds =
        policy::parseNamespaceIdsHeader(exchange->request().header("x-gitlab-feature-enabled-by-namespace-ids"));
    QJsonArray data;
    const qint64 created = 0;
    for (const ModelEndpoint &m : config.models) {
        if (!policy::RequestPolicy::authorizeModel(*snapshot, m.name, namespaceIds))
            continue;
        data.append(QJsonObject{{QStringLiteral("id"), m.name},
                                {QStringLiteral("object"), QStringLiteral("model")},
                                {QStringLiteral("created"), created},
                                {QStringLiteral("owned_by"), QStringLiteral("airlock")},
                                {QStringLiteral("family"), familyName(m.family)}});
    }
    for (auto it = config.features.cbegin(); it != config.features.cend(); ++it) {
        if (it.value() == kDisabled || !policy::authorize(*snapshot, it.key(), namespaceIds))
            continue;
        data.append(QJsonObject{{QStringLiteral("id"), it.key()},
                                {QStringLiteral("object"), QStringLiteral("model")},
                                {QStringLiteral("created"), created},
                                {QStringLiteral("owned_by"), QStringLiteral("airlock")},
                                {QStringLiteral("served_by"), it.value()}});
    }
    const QByteArray body = QJsonDocument(QJsonObject{{QStringLiteral("object"), QStringLiteral("list")},
                                                      {QStringLiteral("data"), data}})
                                .toJson(QJsonDocument::Compact);
    exchange->respond(200, "application/json", body);
}

} // namespace airlock::openai
