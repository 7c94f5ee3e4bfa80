// Chat history per user, in the store and in a real Redis (redis-server started on a free loopback
// port): capped at the last 50 messages, expiring after the last message, never mixing users.

#include "logging/chathistory.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QProcess>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

using namespace airlock;
using namespace airlock::logging;

namespace {

quint16 freePort()
{
    QTcpServer s;
    s.listen(QHostAddress::LocalHost, 0);
    return s.serverPort();
}

} // namespace

class tst_ChatHistory : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QProcess m_redis;
    quint16 m_redisPort = 0;

    ChatHistoryOptions options(bool redis, qint64 ttlMs = 3LL * 24 * 3600 * 1000)
    {
        ChatHistoryOptions o;
        o.dataDir = m_dir.path();
        o.ttlMs = ttlMs;
        if (redis) {
            o.redisHost = QStringLiteral("127.0.0.1");
            o.redisPort = m_redisPort;
            o.redisKeyPrefix = QStringLiteral("airlock-test:%1:").arg(QDateTime::currentMSecsSinceEpoch());
        }
        return o;
    }

    Result<QList<ChatMessage>> readSync(ChatHistory &history, const QString &user)
    {
        std::optional<Result<QList<ChatMessage>>> result;
        history.read(user, this, [&](Result<QList<ChatMessage>> r) { result = std::move(r); });
        if (!QTest::qWaitFor([&] { return result.has_value(); }, 10000))
            return Error::make(QStringLiteral("timeout"), QStringLiteral("no answer"));
        return *result;
    }

    void backends()
    {
        QTest::addColumn<bool>("redis");
        QTest::newRow("store") << false;
        if (m_redisPort)
            QTest::newRow("redis") << true;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
#ifdef REDIS_SERVER_PATH
        m_redisPort = freePort();
        const QString redisDir = m_dir.filePath(QStringLiteral("redis"));
        QDir().mkpath(redisDir);
        m_redis.setProgram(QStringLiteral(REDIS_SERVER_PATH));
        m_redis.setArguments({QStringLiteral("--port"), QString::number(m_redisPort), QStringLiteral("--bind"),
                              QStringLiteral("127.0.0.1"), QStringLiteral("--dir"), redisDir, QStringLiteral("--save"),
                              QString(), QStringLiteral("--appendonly"), QStringLiteral("no"),
                              QStringLiteral("--daemonize"), QStringLiteral("no")});
        m_redis.start();
        QVERIFY(m_redis.waitForStarted(5000));
        QVERIFY(QTest::qWaitFor([&] {
            QTcpSocket probe;
            probe.connectToHost(QHostAddress::LocalHost, m_redisPort);
            return probe.waitForConnected(200);
        }, 10000));
#else
        qWarning("redis-server not found at configure time: the Redis backend is not tested");
#endif
    }

    void cleanupTestCase()
    {
        if (m_redis.state() != QProcess::NotRunning) {
            m_redis.terminate();
            m_redis.waitForFinished(5000);
        }
    }

    void keepsTheLast50PerUser_data() { backends(); }
    void keepsTheLast50PerUser()
    {
        QFETCH(bool, redis);
        auto history = ChatHistory::create(options(redis));
        QVERIFY(history->start());
        QCOMPARE(history->backendName(), redis ? QStringLiteral("redis") : QStringLiteral("store"));
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        for (int i = 0; i < 30; ++i) {
            history->append(QStringLiteral("alice"), {{QStringLiteral("user"), QStringLiteral("q%1").arg(i), now + 2 * i},
                                                      {QStringLiteral("assistant"), QStringLiteral("a%1").arg(i), now + 2 * i + 1}});
        }
        history->append(QStringLiteral("bob"), {{QStringLiteral("user"), QStringLiteral("bob's question ünïcode"), now}});
        history->sync();

        auto alice = readSync(*history, QStringLiteral("alice"));
        QVERIFY2(alice, alice ? "" : qPrintable(alice.error().message));
        QCOMPARE(alice->size(), 50);
        QCOMPARE(alice->first().content, QStringLiteral("q5")); // 60 written, the oldest 10 gone
        QCOMPARE(alice->first().role, QStringLiteral("user"));
        QCOMPARE(alice->last().content, QStringLiteral("a29"));
        QCOMPARE(alice->last().role, QStringLiteral("assistant"));
        QCOMPARE(alice->last().createdMs, now + 59);

        auto bob = readSync(*history, QStringLiteral("bob"));
        QVERIFY(bob);
        QCOMPARE(bob->size(), 1);
        QCOMPARE(bob->first().content, QStringLiteral("bob's question ünïcode"));
        auto nobody = readSync(*history, QStringLiteral("carol"));
        QVERIFY(nobody);
        QVERIFY(nobody->isEmpty());
    }

    void expiresAfterTheLastMessage_data() { backends(); }
    void expiresAfterTheLastMessage()
    {
        QFETCH(bool, redis);
        // A 1.5 s lifetime. Waits only ever run long, so "the first message outlived its own 1.5 s" holds
        // whatever the machine's load; the one check that needs the clock to keep up ("kept" is read
        // within the 1.5 s after the second message) has 0.6 s of slack and is skipped when it had none.
        constexpr qint64 ttlMs = 1500;
        auto history = ChatHistory::create(options(redis, ttlMs));
        QVERIFY(history->start());
        const QString user = QStringLiteral("dave");
        history->append(user, {{QStringLiteral("user"), QStringLiteral("first"), QDateTime::currentMSecsSinceEpoch()}});
        history->sync();
        QTest::qWait(900);
        // A new message restarts the clock for the whole history.
        QElapsedTimer sinceSecond;
        sinceSecond.start();
        history->append(user, {{QStringLiteral("user"), QStringLiteral("second"), QDateTime::currentMSecsSinceEpoch()}});
        history->sync();
        QTest::qWait(900);
        auto kept = readSync(*history, user);
        if (sinceSecond.elapsed() >= ttlMs)
            QSKIP("the machine stalled for more than 0.6 s: the history may rightly have expired");
        QVERIFY(kept);
        QCOMPARE(kept->size(), 2);
        QTest::qWait(1000);
        auto gone = readSync(*history, user);
        QVERIFY(gone);
        QVERIFY2(gone->isEmpty(), qPrintable(QString::number(gone->size())));
    }

    void survivesRestartInTheStore()
    {
        ChatHistoryOptions o = options(false);
        {
            auto history = ChatHistory::create(o);
            QVERIFY(history->start());
            history->append(QStringLiteral("erin"), {{QStringLiteral("user"), QStringLiteral("kept"), 0}});
        } // destruction finishes pending appends
        auto history = ChatHistory::create(o);
        QVERIFY(history->start());
        auto kept = readSync(*history, QStringLiteral("erin"));
        QVERIFY(kept);
        QCOMPARE(kept->size(), 1);
        QVERIFY(kept->first().createdMs > 0);
    }

    void redisUnavailableFailsReads()
    {
        ChatHistoryOptions o;
        o.redisHost = QStringLiteral("127.0.0.1");
        o.redisPort = freePort(); // nobody listens
        o.redisTimeoutMs = 500;
        auto history = ChatHistory::create(o);
        QVERIFY(history->start());
        history->append(QStringLiteral("x"), {{QStringLiteral("user"), QStringLiteral("lost"), 0}});
        auto r = readSync(*history, QStringLiteral("x"));
        QVERIFY(!r);
        QCOMPARE(r.error().code, QStringLiteral("chat_history_unavailable"));
    }
};

QTEST_GUILESS_MAIN(tst_ChatHistory)
#include "tst_chathistory.moc"
