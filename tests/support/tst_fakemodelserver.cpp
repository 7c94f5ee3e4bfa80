// The test-support library tested against itself: FakeModelServer answered by TestHttpClient, and the
// client's parser fed hand-written bytes.
#include "fakemodelserver.h"
#include "testhttpclient.h"
#include "testtiming.h"

#include <QtCore/QJsonArray>
#include <QtCore/QTimer>
#include <QtNetwork/QTcpServer>
#include <QtNetwork/QTcpSocket>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

using namespace airlock::test;

namespace {

HttpRequest chatRequest(bool stream, const QString &model = QStringLiteral("m-1"))
{
    const QJsonObject body {
        { QStringLiteral("model"), model },
        { QStringLiteral("stream"), stream },
        { QStringLiteral("messages"),
            QJsonArray { QJsonObject { { QStringLiteral("role"), QStringLiteral("user") },
                { QStringLiteral("content"), QStringLiteral("write a loop please") } } } },
    };
    return HttpRequest::postJson("/v1/chat/completions", body);
}

HttpRequest completionRequest(bool stream)
{
    const QJsonObject body { { QStringLiteral("model"), QStringLiteral("m-2") },
        { QStringLiteral("stream"), stream },
        { QStringLiteral("prompt"), QStringLiteral("def add(a, b):") } };
    return HttpRequest::postJson("/v1/completions", body);
}

// A bare TCP server that answers the first request bytes with scripted writes, each after a delay:
// for feeding the client's parser exact byte boundaries.
class ScriptedTcpServer : public QObject {
public:
    struct Step {
        int delayMs;
        QByteArray bytes; // empty: close the connection
    };

    explicit ScriptedTcpServer(QList<Step> steps) : m_steps(std::move(steps))
    {
        m_server.listen(QHostAddress::LocalHost, 0);
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            QTcpSocket *socket = m_server.nextPendingConnection();
            socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
            connect(socket, &QTcpSocket::readyRead, socket, [this, socket] {
                socket->readAll();
                if (!m_started) {
                    m_started = true;
                    play(socket, 0);
                }
            });
        });
    }
    quint16 port() const { return m_server.serverPort(); }

private:
    void play(QTcpSocket *socket, int index)
    {
        if (index >= m_steps.size())
            return;
        QTimer::singleShot(m_steps.at(index).delayMs, Qt::PreciseTimer, socket, [this, socket, index] {
            const QByteArray &bytes = m_steps.at(index).bytes;
            if (bytes.isEmpty()) {
                socket->disconnectFromHost();
                return;
            }
            socket->write(bytes);
            socket->flush();
            play(socket, index + 1);
        });
    }

    QTcpServer m_server;
    QList<Step> m_steps;
    bool m_started = false;
};

} // namespace

class TestFakeModelServer : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void listensOnLoopback();
    void nonStream_data();
    void nonStream();
    void modelsAndUnknownRoute();
    void healthAndVersionRoutes();
    void healthRouteOutcomes();
    void streamChunkTiming();
    void completionStream();
    void scriptedQueueAndSelector();
    void errorInjection_data();
    void errorInjection();
    void hangUntilClientLeaves();
    void abortDuringLatency();
    void abortMidStream();
    void closeMidStream();
    void connectionCloseHonoured();
    void keepAliveTwoRequests();
    void pipelinedRequests();
    void twoResponsesInOneRead();
    void chunkedParsingAcrossReads();
    void closeDelimitedBody();
    void connectionRefused();
    void concurrentStreams300();
};

void TestFakeModelServer::listensOnLoopback()
{
    FakeModelServer server;
    QVERIFY(server.isListening());
    QVERIFY(server.port() != 0);
    QCOMPARE(server.baseUrl().toString(), QStringLiteral("http://127.0.0.1:%1/v1").arg(server.port()));
}

void TestFakeModelServer::nonStream_data()
{
    QTest::addColumn<bool>("chat");
    QTest::newRow("chat completions") << true;
    QTest::newRow("completions") << false;
}

