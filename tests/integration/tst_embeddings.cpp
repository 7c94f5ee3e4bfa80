// POST /v1/embeddings end to end: a real gateway in front of the fake model server's /v1/embeddings,
// driven by a raw HTTP client. Routing by the `embeddings` feature and by endpoint name, the body's
// validation, the admin's assignment and flags, upstream errors passed through, retries and fallback
// along a route, and the request log record.

#include "gatewayfixture.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

using namespace airlock;
using namespace airlock::test;

namespace {

QByteArray embeddingsBody(const QByteArray &model, const QByteArray &input = "\"hello world\"")
{
    return "{\"model\":\"" + model + "\",\"input\":" + input + "}";
}

} // namespace

class tst_Embeddings : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<FakeModelServer> m_fake;
    std::unique_ptr<GatewayFixture> m_gw;

    HttpResponse post(const QByteArray &body, const QByteArray &requestId = {})
    {
        HttpRequest r = HttpRequest::post("/v1/embeddings", body);
        if (!requestId.isEmpty())
            r.withHeader("X-Request-ID", requestId);
        return TestHttpClient::fetch(m_gw->port(), r, 15000);
    }

    // The standard configuration (tests/integration/gatewayfixture.h) with `embeddings` -> "fake".
    GatewayConfig configWithEmbeddings() const
    {
        GatewayConfig config = m_gw->standardConfig(m_fake->baseUrl());
        config.features.insert(QStringLiteral("embeddings"), QStringLiteral("fake"));
        return config;
    }

    static void verifyError(const HttpResponse &r, int status, const QString &code, const QString &param,
                            const QString &mention = {})
    {
        QCOMPARE(r.status, status);
        QVERIFY2(r.header("content-type").startsWith("application/json"), r.header("content-type"));
        const QJsonObject error = r.json().value(QStringLiteral("error")).toObject();
        QCOMPARE(error.value(QStringLiteral("code")).toString(), code);
        QCOMPARE(error.value(QStringLiteral("param")).toString(), param);
        const QString message = error.value(QStringLiteral("message")).toString();
        QVERIFY2(message.contains(mention.isEmpty() ? param : mention), qPrintable(message));
    }

