#include "openaiapi.h"

#include "dialects/common/chatcapture.h"
#include "featurecatalog.h"
#include "jsonscanner.h"
#include "auth/authenticator.h"
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

bool isJsonContentType(QByteArrayView value)
{
    const qsizetype semi = value.indexOf(';');
    QByteArrayView type = semi < 0 ? value : value.first(semi);
    while (!type.isEmpty() && (type.back() == ' ' || type.back() == '\t'))
        type.chop(1);
    return type.compare("application/json", Qt::CaseInsensitive) == 0;
}

int statusForRoutingError(const QString &code)
{
    if (code == QLatin1String("model_not_found"))
        return 404;
    return 403; // feature_disabled, feature_unassigned
}

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
        if (m_body.size() + bytes.size() > kMaxBufferedAnswer) {
            return ApiError::make(502, QStringLiteral("upstream_answer_too_large"),
                                  QStringLiteral("model endpoint \"%1\" sent an answer larger than %2 bytes")
                                      .arg(exchange.record().modelEndpoint)
                                      .arg(kMaxBufferedAnswer));
        }
        m_body.append(bytes);
        return std::nullopt;
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
};

// The client's body with its "model" value (bytes [begin, end)) replaced by the endpoint's identifier.
QByteArray withModel(const QByteArray &body, qsizetype begin, qsizetype end, const QByteArray &identifierJson)
{
    QByteArray out;
    out.reserve(body.size() - (end - begin) + identifierJson.size());
    out.append(QByteArrayView(body).first(begin));
    out.append(identifierJson);
    out.append(QByteArrayView(body).sliced(end));
    return out;
}

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
    // These paths sit under prefixes another dialect answers for ("/v1/chat/"): claim their 404/405s.
    for (const char *path : {"/v1/chat/completions", "/v1/completions", "/v1/models"})
        server.setFallback(path, &GatewayServer::defaultFallback);
}

Result<ProxyJob> OpenAiApi::adapt(const HttpRequest &request, Kind kind,
                                  std::shared_ptr<const routing::ConfigSnapshot> snapshot, ApiError *apiError)
{
    auto refuse = [apiError](int status, const char *code, QString message, QString param = {}) {
        *apiError = ApiError::make(status, QLatin1String(code), std::move(message), std::move(param));
        return Error::make(apiError->code, apiError->message, apiError->param);
    };

    const QByteArray contentType = request.header("content-type");
    if (!isJsonContentType(contentType)) {
        return refuse(415, "unsupported_media_type",
                      contentType.isEmpty()
                          ? QStringLiteral("the Content-Type header is missing; send application/json")
                          : QStringLiteral("Content-Type \"%1\" is not supported; send application/json")
                                .arg(QString::fromLatin1(contentType)));
    }
    const auto scan = scanJson(request.body);
    if (!scan) {
        return refuse(400, scan.error().code == QLatin1String("invalid_utf8") ? "invalid_utf8" : "invalid_json",
                      QStringLiteral("the request body is not valid JSON: %1").arg(scan.error().message));
    }
    if (scan->rootType != JsonType::Object)
        return refuse(400, "invalid_body", QStringLiteral("the request body must be a JSON object"));

    int count = 0;
    const JsonMember *model = scan->find("model", &count);
    if (!model)
        return refuse(400, "missing_field", QStringLiteral("the field \"model\" is required"), QStringLiteral("model"));
    if (count > 1)
        return refuse(400, "duplicate_field", QStringLiteral("the field \"model\" appears more than once"),
                      QStringLiteral("model"));
    if (model->type != JsonType::String)
        return refuse(400, "invalid_type", QStringLiteral("the field \"model\" must be a string"), QStringLiteral("model"));
    const QString modelName = decodeJsonString(QByteArrayView(request.body).sliced(model->valueBegin,
                                                                                   model->valueEnd - model->valueBegin));
    if (modelName.isEmpty())
        return refuse(400, "missing_field", QStringLiteral("the field \"model\" must not be empty"), QStringLiteral("model"));

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

    const auto route = routing::resolveModel(*snapshot, modelName);
    if (!route) {
        return refuse(statusForRoutingError(route.error().code), route.error().code.toLatin1().constData(),
                      route.error().message, QStringLiteral("model"));
    }

    ProxyJob job;
    job.endpoint = route->endpoint;
    job.plan = route->plan;
    job.api = kind == Kind::ChatCompletions ? routing::UpstreamApi::ChatCompletions : routing::UpstreamApi::Completions;
    job.stream = stream;
    job.feature = route->feature;
    job.body = withModel(request.body, model->valueBegin, model->valueEnd, route->endpoint->identifierJson);
    if (route->plan && route->plan->totalEndpoints() > 1) {
        // A fallback endpoint gets the same body with its own served identifier.
        job.prepare = [body = request.body, begin = model->valueBegin, end = model->valueEnd,
                       api = job.api](const routing::EndpointRuntime &endpoint) {
            return std::optional<routing::PreparedRequest>(routing::PreparedRequest{
                api, withModel(body, begin, end, endpoint.identifierJson), std::make_unique<PassThroughRelay>()});
        };
    }
    job.snapshot = std::move(snapshot);
    return job;
}

