// Live logs: WebSocket subscribers get committed records quickly, filtered on the server; a subscriber
// that stops reading is dropped (and counted) instead of holding anything up.

#include "logging/livelog.h"
#include "testtiming.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTcpSocket>
#include <QTest>
#include <QWebSocket>
#include <QWebSocketServer>

#include <thread>

using namespace airlock;
using namespace airlock::logging;
using namespace airlock::storage;

namespace {

std::shared_ptr<const StoredBatch> batchOf(int first, int count, const QString &feature, int status = 200,
                                           int padding = 0)
{
    auto batch = std::make_shared<StoredBatch>();
    for (int i = 0; i < count; ++i) {
        StoredRecord s;
        s.id = first + i;
        s.record.requestId = QStringLiteral("r%1").arg(first + i);
        s.record.feature = feature;
        s.record.status = status;
        s.record.startedAtMs = 1700000000000 + first + i;
        s.record.errorMessage = QString(padding, QLatin1Char('x'));
        batch->append(std::move(s));
    }
    return batch;
}

struct Client
{
    QWebSocket socket;
    QList<QJsonObject> messages;
    QList<qint64> arrivedAtMs;
    QElapsedTimer clock;

    explicit Client(const QUrl &url)
    {
        clock.start();
        QObject::connect(&socket, &QWebSocket::textMessageReceived, &socket, [this](const QString &text) {
            messages.append(QJsonDocument::fromJson(text.toUtf8()).object());
            arrivedAtMs.append(clock.elapsed());
        });
        socket.open(url);
    }
    QStringList requestIds() const
    {
        QStringList ids;
        for (const QJsonObject &m : messages) {
            for (const QJsonValue &r : m.value(QStringLiteral("records")).toArray())
                ids.append(r.toObject().value(QStringLiteral("request_id")).toString());
        }
        return ids;
    }
};

} // namespace

class tst_LiveLog : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<QWebSocketServer> m_server;
    std::unique_ptr<LiveLogHub> m_hub;

    QUrl url(const QString &query = {}) const
    {
        QUrl u(QStringLiteral("ws://127.0.0.1:%1/api/v1/logs/live").arg(m_server->serverPort()));
        u.setQuery(query);
        return u;
    }

private Q_SLOTS:
    void init()
    {
        m_hub = std::make_unique<LiveLogHub>();
        m_server = std::make_unique<QWebSocketServer>(QStringLiteral("test"), QWebSocketServer::NonSecureMode);
        QVERIFY(m_server->listen(QHostAddress::LocalHost, 0));
        connect(m_server.get(), &QWebSocketServer::newConnection, this, [this] {
            while (m_server->hasPendingConnections())
                m_hub->addSubscriber(std::unique_ptr<QWebSocket>(m_server->nextPendingConnection()));
        });
    }

    void cleanup()
    {
        m_hub.reset();
        m_server.reset();
    }

    void filtersOnTheServerAndArrivesQuickly()
    {
        Client all(url());
        Client chat(url(QStringLiteral("feature=duo_chat")));
        Client errors(url(QStringLiteral("errors=1")));
        QTRY_COMPARE(m_hub->subscriberCount(), 3);
        QTRY_VERIFY(all.messages.size() == 1 && chat.messages.size() == 1 && errors.messages.size() == 1);
        QCOMPARE(chat.messages.at(0).value(QStringLiteral("type")).toString(), QStringLiteral("hello"));
        QCOMPARE(chat.messages.at(0).value(QStringLiteral("filter")).toObject().value(QStringLiteral("feature")).toString(),
                 QStringLiteral("duo_chat"));

        // Published from another thread, as the writer does.
        const qint64 sentAt = all.clock.elapsed();
        std::thread writer([this] {
            m_hub->publish(batchOf(1, 3, QStringLiteral("code_completions")));
            m_hub->publish(batchOf(10, 2, QStringLiteral("duo_chat"), 502));
        });
        writer.join();
        QTRY_COMPARE(all.requestIds().size(), 5);
        QTRY_COMPARE(chat.requestIds(), (QStringList{QStringLiteral("r10"), QStringLiteral("r11")}));
        QTRY_COMPARE(errors.requestIds(), (QStringList{QStringLiteral("r10"), QStringLiteral("r11")}));
        QVERIFY(test::reportLatency("published to received", double(all.arrivedAtMs.last() - sentAt)));

        // The filter can change on the open socket.
        chat.socket.sendTextMessage(QStringLiteral("{\"filter\":{\"feature\":\"code_completions\"}}"));
        QTest::qWait(50);
        m_hub->publish(batchOf(20, 1, QStringLiteral("code_completions")));
        QTRY_COMPARE(chat.requestIds().size(), 3);
        QCOMPARE(chat.requestIds().last(), QStringLiteral("r20"));
        all.socket.close();
        QTRY_COMPARE(m_hub->subscriberCount(), 2);
    }

    void slowSubscriberIsDroppedAndCounted()
    {
        m_hub->setMaxBufferedBytes(256 * 1024);
        Client fast(url());
        // A subscriber that completes the handshake and then never reads.
        QTcpSocket slow;
        slow.setReadBufferSize(4096);
        slow.connectToHost(QHostAddress::LocalHost, m_server->serverPort());
        QVERIFY(slow.waitForConnected(5000));
        slow.setSocketOption(QAbstractSocket::ReceiveBufferSizeSocketOption, 4096);
        slow.write("GET /api/v1/logs/live HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
        QTRY_COMPARE(m_hub->subscriberCount(), 2);
        QTRY_VERIFY(fast.messages.size() == 1);

        QElapsedTimer timer;
        timer.start();
        int published = 0;
        while (m_hub->droppedSubscribers() == 0 && timer.elapsed() < 20000) {
            m_hub->publish(batchOf(published * 100, 100, QStringLiteral("code_completions"), 200, 400)); // ~60 KB
            ++published;
            QTest::qWait(5); // the hub's thread keeps serving
        }
        QCOMPARE(m_hub->droppedSubscribers(), quint64(1));
        QTRY_COMPARE(m_hub->subscriberCount(), 1);
        QByteArray metrics;
        m_hub->writeMetrics(metrics);
        QVERIFY(metrics.contains("airlock_live_log_dropped_subscribers_total 1\n"));
        // The reader that keeps up got everything.
        QTRY_COMPARE(fast.requestIds().size(), published * 100);
        qInfo("slow subscriber dropped after %d messages (%lld ms)", published, timer.elapsed());
    }
};

QTEST_MAIN(tst_LiveLog)
#include "tst_livelog.moc"