void TestFakeModelServer::nonStream()
{
    QFETCH(bool, chat);
    FakeModelServer server;
    server.setDefaultBehavior(FakeBehavior::answer(4));
    TestHttpClient client(server.port());

    HttpRequest request = chat ? chatRequest(false) : completionRequest(false);
    request.withBearer("secret-key").withHeader("X-Trace", "abc");
    const HttpResponse response = client.request(request);

    QVERIFY(response.complete);
    QCOMPARE(response.status, 200);
    QCOMPARE(response.framing, HttpResponse::Framing::ContentLength);
    QCOMPARE(response.header("content-type"), QByteArray("application/json"));
    const QJsonObject json = response.json();
    QCOMPARE(json.value(QStringLiteral("object")).toString(),
        chat ? QStringLiteral("chat.completion") : QStringLiteral("text_completion"));
    QCOMPARE(
        json.value(QStringLiteral("model")).toString(), chat ? QStringLiteral("m-1") : QStringLiteral("m-2"));
    QVERIFY(!json.value(QStringLiteral("id")).toString().isEmpty());
    QVERIFY(json.value(QStringLiteral("created")).toInteger() > 0);
    const QJsonObject choice = json.value(QStringLiteral("choices")).toArray().at(0).toObject();
    const QString text = chat
        ? choice.value(QStringLiteral("message")).toObject().value(QStringLiteral("content")).toString()
        : choice.value(QStringLiteral("text")).toString();
    QCOMPARE(text, QStringLiteral("tok0 tok1 tok2 tok3 "));
    QCOMPARE(choice.value(QStringLiteral("finish_reason")).toString(), QStringLiteral("stop"));
    QCOMPARE(
        json.value(QStringLiteral("usage")).toObject().value(QStringLiteral("completion_tokens")).toInt(), 4);

    QCOMPARE(server.requestCount(), 1);
    const RecordedRequest recorded = server.lastRequest();
    QCOMPARE(recorded.method, QByteArray("POST"));
    QCOMPARE(
        recorded.path, chat ? QStringLiteral("/v1/chat/completions") : QStringLiteral("/v1/completions"));
    QCOMPARE(recorded.header("authorization"), QByteArray("Bearer secret-key"));
    QCOMPARE(recorded.header("x-trace"), QByteArray("abc"));
    QCOMPARE(recorded.body, request.body);
    QVERIFY(!recorded.stream);
    QCOMPARE(server.completedCount(), 1);
    QCOMPARE(server.inFlight(), 0);
    QCOMPARE(server.maxConcurrent(), 1);
    QCOMPARE(server.abortCount(), 0);
}

void TestFakeModelServer::modelsAndUnknownRoute()
{
    FakeModelServer server;
    server.setModels({ QStringLiteral("codestral-22b"), QStringLiteral("llama-3-8b") });
    TestHttpClient client(server.port());

    const HttpResponse models = client.request(HttpRequest::get("/v1/models"));
    QCOMPARE(models.status, 200);
    const QJsonArray data = models.json().value(QStringLiteral("data")).toArray();
    QCOMPARE(data.size(), 2);
    QCOMPARE(data.at(1).toObject().value(QStringLiteral("id")).toString(), QStringLiteral("llama-3-8b"));

    const HttpResponse missing = client.request(HttpRequest::get("/v1/nothing?x=1"));
    QCOMPARE(missing.status, 404);
    QVERIFY(missing.json().contains(QStringLiteral("error")));
    QCOMPARE(server.requestCount(), 2);
    QCOMPARE(server.lastRequest().path, QStringLiteral("/v1/nothing"));
    QCOMPARE(server.lastRequest().query, QStringLiteral("x=1"));

    server.setModelsBehavior(FakeBehavior::error(503));
    QCOMPARE(client.request(HttpRequest::get("/v1/models")).status, 503);

    const HttpResponse badJson = client.request(HttpRequest::post("/v1/chat/completions", "{not json"));
    QCOMPARE(badJson.status, 400);
}

