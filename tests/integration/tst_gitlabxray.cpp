// Repository X-Ray (POST /v1/x-ray/libraries) served by Airlock: a real gateway in front of a fake model
// server. The cases port GitLab's gateway tests (tests/api/v1/test_v1_xray_libraries.py); see
// docs/gitlab-compatibility.md.

#include "gatewayfixture.h"
#include "gitlabrequests.h"

using namespace airlock;
using namespace airlock::test;
namespace gl = airlock::test::gitlab;

namespace {

const QString kGemfilePrompt = QStringLiteral(
    "Human: Parse Gemfile content: `gem kaminari`. Respond using only valid JSON with list of libraries");

QJsonObject filePromptBody(const QJsonObject &metadata = QJsonObject{{QStringLiteral("scannerVersion"), QStringLiteral("0.0.1")}})
{
    return QJsonObject{{QStringLiteral("prompt_components"),
                        QJsonArray{QJsonObject{{QStringLiteral("type"), QStringLiteral("x_ray_package_file_prompt")},
                                               {QStringLiteral("payload"),
                                                QJsonObject{{QStringLiteral("prompt"), kGemfilePrompt},
                                                            {QStringLiteral("provider"), QStringLiteral("anthropic")},
                                                            {QStringLiteral("model"), QStringLiteral("claude-2.0")}}},
                                               {QStringLiteral("metadata"), metadata}}}}};
}

} // namespace

class tst_GitLabXRay : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<FakeModelServer> m_fake;
    std::unique_ptr<GatewayFixture> m_gw;

    void start(const std::function<void(GatewayOptions &)> &tweak = {})
    {
        m_gw = std::make_unique<GatewayFixture>(ServerLimits{}, 2, tweak);
        GatewayConfig c = m_gw->standardConfig(m_fake->baseUrl());
        c.features.insert(QStringLiteral("repository_xray"), QStringLiteral("fake"));
        m_gw->apply(c);
    }

    HttpResponse send(const HttpRequest &request) { return TestHttpClient::fetch(m_gw->port(), request); }

