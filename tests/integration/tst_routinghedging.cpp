// Hedging for code completions (issue #13 item 4), end to end in both dialects, streamed and not: when
// the first replica has sent no byte by the hedge delay, the same request goes to another replica; the
// first answer wins, the other try is cancelled at once, and the request log says which try was the hedge.
// A real gateway in this process in front of fake model servers (routingharness.h).

#include "gitlabrequests.h"
#include "routingharness.h"

#include <QJsonArray>
#include <QJsonObject>

using namespace airlock;
using namespace airlock::test;
using namespace airlock::test::routing;
namespace gl = airlock::test::gitlab;

class tst_RoutingHedging : public RoutingTestBase
{
    Q_OBJECT

private:
    // code_completions on one model endpoint with two replicas; hedge after 50 to 200 ms. The first try
    // (whichever replica it goes to) hangs before its head; every later one answers.
    void hedgedSetup()
    {
        const QJsonObject resilience{{QStringLiteral("hedging"),
                                      QJsonObject{{QStringLiteral("min_delay_ms"), 50}, {QStringLiteral("max_delay_ms"), 200}}}};
        applyJson(configJson({modelJson("m", "id-m", {{fake(0).baseUrl()}, {fake(1).baseUrl()}})},
                             {{QStringLiteral("code_completions"), QStringLiteral("m")}}, resilience));
        auto counter = std::make_shared<int>(0);
        for (int i : {0, 1})
            fake(i).setBehaviorSelector(firstThen(counter, FakeBehavior::hang(), FakeBehavior::answer(2)));
    }

    // Both replicas got the request once, the hanging one was cancelled, and the log has the two tries.
    void verifyHedged(const QByteArray &requestId)
    {
        QCOMPARE(fake(0).requestCount(), 1);
        QCOMPARE(fake(1).requestCount(), 1);
        QVERIFY(waitUntil([&] { return fake(0).abortCount() + fake(1).abortCount() == 1; }, 10000));
        const QJsonArray attempts = attemptsOf(requestId);
        QCOMPARE(attempts.size(), 2);
        QCOMPARE(attempts.at(0).toObject().value(QStringLiteral("hedge")).toBool(), false);
        QCOMPARE(attempts.at(0).toObject().value(QStringLiteral("end")).toString(), QStringLiteral("hedge_lost"));
        QCOMPARE(attempts.at(1).toObject().value(QStringLiteral("hedge")).toBool(), true);
        QCOMPARE(attempts.at(1).toObject().value(QStringLiteral("end")).toString(), QStringLiteral("ok"));
    }

private Q_SLOTS:
    void init() { startHarness(); }
    void cleanup() { stopHarness(); }

    void openAiCompletion()
    {
        hedgedSetup();
        const QByteArray id = nextRequestId();
        const HttpResponse r = send("/v1/completions", completionBody("code_completions", false), id);
        QCOMPARE(r.status, 200);
        verifyHedged(id);
    }

    void openAiCompletionStreamed()
    {
        hedgedSetup();
        const QByteArray id = nextRequestId();
        const HttpResponse r = send("/v1/completions", completionBody("code_completions", true), id);
        QCOMPARE(r.status, 200);
        QVERIFY(r.complete);
        QVERIFY(r.sawDone());
        QVERIFY(r.dataEventCount() > 0);
        verifyHedged(id);
    }

    void gitLabCodeCompletion()
    {
        hedgedSetup();
        const QByteArray id = nextRequestId();
        HttpRequest request = gl::post("/v2/code/completions", gl::completionBody());
        for (auto &[name, value] : request.headers) {
            if (name == "X-Request-ID")
                value = id; // GitLab's requests carry one; this test's names the log record
        }
        const HttpResponse r = TestHttpClient::fetch(m_gw->port(), request, 20000);
        QCOMPARE(r.status, 200);
        QVERIFY(!r.json().value(QStringLiteral("choices")).toArray().isEmpty());
        verifyHedged(id);
    }

    // Other features are not hedged: the hanging try runs into its deadline alone.
    void generationsAreNotHedged()
    {
        const QJsonObject resilience{{QStringLiteral("hedging"),
                                      QJsonObject{{QStringLiteral("min_delay_ms"), 50}, {QStringLiteral("max_delay_ms"), 200}}},
                                     {QStringLiteral("deadlines_ms"), QJsonObject{{QStringLiteral("code_generations"), 1500}}}};
        applyJson(configJson({modelJson("m", "id-m", {{fake(0).baseUrl()}, {fake(1).baseUrl()}})},
                             {{QStringLiteral("code_generations"), QStringLiteral("m")}}, resilience));
        for (int i : {0, 1})
            fake(i).setDefaultBehavior(FakeBehavior::hang());
        const HttpResponse r = send("/v1/chat/completions", chatBody("code_generations"));
        QCOMPARE(r.status, 504);
        QCOMPARE(fake(0).requestCount() + fake(1).requestCount(), 1);
    }
};

QTEST_GUILESS_MAIN(tst_RoutingHedging)
#include "tst_routinghedging.moc"
