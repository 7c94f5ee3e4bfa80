// libFuzzer target for the GitLab dialect's request adapter (http/gitlabapi.cpp, http/gitlabvalidator.cpp,
// prompts/promptbuilder.cpp): any body for every POST route GitLab and its IDE extensions call.
//
// Entry point: the route handlers GitLabApi::registerRoutes() installs, called the way GatewayServer
// dispatches them (the handler table is read out of GatewayServer, see RouteTable below) with an
// HttpExchange that has no socket, so each request runs the real code path (body scan and parse,
// GitLabValidator, feature flags and routing, PromptBuilder, ProxyOperation) with no network and no
// server. Every endpoint has max_concurrency 0 and the queue holds nobody, so an accepted request is
// refused by the endpoint limiter synchronously (503 endpoint_busy) instead of reaching the upstream
// client; the response and the prompt the gateway built come back through the RequestObserver (body
// capture on: `expanded_ai_logging`).
//
// Input: byte 0 picks the route (low 4 bits), byte 1 the model family of the endpoint the features
// are assigned to (low 4 bits, mod 12; odd families also carry admin template overrides); with bit 6
// of byte 1 set, each "@@@" in the body grows into 6 KB of string text (to reach the prompt budgets
// with short inputs); with bit 7 set, a prefix route (/v1/chat/, /v1/prompts/) takes its path from the
// input up to the first '\n' (percent-encoded, '/' kept). The rest is the request body.
//
// Invariants: no crash or UB; exactly one response per request, never a 500 or an unfinished one, and
// never an upstream call. A body that is not JSON is a 422 json_invalid, a non-object a 422
// model_attributes_type (loc ["body"]). Every other 422 schema error names a field: loc is
// ["body", <field>, ...], a "missing" loc resolves to nothing (or null) in the body, any other type to
// a value that is there; the record's message is detail[0].msg. Handler errors are {"detail": "<text>"}
// with a code. An accepted request went to the endpoint its feature is assigned to (never a disabled
// feature, never an unregistered endpoint), and its prompt is exactly what PromptBuilder builds from
// the body's fields (code suggestions, /v1/chat), whose upstream body is valid JSON with the endpoint's
// identifier as the only `model`, the prompt or messages, max_tokens, stop and stream as built.

#include "http/gatewayserver.h"
#include "dialects/gitlab/gitlabapi.h"
#include "prompts/promptbuilder.h"
#include "routing/configsnapshot.h"

#include "featurecatalog.h"
#include "jsonscanner.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QUrl>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <vector>

using namespace airlock;
using namespace airlock::http;
using namespace airlock::gitlab;
using namespace airlock::routing;
using namespace airlock::dialects;

// ------------------------------------------------------------------------------------------------
// GatewayServer keeps its route table private and dispatches only from QHttpServerRequest, which only
// Qt can construct. Explicit instantiation is exempt from access checking ([temp.spec.general]), so
// these name the two tables without touching the service code; a rename there breaks this build.

