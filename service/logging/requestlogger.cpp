#include "requestlogger.h"

#include "chathistory.h"
#include "metrics/gatewaymetrics.h"
#include "metrics/prometheus.h"
#include "storage/database.h"

#include <QDateTime>
#include <QLoggingCategory>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

Q_LOGGING_CATEGORY(lcLogging, "airlock.logging", QtInfoMsg)

namespace airlock::logging {

using Clock = std::chrono::steady_clock;
using storage::RequestLogStore;
using storage::RetentionPolicy;
using storage::StoredBatch;
using storage::StoredRecord;
using storage::TelemetryItem;

struct RequestLogger::Private
{
    RequestLoggerOptions options;
    metrics::GatewayMetrics *metrics = nullptr;
    ChatHistory *chatHistory = nullptr;
    QList<BatchListener> listeners;

    // The queue (workers push, the writer swaps it out).
    mutable std::mutex mutex;
    std::condition_variable wake;
    std::vector<RequestRecord> queue;
    std::vector<RequestRecord> spare; // the writer's emptied vector, swapped back in (keeps its capacity)
    bool stopRequested = false;
    quint64 flushRequested = 0;
    quint64 flushDone = 0;
    std::condition_variable flushed;

    // Start-up handshake.
    bool started = false;
    std::optional<Error> startError;
    std::condition_variable startedCondition;

    std::thread writer;
    std::atomic<bool> captureAll{false};

    mutable std::mutex settingsMutex;
    RetentionPolicy retention;

    std::atomic<qsizetype> depth{0}; // queue.size(), readable without the mutex
    std::atomic<quint64> refusedTotal{0};
    std::atomic<qint64> lastRefusalWarningMs{0};
    std::atomic<quint64> droppedTotal{0};
    std::atomic<quint64> droppedSinceMarker{0};
    std::atomic<qint64> firstDropMs{0};
    std::atomic<qint64> lastDropMs{0};
    std::atomic<qint64> lastDropWarningMs{0};
    std::atomic<quint64> writtenTotal{0};
    std::atomic<quint64> failedBatches{0};
    mutable std::mutex histogramMutex;
    metrics::Histogram commitSeconds{&metrics::overheadBuckets()};

    void recordDrop(qint64 startedAtMs)
    {
        droppedTotal.fetch_add(1, std::memory_order_relaxed);
        droppedSinceMarker.fetch_add(1, std::memory_order_relaxed);
        qint64 expected = 0;
        firstDropMs.compare_exchange_strong(expected, startedAtMs, std::memory_order_relaxed);
        lastDropMs.store(startedAtMs, std::memory_order_relaxed);
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        qint64 last = lastDropWarningMs.load(std::memory_order_relaxed);
        if (now - last >= 60000 && lastDropWarningMs.compare_exchange_strong(last, now)) {
            qCWarning(lcLogging) << "the request log cannot store records: they are being dropped; the log will "
                                    "show an overflow marker";
        }
    }

    // A synthetic row that keeps the gap visible in the log itself.
    std::optional<StoredRecord> takeOverflowMarker()
    {
        const quint64 n = droppedSinceMarker.exchange(0);
        if (n == 0)
            return std::nullopt;
        const qint64 first = firstDropMs.exchange(0);
        const qint64 last = lastDropMs.load();
        StoredRecord marker;
        marker.overflowMarker = true;
        RequestRecord &r = marker.record;
        r.requestId = QStringLiteral("overflow-%1").arg(first);
        r.startedAtMs = first ? first : QDateTime::currentMSecsSinceEpoch();
        r.path = "<request log overflow>";
        r.errorCode = QStringLiteral("request_log_overflow");
        r.errorMessage = QStringLiteral("%1 request records were not stored because the request log queue was full, "
                                        "between %2 and %3")
                             .arg(n)
                             .arg(QDateTime::fromMSecsSinceEpoch(first, Qt::UTC).toString(Qt::ISODateWithMs),
                                  QDateTime::fromMSecsSinceEpoch(last, Qt::UTC).toString(Qt::ISODateWithMs));
        return marker;
    }

