// Back-pressure from the request log, through a real gateway: while the store cannot keep up (another
// connection holds SQLite's write lock) and the writer's queue is full, new requests are refused with
// 503 + Retry-After and a JSON error naming the cause; health checks still answer; every request that
// was accepted is in the log once the store is free again, and none was dropped.

#include "gatewayfixture.h"
#include "storage/database.h"

#include <QJsonObject>
#include <QSet>
#include <QTest>

using namespace airlock;
using namespace airlock::test;

class tst_RequestLogBackPressure : public QObject
{
    Q_OBJECT

private slots:
    void fullQueueRefusesNewRequestsAndLosesNoAcceptedOne()
    {
        FakeModelServer fake;
        constexpr int capacity = 8;
        GatewayFixture gw({}, 2, [](GatewayOptions &o) { o.logging.queueCapacity = capacity; });
        gw.apply(gw.standardConfig(fake.baseUrl()));

        // Stall the writer: it waits on busy_timeout (5 s) for this lock.
        auto blocker = Database::open(gw.m_dir.path());
        QVERIFY(blocker);
        QVERIFY((*blocker)->exec(QStringLiteral("BEGIN IMMEDIATE")));

        auto chat = [&](const QByteArray &id) {
            return TestHttpClient::fetch(gw.port(), HttpRequest::post("/v1/chat/completions", chatBody("code_completions"))
                                                        .withHeader("X-Request-ID", id));
        };
        QSet<QString> accepted;
        HttpResponse refusal;
        for (int i = 0; i < 200 && refusal.status == 0; ++i) {
            const QByteArray id = "bp-" + QByteArray::number(i);
            const HttpResponse r = chat(id);
            if (r.status == 200)
                accepted.insert(QString::fromLatin1(id));
            else if (r.status == 503)
                refusal = r;
            else
                QFAIL(qPrintable(QStringLiteral("unexpected status %1: %2").arg(r.status).arg(QString::fromUtf8(r.body))));
        }
        QCOMPARE(refusal.status, 503);
        // The writer took at most one batch before it stalled; then `capacity` records filled the queue.
        QVERIFY2(accepted.size() >= capacity, qPrintable(QString::number(accepted.size())));
        const QJsonObject error = refusal.json().value(QStringLiteral("error")).toObject();
        QCOMPARE(error.value(QStringLiteral("code")).toString(), QStringLiteral("request_log_backlog"));
        QVERIFY2(error.value(QStringLiteral("message")).toString().contains(QStringLiteral("request log")),
                 refusal.body.constData());
        QCOMPARE(refusal.header("retry-after"), QByteArray("1"));
        QCOMPARE(chat("bp-refused-too").status, 503);
        // Health checks are not refused; the admin listener works (and shows the back-pressure).
        QCOMPARE(TestHttpClient::fetch(gw.port(), HttpRequest::get("/monitoring/healthz").withHeader("X-Request-ID", "bp-health"))
                     .status,
                 200);
        accepted.insert(QStringLiteral("bp-health")); // accepted, so logged too
        const HttpResponse metrics =
            TestHttpClient::fetch(gw.adminPort(), HttpRequest::get("/metrics").withBearer("test-admin-token"));
        QCOMPARE(metrics.status, 200);
        QVERIFY2(metrics.body.contains("airlock_request_log_backpressure 1\n"), metrics.body.constData());
        QVERIFY2(metrics.body.contains("airlock_request_log_refused_total 2\n"), metrics.body.constData());

        // The store is free again: the writer catches up and requests are accepted again.
        QVERIFY((*blocker)->exec(QStringLiteral("ROLLBACK")));
        HttpResponse again;
        QTRY_VERIFY((again = chat("bp-after")).status == 200);
        accepted.insert(QStringLiteral("bp-after"));
        gw.gateway->stop(); // flushes the log

        auto rows = (*blocker)->run(QStringLiteral("SELECT request_id FROM request_log"));
        QVERIFY(rows);
        QSet<QString> stored;
        while (rows->next())
            stored.insert(rows->value(0).toString());
        for (const QString &id : std::as_const(accepted))
            QVERIFY2(stored.contains(id), qPrintable(id));
        // Refused requests have no record (a flood of them cannot grow the queue).
        QVERIFY2(!stored.contains(QStringLiteral("bp-refused-too")), "a refused request was logged");
        QCOMPARE(stored, accepted);
    }
};

QTEST_MAIN(tst_RequestLogBackPressure)
#include "tst_requestlogbackpressure.moc"