namespace {

template <typename Tag, auto Member>
struct RouteTable
{
    friend auto member(Tag) { return Member; }
};

struct ExactRoutes
{
    friend auto member(ExactRoutes);
};
struct PrefixRoutes
{
    friend auto member(PrefixRoutes);
};

template struct RouteTable<ExactRoutes, &GatewayServer::m_exact>;
template struct RouteTable<PrefixRoutes, &GatewayServer::m_prefixes>;

[[noreturn]] void violated(const char *what)
{
    std::fprintf(stderr, "fuzz_gitlabadapter: invariant violated: %s\n", what);
    std::abort();
}

void check(bool condition, const char *what)
{
    if (!condition)
        violated(what);
}

// The handler GatewayServer would run for POST `path` (exact route first, else the longest prefix).
const Handler *findHandler(const GatewayServer &server, const QByteArray &path)
{
    const auto &exact = server.*member(ExactRoutes{});
    const auto it = exact.constFind(path);
    if (it != exact.cend()) {
        for (const auto &entry : *it) {
            if (entry.method == "POST")
                return &entry.handler;
        }
        return nullptr;
    }
    const Handler *best = nullptr;
    qsizetype bestLength = -1;
    for (const auto &route : server.*member(PrefixRoutes{})) {
        if (path.startsWith(route.prefix) && route.prefix.size() > bestLength && route.entry.method == "POST") {
            best = &route.entry.handler;
            bestLength = route.prefix.size();
        }
    }
    return best;
}

class Observer final : public RequestObserver
{
public:
    void upstreamStarted(const RequestRecord &) override { violated("a request reached the upstream client"); }
    void requestFinished(RequestRecord &&record) override { records.push_back(std::move(record)); }
    bool captureAllBodies() const override { return true; }
    std::vector<RequestRecord> records;
};

enum class Kind { Completion, Generation, Suggestions, Chat, Agent, Prompt };

struct Route
{
    const char *path;
    Kind kind;
};

// Index = byte 0 & 15.
constexpr std::array<Route, 16> kRoutes{{
    {"/v2/code/completions", Kind::Completion},
    {"/v2/completions", Kind::Completion},
    {"/v2/code/generations", Kind::Generation},
    {"/v4/code/suggestions", Kind::Suggestions},
    {"/v1/chat/explain_code", Kind::Chat},          // assigned
    {"/v1/chat/write_tests", Kind::Chat},           // disabled
    {"/v1/chat/refactor_code", Kind::Chat},         // unassigned: only a named, registered endpoint
    {"/v1/chat/agent", Kind::Chat},                 // duo_chat
    {"/v1/chat/troubleshoot_job", Kind::Chat},
    {"/v1/chat/no_such_invokable", Kind::Chat},     // 404 after the body checks
    {"/v2/chat/agent", Kind::Agent},
    {"/v1/prompts/model_configuration%2Fcheck", Kind::Prompt},
    {"/v1/prompts/code_suggestions/generations", Kind::Prompt},
    {"/v1/prompts/chat/fix_code/v2", Kind::Prompt}, // versioned id: found through its parent
    {"/v1/prompts/generate_commit_message", Kind::Prompt},
    {"/v1/prompts/summarize_review", Kind::Prompt}, // experiment stage: refused
}};

constexpr std::array<ModelFamily, 13> kFamilies{
    ModelFamily::Mistral,  ModelFamily::Mixtral, ModelFamily::Codestral, ModelFamily::CodeLlama,
    ModelFamily::CodeGemma, ModelFamily::DeepSeekCoder, ModelFamily::Llama3, ModelFamily::QwenCoder, ModelFamily::StarCoder2,
    ModelFamily::Claude3,  ModelFamily::Gpt,     ModelFamily::Gemini,    ModelFamily::General,
};

const QString kMain = QStringLiteral("main");
const QString kOther = QStringLiteral("other");

// One gateway worker's GitLab dialect per family: its config, route table and handlers.
struct Worker
{
    routing::ConfigHolder holder{routing::QueueLimits{0, 0}};
    GatewayServer server;
    std::unique_ptr<GitLabApi> api;
};

struct Fixture
{
    prompts::PromptBuilder builder;
    Observer observer;
    std::array<std::unique_ptr<Worker>, kFamilies.size()> workers;
};

Fixture *g_fixture = nullptr;

GatewayConfig configFor(ModelFamily family)
{
    ModelEndpoint main;
    main.name = kMain;
    main.family = family;
    main.baseUrl = QUrl(QStringLiteral("http://127.0.0.1:9/v1"));
    main.identifier = QStringLiteral("custom_openai/Model-\"%1\"\\\u00e9").arg(familyName(family));
    main.apiKey = QStringLiteral("sk-upstream");
    main.maxConcurrency = 0; // every accepted request is refused by the limiter, synchronously
    ModelEndpoint other;
    other.name = kOther;
    other.family = ModelFamily::General;
    other.baseUrl = QUrl(QStringLiteral("http://gpu.internal:8000"));
    other.identifier = QStringLiteral("other-model");
    other.maxConcurrency = 0;
    GatewayConfig config;
    config.models = {main, other};
    for (const char *feature : {"code_completions", "code_generations", "duo_chat", "duo_chat_explain_code",
                                "duo_chat_troubleshoot_job", "duo_chat_fix_code", "generate_commit_message",
                                "summarize_review"})
        config.features.insert(QString::fromLatin1(feature), kMain);
    config.features.insert(QStringLiteral("duo_chat_write_tests"), QString(kDisabled));
    return config;
}

void setUp(int *argc, char ***argv)
{
    static QCoreApplication app(*argc, *argv);
    auto builder = prompts::PromptBuilder::fromResources();
    if (!builder) {
        std::fprintf(stderr, "fuzz_gitlabadapter: prompt templates: %s\n", qPrintable(builder.error().message));
        std::abort();
    }
    auto *f = new Fixture{*builder, {}, {}}; // lives for the process
    static GitLabShared shared;
    shared.prompts = &f->builder;
    for (size_t i = 0; i < kFamilies.size(); ++i) {
        auto w = std::make_unique<Worker>();
        w->holder.publish(configFor(kFamilies[i]));
        if (i % 2) {
            const QHash<QPair<QString, QString>, QString> overrides{
                {{kMain, QStringLiteral("code_completions")}, QStringLiteral("<pre>{prefix}<suf>{suffix}<mid> {file_name}")},
                {{kMain, QStringLiteral("code_generations")},
                 QStringLiteral("{system}\n{language} {file_name}\n{prefix}\n### {instruction}\n{suffix}")},
                {{kMain, QStringLiteral("duo_chat_explain_code")}, QStringLiteral("Explain briefly. {language}")},
            };
            for (auto it = overrides.cbegin(); it != overrides.cend(); ++it) {
                if (!prompts::PromptBuilder::validateOverride(it.key().second, it.value())) {
                    std::fprintf(stderr, "fuzz_gitlabadapter: override for %s refused\n", qPrintable(it.key().second));
                    std::abort();
                }
            }
            w->holder.publishPromptOverrides(overrides);
        }
        WorkerServices services;
        services.config = &w->holder;
        services.observer = &f->observer; // client, auth, chat history: none
        w->api = std::make_unique<GitLabApi>(services, shared);
        w->api->registerRoutes(w->server);
        f->workers[i] = std::move(w);
    }
    g_fixture = f;
}

// ------------------------------------------------------------------------------------------------
// Checks

QJsonValue resolve(const QJsonObject &body, const QJsonArray &loc)
{
    QJsonValue current = body;
    for (qsizetype i = 1; i < loc.size(); ++i) {
        const QJsonValue part = loc.at(i);
        if (current.isObject()) {
            const QString key = part.isString() ? part.toString() : QString::number(part.toInteger());
            current = current.toObject().value(key);
        } else if (current.isArray() && part.isDouble()) {
            const QJsonArray array = current.toArray();
            const qint64 index = part.toInteger();
            current = index >= 0 && index < array.size() ? array.at(index) : QJsonValue(QJsonValue::Undefined);
        } else {
            return QJsonValue(QJsonValue::Undefined);
        }
    }
    return current;
}

// A 422 in Pydantic's shape; `wholeBody` is the error expected for a body that is not a JSON object.
void checkValidation(const RequestRecord &record, const QJsonObject &body, const QString &wholeBody)
{
    check(record.errorCode == QLatin1String("validation_error"), "a schema 422 has the code validation_error");
    if (record.answerBytes > record.answerBody.size())
        return; // capture cut the body short: nothing more to parse
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(record.answerBody, &error);
    check(error.error == QJsonParseError::NoError && doc.isObject(), "422 body is a JSON object");
    const QJsonArray detail = doc.object().value(QStringLiteral("detail")).toArray();
    check(!detail.isEmpty(), "422 detail is a non-empty list");
    check(record.errorMessage == detail.at(0).toObject().value(QStringLiteral("msg")).toString(),
          "the record carries detail[0].msg");
    for (const QJsonValue &entry : detail) {
        const QJsonObject e = entry.toObject();
        const QJsonArray loc = e.value(QStringLiteral("loc")).toArray();
        const QString type = e.value(QStringLiteral("type")).toString();
        check(!type.isEmpty() && !e.value(QStringLiteral("msg")).toString().isEmpty(), "error has a type and a msg");
        check(!loc.isEmpty() && loc.at(0).toString() == QLatin1String("body"), "loc starts with body");
        if (!wholeBody.isEmpty()) {
            check(detail.size() == 1 && loc.size() == 1 && type == wholeBody, "whole-body error for a non-object body");
            continue;
        }
        check(loc.size() >= 2 && loc.at(1).isString() && !loc.at(1).toString().isEmpty(), "error names a field");
        for (qsizetype i = 1; i < loc.size(); ++i)
            check(loc.at(i).isString() || loc.at(i).isDouble(), "loc parts are names or indices");
        const QJsonValue value = resolve(body, loc);
        if (type == QLatin1String("missing"))
            check(value.isUndefined() || value.isNull(), "a missing field is absent (or null)");
        else
            check(!value.isUndefined(), "a field with a type error is present");
    }
}

void checkDetail(const RequestRecord &record)
{
    check(!record.errorCode.isEmpty(), "a refusal has a code");
    if (record.answerBytes > record.answerBody.size())
        return;
    const QJsonDocument doc = QJsonDocument::fromJson(record.answerBody);
    check(doc.isObject(), "refusal body is a JSON object");
    const QJsonValue detail = doc.object().value(QStringLiteral("detail"));
    check(detail.isString() && !detail.toString().isEmpty(), "refusal is {\"detail\": <text>}");
}

// The upstream body PromptBuilder built for `endpoint`.
void checkBuilt(const routing::EndpointRuntime &endpoint, const prompts::BuiltRequest &built, bool stream)
{
    const auto scan = scanJson(built.body);
    check(scan.ok() && scan->rootType == JsonType::Object, "upstream body is a JSON object");
    const QByteArrayView body(built.body);
    auto token = [&](const JsonMember *m) { return body.sliced(m->valueBegin, m->valueEnd - m->valueBegin); };
    int count = 0;
    const JsonMember *model = scan->find("model", &count);
    check(model && count == 1 && model->type == JsonType::String, "exactly one string model upstream");
    check(token(model) == endpoint.identifierJson, "model is the endpoint's identifier");
    const JsonMember *streamMember = scan->find("stream", &count);
    check(streamMember && count == 1 && token(streamMember) == (stream ? "true" : "false"), "stream as asked");
    const JsonMember *maxTokens = scan->find("max_tokens", &count);
    check(maxTokens && count == 1 && maxTokens->type == JsonType::Number && built.maxTokens > 0
              && token(maxTokens) == QByteArray::number(built.maxTokens),
          "max_tokens as built");
    check(built.promptTokensEstimate >= 0, "token estimate");
    const JsonMember *stop = scan->find("stop", &count);
    if (built.stop.isEmpty()) {
        check(!stop, "no stop when none");
    } else {
        check(stop && count == 1 && stop->type == JsonType::Array, "stop is a list");
        const QJsonArray stops = QJsonDocument::fromJson("[" + token(stop).toByteArray() + "]").array().at(0).toArray();
        check(stops.size() == built.stop.size(), "every stop sequence is sent");
        for (qsizetype i = 0; i < stops.size(); ++i)
            check(stops.at(i).toString() == QString::fromUtf8(built.stop.at(i).toUtf8()), "stop sequences as built");
    }
    const QString prompt = QString::fromUtf8(built.prompt.toUtf8()); // lone surrogates go as U+FFFD
    if (built.api == prompts::BuiltRequest::Api::Completions) {
        const JsonMember *p = scan->find("prompt", &count);
        check(p && count == 1 && p->type == JsonType::String, "completions: one string prompt");
        check(decodeJsonString(token(p)) == prompt, "completions: the prompt as built");
        check(!scan->find("messages"), "completions: no messages");
    } else {
        const JsonMember *m = scan->find("messages", &count);
        check(m && count == 1 && m->type == JsonType::Array, "chat: one messages list");
        check(!scan->find("prompt"), "chat: no prompt");
        const QJsonArray messages
            = QJsonDocument::fromJson("[" + token(m).toByteArray() + "]").array().at(0).toArray();
        check(!messages.isEmpty() && messages.size() == built.messages.size(), "chat: the messages as built");
        for (const QJsonValue &v : messages) {
            const QString role = v.toObject().value(QStringLiteral("role")).toString();
            check(role == QLatin1String("system") || role == QLatin1String("user") || role == QLatin1String("assistant"),
                  "chat: every role is system, user or assistant");
            check(v.toObject().value(QStringLiteral("content")).isString(), "chat: every content is text");
        }
    }
}

// What the suggestion handlers build from the body (GitLab's fields -> CodeContext), rebuilt here
// from the same parsed body after it passed validation.
prompts::CodeContext codeContextOf(const QJsonObject &body, bool generation)
{
    prompts::CodeContext input;
    const QJsonObject file = body.value(QStringLiteral("current_file")).toObject();
    input.fileName = file.value(QStringLiteral("file_name")).toString();
    input.language = file.value(QStringLiteral("language_identifier")).toString();
    input.prefix = file.value(QStringLiteral("content_above_cursor")).toString();
    input.suffix = file.value(QStringLiteral("content_below_cursor")).toString();
    for (const QJsonValue &v : body.value(QStringLiteral("context")).toArray()) {
        const QJsonObject item = v.toObject();
        input.context.append({item.value(QStringLiteral("type")).toString(), item.value(QStringLiteral("name")).toString(),
                              item.value(QStringLiteral("content")).toString()});
    }
    const QJsonValue version = body.value(QStringLiteral("prompt_version"));
    const int v = version.isDouble() ? int(qint64(version.toDouble())) : 1;
    const QJsonValue prompt = body.value(QStringLiteral("prompt"));
    if (v >= 3) {
        for (const QJsonValue &m : prompt.toArray()) {
            if (m.toObject().value(QStringLiteral("role")).toString() == QLatin1String("user"))
                input.instruction = m.toObject().value(QStringLiteral("content")).toString();
        }
    } else {
        input.instruction = prompt.toString();
    }
    Q_UNUSED(generation);
    return input;
}

prompts::ChatInput chatInputOf(const QJsonObject &body, const QString &feature)
{
    prompts::ChatInput input;
    input.feature = feature;
    const QJsonObject payload = body.value(QStringLiteral("prompt_components")).toArray().at(0).toObject()
                                    .value(QStringLiteral("payload")).toObject();
    const QJsonValue content = payload.value(QStringLiteral("content"));
    if (content.isString()) {
        input.messages.append(QJsonObject{{QStringLiteral("role"), QStringLiteral("user")},
                                          {QStringLiteral("content"), content.toString()}});
    } else {
        for (const QJsonValue &m : content.toArray())
            input.messages.append(QJsonObject{{QStringLiteral("role"), m.toObject().value(QStringLiteral("role"))},
                                              {QStringLiteral("content"), m.toObject().value(QStringLiteral("content"))}});
    }
    const QJsonObject params = payload.value(QStringLiteral("params")).toObject();
    for (const QJsonValue &s : params.value(QStringLiteral("stop_sequences")).toArray())
        input.stop << s.toString().left(225);
    const QJsonValue temperature = params.value(QStringLiteral("temperature"));
    input.temperature = temperature.isDouble() ? temperature.toDouble() : -1;
    const QJsonValue maxTokens = params.value(QStringLiteral("max_tokens_to_sample"));
    if (maxTokens.isDouble())
        input.maxTokens = int(maxTokens.toDouble());
    return input;
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    setUp(argc, argv);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    Fixture &f = *g_fixture;
    const Route &route = kRoutes[data[0] & 15];
    const size_t familyIndex = (data[1] & 15) % kFamilies.size();
    Worker &worker = *f.workers[familyIndex];
    QByteArray body(reinterpret_cast<const char *>(data + 2), qsizetype(size - 2));

    if (data[1] & 0x40) {
        // Long inputs without long fuzz inputs: each "@@@" (16 at most) becomes 6 KB of JSON string text
        // with multi-byte and surrogate-pair characters, so prompts get cut to the family's token budget.
        static const QByteArray filler = QByteArray("a\xc3\xa9\xf0\x9f\x98\x80\\n").repeated(700);
        qsizetype at = 0;
        for (int n = 0; n < 16 && (at = body.indexOf("@@@", at)) >= 0; ++n) {
            body.replace(at, 3, filler);
            at += filler.size();
        }
    }

    QByteArray path = route.path;
    if ((data[1] & 0x80) && (route.kind == Kind::Chat || route.kind == Kind::Prompt)) {
        const qsizetype nl = body.indexOf('\n');
        const QByteArray suffix = nl < 0 ? body : body.first(nl);
        body = nl < 0 ? QByteArray() : body.sliced(nl + 1);
        const QByteArray prefix = route.kind == Kind::Chat ? "/v1/chat/" : "/v1/prompts/";
        path = prefix + suffix.toPercentEncoding("/");
    }

    HttpRequest request;
    request.method = "POST";
    request.path = path;
    request.headers = {
        {"Content-Type", "application/json"},
        {"X-Gitlab-Global-User-Id", "user-sha-1"},
        {"X-Gitlab-Realm", "self-managed"},
        {"X-Request-ID", "req-fuzz"},
        {"x-gitlab-enabled-feature-flags", "expanded_ai_logging"},
    };
    request.body = body;

    const Handler *handler = findHandler(worker.server, path);
    check(handler != nullptr, "every GitLab POST route has a handler");
    f.observer.records.clear();
    (*handler)(std::make_unique<HttpExchange>(nullptr, std::move(request), &f.observer));
    QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete); // a finished ProxyOperation
    check(f.observer.records.size() == 1, "exactly one response per request");
    const RequestRecord &record = f.observer.records.front();
    check(record.dialect == QLatin1String("gitlab"), "recorded as the GitLab dialect");
    static const bool verbose = qEnvironmentVariableIsSet("FUZZ_GITLAB_VERBOSE"); // for checking the seeds
    if (verbose) {
        std::fprintf(stderr, "%s [%s] -> %d %s feature=%s endpoint=%s: %s\n", path.constData(),
                     qPrintable(familyName(kFamilies[familyIndex])), record.status, qPrintable(record.errorCode),
                     qPrintable(record.feature), qPrintable(record.modelEndpoint), qPrintable(record.errorMessage.left(120)));
    }

