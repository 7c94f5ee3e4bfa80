// The retry budget (routing/retrybudget.h) on an explicit clock: a few concurrent retries always, a
// burst of failures retried within the last ten seconds' share, a lasting outage held to that share.

#include "routing/retrybudget.h"

#include <QTest>

using namespace airlock::routing;

class tst_RetryBudget : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // A quiet gateway: three retries at once, whatever the traffic was.
    void quietGatewayStillRetries()
    {
        RetryBudget budget;
        const qint64 t = 1'000'000;
        budget.requestStartedAt(t);
        for (int i = 0; i < 3; ++i)
            QVERIFY(budget.tryStartRetryAt(20, 3, t));
        QVERIFY(!budget.tryStartRetryAt(20, 3, t));
        QCOMPARE(budget.refused(), 1ULL);
        budget.retryFinished();
        QVERIFY(budget.tryStartRetryAt(20, 3, t));
        QCOMPARE(budget.retriesInFlight(), 3);
    }

    // A replica dies with 10 of 16 requests in flight on it: all 10 fail at once. 100 requests in the
    // last seconds allow 20 retries, so every one is retried, though only 3 fit the concurrent share.
    void burstOfFailuresIsRetried()
    {
        RetryBudget budget;
        const qint64 t = 2'000'000;
        for (int s = 0; s < 5; ++s) {
            for (int i = 0; i < 20; ++i) {
                budget.requestStartedAt(t + s * 1000);
                if (s < 4 || i >= 16)
                    budget.requestFinished();
            }
        }
        QCOMPARE(budget.requestsInFlight(), 16);
        for (int i = 0; i < 10; ++i)
            QVERIFY2(budget.tryStartRetryAt(20, 3, t + 4500), qPrintable(QString::number(i)));
        QCOMPARE(budget.refused(), 0ULL);
    }

    // Every request fails and is retried, and the retries stay in flight: over the window, retries are
    // at most the share of requests (plus the concurrent minimum).
    void lastingOutageIsHeldToTheShare()
    {
        RetryBudget budget;
        const qint64 t = 3'000'000;
        int accepted = 0;
        int requests = 0;
        for (int s = 0; s < 30; ++s) {
            for (int i = 0; i < 50; ++i) {
                budget.requestStartedAt(t + s * 1000 + i);
                ++requests;
                accepted += budget.tryStartRetryAt(20, 3, t + s * 1000 + i);
            }
        }
        // each 10 s window holds 500 requests and so at most 100 retries
        QVERIFY2(accepted <= requests * 20 / 100 + 100, qPrintable(QString::number(accepted)));
        QVERIFY(accepted >= requests * 20 / 100 - 100);
        QVERIFY(budget.refused() > 0);
    }

    // Ten seconds later the window is empty again: only the concurrent share remains.
    void windowForgets()
    {
        RetryBudget budget;
        const qint64 t = 4'000'000;
        for (int i = 0; i < 100; ++i) {
            budget.requestStartedAt(t);
            budget.requestFinished();
        }
        for (int i = 0; i < 10; ++i) {
            QVERIFY(budget.tryStartRetryAt(20, 3, t + 500));
            budget.retryFinished();
        }
        const qint64 later = t + 11'000;
        for (int i = 0; i < 3; ++i)
            QVERIFY(budget.tryStartRetryAt(20, 3, later));
        QVERIFY(!budget.tryStartRetryAt(20, 3, later));
    }
};

QTEST_GUILESS_MAIN(tst_RetryBudget)
#include "tst_retrybudget.moc"
