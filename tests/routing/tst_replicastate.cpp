// One replica's live state (routing/replicastate.h) on an explicit clock: ejection after consecutive
// failures with a doubling time, ejection on the failure rate of a sliding window, the active probe's
// verdict taking a replica out of rotation, when a probe may end an ejection early (only after it saw
// the replica fail), the time-to-first-byte histogram and p95, and all of it from many threads at once.

#include "routing/replicastate.h"

#include <QTest>

#include <thread>
#include <vector>

using namespace airlock::routing;

class tst_ReplicaState : public QObject
{
    Q_OBJECT

    const EjectionSettings m_settings { 3, 1000, 8000, 0, 30000, 20 };
    // Failure rate only (consecutive failures out of reach): 50 % of at least 10 tries in 10 s.
    const EjectionSettings m_rate { 1000, 1000, 8000, 50, 10000, 10 };

    static ReplicaState replica() { return ReplicaState(QStringLiteral("m"), QUrl(QStringLiteral("http://127.0.0.1:9/v1"))); }

    void eject(ReplicaState &r, qint64 t)
    {
        QVERIFY(!r.recordFailure(t, m_settings, true));
        QVERIFY(!r.recordFailure(t, m_settings, true));
        QVERIFY(r.recordFailure(t, m_settings, true));
    }

private Q_SLOTS:
    void ejectionDoublesUntilASuccess()
    {
        ReplicaState r = replica();
        const qint64 t = 1'000'000;
        QVERIFY(r.available(t));
        eject(r, t);
        QVERIFY(!r.available(t));
        QCOMPARE(r.ejectedUntilMs(), t + 1000);
        QVERIFY(r.available(t + 1000));
        eject(r, t + 1000);
        QCOMPARE(r.ejectedUntilMs(), t + 1000 + 2000);
        r.recordSuccess(5, t + 1001, m_settings);
        QVERIFY(r.available(t + 1001));
        eject(r, t + 2000);
        QCOMPARE(r.ejectedUntilMs(), t + 2000 + 1000); // the streak restarted
        QCOMPARE(r.ejections.load(), 3ULL);
    }

    void notAllowedToEjectKeepsItInRotation()
    {
        ReplicaState r = replica();
        for (int i = 0; i < 5; ++i)
            QVERIFY(!r.recordFailure(1000, m_settings, false));
        QVERIFY(r.available(1000));
        QCOMPARE(r.failures.load(), 5ULL);
    }

    void probeVerdictDecidesRotation()
    {
        ReplicaState r = replica();
        r.setProbe(ProbeVerdict::NotReady, QStringLiteral("loading"));
        QVERIFY(!r.available(1000));
        QCOMPARE(r.probeDetail(), QStringLiteral("loading"));
        r.setProbe(ProbeVerdict::Down, QStringLiteral("refused"));
        QVERIFY(!r.available(1000));
        r.setProbe(ProbeVerdict::Ready, QString());
        QVERIFY(r.available(1000));
        r.setProbe(ProbeVerdict::Unknown, QString());
        QVERIFY(r.available(1000));
    }

    // A probe that saw the replica down and then ready again ends its ejection at once.
    void recoverySeenByTheProbeEndsTheEjection()
    {
        ReplicaState r = replica();
        const qint64 t = 1'000'000;
        r.setProbe(ProbeVerdict::Ready, QString());
        eject(r, t);
        r.setProbe(ProbeVerdict::Down, QStringLiteral("refused"));
        QVERIFY(!r.available(t + 10));
        r.setProbe(ProbeVerdict::Ready, QString());
        QVERIFY(r.available(t + 10));
        QCOMPARE(r.consecutiveFailures(), 0);
    }

    // A probe that never failed proves nothing: a server may answer its health check and fail every
    // completion. Its first verdict, or another "ready", leaves the ejection running.
    void probeThatNeverFailedLeavesTheEjection()
    {
        ReplicaState r = replica();
        const qint64 t = 1'000'000;
        eject(r, t);
        r.setProbe(ProbeVerdict::Ready, QString()); // first verdict, from Unknown
        QVERIFY(!r.available(t + 10));
        r.setProbe(ProbeVerdict::Ready, QString());
        QVERIFY(!r.available(t + 10));
        QVERIFY(r.available(t + 1000));
    }