private Q_SLOTS:
    void init()
    {
        m_fake = std::make_unique<FakeModelServer>();
        start();
    }
    void cleanup()
    {
        m_gw.reset();
        m_fake.reset();
    }

    // TestXRayLibraries.test_successful_request
    void librariesFromPackageFilePrompt()
    {
        const QString answer = QStringLiteral(R"({"libraries": [{"name": "kaminari", "description": "Pagination"}]})");
        FakeBehavior b = FakeBehavior::answer(1);
        b.chunkTexts = {answer};
        m_fake->setDefaultBehavior(b);
        const HttpResponse r = send(gl::post("/v1/x-ray/libraries", filePromptBody()));
        QCOMPARE(r.status, 200);
        QVERIFY(r.hasHeader("x-process-time"));
        QCOMPARE(r.json(), (QJsonObject{{QStringLiteral("response"), answer}}));
        // GitLab's prompt went to the model the admin assigned to repository_xray, as the user's message
        // (Codestral's chat template has no system role: the system prompt leads the user's message).
        const RecordedRequest up = m_fake->lastRequest();
        QCOMPARE(up.path, QStringLiteral("/v1/chat/completions"));
        QCOMPARE(up.model, QStringLiteral("served-model"));
        const QJsonObject last = up.json().value(QStringLiteral("messages")).toArray().last().toObject();
        QCOMPARE(last.value(QStringLiteral("role")).toString(), QStringLiteral("user"));
        QVERIFY(last.value(QStringLiteral("content")).toString().endsWith(kGemfilePrompt));
        QVERIFY(last.value(QStringLiteral("content")).toString().contains(QStringLiteral("dependency manifests")));
        QCOMPARE(m_gw->logRecord("req-123").value(QStringLiteral("feature")).toString(), QStringLiteral("repository_xray"));
    }

    // The libraries-list component: the libraries Rails found go to the model, named with their versions.
    void librariesList()
    {
        const QJsonObject body{{QStringLiteral("prompt_components"),
                                QJsonArray{QJsonObject{
                                    {QStringLiteral("type"), QStringLiteral("x_ray_package_libraries_list")},
                                    {QStringLiteral("payload"),
                                     QJsonObject{{QStringLiteral("type_description"), QStringLiteral("Ruby gems")},
                                                 {QStringLiteral("provider"), QStringLiteral("anthropic")},
                                                 {QStringLiteral("model"), QStringLiteral("claude-2.0")},
                                                 {QStringLiteral("libraries"),
                                                  QJsonArray{QJsonObject{{QStringLiteral("name"), QStringLiteral("kaminari")},
                                                                         {QStringLiteral("version"), QStringLiteral("1.2.2")}}}}}}}}}};
        const HttpResponse r = send(gl::post("/v1/x-ray/libraries", body));
        QCOMPARE(r.status, 200);
        QVERIFY(r.json().contains(QStringLiteral("response")));
        const QByteArray upstream = m_fake->lastRequest().body;
        QVERIFY2(upstream.contains("kaminari 1.2.2") && upstream.contains("Ruby gems"), upstream.constData());
    }

    // TestAnyPromptComponent.test_metadata_length_validation, and the other body errors
    void invalidBodies_data()
    {
        QTest::addColumn<QJsonObject>("body");
        QTest::addColumn<QJsonArray>("where");
        QTest::addColumn<QString>("type");
        QJsonObject ten;
        QJsonObject eleven;
        for (int i = 0; i < 11; ++i) {
            if (i < 10)
                ten.insert(QStringLiteral("key%1").arg(i), QStringLiteral("value%1").arg(i));
            eleven.insert(QStringLiteral("key%1").arg(i), QStringLiteral("value%1").arg(i));
        }
        const QJsonArray first{QStringLiteral("body"), QStringLiteral("prompt_components"), 0};
        const auto at = [&first](std::initializer_list<QJsonValue> parts) {
            QJsonArray a = first;
            for (const QJsonValue &p : parts)
                a.append(p);
            return a;
        };
        QTest::newRow("no metadata") << filePromptBody(QJsonObject()) << QJsonArray() << QString();
        QTest::newRow("10 metadata entries") << filePromptBody(ten) << QJsonArray() << QString();
        QTest::newRow("11 metadata entries") << filePromptBody(eleven) << at({QStringLiteral("metadata")}) << QStringLiteral("value_error");
        QTest::newRow("metadata value too long")
            << filePromptBody(QJsonObject{{QStringLiteral("k"), QString(256, u'v')}}) << at({QStringLiteral("metadata"), QStringLiteral("k")})
            << QStringLiteral("string_too_long");
        QJsonObject two = filePromptBody();
        QJsonArray components = two.value(QStringLiteral("prompt_components")).toArray();
        components.append(components.first());
        two.insert(QStringLiteral("prompt_components"), components);
        QTest::newRow("two components") << two << QJsonArray{QStringLiteral("body"), QStringLiteral("prompt_components")}
                                        << QStringLiteral("too_long");
        QTest::newRow("no components") << QJsonObject() << QJsonArray{QStringLiteral("body"), QStringLiteral("prompt_components")}
                                       << QStringLiteral("missing");
        QJsonObject unknownType = filePromptBody();
        QJsonObject component = unknownType.value(QStringLiteral("prompt_components")).toArray().first().toObject();
        component.insert(QStringLiteral("type"), QStringLiteral("x_ray_something"));
        unknownType.insert(QStringLiteral("prompt_components"), QJsonArray{component});
        QTest::newRow("unknown type") << unknownType << at({QStringLiteral("type")}) << QStringLiteral("literal_error");
        QJsonObject noPrompt = filePromptBody();
        component = noPrompt.value(QStringLiteral("prompt_components")).toArray().first().toObject();
        QJsonObject payload = component.value(QStringLiteral("payload")).toObject();
        payload.remove(QStringLiteral("prompt"));
        component.insert(QStringLiteral("payload"), payload);
        noPrompt.insert(QStringLiteral("prompt_components"), QJsonArray{component});
        QTest::newRow("no prompt") << noPrompt << at({QStringLiteral("payload"), QStringLiteral("prompt")}) << QStringLiteral("missing");
    }
    void invalidBodies()
    {
        QFETCH(QJsonObject, body);
        QFETCH(QJsonArray, where);
        QFETCH(QString, type);
        const HttpResponse r = send(gl::post("/v1/x-ray/libraries", body));
        if (where.isEmpty()) {
            QCOMPARE(r.status, 200);
            return;
        }
        QCOMPARE(r.status, 422);
        bool found = false;
        for (const QJsonValue &d : r.json().value(QStringLiteral("detail")).toArray()) {
            const QJsonObject e = d.toObject();
            found = found || (e.value(QStringLiteral("loc")).toArray() == where && e.value(QStringLiteral("type")).toString() == type);
        }
        QVERIFY2(found, r.body.constData());
        QCOMPARE(m_fake->requestCount(), 0);
    }

    // TestUnauthorizedScopes.test_failed_authorization_scope
    void scopeIsChecked()
    {
        m_gw.reset();
        start([](GatewayOptions &o) { o.authMode = QStringLiteral("required"); });
        const QByteArray completionOnly = m_gw->issueToken(QStringLiteral("alice"), {QStringLiteral("complete_code")});
        const QByteArray generator = m_gw->issueToken(QStringLiteral("bob"), {QStringLiteral("generate_code")});
        const HttpResponse refused = send(gl::post("/v1/x-ray/libraries", filePromptBody()).withBearer(completionOnly));
        QCOMPARE(refused.status, 403);
        QCOMPARE(refused.json(), (QJsonObject{{QStringLiteral("detail"), QStringLiteral("Unauthorized to access X Ray")}}));
        QCOMPARE(m_fake->requestCount(), 0);
        QCOMPARE(send(gl::post("/v1/x-ray/libraries", filePromptBody()).withBearer(generator)).status, 200);
    }

    // The feature is the admin's to switch off.
    void disabledFeatureIsRefused()
    {
        GatewayConfig c = m_gw->standardConfig(m_fake->baseUrl());
        c.features.insert(QStringLiteral("repository_xray"), QString(kDisabled));
        m_gw->apply(c);
        const HttpResponse r = send(gl::post("/v1/x-ray/libraries", filePromptBody()));
        QCOMPARE(r.status, 403);
        QVERIFY(r.json().value(QStringLiteral("detail")).toString().contains(QStringLiteral("repository_xray")));
        // ... and the global switch holds it too (the one policy step).
        c.features.insert(QStringLiteral("repository_xray"), QStringLiteral("fake"));
        c.flags = QJsonObject{{QStringLiteral("ai_global_switch"), false}};
        m_gw->apply(c);
        const HttpResponse off = send(gl::post("/v1/x-ray/libraries", filePromptBody()));
        QCOMPARE(off.status, 403);
        QVERIFY(off.json().value(QStringLiteral("detail")).toString().contains(QStringLiteral("ai_global_switch")));
        QCOMPARE(m_fake->requestCount(), 0);
    }
};

QTEST_MAIN(tst_GitLabXRay)
#include "tst_gitlabxray.moc"
