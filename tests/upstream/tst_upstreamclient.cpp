// The lean upstream client against raw QTcpServer fakes: exact bytes, exact timing.

#include "upstream/upstreamclient.h"
#include "testtiming.h"

#include <QElapsedTimer>
#include <QHostAddress>
#include <QPointer>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>
#include <QtTest>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <fcntl.h>

#include <functional>
#include <memory>
#include <optional>

using namespace airlock::upstream;

namespace {

// A server that hands each complete request (head + Content-Length body) to `onRequest`; by default it
// answers 200 "ok". It counts connections so tests can see reuse, disconnects and concurrency.
class FakeServer : public QObject
{
public:
    struct Request
    {
        QByteArray head;
        QByteArray body;
        QPointer<QTcpSocket> socket;
        int connection = 0; // index of the connection it came on, from 1
    };

    FakeServer()
    {
        m_server.setListenBacklogSize(1024);
        QVERIFY(m_server.listen(QHostAddress::LocalHost, 0));
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *socket = m_server.nextPendingConnection()) {
                ++connections;
                ++open;
                socket->setProperty("index", connections);
                sockets.append(socket);
                connect(socket, &QTcpSocket::readyRead, this, [this, socket] { onReadyRead(socket); });
                connect(socket, &QTcpSocket::disconnected, this, [this, socket] {
                    ++disconnects;
                    --open;
                    socket->deleteLater();
                });
            }
        });
        onRequest = [](const Request &request) {
            request.socket->write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        };
    }

    QUrl url(const QString &path = QStringLiteral("/v1/chat/completions")) const
    {
        return QUrl(QStringLiteral("http://127.0.0.1:%1%2").arg(m_server.serverPort()).arg(path));
    }
    quint16 port() const { return m_server.serverPort(); }

    int connections = 0;
    int open = 0;
    int disconnects = 0;
    QList<Request> requests;
    QList<QPointer<QTcpSocket>> sockets;
    std::function<void(const Request &)> onRequest;

private:
    void onReadyRead(QTcpSocket *socket)
    {
        QByteArray &buffer = m_buffers[socket];
        buffer += socket->readAll();
        for (;;) {
            const qsizetype end = buffer.indexOf("\r\n\r\n");
            if (end < 0)
                return;
            qsizetype length = 0;
            const qsizetype cl = buffer.toLower().indexOf("content-length:");
            if (cl >= 0 && cl < end)
                length = buffer.mid(cl + 15, buffer.indexOf("\r\n", cl) - cl - 15).trimmed().toLongLong();
            if (buffer.size() < end + 4 + length)
                return;
            Request request{buffer.left(end + 4), buffer.mid(end + 4, length), socket,
                            socket->property("index").toInt()};
            buffer.remove(0, end + 4 + length);
            requests.append(request);
            onRequest(request);
        }
    }

    QTcpServer m_server;
    QHash<QTcpSocket *, QByteArray> m_buffers;
};

struct Recorder : UpstreamCallHandler
{
    QList<QByteArray> events; // "head 200", "body <bytes>", "complete", "error <kind>"
    UpstreamResponseHead head;
    QByteArray body;
    bool completed = false;
    std::optional<UpstreamError> error;
    std::function<void()> headHook;
    std::function<void(QByteArrayView)> bodyHook;
    std::function<void()> completeHook;

    bool finished() const { return completed || error.has_value(); }

    void onHead(const UpstreamResponseHead &h) override
    {
        events << "head " + QByteArray::number(h.status);
        head = h;
        if (headHook)
            headHook();
    }
    void onBody(QByteArrayView bytes) override
    {
        events << "body " + bytes.toByteArray();
        body += bytes;
        if (bodyHook)
            bodyHook(bytes);
    }
    void onComplete() override
    {
        events << "complete";
        completed = true;
        if (completeHook)
            completeHook();
    }
    void onError(const UpstreamError &e) override
    {
        events << "error " + QByteArray::number(int(e.kind));
        error = e;
    }
};

UpstreamRequest makeRequest(const QUrl &url, QByteArray body = "{\"x\":1}")
{
    UpstreamRequest request;
    request.url = url;
    request.body = std::move(body);
    request.headers = {{"Content-Type", "application/json"}};
    return request;
}