void TestFakeModelServer::healthAndVersionRoutes()
{
    FakeModelServer server;
    TestHttpClient client(server.port());

    const HttpResponse health = client.request(HttpRequest::get("/health").withBearer("sk-probe"));
    QCOMPARE(health.status, 200);
    QCOMPARE(health.body, QByteArray("{}"));
    const HttpResponse version = client.request(HttpRequest::get("/api/version"));
    QCOMPARE(version.status, 200);
    QCOMPARE(version.json().value(QStringLiteral("version")).toString(), QStringLiteral("0.1.0"));
    QCOMPARE(client.request(HttpRequest::get("/health")).status, 200);

    // Recorded like every other request, and countable per path.
    QCOMPARE(server.requestCount(), 3);
    QCOMPARE(server.requestCount(QStringLiteral("/health")), 2);
    QCOMPARE(server.requestCount(QStringLiteral("/api/version")), 1);
    QCOMPARE(server.requestCount(QStringLiteral("/v1/models")), 0);
    QCOMPARE(server.requests().at(0).method, QByteArray("GET"));
    QCOMPARE(server.requests().at(0).header("authorization"), QByteArray("Bearer sk-probe"));
    QCOMPARE(server.completedCount(), 3);

    // The completion queue does not apply to them.
    server.enqueue(FakeBehavior::error(500));
    QCOMPARE(client.request(HttpRequest::get("/health")).status, 200);
    QCOMPARE(server.queuedBehaviors(), 1);

    // The gateway's probes (User-Agent "airlock-probe/...") are answered alike but recorded apart: the
    // traffic records and counters stay as they were.
    server.resetRecords();
    QCOMPARE(client.request(HttpRequest::get("/health").withHeader("User-Agent", "airlock-probe/9.9")).status, 200);
    QCOMPARE(client.request(HttpRequest::get("/v1/models").withHeader("User-Agent", "airlock-probe/9.9")).status, 200);
    QCOMPARE(client.request(HttpRequest::get("/health").withHeader("User-Agent", "curl/8.0")).status, 200);
    QCOMPARE(server.probeCount(), 2);
    QCOMPARE(server.probeCount(QStringLiteral("/health")), 1);
    QCOMPARE(server.probeCount(QStringLiteral("/v1/models")), 1);
    QVERIFY(server.probeRequests().at(0).probe);
    QCOMPARE(server.requestCount(), 1);
    QCOMPARE(server.lastRequest().header("User-Agent"), QByteArray("curl/8.0"));
    QVERIFY(!server.lastRequest().probe);
    QCOMPARE(server.completedCount(), 1);
    QCOMPARE(server.inFlight(), 0);
    server.resetRecords();
    QCOMPARE(server.probeCount(), 0);
}

void TestFakeModelServer::healthRouteOutcomes()
{
    FakeModelServer server;
    TestHttpClient client(server.port());

    const QByteArray loading = R"({"error":{"code":503,"message":"Loading model","type":"unavailable_error"}})";
    server.setHealthBehavior(FakeBehavior::reply(503, loading));
    QCOMPARE(server.healthBehavior().errorStatus, 503);
    const HttpResponse health = client.request(HttpRequest::get("/health"));
    QCOMPARE(health.status, 503);
    QCOMPARE(health.body, loading);

    server.setVersionBehavior(FakeBehavior::reply(200, R"({"version":"0.5.7"})"));
    const HttpResponse version = client.request(HttpRequest::get("/api/version"));
    QCOMPARE(version.json().value(QStringLiteral("version")).toString(), QStringLiteral("0.5.7"));
    server.setVersionBehavior(FakeBehavior::error(500));
    QCOMPARE(client.request(HttpRequest::get("/api/version")).status, 500);

    // A hanging health route: only the client leaving ends it, recorded as an abort.
    server.setHealthBehavior(FakeBehavior::hang());
    TestHttpClient hanging(server.port());
    hanging.sendRequest(HttpRequest::get("/health"));
    QVERIFY(server.waitForInFlight(1));
    hanging.abort();
    QVERIFY(server.waitForAborts(1));
    QCOMPARE(server.abortedRequests().at(0).path, QStringLiteral("/health"));

    server.setHealthBehavior(FakeBehavior::closeWithoutAnswer());
    const HttpResponse closed = TestHttpClient::fetch(server.port(), HttpRequest::get("/health"));
    QCOMPARE(closed.status, 0);
    QCOMPARE(server.requestCount(QStringLiteral("/health")), 3);
}

