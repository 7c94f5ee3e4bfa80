#include "embeddingsapi.h"

#include "openaicaller.h"
#include "openairequest.h"

#include "auth/authenticator.h"
#include "featurecatalog.h"
#include "jsonscanner.h"
#include "policy/featurepolicy.h"
#include "policy/requestpolicy.h"
#include "routing/router.h"

#include <QElapsedTimer>

#include <limits>

namespace airlock::openai {

using http::ApiError;
using http::GatewayServer;
using http::HttpExchange;
using http::HttpRequest;
using routing::ProxyJob;
using routing::ProxyOperation;
using routing::ResponseRelay;

namespace {

constexpr QLatin1StringView kEmbeddingsFeature{"embeddings"};

// An embeddings answer (float vectors as JSON for every input) larger than this is refused rather than
// buffered without bound.
constexpr qsizetype kMaxBufferedAnswer = 256 * 1024 * 1024;

// ---- `input` -------------------------------------------------------------------------------------
// The value was validated by scanJson already (grammar, UTF-8): this only walks the array's elements to
// tell their types apart, without building a DOM.

bool isBlank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

enum class Element { String, EmptyString, Integer, IntegerArray, EmptyArray, Other };

class ArrayWalker
{
public:
    // `array` spans a JSON array, brackets included.
    explicit ArrayWalker(QByteArrayView array)
        : m_text(array), m_at(1)
    {
    }

    // The next element's kind; false at the end of the array.
    bool next(Element *kind)
    {
        skipBlanks();
        if (m_at < m_text.size() && m_text[m_at] == ',') {
            ++m_at;
            skipBlanks();
        }
        if (m_at >= m_text.size() || m_text[m_at] == ']')
            return false;
        const char c = m_text[m_at];
        if (c == '"') {
            const qsizetype begin = m_at;
            skipString();
            *kind = m_at - begin == 2 ? Element::EmptyString : Element::String;
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            *kind = skipNumber() ? Element::Integer : Element::Other;
        } else if (c == '[') {
            *kind = innerIntegerArray();
        } else {
            *kind = Element::Other;
            skipValue();
        }
        return true;
    }

private:
    void skipBlanks()
    {
        while (m_at < m_text.size() && isBlank(m_text[m_at]))
            ++m_at;
    }

    void skipString() // at the opening quote; ends after the closing one
    {
        ++m_at;
        while (m_at < m_text.size() && m_text[m_at] != '"')
            m_at += m_text[m_at] == '\\' ? 2 : 1;
        ++m_at;
    }

    // Skips a number; true when it is an integer (no fraction, no exponent).
    bool skipNumber()
    {
        bool integer = true;
        while (m_at < m_text.size()) {
            const char c = m_text[m_at];
            if (c == '.' || c == 'e' || c == 'E')
                integer = false;
            else if (!(c == '-' || c == '+' || (c >= '0' && c <= '9')))
                break;
            ++m_at;
        }
        return integer;
    }

    // Skips any value (nested arrays and objects by bracket depth, strings by their quotes).
    void skipValue()
    {
        int depth = 0;
        while (m_at < m_text.size()) {
            const char c = m_text[m_at];
            if (c == '"') {
                skipString();
                if (depth == 0)
                    return;
                continue;
            }
            if (c == '[' || c == '{') {
                ++depth;
            } else if (c == ']' || c == '}') {
                if (depth == 0)
                    return; // the end of the enclosing array
                --depth;
                if (depth == 0) {
                    ++m_at;
                    return;
                }
            } else if (depth == 0 && (c == ',' || isBlank(c))) {
                return;
            }
            ++m_at;
        }
    }

    // At '[': an array whose elements are all integers (token ids)?
    Element innerIntegerArray()
    {
        const qsizetype begin = m_at;
        ++m_at;
        bool empty = true;
        bool integers = true;
        for (;;) {
            skipBlanks();
            if (m_at >= m_text.size())
                return Element::Other;
            const char c = m_text[m_at];
            if (c == ']') {
                ++m_at;
                break;
            }
            if (c == ',') {
                ++m_at;
                continue;
            }
            empty = false;
            if (c == '-' || (c >= '0' && c <= '9')) {
                integers = skipNumber() && integers;
            } else {
                integers = false;
                m_at = begin;
                skipValue();
                return Element::Other;
            }
        }
        if (empty)
            return Element::EmptyArray;
        return integers ? Element::IntegerArray : Element::Other;
    }

