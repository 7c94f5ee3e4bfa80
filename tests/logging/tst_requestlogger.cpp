// The queue and the writer thread: every record from many threads stored, batches committed quickly,
// a full queue counted and marked (never silent), stop() flushes, captured bodies redacted, and the
// cost on the hot path. Run under TSan too (-DAIRLOCK_SANITIZE=thread).

#include "logging/requestlogger.h"
#include "metrics/gatewaymetrics.h"
#include "storage/database.h"
#include "storage/requestlogstore.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QTemporaryDir>
#include <QTemporaryFile>
#include <QTest>

#include <atomic>
#include <mutex>
#include <thread>

using namespace airlock;
using namespace airlock::logging;
using namespace airlock::storage;

namespace {

RequestRecord record(int n, const QString &feature = QStringLiteral("code_completions"))
{
    RequestRecord r;
    r.requestId = QStringLiteral("r%1").arg(n);
    r.startedAtMs = QDateTime::currentMSecsSinceEpoch();
    r.method = "POST";
    r.path = "/v1/chat/completions";
    r.feature = feature;
    r.modelEndpoint = QStringLiteral("fake");
    r.modelFamily = QStringLiteral("codestral");
    r.status = 200;
    r.totalMs = 3;
    r.upstreamMs = 2;
    r.upstreamFirstByteMs = 1;
    return r;
}

qint64 countRows(const QString &dir)
{
    auto db = Database::open(dir);
    if (!db)
        return -1;
    RequestLogStore store(**db);
    return *store.countRows();
}

} // namespace