private Q_SLOTS:
    void init()
    {
        m_fake = std::make_unique<FakeModelServer>();
        QVERIFY(m_fake->isListening());
        m_gw = std::make_unique<GatewayFixture>();
        m_gw->apply(configWithEmbeddings());
    }

    void cleanup()
    {
        m_gw.reset();
        m_fake.reset();
    }

    void featureRoutesToTheAssignedModelAndTheAnswerIsRelayedAsIs_data()
    {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<int>("vectors");
        QTest::newRow("string") << QByteArray("\"def hello(): pass\"") << 1;
        QTest::newRow("strings") << QByteArray("[\"a b\", \"c\", \"d e f\"]") << 3;
        QTest::newRow("token ids") << QByteArray("[1, 2, 3]") << 1;
        QTest::newRow("token arrays") << QByteArray("[[1, 2], [3]]") << 2;
    }
    void featureRoutesToTheAssignedModelAndTheAnswerIsRelayedAsIs()
    {
        QFETCH(QByteArray, input);
        QFETCH(int, vectors);
        const QByteArray body = "{\"model\":\"embeddings\",\"input\":" + input
            + ",\"encoding_format\":\"float\",\"dimensions\":4,\"user\":\"u-1\"}";
        const HttpResponse r = post(body);
        QCOMPARE(r.status, 200);
        QCOMPARE(m_fake->requestCount(QStringLiteral("/v1/embeddings")), 1);
        const RecordedRequest up = m_fake->lastRequest();
        QCOMPARE(up.model, QStringLiteral("served-model"));
        QCOMPARE(up.header("authorization"), QByteArray("Bearer sk-upstream-secret"));
        // Only `model` changed.
        QByteArray expected = body;
        expected.replace("\"embeddings\"", "\"served-model\"");
        QCOMPARE(up.body, expected);
        const QJsonArray data = r.json().value(QStringLiteral("data")).toArray();
        QCOMPARE(data.size(), vectors);
        QCOMPARE(data.at(0).toObject().value(QStringLiteral("embedding")).toArray().size(), 4);
        QCOMPARE(r.json().value(QStringLiteral("model")).toString(), QStringLiteral("served-model"));
    }

    void endpointNameWorksToo()
    {
        m_gw->apply(m_gw->standardConfig(m_fake->baseUrl())); // embeddings unassigned
        const HttpResponse r = post(embeddingsBody("fake", "[\"x\",\"y\"]"));
        QCOMPARE(r.status, 200);
        QCOMPARE(m_fake->lastRequest().path, QStringLiteral("/v1/embeddings"));
        QCOMPARE(m_fake->lastRequest().model, QStringLiteral("served-model"));
        QCOMPARE(r.json().value(QStringLiteral("data")).toArray().size(), 2);
    }

    void badBodiesAreRefusedNamingTheField_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QString>("code");
        QTest::addColumn<QString>("param");
        QTest::addColumn<QString>("mention");
        QTest::newRow("no model") << QByteArray("{\"input\":\"x\"}") << "missing_field" << "model" << "model";
        QTest::newRow("empty model") << embeddingsBody("") << "missing_field" << "model" << "model";
        QTest::newRow("model a number") << QByteArray("{\"model\":3,\"input\":\"x\"}") << "invalid_type" << "model"
                                        << "model";
        QTest::newRow("model twice") << QByteArray("{\"model\":\"embeddings\",\"model\":\"fake\",\"input\":\"x\"}")
                                     << "duplicate_field" << "model" << "model";
        QTest::newRow("a chat feature") << embeddingsBody("code_completions") << "invalid_value" << "model"
                                        << "code_completions";
        QTest::newRow("no input") << QByteArray("{\"model\":\"embeddings\"}") << "missing_field" << "input" << "input";
        QTest::newRow("input empty string") << embeddingsBody("embeddings", "\"\"") << "invalid_value" << "input"
                                            << "empty string";
        QTest::newRow("input empty array") << embeddingsBody("embeddings", "[]") << "invalid_value" << "input"
                                           << "empty array";
        QTest::newRow("input a number") << embeddingsBody("embeddings", "42") << "invalid_value" << "input" << "input";
        QTest::newRow("input an object") << embeddingsBody("embeddings", "{\"text\":\"x\"}") << "invalid_value"
                                         << "input" << "input";
        QTest::newRow("input null") << embeddingsBody("embeddings", "null") << "invalid_value" << "input" << "input";
        QTest::newRow("input mixed") << embeddingsBody("embeddings", "[\"a\", 1]") << "invalid_value" << "input"
                                     << "input[1]";
        QTest::newRow("input strings and arrays") << embeddingsBody("embeddings", "[\"a\", [1]]") << "invalid_value"
                                                  << "input" << "input[1]";
        QTest::newRow("input an empty string inside") << embeddingsBody("embeddings", "[\"a\", \"\"]")
                                                      << "invalid_value" << "input" << "input[1]";
        QTest::newRow("input a fraction") << embeddingsBody("embeddings", "[1, 2.5]") << "invalid_value" << "input"
                                          << "input[1]";
        QTest::newRow("input an empty token array") << embeddingsBody("embeddings", "[[1], []]") << "invalid_value"
                                                    << "input" << "input[1]";
        QTest::newRow("input strings in a token array") << embeddingsBody("embeddings", "[[1, \"a\"]]")
                                                        << "invalid_value" << "input" << "input[0]";
        QTest::newRow("input nested too deep") << embeddingsBody("embeddings", "[[[1]]]") << "invalid_value"
                                               << "input" << "input[0]";
        QTest::newRow("input booleans") << embeddingsBody("embeddings", "[true]") << "invalid_value" << "input"
                                        << "input[0]";
        QTest::newRow("encoding_format hex")
            << QByteArray("{\"model\":\"embeddings\",\"input\":\"x\",\"encoding_format\":\"hex\"}") << "invalid_value"
            << "encoding_format" << "encoding_format";
        QTest::newRow("encoding_format a number")
            << QByteArray("{\"model\":\"embeddings\",\"input\":\"x\",\"encoding_format\":1}") << "invalid_value"
            << "encoding_format" << "encoding_format";
        QTest::newRow("dimensions 0") << QByteArray("{\"model\":\"embeddings\",\"input\":\"x\",\"dimensions\":0}")
                                      << "invalid_value" << "dimensions" << "dimensions";
        QTest::newRow("dimensions negative")
            << QByteArray("{\"model\":\"embeddings\",\"input\":\"x\",\"dimensions\":-8}") << "invalid_value"
            << "dimensions" << "dimensions";
        QTest::newRow("dimensions a fraction")
            << QByteArray("{\"model\":\"embeddings\",\"input\":\"x\",\"dimensions\":1.5}") << "invalid_value"
            << "dimensions" << "dimensions";
        QTest::newRow("dimensions a string")
            << QByteArray("{\"model\":\"embeddings\",\"input\":\"x\",\"dimensions\":\"8\"}") << "invalid_value"
            << "dimensions" << "dimensions";
        QTest::newRow("dimensions twice")
            << QByteArray("{\"model\":\"embeddings\",\"input\":\"x\",\"dimensions\":8,\"dimensions\":9}")
            << "duplicate_field" << "dimensions" << "dimensions";
    }
    void badBodiesAreRefusedNamingTheField()
    {
        QFETCH(QByteArray, body);
        QFETCH(QString, code);
        QFETCH(QString, param);
        QFETCH(QString, mention);
        verifyError(post(body), 400, code, param, mention);
        QCOMPARE(m_fake->requestCount(), 0);
    }

    void notJsonIsRefused()
    {
        const HttpResponse r = post("{\"model\":\"embeddings\",");
        QCOMPARE(r.status, 400);
        QCOMPARE(r.json().value(QStringLiteral("error")).toObject().value(QStringLiteral("code")).toString(),
                 QStringLiteral("invalid_json"));
        const HttpRequest text = HttpRequest::post("/v1/embeddings", embeddingsBody("embeddings"), "text/plain");
        QCOMPARE(TestHttpClient::fetch(m_gw->port(), text, 15000).status, 415);
        QCOMPARE(m_fake->requestCount(), 0);
    }

    void unassignedOrDisabledFeatureIsAClearError()
    {
        m_gw->apply(m_gw->standardConfig(m_fake->baseUrl())); // the default: embeddings not assigned
        verifyError(post(embeddingsBody("embeddings")), 403, QStringLiteral("feature_unassigned"),
                    QStringLiteral("model"), QStringLiteral("\"embeddings\" has no model assigned"));
        GatewayConfig disabled = m_gw->standardConfig(m_fake->baseUrl());
        disabled.features.insert(QStringLiteral("embeddings"), QString(kDisabled));
        m_gw->apply(disabled);
        verifyError(post(embeddingsBody("embeddings")), 403, QStringLiteral("feature_disabled"),
                    QStringLiteral("model"), QStringLiteral("disabled"));
        verifyError(post(embeddingsBody("no-such-model")), 404, QStringLiteral("model_not_found"),
                    QStringLiteral("model"), QStringLiteral("no-such-model"));
        QCOMPARE(m_fake->requestCount(), 0);
    }

    void flagsTurnItOff_data()
    {
        QTest::addColumn<QJsonObject>("flags");
        QTest::addColumn<QString>("mention");
        QTest::newRow("ai_embeddings") << QJsonObject{{QStringLiteral("flags"), QJsonObject{{QStringLiteral("ai_embeddings"), false}}}}
                                       << QStringLiteral("ai_embeddings");
        QTest::newRow("ai_global_switch") << QJsonObject{{QStringLiteral("ai_global_switch"), false}}
                                          << QStringLiteral("ai_global_switch");
    }
    void flagsTurnItOff()
    {
        QFETCH(QJsonObject, flags);
        QFETCH(QString, mention);
        GatewayConfig config = configWithEmbeddings();
        config.flags = flags;
        m_gw->apply(config);
        verifyError(post(embeddingsBody("embeddings")), 403, QStringLiteral("flag_disabled"), mention); // param names the flag
        QCOMPARE(m_fake->requestCount(), 0);
    }

    void upstreamErrorsPassThrough_data()
    {
        QTest::addColumn<int>("status");
        QTest::newRow("400") << 400;
        QTest::newRow("413") << 413;
        QTest::newRow("429") << 429;
        QTest::newRow("500") << 500;
        QTest::newRow("503") << 503;
    }
    void upstreamErrorsPassThrough()
    {
        QFETCH(int, status);
        const QByteArray body = "{\"error\":{\"message\":\"input too long for this model\",\"code\":\"upstream_specific\"}}";
        m_fake->setDefaultBehavior(FakeBehavior::error(status, body));
        const HttpResponse r = post(embeddingsBody("embeddings"));
        QCOMPARE(r.status, status);
        QCOMPARE(r.body, body);
    }

    void unreachableUpstreamIsA502()
    {
        m_fake->setDefaultBehavior(FakeBehavior::resetWithoutAnswer());
        const HttpResponse r = post(embeddingsBody("embeddings"));
        QCOMPARE(r.status, 502);
        QVERIFY(!r.json().value(QStringLiteral("error")).toObject().value(QStringLiteral("code")).toString().isEmpty());
    }

    void fallsBackAlongTheRoute()
    {
        FakeModelServer second;
        const QByteArray json = "{\"models\":["
                                "{\"name\":\"e1\",\"family\":\"gpt\",\"base_url\":\"" + m_fake->baseUrl().toEncoded()
            + "\",\"identifier\":\"id-1\"},"
              "{\"name\":\"e2\",\"family\":\"gpt\",\"base_url\":\"" + second.baseUrl().toEncoded()
            + "\",\"identifier\":\"id-2\"}],"
              "\"features\":{\"embeddings\":{\"tiers\":[[{\"model\":\"e1\"}],[{\"model\":\"e2\"}]]}}}";
        auto config = parseGatewayConfig(json);
        QVERIFY2(config.ok(), qPrintable(config.ok() ? QString() : config.error().message));
        m_gw->apply(*config);
        m_fake->setDefaultBehavior(FakeBehavior::error(503));
        const HttpResponse r = post(embeddingsBody("embeddings"), "embed-fallback");
        QCOMPARE(r.status, 200);
        QCOMPARE(m_fake->requestCount(), 1);
        QCOMPARE(second.requestCount(QStringLiteral("/v1/embeddings")), 1);
        QCOMPARE(m_fake->lastRequest().model, QStringLiteral("id-1"));
        QCOMPARE(second.lastRequest().model, QStringLiteral("id-2"));
        const QJsonObject record = m_gw->logRecord("embed-fallback");
        QCOMPARE(record.value(QStringLiteral("model_endpoint")).toString(), QStringLiteral("e2"));
        QCOMPARE(record.value(QStringLiteral("attempts")).toArray().size(), 2);
    }

    void requestLogRecordIsWritten()
    {
        const HttpResponse r = post(embeddingsBody("embeddings", "[\"one two three\", \"four\"]"), "embed-log-1");
        QCOMPARE(r.status, 200);
        const QJsonObject record = m_gw->logRecord("embed-log-1");
        QVERIFY2(!record.isEmpty(), "no request log record");
        QCOMPARE(record.value(QStringLiteral("path")).toString(), QStringLiteral("/v1/embeddings"));
        QCOMPARE(record.value(QStringLiteral("dialect")).toString(), QStringLiteral("openai"));
        QCOMPARE(record.value(QStringLiteral("feature")).toString(), QStringLiteral("embeddings"));
        QCOMPARE(record.value(QStringLiteral("model_endpoint")).toString(), QStringLiteral("fake"));
        QCOMPARE(record.value(QStringLiteral("status")).toInt(), 200);
        QCOMPARE(record.value(QStringLiteral("prompt_tokens")).toInt(), 4); // the fake counts words

        verifyError(post(embeddingsBody("embeddings", "[]"), "embed-log-2"), 400, QStringLiteral("invalid_value"),
                    QStringLiteral("input"), QStringLiteral("input"));
        const QJsonObject refused = m_gw->logRecord("embed-log-2");
        QCOMPARE(refused.value(QStringLiteral("status")).toInt(), 400);
        QCOMPARE(refused.value(QStringLiteral("error_code")).toString(), QStringLiteral("invalid_value"));
    }

    void metricsCountIt()
    {
        QCOMPARE(post(embeddingsBody("embeddings")).status, 200);
        QVERIFY(QTest::qWaitFor(
            [&] {
                const QByteArray metrics = m_gw->admin("GET", "/metrics").body;
                return metrics.contains("feature_category=\"embeddings\"")
                    && metrics.contains("{feature=\"embeddings\"");
            },
            15000));
    }
};

QTEST_MAIN(tst_Embeddings)
#include "tst_embeddings.moc"
