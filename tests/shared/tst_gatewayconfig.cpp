#include "gatewayconfig.h"

#include <QJsonDocument>
#include <QTest>

using namespace airlock;

class tst_GatewayConfig : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void parsesTheDocumentedExample();
    void defaultsApply();
    void roundTripOmitsApiKey();
    void roundTripWithSecrets();
    void emptyConfig();
    void errors_data();
    void errors();
    void failureRateEjectionSettings();
    void unknownModelErrorNamesBoth();
    void apiRoot_data();
    void apiRoot();
    void apiUrl();
    void validateCatchesWhatParseWould();
    void serverKinds_data();
    void serverKinds();
    void serverKindIsSerializedOnlyWhenNotDefault();
};

namespace {

// A valid model object with `extra` spliced in (already-formatted "key": value pairs, or empty).
QByteArray modelJson(const char *name = "codestral-a", const QByteArray &extra = {})
{
    QByteArray json = QByteArray(R"({"name":")") + name
        + R"(","family":"codestral","base_url":"http://127.0.0.1:8000/v1","identifier":"codestral-22b")";
    if (!extra.isEmpty())
        json += ',' + extra;
    return json + '}';
}

QByteArray withModel(const QByteArray &extra)
{
    return R"({"models":[)" + modelJson("codestral-a", extra) + "]}";
}

const QByteArray kExample = R"({"models":[{"name":"codestral-a","family":"codestral",
    "base_url":"http://127.0.0.1:8000/v1","identifier":"codestral-22b","api_key":"sk-very-secret",
    "max_concurrency":64,"timeouts_ms":{"connect":2000,"first_byte":30000,"idle":30000,"total":120000}},
    {"name":"qwen","family":"Qwen2.5-Coder","base_url":"https://gpu.internal:8443","identifier":"Qwen/Qwen2.5-Coder-7B",
    "max_concurrency":3,"timeouts_ms":{"idle":5000}}],
    "features":{"code_completions":"codestral-a","duo_chat":"qwen","generate_commit_message":"disabled"}})";

} // namespace

void tst_GatewayConfig::parsesTheDocumentedExample()
{
    auto config = parseGatewayConfig(kExample);
    QVERIFY2(config.ok(), qPrintable(config.ok() ? QString() : config.error().message));
    QCOMPARE(config->models.size(), 2);
    const ModelEndpoint &a = config->models.at(0);
    QCOMPARE(a.name, QStringLiteral("codestral-a"));
    QCOMPARE(a.family, ModelFamily::Codestral);
    QCOMPARE(a.baseUrl, QUrl(QStringLiteral("http://127.0.0.1:8000/v1")));
    QCOMPARE(a.identifier, QStringLiteral("codestral-22b"));
    QCOMPARE(a.apiKey, QStringLiteral("sk-very-secret"));
    QCOMPARE(a.maxConcurrency, 64);
    QCOMPARE(a.timeouts, (EndpointTimeouts { 2000, 30000, 30000, 120000 }));
    const ModelEndpoint &b = config->models.at(1);
    QCOMPARE(b.family, ModelFamily::QwenCoder); // family names are case-insensitive
    QCOMPARE(b.timeouts.idleMs, 5000);
    QCOMPARE(b.timeouts.connectMs, EndpointTimeouts().connectMs);
    QCOMPARE(config->features.size(), 3);
    QCOMPARE(config->features.value(QStringLiteral("generate_commit_message")), QString(kDisabled));
    QVERIFY(config->findModel(u"qwen") == &config->models.at(1));
    QVERIFY(!config->findModel(u"nope"));
}

void tst_GatewayConfig::defaultsApply()
{
    auto config = parseGatewayConfig(withModel({}));
    QVERIFY(config.ok());
    const ModelEndpoint &m = config->models.at(0);
    QCOMPARE(m.maxConcurrency, ModelEndpoint().maxConcurrency);
    QCOMPARE(m.timeouts, EndpointTimeouts());
    QVERIFY(m.apiKey.isEmpty());
}

