// The OpenAI-compatible data path end to end: a real gateway (worker threads, real sockets) in front of
// a fake model server, driven by a raw HTTP client.

#include "gatewayfixture.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpServer>

using namespace airlock;
using namespace airlock::test;

class tst_OpenAiProxy : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<FakeModelServer> m_fake;
    std::unique_ptr<GatewayFixture> m_gw;

    HttpResponse post(const QByteArray &path, const QByteArray &body, int timeoutMs = 10000)
    {
        return TestHttpClient::fetch(m_gw->port(), HttpRequest::post(path, body), timeoutMs);
    }

    static void verifyError(const HttpResponse &response, int status, const char *code, const char *mention)
    {
        QCOMPARE(response.status, status);
        QVERIFY2(response.header("content-type").startsWith("application/json"), response.header("content-type"));
        const QJsonObject error = response.json().value(QStringLiteral("error")).toObject();
        QCOMPARE(error.value(QStringLiteral("code")).toString(), QLatin1String(code));
        QVERIFY2(error.value(QStringLiteral("message")).toString().contains(QLatin1String(mention)),
                 qPrintable(error.value(QStringLiteral("message")).toString()));
    }

private Q_SLOTS:
    void init()
    {
        m_fake = std::make_unique<FakeModelServer>();
        QVERIFY(m_fake->isListening());
        m_gw = std::make_unique<GatewayFixture>();
        m_gw->apply(m_gw->standardConfig(m_fake->baseUrl()));
    }

    void cleanup()
    {
        m_gw.reset();
        m_fake.reset();
    }

    void routesFeatureToAssignedModelWithServedIdentifier()
    {
        const HttpResponse r = post("/v1/chat/completions", chatBody("code_completions"));
        QCOMPARE(r.status, 200);
        QCOMPARE(m_fake->requestCount(), 1);
        const RecordedRequest up = m_fake->lastRequest();
        QCOMPARE(up.path, QStringLiteral("/v1/chat/completions"));
        QCOMPARE(up.model, QStringLiteral("served-model"));
        // Only `model` changed: the messages arrive untouched.
        QCOMPARE(up.json().value(QStringLiteral("messages")).toArray().at(0).toObject().value(QStringLiteral("content")).toString(),
                 QStringLiteral("hello"));
        QCOMPARE(up.header("authorization"), QByteArray("Bearer sk-upstream-secret"));
        QCOMPARE(r.json().value(QStringLiteral("model")).toString(), QStringLiteral("served-model"));
        QVERIFY(!r.json().value(QStringLiteral("choices")).toArray().isEmpty());
    }

    void routesByEndpointNameAndNeverForwardsClientAuthorization()
    {
        const HttpResponse r = TestHttpClient::fetch(
            m_gw->port(), HttpRequest::post("/v1/chat/completions", chatBody("fake")).withBearer("client-token"));
        QCOMPARE(r.status, 200);
        QCOMPARE(m_fake->lastRequest().header("authorization"), QByteArray("Bearer sk-upstream-secret"));
    }

    void completionsEndpoint()
    {
        const HttpResponse r = post("/v1/completions", "{\"model\":\"code_completions\",\"prompt\":\"def f(\",\"max_tokens\":8}");
        QCOMPARE(r.status, 200);
        QCOMPARE(m_fake->lastRequest().path, QStringLiteral("/v1/completions"));
        QCOMPARE(m_fake->lastRequest().model, QStringLiteral("served-model"));
    }

    void baseUrlWithoutV1SuffixWorks()
    {
        QUrl base = m_fake->baseUrl();
        base.setPath(QString());
        m_gw->apply(m_gw->standardConfig(base));
        QCOMPARE(post("/v1/chat/completions", chatBody("code_completions")).status, 200);
        QCOMPARE(m_fake->lastRequest().path, QStringLiteral("/v1/chat/completions"));
    }

    void modelsListsEndpointsAndEnabledFeatures()
    {
        const HttpResponse r = TestHttpClient::fetch(m_gw->port(), HttpRequest::get("/v1/models"));
        QCOMPARE(r.status, 200);
        QStringList ids;
        for (const QJsonValue &v : r.json().value(QStringLiteral("data")).toArray())
            ids << v.toObject().value(QStringLiteral("id")).toString();
        QVERIFY(ids.contains(QStringLiteral("fake")));
        QVERIFY(ids.contains(QStringLiteral("code_completions")));
        QVERIFY(!ids.contains(QStringLiteral("duo_chat"))); // disabled
        QCOMPARE(m_fake->requestCount(), 0);                // answered locally
    }

    void streamRelaysEachChunkAsItArrives()
    {
        m_fake->setDefaultBehavior(FakeBehavior::answer(5, 150));
        TestHttpClient client(m_gw->port());
        client.sendRequest(HttpRequest::post("/v1/chat/completions", chatBody("code_completions", true)));
        QVERIFY(client.waitForResponses(1, 10000));
        const HttpResponse &r = client.responses().at(0);
        QCOMPARE(r.status, 200);
        QVERIFY(r.header("content-type").startsWith("text/event-stream"));
        QCOMPARE(r.dataEventCount(), 5);
        QVERIFY(r.sawDone());
        QCOMPARE(r.streamedText(), m_fake->defaultBehavior().fullText());
        // Chunks were not buffered: the first event reached the client ~600 ms before the last.
        QVERIFY(r.events.size() >= 6);
        const double spread = msBetween(r.events.first().at, r.events.at(4).at);
        QVERIFY2(spread > 400, qPrintable(QString::number(spread)));
    }

    void upstreamHttpErrorsPassThrough_data()
    {
        QTest::addColumn<int>("status");
        QTest::newRow("400") << 400;
        QTest::newRow("429") << 429;
        QTest::newRow("500") << 500;
        QTest::newRow("503") << 503;
    }
    void upstreamHttpErrorsPassThrough()
    {
        QFETCH(int, status);
        const QByteArray body = "{\"error\":{\"message\":\"model server says no\",\"code\":\"upstream_specific\"}}";
        m_fake->setDefaultBehavior(FakeBehavior::error(status, body));
        for (bool stream : {false, true}) {
            const HttpResponse r = post("/v1/chat/completions", chatBody("code_completions", stream));
            QCOMPARE(r.status, status);
            QCOMPARE(r.body, body);
        }
    }

    void refusedUpstreamIs502()
    {
        QTcpServer closed;
        QVERIFY(closed.listen(QHostAddress::LocalHost, 0));
        const quint16 port = closed.serverPort();
        closed.close(); // nothing listens there now
        m_gw->apply(m_gw->standardConfig(QUrl(QStringLiteral("http://127.0.0.1:%1/v1").arg(port))));
        verifyError(post("/v1/chat/completions", chatBody("code_completions")), 502, "upstream_unavailable", "fake");
    }

    void upstreamClosingWithoutAnswerIs502()
    {
        m_fake->setDefaultBehavior(FakeBehavior::closeWithoutAnswer());
        verifyError(post("/v1/chat/completions", chatBody("code_completions")), 502, "upstream_unavailable", "fake");
    }

    void slowUpstreamIs504()
    {
        EndpointTimeouts timeouts;
        timeouts.firstByteMs = 200;
        m_gw->apply(m_gw->standardConfig(m_fake->baseUrl(), 512, timeouts));
        m_fake->setDefaultBehavior(FakeBehavior::hang());
        verifyError(post("/v1/chat/completions", chatBody("code_completions")), 504, "upstream_timeout", "fake");
        // The gateway gave up on the model server too.
        QVERIFY(m_fake->waitForAborts(1, 10000));
    }

    void streamBrokenMidwayEndsWithErrorEvent()
    {
        m_fake->setDefaultBehavior(FakeBehavior::closeMidStream(2, 20));
        const HttpResponse r = post("/v1/chat/completions", chatBody("code_completions", true));
        QCOMPARE(r.status, 200); // the status line was already sent
        QVERIFY(r.complete);     // and the chunked stream is properly terminated
        QCOMPARE(r.dataEventCount(), 3);
        QVERIFY(r.events.last().data.contains("upstream_unavailable"));
    }

    void routingErrors_data()
    {
        QTest::addColumn<QByteArray>("model");
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("code");
        QTest::addColumn<QByteArray>("mention");
        QTest::newRow("disabled feature") << QByteArray("duo_chat") << 403 << QByteArray("feature_disabled") << QByteArray("duo_chat");
        QTest::newRow("unassigned feature") << QByteArray("code_generations") << 403 << QByteArray("feature_unassigned")
                                            << QByteArray("code_generations");
        QTest::newRow("unknown model") << QByteArray("gpt-17") << 404 << QByteArray("model_not_found") << QByteArray("gpt-17");
    }
    void routingErrors()
    {
        QFETCH(QByteArray, model);
        QFETCH(int, status);
        QFETCH(QByteArray, code);
        QFETCH(QByteArray, mention);
        verifyError(post("/v1/chat/completions", chatBody(model)), status, code.constData(), mention.constData());
        QCOMPARE(m_fake->requestCount(), 0);
    }

    void badInput_data()
    {
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<QByteArray>("path");
        QTest::addColumn<QByteArray>("contentType");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("code");
        QTest::addColumn<QByteArray>("mention");
        const QByteArray json = "application/json";
        QTest::newRow("malformed json") << QByteArray("POST") << QByteArray("/v1/chat/completions") << json
                                        << QByteArray("{\"model\":\"code_completions\",") << 400 << QByteArray("invalid_json")
                                        << QByteArray("not valid JSON");
        QTest::newRow("array body") << QByteArray("POST") << QByteArray("/v1/chat/completions") << json
                                    << QByteArray("[1,2]") << 400 << QByteArray("invalid_body") << QByteArray("object");
        QTest::newRow("string body") << QByteArray("POST") << QByteArray("/v1/completions") << json
                                     << QByteArray("\"hello\"") << 400 << QByteArray("invalid_body") << QByteArray("object");
        QTest::newRow("empty body") << QByteArray("POST") << QByteArray("/v1/chat/completions") << json << QByteArray()
                                    << 400 << QByteArray("invalid_json") << QByteArray("empty");
        QTest::newRow("wrong content type") << QByteArray("POST") << QByteArray("/v1/chat/completions")
                                            << QByteArray("text/plain") << chatBody("code_completions") << 415
                                            << QByteArray("unsupported_media_type") << QByteArray("text/plain");
        QTest::newRow("form content type") << QByteArray("POST") << QByteArray("/v1/chat/completions")
                                           << QByteArray("application/x-www-form-urlencoded") << chatBody("code_completions")
                                           << 415 << QByteArray("unsupported_media_type") << QByteArray("application/json");
        QTest::newRow("missing model") << QByteArray("POST") << QByteArray("/v1/chat/completions") << json
                                       << QByteArray("{\"messages\":[]}") << 400 << QByteArray("missing_field")
                                       << QByteArray("\"model\"");
        QTest::newRow("model not a string") << QByteArray("POST") << QByteArray("/v1/chat/completions") << json
                                            << QByteArray("{\"model\":42}") << 400 << QByteArray("invalid_type")
                                            << QByteArray("\"model\"");
        QTest::newRow("duplicate model") << QByteArray("POST") << QByteArray("/v1/chat/completions") << json
                                         << QByteArray("{\"model\":\"fake\",\"model\":\"other\"}") << 400
                                         << QByteArray("duplicate_field") << QByteArray("\"model\"");
        QTest::newRow("stream not bool") << QByteArray("POST") << QByteArray("/v1/chat/completions") << json
                                         << QByteArray("{\"model\":\"fake\",\"stream\":\"yes\"}") << 400
                                         << QByteArray("invalid_type") << QByteArray("\"stream\"");
        QTest::newRow("invalid utf-8") << QByteArray("POST") << QByteArray("/v1/chat/completions") << json
                                       << QByteArray("{\"model\":\"fake\",\"x\":\"\xc3\x28\"}") << 400
                                       << QByteArray("invalid_utf8") << QByteArray("UTF-8");
        QTest::newRow("unknown path") << QByteArray("POST") << QByteArray("/v1/embeddingz") << json << QByteArray("{}")
                                      << 404 << QByteArray("not_found") << QByteArray("/v1/embeddingz");
        QTest::newRow("wrong method") << QByteArray("GET") << QByteArray("/v1/chat/completions") << QByteArray()
                                      << QByteArray() << 405 << QByteArray("method_not_allowed") << QByteArray("POST");
    }
    void badInput()
    {
        QFETCH(QByteArray, method);
        QFETCH(QByteArray, path);
        QFETCH(QByteArray, contentType);
        QFETCH(QByteArray, body);
        QFETCH(int, status);
        QFETCH(QByteArray, code);
        QFETCH(QByteArray, mention);
        HttpRequest request;
        request.method = method;
        request.path = path;
        request.body = body;
        if (!contentType.isEmpty())
            request.headers.append({"Content-Type", contentType});
        const HttpResponse r = TestHttpClient::fetch(m_gw->port(), request);
        verifyError(r, status, code.constData(), mention.constData());
        if (status == 405)
            QCOMPARE(r.header("allow"), QByteArray("POST"));
        QCOMPARE(m_fake->requestCount(), 0);
    }

    void clientLeavingBeforeAnswerAbortsUpstream()
    {
        m_fake->setDefaultBehavior(FakeBehavior::hang());
        TestHttpClient client(m_gw->port());
        client.sendRequest(HttpRequest::post("/v1/chat/completions", chatBody("code_completions")));
        QVERIFY(m_fake->waitForInFlight(1));
        client.abort();
        const TimePoint left = client.abortedAt();
        QVERIFY(m_fake->waitForAborts(1, 10000)); // a wait: the fallback timeouts are 30 s
        const double ms = msBetween(left, m_fake->abortedRequests().at(0).abortedAt);
        QVERIFY2(reportLatency("client left to upstream aborted", ms),
                 qPrintable(QStringLiteral("upstream aborted %1 ms before the client left").arg(-ms)));
    }

    void clientLeavingMidStreamAbortsUpstream()
    {
        m_fake->setDefaultBehavior(FakeBehavior::answer(200, 50));
        TestHttpClient client(m_gw->port());
        client.sendRequest(HttpRequest::post("/v1/chat/completions", chatBody("code_completions", true)));
        QVERIFY(client.waitForEvents(2, 5000));
        client.abort();
        const TimePoint left = client.abortedAt();
        QVERIFY(m_fake->waitForAborts(1, 10000)); // a wait: the fallback timeouts are 30 s
        const AbortedRequest abort = m_fake->abortedRequests().at(0);
        QCOMPARE(abort.phase, AbortedRequest::Phase::MidBody);
        QVERIFY(abort.chunksSent < 50); // it stopped long before the 200 chunks
        const double ms = msBetween(left, abort.abortedAt);
        QVERIFY2(reportLatency("client left to upstream aborted", ms),
                 qPrintable(QStringLiteral("upstream aborted %1 ms before the client left").arg(-ms)));
    }

    void twoHundredFiftySixStreamsToOneServerRunAtOnce()
    {
        FakeBehavior held = FakeBehavior::answer(3, 0);
        held.holdUntilReleased = true;
        m_fake->setDefaultBehavior(held);
        auto clients = TestHttpClient::launch(
            m_gw->port(), 256, HttpRequest::post("/v1/chat/completions", chatBody("code_completions", true)));
        // Every one of them is at the model server at the same time: no per-host cap of 6 (or any other).
        QVERIFY2(m_fake->waitForInFlight(256, 20000), qPrintable(QString::number(m_fake->inFlight())));
        QCOMPARE(m_fake->maxConcurrent(), 256);
        QCOMPARE(m_fake->releaseHeld(), 256);
        QVERIFY(waitUntil(
            [&] {
                return std::all_of(clients.begin(), clients.end(),
                                   [](const auto &c) { return c->completedResponses() == 1; });
            },
            20000));
        for (const auto &c : clients) {
            QCOMPARE(c->responses().at(0).status, 200);
            QVERIFY(c->responses().at(0).sawDone());
        }
    }

    void endpointConcurrencyCapIsTheLimit()
    {
        m_gw->apply(m_gw->standardConfig(m_fake->baseUrl(), 3));
        FakeBehavior held = FakeBehavior::answer(1, 0);
        held.holdUntilReleased = true;
        m_fake->setDefaultBehavior(held);
        auto clients = TestHttpClient::launch(m_gw->port(), 8,
                                              HttpRequest::post("/v1/chat/completions", chatBody("code_completions")));
        QVERIFY(m_fake->waitForInFlight(3));
        spinFor(200); // the others queue in the gateway, not at the model server
        QCOMPARE(m_fake->inFlight(), 3);
        QVERIFY(waitUntil(
            [&] {
                m_fake->releaseHeld();
                return std::all_of(clients.begin(), clients.end(),
                                   [](const auto &c) { return c->completedResponses() == 1; });
            },
            20000));
        QCOMPARE(m_fake->maxConcurrent(), 3);
        for (const auto &c : clients)
            QCOMPARE(c->responses().at(0).status, 200);
    }

    // Issue 4, item 7: past the cap, the bounded queue refuses at once when full and gives up after the
    // queue timeout; both answer 503 endpoint_busy naming the endpoint, with Retry-After.
    void endpointBusyAnswers503WithRetryAfter()
    {
        ServerLimits limits;
        limits.maxQueuedPerEndpoint = 1;
        limits.queueTimeoutMs = 1500;
        m_gw.reset();
        m_gw = std::make_unique<GatewayFixture>(limits);
        m_gw->apply(m_gw->standardConfig(m_fake->baseUrl(), 1));
        FakeBehavior held = FakeBehavior::answer(1, 0);
        held.holdUntilReleased = true;
        m_fake->setDefaultBehavior(held);
        const HttpRequest request = HttpRequest::post("/v1/chat/completions", chatBody("code_completions"));

        TestHttpClient running(m_gw->port()); // holds the endpoint's one slot
        running.sendRequest(request);
        QVERIFY(m_fake->waitForInFlight(1));
        TestHttpClient waiting(m_gw->port()); // takes the queue's one place
        QElapsedTimer waited;
        waited.start();
        waiting.sendRequest(request);
        spinFor(200);
        QCOMPARE(waiting.completedResponses(), 0);

        // Queue full: refused at once, while the queued one still waits.
        const HttpResponse full = post("/v1/chat/completions", chatBody("code_completions"));
        verifyError(full, 503, "endpoint_busy", "\"fake\"");
        QVERIFY2(full.header("retry-after").toInt() >= 1, full.header("retry-after").constData());
        QCOMPARE(waiting.completedResponses(), 0);

        // Queue timeout: the queued one gives up after queueTimeoutMs.
        QVERIFY(waiting.waitForResponses(1, 10000));
        QVERIFY2(waited.elapsed() >= limits.queueTimeoutMs - 100, qPrintable(QString::number(waited.elapsed())));
        const HttpResponse timedOut = waiting.responses().at(0);
        verifyError(timedOut, 503, "endpoint_busy", "\"fake\"");
        QVERIFY2(timedOut.header("retry-after").toInt() >= 1, timedOut.header("retry-after").constData());

        // Neither reached the model; the running request is unaffected.
        QCOMPARE(m_fake->requestCount(), 1);
        m_fake->releaseHeld();
        QVERIFY(running.waitForResponses(1, 10000));
        QCOMPARE(running.responses().at(0).status, 200);
    }

    void configChangeAppliesToNewRequests()
    {
        QCOMPARE(post("/v1/chat/completions", chatBody("code_completions")).status, 200);
        GatewayConfig config = m_gw->standardConfig(m_fake->baseUrl());
        config.features.insert(QStringLiteral("code_completions"), QString(kDisabled));
        m_gw->apply(config);
        verifyError(post("/v1/chat/completions", chatBody("code_completions")), 403, "feature_disabled",
                    "code_completions");
    }

    void keepAliveReusesUpstreamConnections()
    {
        TestHttpClient client(m_gw->port());
        for (int i = 0; i < 5; ++i) {
            const HttpResponse r = client.request(HttpRequest::post("/v1/chat/completions", chatBody("code_completions")));
            QCOMPARE(r.status, 200);
        }
        // One client connection is served by one worker, which keeps its upstream connection alive.
        QCOMPARE(m_fake->connectionCount(), 1);
    }
};

QTEST_MAIN(tst_OpenAiProxy)
#include "tst_openaiproxy.moc"
