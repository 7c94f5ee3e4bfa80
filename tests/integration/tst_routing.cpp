// Routing end to end (issue #13): weighted replicas and route tiers, retries before the response head,
// fallback to a later tier, deadlines, passive ejection (hedging: tst_routinghedging), failures after the first byte, the
// request log's attempts and the refusal of bad routing configuration. A real gateway in this process in
// front of several fake model servers, driven through real HTTP in the OpenAI and GitLab dialects.

#include "airlockdprocess.h"
#include "gatewayfixture.h"
#include "routingharness.h"
#include "gitlabrequests.h"
#include "ports.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>

#include <cmath>

using namespace airlock;
using namespace airlock::test;
namespace gl = airlock::test::gitlab;
using namespace airlock::test::routing;

Q_DECLARE_METATYPE(airlock::test::FakeBehavior)

class tst_Routing : public RoutingTestBase
{
    Q_OBJECT

private Q_SLOTS:
    void init() { startHarness(); }
    void cleanup() { stopHarness(); }

    // ------------------------------------------------------------------------------------ weighted splits

    void weightedSplitOverReplicas()
    {
        applyJson(configJson({modelJson("m", "id-m", {{fake(0).baseUrl(), 70}, {fake(1).baseUrl(), 30}})},
                             {{QStringLiteral("code_generations"), QStringLiteral("m")}}));
        const int n = 1000;
        const QList<int> statuses = sendSequentially("/v1/chat/completions", chatBody("m"), n);
        QCOMPARE(statuses.size(), n);
        QCOMPARE(statuses.count(200), n);
        verifySeventyThirty(n);
        if (QTest::currentTestFailed())
            return;
        QCOMPARE(fake(0).lastRequest().model, QStringLiteral("id-m"));
        QCOMPARE(fake(1).lastRequest().model, QStringLiteral("id-m"));
    }

    void weightedSplitOverTierTargets()
    {
        applyJson(configJson({modelJson("m1", "id-1", {{fake(0).baseUrl()}}), modelJson("m2", "id-2", {{fake(1).baseUrl()}})},
                             {{QStringLiteral("code_generations"),
                               routeJson({tierJson({{QStringLiteral("m1"), 70}, {QStringLiteral("m2"), 30}})})}}));
        const int n = 1000;
        const QList<int> statuses = sendSequentially("/v1/completions", completionBody("code_generations", false), n);
        QCOMPARE(statuses.count(200), n);
        verifySeventyThirty(n);
        if (QTest::currentTestFailed())
            return;
        // Each target got the request with its own served identifier.
        QCOMPARE(fake(0).lastRequest().model, QStringLiteral("id-1"));
        QCOMPARE(fake(1).lastRequest().model, QStringLiteral("id-2"));
    }

    // ------------------------------------------------------------------------------------------- retries

