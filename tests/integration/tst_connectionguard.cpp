// The gaps of Qt HttpServer 6.4 that ConnectionGuard closes, each seen through a real socket against a
// running gateway: size limits, slow and idle connections, pipelining, Connection: close, HTTP/1.0,
// clients that leave.

#include "gatewayfixture.h"

#include <QJsonObject>
#include <QTcpSocket>

using namespace airlock;
using namespace airlock::test;

namespace {

ServerLimits testLimits()
{
    ServerLimits limits;
    limits.maxRequestBytes = 4096;
    limits.maxHeaderBytes = 2048;
    limits.headerTimeoutMs = 400;
    limits.keepAliveTimeoutMs = 500;
    return limits;
}

QByteArray rawPost(const QByteArray &body, const QByteArray &extraHeaders = {})
{
    return "POST /v1/chat/completions HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: "
        + QByteArray::number(body.size()) + "\r\n" + extraHeaders + "\r\n" + body;
}

} // namespace

class tst_ConnectionGuard : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<FakeModelServer> m_fake;
    std::unique_ptr<GatewayFixture> m_gw;

    static void verifyErrorCode(const HttpResponse &r, int status, const char *code)
    {
        QCOMPARE(r.status, status);
        QCOMPARE(r.json().value(QStringLiteral("error")).toObject().value(QStringLiteral("code")).toString(),
                 QLatin1String(code));
    }

