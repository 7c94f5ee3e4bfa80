// GitLab's API on routes of several model endpoints: a fallback endpoint gets its own family's prompt
// and its answer is shaped for GitLab; replicas of one endpoint retry each other; GitLab's model details
// may name any replica. A real gateway in front of fake model servers.

#include "gatewayfixture.h"
#include "gitlabrequests.h"

#include <QUrl>

using namespace airlock;
using namespace airlock::test;
namespace gl = airlock::test::gitlab;

class tst_GitLabRoutes : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<FakeModelServer> m_first;
    std::unique_ptr<FakeModelServer> m_second;
    std::unique_ptr<GatewayFixture> m_gw;

    static ModelEndpoint endpoint(const QString &name, ModelFamily family, const QString &identifier)
    {
        ModelEndpoint e;
        e.name = name;
        e.family = family;
        e.identifier = identifier;
        e.maxConcurrency = 64;
        return e;
    }

    // "primary" (Codestral) on the first fake, "fallback" (CodeLlama) on the second; `features` routed
    // [[primary], [fallback]].
    GatewayConfig fallbackConfig(const QStringList &features) const
    {
        GatewayConfig c;
        ModelEndpoint primary = endpoint(QStringLiteral("primary"), ModelFamily::Codestral, QStringLiteral("codestral-22b"));
        primary.baseUrl = m_first->baseUrl();
        ModelEndpoint fallback = endpoint(QStringLiteral("fallback"), ModelFamily::CodeLlama, QStringLiteral("codellama-13b"));
        fallback.baseUrl = m_second->baseUrl();
        c.models = {primary, fallback};
        ModelRoute route;
        route.tiers = {{RouteTarget{QStringLiteral("primary"), 1}}, {RouteTarget{QStringLiteral("fallback"), 1}}};
        for (const QString &feature : features) {
            c.features.insert(feature, QStringLiteral("primary"));
            c.routes.insert(feature, route);
        }
        return c;
    }

    // One endpoint "pair" whose two replicas are the two fakes; code_completions and duo_chat go to it.
    GatewayConfig replicaConfig() const
    {
        GatewayConfig c;
        ModelEndpoint pair = endpoint(QStringLiteral("pair"), ModelFamily::Codestral, QStringLiteral("codestral-22b"));
        pair.replicas = {ModelReplica{m_first->baseUrl(), 1}, ModelReplica{m_second->baseUrl(), 1}};
        pair.baseUrl = m_first->baseUrl(); // the first replica's, as the parsed file has it
        c.models = {pair};
        c.features.insert(QStringLiteral("code_completions"), QStringLiteral("pair"));
        c.features.insert(QStringLiteral("duo_chat_explain_code"), QStringLiteral("pair"));
        return c;
    }

    HttpResponse send(const HttpRequest &request) { return TestHttpClient::fetch(m_gw->port(), request); }