    void retriesBeforeTheHeadOnAnotherReplica_data()
    {
        QTest::addColumn<FakeBehavior>("failure");
        QTest::addColumn<QByteArray>("path");
        QTest::addColumn<bool>("stream");
        QTest::addColumn<QByteArray>("end");
        const QByteArray html = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>";
        const struct
        {
            const char *name;
            FakeBehavior failure;
            const char *end;
        } failures[] = {
            {"reset", FakeBehavior::resetWithoutAnswer(), "closed"},
            {"close", FakeBehavior::closeWithoutAnswer(), "closed"},
            {"502 json", FakeBehavior::error(502), "status_502"},
            {"503 json", FakeBehavior::error(503), "status_503"},
            {"504 json", FakeBehavior::error(504), "status_504"},
            {"502 html", FakeBehavior::reply(502, html), "status_502"},
            {"503 loading", FakeBehavior::reply(503, "{\"error\":{\"code\":503,\"message\":\"Loading model\"}}"), "status_503"},
        };
        for (const auto &f : failures) {
            for (const char *path : {"/v1/chat/completions", "/v1/completions"}) {
                for (bool stream : {false, true}) {
                    QTest::addRow("%s %s%s", f.name, path, stream ? " stream" : "")
                        << f.failure << QByteArray(path) << stream << QByteArray(f.end);
                }
            }
        }
    }
    void retriesBeforeTheHeadOnAnotherReplica()
    {
        QFETCH(FakeBehavior, failure);
        QFETCH(QByteArray, path);
        QFETCH(bool, stream);
        QFETCH(QByteArray, end);
        applyJson(configJson({modelJson("m", "id-m", {{fake(0).baseUrl()}, {fake(1).baseUrl()}})},
                             {{QStringLiteral("code_generations"), QStringLiteral("m")}}));
        auto counter = std::make_shared<int>(0);
        for (int i : {0, 1})
            fake(i).setBehaviorSelector(firstThen(counter, failure, FakeBehavior::answer(3)));
        const QByteArray body = path.contains("chat") ? chatBody("code_generations", stream) : completionBody("code_generations", stream);
        const QByteArray id = nextRequestId();
        const HttpResponse r = send(path, body, id);
        QCOMPARE(r.status, 200);
        if (stream) {
            QVERIFY(r.sawDone());
            QCOMPARE(r.dataEventCount(), 3);
        } else {
            QVERIFY(!r.json().value(QStringLiteral("choices")).toArray().isEmpty());
        }
        // One try each: the retry went to the other replica.
        QCOMPARE(fake(0).requestCount(), 1);
        QCOMPARE(fake(1).requestCount(), 1);
        const QJsonArray attempts = attemptsOf(id);
        QCOMPARE(attempts.size(), 2);
        const QJsonObject failed = attempts.at(0).toObject();
        const QJsonObject won = attempts.at(1).toObject();
        QCOMPARE(failed.value(QStringLiteral("end")).toString(), QString::fromLatin1(end));
        QCOMPARE(won.value(QStringLiteral("end")).toString(), QStringLiteral("ok"));
        QCOMPARE(won.value(QStringLiteral("status")).toInt(), 200);
        QVERIFY(failed.value(QStringLiteral("replica")).toString() != won.value(QStringLiteral("replica")).toString());
        QCOMPARE(failed.value(QStringLiteral("endpoint")).toString(), QStringLiteral("m"));
    }

    void retriesOnConnectionRefused()
    {
        // A server that dies between two health probes: the probe found it ready, then its port closed.
        // It takes nearly every first try (weight 1000) until the next probe; the healthy one answers every
        // request.
        const QUrl dying = fake(2).baseUrl();
        applyJson(configJson({modelJson("m", "id-m", {{dying, 1000}, {fake(0).baseUrl(), 1}})},
                             {{QStringLiteral("code_generations"), QStringLiteral("m")}}));
        const auto probeOfDying = [&] {
            const QJsonArray endpoints = QJsonDocument::fromJson(admin("GET", "/api/v1/replicas").body)
                                             .object().value(QStringLiteral("endpoints")).toArray();
            for (const QJsonValue &e : endpoints) {
                for (const QJsonValue &r : e[QStringLiteral("replicas")].toArray()) {
                    if (r[QStringLiteral("replica")].toString() == dying.toString())
                        return r[QStringLiteral("probe")].toString();
                }
            }
            return QString();
        };
        QTRY_COMPARE_WITH_TIMEOUT(probeOfDying(), QStringLiteral("ready"), 10000);
        m_fakes.at(2).reset(); // its listener closes: connections are refused from now on
        QList<QByteArray> ids;
        for (int i = 0; i < 4; ++i) {
            ids.append(nextRequestId());
            const HttpResponse r = send("/v1/chat/completions", chatBody("code_generations", i % 2 == 1), ids.last());
            QCOMPARE(r.status, 200);
        }
        QCOMPARE(fake(0).requestCount(), 4);
        int refused = 0;
        for (const QByteArray &id : ids) {
            for (const QJsonValue &a : attemptsOf(id)) {
                if (a.toObject().value(QStringLiteral("end")).toString() == QLatin1String("connect_failed")) {
                    ++refused;
                    QCOMPARE(a.toObject().value(QStringLiteral("replica")).toString(), dying.toString());
                    QCOMPARE(a.toObject().value(QStringLiteral("status")).toInt(), 0);
                }
            }
        }
        QVERIFY(refused >= 1);
    }

