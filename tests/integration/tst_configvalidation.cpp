// Configuration validation is total and fails closed: a bad section anywhere in the declarative
// configuration (flags, models, timeouts, features, resilience, the top level) is refused by
// PUT /api/v1/config with 400 naming the field, nothing is stored and the running configuration keeps
// serving; the same file given to `airlockd --config` stops the start with exit code 2 and the field.

#include "airlockdprocess.h"
#include "gatewayfixture.h"

#include <QFile>
#include <QJsonArray>
#include <QTemporaryDir>

using namespace airlock;
using namespace airlock::test;

class tst_ConfigValidation : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<FakeModelServer> m_fake;
    std::unique_ptr<GatewayFixture> m_gw;

    HttpResponse admin(const QByteArray &method, const QByteArray &path, const QByteArray &body = {})
    {
        HttpRequest r = body.isEmpty() ? HttpRequest::get(path) : HttpRequest::post(path, body);
        r.method = method;
        r.withBearer("test-admin-token");
        return TestHttpClient::fetch(m_gw->adminPort(), r, 15000);
    }

    // A valid configuration with `extra` members added at the top level and `model` members in the model.
    static QByteArray doc(const QByteArray &extra, const QByteArray &model = {})
    {
        return "{\"models\":[{\"name\":\"m\",\"family\":\"codestral\",\"identifier\":\"id-m\","
               "\"base_url\":\"http://127.0.0.1:9/v1\""
            + (model.isEmpty() ? QByteArray() : "," + model) + "}]"
            + (extra.isEmpty() ? QByteArray() : "," + extra) + "}";
    }