void TestFakeModelServer::streamChunkTiming()
{
    FakeModelServer server;
    FakeBehavior behavior = FakeBehavior::answer(5, 80, 60);
    behavior.chunkTexts = { QStringLiteral("for "), QStringLiteral("i "), QStringLiteral("in "),
        QStringLiteral("range"), QStringLiteral("(10):") };
    server.setDefaultBehavior(behavior);
    TestHttpClient client(server.port());
    QVERIFY(client.waitForConnected());

    const HttpResponse response = client.request(chatRequest(true));
    QVERIFY(response.complete);
    QCOMPARE(response.status, 200);
    QCOMPARE(response.framing, HttpResponse::Framing::Chunked);
    QCOMPARE(response.header("content-type"), QByteArray("text/event-stream"));
    QVERIFY(server.lastRequest().stream);

    // 5 data events + [DONE], each in its own HTTP chunk.
    QCOMPARE(response.events.size(), 6);
    QCOMPARE(response.pieces.size(), 6);
    QCOMPARE(response.dataEventCount(), 5);
    QVERIFY(response.sawDone());
    QVERIFY(response.events.last().isDone());
    QCOMPARE(response.streamedText(), QStringLiteral("for i in range(10):"));
    const QJsonObject first = response.events.first().json();
    QCOMPARE(first.value(QStringLiteral("object")).toString(), QStringLiteral("chat.completion.chunk"));
    QCOMPARE(first.value(QStringLiteral("model")).toString(), QStringLiteral("m-1"));

    // Latency before the head, then chunks as sent: ~80 ms apart, not buffered into one read.
    const double headMs = msBetween(response.sentAt, response.headAt);
    QVERIFY2(headMs >= 55, qPrintable(QStringLiteral("head after %1 ms").arg(headMs)));
    for (int i = 1; i < 5; ++i) {
        const double gap = msBetween(response.events.at(i - 1).at, response.events.at(i).at);
        QVERIFY2(gap >= 60 && gap < 300, qPrintable(QStringLiteral("gap %1: %2 ms").arg(i).arg(gap)));
    }
    QCOMPARE(server.abortCount(), 0);
}

void TestFakeModelServer::completionStream()
{
    FakeModelServer server;
    server.setDefaultBehavior(FakeBehavior::answer(3));
    const HttpResponse response = TestHttpClient::fetch(server.port(), completionRequest(true));
    QVERIFY(response.complete);
    QCOMPARE(response.dataEventCount(), 3);
    QCOMPARE(response.events.first().json().value(QStringLiteral("object")).toString(),
        QStringLiteral("text_completion"));
    QCOMPARE(response.streamedText(), QStringLiteral("tok0 tok1 tok2 "));
}

void TestFakeModelServer::scriptedQueueAndSelector()
{
    FakeModelServer server;
    server.enqueue(FakeBehavior::error(429));
    server.enqueue(FakeBehavior::answer(1));
    server.setBehaviorSelector([](const RecordedRequest &request) {
        return request.model == QStringLiteral("broken") ? FakeBehavior::error(500) : FakeBehavior::answer(2);
    });
    TestHttpClient client(server.port());
    QCOMPARE(client.request(chatRequest(false)).status, 429);
    QCOMPARE(client.request(chatRequest(false))
                 .json()
                 .value(QStringLiteral("usage"))
                 .toObject()
                 .value(QStringLiteral("completion_tokens"))
                 .toInt(),
        1);
    QCOMPARE(server.queuedBehaviors(), 0);
    QCOMPARE(client.request(chatRequest(false, QStringLiteral("broken"))).status, 500);
    QCOMPARE(client.request(chatRequest(false, QStringLiteral("fine"))).status, 200);
}

void TestFakeModelServer::errorInjection_data()
{
    QTest::addColumn<FakeBehavior>("behavior");
    QTest::addColumn<int>("status"); // 0: no response
    QTest::addColumn<bool>("serverClosed");

    FakeBehavior limited = FakeBehavior::error(429, R"({"error":{"message":"slow down"}})");
    limited.extraHeaders = { { "Retry-After", "2" } };
    QTest::newRow("500 default body") << FakeBehavior::error(500) << 500 << false;
    QTest::newRow("429 with Retry-After") << limited << 429 << false;
    QTest::newRow("599 unusual status") << FakeBehavior::error(599, "oops") << 599 << false;
    QTest::newRow("close without answer") << FakeBehavior::closeWithoutAnswer() << 0 << true;
    QTest::newRow("close after latency") << FakeBehavior::closeWithoutAnswer(50) << 0 << true;
    QTest::newRow("reset without answer") << FakeBehavior::resetWithoutAnswer() << 0 << true;
}

