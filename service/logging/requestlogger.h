#pragma once

// The request log's RequestObserver: worker threads hand finished records to a bounded in-memory
// queue; one writer thread (with its own Database connection) stores them in batches, one transaction
// per ~50 ms, and then hands each committed batch on (metrics, live logs, chat history).
//
// Hot path: requestFinished() moves the record into a vector under a mutex (no allocation in the
// steady state, no syscall, no wake-up: the writer polls on its batch interval). Nothing on a worker
// thread ever waits for the disk.
//
// Full queue: back-pressure at admission. While queueCapacity records wait, admitting() is false and
// the data path refuses new requests with 503 + Retry-After (counted in
// airlock_request_log_refused_total, airlock_request_log_backpressure is 1, and a warning at most
// once a minute); the record of every request already accepted is still queued, so nothing that was
// accepted is lost and the queue exceeds its capacity by at most the requests in flight. Workers are
// never blocked: blocking a worker stalls every connection on its thread, and making new requests wait
// would hold their work in memory anyway, only in a different queue. The queue is sized for seconds
// of full load (65536 records by default: > 3 s at 20k req/s), so it fills only when the disk stalls.
//
// Failing store: a batch whose transaction fails twice (e.g. SQLITE_BUSY beyond busy_timeout twice, a
// full disk) is counted as dropped (airlock_request_log_dropped_total) and the writer stores an
// overflow marker row saying how many records were lost between which times, so the log itself shows
// the gap. Nothing is dropped silently.
//
// Durability: a record is committed at most one batch interval (+ the commit itself) after its
// request finished; SQLite in WAL mode with synchronous=NORMAL keeps committed transactions across a
// process crash (kill -9). stop() flushes everything queued. The per-minute/hour rollups and daily
// users are written at most once a second (storage::RequestLogStore::setRollupInterval; flush() and stop() write
// them too): queries and the next writer after a crash add the rows they do not cover yet.
//
// Lifecycle: construct, start() (opens the store on the writer thread; returns its error), use, stop()
// or destroy. Settings (body capture, retention) may change at any time from any thread.

#include "storage/requestlogstore.h"
#include "requestrecord.h"
#include "result.h"

#include <QString>

#include <functional>
#include <memory>

namespace airlock::metrics {
class GatewayMetrics;
}

namespace airlock::logging {

class ChatHistory;

struct RequestLoggerOptions
{
    QString dataDir;            // the store's directory (Database::open)
    int queueCapacity = 65536;  // records waiting for the writer before new requests are refused
    int batchIntervalMs = 50;   // how often the writer commits
    int maxBatch = 8192;        // records per transaction at most
    int retentionIntervalMs = 1000; // how often one retention step runs when there is nothing to delete
    storage::RetentionPolicy retention;
    bool captureAllBodies = false;
    std::shared_ptr<const storage::Redactor> redactor; // captured bodies' redaction rules; null: every built-in one
};

class RequestLogger : public RequestObserver
{
public:
    RequestLogger(RequestLoggerOptions options, metrics::GatewayMetrics *metrics = nullptr,
                  ChatHistory *chatHistory = nullptr);
    ~RequestLogger() override; // stop()

    Status start();
    // Writes everything queued so far, then ends the writer thread. Idempotent.
    void stop();
    // Blocks until every record queued before the call is committed (admin API reads, tests).
    void flush();

    // Called on the writer thread after each commit, with the stored batch (ids filled in). Must not
    // block. Register before start().
    using BatchListener = std::function<void(const std::shared_ptr<const storage::StoredBatch> &batch)>;
    void addBatchListener(BatchListener listener);

    void setCaptureAllBodies(bool on);
    void setRetention(const storage::RetentionPolicy &policy);
    storage::RetentionPolicy retention() const;

    bool admitting() const override;
    void refused() override;

    quint64 droppedTotal() const;
    quint64 refusedTotal() const;
    quint64 writtenTotal() const;
    int queueDepth() const;
    // Prometheus families of the request log (queue depth, written, dropped, batch duration).
    void writeMetrics(QByteArray &out) const;

    // RequestObserver (worker threads)
    void upstreamStarted(const RequestRecord &record) override;
    void upstreamFinished(const RequestRecord &record) override;
    void requestFinished(RequestRecord &&record) override;
    bool captureAllBodies() const override;

private:
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace airlock::logging