    void noRetryOnClientErrors_data()
    {
        QTest::addColumn<int>("status");
        for (int s : {400, 401, 404, 422})
            QTest::addRow("%d", s) << s;
    }
    void noRetryOnClientErrors()
    {
        QFETCH(int, status);
        applyJson(configJson({modelJson("m", "id-m", {{fake(0).baseUrl()}, {fake(1).baseUrl()}})},
                             {{QStringLiteral("code_generations"), QStringLiteral("m")}}));
        const QByteArray body = "{\"error\":{\"message\":\"the model server refuses this\",\"code\":\"refused\"}}";
        for (int i : {0, 1})
            fake(i).setDefaultBehavior(FakeBehavior::error(status, body));
        for (bool stream : {false, true}) {
            fake(0).resetRecords();
            fake(1).resetRecords();
            const HttpResponse r = send("/v1/chat/completions", chatBody("code_generations", stream));
            QCOMPARE(r.status, status);
            QVERIFY(r.body.contains("the model server refuses this"));
            QCOMPARE(fake(0).requestCount() + fake(1).requestCount(), 1);
        }
    }

    void maxAttemptsIsRespected()
    {
        QJsonObject resilience{{QStringLiteral("retries"), QJsonObject{{QStringLiteral("max_attempts"), 2}}}};
        applyJson(configJson({modelJson("m", "id-m", {{fake(0).baseUrl()}, {fake(1).baseUrl()}, {fake(2).baseUrl()}})},
                             {{QStringLiteral("code_generations"), QStringLiteral("m")}}, resilience));
        for (int i : {0, 1, 2})
            fake(i).setDefaultBehavior(FakeBehavior::error(503));
        const QByteArray id = nextRequestId();
        const HttpResponse r = send("/v1/chat/completions", chatBody("code_generations"), id);
        QCOMPARE(r.status, 503);
        QCOMPARE(fake(0).requestCount() + fake(1).requestCount() + fake(2).requestCount(), 2);
        const QJsonArray attempts = attemptsOf(id);
        QCOMPARE(attempts.size(), 2);
        QVERIFY(attempts.at(0).toObject().value(QStringLiteral("replica")) != attempts.at(1).toObject().value(QStringLiteral("replica")));

        // The default: three tries.
        applyJson(configJson({modelJson("m", "id-m", {{fake(0).baseUrl()}, {fake(1).baseUrl()}, {fake(2).baseUrl()}})},
                             {{QStringLiteral("code_generations"), QStringLiteral("m")}}));
        for (int i : {0, 1, 2})
            fake(i).resetRecords();
        QCOMPARE(send("/v1/chat/completions", chatBody("code_generations")).status, 503);
        for (int i : {0, 1, 2})
            QCOMPARE(fake(i).requestCount(), 1);
    }

    void retryAfterOnTheOnlyReplicaWaitsAndRetries()
    {
        applyJson(configJson({modelJson("m", "id-m", {{fake(0).baseUrl()}})},
                             {{QStringLiteral("code_generations"), QStringLiteral("m")}}));
        FakeBehavior busy = FakeBehavior::error(429);
        busy.extraHeaders = {{"Retry-After", "1"}};
        fake(0).enqueue(busy);
        const QByteArray id = nextRequestId();
        const HttpResponse r = send("/v1/chat/completions", chatBody("code_generations"), id);
        QCOMPARE(r.status, 200);
        QCOMPARE(fake(0).requestCount(), 2);
        // It waited for the time the server asked for before coming back.
        const QList<RecordedRequest> requests = fake(0).requests();
        QVERIFY2(msBetween(requests.at(0).arrivedAt, requests.at(1).arrivedAt) >= 900,
                 qPrintable(QString::number(msBetween(requests.at(0).arrivedAt, requests.at(1).arrivedAt))));
        const QJsonArray attempts = attemptsOf(id);
        QCOMPARE(attempts.size(), 2);
        QCOMPARE(attempts.at(0).toObject().value(QStringLiteral("end")).toString(), QStringLiteral("status_429"));
        QCOMPARE(attempts.at(1).toObject().value(QStringLiteral("end")).toString(), QStringLiteral("ok"));
    }

