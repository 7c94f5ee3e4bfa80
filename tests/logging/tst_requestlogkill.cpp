// kill -9 under load: the real airlockd serves 32 keep-alive clients, gets SIGKILL, and the request
// log on disk is compared with the responses the clients received. A record may be missing only if its
// response arrived within the last batch interval before the kill (the bound: 100 ms).

#include "fakemodelserver.h"
#include "logging/requestlogstore.h"
#include "storage/database.h"
#include "testhttpclient.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QJsonObject>
#include <QHash>
#include <QProcess>
#include <QSet>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

#include <signal.h>

using namespace airlock;
using namespace airlock::test;

namespace {

quint16 freePort()
{
    QTcpServer s;
    s.listen(QHostAddress::LocalHost, 0);
    return s.serverPort();
}

} // namespace

class tst_RequestLogKill : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void killDashNineLosesAtMostTheLastBatch()
    {
        QTemporaryDir dir;
        FakeModelServer fake;
        const QString configPath = dir.filePath(QStringLiteral("airlock.json"));
        {
            QFile config(configPath);
            QVERIFY(config.open(QIODevice::WriteOnly));
            config.write("{\"models\":[{\"name\":\"m\",\"family\":\"codestral\",\"base_url\":\"" + fake.baseUrl().toString().toUtf8()
                         + "\",\"identifier\":\"served\",\"max_concurrency\":512}],"
                           "\"features\":{\"code_completions\":\"m\"}}");
        }
        const QString dataDir = dir.filePath(QStringLiteral("data"));
        const quint16 port = freePort();
        QProcess gateway;
        gateway.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        gateway.start(QStringLiteral(AIRLOCKD_PATH),
                      {QStringLiteral("--config"), configPath, QStringLiteral("--data-dir"), dataDir, QStringLiteral("--listen"),
                       QStringLiteral("127.0.0.1:%1").arg(port), QStringLiteral("--admin-listen"),
                       QStringLiteral("127.0.0.1:%1").arg(freePort()), QStringLiteral("--workers"), QStringLiteral("2"),
                       QStringLiteral("--auth"), QStringLiteral("disabled")});
        QVERIFY(QTest::qWaitFor([&] { return gateway.canReadLine() || gateway.state() == QProcess::NotRunning; }, 20000));
        QVERIFY2(gateway.readLine().contains("listening"), "airlockd did not start");

        QElapsedTimer clock;
        clock.start();
        QHash<QString, qint64> answeredAt; // request id -> when its 200 arrived (clock ms)
        QSet<QString> sent;
        std::vector<std::unique_ptr<TestHttpClient>> clients;
        int next = 0;
        bool stopSending = false;
        auto sendOne = [&](TestHttpClient *client) {
            const QByteArray id = "kill-" + QByteArray::number(next++);
            sent.insert(QString::fromLatin1(id));
            client->sendRequest(HttpRequest::post("/v1/chat/completions",
                                                  "{\"model\":\"code_completions\",\"messages\":[{\"role\":\"user\","
                                                  "\"content\":\"hi\"}]}")
                                    .withHeader("X-Request-ID", id));
        };
        for (int c = 0; c < 32; ++c) {
            auto client = std::make_unique<TestHttpClient>(port);
            TestHttpClient *raw = client.get();
            connect(raw, &TestHttpClient::responseFinished, this, [&, raw](int index) {
                const HttpResponse &r = raw->responses().at(index);
                if (r.status == 200) {
                    // Responses on one keep-alive connection come in request order: the id is by position.
                    answeredAt.insert(raw->property("ids").toStringList().value(index), clock.elapsed());
                }
                if (!stopSending) {
                    QStringList ids = raw->property("ids").toStringList();
                    ids.append(QStringLiteral("kill-%1").arg(next));
                    raw->setProperty("ids", ids);
                    sendOne(raw);
                }
            });
            raw->setProperty("ids", QStringList{QStringLiteral("kill-%1").arg(next)});
            sendOne(raw);
            clients.push_back(std::move(client));
        }
        QTest::qWait(2500);
        const qint64 killAt = clock.elapsed();
        QCOMPARE(::kill(pid_t(gateway.processId()), SIGKILL), 0);
        stopSending = true;
        QVERIFY(gateway.waitForFinished(10000));
        QCOMPARE(gateway.exitStatus(), QProcess::CrashExit);
        QVERIFY2(answeredAt.size() > 100, qPrintable(QString::number(answeredAt.size())));

        auto db = Database::open(dataDir);
        QVERIFY(db);
        auto rows = (*db)->run(QStringLiteral("SELECT request_id, status FROM request_log"));
        QVERIFY(rows);
        QSet<QString> stored;
        while (rows->next())
            stored.insert(rows->value(0).toString());
        int missing = 0;
        qint64 oldestMissingAgeMs = 0;
        for (auto it = answeredAt.cbegin(); it != answeredAt.cend(); ++it) {
            if (stored.contains(it.key()))
                continue;
            ++missing;
            oldestMissingAgeMs = qMax(oldestMissingAgeMs, killAt - it.value());
        }
        for (const QString &id : std::as_const(stored))
            QVERIFY2(sent.contains(id), qPrintable(id));
        qInfo("kill -9 after %lld answered requests: %lld stored, %d answered but not stored, the oldest of them "
              "answered %lld ms before the kill",
              qint64(answeredAt.size()), qint64(stored.size()), missing, oldestMissingAgeMs);
        // The writer commits every 50 ms, so only the last ~100 ms may be missing (that is what the run above
        // printed). The bound asserted leaves room for a stalled machine yet still fails a writer that only
        // commits with the once-a-second rollups or at shutdown.
        QVERIFY2(oldestMissingAgeMs <= 500, qPrintable(QString::number(oldestMissingAgeMs)));

        // The rollups (written at most once a second, so the kill left some rows uncovered) still agree
        // with the rows: queries add the uncovered rows, and the next writer folds them in exactly once.
        logging::RequestLogStore store(**db);
        logging::AggregateQuery all;
        all.fromMs = 0;
        all.toMs = QDateTime::currentMSecsSinceEpoch() + 3600 * 1000;
        all.stepSeconds = 24 * 3600;
        auto rollupSums = [&] {
            auto q = (*db)->run(QStringLiteral("SELECT (SELECT COUNT(*) FROM request_log), (SELECT COALESCE(SUM(requests), 0) "
                                               "FROM request_log_minutes), (SELECT COALESCE(SUM(requests), 0) FROM "
                                               "request_log_hours)"));
            return q && q->next() ? QList<qint64>{q->value(0).toLongLong(), q->value(1).toLongLong(), q->value(2).toLongLong()}
                                  : QList<qint64>{};
        };
        const QList<qint64> before = rollupSums();
        QCOMPARE(before.size(), 3);
        qInfo("after the kill: %lld rows, %lld of them in the rollups", before.at(0), before.at(1));
        auto aggregate = store.aggregate(all);
        QVERIFY(aggregate);
        QCOMPARE(aggregate->value(QStringLiteral("total")).toObject().value(QStringLiteral("requests")).toInteger(), before.at(0));
        QVERIFY(store.flushRollups());
        const qint64 rowCount = before.at(0);
        QCOMPARE(rollupSums(), (QList<qint64>{rowCount, rowCount, rowCount}));
        aggregate = store.aggregate(all);
        QVERIFY(aggregate);
        QCOMPARE(aggregate->value(QStringLiteral("total")).toObject().value(QStringLiteral("requests")).toInteger(), rowCount);
    }
};

QTEST_MAIN(tst_RequestLogKill)
#include "tst_requestlogkill.moc"