private Q_SLOTS:
    void init()
    {
        m_first = std::make_unique<FakeModelServer>();
        m_second = std::make_unique<FakeModelServer>();
        // Both serve the identifiers configured here, so the gateway's probes find them ready.
        const QStringList served = {QStringLiteral("codestral-22b"), QStringLiteral("codellama-13b")};
        m_first->setModels(served);
        m_second->setModels(served);
        m_gw = std::make_unique<GatewayFixture>();
    }
    void cleanup()
    {
        m_gw.reset();
        m_first.reset();
        m_second.reset();
    }

    // The first tier's only endpoint is unavailable: the completion is built again, in CodeLlama's
    // fill-in-the-middle format with its identifier, for the fallback, and the client sees its answer.
    void completionFallsBackWithTheFallbacksPrompt_data()
    {
        QTest::addColumn<int>("failure");
        QTest::newRow("503 json") << 0;
        QTest::newRow("502 html") << 1;
        QTest::newRow("reset before head") << 2;
        QTest::newRow("closed before head") << 3;
    }
    void completionFallsBackWithTheFallbacksPrompt()
    {
        QFETCH(int, failure);
        const FakeBehavior failures[] = {FakeBehavior::error(503, R"({"error":{"message":"overloaded"}})"),
                                         FakeBehavior::error(502, "<html><body>Bad Gateway</body></html>"),
                                         FakeBehavior::resetWithoutAnswer(), FakeBehavior::closeWithoutAnswer()};
        m_gw->apply(fallbackConfig({QStringLiteral("code_completions")}));
        m_first->setDefaultBehavior(failures[failure]);
        FakeBehavior answer = FakeBehavior::answer(1);
        answer.chunkTexts = {QStringLiteral("return a + b")};
        m_second->setDefaultBehavior(answer);

        const HttpResponse r = send(gl::post("/v2/code/completions", gl::completionBody()));
        QCOMPARE(r.status, 200);
        const QJsonObject body = r.json();
        QCOMPARE(body.value(QStringLiteral("choices")).toArray().at(0).toObject().value(QStringLiteral("text")).toString(),
                 QStringLiteral("return a + b"));
        QCOMPARE(body.value(QStringLiteral("model")).toObject().value(QStringLiteral("name")).toString(),
                 QStringLiteral("codellama-13b"));

        QCOMPARE(m_first->requestCount(QStringLiteral("/v1/completions")), 1);
        const QString firstPrompt = m_first->requests().constFirst().json().value(QStringLiteral("prompt")).toString();
        QVERIFY2(firstPrompt.contains(QStringLiteral("[PREFIX]")), qPrintable(firstPrompt));
        QCOMPARE(m_second->requestCount(QStringLiteral("/v1/completions")), 1);
        const RecordedRequest up = m_second->lastRequest();
        QCOMPARE(up.model, QStringLiteral("codellama-13b"));
        const QString prompt = up.json().value(QStringLiteral("prompt")).toString();
        QVERIFY2(prompt.contains(QStringLiteral("<PRE>")), qPrintable(prompt));
        QVERIFY2(!prompt.contains(QStringLiteral("[PREFIX]")), qPrintable(prompt));
        QVERIFY(prompt.contains(QStringLiteral("def add(a, b):")));
    }

    // A status that is the client's own fault is not retried anywhere: the fallback is never asked.
    void clientErrorIsNotRetried()
    {
        m_gw->apply(fallbackConfig({QStringLiteral("code_completions")}));
        m_first->setDefaultBehavior(FakeBehavior::error(400, R"({"error":{"message":"prompt too long"}})"));
        const HttpResponse r = send(gl::post("/v2/code/completions", gl::completionBody()));
        QVERIFY2(r.status >= 400, r.body.constData());
        QCOMPARE(m_first->requestCount(), 1);
        QCOMPARE(m_second->requestCount(), 0);
    }

    // Chat falls back too, streamed and not; the answer's text comes from the fallback.
    void chatFallsBack_data()
    {
        QTest::addColumn<bool>("stream");
        QTest::newRow("whole") << false;
        QTest::newRow("stream") << true;
    }
    void chatFallsBack()
    {
        QFETCH(bool, stream);
        m_gw->apply(fallbackConfig({QStringLiteral("duo_chat_explain_code")}));
        m_first->setDefaultBehavior(FakeBehavior::error(503, R"({"error":{"code":503,"message":"Loading model"}})"));
        FakeBehavior answer = FakeBehavior::answer(2);
        answer.chunkTexts = {QStringLiteral("This code "), QStringLiteral("adds numbers.")};
        m_second->setDefaultBehavior(answer);

        const HttpResponse r = send(gl::post("/v1/chat/explain_code", gl::chatBody(QStringLiteral("explain def add(a,b)"), stream)));
        QCOMPARE(r.status, 200);
        if (stream)
            QCOMPARE(r.body, QByteArray("This code adds numbers."));
        else
            QCOMPARE(r.json().value(QStringLiteral("response")).toString(), QStringLiteral("This code adds numbers."));
        QCOMPARE(m_first->requestCount(QStringLiteral("/v1/chat/completions")), 1);
        QCOMPARE(m_second->requestCount(QStringLiteral("/v1/chat/completions")), 1);
        const RecordedRequest up = m_second->lastRequest();
        QCOMPARE(up.model, QStringLiteral("codellama-13b"));
        QVERIFY(up.body.contains("explain def add(a,b)"));
    }

    // Both tiers down: the client gets GitLab's error for a failed model, after one try at each.
    void everyTierDownIsAnError()
    {
        m_gw->apply(fallbackConfig({QStringLiteral("code_completions")}));
        m_first->setDefaultBehavior(FakeBehavior::error(503));
        m_second->setDefaultBehavior(FakeBehavior::resetWithoutAnswer());
        const HttpResponse r = send(gl::post("/v2/code/completions", gl::completionBody()));
        QVERIFY2(r.status >= 500, r.body.constData());
        QVERIFY2(!r.json().value(QStringLiteral("detail")).toString().isEmpty(), r.body.constData());
        QCOMPARE(m_first->requestCount(), 1);
        QCOMPARE(m_second->requestCount(), 1);
    }

    // Replicas of one endpoint: a broken one costs the client nothing, the other one answers. The
    // balancer picks at random, so requests go on until the broken one was tried at least once.
    void brokenReplicaIsRetriedOnTheOther()
    {
        m_gw->apply(replicaConfig());
        m_first->setDefaultBehavior(FakeBehavior::error(502, "<html><body>Bad Gateway</body></html>"));
        int requests = 0;
        while (m_first->requestCount() == 0 && requests < 60) {
            ++requests;
            // a file of its own each time: no answer from the completion cache
            const QString file = QStringLiteral("src/file%1.py").arg(requests);
            const HttpResponse r = send(gl::post("/v2/code/completions", gl::completionBody(file)));
            QCOMPARE(r.status, 200);
            QCOMPARE(r.json().value(QStringLiteral("model")).toObject().value(QStringLiteral("name")).toString(),
                     QStringLiteral("codestral-22b"));
        }
        QVERIFY(m_first->requestCount() >= 1);
        QCOMPARE(m_second->requestCount(QStringLiteral("/v1/completions")), requests);
        // the retry is the same request: same identifier and prompt
        const QJsonObject tried = m_first->lastRequest().json();
        const QJsonObject answered = m_second->lastRequest().json();
        QCOMPARE(tried.value(QStringLiteral("prompt")), answered.value(QStringLiteral("prompt")));
        QCOMPARE(tried.value(QStringLiteral("model")), answered.value(QStringLiteral("model")));
    }

    // resilience.affinity on for code completions: one user's completions in one file all go to the
    // same replica (its prefix cache), while different files spread over both.
    void completionsOfOneFileStayOnOneReplica()
    {
        GatewayConfig c = replicaConfig();
        c.resilience.affinityFeatures = {QStringLiteral("code_completions")};
        m_gw->apply(c);
        auto completion = [this](const QString &file, int keystroke) {
            QJsonObject body = gl::completionBody(file);
            QJsonObject current = body.value(QStringLiteral("current_file")).toObject();
            // a new prefix each keystroke: no answer from the completion cache
            current.insert(QStringLiteral("content_above_cursor"), QStringLiteral("def f%1(a, b):\n    ").arg(keystroke));
            body.insert(QStringLiteral("current_file"), current);
            return send(gl::post("/v2/code/completions", body)).status;
        };
        for (int i = 0; i < 12; ++i)
            QCOMPARE(completion(QStringLiteral("src/one.py"), i), 200);
        const int first = m_first->requestCount(QStringLiteral("/v1/completions"));
        const int second = m_second->requestCount(QStringLiteral("/v1/completions"));
        QCOMPARE(first + second, 12);
        QVERIFY2(first == 0 || second == 0, qPrintable(QStringLiteral("%1 / %2").arg(first).arg(second)));

        for (int i = 0; i < 40; ++i)
            QCOMPARE(completion(QStringLiteral("src/other%1.py").arg(i), 0), 200);
        QVERIFY(m_first->requestCount(QStringLiteral("/v1/completions")) > first);
        QVERIFY(m_second->requestCount(QStringLiteral("/v1/completions")) > second);
    }

    // GitLab's model details may name the endpoint by any of its replicas' URLs.
    void modelDetailsMayNameAnyReplica()
    {
        m_gw->apply(replicaConfig());
        QJsonObject body = gl::completionBody();
        body.insert(QStringLiteral("model_endpoint"), m_second->baseUrl().toString());
        body.insert(QStringLiteral("model_identifier"), QStringLiteral("custom_openai/codestral-22b"));
        QCOMPARE(send(gl::post("/v2/code/completions", body)).status, 200);

        body.insert(QStringLiteral("model_endpoint"), QStringLiteral("http://127.0.0.1:1/v1"));
        const HttpResponse refused = send(gl::post("/v2/code/completions", body));
        QCOMPARE(refused.status, 403);
        QVERIFY(refused.json().value(QStringLiteral("detail")).toString().contains(QStringLiteral("not registered")));
    }
};

QTEST_GUILESS_MAIN(tst_GitLabRoutes)
#include "tst_gitlabroutes.moc"