    void retryAfterBeyondTheDeadlineGivesTheClientThe429()
    {
        QJsonObject resilience{{QStringLiteral("deadlines_ms"), QJsonObject{{QStringLiteral("code_generations"), 3000}}}};
        applyJson(configJson({modelJson("m", "id-m", {{fake(0).baseUrl()}})},
                             {{QStringLiteral("code_generations"), QStringLiteral("m")}}, resilience));
        FakeBehavior busy = FakeBehavior::error(429, "{\"error\":{\"message\":\"slow down\",\"code\":\"rate_limited\"}}");
        busy.extraHeaders = {{"Retry-After", "30"}};
        fake(0).setDefaultBehavior(busy);
        const HttpResponse r = send("/v1/chat/completions", chatBody("code_generations"));
        QCOMPARE(r.status, 429);
        QVERIFY(r.body.contains("slow down"));
        QCOMPARE(fake(0).requestCount(), 1);
    }

    // ------------------------------------------------------------------------------------------ fallback

    void fallbackToTheSecondTier_data()
    {
        QTest::addColumn<bool>("stream");
        QTest::newRow("whole") << false;
        QTest::newRow("stream") << true;
    }
    void fallbackToTheSecondTier()
    {
        QFETCH(bool, stream);
        applyJson(configJson({modelJson("m1", "id-1", {{fake(0).baseUrl()}, {fake(1).baseUrl()}}),
                              modelJson("m2", "id-2", {{fake(2).baseUrl()}})},
                             {{QStringLiteral("code_generations"),
                               routeJson({tierJson({{QStringLiteral("m1"), 1}}), tierJson({{QStringLiteral("m2"), 1}})})}}));
        fake(0).setDefaultBehavior(FakeBehavior::error(503));
        fake(1).setDefaultBehavior(FakeBehavior::resetWithoutAnswer());
        const QByteArray id = nextRequestId();
        const HttpResponse r = send("/v1/chat/completions", chatBody("code_generations", stream), id);
        QCOMPARE(r.status, 200);
        if (stream)
            QVERIFY(r.sawDone());
        QCOMPARE(fake(0).requestCount(), 1);
        QCOMPARE(fake(1).requestCount(), 1);
        QCOMPARE(fake(2).requestCount(), 1);
        QCOMPARE(fake(0).lastRequest().model, QStringLiteral("id-1"));
        QCOMPARE(fake(2).lastRequest().model, QStringLiteral("id-2"));
        const QJsonObject record = logRecord(id);
        QCOMPARE(record.value(QStringLiteral("model_endpoint")).toString(), QStringLiteral("m2"));
        const QJsonArray attempts = record.value(QStringLiteral("attempts")).toArray();
        QCOMPARE(attempts.size(), 3);
        QCOMPARE(attempts.at(2).toObject().value(QStringLiteral("endpoint")).toString(), QStringLiteral("m2"));
        QCOMPARE(attempts.at(2).toObject().value(QStringLiteral("replica")).toString(), apiRoot(fake(2)));
        QCOMPARE(attempts.at(2).toObject().value(QStringLiteral("end")).toString(), QStringLiteral("ok"));
    }

    // ------------------------------------------------------------------------------------------ deadline

    void deadlineAbortsAHangingReplica()
    {
        QJsonObject resilience{{QStringLiteral("deadlines_ms"), QJsonObject{{QStringLiteral("code_generations"), 400}}}};
        applyJson(configJson({modelJson("m", "id-m", {{fake(0).baseUrl()}})},
                             {{QStringLiteral("code_generations"), QStringLiteral("m")}}, resilience));
        fake(0).setDefaultBehavior(FakeBehavior::hang());
        const QByteArray id = nextRequestId();
        const HttpResponse r = send("/v1/chat/completions", chatBody("code_generations"), id);
        QCOMPARE(r.status, 504);
        QVERIFY(r.header("content-type").startsWith("application/json"));
        const QJsonObject error = r.json().value(QStringLiteral("error")).toObject();
        QVERIFY2(error.value(QStringLiteral("message")).toString().contains(QLatin1String("\"m\"")), r.body.constData());
        QVERIFY2(error.value(QStringLiteral("code")).toString() == QLatin1String("deadline_exceeded")
                     || error.value(QStringLiteral("code")).toString() == QLatin1String("upstream_timeout"),
                 r.body.constData());
        QVERIFY(fake(0).waitForAborts(1, 10000));
        QCOMPARE(fake(0).abortedRequests().at(0).phase, AbortedRequest::Phase::BeforeHead);
    }