void OpenAiApi::proxy(std::unique_ptr<HttpExchange> exchange, Kind kind)
{
    exchange->record().dialect = QStringLiteral("openai");
    std::shared_ptr<const void> lease;
    std::optional<Principal> scopedPrincipal;
    if (m_services.auth) {
        QElapsedTimer authTimer;
        authTimer.start();
        auto principal = m_services.auth->authenticate(exchange->request(), auth::Dialect::OpenAi);
        exchange->record().authMs = authTimer.nsecsElapsed() / 1e6;
        if (!principal) {
            exchange->record().errorCode = principal.error().code;
            if (const int seconds = auth::retryAfterSeconds(principal.error()))
                exchange->addResponseHeader("Retry-After", QByteArray::number(seconds));
            else if (auth::statusFor(principal.error()) == 401)
                exchange->addResponseHeader("WWW-Authenticate", "Bearer");
            exchange->respondError(ApiError::make(auth::statusFor(principal.error()), principal.error().code,
                                                  principal.error().message));
            return;
        }
        exchange->record().userId = principal->subject;
        exchange->record().tokenIssuer = principal->issuer;
        exchange->record().tokenId = principal->tokenId;
        lease = std::move(principal->lease);
        scopedPrincipal = std::move(principal).value();
    }
    ApiError error;
    auto job = adapt(exchange->request(), kind, m_services.config->current(), &error);
    if (!job) {
        exchange->respondError(error);
        return;
    }
    exchange->record().feature = job->feature; // empty when the model was named, not a feature
    if (scopedPrincipal && !scopeAllows(*scopedPrincipal, job->feature)) {
        const QString feature = job->feature.isEmpty() ? QStringLiteral("a model endpoint by name") : job->feature;
        exchange->respondError(ApiError::make(
            403, QStringLiteral("insufficient_scope"),
            QStringLiteral("the token may not use %1: it needs the scope %2")
                .arg(feature, scopesForFeature(job->feature).join(QStringLiteral(" or "))),
            QStringLiteral("model")));
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
    job->authLease = std::move(lease);
    ProxyOperation::start(std::move(exchange), std::move(job).value(), m_services.client,
                          std::make_unique<PassThroughRelay>(), m_services.observer);
}

void OpenAiApi::listModels(std::unique_ptr<HttpExchange> exchange)
{
    const auto snapshot = m_services.config->current();
    const GatewayConfig &config = snapshot->config();
    QJsonArray data;
    const qint64 created = 0;
    for (const ModelEndpoint &m : config.models) {
        data.append(QJsonObject{{QStringLiteral("id"), m.name},
                                {QStringLiteral("object"), QStringLiteral("model")},
                                {QStringLiteral("created"), created},
                                {QStringLiteral("owned_by"), QStringLiteral("airlock")},
                                {QStringLiteral("family"), familyName(m.family)}});
    }
    for (auto it = config.features.cbegin(); it != config.features.cend(); ++it) {
        if (it.value() == kDisabled)
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