    // Alternating answers and failures: 50 % once 10 tries are in the window ejects, not before.
    void failureRateEjectsOnceEnoughTriesWereSeen()
    {
        ReplicaState r = replica();
        const qint64 t = 1'000'000;
        for (int i = 0; i < 4; ++i) {
            r.recordSuccess(10, t + i, m_rate);
            QVERIFY(!r.recordFailure(t + i, m_rate, true));
        }
        r.recordSuccess(10, t + 5, m_rate);
        QCOMPARE(r.windowCounts(t + 5, m_rate).total, 9);
        QCOMPARE(r.windowCounts(t + 5, m_rate).failed, 4);
        QVERIFY(r.available(t + 5));
        QVERIFY(r.recordFailure(t + 6, m_rate, true)); // 5 of 10
        QVERIFY(!r.available(t + 6));
        QCOMPARE(r.ejectedUntilMs(), t + 6 + 1000);
        QCOMPARE(r.ejections.load(), 1ULL);
        // The ejection starts a new window: back in rotation, old failures do not eject it again.
        QCOMPARE(r.windowCounts(t + 6, m_rate).total, 0);
        QVERIFY(!r.recordFailure(t + 1006, m_rate, true));
        QVERIFY(r.available(t + 1006));
    }

    // The back-off doubles as for consecutive failures while no success came in between.
    void failureRateEjectionDoubles()
    {
        ReplicaState r = replica();
        const qint64 t = 1'000'000;
        for (int i = 0; i < 9; ++i)
            QVERIFY(!r.recordFailure(t, m_rate, true));
        QVERIFY(r.recordFailure(t, m_rate, true));
        QCOMPARE(r.ejectedUntilMs(), t + 1000);
        for (int i = 0; i < 9; ++i)
            QVERIFY(!r.recordFailure(t + 1000, m_rate, true));
        QVERIFY(r.recordFailure(t + 1000, m_rate, true));
        QCOMPARE(r.ejectedUntilMs(), t + 1000 + 2000);
    }

    void failureRateBelowTheThresholdKeepsTheReplica()
    {
        ReplicaState r = replica();
        const qint64 t = 1'000'000;
        for (int i = 0; i < 100; ++i) { // 40 % failures, never more at any point: answer x3, fail x2
            if (i % 5 >= 3)
                QVERIFY(!r.recordFailure(t + i, m_rate, true));
            else
                r.recordSuccess(10, t + i, m_rate);
        }
        QVERIFY(r.available(t + 100));
        QCOMPARE(r.windowCounts(t + 100, m_rate).total, 100);
        QCOMPARE(r.windowCounts(t + 100, m_rate).failed, 40);
        QCOMPARE(r.ejections.load(), 0ULL);
    }

    // Tries older than the window (10 buckets of 1 s here) no longer count.
    void oldTriesSlideOutOfTheWindow()
    {
        ReplicaState r = replica();
        const qint64 t = 1'000'000; // the start of a bucket
        for (int i = 0; i < 9; ++i)
            QVERIFY(!r.recordFailure(t, m_rate, true));
        QCOMPARE(r.windowCounts(t + 9999, m_rate).failed, 9);
        QCOMPARE(r.windowCounts(t + 10000, m_rate).failed, 0);
        r.recordSuccess(10, t + 5000, m_rate);
        QCOMPARE(r.windowCounts(t + 10000, m_rate).total, 1);
        // The 10th failure comes when the first 9 are out of the window: 2 tries, too few to judge.
        QVERIFY(!r.recordFailure(t + 10000, m_rate, true));
        QVERIFY(r.available(t + 10000));
        QCOMPARE(r.windowCounts(t + 10000, m_rate).total, 2);
        // A bucket's slot comes round again after a whole window: it starts empty.
        QVERIFY(!r.recordFailure(t + 20000, m_rate, true));
        QCOMPARE(r.windowCounts(t + 20000, m_rate).total, 1);
    }