    // ------------------------------------------------------------------------------------------ ejection

    void ejectedReplicaGetsNoTraffic()
    {
        QJsonObject resilience{{QStringLiteral("ejection"), QJsonObject{{QStringLiteral("consecutive_failures"), 3}}}};
        applyJson(configJson({modelJson("m", "id-m", {{fake(0).baseUrl()}, {fake(1).baseUrl()}})},
                             {{QStringLiteral("code_generations"), QStringLiteral("m")}}, resilience));
        fake(0).setDefaultBehavior(FakeBehavior::error(503));
        // Until the failing replica has failed three times in a row (every request is answered by the other).
        for (int i = 0; i < 200 && fake(0).requestCount() < 3; ++i)
            QCOMPARE(send("/v1/chat/completions", chatBody("code_generations")).status, 200);
        QCOMPARE(fake(0).requestCount(), 3);
        fake(0).resetRecords();
        fake(1).resetRecords();
        const QList<int> statuses = sendSequentially("/v1/chat/completions", chatBody("code_generations"), 40);
        QCOMPARE(statuses.count(200), 40);
        QCOMPARE(fake(0).requestCount(), 0);
        QCOMPARE(fake(1).requestCount(), 40);
    }

    void allReplicasEjectedAreStillTried()
    {
        QJsonObject resilience{{QStringLiteral("ejection"), QJsonObject{{QStringLiteral("consecutive_failures"), 2},
                                                                        {QStringLiteral("max_ejected_percent"), 100}}}};
        applyJson(configJson({modelJson("m", "id-m", {{fake(0).baseUrl()}, {fake(1).baseUrl()}})},
                             {{QStringLiteral("code_generations"), QStringLiteral("m")}}, resilience));
        for (int i : {0, 1})
            fake(i).setDefaultBehavior(FakeBehavior::error(503));
        // Each request tries both replicas: after two, both are ejected.
        for (int i = 0; i < 2; ++i)
            QCOMPARE(send("/v1/chat/completions", chatBody("code_generations")).status, 503);
        QCOMPARE(fake(0).requestCount(), 2);
        QCOMPARE(fake(1).requestCount(), 2);
        // Still tried: health tracking does not make an outage of its own.
        for (int i : {0, 1})
            fake(i).setDefaultBehavior(FakeBehavior::answer());
        QCOMPARE(send("/v1/chat/completions", chatBody("code_generations")).status, 200);
        QCOMPARE(fake(0).requestCount() + fake(1).requestCount(), 5);
    }

    // --------------------------------------------------------------------------- failure after first byte

    void streamBrokenAfterTheFirstByteEndsWithAnErrorEvent()
    {
        applyJson(configJson({modelJson("m", "id-m", {{fake(0).baseUrl()}, {fake(1).baseUrl()}})},
                             {{QStringLiteral("code_generations"), QStringLiteral("m")}}));
        auto counter = std::make_shared<int>(0);
        for (int i : {0, 1})
            fake(i).setBehaviorSelector(firstThen(counter, FakeBehavior::closeMidStream(2), FakeBehavior::answer()));
        const QByteArray id = nextRequestId();
        const HttpResponse r = send("/v1/chat/completions", chatBody("code_generations", true), id);
        QCOMPARE(r.status, 200);
        QVERIFY(r.complete);
        QVERIFY(!r.sawDone());
        QVERIFY(r.events.size() >= 3);
        const QJsonObject last = r.events.last().json();
        QVERIFY2(last.value(QStringLiteral("error")).isObject(), r.events.last().data.constData());
        QCOMPARE(r.dataEventCount(), 3); // two text events and the error
        // Nothing is retried once the client has bytes.
        QCOMPARE(fake(0).requestCount() + fake(1).requestCount(), 1);
        const QJsonArray attempts = attemptsOf(id);
        QCOMPARE(attempts.size(), 1);
        const QJsonObject a = attempts.at(0).toObject();
        const FakeModelServer &served = fake(0).requestCount() == 1 ? fake(0) : fake(1);
        QCOMPARE(a.value(QStringLiteral("replica")).toString(), apiRoot(served));
        QCOMPARE(a.value(QStringLiteral("end")).toString(), QStringLiteral("failed_after_head"));
        QCOMPARE(a.value(QStringLiteral("status")).toInt(), 200);
        QVERIFY(a.value(QStringLiteral("bytes")).toInteger() > 0);
    }

