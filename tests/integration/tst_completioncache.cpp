// The exact-match completion cache on a real gateway: private to each user by default, shared only when
// the admin says so, and a hit answers byte for byte what the original answered, marked
// `x-airlock-cache: hit` (a looked-up miss: `miss`), on GitLab's and OpenAI's completion paths.

#include "gatewayfixture.h"
#include "gitlabrequests.h"

using namespace airlock;
using namespace airlock::test;
namespace gl = airlock::test::gitlab;

class tst_CompletionCache : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<FakeModelServer> m_fake;
    std::unique_ptr<GatewayFixture> m_gw;

    void start(const std::function<void(GatewayOptions &)> &tweak = {})
    {
        m_gw = std::make_unique<GatewayFixture>(ServerLimits{}, 2, tweak);
        m_gw->apply(m_gw->standardConfig(m_fake->baseUrl()));
    }

    HttpResponse complete(const QByteArray &user)
    {
        return TestHttpClient::fetch(m_gw->port(), gl::post("/v2/code/completions", gl::completionBody(), user));
    }

    HttpResponse openAiComplete(const QByteArray &token = {}, const QByteArray &body = kOpenAiBody)
    {
        HttpRequest request = HttpRequest::post("/v1/completions", body);
        if (!token.isEmpty())
            request.withBearer(token);
        return TestHttpClient::fetch(m_gw->port(), request);
    }

    static constexpr char kOpenAiBody[] = "{\"model\":\"code_completions\",\"prompt\":\"def f(\",\"max_tokens\":8}";

private Q_SLOTS:
    void init()
    {
        m_fake = std::make_unique<FakeModelServer>();
        FakeBehavior b = FakeBehavior::answer(1);
        b.chunkTexts = {QStringLiteral("return a + b")};
        b.finishReason = "stop";
        m_fake->setDefaultBehavior(b);
    }
    void cleanup()
    {
        m_gw.reset();
        m_fake.reset();
    }

    void gitlabHitReplaysTheSameUsersAnswerExactly()
    {
        start();
        const HttpResponse first = complete("user-a");
        QCOMPARE(first.status, 200);
        QCOMPARE(first.header("x-airlock-cache"), QByteArray("miss"));
        const QJsonObject choice = first.json().value(QStringLiteral("choices")).toArray().at(0).toObject();
        QCOMPARE(choice.value(QStringLiteral("finish_reason")).toString(), QStringLiteral("stop"));
        QTest::qWait(1100); // a rebuilt answer would carry a later "created"
        const HttpResponse again = complete("user-a");
        QCOMPARE(again.status, 200);
        QCOMPARE(again.header("x-airlock-cache"), QByteArray("hit"));
        QCOMPARE(again.header("content-type"), first.header("content-type"));
        QCOMPARE(again.body, first.body); // finish_reason "stop", token counts, created: all as the original
        QCOMPARE(m_fake->requestCount(), 1);
    }

    void gitlabUsersDoNotShareEntriesByDefault()
    {
        start();
        QCOMPARE(complete("user-a").header("x-airlock-cache"), QByteArray("miss"));
        const HttpResponse other = complete("user-b");
        QCOMPARE(other.status, 200);
        QCOMPARE(other.header("x-airlock-cache"), QByteArray("miss"));
        QCOMPARE(m_fake->requestCount(), 2); // user-b's completion went to the model
        QCOMPARE(complete("user-b").header("x-airlock-cache"), QByteArray("hit"));
        QCOMPARE(m_fake->requestCount(), 2);
    }

    void gitlabSharedScopeServesEveryone()
    {
        start([](GatewayOptions &o) { o.completion.cacheScope = routing::CacheScope::Shared; });
        const HttpResponse first = complete("user-a");
        const HttpResponse other = complete("user-b");
        QCOMPARE(other.header("x-airlock-cache"), QByteArray("hit"));
        QCOMPARE(other.body, first.body);
        QCOMPARE(m_fake->requestCount(), 1);
    }

    void gitlabOffScopeAsksTheModelEachTime()
    {
        start([](GatewayOptions &o) { o.completion.cacheScope = routing::CacheScope::Off; });
        QVERIFY(!complete("user-a").hasHeader("x-airlock-cache"));
        QVERIFY(!complete("user-a").hasHeader("x-airlock-cache"));
        QCOMPARE(m_fake->requestCount(), 2);
    }

    void gitlabRequestWithoutUserIsNotCachedInUserScope()
    {
        start();
        QVERIFY(!complete("").hasHeader("x-airlock-cache"));
        QVERIFY(!complete("").hasHeader("x-airlock-cache"));
        QCOMPARE(m_fake->requestCount(), 2);
    }

    void openAiUsersDoNotShareEntries()
    {
        start([](GatewayOptions &o) { o.authMode = QStringLiteral("required"); });
        const QByteArray alice = m_gw->issueToken(QStringLiteral("alice"), {QStringLiteral("complete_code")});
        const QByteArray bob = m_gw->issueToken(QStringLiteral("bob"), {QStringLiteral("complete_code")});
        QVERIFY(!alice.isEmpty() && !bob.isEmpty());
        const HttpResponse first = openAiComplete(alice);
        QCOMPARE(first.status, 200);
        QCOMPARE(first.header("x-airlock-cache"), QByteArray("miss"));
        const HttpResponse other = openAiComplete(bob);
        QCOMPARE(other.status, 200);
        QCOMPARE(other.header("x-airlock-cache"), QByteArray("miss"));
        QCOMPARE(m_fake->requestCount(), 2);
        const HttpResponse again = openAiComplete(alice);
        QCOMPARE(again.header("x-airlock-cache"), QByteArray("hit"));
        QCOMPARE(again.body, first.body); // the model server's answer as it was relayed
        QCOMPARE(again.header("content-type"), first.header("content-type"));
        QCOMPARE(m_fake->requestCount(), 2);
    }

    void openAiSharedScopeServesEveryone()
    {
        start([](GatewayOptions &o) { o.completion.cacheScope = routing::CacheScope::Shared; });
        const HttpResponse first = openAiComplete();
        QCOMPARE(first.status, 200);
        QCOMPARE(first.header("x-airlock-cache"), QByteArray("miss"));
        const HttpResponse again = openAiComplete();
        QCOMPARE(again.header("x-airlock-cache"), QByteArray("hit"));
        QCOMPARE(again.body, first.body);
        QCOMPARE(m_fake->requestCount(), 1);
        // Another body is another question; a streamed request is never cached.
        QCOMPARE(openAiComplete({}, "{\"model\":\"code_completions\",\"prompt\":\"def g(\",\"max_tokens\":8}")
                     .header("x-airlock-cache"),
                 QByteArray("miss"));
        QCOMPARE(m_fake->requestCount(), 2);
        const HttpResponse streamed
            = openAiComplete({}, "{\"model\":\"code_completions\",\"prompt\":\"def f(\",\"max_tokens\":8,\"stream\":true}");
        QCOMPARE(streamed.status, 200);
        QVERIFY(!streamed.hasHeader("x-airlock-cache"));
        QCOMPARE(m_fake->requestCount(), 3);
    }

    void openAiWithoutAuthHasNoUserToScopeBy()
    {
        start();
        QVERIFY(!openAiComplete().hasHeader("x-airlock-cache"));
        QVERIFY(!openAiComplete().hasHeader("x-airlock-cache"));
        QCOMPARE(m_fake->requestCount(), 2);
    }
};

QTEST_MAIN(tst_CompletionCache)
#include "tst_completioncache.moc"