class tst_RequestLogger : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void storesEveryRecordFromManyThreads()
    {
        QTemporaryDir dir;
        metrics::GatewayMetrics metrics;
        RequestLoggerOptions options;
        options.dataDir = dir.path();
        RequestLogger logger(options, &metrics);
        QVERIFY(logger.start());
        std::atomic<int> batches{0};
        logger.addBatchListener([&](const std::shared_ptr<const StoredBatch> &) { ++batches; });

        constexpr int kThreads = 4;
        constexpr int kPerThread = 5000;
        std::vector<std::thread> threads;
        for (int t = 0; t < kThreads; ++t) {
            threads.emplace_back([&logger, t] {
                for (int i = 0; i < kPerThread; ++i) {
                    RequestRecord r = record(t * kPerThread + i);
                    logger.upstreamStarted(r);
                    logger.upstreamFinished(r);
                    logger.requestFinished(std::move(r));
                }
            });
        }
        for (auto &t : threads)
            t.join();
        logger.flush();
        QCOMPARE(logger.writtenTotal(), quint64(kThreads * kPerThread));
        QCOMPARE(logger.droppedTotal(), quint64(0));
        QCOMPARE(countRows(dir.path()), qint64(kThreads * kPerThread));
        QVERIFY(batches.load() >= 1);
        const QByteArray text = metrics.render();
        QVERIFY(text.contains("model_inferences_total{model_engine=\"codestral\",model_name=\"fake\",error=\"no\","
                              "streaming=\"no\",feature_category=\"code_completions\"} 20000"));
        QVERIFY(text.contains("model_inferences_in_flight{model_engine=\"codestral\",model_name=\"fake\"} 0"));
        logger.stop();
    }

    // The writer stores rows every batch but the rollups at most once a second; flush() and stop()
    // leave the rollup tables complete (and the watermark on the last row), and the telemetry parsed
    // once reaches both the store and the metrics.
    void flushAndStopWriteTheRollups()
    {
        QTemporaryDir dir;
        metrics::GatewayMetrics metrics;
        RequestLoggerOptions options;
        options.dataDir = dir.path();
        options.batchIntervalMs = 5;
        auto sums = [&] {
            auto db = Database::open(dir.path());
            if (!db)
                return QList<qint64>{};
            auto q = (*db)->run(QStringLiteral("SELECT (SELECT COUNT(*) FROM request_log), (SELECT COALESCE(SUM(requests), 0) "
                                               "FROM request_log_minutes), (SELECT COALESCE(SUM(requests), 0) FROM "
                                               "request_log_hours), (SELECT covered_id FROM request_log_rollup), (SELECT "
                                               "MAX(id) FROM request_log), (SELECT COALESCE(SUM(requests), 0) FROM "
                                               "suggestion_telemetry)"));
            QList<qint64> out;
            if (q && q->next()) {
                for (int i = 0; i < 6; ++i)
                    out.append(q->value(i).toLongLong());
            }
            return out;
        };
        {
            RequestLogger logger(options, &metrics);
            QVERIFY(logger.start());
            for (int round = 0; round < 3; ++round) {
                for (int i = 0; i < 100; ++i) {
                    RequestRecord r = record(round * 100 + i);
                    r.telemetryJson = "[{\"model_engine\":\"vllm\",\"model_name\":\"codestral\",\"lang\":\"go\","
                                      "\"requests\":2,\"accepts\":1}]";
                    logger.requestFinished(std::move(r));
                }
                logger.flush();
                const qint64 n = (round + 1) * 100;
                QCOMPARE(sums(), (QList<qint64>{n, n, n, n, n, 2 * n}));
            }
            for (int i = 0; i < 50; ++i)
                logger.requestFinished(record(1000 + i));
            logger.stop();
        }
        QCOMPARE(sums(), (QList<qint64>{350, 350, 350, 350, 350, 600}));
        const QByteArray text = metrics.render();
        QVERIFY2(text.contains("code_suggestions_requests{lang=\"go\",model=\"codestral\"} 600"), text.constData());
    }

    // The writer commits on its batch timer while running: each record reaches the listeners (committed)
    // before the next is submitted and long before stop(); with an hour-long interval nothing is committed
    // until stop(). How long a commit takes is printed, not asserted (a measurement: tests/bench).
    void commitsOnTheBatchTimer()
    {
        QTemporaryDir dir;
        RequestLoggerOptions options;
        options.dataDir = dir.path();
        RequestLogger logger(options);
        std::mutex mutex;
        QList<qint64> delays;
        QElapsedTimer clock;
        clock.start();
        std::atomic<qint64> submittedAt{0};
        std::atomic<int> committed{0};
        logger.addBatchListener([&](const std::shared_ptr<const StoredBatch> &batch) {
            std::lock_guard lock(mutex);
            for (int i = 0; i < batch->size(); ++i)
                delays.append(clock.elapsed() - submittedAt.load());
            committed += batch->size();
        });
        QVERIFY(logger.start());
        for (int i = 0; i < 20; ++i) {
            submittedAt = clock.elapsed();
            logger.requestFinished(record(i));
            QVERIFY2(QTest::qWaitFor([&] { return committed.load() == i + 1; }, 10000), qPrintable(QString::number(i)));
        }
        logger.stop();
        {
            std::lock_guard lock(mutex);
            QCOMPARE(delays.size(), 20);
            std::sort(delays.begin(), delays.end());
            qInfo("submitted to committed: median %lld ms, max %lld ms (batch interval %d ms)", delays.at(10),
                  delays.last(), options.batchIntervalMs);
        }

        // The cause: an interval that never comes commits nothing until stop() (one record does not fill
        // half the queue, the other wake-up).
        QTemporaryDir slowDir;
        RequestLoggerOptions slowOptions;
        slowOptions.dataDir = slowDir.path();
        slowOptions.batchIntervalMs = 60 * 60 * 1000;
        RequestLogger slow(slowOptions);
        std::atomic<int> slowCommitted{0};
        slow.addBatchListener([&](const std::shared_ptr<const StoredBatch> &batch) { slowCommitted += batch->size(); });
        QVERIFY(slow.start());
        slow.requestFinished(record(100));
        QTest::qWait(300); // several default batch intervals
        QCOMPARE(slowCommitted.load(), 0);
        slow.stop();
        QCOMPARE(slowCommitted.load(), 1);
    }

    void fullQueueAppliesBackPressureAndKeepsEveryAcceptedRecord()
    {
        QTemporaryDir dir;
        RequestLoggerOptions options;
        options.dataDir = dir.path();
        options.queueCapacity = 10;
        options.batchIntervalMs = 60 * 60 * 1000; // only the half-full wake-up makes the writer run
        RequestLogger logger(options);
        // Hold the writer inside its first batch so the queue fills deterministically.
        std::atomic<bool> inside{false};
        std::atomic<bool> release{false};
        logger.addBatchListener([&](const std::shared_ptr<const StoredBatch> &) {
            if (inside.exchange(true))
                return;
            while (!release.load())
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
        });
        QVERIFY(logger.start());
        for (int i = 0; i < 5; ++i)
            logger.requestFinished(record(i));
        QTRY_VERIFY(inside.load());
        for (int i = 5; i < 15; ++i) {
            QVERIFY2(logger.admitting(), qPrintable(QString::number(i)));
            logger.requestFinished(record(i));
        }
        // Full: new requests are turned away, but records of requests already accepted (in flight when
        // the queue filled) are still kept, beyond the capacity.
        QVERIFY(!logger.admitting());
        for (int i = 15; i < 20; ++i)
            logger.requestFinished(record(i));
        QCOMPARE(logger.queueDepth(), 15);
        QVERIFY(!logger.admitting());
        logger.refused();
        logger.refused();
        QCOMPARE(logger.refusedTotal(), quint64(2));
        QCOMPARE(logger.droppedTotal(), quint64(0));
        QByteArray text;
        logger.writeMetrics(text);
        QVERIFY2(text.contains("airlock_request_log_backpressure 1\n"), text.constData());
        QVERIFY2(text.contains("airlock_request_log_refused_total 2\n"), text.constData());
        QVERIFY2(text.contains("airlock_request_log_dropped_total 0\n"), text.constData());

        release = true;
        QTRY_VERIFY(logger.admitting()); // the writer took the queue
        logger.flush();
        text.clear();
        logger.writeMetrics(text);
        QVERIFY2(text.contains("airlock_request_log_backpressure 0\n"), text.constData());
        logger.stop();
        QCOMPARE(logger.writtenTotal(), quint64(20));
        QCOMPARE(logger.droppedTotal(), quint64(0));

        auto db = Database::open(dir.path());
        QVERIFY(db);
        RequestLogStore store(**db);
        LogQuery q;
        q.limit = 1000;
        auto page = store.query(q);
        QVERIFY(page);
        QCOMPARE(page->items.size(), 20);
        for (const QJsonValue &v : page->items)
            QVERIFY(!v.toObject().value(QStringLiteral("overflow_marker")).toBool());
    }

    void stopFlushesEverything()
    {
        QTemporaryDir dir;
        RequestLoggerOptions options;
        options.dataDir = dir.path();
        options.batchIntervalMs = 60 * 60 * 1000;
        {
            RequestLogger logger(options);
            QVERIFY(logger.start());
            for (int i = 0; i < 1000; ++i)
                logger.requestFinished(record(i));
        } // destructor = stop()
        QCOMPARE(countRows(dir.path()), qint64(1000));
    }

    void captureAllAndRedaction()
    {
        QTemporaryDir dir;
        RequestLoggerOptions options;
        options.dataDir = dir.path();
        RequestLogger logger(options);
        QVERIFY(!logger.captureAllBodies());
        logger.setCaptureAllBodies(true);
        QVERIFY(logger.captureAllBodies());
        QVERIFY(logger.start());
        std::shared_ptr<const StoredBatch> seen;
        std::mutex mutex;
        logger.addBatchListener([&](const std::shared_ptr<const StoredBatch> &b) {
            std::lock_guard lock(mutex);
            seen = b;
        });
        RequestRecord r = record(1);
        r.captureBodies = true;
        r.promptBody = "Authorization: Bearer supersecrettoken123 and sk-abcdefghijklmnopqrst";
        r.answerBody = "fine";
        logger.requestFinished(std::move(r));
        logger.flush();
        std::lock_guard lock(mutex);
        QVERIFY(seen);
        // Live logs and later readers only ever see the redacted body.
        QVERIFY(!seen->at(0).record.promptBody.contains("supersecrettoken123"));
        QVERIFY(!seen->at(0).record.promptBody.contains("sk-abcdefghijklmnopqrst"));
    }

    void startFailsCleanly()
    {
        QTemporaryFile file; // a file where the data directory should be
        QVERIFY(file.open());
        RequestLoggerOptions options;
        options.dataDir = file.fileName();
        RequestLogger logger(options);
        QVERIFY(!logger.start());
        logger.requestFinished(record(1)); // harmless
        logger.stop();
    }

    // The hot path's cost: what a worker pays per request (one mutex, one move). Reported, and bounded
    // loosely so that a regression by an order of magnitude fails.
    void hotPathKeepsEveryRecord()
    {
        QTemporaryDir dir;
        RequestLoggerOptions options;
        options.dataDir = dir.path();
        metrics::GatewayMetrics metrics;
        RequestLogger logger(options, &metrics);
        QVERIFY(logger.start());
        // Steady load: rounds of 1000 requests (a batch interval's worth at 20k req/s), timed alone.
        constexpr int kRounds = 50;
        constexpr int kPerRound = 1000;
        constexpr int kN = kRounds * kPerRound;
        std::vector<RequestRecord> records;
        records.reserve(kN);
        for (int i = 0; i < kN; ++i)
            records.push_back(record(i));
        qint64 gaugeNs = 0;
        qint64 queueNs = 0;
        QElapsedTimer timer;
        for (int round = 0; round < kRounds; ++round) {
            timer.start();
            for (int i = round * kPerRound; i < (round + 1) * kPerRound; ++i) {
                logger.upstreamStarted(records[i]);
                logger.upstreamFinished(records[i]);
            }
            gaugeNs += timer.nsecsElapsed();
            timer.start();
            for (int i = round * kPerRound; i < (round + 1) * kPerRound; ++i)
                logger.requestFinished(std::move(records[i]));
            queueNs += timer.nsecsElapsed();
            QTest::qWait(50);
        }
        const double nsGauge = double(gaugeNs) / kN;
        const double nsQueue = double(queueNs) / kN;
        const double nsPerRecord = nsGauge + nsQueue;
        qInfo("hot path: %.0f ns per request (in-flight gauge %.0f ns, queue %.0f ns)", nsPerRecord, nsGauge, nsQueue);
        logger.flush();
        QCOMPARE(logger.droppedTotal(), quint64(0));
        QCOMPARE(logger.writtenTotal(), quint64(kN));
        // The cost is reported, not asserted: timing bounds fail at random on shared machines. The target
        // (about 5 us, 10 % of a request at 20k req/s on one core) is checked by the benchmarks.
    }
};

QTEST_GUILESS_MAIN(tst_RequestLogger)
#include "tst_requestlogger.moc"