    void wholeAnswerBrokenAfterTheHeadIs502()
    {
        applyJson(configJson({modelJson("m", "id-m", {{fake(0).baseUrl()}})},
                             {{QStringLiteral("code_generations"), QStringLiteral("m")}}));
        fake(0).setDefaultBehavior(FakeBehavior::raw(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 400\r\n\r\n{\"id\":\"cmpl-1\",\"choices\":["));
        const QByteArray id = nextRequestId();
        const HttpResponse r = send("/v1/chat/completions", chatBody("code_generations"), id);
        QCOMPARE(r.status, 502);
        QVERIFY(r.header("content-type").startsWith("application/json"));
        QVERIFY2(r.json().value(QStringLiteral("error")).toObject().value(QStringLiteral("message")).toString().contains(QLatin1String("\"m\"")),
                 r.body.constData());
        const QJsonArray attempts = attemptsOf(id);
        QCOMPARE(attempts.size(), 1);
        QCOMPARE(attempts.at(0).toObject().value(QStringLiteral("end")).toString(), QStringLiteral("failed_after_head"));
        QCOMPARE(attempts.at(0).toObject().value(QStringLiteral("replica")).toString(), apiRoot(fake(0)));
        QVERIFY(attempts.at(0).toObject().value(QStringLiteral("bytes")).toInteger() > 0);
    }

    // -------------------------------------------------------------------------------------------- GitLab

    void gitLabCompletionRetriesOnAnotherReplica()
    {
        applyJson(configJson({modelJson("m", "id-m", {{fake(0).baseUrl()}, {fake(1).baseUrl()}})},
                             {{QStringLiteral("code_completions"), QStringLiteral("m")}}));
        auto counter = std::make_shared<int>(0);
        for (int i : {0, 1})
            fake(i).setBehaviorSelector(firstThen(counter, FakeBehavior::error(503), FakeBehavior::answer(2)));
        const HttpResponse r = TestHttpClient::fetch(m_gw->port(), gl::post("/v2/code/completions", gl::completionBody()), 20000);
        QCOMPARE(r.status, 200);
        QVERIFY(!r.json().value(QStringLiteral("choices")).toArray().isEmpty());
        QCOMPARE(fake(0).requestCount(), 1);
        QCOMPARE(fake(1).requestCount(), 1);
    }

    void gitLabChatRetriesOnAnotherReplica()
    {
        applyJson(configJson({modelJson("m", "id-m", {{fake(0).baseUrl()}, {fake(1).baseUrl()}})},
                             {{QStringLiteral("duo_chat_explain_code"), QStringLiteral("m")}}));
        auto counter = std::make_shared<int>(0);
        for (int i : {0, 1})
            fake(i).setBehaviorSelector(firstThen(counter, FakeBehavior::resetWithoutAnswer(), FakeBehavior::answer(2)));
        const HttpResponse r = TestHttpClient::fetch(m_gw->port(), gl::post("/v1/chat/explain_code", gl::chatBody(QStringLiteral("explain def add(a, b)"))), 20000);
        QCOMPARE(r.status, 200);
        QCOMPARE(fake(0).requestCount(), 1);
        QCOMPARE(fake(1).requestCount(), 1);
    }

    void gitLabSuggestionStreamBrokenAfterTheFirstByteIsNotRetried()
    {
        applyJson(configJson({modelJson("m", "id-m", {{fake(0).baseUrl()}, {fake(1).baseUrl()}})},
                             {{QStringLiteral("code_completions"), QStringLiteral("m")}}));
        auto counter = std::make_shared<int>(0);
        FakeBehavior broken = FakeBehavior::closeMidStream(1);
        broken.chunkTexts = {QStringLiteral("return "), QStringLiteral("a + b")};
        for (int i : {0, 1})
            fake(i).setBehaviorSelector(firstThen(counter, broken, FakeBehavior::answer(2)));
        const QByteArray id = nextRequestId();
        HttpRequest request = gl::post("/v4/code/suggestions", gl::completionBody());
        for (auto &[name, value] : request.headers) {
            if (name.compare("X-Request-ID", Qt::CaseInsensitive) == 0)
                value = id;
        }
        const HttpResponse r = TestHttpClient::fetch(m_gw->port(), request, 20000);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.header("x-streaming-format"), QByteArray("sse"));
        QVERIFY(!r.events.isEmpty());
        QCOMPARE(r.events.first().event, QByteArray("stream_start"));
        QString text;
        for (const SseEvent &e : r.events) {
            if (e.event == "content_chunk") {
                text += e.json().value(QStringLiteral("choices")).toArray().at(0).toObject().value(QStringLiteral("delta"))
                            .toObject().value(QStringLiteral("content")).toString();
            }
        }
        QCOMPARE(text, QStringLiteral("return "));
        // Cut short, and the client can tell: an error event, never the stream_end of a whole answer.
        QCOMPARE(r.events.last().event, QByteArray("error"));
        QVERIFY2(!r.events.last().json().value(QStringLiteral("message")).toString().isEmpty(), r.events.last().data.constData());
        for (const SseEvent &e : r.events)
            QVERIFY(e.event != "stream_end");
        // The client had bytes: no second try.
        QCOMPARE(fake(0).requestCount() + fake(1).requestCount(), 1);
        const QJsonArray attempts = attemptsOf(id);
        QCOMPARE(attempts.size(), 1);
        QCOMPARE(attempts.at(0).toObject().value(QStringLiteral("end")).toString(), QStringLiteral("failed_after_head"));
    }

