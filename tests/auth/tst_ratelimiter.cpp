// Per-user / per-token limits: requests per minute with Retry-After, concurrency with leases, and a
// thread hammer (run under TSan).
#include "auth/ratelimiter.h"

#include <QTest>
#include <QThread>

#include <atomic>
#include <thread>
#include <vector>

using namespace airlock::auth;

class tst_RateLimiter : public QObject
{
    Q_OBJECT
    qint64 m_nowMs = 1'750'000'020'000; // 20 s into a minute

private Q_SLOTS:
    void requestsPerMinute_data()
    {
        QTest::addColumn<int>("rpm");
        QTest::addColumn<bool>("perUser");
        QTest::newRow("per user 3") << 3 << true;
        QTest::newRow("per token 5") << 5 << false;
    }
    void requestsPerMinute()
    {
        QFETCH(int, rpm);
        QFETCH(bool, perUser);
        RateLimiter limiter([this] { return m_nowMs; });
        limiter.setLimits(perUser ? RateLimits{rpm, 0} : RateLimits{}, perUser ? RateLimits{} : RateLimits{rpm, 0});
        for (int i = 0; i < rpm; ++i)
            QVERIFY(limiter.admit(QStringLiteral("u"), QStringLiteral("t")).ok());
        auto refused = limiter.admit(QStringLiteral("u"), QStringLiteral("t"));
        QVERIFY(!refused.ok());
        QCOMPARE(refused.error().code, QStringLiteral("rate_limited"));
        QVERIFY(refused.error().message.contains(perUser ? QStringLiteral("per user") : QStringLiteral("per token")));
        const int retry = refused.error().field.toInt();
        QVERIFY2(retry >= 1 && retry <= 120, qPrintable(refused.error().field));
        // Another user/token is not affected.
        QVERIFY(limiter.admit(QStringLiteral("u2"), QStringLiteral("t2")).ok());
        // Not a second earlier (the window slides), but after Retry-After the request goes through.
        m_nowMs += qint64(retry - 1) * 1000;
        QVERIFY(!limiter.admit(QStringLiteral("u"), QStringLiteral("t")).ok());
        m_nowMs += 1000;
        QVERIFY(limiter.admit(QStringLiteral("u"), QStringLiteral("t")).ok());
    }

    void concurrencyHeldByLease()
    {
        RateLimiter limiter([this] { return m_nowMs; });
        limiter.setLimits(RateLimits{0, 2}, RateLimits{});
        auto a = limiter.admit(QStringLiteral("u"), {});
        auto b = limiter.admit(QStringLiteral("u"), {});
        QVERIFY(a.ok() && b.ok());
        QCOMPARE(limiter.inFlight(QStringLiteral("u")), 2);
        auto c = limiter.admit(QStringLiteral("u"), {});
        QVERIFY(!c.ok());
        QVERIFY(c.error().message.contains(QStringLiteral("concurrent")));
        QCOMPARE(c.error().field, QStringLiteral("1"));
        a = airlock::Result<RateLimiter::Lease>(RateLimiter::Lease()); // the first request finished
        QCOMPARE(limiter.inFlight(QStringLiteral("u")), 1);
        QVERIFY(limiter.admit(QStringLiteral("u"), {}).ok());
    }

    void refusedTokenDoesNotCountForUser()
    {
        RateLimiter limiter([this] { return m_nowMs; });
        limiter.setLimits(RateLimits{10, 0}, RateLimits{1, 0});
        QVERIFY(limiter.admit(QStringLiteral("u"), QStringLiteral("t1")).ok());
        for (int i = 0; i < 20; ++i)
            QVERIFY(!limiter.admit(QStringLiteral("u"), QStringLiteral("t1")).ok());
        // The user's budget was not spent by the refused requests.
        for (int i = 0; i < 9; ++i)
            QVERIFY(limiter.admit(QStringLiteral("u"), QStringLiteral("t%1").arg(i + 2)).ok());
    }

    void unlimitedByDefault()
    {
        RateLimiter limiter;
        for (int i = 0; i < 1000; ++i)
            QVERIFY(limiter.admit(QStringLiteral("u"), QStringLiteral("t")).ok());
    }

    void threadsShareCountsExactly()
    {
        RateLimiter limiter; // real clock: the test takes far less than a minute... unless it crosses one
        const int perThread = 500;
        limiter.setLimits(RateLimits{0, 0}, RateLimits{0, 4 * perThread});
        std::atomic<int> admitted{0};
        QList<RateLimiter::Lease> kept[4];
        std::vector<std::thread> threads; // std::thread: TSan must see the joins (Qt is not instrumented)
        for (int t = 0; t < 4; ++t) {
            threads.emplace_back([&, t] {
                for (int i = 0; i < perThread; ++i) {
                    auto lease = limiter.admit(QStringLiteral("user%1").arg(i % 7), QStringLiteral("shared"));
                    if (lease.ok()) {
                        ++admitted;
                        if (i % 2)
                            kept[t].append(*lease);
                    }
                }
            });
        }
        for (std::thread &t : threads)
            t.join();
        QCOMPARE(admitted.load(), 4 * perThread);
        QCOMPARE(limiter.inFlight(QStringLiteral("shared")), 4 * (perThread / 2));
        for (auto &k : kept)
            k.clear();
        QCOMPARE(limiter.inFlight(QStringLiteral("shared")), 0);
    }
};

QTEST_GUILESS_MAIN(tst_RateLimiter)
#include "tst_ratelimiter.moc"
