#include "dialects/openai/openaiapi.h"

#include "jsonscanner.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace airlock;
using namespace airlock::http;
using namespace airlock::openai;
using airlock::routing::ReplicaRuntime;
using airlock::routing::UpstreamApi;

Q_DECLARE_METATYPE(airlock::openai::OpenAiApi::Kind)

// OpenAiApi::adapt(): the OpenAI dialect's validation and `model` rewrite, without a server.
class tst_OpenAiAdapter : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void refuses_data();
    void refuses();
    void routes_data();
    void routes();
    void rewriteKeepsEverythingElse();
    void jobKeepsTheSnapshot();

private:
    routing::ConfigHolder m_config;
};

namespace {

const QString kWeirdIdentifier = QStringLiteral("Qwen/\"Coder\"\\7B\u00e9");

GatewayConfig testConfig()
{
    ModelEndpoint codestral;
    codestral.name = QStringLiteral("codestral-a");
    codestral.family = ModelFamily::Codestral;
    codestral.baseUrl = QUrl(QStringLiteral("http://127.0.0.1:8000/v1"));
    codestral.identifier = QStringLiteral("codestral-22b");

    ModelEndpoint qwen;
    qwen.name = QStringLiteral("qwen");
    qwen.family = ModelFamily::QwenCoder;
    qwen.baseUrl = QUrl(QStringLiteral("https://gpu.internal:8443"));
    qwen.identifier = kWeirdIdentifier; // needs escaping when spliced in

    GatewayConfig config;
    config.models = { codestral, qwen };
    config.features.insert(QStringLiteral("code_completions"), QStringLiteral("codestral-a"));
    config.features.insert(QStringLiteral("duo_chat"), QStringLiteral("qwen"));
    config.features.insert(QStringLiteral("generate_commit_message"), QString(kDisabled));
    // "code_generations" is a known feature with no assignment.
    return config;
}

HttpRequest makeRequest(const QByteArray &contentType, const QByteArray &body)
{
    HttpRequest request;
    request.method = "POST";
    request.path = "/v1/chat/completions";
    request.headers.append(std::pair(QByteArray("Host"), QByteArray("gw")));
    if (!contentType.isNull())
        request.headers.append(std::pair(QByteArray("Content-Type"), contentType));
    request.body = body;
    return request;
}

} // namespace

void tst_OpenAiAdapter::initTestCase()
{
    m_config.publish(testConfig());
}