// A listening socket that never accepts, whose accept queue is full: the kernel drops further SYNs,
// so a connect to it neither succeeds nor fails.
struct BlackHole
{
    int listener = -1;
    QList<int> fillers;
    quint16 port = 0;

    BlackHole()
    {
        listener = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ::bind(listener, reinterpret_cast<sockaddr *>(&addr), sizeof addr);
        ::listen(listener, 0);
        socklen_t len = sizeof addr;
        ::getsockname(listener, reinterpret_cast<sockaddr *>(&addr), &len);
        port = ntohs(addr.sin_port);
        for (int i = 0; i < 3; ++i) {
            const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
            ::fcntl(fd, F_SETFL, O_NONBLOCK);
            ::connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr);
            fillers.append(fd);
        }
    }
    ~BlackHole()
    {
        for (int fd : fillers)
            ::close(fd);
        ::close(listener);
    }
};

} // namespace

class tst_UpstreamClient : public QObject
{
    Q_OBJECT

private slots:
    void plainResponse();
    void chunkedStreaming();
    void keepAliveReuse();
    void connectionCloseIsNotReused();
    void connectionRefused();
    void invalidUrl();
    void timeouts_data();
    void timeouts();
    void serverClosesMidBody();
    void closeDelimitedBody();
    void protocolError();
    void abortClosesConnectionAtOnce();
    void abortFromCallback_data();
    void abortFromCallback();
    void concurrentRequestsAreNotCapped();
    void staleKeepAliveIsRetriedOnce();
    void freshConnectionClosedIsNotRetried();
    void reusedConnectionClosedAfterResponseBytesIsNotRetried();
    void clientDestroyedWithCallsInFlight();
    void idleLifetimeExpiresPooledConnections();
};

void tst_UpstreamClient::plainResponse()
{
    FakeServer server;
    server.onRequest = [](const FakeServer::Request &request) {
        request.socket->write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n"
                              "{\"ok\":true}");
    };
    UpstreamClient client;
    Recorder recorder;
    UpstreamRequest request = makeRequest(server.url(QStringLiteral("/v1/chat/completions?stream=false")),
                                          "{\"model\":\"m\"}");
    request.headers.emplace_back("Authorization", "Bearer secret");
    request.headers.emplace_back("Content-Length", "999"); // ignored: the client frames the body itself
    QPointer<UpstreamCall> call = client.start(request, &recorder);
    QVERIFY(call);
    QTRY_VERIFY(recorder.finished());

    QCOMPARE(recorder.events, (QList<QByteArray>{"head 200", "body {\"ok\":true}", "complete"}));
    QCOMPARE(recorder.head.reason, QByteArray("OK"));
    QCOMPARE(recorder.head.header("CONTENT-TYPE"), QByteArray("application/json"));
    QCOMPARE(server.requests.size(), 1);
    const QByteArray expectedHead = "POST /v1/chat/completions?stream=false HTTP/1.1\r\n"
                                    "Host: 127.0.0.1:"
        + QByteArray::number(server.port())
        + "\r\n"
          "Content-Length: 13\r\n"
          "Content-Type: application/json\r\n"
          "Authorization: Bearer secret\r\n\r\n";
    QCOMPARE(server.requests[0].head, expectedHead);
    QCOMPARE(server.requests[0].body, QByteArray("{\"model\":\"m\"}"));
    QTRY_VERIFY(call.isNull()); // the call deletes itself after reporting
}

void tst_UpstreamClient::chunkedStreaming()
{
    // Each chunk must reach onBody as soon as the server sends it: the server sends the next chunk
    // only after the client has seen the previous one, so a client that buffered would time out here.
    FakeServer server;
    QPointer<QTcpSocket> socket;
    server.onRequest = [&](const FakeServer::Request &request) {
        socket = request.socket;
        socket->write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
                      "7\r\ndata: 1\r\n");
    };
    UpstreamClient client;
    Recorder recorder;
    client.start(makeRequest(server.url()), &recorder);
    QTRY_COMPARE(recorder.body, QByteArray("data: 1"));
    QCOMPARE(recorder.events.first(), QByteArray("head 200"));
    socket->write("7\r\ndata: 2\r\n");
    QTRY_COMPARE(recorder.body, QByteArray("data: 1data: 2"));
    QVERIFY(!recorder.finished());
    socket->write("7\r\ndata: 3\r\n0\r\n\r\n");
    QTRY_VERIFY(recorder.finished());
    QCOMPARE(recorder.events,
             (QList<QByteArray>{"head 200", "body data: 1", "body data: 2", "body data: 3", "complete"}));
}

