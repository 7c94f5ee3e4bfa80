#pragma once

// The request log in the store: SQL for writing batches of records (with per-minute rollups, code
// suggestion telemetry and daily users), for the admin console's queries, and for retention.
//
// Tables (migrations in storage/database.cpp): request_log (one row per request; id assigned by the
// writer, in commit order), request_log_bodies (captured, redacted bodies; same id), request_log_minutes
// and request_log_hours (per minute / hour x feature x model endpoint: counts, errors, tokens, sums and a
// latency histogram, so charts over days read thousands of rows rather than millions),
// suggestion_telemetry (per day x engine x model x language), daily_users (per day x user) and
// request_log_rollup (the watermark below).
//
// Writing (the writer thread's hot loop): SQLite's C API on the connection's own handle, prepared
// statements kept across batches, multi-row INSERTs bound from UTF-8 buffers the store owns; no QVariant
// per value. Rows and telemetry are committed with each batch. The minute/hour rollups and daily users
// are derived from the rows and may be written less often (setRollupInterval): request_log_rollup holds
// the highest request_log id they cover, in the same transaction as the rollup rows, so
//  - a query adds the rows above that watermark (at most one interval's worth) to what it reads from the
//    rollups: aggregates are always exact and current;
//  - after a crash the writer folds the rows above the watermark into its pending rollups again: nothing
//    is counted twice or lost.
//
// Threads: a RequestLogStore works on one Database and so on that Database's thread. The writer
// thread has one for inserts and retention; the admin thread another for queries.

#include "logging/requestrecord.h"
#include "result.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QSqlQuery>

#include <array>
#include <memory>
#include <optional>

namespace airlock {
class Database;
}

namespace airlock::logging {

// Latency histogram of the rollups: upper bounds in milliseconds; the last bucket is open.
inline constexpr std::array<double, 23> kLatencyBoundsMs{5,    10,   25,   50,   75,    100,   150,   200,
                                                          300,  400,  500,  750,  1000,  1500,  2000,  3000,
                                                          5000, 7500, 10000, 20000, 30000, 60000, 120000};
inline constexpr int kLatencyBuckets = int(kLatencyBoundsMs.size()) + 1;
int latencyBucket(double ms);
// Estimates the q-quantile (0..1) from bucket counts (linear inside the bucket); -1 if empty.
double percentileFromBuckets(const std::array<qint64, kLatencyBuckets> &buckets, double q);

// Record flags stored in request_log.flags.
enum RecordFlag : int {
    FlagStream = 1,
    FlagCached = 2,
    FlagSuperseded = 4,
    FlagBodies = 8,
    FlagOverflowMarker = 16, // a synthetic row: records were dropped (message says how many and when)
};

// Parses a `telemetry` array (GitLab's code suggestion request field). Invalid items are skipped.
struct TelemetryItem
{
    QString modelEngine;
    QString modelName;
    QString lang;
    qint64 requests = 0;
    qint64 accepts = 0;
    qint64 errors = 0;
};
QList<TelemetryItem> parseTelemetry(const QByteArray &json);

// A record as written: what the writer thread hands on (live logs, metrics) once committed.
struct StoredRecord
{
    qint64 id = 0;
    RequestRecord record;
    bool overflowMarker = false;
    QList<TelemetryItem> telemetry; // record.telemetryJson parsed by insertBatch (parsed once)
};
using StoredBatch = QList<StoredRecord>;

// The JSON of one record in admin API answers and live log messages (bodies only if `withBodies`).
QJsonObject recordToJson(const StoredRecord &stored, bool withBodies = false);

struct LogQuery
{
    qint64 fromMs = -1; // started_at >= from
    qint64 toMs = -1;   // started_at < to
    QString feature;
    QString userId;
    QString modelEndpoint;
    int status = 0;      // exact HTTP status
    int statusClass = 0; // 2..5: 2xx..5xx
    bool errorsOnly = false; // status >= 400
    QString text;        // substring of a captured body (case-insensitive for ASCII)
    int limit = 100;     // 1..1000
    // Keyset cursor: continue after (beforeStartedMs, beforeId) in newest-first order.
    qint64 beforeStartedMs = -1;
    qint64 beforeId = -1;
};

struct LogPage
{
    QJsonArray items;
    QString nextCursor; // empty: no more
};

struct AggregateQuery
{
    qint64 fromMs = 0;
    qint64 toMs = 0;
    int stepSeconds = 60; // multiple of 60
    QString feature;
    QString modelEndpoint;
    enum class Group { None, Feature, Model } group = Group::None;
};

struct TelemetryQuery
{
    QString fromDay; // yyyy-MM-dd, inclusive
    QString toDay;   // inclusive
};

struct RetentionPolicy
{
    qint64 maxAgeMs = 30LL * 24 * 3600 * 1000; // 0: keep forever
    qint64 maxRows = 0;                          // 0: no limit
    qint64 maxBytes = 0;                         // database size in use; 0: no limit
};

class RequestLogStore
{
public:
    explicit RequestLogStore(Database &db);
    ~RequestLogStore();

    // Writes `batch` in one transaction; fills in each StoredRecord's id and telemetry. Redacts captured
    // bodies. SQLite only (the QSQLITE driver's handle); error "unsupported_driver" otherwise.
    Status insertBatch(StoredBatch &batch);

    // How often insertBatch writes the rollups (minutes, hours, daily users): 0 (the default) with every
    // batch; otherwise with the first batch at least `ms` after the previous write, and on flushRollups().
    // Queries are exact either way (see above).
    void setRollupInterval(int ms);
    // Writes the pending rollups now, or with `onlyIfDue` only once the interval has passed since the
    // last write (nothing pending: nothing to do, no transaction).
    Status flushRollups(bool onlyIfDue = false);

    Result<LogPage> query(const LogQuery &query);
    // One record with its bodies; error "not_found".
    Result<QJsonObject> record(qint64 id);
    Result<QJsonObject> aggregate(const AggregateQuery &query);
    Result<QJsonObject> telemetry(const TelemetryQuery &query);

    // One small step of retention (`chunk` rows at most, in its own short transaction: at 10 M rows a
    // step of 500 holds the write lock for tens of milliseconds).
    // Returns how many rows it removed; 0 means the policy holds now.
    Result<qint64> enforceRetention(const RetentionPolicy &policy, qint64 nowMs, int chunk = 500);

    // Number of rows in request_log (exact; slow on big tables: tests and benchmarks).
    Result<qint64> countRows();

private:
    struct Private;
    std::unique_ptr<Private> d;
};

QString dayOf(qint64 epochMs); // yyyy-MM-dd (UTC)

} // namespace airlock::logging