private Q_SLOTS:
    void init()
    {
        m_fake = std::make_unique<FakeModelServer>();
        m_gw = std::make_unique<GatewayFixture>();
        GatewayConfig c = m_gw->standardConfig(m_fake->baseUrl());
        c.flags = QJsonObject{{QStringLiteral("flags"), QJsonObject{{QStringLiteral("ai_code_generations"), false}}}};
        m_gw->apply(c);
    }

    void badConfigurationIsRefused_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("path");
        // flags
        QTest::newRow("flags: unknown key") << doc("\"flags\":{\"ai_nope\":false}") << QStringLiteral("flags.ai_nope");
        QTest::newRow("flags: feature flag at the top")
            << doc("\"flags\":{\"ai_code_completions\":false}") << QStringLiteral("flags.ai_code_completions");
        QTest::newRow("flags: switch not a boolean")
            << doc("\"flags\":{\"ai_global_switch\":\"no\"}") << QStringLiteral("flags.ai_global_switch");
        QTest::newRow("flags: chat switch not a boolean")
            << doc("\"flags\":{\"ai_duo_chat_switch\":0}") << QStringLiteral("flags.ai_duo_chat_switch");
        QTest::newRow("flags: experiments not a boolean")
            << doc("\"flags\":{\"experiment_features_enabled\":null}") << QStringLiteral("flags.experiment_features_enabled");
        QTest::newRow("flags: unknown feature flag")
            << doc("\"flags\":{\"flags\":{\"ai_nope\":false}}") << QStringLiteral("flags.flags.ai_nope");
        QTest::newRow("flags: feature flag not a boolean")
            << doc("\"flags\":{\"flags\":{\"ai_code_completions\":\"off\"}}") << QStringLiteral("flags.flags.ai_code_completions");
        QTest::newRow("flags: flags not an object") << doc("\"flags\":{\"flags\":[]}") << QStringLiteral("flags.flags");
        QTest::newRow("flags: not an object") << doc("\"flags\":[]") << QStringLiteral("flags");
        QTest::newRow("flags: namespace id a string")
            << doc("\"flags\":{\"experiment_namespace_ids\":[\"9970\"]}") << QStringLiteral("flags.experiment_namespace_ids[0]");
        QTest::newRow("flags: namespace ids not an array")
            << doc("\"flags\":{\"experiment_namespace_ids\":9970}") << QStringLiteral("flags.experiment_namespace_ids");
        QTest::newRow("flags: model_features unknown endpoint")
            << doc("\"flags\":{\"model_features\":{\"nope\":\"code_completions\"}}") << QStringLiteral("flags.model_features.nope");
        QTest::newRow("flags: model_features unknown feature")
            << doc("\"flags\":{\"model_features\":{\"m\":\"coffee\"}}") << QStringLiteral("flags.model_features.m");
        QTest::newRow("flags: model_features not a string")
            << doc("\"flags\":{\"model_features\":{\"m\":1}}") << QStringLiteral("flags.model_features.m");
        // top level
        QTest::newRow("top: unknown key") << doc("\"modles\":[]") << QStringLiteral("modles");
        QTest::newRow("models: not an array") << QByteArray("{\"models\":{}}") << QStringLiteral("models");
        QTest::newRow("models: entry not an object") << QByteArray("{\"models\":[1]}") << QStringLiteral("models[0]");
        // a model
        QTest::newRow("model: unknown key") << doc({}, "\"nmae\":\"x\"") << QStringLiteral("models[0].nmae");
        QTest::newRow("model: max_concurrency a string")
            << doc({}, "\"max_concurrency\":\"64\"") << QStringLiteral("models[0].max_concurrency");
        QTest::newRow("model: api_key a number") << doc({}, "\"api_key\":5") << QStringLiteral("models[0].api_key");
        QTest::newRow("model: server a number") << doc({}, "\"server\":1") << QStringLiteral("models[0].server");
        QTest::newRow("model: unknown server") << doc({}, "\"server\":\"nginx\"") << QStringLiteral("models[0].server");
        QTest::newRow("model: unknown family")
            << QByteArray("{\"models\":[{\"name\":\"m\",\"family\":\"gpt5\",\"identifier\":\"i\",\"base_url\":\"http://127.0.0.1:9/v1\"}]}")
            << QStringLiteral("models[0].family");
        QTest::newRow("timeouts: unknown key")
            << doc({}, "\"timeouts_ms\":{\"connnect\":1}") << QStringLiteral("models[0].timeouts_ms.connnect");
        QTest::newRow("timeouts: wrong type")
            << doc({}, "\"timeouts_ms\":{\"idle\":\"1s\"}") << QStringLiteral("models[0].timeouts_ms.idle");
        QTest::newRow("timeouts: not an object") << doc({}, "\"timeouts_ms\":30") << QStringLiteral("models[0].timeouts_ms");
        // features
        QTest::newRow("features: not an object") << doc("\"features\":[]") << QStringLiteral("features");
        QTest::newRow("features: a number") << doc("\"features\":{\"code_completions\":5}") << QStringLiteral("features.code_completions");
        QTest::newRow("features: unknown feature") << doc("\"features\":{\"coffee\":\"m\"}") << QStringLiteral("features.coffee");
        QTest::newRow("features: unknown model") << doc("\"features\":{\"duo_chat\":\"nope\"}") << QStringLiteral("features.duo_chat");
        // resilience
        QTest::newRow("resilience: not an object") << doc("\"resilience\":1") << QStringLiteral("resilience");
        QTest::newRow("resilience: unknown key") << doc("\"resilience\":{\"retry\":{}}") << QStringLiteral("resilience.retry");
    }

    void badConfigurationIsRefused()
    {
        QFETCH(QByteArray, json);
        QFETCH(QString, path);
        const QByteArray before = admin("GET", "/api/v1/config").body;
        QVERIFY(!before.isEmpty());

        const HttpResponse r = admin("PUT", "/api/v1/config", json);
        QCOMPARE(r.status, 400);
        const QJsonObject error = r.json().value(QStringLiteral("error")).toObject();
        QCOMPARE(error.value(QStringLiteral("field")).toString(), path);
        QVERIFY2(error.value(QStringLiteral("message")).toString().contains(path), r.body.constData());
        // Nothing stored, nothing changed: the running configuration still serves and still refuses
        // what it refused.
        QCOMPARE(admin("GET", "/api/v1/config").body, before);
        QCOMPARE(TestHttpClient::fetch(m_gw->port(), HttpRequest::post("/v1/completions", openAiCompletionBody("code_completions"))).status,
                 200);
        QCOMPARE(TestHttpClient::fetch(m_gw->port(), HttpRequest::post("/v1/completions", openAiCompletionBody("code_generations"))).status,
                 403);

        // The same file at start: airlockd exits 2 naming the field.
        const AirlockdRun run = runAirlockdWithConfig(json);
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(run.err.contains(path.toUtf8()), run.err.constData());
    }

    // The valid forms of every flags key are accepted and read back as given.
    void everyFlagsKeyIsAccepted()
    {
        const QByteArray json = doc("\"features\":{\"code_completions\":\"m\"},\"flags\":{\"ai_global_switch\":true,"
                                    "\"ai_duo_chat_switch\":false,\"flags\":{\"ai_code_generations\":false},"
                                    "\"experiment_features_enabled\":false,\"experiment_namespace_ids\":[9970],"
                                    "\"model_features\":{\"m\":\"code_completions\"}}");
        const HttpResponse r = admin("PUT", "/api/v1/config", json);
        QVERIFY2(r.status == 200, r.body.constData());
        const QJsonObject flags = admin("GET", "/api/v1/config").json().value(QStringLiteral("flags")).toObject();
        QCOMPARE(flags.value(QStringLiteral("ai_duo_chat_switch")).toBool(true), false);
        QCOMPARE(flags.value(QStringLiteral("model_features")).toObject().value(QStringLiteral("m")).toString(),
                 QStringLiteral("code_completions"));
        QCOMPARE(flags.value(QStringLiteral("experiment_namespace_ids")).toArray(), QJsonArray{9970});
    }
};

QTEST_MAIN(tst_ConfigValidation)
#include "tst_configvalidation.moc"
