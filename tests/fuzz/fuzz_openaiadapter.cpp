// libFuzzer target for OpenAiApi::adapt(): any body (and a few Content-Types) for the OpenAI routes.
//
// Input: byte 0 picks the Content-Type and the route kind; the rest is the request body.
// Invariants: no crash or UB; a refusal has a dialect status, a code and a message; an accepted
// request is routed to a registered endpoint, its upstream body is valid JSON whose only `model` is the
// endpoint's identifier, and it is the original body with just the model token replaced.

#include "dialects/openai/openaiapi.h"

#include "jsonscanner.h"

#include <QCoreApplication>

#include <cstdint>
#include <cstdio>
#include <cstdlib>

using namespace airlock;
using namespace airlock::http;
using namespace airlock::openai;

namespace {

[[noreturn]] void violated(const char *what)
{
    std::fprintf(stderr, "fuzz_openaiadapter: invariant violated: %s\n", what);
    std::abort();
}

void check(bool condition, const char *what)
{
    if (!condition)
        violated(what);
}

const routing::ConfigHolder &config()
{
    static routing::ConfigHolder *holder = [] {
        ModelEndpoint a;
        a.name = QStringLiteral("codestral-a");
        a.family = ModelFamily::Codestral;
        a.baseUrl = QUrl(QStringLiteral("http://127.0.0.1:8000/v1"));
        a.identifier = QStringLiteral("codestral-22b");
        ModelEndpoint b;
        b.name = QStringLiteral("qwen");
        b.baseUrl = QUrl(QStringLiteral("http://127.0.0.1:8001"));
        b.identifier = QStringLiteral("Qwen/\"Coder\"\\7B\u00e9");
        GatewayConfig c;
        c.models = { a, b };
        c.features.insert(QStringLiteral("code_completions"), QStringLiteral("codestral-a"));
        c.features.insert(QStringLiteral("duo_chat"), QStringLiteral("qwen"));
        c.features.insert(QStringLiteral("generate_commit_message"), QString(kDisabled));
        auto *h = new routing::ConfigHolder; // lives for the process
        h->publish(c);
        return h;
    }();
    return *holder;
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static QCoreApplication app(*argc, *argv);
    config();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    static const char *const contentTypes[]
        = { "application/json", "application/json; charset=utf-8", "text/plain", "" };
    HttpRequest request;
    request.method = "POST";
    request.path = "/v1/chat/completions";
    const char *contentType = contentTypes[data[0] & 3];
    if (*contentType)
        request.headers.append(std::pair(QByteArray("Content-Type"), QByteArray(contentType)));
    request.body = QByteArray(reinterpret_cast<const char *>(data + 1), qsizetype(size - 1));
    const auto kind = (data[0] & 4) ? OpenAiApi::Kind::Completions : OpenAiApi::Kind::ChatCompletions;

    ApiError error;
    const auto snapshot = config().current();
    const auto job = OpenAiApi::adapt(request, kind, snapshot, &error);
    if (!job) {
        check(error.status == 400 || error.status == 403 || error.status == 404 || error.status == 415,
            "status");
        check(!error.code.isEmpty() && !error.message.isEmpty(), "code and message");
        check(job.error().code == error.code, "Result and ApiError agree");
        return 0;
    }

    check(job->endpoint && job->snapshot == snapshot, "routed with the snapshot");
    check(job->api
            == (kind == OpenAiApi::Kind::ChatCompletions ? routing::UpstreamApi::ChatCompletions
                                                         : routing::UpstreamApi::Completions),
        "upstream API per kind");
    check(job->plan != nullptr, "routed with a plan");
    const auto original = scanJson(request.body);
    check(original.ok() && original->rootType == JsonType::Object, "accepted only a JSON object");
    const JsonMember *model = original->find("model");
    check(model && model->type == JsonType::String, "accepted only a string model");

    const auto rewritten = scanJson(job->body);
    check(rewritten.ok() && rewritten->rootType == JsonType::Object, "upstream body is a JSON object");
    int count = 0;
    const JsonMember *newModel = rewritten->find("model", &count);
    check(newModel && count == 1 && newModel->type == JsonType::String, "exactly one string model upstream");
    const QByteArrayView token
        = QByteArrayView(job->body).sliced(newModel->valueBegin, newModel->valueEnd - newModel->valueBegin);
    check(token == job->endpoint->identifierJson, "model is the identifier token");
    check(decodeJsonString(token) == job->endpoint->endpoint.identifier, "identifier decodes back");
    const QByteArray expected = request.body.first(model->valueBegin) + job->endpoint->identifierJson
        + request.body.sliced(model->valueEnd);
    check(job->body == expected, "only the model token changed");
    return 0;
}