    // What the handler saw of the body.
    const auto scan = scanJson(body);
    // The handler's own parse. Not checked: that QJsonDocument reads every object scanJson accepts. It
    // does not (a number beyond double's range, e.g. 1e400, is valid JSON to scanJson and an error to
    // QJsonDocument) and the handler then validates an empty object; so do the checks below.
    const QJsonObject object = QJsonDocument::fromJson(body).object();
    if (!scan.ok() || scan->rootType != JsonType::Object) {
        check(record.status == 422, "a body that is not a JSON object is a 422");
        checkValidation(record, object,
                        !scan.ok() ? QStringLiteral("json_invalid") : QStringLiteral("model_attributes_type"));
        return 0;
    }

    const bool accepted = !record.modelEndpoint.isEmpty();
    switch (record.status) {
    case 422:
        check(!accepted, "a 422 is not accepted");
        if (record.errorCode == QLatin1String("validation_error"))
            checkValidation(record, object, QString());
        else
            checkDetail(record);
        return 0;
    case 403:
        check(!accepted, "a 403 is not accepted");
        checkDetail(record);
        return 0;
    case 404:
        check(!accepted, "a 404 is not accepted");
        check(route.kind == Kind::Chat || route.kind == Kind::Prompt, "404 only for an unknown invokable or prompt");
        checkDetail(record);
        return 0;
    case 503:
        check(accepted && route.kind != Kind::Agent, "503 only for an accepted request");
        checkDetail(record);
        break;
    case 200:
        check(accepted && route.kind == Kind::Agent, "200 only for the agent (its stream carries the error)");
        break;
    default:
        violated("unexpected status");
    }
    check(record.errorCode == QLatin1String("endpoint_busy"), "accepted requests stop at the endpoint limiter");