void TestFakeModelServer::errorInjection()
{
    QFETCH(FakeBehavior, behavior);
    QFETCH(int, status);
    QFETCH(bool, serverClosed);

    FakeModelServer server;
    server.enqueue(behavior);
    TestHttpClient client(server.port());
    const HttpResponse response = client.request(chatRequest(true), 3000);

    QCOMPARE(response.status, status);
    if (status != 0) {
        QVERIFY(response.complete);
        QCOMPARE(response.framing, HttpResponse::Framing::ContentLength);
        if (status != 599)
            QVERIFY(response.json().contains(QStringLiteral("error")));
        else
            QCOMPARE(response.body, QByteArray("oops"));
        if (status == 429) {
            QCOMPARE(response.header("retry-after"), QByteArray("2"));
            QCOMPARE(
                response.json().value(QStringLiteral("error")).toObject().value(QStringLiteral("message")),
                QStringLiteral("slow down"));
        }
    } else {
        QVERIFY(!response.complete);
    }
    if (serverClosed)
        QVERIFY(client.waitForClosed(2000));
    QCOMPARE(client.serverClosed(), serverClosed);
    QVERIFY(server.waitForIdle());
    QCOMPARE(server.abortCount(), 0); // the server ended these, not the client
    QCOMPARE(server.requestCount(), 1);
}

void TestFakeModelServer::hangUntilClientLeaves()
{
    FakeModelServer server;
    server.setDefaultBehavior(FakeBehavior::hang());
    TestHttpClient client(server.port());
    client.sendRequest(chatRequest(true));
    QVERIFY(server.waitForRequests(1));
    QVERIFY(!client.waitForHead(300)); // nothing comes
    QCOMPARE(server.inFlight(), 1);

    client.abort();
    QVERIFY(server.waitForAborts(1, 10000));
    const AbortedRequest abort = server.abortedRequests().first();
    QCOMPARE(abort.phase, AbortedRequest::Phase::BeforeHead);
    QVERIFY(abort.msAfterArrival >= 250);
    QVERIFY(reportLatency("client abort to server detection", msBetween(client.abortedAt(), abort.abortedAt)));
    QCOMPARE(server.inFlight(), 0);
}

void TestFakeModelServer::abortDuringLatency()
{
    FakeModelServer server;
    server.setDefaultBehavior(FakeBehavior::answer(3, 0, 10000));
    QSignalSpy aborted(&server, &FakeModelServer::requestAborted);
    TestHttpClient client(server.port());
    client.sendRequest(chatRequest(false));
    QVERIFY(server.waitForRequests(1));
    client.close(); // graceful close counts as leaving too
    QVERIFY(server.waitForAborts(1, 10000));
    QCOMPARE(aborted.size(), 1);
    const auto abort = aborted.first().first().value<AbortedRequest>();
    QCOMPARE(abort.phase, AbortedRequest::Phase::BeforeHead);
    QCOMPARE(abort.requestId, server.lastRequest().id);
    QCOMPARE(abort.chunksSent, 0);
}

void TestFakeModelServer::abortMidStream()
{
    FakeModelServer server;
    server.setDefaultBehavior(FakeBehavior::answer(50, 40));
    TestHttpClient client(server.port());
    client.sendRequest(chatRequest(true));
    QVERIFY(client.waitForEvents(3));
    client.abort();
    QVERIFY(client.currentResponse()->truncated);
    QVERIFY(!client.serverClosed());

    QVERIFY(server.waitForAborts(1, 10000));
    const AbortedRequest abort = server.abortedRequests().first();
    QCOMPARE(abort.phase, AbortedRequest::Phase::MidBody);
    QVERIFY(abort.chunksSent >= 3);
    QVERIFY(abort.chunksSent < 50);
    const double detectMs = msBetween(client.abortedAt(), abort.abortedAt);
    QVERIFY2(reportLatency("client abort mid-stream to server detection", detectMs), qPrintable(QString::number(detectMs)));
    QCOMPARE(server.inFlight(), 0);
    QCOMPARE(server.completedCount(), 0);
}