void tst_UpstreamClient::keepAliveReuse()
{
    FakeServer server;
    UpstreamClient client;
    for (int i = 0; i < 2; ++i) {
        Recorder recorder;
        client.start(makeRequest(server.url()), &recorder);
        QTRY_VERIFY(recorder.finished());
        QVERIFY(recorder.completed);
        QCOMPARE(recorder.body, QByteArray("ok"));
        QCOMPARE(client.openConnections(), 1);
        QCOMPARE(client.idleConnections(), 1);
    }
    QCOMPARE(server.requests.size(), 2);
    QCOMPARE(server.connections, 1);
    QCOMPARE(server.requests[1].connection, 1);
}

void tst_UpstreamClient::connectionCloseIsNotReused()
{
    FakeServer server;
    server.onRequest = [](const FakeServer::Request &request) {
        request.socket->write("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok");
    };
    UpstreamClient client;
    for (int i = 0; i < 2; ++i) {
        Recorder recorder;
        client.start(makeRequest(server.url()), &recorder);
        QTRY_VERIFY(recorder.completed);
        QCOMPARE(client.idleConnections(), 0);
    }
    QCOMPARE(server.connections, 2);
    QTRY_COMPARE(client.openConnections(), 0);
}

void tst_UpstreamClient::connectionRefused()
{
    quint16 port;
    {
        QTcpServer closed;
        QVERIFY(closed.listen(QHostAddress::LocalHost, 0));
        port = closed.serverPort();
    }
    UpstreamClient client;
    Recorder recorder;
    client.start(makeRequest(QUrl(QStringLiteral("http://127.0.0.1:%1/v1/models").arg(port))), &recorder);
    QVERIFY(!recorder.finished()); // never reported from inside start()
    QTRY_VERIFY(recorder.finished());
    QVERIFY(recorder.error);
    QCOMPARE(recorder.error->kind, UpstreamError::Kind::ConnectFailed);
    QCOMPARE(recorder.events.size(), 1);
    QCOMPARE(client.openConnections(), 0);
}

void tst_UpstreamClient::invalidUrl()
{
    UpstreamClient client;
    Recorder recorder;
    client.start(makeRequest(QUrl(QStringLiteral("ftp://example.org/x"))), &recorder);
    QVERIFY(!recorder.finished());
    QTRY_VERIFY(recorder.error);
    QCOMPARE(recorder.error->kind, UpstreamError::Kind::ConnectFailed);
}

void tst_UpstreamClient::timeouts_data()
{
    QTest::addColumn<QString>("scenario");
    QTest::addColumn<int>("kind");
    QTest::addColumn<int>("expectedMs");
    QTest::addColumn<QByteArray>("expectedBody");

    QTest::newRow("connect") << QStringLiteral("blackhole") << int(UpstreamError::Kind::ConnectTimeout) << 300
                             << QByteArray();
    QTest::newRow("first byte") << QStringLiteral("silent") << int(UpstreamError::Kind::FirstByteTimeout) << 300
                                << QByteArray();
    QTest::newRow("idle") << QStringLiteral("stall") << int(UpstreamError::Kind::IdleTimeout) << 300
                          << QByteArray("first");
    QTest::newRow("total") << QStringLiteral("trickle") << int(UpstreamError::Kind::TotalTimeout) << 700
                           << QByteArray();
}