    // Accepted: routed by the assignment (or by named, registered details when the feature has none).
    const auto snapshot = worker.holder.current();
    const routing::EndpointRuntime *endpoint = snapshot->endpoint(record.modelEndpoint);
    check(endpoint != nullptr, "routed to a registered endpoint");
    check(record.modelIdentifier == endpoint->endpoint.identifier, "identifier of that endpoint");
    check(!record.feature.isEmpty(), "an accepted request has a feature");
    const auto assigned = snapshot->config().features.constFind(record.feature);
    if (assigned != snapshot->config().features.cend()) {
        check(*assigned != kDisabled, "a disabled feature is never served");
        check(*assigned == record.modelEndpoint, "an assigned feature goes to its endpoint");
    }

    // The prompt the gateway built is what PromptBuilder makes of the body's fields.
    const prompts::PromptBuilder &builder = f.builder;
    const ModelEndpoint &model = endpoint->endpoint;
    const QString *overrideText = snapshot->promptOverride(model.name, record.feature);
    const prompts::TemplateOverride override{overrideText ? *overrideText : QString()};
    const prompts::TemplateOverride *overridePtr = overrideText ? &override : nullptr;
    Result<prompts::BuiltRequest> built = Error::make(QStringLiteral("none"), QString());
    bool stream = false;
    switch (route.kind) {
    case Kind::Completion:
    case Kind::Generation:
    case Kind::Suggestions: {
        const bool generation = route.kind == Kind::Generation
            || (route.kind == Kind::Suggestions
                && (object.value(QStringLiteral("intent")).toString() == QLatin1String("generation")
                    || object.value(QStringLiteral("prompt_id")).toString() == QLatin1String("code_suggestions/generations")));
        check(record.feature == (generation ? QLatin1String("code_generations") : QLatin1String("code_completions")),
              "suggestion feature");
        stream = route.kind == Kind::Suggestions || object.value(QStringLiteral("stream")).toBool();
        const prompts::CodeContext input = codeContextOf(object, generation);
        built = generation ? builder.codeGeneration(model, input, stream, overridePtr)
                           : builder.codeCompletion(model, input, stream, overridePtr);
        check(built.ok(), "the builder accepts what the gateway accepted");
        if (!generation && !built->truncated && !overrideText)
            check(built->prompt.contains(input.prefix), "an uncut completion prompt holds the prefix");
        check(record.promptTokens == built->promptTokensEstimate, "prompt tokens recorded");
        break;
    }
    case Kind::Chat: {
        const QByteArray invokable = path.mid(qsizetype(sizeof("/v1/chat/") - 1));
        const Feature *feature
            = FeatureCatalog::instance().findByRoute(u"/v1/chat/{invokable}", QUrl::fromPercentEncoding(invokable));
        check(feature && feature->id == record.feature, "chat feature from the invokable");
        stream = object.value(QStringLiteral("stream")).toBool();
        built = builder.chat(model, chatInputOf(object, feature->id), stream, overridePtr);
        check(built.ok(), "the builder accepts what the gateway accepted");
        break;
    }
    case Kind::Agent:
        check(record.feature == QLatin1String("duo_chat"), "agent feature");
        return 0; // the ReAct prompt is assembled in the handler; the record shows it was built
    case Kind::Prompt:
        return 0;
    }
    // (The record keeps at most kMaxCapturedBodyBytes of it.)
    check(built->prompt.toUtf8().left(kMaxCapturedBodyBytes) == record.promptBody, "the gateway's prompt is the builder's");
    if (verbose)
        std::fprintf(stderr, "  built: %s, %d tokens%s\n", built->api == prompts::BuiltRequest::Api::Completions ? "completions" : "chat",
                     built->promptTokensEstimate, built->truncated ? ", cut to the budget" : "");
    checkBuilt(*endpoint, *built, stream);
    return 0;
}