void TestFakeModelServer::closeMidStream()
{
    FakeModelServer server;
    server.enqueue(FakeBehavior::closeMidStream(2, 10));
    TestHttpClient client(server.port());
    const HttpResponse response = client.request(chatRequest(true), 3000);
    QVERIFY(!response.complete);
    QVERIFY(response.truncated);
    QCOMPARE(response.status, 200);
    QCOMPARE(response.dataEventCount(), 2);
    QVERIFY(!response.sawDone());
    QVERIFY(client.serverClosed());
    QCOMPARE(server.abortCount(), 0);
    QVERIFY(server.waitForIdle());
}

void TestFakeModelServer::connectionCloseHonoured()
{
    FakeModelServer server;
    TestHttpClient client(server.port());
    HttpRequest request = chatRequest(false);
    request.withHeader("Connection", "close");
    const HttpResponse response = client.request(request);
    QVERIFY(response.complete);
    QCOMPARE(response.header("connection"), QByteArray("close"));
    QVERIFY(client.waitForClosed(2000));
    QVERIFY(client.serverClosed());
}

void TestFakeModelServer::keepAliveTwoRequests()
{
    FakeModelServer server;
    server.setDefaultBehavior(FakeBehavior::answer(2));
    TestHttpClient client(server.port());
    const HttpResponse first = client.request(chatRequest(false));
    const HttpResponse second = client.request(chatRequest(true));
    const HttpResponse third = client.request(HttpRequest::get("/v1/models"));
    QVERIFY(first.complete);
    QVERIFY(second.complete);
    QVERIFY(third.complete);
    QCOMPARE(second.dataEventCount(), 2);
    QCOMPARE(client.responses().size(), 3);
    QVERIFY(!client.isClosed());

    QCOMPARE(server.requestCount(), 3);
    QCOMPARE(server.connectionCount(), 1);
    QCOMPARE(server.requests().at(0).connectionId, server.requests().at(2).connectionId);
    QCOMPARE(server.requests().at(0).peerPort, client.localPort());
    // The raw bytes really hold three responses on one connection.
    QCOMPARE(client.rawReceived().count("HTTP/1.1 200"), 3);
}

void TestFakeModelServer::pipelinedRequests()
{
    FakeModelServer server;
    TestHttpClient client(server.port());
    QVERIFY(client.waitForConnected());
    const QByteArray host = "127.0.0.1:" + QByteArray::number(server.port());
    client.sendRaw(chatRequest(false).serialize(host) + HttpRequest::get("/v1/models").serialize(host));
    QVERIFY(client.waitForResponses(2, 3000));
    QCOMPARE(client.responses().at(0).json().value(QStringLiteral("object")).toString(),
        QStringLiteral("chat.completion"));
    QCOMPARE(
        client.responses().at(1).json().value(QStringLiteral("object")).toString(), QStringLiteral("list"));
}

void TestFakeModelServer::twoResponsesInOneRead()
{
    FakeModelServer server;
    server.enqueue(FakeBehavior::raw("HTTP/1.1 100 Continue\r\n\r\n"
                                     "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
                                     "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"
                                     "HTTP/1.1 204 No Content\r\n\r\n"
                                     "HTTP/1.1 503 Service Unavailable\r\nTransfer-Encoding: chunked\r\n\r\n"
                                     "3;ext=1\r\nabc\r\n0\r\nX-Trailer: t\r\n\r\n",
        false));
    TestHttpClient client(server.port());
    client.sendRequest(chatRequest(false));
    QVERIFY(client.waitForResponses(4));
    const auto &r = client.responses();
    QCOMPARE(r.size(), 4); // the 100 Continue is skipped
    QCOMPARE(r.at(0).status, 200);
    QCOMPARE(r.at(0).body, QByteArray("hello"));
    QCOMPARE(r.at(1).status, 201);
    QCOMPARE(r.at(1).body, QByteArray());
    QCOMPARE(r.at(2).status, 204);
    QCOMPARE(r.at(3).status, 503);
    QCOMPARE(r.at(3).reason, QByteArray("Service Unavailable"));
    QCOMPARE(r.at(3).body, QByteArray("abc"));
    QCOMPARE(r.at(3).trailers.value(0).second, QByteArray("t"));
    QVERIFY(!client.isClosed());
}

