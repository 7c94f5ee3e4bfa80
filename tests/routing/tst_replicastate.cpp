// One replica's live state (routing/replicastate.h) on an explicit clock: ejection after consecutive
// failures with a doubling time, the active probe's verdict taking a replica out of rotation, and when a
// probe may end an ejection early (only after it saw the replica fail).

#include "routing/replicastate.h"

#include <QTest>

using namespace airlock::routing;

class tst_ReplicaState : public QObject
{
    Q_OBJECT

    const EjectionSettings m_settings { 3, 1000, 8000 };

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
        r.recordSuccess(5);
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
};

QTEST_APPLESS_MAIN(tst_ReplicaState)
#include "tst_replicastate.moc"