    QByteArrayView m_text;
    qsizetype m_at;
};

// Why `input` is not one of the accepted shapes; empty when it is.
QString inputProblem(QByteArrayView value, JsonType type)
{
    if (type == JsonType::String)
        return value.size() == 2 ? QStringLiteral("the field \"input\" must not be an empty string") : QString();
    if (type != JsonType::Array) {
        return QStringLiteral("the field \"input\" must be a string, an array of strings, an array of token ids "
                              "or an array of token-id arrays");
    }
    ArrayWalker walker(value);
    Element first = Element::Other;
    Element kind = Element::Other;
    int index = 0;
    for (; walker.next(&kind); ++index) {
        if (kind == Element::EmptyString)
            return QStringLiteral("input[%1] must not be an empty string").arg(index);
        if (kind == Element::EmptyArray)
            return QStringLiteral("input[%1] must not be an empty token array").arg(index);
        if (kind == Element::Other) {
            return QStringLiteral("input[%1] must be a string, a token id (an integer) or an array of token ids")
                .arg(index);
        }
        if (index == 0) {
            first = kind;
        } else if (kind != first) {
            return QStringLiteral("input[%1] is not of the same kind as input[0]: the array holds strings, token ids "
                                  "or token-id arrays, not a mix")
                .arg(index);
        }
    }
    if (index == 0)
        return QStringLiteral("the field \"input\" must not be an empty array");
    return {};
}

// `usage.prompt_tokens` of an embeddings answer (-1 when absent or not a count).
int promptTokensOf(QByteArrayView json)
{
    // The answer is mostly numbers: look at its root members only, then at the small usage object.
    const auto root = scanJson(json);
    if (!root || root->rootType != JsonType::Object)
        return -1;
    const JsonMember *usage = root->find("usage");
    if (!usage || usage->type != JsonType::Object)
        return -1;
    const QByteArrayView object = json.sliced(usage->valueBegin, usage->valueEnd - usage->valueBegin);
    const auto members = scanJson(object);
    if (!members)
        return -1;
    const JsonMember *prompt = members->find("prompt_tokens");
    if (!prompt || prompt->type != JsonType::Number)
        return -1;
    bool ok = false;
    const qlonglong n = object.sliced(prompt->valueBegin, prompt->valueEnd - prompt->valueBegin).toLongLong(&ok);
    return ok && n >= 0 && n <= std::numeric_limits<int>::max() ? int(n) : -1;
}

// The model server's answer as it is: status, content type and body (upstream errors included).
class EmbeddingsRelay final : public ResponseRelay
{
public:
    void head(HttpExchange &, int status, const QByteArray &contentType) override
    {
        m_status = status;
        m_contentType = contentType;
    }

    std::optional<ApiError> body(HttpExchange &exchange, QByteArrayView bytes) override
    {
        return appendBounded(m_body, bytes, kMaxBufferedAnswer, exchange);
    }

    void complete(HttpExchange &exchange) override
    {
        if (m_status >= 200 && m_status < 300) {
            exchange.record().promptTokens = promptTokensOf(m_body);
            exchange.record().answerTokens = 0; // an embedding generates no tokens
        }
        exchange.respond(m_status, m_contentType.isEmpty() ? QByteArrayView("application/json") : m_contentType,
                         m_body);
    }