void tst_OpenAiAdapter::refuses_data()
{
    QTest::addColumn<QByteArray>("contentType"); // null: no header
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("code");
    QTest::addColumn<QString>("param");
    QTest::addColumn<QStringList>("messageNames"); // all must appear in the message

    const QByteArray json = "application/json";
    auto row = [](const char *name, const QByteArray &contentType, const QByteArray &body, int status,
                   const char *code, const char *param, const QStringList &names) {
        QTest::newRow(name) << contentType << body << status << QString::fromLatin1(code)
                            << QString::fromLatin1(param) << names;
    };
    const QByteArray good = R"({"model":"code_completions","prompt":"x"})";
    const auto s = [](const char *text) { return QString::fromUtf8(text); };

    row("no-content-type", QByteArray(), good, 415, "unsupported_media_type", "",
        { s("Content-Type"), s("missing") });
    row("empty-content-type", "", good, 415, "unsupported_media_type", "", { s("Content-Type") });
    row("text-plain", "text/plain", good, 415, "unsupported_media_type", "",
        { s("text/plain"), s("application/json") });
    row("form", "application/x-www-form-urlencoded", good, 415, "unsupported_media_type", "",
        { s("application/x-www-form-urlencoded") });
    row("json-suffix", "application/jsonl", good, 415, "unsupported_media_type", "",
        { s("application/jsonl") });
    row("json-patch", "application/json-patch+json", good, 415, "unsupported_media_type", "",
        { s("application/json-patch+json") });

    row("empty-body", json, "", 400, "invalid_json", "", { s("JSON"), s("empty") });
    row("truncated", json, R"({"model":"code_completions")", 400, "invalid_json", "",
        { s("JSON"), s("unterminated") });
    row("trailing-comma", json, R"({"model":"code_completions",})", 400, "invalid_json", "",
        { s("JSON"), s("member name"), s("byte 28") });
    row("trailing-garbage", json, good + "x", 400, "invalid_json", "", { s("after the JSON value") });
    row("single-quotes", json, "{'model':'code_completions'}", 400, "invalid_json", "", { s("JSON") });
    row("invalid-utf8", json, "{\"model\":\"code_completions\",\"prompt\":\"caf\xc3(\"}", 400, "invalid_utf8",
        "", { s("UTF-8"), s("byte 41") });
    row("overlong-utf8", json, "{\"prompt\":\"\xc0\xaf\",\"model\":\"code_completions\"}", 400,
        "invalid_utf8", "", { s("UTF-8") });
    row("surrogate-utf8", json, "{\"model\":\"\xed\xa0\x80\"}", 400, "invalid_utf8", "", { s("UTF-8") });

    row("array-root", json, R"([{"model":"code_completions"}])", 400, "invalid_body", "",
        { s("JSON object") });
    row("string-root", json, R"("code_completions")", 400, "invalid_body", "", { s("JSON object") });
    row("null-root", json, "null", 400, "invalid_body", "", { s("JSON object") });

    row("missing-model", json, R"({"prompt":"x"})", 400, "missing_field", "model",
        { s("\"model\""), s("required") });
    row("empty-object", json, "{}", 400, "missing_field", "model", { s("\"model\""), s("required") });
    row("nested-model-only", json, R"({"messages":[{"model":"code_completions"}]})", 400, "missing_field",
        "model", { s("\"model\"") });
    row("model-null", json, R"({"model":null})", 400, "invalid_type", "model",
        { s("\"model\""), s("string") });
    row("model-number", json, R"({"model":4})", 400, "invalid_type", "model",
        { s("\"model\""), s("string") });
    row("model-bool", json, R"({"model":true})", 400, "invalid_type", "model",
        { s("\"model\""), s("string") });
    row("model-array", json, R"({"model":["code_completions"]})", 400, "invalid_type", "model",
        { s("\"model\"") });
    row("model-object", json, R"({"model":{"name":"code_completions"}})", 400, "invalid_type", "model",
        { s("\"model\"") });
    row("model-empty", json, R"({"model":""})", 400, "missing_field", "model",
        { s("\"model\""), s("empty") });
    row("model-duplicate", json, R"({"model":"code_completions","model":"duo_chat"})", 400, "duplicate_field",
        "model", { s("\"model\""), s("more than once") });
    row("model-duplicate-same", json, R"({"model":"duo_chat","x":1,"model":"duo_chat"})", 400,
        "duplicate_field", "model", { s("\"model\"") });
    row("model-duplicate-escaped", json, R"({"model":"code_completions","mod\u0065l":"duo_chat"})", 400,
        "duplicate_field", "model", { s("\"model\""), s("more than once") });

    row("stream-string", json, R"({"model":"code_completions","stream":"true"})", 400, "invalid_type",
        "stream", { s("\"stream\""), s("boolean") });
    row("stream-number", json, R"({"model":"code_completions","stream":1})", 400, "invalid_type", "stream",
        { s("\"stream\""), s("boolean") });
    row("stream-object", json, R"({"model":"code_completions","stream":{}})", 400, "invalid_type", "stream",
        { s("\"stream\"") });
    row("stream-duplicate", json, R"({"stream":false,"model":"code_completions","stream":true})", 400,
        "duplicate_field", "stream", { s("\"stream\""), s("more than once") });

    row("unknown-model", json, R"({"model":"gpt-4o"})", 404, "model_not_found", "model", { s("gpt-4o") });
    row("model-name-case", json, R"({"model":"Codestral-A"})", 404, "model_not_found", "model",
        { s("Codestral-A") });
    row("feature-case", json, R"({"model":"Code_Completions"})", 404, "model_not_found", "model",
        { s("Code_Completions") });
    row("unknown-model-escaped", json, R"({"model":"caf\u00e9"})", 404, "model_not_found", "model",
        { QStringLiteral("caf\u00e9") });
    row("disabled-feature", json, R"({"model":"generate_commit_message"})", 403, "feature_disabled",
        "features.generate_commit_message",
        { s("generate_commit_message"), s("disabled") });
    row("unassigned-feature", json, R"({"model":"code_generations","stream":true})", 403,
        "feature_unassigned", "model", { s("code_generations"), s("assign") });
}