    void afterCommit(const std::shared_ptr<StoredBatch> &batch)
    {
        for (const StoredRecord &stored : *batch) {
            if (stored.overflowMarker)
                continue;
            const RequestRecord &r = stored.record;
            if (metrics) {
                metrics->observe(r);
                if (!stored.telemetry.isEmpty()) {
                    for (const TelemetryItem &item : stored.telemetry)
                        metrics->observeSuggestionTelemetry(item.lang, item.modelName, item.requests, item.accepts,
                                                            item.errors);
                }
            }
            if (chatHistory && !r.chatUserId.isEmpty() && (!r.chatQuestion.isEmpty() || !r.chatAnswer.isEmpty())) {
                QList<ChatMessage> turn;
                if (!r.chatQuestion.isEmpty())
                    turn.append({QStringLiteral("user"), r.chatQuestion, r.startedAtMs});
                if (!r.chatAnswer.isEmpty())
                    turn.append({QStringLiteral("assistant"), r.chatAnswer, r.startedAtMs + qint64(qMax(0.0, r.totalMs))});
                chatHistory->append(r.chatUserId, std::move(turn));
            }
        }
        const std::shared_ptr<const StoredBatch> shared = batch;
        for (const BatchListener &listener : listeners)
            listener(shared);
    }

    // Writes `records` (plus an overflow marker if needed) in transactions of maxBatch.
    void writeAll(RequestLogStore &store, std::vector<RequestRecord> &records)
    {
        std::size_t next = 0;
        auto marker = takeOverflowMarker();
        while (next < records.size() || marker) {
            auto batch = std::make_shared<StoredBatch>();
            batch->reserve(int(qMin<std::size_t>(records.size() - next, std::size_t(options.maxBatch))) + 1);
            if (marker) {
                batch->append(std::move(*marker));
                marker.reset();
            }
            while (next < records.size() && batch->size() < options.maxBatch)
                batch->emplaceBack().record = std::move(records[next++]);
            const auto started = Clock::now();
            Status st = store.insertBatch(*batch);
            // One retry covers a transient SQLITE_BUSY beyond busy_timeout (another process holding
            // the write lock); a second failure counts the records as dropped, with a marker.
            if (!st)
                st = store.insertBatch(*batch);
            const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
            {
                std::lock_guard lock(histogramMutex);
                commitSeconds.observe(seconds);
            }
            if (!st) {
                failedBatches.fetch_add(1);
                qCWarning(lcLogging).noquote() << "cannot store" << batch->size()
                                               << "request records:" << st.error().message;
                for (const StoredRecord &lost : std::as_const(*batch)) {
                    if (!lost.overflowMarker)
                        recordDrop(lost.record.startedAtMs);
                }
                continue;
            }
            writtenTotal.fetch_add(quint64(batch->size()), std::memory_order_relaxed);
            afterCommit(batch);
        }
        records.clear();
    }