    void failureRateOffOrNotAllowedNeverEjects()
    {
        ReplicaState r = replica();
        EjectionSettings off = m_rate;
        off.failureRatePercent = 0;
        for (int i = 0; i < 50; ++i)
            QVERIFY(!r.recordFailure(1'000'000, off, true));
        QVERIFY(r.available(1'000'000));
        QCOMPARE(r.windowCounts(1'000'000, off).total, 0);
        ReplicaState s = replica();
        for (int i = 0; i < 50; ++i)
            QVERIFY(!s.recordFailure(1'000'000, m_rate, false)); // the endpoint's share is used up
        QVERIFY(s.available(1'000'000));
    }

    // A reload with another window width starts the window afresh rather than misreading the buckets.
    void anotherWindowWidthStartsAfresh()
    {
        ReplicaState r = replica();
        for (int i = 0; i < 9; ++i)
            QVERIFY(!r.recordFailure(1'000'000, m_rate, true));
        EjectionSettings wider = m_rate;
        wider.windowMs = 60000;
        QCOMPARE(r.windowCounts(1'000'000, wider).total, 0);
        QVERIFY(!r.recordFailure(1'000'000, wider, true));
        QCOMPARE(r.windowCounts(1'000'000, wider).total, 1);
    }

    void ttfbHistogramAndP95()
    {
        ReplicaState r = replica();
        QCOMPARE(r.ttfbP95(), -1.0);
        const double ms[] = {10, 20, 30, 40, 60, 80, 120, 3000};
        for (double v : ms)
            r.recordSuccess(v, 1000, m_settings);
        r.recordSuccess(-1, 1000, m_settings); // no first byte time: neither in the histogram nor the p95
        QCOMPARE(r.ttfbCount(), 8ULL);
        QCOMPARE(r.ttfbBucket(0), 2ULL); // <= 25 ms
        QCOMPARE(r.ttfbBucket(1), 2ULL); // <= 50 ms
        QCOMPARE(r.ttfbBucket(2), 2ULL); // <= 100 ms
        QCOMPARE(r.ttfbBucket(3), 1ULL); // <= 250 ms
        QCOMPARE(r.ttfbBucket(7), 1ULL); // <= 4 s
        QCOMPARE(r.ttfbBucket(kTtfbBucketsSeconds.size()), 0ULL);
        QVERIFY(qAbs(r.ttfbSumSeconds() - 3.36) < 1e-9);
        QCOMPARE(r.ttfbP95(), 3000.0);
        r.recordSuccess(120000, 1000, m_settings); // over the last bound: +Inf
        QCOMPARE(r.ttfbBucket(kTtfbBucketsSeconds.size()), 1ULL);
        QCOMPARE(r.ttfbP95(), 120000.0);
        for (int i = 0; i < 64; ++i)
            r.recordSuccess(50, 1000, m_settings); // the p95 follows the recent answers
        QCOMPARE(r.ttfbP95(), 50.0);
    }

    // Worker threads record into one replica at once (TSan-clean: built with -DAIRLOCK_SANITIZE=thread
    // it reports no race): nothing is lost and the window's counts add up.
    void concurrentRecordsAddUp()
    {
        ReplicaState r = replica();
        EjectionSettings never = m_rate;
        never.minRequests = 1'000'000;
        constexpr int kThreads = 4;
        constexpr int kEach = 2000;
        std::vector<std::thread> threads;
        for (int n = 0; n < kThreads; ++n) {
            threads.emplace_back([&r, &never, n] {
                for (int i = 0; i < kEach; ++i) {
                    if ((i + n) % 2)
                        r.recordFailure(1'000'000, never, true);
                    else
                        r.recordSuccess(30, 1'000'000, never);
                    (void)r.ttfbP95();
                    (void)r.available(1'000'000);
                }
            });
        }
        for (auto &t : threads)
            t.join();
        QCOMPARE(r.windowCounts(1'000'000, never).total, kThreads * kEach);
        QCOMPARE(r.windowCounts(1'000'000, never).failed, kThreads * kEach / 2);
        QCOMPARE(r.ttfbCount(), quint64(kThreads * kEach / 2));
        QCOMPARE(r.failures.load(), quint64(kThreads * kEach / 2));
    }
};

QTEST_APPLESS_MAIN(tst_ReplicaState)
#include "tst_replicastate.moc"
