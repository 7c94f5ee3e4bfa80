#pragma once

// What the request log's writer, rollups and queries share about its tables (resources/sql/0004 and
// 0005): request_log's column order, time units, how keys and times are normalised before they are
// stored. Storage internal.

#include <QByteArray>
#include <QString>

#include <iterator>

namespace airlock {
class Database;
}

namespace airlock::storage {

inline constexpr qint64 kMinuteMs = 60000;
inline constexpr qint64 kHourMs = 3600000;
inline constexpr qint64 kDayMs = 86400000;

// request_log's columns after id, in the order the writer binds and the queries read them.
inline constexpr const char *kRequestLogColumns[] = { "started_ms", "request_id", "method", "path", "dialect",
    "feature", "model_endpoint", "model_identifier", "model_family", "user_id", "instance_id", "realm",
    "host_name", "gitlab_version", "token_issuer", "token_id", "user_agent", "client_version", "client_ip",
    "lang", "editor_lang", "status", "error_code", "error_message", "flags", "auth_ms", "queue_ms",
    "first_byte_ms", "upstream_ms", "total_ms", "prompt_bytes", "answer_bytes", "prompt_tokens",
    "answer_tokens", "attempts" };
inline constexpr int kRequestLogColumnCount = int(std::size(kRequestLogColumns));

// "id, started_ms, ..., attempts".
QString requestLogSelectColumns();
// "h0, h1, ..., h23" (the rollups' latency histogram), each name after `prefix`.
QString histogramColumns(const QString &prefix = {});

// Key columns are NOT NULL: an unknown feature or model is the empty string there.
inline QString nonNull(const QString &s)
{
    return s.isNull() ? QStringLiteral("") : s;
}

// Times are stored (and rolled up) to the microsecond.
double roundMs(double ms);

qint64 floorTo(qint64 value, qint64 unit);
inline qint64 ceilTo(qint64 value, qint64 unit)
{
    return -floorTo(-value, unit);
}

// yyyy-MM-dd (UTF-8) of a day number (days since the epoch, UTC), as dayOf() gives. The writer asks
// for the same day or two over and over: the last answer is kept (per thread: each store's own).
QByteArray dayString(qint64 day);

// A read transaction: queries inside it see one snapshot (the rollups, their watermark and the rows
// above it agree). Committed (nothing to commit) on destruction.
class ReadSnapshot {
public:
    explicit ReadSnapshot(Database &db);
    ~ReadSnapshot();
    ReadSnapshot(const ReadSnapshot &) = delete;
    ReadSnapshot &operator=(const ReadSnapshot &) = delete;

private:
    Database &m_db;
    bool m_open;
};

} // namespace airlock::storage