    // ------------------------------------------------------------------------------------- configuration

    void badRoutingConfigurationIsRefused_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("path");
        const QByteArray ok = "{\"name\":\"m\",\"family\":\"codestral\",\"identifier\":\"id-m\",\"replicas\":[{\"base_url\":\"http://127.0.0.1:1/v1\",\"weight\":2}]}";
        auto doc = [](const QByteArray &models, const QByteArray &features, const QByteArray &resilience = {}) -> QByteArray {
            return "{\"models\":[" + models + "],\"features\":{" + features + "}"
                + (resilience.isEmpty() ? QByteArray() : ",\"resilience\":" + resilience) + "}";
        };
        QTest::newRow("unknown replica key")
            << doc("{\"name\":\"m\",\"family\":\"codestral\",\"identifier\":\"i\",\"replicas\":[{\"base_url\":\"http://127.0.0.1:1/v1\",\"wieght\":2}]}", {})
            << QStringLiteral("models[0].replicas[0]");
        QTest::newRow("weight of the wrong type")
            << doc("{\"name\":\"m\",\"family\":\"codestral\",\"identifier\":\"i\",\"replicas\":[{\"base_url\":\"http://127.0.0.1:1/v1\",\"weight\":\"2\"}]}", {})
            << QStringLiteral("models[0].replicas[0].weight");
        QTest::newRow("replica weight 0")
            << doc("{\"name\":\"m\",\"family\":\"codestral\",\"identifier\":\"i\",\"replicas\":[{\"base_url\":\"http://127.0.0.1:1/v1\",\"weight\":0}]}", {})
            << QStringLiteral("models[0].replicas[0].weight");
        QTest::newRow("base_url and replicas")
            << doc("{\"name\":\"m\",\"family\":\"codestral\",\"identifier\":\"i\",\"base_url\":\"http://127.0.0.1:1/v1\",\"replicas\":[{\"base_url\":\"http://127.0.0.1:2/v1\"}]}", {})
            << QStringLiteral("models[0].base_url");
        QTest::newRow("unknown model in a route")
            << doc(ok, "\"code_completions\":{\"tiers\":[[{\"model\":\"m\"}],[{\"model\":\"nope\"}]]}")
            << QStringLiteral("features.code_completions");
        QTest::newRow("route target weight 0")
            << doc(ok, "\"code_completions\":{\"tiers\":[[{\"model\":\"m\",\"weight\":0}]]}")
            << QStringLiteral("features.code_completions.tiers[0][0].weight");
        QTest::newRow("unknown route key")
            << doc(ok, "\"code_completions\":{\"tiers\":[[{\"model\":\"m\"}]],\"spread\":1}")
            << QStringLiteral("features.code_completions");
        QTest::newRow("unknown resilience key") << doc(ok, {}, "{\"retry\":{}}") << QStringLiteral("resilience");
        QTest::newRow("resilience wrong type")
            << doc(ok, {}, "{\"retries\":{\"max_attempts\":\"3\"}}") << QStringLiteral("resilience.retries.max_attempts");
        QTest::newRow("affinity unknown feature")
            << doc(ok, {}, "{\"affinity\":{\"features\":[\"coffee\"]}}") << QStringLiteral("resilience.affinity.features[0]");
        QTest::newRow("affinity bound below 100")
            << doc(ok, {}, "{\"affinity\":{\"max_load_percent\":99}}") << QStringLiteral("resilience.affinity.max_load_percent");
    }
    void badRoutingConfigurationIsRefused()
    {
        QFETCH(QByteArray, json);
        QFETCH(QString, path);
        applyJson(configJson({modelJson("m", "id-m", {{fake(0).baseUrl()}})},
                             {{QStringLiteral("code_completions"), QStringLiteral("m")}}));
        const QByteArray before = admin("GET", "/api/v1/config").body;
        QVERIFY(!before.isEmpty());
        const HttpResponse r = admin("PUT", "/api/v1/config", json);
        QCOMPARE(r.status, 400);
        QVERIFY(r.header("content-type").startsWith("application/json"));
        const QJsonObject error = r.json().value(QStringLiteral("error")).toObject();
        const QString message = error.value(QStringLiteral("message")).toString();
        const QString field = error.value(QStringLiteral("field")).toString();
        QVERIFY2(field.startsWith(path) || message.contains(path), r.body.constData());
        // The running configuration did not change, and still serves.
        QCOMPARE(admin("GET", "/api/v1/config").body, before);
        QCOMPARE(send("/v1/completions", completionBody("code_completions", false)).status, 200);

        // The same file given to airlockd --config: refused at start, naming the path.
        const AirlockdRun run = runAirlockdWithConfig(json);
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(run.err.contains(path.toUtf8()), run.err.constData());
    }

    void singleModelConfigurationStillWorks()
    {
        const QByteArray json = "{\"models\":[{\"name\":\"one\",\"family\":\"codestral\",\"base_url\":\""
            + fake(0).baseUrl().toEncoded() + "\",\"identifier\":\"id-one\"}],\"features\":{\"code_completions\":\"one\"}}";
        const HttpResponse put = admin("PUT", "/api/v1/config", json);
        QCOMPARE(put.status, 200);
        const HttpResponse r = send("/v1/completions", completionBody("code_completions", false));
        QCOMPARE(r.status, 200);
        QCOMPARE(fake(0).lastRequest().model, QStringLiteral("id-one"));
        // Exported the way it was given: a base_url, no replicas.
        const QJsonObject model = admin("GET", "/api/v1/config").json().value(QStringLiteral("models")).toArray().at(0).toObject();
        QVERIFY(model.contains(QStringLiteral("base_url")));
        QVERIFY(!model.contains(QStringLiteral("replicas")));
        QCOMPARE(admin("GET", "/api/v1/config").json().value(QStringLiteral("features")).toObject().value(QStringLiteral("code_completions")).toString(),
                 QStringLiteral("one"));
    }
};

QTEST_MAIN(tst_Routing)
#include "tst_routing.moc"