void tst_UpstreamClient::timeouts()
{
    QFETCH(QString, scenario);
    QFETCH(int, kind);
    QFETCH(int, expectedMs);
    QFETCH(QByteArray, expectedBody);

    FakeServer server;
    BlackHole blackHole;
    QTimer trickle;
    QPointer<QTcpSocket> socket;
    server.onRequest = [&](const FakeServer::Request &request) {
        socket = request.socket;
        if (scenario == QLatin1String("stall"))
            socket->write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n");
        if (scenario == QLatin1String("trickle")) {
            socket->write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
            QObject::connect(&trickle, &QTimer::timeout, socket, [&] { socket->write("1\r\n.\r\n"); });
            trickle.start(50);
        }
    };

    UpstreamRequest request = makeRequest(server.url());
    if (scenario == QLatin1String("blackhole"))
        request.url = QUrl(QStringLiteral("http://127.0.0.1:%1/").arg(blackHole.port));
    request.timeouts.connectMs = scenario == QLatin1String("blackhole") ? expectedMs : 5000;
    request.timeouts.firstByteMs = scenario == QLatin1String("silent") ? expectedMs : 5000;
    request.timeouts.idleMs = scenario == QLatin1String("stall") ? expectedMs : 5000;
    request.timeouts.totalMs = scenario == QLatin1String("trickle") ? expectedMs : 10000;

    UpstreamClient client;
    Recorder recorder;
    QElapsedTimer elapsed;
    elapsed.start();
    client.start(request, &recorder);
    QTRY_VERIFY_WITH_TIMEOUT(recorder.finished(), 5000);
    const qint64 tookMs = elapsed.elapsed();
    QVERIFY2(recorder.error, recorder.events.join(' ').constData());
    QCOMPARE(int(recorder.error->kind), kind);
    QVERIFY(recorder.error->isTimeout());
    // The timer that fired is the one the error names (kind, above): the others are set to 5 s and more.
    // Not before its time; how late is a measurement, printed, not asserted.
    QVERIFY2(tookMs >= expectedMs - 5, QByteArray::number(tookMs).constData());
    qInfo("%s: timed out after %lld ms (set to %d ms)", qPrintable(scenario), tookMs, expectedMs);
    if (scenario == QLatin1String("trickle"))
        QVERIFY(recorder.body.size() >= 3); // bytes kept flowing: not an idle timeout
    else
        QCOMPARE(recorder.body, expectedBody);
    // A timed-out exchange closes its connection: the server sees it go.
    if (scenario != QLatin1String("blackhole"))
        QTRY_COMPARE(server.disconnects, 1);
    QCOMPARE(client.openConnections(), 0);
}

void tst_UpstreamClient::serverClosesMidBody()
{
    FakeServer server;
    server.onRequest = [](const FakeServer::Request &request) {
        request.socket->write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789");
        request.socket->disconnectFromHost();
    };
    UpstreamClient client;
    Recorder recorder;
    client.start(makeRequest(server.url()), &recorder);
    QTRY_VERIFY(recorder.finished());
    QCOMPARE(recorder.events.first(), QByteArray("head 200"));
    QCOMPARE(recorder.body, QByteArray("0123456789"));
    QVERIFY(recorder.error);
    QCOMPARE(recorder.error->kind, UpstreamError::Kind::Closed);
    QCOMPARE(client.openConnections(), 0);
}

void tst_UpstreamClient::closeDelimitedBody()
{
    FakeServer server;
    server.onRequest = [](const FakeServer::Request &request) {
        request.socket->write("HTTP/1.1 200 OK\r\n\r\nuntil close");
        request.socket->disconnectFromHost();
    };
    UpstreamClient client;
    Recorder recorder;
    client.start(makeRequest(server.url()), &recorder);
    QTRY_VERIFY(recorder.finished());
    QVERIFY(recorder.completed);
    QCOMPARE(recorder.body, QByteArray("until close"));
    QCOMPARE(client.idleConnections(), 0);
}

void tst_UpstreamClient::protocolError()
{
    FakeServer server;
    server.onRequest = [](const FakeServer::Request &request) {
        request.socket->write("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nabcdef");
    };
    UpstreamClient client;
    Recorder recorder;
    client.start(makeRequest(server.url()), &recorder);
    QTRY_VERIFY(recorder.finished());
    QVERIFY(recorder.error);
    QCOMPARE(recorder.error->kind, UpstreamError::Kind::Protocol);
    QCOMPARE(recorder.events.size(), 1); // no head for a response that failed in its head
    QTRY_COMPARE(server.disconnects, 1);
}