void tst_GatewayConfig::roundTripOmitsApiKey()
{
    auto original = parseGatewayConfig(kExample);
    QVERIFY(original.ok());
    const QByteArray exported = serializeGatewayConfig(*original);
    QVERIFY2(!exported.contains("api_key"), exported.constData());
    QVERIFY(!exported.contains("sk-very-secret"));
    auto reparsed = parseGatewayConfig(exported);
    QVERIFY2(reparsed.ok(), qPrintable(reparsed.ok() ? QString() : reparsed.error().message));
    GatewayConfig expected = *original;
    for (ModelEndpoint &m : expected.models)
        m.apiKey.clear();
    QCOMPARE(*reparsed, expected);
    // And the export is stable.
    QCOMPARE(serializeGatewayConfig(*reparsed), exported);
}

void tst_GatewayConfig::roundTripWithSecrets()
{
    auto original = parseGatewayConfig(kExample);
    QVERIFY(original.ok());
    const QByteArray exported = serializeGatewayConfig(*original, Secrets::Include);
    QVERIFY(exported.contains("sk-very-secret"));
    auto reparsed = parseGatewayConfig(exported);
    QVERIFY(reparsed.ok());
    QVERIFY(*reparsed == *original);
    // A model without a key gets no api_key member even with secrets included.
    QVERIFY(
        !modelEndpointToJson(original->models.at(1), Secrets::Include).contains(QStringLiteral("api_key")));
}

void tst_GatewayConfig::emptyConfig()
{
    auto config = parseGatewayConfig("{}");
    QVERIFY(config.ok());
    QCOMPARE(*config, GatewayConfig());
    auto reparsed = parseGatewayConfig(serializeGatewayConfig(GatewayConfig()));
    QVERIFY(reparsed.ok());
    QCOMPARE(*reparsed, GatewayConfig());
}

