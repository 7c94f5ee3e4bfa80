#pragma once

// The request log's rollups: per minute and per hour x feature x model endpoint (request_log_minutes,
// request_log_hours: counts, errors, token and time sums, a latency histogram) and per day x user
// (daily_users), derived from the request_log rows so that charts over days read thousands of rows
// rather than millions. Storage internal: RequestLogStore drives it.
//
// Deferred writes: the writer counts each committed batch into the pending rollups here and writes
// them only every `interval` (0: with every batch). request_log_rollup holds the highest request_log id
// the rollup tables cover, written in the same transaction as the rollup rows, so
//  - a query adds the rows above that watermark to what it reads from the rollups (exact and current);
//  - after a crash, or a failed transaction, catchUp() folds the rows above the watermark into the
//    pending rollups again: nothing is counted twice or lost.
//
// Lifecycle: constructed with the store; prepare() on the writer's connection before the first write;
// one thread (the Database's).

#include "latencyhistogram.h"
#include "requestlogrecord.h"
#include "result.h"
#include "sqlitestatement.h"

#include <QHash>
#include <QString>

#include <chrono>
#include <map>
#include <optional>
#include <tuple>
#include <utility>

namespace airlock {
class Database;
}

namespace airlock::storage {

// One rollup row's sums, or a query's sum of such rows.
struct RollupRow {
    qint64 requests = 0;
    qint64 errors = 0;
    double totalMs = 0;
    double overheadMs = 0;
    qint64 promptTokens = 0;
    qint64 answerTokens = 0;
    LatencyBuckets buckets {};

    // One request (times in ms, -1 unknown; tokens -1 unknown). The writer and the queries' tail both
    // count a request through here, so a rollup row and the raw rows it stands for always agree.
    void addRequest(int status, double total, double upstream, int inTokens, int outTokens);
    void add(const RollupRow &o);
};

// One rollup row's key: minute_ms (or hour_ms) x feature x model endpoint.
struct RollupKey {
    qint64 t;
    QString feature;
    QString model;
    bool operator<(const RollupKey &o) const
    {
        return std::tie(t, feature, model) < std::tie(o.t, o.feature, o.model);
    }
};

class RequestLogRollups {
public:
    using Clock = std::chrono::steady_clock;

    explicit RequestLogRollups(Database &db);

    // Prepares the upsert statements on the writer's connection.
    Status prepare(sqlite3 *handle);

    void setInterval(int ms);
    // Whether a write is due at `now`: always with interval 0, and before the first write.
    bool due(Clock::time_point now) const;
    // Nothing pending and nothing to catch up on.
    bool idle() const;

    // Inside the caller's write transaction: rebuilds the pending rollups from the rows above the
    // watermark if an earlier failure (or a new store) left them unknown.
    Status catchUpIfNeeded();
    // Counts the committed-to-be rows of `batch` (overflow markers excluded); `lastId` is the highest
    // request_log id now written.
    void count(const StoredBatch &batch, qint64 lastId);
    // Inside the caller's write transaction: writes the pending rollups and moves the watermark.
    Status write();
    // After the transaction that wrote them committed: pending is empty again.
    void written(Clock::time_point at);
    // After a transaction rolled back: what was counted is not on disk; rebuild before the next write.
    void discard();

    // The highest request_log id the rollup tables cover.
    static Result<qint64> coveredId(Database &db);

private:
    struct Pending {
        std::map<RollupKey, RollupRow> minutes;
        QHash<std::pair<qint64, QString>, qint64> users; // (day number, user) -> requests
        qint64 lastId = 0; // highest request_log id counted (or seen)
        // The previous record's row: consecutive records mostly share minute, feature and model.
        RollupRow *lastRow = nullptr;
        qint64 lastMinute = -1;
        QString lastFeature;
        QString lastModel;

        bool empty() const { return minutes.empty() && users.isEmpty(); }
        void clear();
        void add(qint64 startedMs, const QString &feature, const QString &model, const QString &user,
            int status, double totalMs, double upstreamMs, int promptTokens, int answerTokens);
    };

    Status catchUp();
    Status upsert(SqliteStatement &statement, const RollupKey &key, const RollupRow &row);

    Database &m_db;
    SqliteStatement m_upsertMinute;
    SqliteStatement m_upsertHour;
    SqliteStatement m_upsertUser;
    SqliteStatement m_writeCovered;
    int m_intervalMs = 0;
    Pending m_pending;
    bool m_needCatchUp = true; // pending must first be rebuilt from the rows above the watermark
    // Empty until the first write: the steady clock's epoch is the machine's boot, so a default time
    // point would hold the first write back on a machine booted less than an interval ago.
    std::optional<Clock::time_point> m_lastWrite;
};

} // namespace airlock::storage