void tst_UpstreamClient::abortClosesConnectionAtOnce()
{
    FakeServer server;
    QPointer<QTcpSocket> socket;
    server.onRequest = [&](const FakeServer::Request &request) {
        socket = request.socket;
        socket->write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
    };
    UpstreamClient client;
    Recorder recorder;
    QPointer<UpstreamCall> call = client.start(makeRequest(server.url()), &recorder);
    QTRY_COMPARE(recorder.body, QByteArray("hello"));
    const auto eventsBefore = recorder.events;

    QElapsedTimer elapsed;
    elapsed.start();
    call->abort();
    call->abort(); // twice is fine
    QVERIFY(call->isFinished());
    QTRY_VERIFY(server.disconnects == 1);
    QVERIFY(airlock::test::reportLatency("abort to server-side disconnect", double(elapsed.elapsed())));
    // The server keeps talking into the closed connection: nothing reaches the handler any more.
    if (socket)
        socket->write("5\r\nworld\r\n0\r\n\r\n");
    QTRY_VERIFY(call.isNull());
    QTest::qWait(50); // a negative check: give stray events a chance to show up
    QCOMPARE(recorder.events, eventsBefore);
    QCOMPARE(client.openConnections(), 0);
    QCOMPARE(client.idleConnections(), 0);
}

void tst_UpstreamClient::abortFromCallback_data()
{
    QTest::addColumn<QString>("where");
    QTest::newRow("abort in onHead") << QStringLiteral("head");
    QTest::newRow("abort in onBody") << QStringLiteral("body");
    QTest::newRow("delete call in onBody") << QStringLiteral("delete");
    QTest::newRow("destroy client in onBody") << QStringLiteral("client");
}

void tst_UpstreamClient::abortFromCallback()
{
    QFETCH(QString, where);
    FakeServer server;
    server.onRequest = [](const FakeServer::Request &request) {
        // Everything in one write, so the rest is in the same read buffer when the handler aborts.
        request.socket->write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                              "3\r\none\r\n3\r\ntwo\r\n5\r\nthree\r\n0\r\n\r\n");
    };
    auto client = std::make_unique<UpstreamClient>();
    Recorder recorder;
    QPointer<UpstreamCall> call;
    if (where == QLatin1String("head"))
        recorder.headHook = [&] { call->abort(); };
    else if (where == QLatin1String("body"))
        recorder.bodyHook = [&](QByteArrayView) { call->abort(); };
    else if (where == QLatin1String("delete"))
        recorder.bodyHook = [&](QByteArrayView) { delete call.data(); };
    else
        recorder.bodyHook = [&](QByteArrayView) { client.reset(); };
    call = client->start(makeRequest(server.url()), &recorder);
    QTRY_VERIFY_WITH_TIMEOUT(server.disconnects == 1, 2000);
    QTRY_VERIFY(call.isNull());
    QTest::qWait(50); // a negative check: nothing more may arrive
    if (where == QLatin1String("head"))
        QCOMPARE(recorder.events, QList<QByteArray>{"head 200"});
    else
        QCOMPARE(recorder.events, (QList<QByteArray>{"head 200", "body one"}));
    if (client)
        QCOMPARE(client->openConnections(), 0);
}

void tst_UpstreamClient::concurrentRequestsAreNotCapped()
{
    // 256 requests to one server must all be in flight at once: the server answers none until it
    // holds all of them (a client capped like QNetworkAccessManager's 6 per host would stall here).
    constexpr int Count = 256;
    FakeServer server;
    int maxSimultaneous = 0;
    QList<QPointer<QTcpSocket>> waiting;
    server.onRequest = [&](const FakeServer::Request &request) {
        waiting.append(request.socket);
        maxSimultaneous = std::max<int>(maxSimultaneous, waiting.size());
        if (waiting.size() == Count) {
            for (const auto &socket : waiting)
                socket->write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        }
    };
    UpstreamClient client;
    std::vector<Recorder> recorders(Count);
    for (auto &recorder : recorders)
        client.start(makeRequest(server.url()), &recorder);
    QTRY_VERIFY_WITH_TIMEOUT(std::all_of(recorders.begin(), recorders.end(), [](const Recorder &r) { return r.finished(); }),
                             20000);
    QCOMPARE(maxSimultaneous, Count);
    QCOMPARE(server.connections, Count);
    for (const auto &recorder : recorders) {
        QVERIFY(recorder.completed);
        QCOMPARE(recorder.body, QByteArray("ok"));
    }
    QCOMPARE(client.openConnections(), Count);
    QCOMPARE(client.idleConnections(), Count);
}