void tst_GatewayConfig::errors_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("code");
    QTest::addColumn<QString>("field");

    QTest::newRow("not json") << QByteArray("{\"models\":") << QStringLiteral("invalid_json") << QString();
    QTest::newRow("root is an array") << QByteArray("[]") << QStringLiteral("invalid_type") << QString();
    QTest::newRow("unknown top-level key") << QByteArray(R"({"models":[],"modelz":[]})")
                                           << QStringLiteral("unknown_key") << QStringLiteral("modelz");
    QTest::newRow("unknown key in a model")
        << withModel(R"("colour":"blue")") << QStringLiteral("unknown_key")
        << QStringLiteral("models[0].colour");
    QTest::newRow("unknown key in the second model")
        << QByteArray(R"({"models":[)" + modelJson("a") + ',' + modelJson("b", R"("apikey":"x")") + "]}")
        << QStringLiteral("unknown_key") << QStringLiteral("models[1].apikey");
    QTest::newRow("unknown key in timeouts_ms")
        << withModel(R"("timeouts_ms":{"connnect":5})") << QStringLiteral("unknown_key")
        << QStringLiteral("models[0].timeouts_ms.connnect");
    QTest::newRow("models not an array")
        << QByteArray(R"({"models":{}})") << QStringLiteral("invalid_type") << QStringLiteral("models");
    QTest::newRow("model not an object") << QByteArray(R"({"models":["codestral"]})")
                                         << QStringLiteral("invalid_type") << QStringLiteral("models[0]");
    QTest::newRow("name not a string") << QByteArray(R"({"models":[{"name":7}]})")
                                       << QStringLiteral("invalid_type") << QStringLiteral("models[0].name");
    QTest::newRow("name missing") << QByteArray(R"({"models":[{"family":"gpt"}]})")
                                  << QStringLiteral("missing_field") << QStringLiteral("models[0].name");
    QTest::newRow("identifier missing")
        << QByteArray(R"({"models":[{"name":"a","family":"gpt","base_url":"http://h"}]})")
        << QStringLiteral("missing_field") << QStringLiteral("models[0].identifier");
    QTest::newRow("api_key not a string") << withModel(R"("api_key":123)") << QStringLiteral("invalid_type")
                                          << QStringLiteral("models[0].api_key");
    QTest::newRow("max_concurrency a string")
        << withModel(R"("max_concurrency":"8")") << QStringLiteral("invalid_type")
        << QStringLiteral("models[0].max_concurrency");
    QTest::newRow("max_concurrency fractional")
        << withModel(R"("max_concurrency":1.5)") << QStringLiteral("invalid_type")
        << QStringLiteral("models[0].max_concurrency");
    QTest::newRow("max_concurrency huge")
        << withModel(R"("max_concurrency":1e300)") << QStringLiteral("invalid_type")
        << QStringLiteral("models[0].max_concurrency");
    QTest::newRow("max_concurrency zero")
        << withModel(R"("max_concurrency":0)") << QStringLiteral("invalid_value")
        << QStringLiteral("models[0].max_concurrency");
    QTest::newRow("timeouts_ms not an object")
        << withModel(R"("timeouts_ms":[1,2])") << QStringLiteral("invalid_type")
        << QStringLiteral("models[0].timeouts_ms");
    QTest::newRow("timeout a string")
        << withModel(R"("timeouts_ms":{"idle":"30s"})") << QStringLiteral("invalid_type")
        << QStringLiteral("models[0].timeouts_ms.idle");
    QTest::newRow("timeout negative")
        << withModel(R"("timeouts_ms":{"total":-1})") << QStringLiteral("invalid_value")
        << QStringLiteral("models[0].timeouts_ms.total");
    QTest::newRow("bad family") << QByteArray(
        R"({"models":[{"name":"a","family":"gpt-5","base_url":"http://h","identifier":"x"}]})")
                                << QStringLiteral("invalid_value") << QStringLiteral("models[0].family");
    const char *badUrls[] = { "ftp://h/v1", "not a url", "http://", "http://user:pw@h:8000",
        "http://h/v1?key=x", "/v1", "http://h:99999" };
    for (const char *url : badUrls) {
        QTest::addRow("bad base_url %s", url)
            << QByteArray(R"({"models":[{"name":"a","family":"gpt","base_url":")" + QByteArray(url)
                   + R"(","identifier":"x"}]})")
            << QStringLiteral("invalid_value") << QStringLiteral("models[0].base_url");
    }
    QTest::newRow("bad name") << QByteArray(R"({"models":[)" + modelJson("has space") + "]}")
                              << QStringLiteral("invalid_value") << QStringLiteral("models[0].name");
    QTest::newRow("model named disabled")
        << QByteArray(R"({"models":[)" + modelJson("disabled") + "]}") << QStringLiteral("invalid_value")
        << QStringLiteral("models[0].name");
    QTest::newRow("duplicate model names")
        << QByteArray(R"({"models":[)" + modelJson("a") + ',' + modelJson("b") + ',' + modelJson("a") + "]}")
        << QStringLiteral("duplicate_name") << QStringLiteral("models[2].name");
    QTest::newRow("features not an object") << QByteArray(R"({"features":["duo_chat"]})")
                                            << QStringLiteral("invalid_type") << QStringLiteral("features");
    QTest::newRow("feature value not a string")
        << QByteArray(R"({"features":{"duo_chat":false}})") << QStringLiteral("invalid_type")
        << QStringLiteral("features.duo_chat");
    QTest::newRow("unknown feature") << QByteArray(R"({"features":{"make_coffee":"disabled"}})")
                                     << QStringLiteral("unknown_feature")
                                     << QStringLiteral("features.make_coffee");
    QTest::newRow("unknown server kind") << withModel(R"("server":"triton")") << QStringLiteral("invalid_value")
                                         << QStringLiteral("models[0].server");
    QTest::newRow("empty server kind") << withModel(R"("server":"")") << QStringLiteral("invalid_value")
                                       << QStringLiteral("models[0].server");
    QTest::newRow("server kind not a string") << withModel(R"("server":1)") << QStringLiteral("invalid_type")
                                              << QStringLiteral("models[0].server");
    QTest::newRow("feature mapped to unknown model")
        << QByteArray(R"({"models":[)" + modelJson("a") + R"(],"features":{"duo_chat":"b"}})")
        << QStringLiteral("unknown_model") << QStringLiteral("features.duo_chat");
    QTest::newRow("ejection window_ms a string")
        << QByteArray(R"({"resilience":{"ejection":{"window_ms":"30s"}}})") << QStringLiteral("invalid_type")
        << QStringLiteral("resilience.ejection.window_ms");
    QTest::newRow("ejection window_ms too short")
        << QByteArray(R"({"resilience":{"ejection":{"window_ms":999}}})") << QStringLiteral("invalid_value")
        << QStringLiteral("resilience.ejection.window_ms");
    QTest::newRow("ejection window_ms fractional")
        << QByteArray(R"({"resilience":{"ejection":{"window_ms":1500.5}}})") << QStringLiteral("invalid_type")
        << QStringLiteral("resilience.ejection.window_ms");
    QTest::newRow("ejection failure_rate_percent over 100")
        << QByteArray(R"({"resilience":{"ejection":{"failure_rate_percent":101}}})")
        << QStringLiteral("invalid_value") << QStringLiteral("resilience.ejection.failure_rate_percent");
    QTest::newRow("ejection failure_rate_percent negative")
        << QByteArray(R"({"resilience":{"ejection":{"failure_rate_percent":-1}}})")
        << QStringLiteral("invalid_value") << QStringLiteral("resilience.ejection.failure_rate_percent");
    QTest::newRow("ejection min_requests zero")
        << QByteArray(R"({"resilience":{"ejection":{"min_requests":0}}})") << QStringLiteral("invalid_value")
        << QStringLiteral("resilience.ejection.min_requests");
    QTest::newRow("ejection min_requests a boolean")
        << QByteArray(R"({"resilience":{"ejection":{"min_requests":true}}})") << QStringLiteral("invalid_type")
        << QStringLiteral("resilience.ejection.min_requests");
    QTest::newRow("ejection unknown key")
        << QByteArray(R"({"resilience":{"ejection":{"window":30000}}})") << QStringLiteral("unknown_key")
        << QStringLiteral("resilience.ejection.window");
}