    void error(HttpExchange &exchange, const ApiError &error) override { exchange.respondError(error); }

private:
    int m_status = 0;
    QByteArray m_contentType;
    QByteArray m_body;
};

} // namespace

EmbeddingsApi::EmbeddingsApi(const dialects::WorkerServices &services)
    : m_services(services)
{
}

void EmbeddingsApi::registerRoutes(GatewayServer &server, const dialects::WorkerServices &services)
{
    auto api = std::make_shared<EmbeddingsApi>(services);
    server.addRoute("POST", "/v1/embeddings", [api](std::unique_ptr<HttpExchange> e) { api->handle(std::move(e)); });
    server.setFallback("/v1/embeddings", &GatewayServer::defaultFallback);
}

Result<ProxyJob> EmbeddingsApi::adapt(const HttpRequest &request, std::shared_ptr<const routing::ConfigSnapshot> snapshot,
                                      ApiError *apiError)
{
    auto refuse = [apiError](int status, const char *code, QString message, QString param = {}) {
        *apiError = ApiError::make(status, QLatin1String(code), std::move(message), std::move(param));
        return Error::make(apiError->code, apiError->message, apiError->param);
    };

    const auto scan = scanObjectBody(request, apiError);
    if (!scan)
        return Error::make(apiError->code, apiError->message, apiError->param);

    const QByteArrayView body(request.body);
    auto valueOf = [body](const JsonMember &m) { return body.sliced(m.valueBegin, m.valueEnd - m.valueBegin); };
    QString modelName;
    const JsonMember *model = readModel(request, *scan, &modelName, apiError);
    if (!model)
        return Error::make(apiError->code, apiError->message, apiError->param);
    // The members once at most; a duplicate is refused (which one would the model server read?).
    const JsonMember *members[3] = {};
    const char *names[3] = {"input", "encoding_format", "dimensions"};
    for (int i = 0; i < 3; ++i) {
        int count = 0;
        members[i] = scan->find(names[i], &count);
        if (count > 1) {
            return refuse(400, "duplicate_field", QStringLiteral("the field \"%1\" appears more than once").arg(QLatin1String(names[i])),
                          QLatin1String(names[i]));
        }
    }
    const JsonMember *input = members[0];
    const JsonMember *encoding = members[1];
    const JsonMember *dimensions = members[2];

    if (!input)
        return refuse(400, "missing_field", QStringLiteral("the field \"input\" is required"), QStringLiteral("input"));
    if (const QString problem = inputProblem(valueOf(*input), input->type); !problem.isEmpty())
        return refuse(400, "invalid_value", problem, QStringLiteral("input"));

    if (encoding) {
        const QByteArrayView v = valueOf(*encoding);
        if (encoding->type != JsonType::String || (v != "\"float\"" && v != "\"base64\"")) {
            return refuse(400, "invalid_value", QStringLiteral("the field \"encoding_format\" must be \"float\" or \"base64\""),
                          QStringLiteral("encoding_format"));
        }
    }
    if (dimensions) {
        bool ok = dimensions->type == JsonType::Number;
        qlonglong n = 0;
        if (ok)
            n = valueOf(*dimensions).toLongLong(&ok); // fails for a fraction or an exponent
        if (!ok || n < 1 || n > std::numeric_limits<int>::max()) {
            return refuse(400, "invalid_value", QStringLiteral("the field \"dimensions\" must be a positive integer"),
                          QStringLiteral("dimensions"));
        }
    }

    // Any feature but embeddings is refused by name: a chat model does not embed.
    const Feature *named = FeatureCatalog::instance().find(modelName);
    if (named && modelName != kEmbeddingsFeature && !snapshot->config().findModel(modelName)) {
        return refuse(400, "invalid_value",
                      QStringLiteral("\"%1\" is not an embeddings feature: name \"embeddings\" or a model endpoint")
                          .arg(modelName),
                      QStringLiteral("model"));
    }
    const auto route = routing::resolveModel(*snapshot, modelName);
    if (!route) {
        const QString &code = route.error().code;
        return refuse(statusForRoutingError(code), code.toLatin1().constData(),
                      route.error().message, QStringLiteral("model"));
    }

    ProxyJob job = routedJob(*route, request, *model, routing::UpstreamApi::Embeddings,
                             [] { return std::make_unique<EmbeddingsRelay>(); });
    job.snapshot = std::move(snapshot);
    return job;
}

void EmbeddingsApi::handle(std::unique_ptr<HttpExchange> exchange)
{
    exchange->record().dialect = QStringLiteral("openai");
    auto caller = authenticateCaller(*exchange, m_services.auth);
    if (!caller)
        return;
    ApiError error;
    auto job = adapt(exchange->request(), m_services.config->current(), &error);
    if (!job) {
        exchange->respondError(error);
        return;
    }
    exchange->record().feature = job->feature; // empty when a model endpoint was named
    if (auto refused = checkScope(*caller, job->feature)) {
        exchange->respondError(*refused);
        return;
    }
    auto cleared = policy::RequestPolicy::authorizeModel(
        *job->snapshot, job->feature.isEmpty() ? job->endpoint->endpoint.name : job->feature,
        policy::parseNamespaceIdsHeader(exchange->request().header("x-gitlab-feature-enabled-by-namespace-ids")));
    if (!cleared) {
        const Error &e = cleared.error();
        exchange->respondError(ApiError::make(statusForRoutingError(e.code), e.code,
                                              e.message, e.field.isEmpty() ? QStringLiteral("model") : e.field));
        return;
    }
    job->authLease = std::move(caller->lease);
    ProxyOperation::start(std::move(exchange), *cleared, std::move(job).value(), m_services.client,
                          std::make_unique<EmbeddingsRelay>(), m_services.observer);
}

} // namespace airlock::openai