void tst_UpstreamClient::staleKeepAliveIsRetriedOnce()
{
    FakeServer server;
    UpstreamClient client;
    Recorder first;
    client.start(makeRequest(server.url()), &first);
    QTRY_VERIFY(first.completed);
    QCOMPARE(client.idleConnections(), 1);

    // The server drops the idle connection, and the next request goes out before the client's event
    // loop has noticed: it lands on the dead connection and must be sent again on a fresh one.
    server.sockets.first()->abort();
    Recorder second;
    client.start(makeRequest(server.url(), "{\"again\":1}"), &second);
    QTRY_VERIFY(second.finished());
    QVERIFY2(second.completed, second.events.join(' ').constData());
    QCOMPARE(second.events, (QList<QByteArray>{"head 200", "body ok", "complete"}));
    QCOMPARE(server.connections, 2);
    QCOMPARE(server.requests.last().body, QByteArray("{\"again\":1}"));
    QCOMPARE(server.requests.last().connection, 2);
}

void tst_UpstreamClient::freshConnectionClosedIsNotRetried()
{
    FakeServer server;
    server.onRequest = [](const FakeServer::Request &request) { request.socket->abort(); };
    UpstreamClient client;
    Recorder recorder;
    client.start(makeRequest(server.url()), &recorder);
    QTRY_VERIFY(recorder.finished());
    QVERIFY(recorder.error);
    QCOMPARE(recorder.error->kind, UpstreamError::Kind::Closed);
    QCOMPARE(server.connections, 1);
}

void tst_UpstreamClient::reusedConnectionClosedAfterResponseBytesIsNotRetried()
{
    FakeServer server;
    UpstreamClient client;
    Recorder first;
    client.start(makeRequest(server.url()), &first);
    QTRY_VERIFY(first.completed);
    // The second answer is cut after some bytes: that request reached the server, so it is not sent
    // again; and a stale-connection retry also happens at most once per call.
    server.onRequest = [](const FakeServer::Request &request) {
        request.socket->write("HTTP/1.1 200 OK\r\nContent-Len");
        request.socket->disconnectFromHost();
    };
    Recorder second;
    client.start(makeRequest(server.url()), &second);
    QTRY_VERIFY(second.finished());
    QVERIFY(second.error);
    QCOMPARE(second.error->kind, UpstreamError::Kind::Closed);
    QCOMPARE(server.connections, 1);
    QCOMPARE(server.requests.size(), 2);
}

void tst_UpstreamClient::clientDestroyedWithCallsInFlight()
{
    FakeServer server;
    server.onRequest = [](const FakeServer::Request &) { }; // never answers
    auto client = std::make_unique<UpstreamClient>();
    std::vector<Recorder> recorders(3);
    QList<QPointer<UpstreamCall>> calls;
    for (auto &recorder : recorders)
        calls.append(client->start(makeRequest(server.url()), &recorder));
    QTRY_COMPARE(server.requests.size(), 3);
    client.reset();
    for (const auto &call : calls)
        QVERIFY(call.isNull());
    QTRY_COMPARE(server.disconnects, 3);
    QTest::qWait(20);
    for (const auto &recorder : recorders)
        QVERIFY(recorder.events.isEmpty());
}

void tst_UpstreamClient::idleLifetimeExpiresPooledConnections()
{
    FakeServer server;
    UpstreamClient client;
    client.setIdleLifetimeMs(100);
    Recorder recorder;
    client.start(makeRequest(server.url()), &recorder);
    QTRY_VERIFY(recorder.completed);
    QCOMPARE(client.idleConnections(), 1);
    QTRY_COMPARE(client.idleConnections(), 0);
    QCOMPARE(client.openConnections(), 0);
    QTRY_COMPARE(server.disconnects, 1);
}

QTEST_GUILESS_MAIN(tst_UpstreamClient)
#include "tst_upstreamclient.moc"