private Q_SLOTS:
    void init()
    {
        m_fake = std::make_unique<FakeModelServer>();
        m_gw = std::make_unique<GatewayFixture>(testLimits());
        m_gw->apply(m_gw->standardConfig(m_fake->baseUrl()));
    }
    void cleanup()
    {
        m_gw.reset();
        m_fake.reset();
    }

    void oversizedContentLengthRefusedBeforeTheBody()
    {
        TestHttpClient client(m_gw->port());
        // Only the head: the 413 must come without the gateway waiting for (or buffering) the body.
        client.sendRaw("POST /v1/chat/completions HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                       "Content-Length: 1000000\r\n\r\n");
        QVERIFY(client.waitForResponses(1, 3000));
        verifyErrorCode(client.responses().at(0), 413, "request_too_large");
        QCOMPARE(client.responses().at(0).header("connection"), QByteArray("close"));
        QVERIFY(client.waitForClosed(3000));
        QCOMPARE(m_fake->requestCount(), 0);
    }

    void oversizedBodySentWholeStillGetsTheAnswer()
    {
        // The client writes the whole body before reading: the gateway drains it and the 413 is not lost
        // to a connection reset.
        TestHttpClient client(m_gw->port());
        client.sendRaw(rawPost("{\"model\":\"fake\",\"pad\":\"" + QByteArray(200000, 'x') + "\"}"));
        QVERIFY(client.waitForResponses(1, 5000));
        verifyErrorCode(client.responses().at(0), 413, "request_too_large");
    }

    void oversizedChunkedBodyRefused()
    {
        TestHttpClient client(m_gw->port());
        QByteArray raw = "POST /v1/chat/completions HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                         "Transfer-Encoding: chunked\r\n\r\n";
        for (int i = 0; i < 5; ++i)
            raw += "400\r\n" + QByteArray(1024, ' ') + "\r\n"; // 5 KiB > 4 KiB limit, no terminating chunk
        client.sendRaw(raw);
        QVERIFY(client.waitForResponses(1, 3000));
        verifyErrorCode(client.responses().at(0), 413, "request_too_large");
    }

    void chunkedBodyWithinLimitIsServed()
    {
        const QByteArray body = chatBody("code_completions");
        TestHttpClient client(m_gw->port());
        client.sendRaw("POST /v1/chat/completions HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                       "Transfer-Encoding: chunked\r\n\r\n"
                       + encodeChunked({body.left(10), body.mid(10)}));
        QVERIFY(client.waitForResponses(1, 5000));
        QCOMPARE(client.responses().at(0).status, 200);
        QCOMPARE(m_fake->lastRequest().model, QStringLiteral("served-model"));
    }

    void headerBlockThatNeverEndsIsRefused()
    {
        TestHttpClient client(m_gw->port());
        QByteArray raw = "GET /v1/models HTTP/1.1\r\nHost: t\r\n";
        while (raw.size() < 4096)
            raw += "X-Filler: " + QByteArray(100, 'a') + "\r\n";
        client.sendRaw(raw); // no blank line, ever
        QVERIFY(client.waitForResponses(1, 3000));
        verifyErrorCode(client.responses().at(0), 431, "headers_too_large");
        QVERIFY(client.waitForClosed(3000));
    }

    void halfSentRequestTimesOut()
    {
        TestHttpClient client(m_gw->port());
        client.sendRaw("POST /v1/chat/completions HTTP/1.1\r\nHost: t\r\nContent-Length: 50\r\n\r\n{\"model\":");
        QVERIFY(client.waitForResponses(1, 3000));
        verifyErrorCode(client.responses().at(0), 408, "request_timeout");
        QVERIFY(client.waitForClosed(3000));
    }

    void silentConnectionIsClosed()
    {
        TestHttpClient client(m_gw->port());
        client.connectToServer();
        QVERIFY(client.waitForConnected());
        QVERIFY(client.waitForClosed(3000)); // never sent a byte
    }

    void idleKeepAliveConnectionIsClosed()
    {
        TestHttpClient client(m_gw->port());
        QCOMPARE(client.request(HttpRequest::get("/v1/models")).status, 200);
        QVERIFY(!client.isClosed());
        const TimePoint answered = now();
        QVERIFY(client.waitForClosed(3000));
        QVERIFY(msBetween(answered, client.closedAt()) >= 400); // kept alive for the idle timeout
    }

    void connectionCloseIsHonoured()
    {
        TestHttpClient client(m_gw->port());
        client.sendRequest(HttpRequest::get("/v1/models").withHeader("Connection", "close"));
        QVERIFY(client.waitForResponses(1, 3000));
        QCOMPARE(client.responses().at(0).status, 200);
        QCOMPARE(client.responses().at(0).header("connection"), QByteArray("close"));
        QVERIFY(client.waitForClosed(1000)); // at once, not after the idle timeout
    }

    void http10GetsAnHttp10AnswerAndClose()
    {
        TestHttpClient client(m_gw->port());
        client.sendRaw("GET /v1/models HTTP/1.0\r\n\r\n");
        QVERIFY(client.waitForClosed(3000));
        QCOMPARE(client.responses().size(), 1);
        QCOMPARE(client.responses().at(0).version, QByteArray("HTTP/1.0"));
        QCOMPARE(client.responses().at(0).status, 200);
    }

    void pipelinedRequestsNeverInterleave()
    {
        m_fake->setDefaultBehavior(FakeBehavior::answer(4, 80));
        TestHttpClient client(m_gw->port());
        // A stream and a plain request in one write: the second answer must wait for the whole stream.
        client.sendRaw(rawPost(chatBody("code_completions", true)) + rawPost(chatBody("code_completions"))
                       + "GET /v1/models HTTP/1.1\r\nHost: t\r\n\r\n");
        QVERIFY(client.waitForResponses(3, 10000));
        const auto &responses = client.responses();
        QCOMPARE(responses.at(0).status, 200);
        QVERIFY(responses.at(0).sawDone());
        QCOMPARE(responses.at(0).dataEventCount(), 4);
        QCOMPARE(responses.at(1).status, 200);
        QVERIFY(responses.at(1).json().contains(QStringLiteral("choices")));
        QCOMPARE(responses.at(2).status, 200);
        QVERIFY(responses.at(2).json().contains(QStringLiteral("data")));
        QVERIFY(responses.at(1).headAt >= responses.at(0).finishedAt);
    }

    void bothWaysInKeepTheirOrder()
    {
        // Content-Length requests go straight to the route table; a chunked body still goes through
        // QHttpServer's parser. Mixed in one pipelined write, each gets its own answer, in order.
        const QByteArray body = chatBody("code_completions");
        TestHttpClient client(m_gw->port());
        client.sendRaw("POST /v1/chat/completions HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                       "Transfer-Encoding: chunked\r\n\r\n"
                       + encodeChunked({body.left(10), body.mid(10)}) + rawPost(body)
                       + "GET http://t/v1/mod%65ls?x=%20 HTTP/1.1\r\nHost: t\r\n\r\n"
                       + "GET /v1/nowhere HTTP/1.1\r\nHost: t\r\n\r\n");
        QVERIFY(client.waitForResponses(4, 10000));
        const auto &responses = client.responses();
        QCOMPARE(responses.at(0).status, 200);
        QVERIFY(responses.at(0).json().contains(QStringLiteral("choices")));
        QCOMPARE(responses.at(1).status, 200);
        QVERIFY(responses.at(1).json().contains(QStringLiteral("choices")));
        QCOMPARE(responses.at(2).status, 200); // absolute form, percent-encoded: /v1/models
        QVERIFY(responses.at(2).json().contains(QStringLiteral("data")));
        verifyErrorCode(responses.at(3), 404, "not_found");
        QCOMPARE(m_fake->requestCount(), 2);
    }

    void requestArrivingInPiecesIsServed()
    {
        const QByteArray raw = rawPost(chatBody("code_completions"));
        TestHttpClient client(m_gw->port());
        for (qsizetype i = 0; i < raw.size(); i += 7) {
            client.sendRaw(raw.mid(i, 7));
            spinFor(2);
        }
        QVERIFY(client.waitForResponses(1, 5000));
        QCOMPARE(client.responses().at(0).status, 200);
        // and the connection stays usable for the next request
        QCOMPARE(client.request(HttpRequest::get("/v1/models")).status, 200);
    }

    void expectContinueGetsAnInterimResponse()
    {
        const QByteArray body = chatBody("code_completions");
        TestHttpClient client(m_gw->port());
        client.sendRaw("POST /v1/chat/completions HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nExpect: "
                       "100-continue\r\nContent-Length: "
                       + QByteArray::number(body.size()) + "\r\n\r\n");
        QVERIFY(waitUntil([&] { return client.rawReceived().startsWith("HTTP/1.1 100 Continue\r\n\r\n"); }, 3000));
        client.sendRaw(body);
        QVERIFY(waitUntil([&] { return client.rawReceived().contains("HTTP/1.1 200 OK"); }, 5000));
    }

    void malformedRequests_data()
    {
        QTest::addColumn<QByteArray>("raw");
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("code");
        QTest::newRow("garbage") << QByteArray("HELLO\r\n\r\n") << 400 << QByteArray("bad_request");
        QTest::newRow("http/2 preface") << QByteArray("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n") << 505
                                        << QByteArray("http_version_not_supported");
        QTest::newRow("no host") << QByteArray("GET /v1/models HTTP/1.1\r\n\r\n") << 400 << QByteArray("bad_request");
        QTest::newRow("length and chunked")
            << QByteArray("POST /v1/completions HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nTransfer-Encoding: "
                          "chunked\r\n\r\n0\r\n\r\n")
            << 400 << QByteArray("bad_request");
        QTest::newRow("gzip coding") << QByteArray("POST /v1/completions HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: "
                                                   "gzip\r\n\r\n")
                                     << 501 << QByteArray("unsupported_transfer_encoding");
    }
    void malformedRequests()
    {
        QFETCH(QByteArray, raw);
        QFETCH(int, status);
        QFETCH(QByteArray, code);
        TestHttpClient client(m_gw->port());
        client.sendRaw(raw);
        QVERIFY(client.waitForResponses(1, 3000));
        verifyErrorCode(client.responses().at(0), status, code.constData());
        QVERIFY(client.waitForClosed(3000));
    }

    void clientGoneMidStreamLeavesTheWorkerHealthy()
    {
        m_fake->setDefaultBehavior(FakeBehavior::answer(50, 20));
        for (int i = 0; i < 20; ++i) {
            TestHttpClient client(m_gw->port());
            client.sendRequest(HttpRequest::post("/v1/chat/completions", chatBody("code_completions", true)));
            QVERIFY(client.waitForEvents(1, 5000));
            client.abort();
        }
        QVERIFY(m_fake->waitForAborts(20, 5000));
        m_fake->setDefaultBehavior(FakeBehavior::answer(2, 0));
        const HttpResponse r = TestHttpClient::fetch(m_gw->port(), HttpRequest::post("/v1/chat/completions",
                                                                                      chatBody("code_completions", true)));
        QCOMPARE(r.status, 200);
        QVERIFY(r.sawDone());
    }
};

QTEST_MAIN(tst_ConnectionGuard)
#include "tst_connectionguard.moc"
