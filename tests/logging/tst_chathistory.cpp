// Chat history per user, in the store and in a real Redis (a private redis-server on loopback,
// tests/support/redisserver.h): capped at the last 50 messages, expiring after the last message, never
// mixing users. Every test runs for both backends; without redis-server the "redis" rows fail under CI
// and are skipped elsewhere (prerequisite.h).

#include "logging/chathistory.h"

#include "ports.h"
#include "prerequisite.h"
#include "redisserver.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QTest>

using namespace airlock;
using namespace airlock::logging;
using airlock::test::RedisServer;

class tst_ChatHistory : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    RedisServer m_redis;
    QString m_redisError; // why there is no redis-server, for the rows that need it

    ChatHistoryOptions options(bool redis, qint64 ttlMs = 3LL * 24 * 3600 * 1000)
    {
        ChatHistoryOptions o;
        o.dataDir = m_dir.path();
        o.ttlMs = ttlMs;
        if (redis) {
            o.redisHost = QStringLiteral("127.0.0.1");
            o.redisPort = m_redis.port();
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
        QTest::newRow("redis") << true;
    }

    // In a test of the "redis" row: stops it when there is no redis-server (a failure under CI).
    bool redisRowCanRun(bool redis)
    {
        return !redis || airlock::test::requirePrerequisite(m_redis.isRunning(), qPrintable(m_redisError), __FILE__, __LINE__);
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        // Installed but not starting is a failure everywhere; not installed is the rows' prerequisite.
        if (RedisServer::executable().isEmpty())
            m_redisError = QStringLiteral("redis-server (package redis-server): the Redis backend is not tested");
        else
            QVERIFY2(m_redis.start(), qPrintable(m_redis.errorMessage()));
    }

    void cleanupTestCase() { m_redis.stop(); }

    void keepsTheLast50PerUser_data() { backends(); }
    void keepsTheLast50PerUser()
    {
        QFETCH(bool, redis);
        if (!redisRowCanRun(redis))
            return;
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
        if (!redisRowCanRun(redis))
            return;
        const QString user = QStringLiteral("dave");
        const auto readOf = [&](ChatHistory &history, const QString &who) {
            auto r = readSync(history, who);
            return r ? *r : QList<ChatMessage>{ChatMessage{QStringLiteral("error"), r.error().message, 0}};
        };
        // Kept: a history whose first message is older than the lifetime but whose last one is not. The
        // lifetime is an hour, so no stall of the machine can expire it meanwhile; the first message is
        // made older than that without waiting: in the store by its timestamp, in Redis by shortening the
        // key's remaining time to a minute (as an hour less a minute would have done).
        constexpr qint64 hourMs = 3600LL * 1000;
        ChatHistoryOptions o = options(redis, hourMs);
        const QByteArray key = (o.redisKeyPrefix + user).toUtf8();
        {
            auto history = ChatHistory::create(o);
            QVERIFY(history->start());
            const qint64 now = QDateTime::currentMSecsSinceEpoch();
            const qint64 firstMs = redis ? now : now - hourMs - 60000;
            history->append(user, {{QStringLiteral("user"), QStringLiteral("first"), firstMs}});
            history->sync();
            if (redis) {
                const QByteArray pttl = m_redis.command({"PTTL", key});
                QVERIFY2(pttl.startsWith(':') && pttl.mid(1).trimmed().toLongLong() > 60000, pttl.constData());
                QCOMPARE(m_redis.command({"PEXPIRE", key, "60000"}), QByteArray(":1\r\n"));
            } else {
                // The premise: a history whose last message is that old is gone.
                history->append(QStringLiteral("dave-alone"), {{QStringLiteral("user"), QStringLiteral("old"), firstMs}});
                history->sync();
                QCOMPARE(readOf(*history, QStringLiteral("dave-alone")).size(), 0);
            }
            // A new message restarts the clock for the whole history.
            history->append(user, {{QStringLiteral("user"), QStringLiteral("second"), QDateTime::currentMSecsSinceEpoch()}});
            history->sync();
            if (redis) {
                const QByteArray pttl = m_redis.command({"PTTL", key});
                QVERIFY2(pttl.startsWith(':') && pttl.mid(1).trimmed().toLongLong() > 60000, pttl.constData());
            }
            const QList<ChatMessage> kept = readOf(*history, user);
            QCOMPARE(kept.size(), 2);
            QCOMPARE(kept.at(0).content, QStringLiteral("first"));
            QCOMPARE(kept.at(1).content, QStringLiteral("second"));
        }
        // Gone: with a 1.5 s lifetime, a read at least 1.5 s after the last message finds nothing, the two
        // messages kept above included. Waits only ever run long, so this holds whatever the machine's load.
        constexpr qint64 ttlMs = 1500;
        o.ttlMs = ttlMs;
        auto history = ChatHistory::create(o);
        QVERIFY(history->start());
        QElapsedTimer sinceLast;
        sinceLast.start();
        history->append(user, {{QStringLiteral("user"), QStringLiteral("third"), QDateTime::currentMSecsSinceEpoch()}});
        history->sync();
        QTest::qWait(int(ttlMs + 200 - std::min<qint64>(sinceLast.elapsed(), ttlMs)));
        QVERIFY(sinceLast.elapsed() >= ttlMs + 100);
        const QList<ChatMessage> gone = readOf(*history, user);
        QVERIFY2(gone.isEmpty(), qPrintable(QString::number(gone.size())));
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
        airlock::test::ClosedPort nobody; // a port where nobody listens
        QVERIFY(nobody.port() != 0);
        ChatHistoryOptions o;
        o.redisHost = QStringLiteral("127.0.0.1");
        o.redisPort = nobody.port();
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
