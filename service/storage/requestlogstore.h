#pragma once

// The request log in the store: writing batches of records (with per-minute/hour rollups, code
// suggestion telemetry and daily users), the admin console's queries, and retention.
//
// Tables (resources/sql/0004_request_log.sql, 0005_request_log_hours.sql): request_log (one row per
// request; id assigned by the writer, in commit order), request_log_bodies (captured, redacted bodies;
// same id), request_log_minutes and request_log_hours (per minute / hour x feature x model endpoint:
// counts, errors, tokens, sums and a latency histogram, so charts over days read thousands of rows
// rather than millions), suggestion_telemetry (per day x engine x model x language), daily_users (per
// day x user) and request_log_rollup (the rollups' watermark).
//
// Writing (the writer thread's hot loop, requestlogwriter.h): SQLite's C API on the connection's own
// handle, prepared statements kept across batches. Rows and telemetry are committed with each batch.
// The rollups and daily users are derived from the rows and may be written less often
// (setRollupInterval; requestlogrollups.h): queries add the rows above the rollups' watermark to what
// they read from them, so aggregates are always exact and current, and after a crash the next writer
// counts what the rollups miss exactly once.
//
// Threads: a RequestLogStore works on one Database and so on that Database's thread. The writer
// thread has one for inserts and retention; the admin thread another for queries. The store must not
// outlive its Database.

#include "requestlogrecord.h"
#include "result.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QString>

#include <memory>

namespace airlock {
class Database;
}

namespace airlock::storage {

class Redactor;
class RequestLogRollups;
class RequestLogWriter;

struct LogQuery {
    qint64 fromMs = -1; // started_at >= from
    qint64 toMs = -1; // started_at < to
    QString feature;
    QString userId;
    QString modelEndpoint;
    int status = 0; // exact HTTP status
    int statusClass = 0; // 2..5: 2xx..5xx
    bool errorsOnly = false; // status >= 400
    QString text; // substring of a captured body (case-insensitive for ASCII)
    int limit = 100; // 1..1000
    // Keyset cursor: continue after (beforeStartedMs, beforeId) in newest-first order.
    qint64 beforeStartedMs = -1;
    qint64 beforeId = -1;
};

struct LogPage {
    QJsonArray items;
    QString nextCursor; // empty: no more
};

struct AggregateQuery {
    qint64 fromMs = 0;
    qint64 toMs = 0;
    int stepSeconds = 60; // multiple of 60
    QString feature;
    QString modelEndpoint;
    enum class Group { None, Feature, Model } group = Group::None;
};

struct TelemetryQuery {
    QString fromDay; // yyyy-MM-dd, inclusive
    QString toDay; // inclusive
};

struct RetentionPolicy {
    qint64 maxAgeMs = 30LL * 24 * 3600 * 1000; // 0: keep forever
    qint64 maxRows = 0; // 0: no limit
    qint64 maxBytes = 0; // database size in use; 0: no limit
};

class RequestLogStore {
public:
    explicit RequestLogStore(Database &db);
    ~RequestLogStore();
    RequestLogStore(const RequestLogStore &) = delete;
    RequestLogStore &operator=(const RequestLogStore &) = delete;

    // Writes `batch` in one transaction; fills in each StoredRecord's id and telemetry. Redacts captured
    // bodies (redaction.h). SQLite only (the QSQLITE driver's handle); error "unsupported_driver"
    // otherwise.
    Status insertBatch(StoredBatch &batch);
    // The redaction rules of insertBatch (null: every built-in rule).
    void setRedactor(std::shared_ptr<const Redactor> redactor);

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
    // Series, totals by feature and by model, and the grand total over a time range (rollups plus the
    // rows above their watermark; requestlogaggregates.cpp).
    Result<QJsonObject> aggregate(const AggregateQuery &query);
    // Suggestion telemetry and daily users over a range of days (requestlogaggregates.cpp).
    Result<QJsonObject> telemetry(const TelemetryQuery &query);

    // One small step of retention (`chunk` rows at most, in its own short transaction: at 10 M rows a
    // step of 500 holds the write lock for tens of milliseconds; requestlogretention.cpp).
    // Returns how many rows it removed; 0 means the policy holds now.
    Result<qint64> enforceRetention(const RetentionPolicy &policy, qint64 nowMs, int chunk = 500);

    // Number of rows in request_log (exact; slow on big tables: tests and benchmarks).
    Result<qint64> countRows();

private:
    Status prepareWriter();

    Database &m_db;
    std::unique_ptr<RequestLogWriter> m_writer;
    std::unique_ptr<RequestLogRollups> m_rollups;
};

QString dayOf(qint64 epochMs); // yyyy-MM-dd (UTC)

} // namespace airlock::storage
