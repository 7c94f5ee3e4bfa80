// kill -9 under load: the real airlockd serves 32 keep-alive clients, gets SIGKILL, and the request
// log on disk is compared with the responses the clients received. The writer commits while serving
// (every 50 ms), not at shutdown: every request answered before a point in the run is on disk while the
// load goes on, and survives the kill; a record may be missing only if its response arrived after that
// last commit. How long before the kill the oldest missing one was answered is printed (a measurement).

#include "airlockdprocess.h"
#include "fakemodelserver.h"
#include "storage/database.h"
#include "storage/requestlogstore.h"
#include "testhttpclient.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QJsonObject>
#include <QHash>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <signal.h>

using namespace airlock;
using namespace airlock::test;

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
        AirlockdProcess gateway;
        AirlockdProcess::Options options;
        options.config = configPath;
        options.dataDir = dataDir;
        options.workers = 2;
        options.args = {QStringLiteral("--auth"), QStringLiteral("disabled")};
        QVERIFY2(gateway.start(options), qPrintable(gateway.errorMessage()));
        const quint16 port = gateway.port();

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
        // The writer commits under load: what was answered up to now reaches the disk while the clients
        // keep sending (read through a connection of this process, as an admin's sqlite3 would).
        const QList<QString> answeredEarly = answeredAt.keys();
        QVERIFY2(answeredEarly.size() > 100, qPrintable(QString::number(answeredEarly.size())));
        auto db = Database::open(dataDir);
        QVERIFY(db);
        const auto storedIds = [&] {
            QSet<QString> ids;
            auto rows = (*db)->run(QStringLiteral("SELECT request_id FROM request_log"));
            while (rows && rows->next())
                ids.insert(rows->value(0).toString());
            return ids;
        };
        const auto allStored = [&](const QSet<QString> &stored) {
            return std::all_of(answeredEarly.cbegin(), answeredEarly.cend(), [&](const QString &id) { return stored.contains(id); });
        };
        bool committed = false;
        QElapsedTimer waited;
        waited.start();
        while (!committed && waited.elapsed() < 30000) {
            QTest::qWait(100); // the clients keep their event loop; the query is not free
            committed = allStored(storedIds());
        }
        QVERIFY2(committed, "the requests answered in the first 2.5 s never reached the disk while serving");
        QVERIFY2(gateway.isRunning() && !stopSending, "committed while serving, not at shutdown");
        QVERIFY2(answeredAt.size() > answeredEarly.size(), "the load went on while the writer committed");
        // More load, so that the kill hits a writer with records in flight.
        const qint64 answeredAtCommit = answeredAt.size();
        QTest::qWait(200);
        QVERIFY2(answeredAt.size() > answeredAtCommit, "the load went on until the kill");

        const qint64 killAt = clock.elapsed();
        QCOMPARE(::kill(pid_t(gateway.processId()), SIGKILL), 0);
        stopSending = true;
        QVERIFY(gateway.waitForFinished(10000));
        QCOMPARE(gateway.process()->exitStatus(), QProcess::CrashExit);

        const QSet<QString> stored = storedIds();
        // Committed before the kill is kept after it.
        QVERIFY(allStored(stored));
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
        // The writer commits every 50 ms, so only about the last 100 ms are missing (printed above); that
        // measurement, not a bound, because these machines stall: the asserted cause is the commit under
        // load above (a writer that committed only at shutdown never gets there).

        // The rollups (written at most once a second, so the kill left some rows uncovered) still agree
        // with the rows: queries add the uncovered rows, and the next writer folds them in exactly once.
        storage::RequestLogStore store(**db);
        storage::AggregateQuery all;
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