void tst_OpenAiAdapter::refuses()
{
    QFETCH(QByteArray, contentType);
    QFETCH(QByteArray, body);
    QFETCH(int, status);
    QFETCH(QString, code);
    QFETCH(QString, param);
    QFETCH(QStringList, messageNames);

    for (const OpenAiApi::Kind kind : { OpenAiApi::Kind::ChatCompletions, OpenAiApi::Kind::Completions }) {
        ApiError error;
        const auto job = OpenAiApi::adapt(makeRequest(contentType, body), kind, m_config.current(), &error);
        QVERIFY2(!job.ok(), "accepted");
        QCOMPARE(error.status, status);
        QCOMPARE(error.code, code);
        QCOMPARE(error.param, param);
        for (const QString &name : messageNames)
            QVERIFY2(error.message.contains(name),
                qPrintable(QStringLiteral("\"%1\" lacks \"%2\"").arg(error.message, name)));
        // the Result's error says the same as the ApiError
        QCOMPARE(job.error().code, error.code);
        QCOMPARE(job.error().message, error.message);
        QCOMPARE(job.error().field, error.param);
    }
}

void tst_OpenAiAdapter::routes_data()
{
    // `body` has $MODEL$ where the request's model token goes; the upstream body must be the same
    // bytes with the endpoint's identifier there instead.
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QByteArray>("modelToken");
    QTest::addColumn<OpenAiApi::Kind>("kind");
    QTest::addColumn<QString>("endpoint");
    QTest::addColumn<QUrl>("url");
    QTest::addColumn<bool>("stream");

    const QByteArray json = "application/json";
    const auto chat = OpenAiApi::Kind::ChatCompletions;
    const auto completions = OpenAiApi::Kind::Completions;
    const QUrl codestralChat(QStringLiteral("http://127.0.0.1:8000/v1/chat/completions"));
    const QUrl codestralCompletions(QStringLiteral("http://127.0.0.1:8000/v1/completions"));
    const QUrl qwenChat(QStringLiteral("https://gpu.internal:8443/v1/chat/completions"));
    const QUrl qwenCompletions(QStringLiteral("https://gpu.internal:8443/v1/completions"));
    const QString codestral = QStringLiteral("codestral-a");
    const QString qwen = QStringLiteral("qwen");
    const QByteArray chatBody = R"({"model":$MODEL$,"messages":[{"role":"user","content":"hi"}]})";

    QTest::newRow("feature-chat") << json << chatBody << QByteArray(R"("code_completions")") << chat
                                  << codestral << codestralChat << false;
    QTest::newRow("feature-completions")
        << json << QByteArray(R"({"prompt":"def f(","model":$MODEL$,"max_tokens":16})")
        << QByteArray(R"("code_completions")") << completions << codestral << codestralCompletions << false;
    QTest::newRow("feature-to-escaped-identifier")
        << json << chatBody << QByteArray(R"("duo_chat")") << chat << qwen << qwenChat << false;
    QTest::newRow("model-name-chat") << json << chatBody << QByteArray(R"("codestral-a")") << chat
                                     << codestral << codestralChat << false;
    QTest::newRow("model-name-completions")
        << json << QByteArray(R"({"model":$MODEL$,"prompt":"x"})") << QByteArray(R"("qwen")") << completions
        << qwen << qwenCompletions << false;
    QTest::newRow("escaped-model-value")
        << json << chatBody << QByteArray(R"("duo\u005fchat")") << chat << qwen << qwenChat << false;
    QTest::newRow("stream-true") << json << QByteArray(R"({"stream":true,"model":$MODEL$})")
                                 << QByteArray(R"("code_completions")") << chat << codestral << codestralChat
                                 << true;
    QTest::newRow("stream-false") << json << QByteArray(R"({"model":$MODEL$,"stream":false})")
                                  << QByteArray(R"("code_completions")") << chat << codestral << codestralChat
                                  << false;
    QTest::newRow("stream-null") << json << QByteArray(R"({"model":$MODEL$,"stream":null})")
                                 << QByteArray(R"("code_completions")") << chat << codestral << codestralChat
                                 << false;
    QTest::newRow("charset-param") << QByteArray("application/json; charset=utf-8") << chatBody
                                   << QByteArray(R"("qwen")") << chat << qwen << qwenChat << false;
    QTest::newRow("content-type-case") << QByteArray("Application/JSON") << chatBody
                                       << QByteArray(R"("qwen")") << chat << qwen << qwenChat << false;
    QTest::newRow("content-type-space-before-param")
        << QByteArray("application/json ; charset=utf-8") << chatBody << QByteArray(R"("qwen")") << chat
        << qwen << qwenChat << false;
    QTest::newRow("whitespace-and-unicode-kept")
        << json
        << QByteArray(
               "\r\n{ \"messages\" : [ {\"role\":\"user\", \"content\":\"caf\xc3\xa9 \\u00e9 \\n "
               "\xf0\x9f\x98\x80\"} ],\n"
               "\t\"model\"\t:\t$MODEL$ ,\"temperature\": 0.2e0, \"model_options\":{\"model\":\"keep\"} }\n")
        << QByteArray(R"("code_completions")") << chat << codestral << codestralChat << false;
    QTest::newRow("unknown-members-kept")
        << json << QByteArray(R"({"model":$MODEL$,"x-vendor":{"a":[1,2,{"b":null}]},"n":1e3})")
        << QByteArray(R"("duo_chat")") << completions << qwen << qwenCompletions << false;
}

void tst_OpenAiAdapter::routes()
{
    QFETCH(QByteArray, contentType);
    QFETCH(QByteArray, body);
    QFETCH(QByteArray, modelToken);
    QFETCH(OpenAiApi::Kind, kind);
    QFETCH(QString, endpoint);
    QFETCH(QUrl, url);
    QFETCH(bool, stream);

    const QByteArray request = QByteArray(body).replace("$MODEL$", modelToken);
    ApiError error;
    const auto snapshot = m_config.current();
    auto job = OpenAiApi::adapt(makeRequest(contentType, request), kind, snapshot, &error);
    QVERIFY2(job.ok(), qPrintable(error.code + QStringLiteral(": ") + error.message));
    QVERIFY(job->endpoint);
    QCOMPARE(job->endpoint->endpoint.name, endpoint);
    const ReplicaRuntime &replica = job->endpoint->replicas.front();
    QCOMPARE(job->api == UpstreamApi::Completions ? replica.completionsUrl : replica.chatCompletionsUrl, url);
    QCOMPARE(job->stream, stream);

    // byte-exact: only the model token changed
    const QString identifier = job->endpoint->endpoint.identifier;
    const QByteArray expected = QByteArray(body).replace("$MODEL$", encodeJsonString(identifier));
    QCOMPARE(job->body, expected);

    // and as JSON: the original object with `model` replaced, nothing else
    QJsonParseError parseError;
    const QJsonDocument rewritten = QJsonDocument::fromJson(job->body, &parseError);
    QCOMPARE(parseError.error, QJsonParseError::NoError);
    QJsonObject original = QJsonDocument::fromJson(request).object();
    QVERIFY(!original.isEmpty());
    original.insert(QStringLiteral("model"), identifier);
    QCOMPARE(rewritten.object(), original);
    QCOMPARE(rewritten.object().value(QStringLiteral("model")).toString(), identifier);
}

void tst_OpenAiAdapter::rewriteKeepsEverythingElse()
{
    // The identifier with quotes, backslash and non-ASCII must arrive intact and the body stay valid.
    const QByteArray request = R"({"model":"duo_chat","messages":[],"user":"u"})";
    ApiError error;
    const auto job = OpenAiApi::adapt(makeRequest("application/json", request),
        OpenAiApi::Kind::ChatCompletions, m_config.current(), &error);
    QVERIFY(job.ok());
    QCOMPARE(job->body,
        QByteArray("{\"model\":\"Qwen/\\\"Coder\\\"\\\\7B\xc3\xa9\",\"messages\":[],\"user\":\"u\"}"));
    const auto scan = scanJson(job->body);
    QVERIFY(scan.ok());
    const JsonMember *model = scan->find("model");
    QVERIFY(model);
    QCOMPARE(decodeJsonString(
                 QByteArrayView(job->body).sliced(model->valueBegin, model->valueEnd - model->valueBegin)),
        kWeirdIdentifier);
}

void tst_OpenAiAdapter::jobKeepsTheSnapshot()
{
    routing::ConfigHolder holder;
    holder.publish(testConfig());
    const auto before = holder.current();
    ApiError error;
    auto job = OpenAiApi::adapt(makeRequest("application/json", R"({"model":"code_completions"})"),
        OpenAiApi::Kind::Completions, before, &error);
    QVERIFY(job.ok());
    // a configuration change after routing does not pull the endpoint from under the job
    holder.publish(GatewayConfig());
    QCOMPARE(job->snapshot.get(), before.get());
    QCOMPARE(job->endpoint->endpoint.name, QStringLiteral("codestral-a"));
    QCOMPARE(job->endpoint->identifierJson, QByteArray(R"("codestral-22b")"));
    ApiError after;
    QVERIFY(!OpenAiApi::adapt(makeRequest("application/json", R"({"model":"code_completions"})"),
        OpenAiApi::Kind::Completions, holder.current(), &after)
                 .ok());
    QCOMPARE(after.code, QStringLiteral("feature_unassigned"));
}

QTEST_GUILESS_MAIN(tst_OpenAiAdapter)
#include "tst_openaiadapter.moc"