    void run()
    {
        auto db = Database::open(options.dataDir);
        {
            std::lock_guard lock(mutex);
            if (!db)
                startError = db.error();
            started = true;
        }
        startedCondition.notify_all();
        if (!db)
            return;
        RequestLogStore store(**db);
        store.setRedactor(options.redactor);
        // Rows are committed every batch; the rollups they feed once a second (queries add the rows
        // the rollups do not cover yet, so they stay exact).
        store.setRollupInterval(1000);
        const auto interval = std::chrono::milliseconds(qMax(1, options.batchIntervalMs));
        const auto retentionInterval = std::chrono::milliseconds(qMax(1, options.retentionIntervalMs));
        auto nextCommit = Clock::now() + interval;
        auto nextRetention = Clock::now() + retentionInterval;
        std::vector<RequestRecord> taken;
        for (;;) {
            bool stopping = false;
            quint64 flushTicket = 0;
            {
                std::unique_lock lock(mutex);
                const std::size_t urgent = std::size_t(qMax(1, options.queueCapacity / 2));
                wake.wait_until(lock, nextCommit, [&] {
                    return stopRequested || flushRequested != flushDone || queue.size() >= urgent;
                });
                spare.swap(taken); // `taken` was cleared by writeAll: hand its capacity back
                queue.swap(spare);
                taken.swap(spare);
                depth.store(0, std::memory_order_relaxed);
                stopping = stopRequested;
                flushTicket = flushRequested;
            }
            nextCommit = Clock::now() + interval;
            const bool idle = taken.empty();
            writeAll(store, taken);
            if (idle || flushTicket != flushDone || stopping) {
                // flush() and stop() leave the rollup tables complete on disk; a quiet tick writes what
                // is pending once it is due (under load, insertBatch does that).
                if (auto st = store.flushRollups(idle && flushTicket == flushDone && !stopping); !st)
                    qCWarning(lcLogging).noquote() << "cannot write the request log rollups:" << st.error().message;
            }
            {
                std::lock_guard lock(mutex);
                flushDone = flushTicket;
            }
            flushed.notify_all();
            if (stopping) {
                std::lock_guard lock(mutex);
                if (queue.empty())
                    break;
                continue;
            }
            if (Clock::now() >= nextRetention) {
                RetentionPolicy policy;
                {
                    std::lock_guard lock(settingsMutex);
                    policy = retention;
                }
                auto removed = store.enforceRetention(policy, QDateTime::currentMSecsSinceEpoch());
                if (!removed)
                    qCWarning(lcLogging).noquote() << "request log retention failed:" << removed.error().message;
                // More to delete: another small step at the next tick, between batches.
                nextRetention = removed && *removed > 0 ? Clock::now() : Clock::now() + retentionInterval;
            }
        }
    }
};

RequestLogger::RequestLogger(RequestLoggerOptions options, metrics::GatewayMetrics *metrics, ChatHistory *chatHistory)
    : d(std::make_unique<Private>())
{
    d->options = std::move(options);
    d->options.queueCapacity = qMax(1, d->options.queueCapacity);
    d->options.maxBatch = qMax(1, d->options.maxBatch);
    d->metrics = metrics;
    d->chatHistory = chatHistory;
    d->retention = d->options.retention;
    d->captureAll = d->options.captureAllBodies;
    // Steady state never reallocates: a batch interval's worth of records at 20k req/s is ~1000.
    const std::size_t reserve = std::size_t(qMin(d->options.queueCapacity, 8192));
    d->queue.reserve(reserve);
    d->spare.reserve(reserve);
}

RequestLogger::~RequestLogger()
{
    stop();
}

Status RequestLogger::start()
{
    if (d->writer.joinable())
        return {};
    d->writer = std::thread([this] { d->run(); });
    std::unique_lock lock(d->mutex);
    d->startedCondition.wait(lock, [this] { return d->started; });
    if (d->startError) {
        lock.unlock();
        d->writer.join();
        return *d->startError;
    }
    return {};
}

void RequestLogger::stop()
{
    if (!d->writer.joinable())
        return;
    {
        std::lock_guard lock(d->mutex);
        d->stopRequested = true;
    }
    d->wake.notify_all();
    d->writer.join();
    qCDebug(lcLogging) << "request log stopped;" << d->writtenTotal.load() << "records written,"
                       << d->droppedTotal.load() << "dropped";
}

void RequestLogger::flush()
{
    std::unique_lock lock(d->mutex);
    if (!d->writer.joinable() || d->stopRequested)
        return;
    const quint64 ticket = ++d->flushRequested;
    d->wake.notify_all();
    d->flushed.wait(lock, [&] { return d->flushDone >= ticket || !d->writer.joinable(); });
}

void RequestLogger::addBatchListener(BatchListener listener)
{
    d->listeners.append(std::move(listener));
}

void RequestLogger::setCaptureAllBodies(bool on)
{
    d->captureAll.store(on, std::memory_order_relaxed);
}

void RequestLogger::setRetention(const RetentionPolicy &policy)
{
    std::lock_guard lock(d->settingsMutex);
    d->retention = policy;
}

RetentionPolicy RequestLogger::retention() const
{
    std::lock_guard lock(d->settingsMutex);
    return d->retention;
}

quint64 RequestLogger::droppedTotal() const
{
    return d->droppedTotal.load();
}

quint64 RequestLogger::writtenTotal() const
{
    return d->writtenTotal.load();
}

int RequestLogger::queueDepth() const
{
    std::lock_guard lock(d->mutex);
    return int(d->queue.size());
}

void RequestLogger::writeMetrics(QByteArray &out) const
{
    using namespace metrics;
    writeFamilyHeader(out, "airlock_request_log_queue_depth", "gauge", "Request records waiting for the log writer.");
    writeSample(out, "airlock_request_log_queue_depth", {}, queueDepth());
    writeFamilyHeader(out, "airlock_request_log_queue_capacity", "gauge", "Capacity of the request log queue.");
    writeSample(out, "airlock_request_log_queue_capacity", {}, d->options.queueCapacity);
    writeFamilyHeader(out, "airlock_request_log_written_total", "counter", "Request log rows committed.");
    writeSample(out, "airlock_request_log_written_total", {}, double(d->writtenTotal.load()));
    writeFamilyHeader(out, "airlock_request_log_backpressure", "gauge",
                      "1 while the request log queue is full and new requests are refused with 503.");
    writeSample(out, "airlock_request_log_backpressure", {}, admitting() ? 0 : 1);
    writeFamilyHeader(out, "airlock_request_log_refused_total", "counter",
                      "Requests refused with 503 because the request log queue was full.");
    writeSample(out, "airlock_request_log_refused_total", {}, double(d->refusedTotal.load()));
    writeFamilyHeader(out, "airlock_request_log_dropped_total", "counter",
                      "Request records the store failed to take; each gap has an overflow marker row.");
    writeSample(out, "airlock_request_log_dropped_total", {}, double(d->droppedTotal.load()));
    writeFamilyHeader(out, "airlock_request_log_failed_batches_total", "counter", "Batches the store refused.");
    writeSample(out, "airlock_request_log_failed_batches_total", {}, double(d->failedBatches.load()));
    writeFamilyHeader(out, "airlock_request_log_commit_seconds", "histogram", "Time to commit one batch.");
    std::lock_guard lock(d->histogramMutex);
    d->commitSeconds.write(out, "airlock_request_log_commit_seconds", {});
}

void RequestLogger::upstreamStarted(const RequestRecord &record)
{
    if (d->metrics)
        d->metrics->inferenceStarted(record);
}

void RequestLogger::upstreamFinished(const RequestRecord &record)
{
    if (d->metrics)
        d->metrics->inferenceFinished(record);
}

void RequestLogger::requestFinished(RequestRecord &&record)
{
    // Always queued, even beyond the capacity: this request was accepted (admitting() turns new ones
    // away instead), so its record is kept.
    std::unique_lock lock(d->mutex);
    d->queue.push_back(std::move(record));
    const std::size_t size = d->queue.size();
    d->depth.store(qsizetype(size), std::memory_order_relaxed);
    if (size == std::size_t(qMax(1, d->options.queueCapacity / 2)))
        d->wake.notify_one();
}

bool RequestLogger::admitting() const
{
    return d->depth.load(std::memory_order_relaxed) < d->options.queueCapacity;
}

void RequestLogger::refused()
{
    d->refusedTotal.fetch_add(1, std::memory_order_relaxed);
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    qint64 last = d->lastRefusalWarningMs.load(std::memory_order_relaxed);
    if (now - last >= 60000 && d->lastRefusalWarningMs.compare_exchange_strong(last, now)) {
        qCWarning(lcLogging).noquote()
            << QStringLiteral("the request log is %1 records behind (capacity %2): new requests are refused with 503 "
                              "until it catches up")
                   .arg(d->depth.load(std::memory_order_relaxed))
                   .arg(d->options.queueCapacity);
    }
}

quint64 RequestLogger::refusedTotal() const
{
    return d->refusedTotal.load();
}

bool RequestLogger::captureAllBodies() const
{
    return d->captureAll.load(std::memory_order_relaxed);
}

} // namespace airlock::logging