void tst_GatewayConfig::failureRateEjectionSettings()
{
    auto defaults = parseGatewayConfig(R"({"models":[]})");
    QVERIFY(defaults.ok());
    QCOMPARE(defaults->resilience.ejectFailureRatePercent, 50);
    QCOMPARE(defaults->resilience.ejectWindowMs, 30000);
    QCOMPARE(defaults->resilience.ejectMinRequests, 20);

    auto config = parseGatewayConfig(
        R"({"resilience":{"ejection":{"failure_rate_percent":0,"window_ms":10000,"min_requests":5}}})");
    QVERIFY2(config.ok(), qPrintable(config.ok() ? QString() : config.error().message));
    QCOMPARE(config->resilience.ejectFailureRatePercent, 0);
    QCOMPARE(config->resilience.ejectWindowMs, 10000);
    QCOMPARE(config->resilience.ejectMinRequests, 5);

    // Written back (only what differs from the defaults) and read again, nothing changes.
    const QByteArray written = serializeGatewayConfig(*config);
    const QJsonObject ejection = QJsonDocument::fromJson(written)
                                     .object()
                                     .value(QStringLiteral("resilience"))
                                     .toObject()
                                     .value(QStringLiteral("ejection"))
                                     .toObject();
    QCOMPARE(ejection, (QJsonObject{{QStringLiteral("failure_rate_percent"), 0},
                                    {QStringLiteral("window_ms"), 10000},
                                    {QStringLiteral("min_requests"), 5}}));
    auto again = parseGatewayConfig(written);
    QVERIFY(again.ok());
    QCOMPARE(again->resilience, config->resilience);
}

void tst_GatewayConfig::errors()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, code);
    QFETCH(QString, field);
    auto config = parseGatewayConfig(json);
    QVERIFY2(!config.ok(), json.constData());
    QCOMPARE(config.error().code, code);
    QCOMPARE(config.error().field, field);
    QVERIFY(!config.error().message.isEmpty());
    if (!field.isEmpty())
        QVERIFY2(config.error().message.contains(field), qPrintable(config.error().message));
}

void tst_GatewayConfig::unknownModelErrorNamesBoth()
{
    auto config = parseGatewayConfig(
        R"({"models":[)" + modelJson("a") + R"(],"features":{"duo_chat":"ghost-model"}})");
    QVERIFY(!config.ok());
    QVERIFY2(config.error().message.contains(QStringLiteral("duo_chat")), qPrintable(config.error().message));
    QVERIFY2(
        config.error().message.contains(QStringLiteral("ghost-model")), qPrintable(config.error().message));
}

void tst_GatewayConfig::apiRoot_data()
{
    QTest::addColumn<QString>("baseUrl");
    QTest::addColumn<QString>("root");
    QTest::newRow("no path") << QStringLiteral("http://h:8000") << QStringLiteral("http://h:8000/v1");
    QTest::newRow("slash") << QStringLiteral("http://h:8000/") << QStringLiteral("http://h:8000/v1");
    QTest::newRow("/v1") << QStringLiteral("http://h:8000/v1") << QStringLiteral("http://h:8000/v1");
    QTest::newRow("/v1/") << QStringLiteral("http://h:8000/v1/") << QStringLiteral("http://h:8000/v1");
    QTest::newRow("prefix") << QStringLiteral("https://gw.example/llm")
                            << QStringLiteral("https://gw.example/llm/v1");
    QTest::newRow("prefix /v1") << QStringLiteral("https://gw.example/llm/v1")
                                << QStringLiteral("https://gw.example/llm/v1");
    QTest::newRow("ipv6") << QStringLiteral("http://[::1]:11434") << QStringLiteral("http://[::1]:11434/v1");
}