void TestFakeModelServer::chunkedParsingAcrossReads()
{
    // Chunk boundaries deliberately misaligned with the writes; one SSE event split over two chunks.
    ScriptedTcpServer server({
        { 0, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n" },
        { 30, "e\r\ndata: {\"a\":1" },
        { 30, "}\n\r\n7\r\n\n: hi\r\n\r\n" },
        { 30, "f\r\nevent: x\ndata: " },
        { 30, "\r\n3\r\n2\r\n\r\n8\r\ndata: 3\n\r\n" },
        { 30, "1\r\n\n\r\n0\r\n\r\n" },
    });
    TestHttpClient client(server.port());
    const HttpResponse response = client.request(HttpRequest::get("/stream"), 5000);
    QVERIFY2(response.complete, response.parseError.constData());
    QCOMPARE(response.framing, HttpResponse::Framing::Chunked);
    QCOMPARE(response.body, QByteArray("data: {\"a\":1}\n\n: hi\r\nevent: x\ndata: 2\r\ndata: 3\n\n"));
    QCOMPARE(response.pieces.size(), 6); // one per chunk
    QCOMPARE(response.events.size(), 2);
    QCOMPARE(response.events.at(0).json().value(QStringLiteral("a")).toInt(), 1);
    QCOMPARE(response.events.at(1).event, QByteArray("x"));
    QCOMPARE(response.events.at(1).data, QByteArray("2\n3"));
    QVERIFY(msBetween(response.events.at(0).at, response.events.at(1).at) >= 40);
}

void TestFakeModelServer::closeDelimitedBody()
{
    ScriptedTcpServer server({
        { 0, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nfirst " },
        { 20, "second" },
        { 10, QByteArray() },
    });
    TestHttpClient client(server.port());
    const HttpResponse response = client.request(HttpRequest::get("/"), 5000);
    QVERIFY(response.complete);
    QCOMPARE(response.framing, HttpResponse::Framing::CloseDelimited);
    QCOMPARE(response.body, QByteArray("first second"));
    QCOMPARE(response.pieces.size(), 2);
    QVERIFY(client.serverClosed());
}

void TestFakeModelServer::connectionRefused()
{
    quint16 port = 0;
    {
        QTcpServer probe;
        QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
        port = probe.serverPort();
    }
    TestHttpClient client(port);
    const HttpResponse response = client.request(HttpRequest::get("/"), 3000);
    QCOMPARE(response.status, 0);
    QVERIFY(client.isClosed());
    QVERIFY(client.connectionFailed());
    QCOMPARE(client.socketError(), QAbstractSocket::ConnectionRefusedError);
}

void TestFakeModelServer::concurrentStreams300()
{
    constexpr int count = 300;
    FakeModelServer server;
    FakeBehavior behavior = FakeBehavior::answer(3, 10);
    behavior.holdUntilReleased = true; // all 300 in flight at once, however slow the machine
    server.setDefaultBehavior(behavior);

    auto clients = TestHttpClient::launch(server.port(), count, chatRequest(true));
    QVERIFY2(server.waitForInFlight(count, 30000), qPrintable(QString::number(server.inFlight())));
    QCOMPARE(server.heldCount(), count);
    QCOMPARE(server.releaseHeld(), count);

    const bool done = waitUntil(
        [&] {
            return std::all_of(
                clients.cbegin(), clients.cend(), [](const auto &c) { return c->completedResponses() == 1; });
        },
        30000);
    QVERIFY(done);
    for (const auto &c : clients) {
        const HttpResponse &r = c->responses().first();
        QCOMPARE(r.status, 200);
        QCOMPARE(r.dataEventCount(), 3);
        QVERIFY(r.sawDone());
    }
    QCOMPARE(server.maxConcurrent(), count);
    QCOMPARE(server.connectionCount(), count);
    QCOMPARE(server.completedCount(), count);
    QCOMPARE(server.abortCount(), 0);
    QVERIFY(server.waitForIdle());
}

QTEST_GUILESS_MAIN(TestFakeModelServer)
#include "tst_fakemodelserver.moc"