void tst_GatewayConfig::apiRoot()
{
    QFETCH(QString, baseUrl);
    QFETCH(QString, root);
    ModelEndpoint m;
    m.baseUrl = QUrl(baseUrl);
    QCOMPARE(m.apiRoot().toString(), root);

    // The same through the parser: with and without /v1 agree.
    auto config = parseGatewayConfig(R"({"models":[{"name":"a","family":"gpt","base_url":")"
        + baseUrl.toUtf8() + R"(","identifier":"x"}]})");
    QVERIFY(config.ok());
    QCOMPARE(config->models.at(0).apiRoot().toString(), root);
}

void tst_GatewayConfig::apiUrl()
{
    ModelEndpoint with;
    with.baseUrl = QUrl(QStringLiteral("http://h:8000/v1/"));
    ModelEndpoint without;
    without.baseUrl = QUrl(QStringLiteral("http://h:8000"));
    QCOMPARE(
        with.apiUrl(u"chat/completions").toString(), QStringLiteral("http://h:8000/v1/chat/completions"));
    QCOMPARE(without.apiUrl(u"chat/completions"), with.apiUrl(u"chat/completions"));
}

void tst_GatewayConfig::validateCatchesWhatParseWould()
{
    auto parsed = parseGatewayConfig(kExample);
    QVERIFY(parsed.ok());
    QVERIFY(validateGatewayConfig(*parsed).ok());
    GatewayConfig c = *parsed;
    c.models.append(c.models.at(0));
    auto st = validateGatewayConfig(c);
    QVERIFY(!st.ok());
    QCOMPARE(st.error().code, QStringLiteral("duplicate_name"));
    QCOMPARE(st.error().field, QStringLiteral("models[2].name"));
}


void tst_GatewayConfig::serverKinds_data()
{
    QTest::addColumn<QByteArray>("extra");
    QTest::addColumn<ServerKind>("kind");
    QTest::newRow("absent") << QByteArray() << ServerKind::OpenAi;
    QTest::newRow("openai") << QByteArray(R"("server":"openai")") << ServerKind::OpenAi;
    QTest::newRow("vllm") << QByteArray(R"("server":"vllm")") << ServerKind::Vllm;
    QTest::newRow("tgi") << QByteArray(R"("server":"tgi")") << ServerKind::Tgi;
    QTest::newRow("llamacpp") << QByteArray(R"("server":"llamacpp")") << ServerKind::LlamaCpp;
    QTest::newRow("ollama") << QByteArray(R"("server":"ollama")") << ServerKind::Ollama;
    QTest::newRow("case-insensitive") << QByteArray(R"("server":"vLLM")") << ServerKind::Vllm;
}

void tst_GatewayConfig::serverKinds()
{
    QFETCH(QByteArray, extra);
    QFETCH(ServerKind, kind);
    auto config = parseGatewayConfig(withModel(extra));
    QVERIFY2(config.ok(), qPrintable(config.ok() ? QString() : config.error().message));
    QCOMPARE(int(config->models.at(0).server), int(kind));
    auto reparsed = parseGatewayConfig(serializeGatewayConfig(*config));
    QVERIFY(reparsed.ok());
    QCOMPARE(int(reparsed->models.at(0).server), int(kind));
}

void tst_GatewayConfig::serverKindIsSerializedOnlyWhenNotDefault()
{
    auto generic = parseGatewayConfig(withModel(R"("server":"openai")"));
    QVERIFY(generic.ok());
    QVERIFY(!modelEndpointToJson(generic->models.at(0), Secrets::Omit).contains(QStringLiteral("server")));
    auto llama = parseGatewayConfig(withModel(R"("server":"LlamaCpp")"));
    QVERIFY(llama.ok());
    QCOMPARE(modelEndpointToJson(llama->models.at(0), Secrets::Omit).value(QStringLiteral("server")).toString(),
             QStringLiteral("llamacpp"));
}

QTEST_GUILESS_MAIN(tst_GatewayConfig)
#include "tst_gatewayconfig.moc"
