#include "requestlogstore.h"

#include "redaction.h"
#include "storage/database.h"

#include <QDateTime>
#include <QHash>
#include <QJsonDocument>
#include <QSqlDriver>
#include <QSqlError>
#include <QStringEncoder>

#include <sqlite3.h>

#include <chrono>
#include <optional>
#include <limits>
#include <cmath>
#include <map>
#include <tuple>

namespace airlock::logging {

namespace {

using Clock = std::chrono::steady_clock;

constexpr qint64 kMinuteMs = 60000;
constexpr qint64 kHourMs = 3600000;
constexpr qint64 kDayMs = 86400000;

constexpr const char *kColumns[] = {
    "started_ms", "request_id", "method", "path", "dialect", "feature", "model_endpoint", "model_identifier",
    "model_family", "user_id", "instance_id", "realm", "host_name", "gitlab_version", "token_issuer", "token_id",
    "user_agent", "client_version", "client_ip", "lang", "editor_lang", "status", "error_code", "error_message",
    "flags", "auth_ms", "queue_ms", "first_byte_ms", "upstream_ms", "total_ms", "prompt_bytes", "answer_bytes",
    "prompt_tokens", "answer_tokens"};
constexpr int kColumnCount = int(std::size(kColumns));
// Parameters per row of the writer's INSERT: id, then kColumns.
constexpr int kRowParams = kColumnCount + 1;
static_assert(kRowParams == 35, "kTextColumns and insertChunk() number the parameters of a row");

// The record's QString columns: their parameter number within a row (1 = id) and the field.
struct TextColumn
{
    int param;
    QString RequestRecord::*field;
};
constexpr TextColumn kTextColumns[] = {
    {3, &RequestRecord::requestId},      {6, &RequestRecord::dialect},         {7, &RequestRecord::feature},
    {8, &RequestRecord::modelEndpoint},  {9, &RequestRecord::modelIdentifier}, {10, &RequestRecord::modelFamily},
    {11, &RequestRecord::userId},        {12, &RequestRecord::instanceId},     {13, &RequestRecord::realm},
    {14, &RequestRecord::hostName},      {15, &RequestRecord::gitlabVersion},  {16, &RequestRecord::tokenIssuer},
    {17, &RequestRecord::tokenId},       {18, &RequestRecord::userAgent},      {19, &RequestRecord::clientVersion},
    {20, &RequestRecord::clientIp},      {21, &RequestRecord::lang},           {22, &RequestRecord::editorLang},
    {24, &RequestRecord::errorCode},     {25, &RequestRecord::errorMessage}};

// Key columns are NOT NULL: an unknown feature or model is the empty string there.
QString nonNull(const QString &s)
{
    return s.isNull() ? QStringLiteral("") : s;
}

// Times are stored (and rolled up) to the microsecond.
double roundMs(double ms)
{
    return std::round(ms * 1000.0) / 1000.0;
}

qint64 floorTo(qint64 value, qint64 unit)
{
    qint64 q = value / unit;
    if (value % unit < 0)
        --q;
    return q * unit;
}

qint64 ceilTo(qint64 value, qint64 unit)
{
    return -floorTo(-value, unit);
}

int recordFlags(const StoredRecord &stored)
{
    const RequestRecord &r = stored.record;
    int flags = 0;
    if (r.stream)
        flags |= FlagStream;
    if (r.cached)
        flags |= FlagCached;
    if (r.superseded)
        flags |= FlagSuperseded;
    if (r.captureBodies)
        flags |= FlagBodies;
    if (stored.overflowMarker)
        flags |= FlagOverflowMarker;
    return flags;
}

QString likePattern(const QString &text)
{
    QString escaped = text;
    escaped.replace(QLatin1Char('\\'), QStringLiteral("\\\\"))
        .replace(QLatin1Char('%'), QStringLiteral("\\%"))
        .replace(QLatin1Char('_'), QStringLiteral("\\_"));
    return QLatin1Char('%') + escaped + QLatin1Char('%');
}

QString isoOf(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODateWithMs);
}

// yyyy-MM-dd (UTF-8) of a day number (days since the epoch, UTC), as dayOf() gives. The writer asks
// for the same day or two over and over: the last answer is kept (per thread: each store's own).
QByteArray dayString(qint64 day)
{
    thread_local qint64 lastDay = std::numeric_limits<qint64>::min();
    thread_local QByteArray last;
    if (day != lastDay) {
        last = QDate(1970, 1, 1).addDays(day).toString(Qt::ISODate).toUtf8();
        lastDay = day;
    }
    return last;
}

// One rollup row's key: minute_ms (or hour_ms) x feature x model endpoint.
struct RollupKey
{
    qint64 t;
    QString feature;
    QString model;
    bool operator<(const RollupKey &o) const
    {
        return std::tie(t, feature, model) < std::tie(o.t, o.feature, o.model);
    }
};

struct MinuteRow
{
    qint64 requests = 0;
    qint64 errors = 0;
    double totalMs = 0;
    double overheadMs = 0;
    qint64 promptTokens = 0;
    qint64 answerTokens = 0;
    std::array<qint64, kLatencyBuckets> buckets{};

    // One request (times in ms, -1 unknown; tokens -1 unknown). The writer and the queries' tail both
    // count a request through here, so a rollup row and the raw rows it stands for always agree.
    void addRequest(int status, double total, double upstream, int inTokens, int outTokens)
    {
        ++requests;
        if (status >= 400 || status == 0)
            ++errors;
        total = qMax(0.0, total);
        totalMs += total;
        overheadMs += qMax(0.0, total - qMax(0.0, upstream));
        promptTokens += qMax(0, inTokens);
        answerTokens += qMax(0, outTokens);
        ++buckets[latencyBucket(total)];
    }

    void add(const MinuteRow &o)
    {
        requests += o.requests;
        errors += o.errors;
        totalMs += o.totalMs;
        overheadMs += o.overheadMs;
        promptTokens += o.promptTokens;
        answerTokens += o.answerTokens;
        for (int i = 0; i < kLatencyBuckets; ++i)
            buckets[i] += o.buckets[i];
    }
};

QString histogramColumns(const QString &prefix = {})
{
    QStringList cols;
    for (int i = 0; i < kLatencyBuckets; ++i)
        cols.append(prefix + QStringLiteral("h%1").arg(i));
    return cols.join(QStringLiteral(", "));
}

// Rollup deltas not written yet: every committed request_log row above the watermark is counted here.
struct PendingRollups
{
    std::map<RollupKey, MinuteRow> minutes;
    QHash<std::pair<qint64, QString>, qint64> users; // (day number, user) -> requests
    qint64 lastId = 0;                                // highest request_log id counted (or seen)
    // The previous record's row: consecutive records mostly share minute, feature and model.
    MinuteRow *lastRow = nullptr;
    qint64 lastMinute = -1;
    QString lastFeature;
    QString lastModel;

    bool empty() const { return minutes.empty() && users.isEmpty(); }

    void clear()
    {
        minutes.clear();
        users.clear();
        lastRow = nullptr;
        lastMinute = -1;
    }

    void add(qint64 startedMs, const QString &feature, const QString &model, const QString &user, int status,
             double totalMs, double upstreamMs, int promptTokens, int answerTokens)
    {
        const qint64 minute = floorTo(startedMs, kMinuteMs);
        if (!lastRow || lastMinute != minute || lastFeature != feature || lastModel != model) {
            lastRow = &minutes[RollupKey{minute, feature, model}]; // std::map nodes stay put
            lastMinute = minute;
            lastFeature = feature;
            lastModel = model;
        }
        lastRow->addRequest(status, totalMs, upstreamMs, promptTokens, answerTokens);
        if (!user.isEmpty())
            ++users[{floorTo(startedMs, kDayMs) / kDayMs, user}];
    }
};

// What one parameter of a prepared statement is bound to (for text: the buffer SQLite reads).
struct BoundParam
{
    enum Kind : quint8 { Unbound, Null, Int, Double, Text, Latin1 } kind = Unbound;
    qint64 number = 0;
    double real = 0;
    QString text;      // Text: the value bound
    QByteArray latin1; // Latin1: the value bound
    QByteArray utf8;   // Text, Latin1: what SQLite reads (SQLITE_STATIC)
};

// The QSQLITE driver's connection handle (null for any other driver).
sqlite3 *sqliteHandle(const QSqlDatabase &db)
{
    const QVariant v = db.driver() ? db.driver()->handle() : QVariant();
    if (!v.isValid() || qstrcmp(v.typeName(), "sqlite3*") != 0)
        return nullptr;
    return *static_cast<sqlite3 *const *>(v.constData());
}

// A prepared statement owned by the store (finalized before the connection closes: the store never
// outlives its Database).
class Statement
{
public:
    Statement() = default;
    Statement(const Statement &) = delete;
    Statement &operator=(const Statement &) = delete;
    ~Statement() { sqlite3_finalize(m_stmt); }
    void reset()
    {
        sqlite3_finalize(m_stmt);
        m_stmt = nullptr;
    }
    sqlite3_stmt *get() const { return m_stmt; }
    sqlite3_stmt **out() { return &m_stmt; }

private:
    sqlite3_stmt *m_stmt = nullptr;
};

// A read transaction: the queries below see one snapshot (the rollups, their watermark and the rows
// above it agree).
class ReadSnapshot
{
public:
    explicit ReadSnapshot(Database &db)
        : m_db(db)
        , m_open(bool(db.exec(QStringLiteral("BEGIN"))))
    {
    }
    ~ReadSnapshot()
    {
        if (m_open)
            (void)m_db.exec(QStringLiteral("COMMIT"));
    }
    ReadSnapshot(const ReadSnapshot &) = delete;
    ReadSnapshot &operator=(const ReadSnapshot &) = delete;

private:
    Database &m_db;
    bool m_open;
};

} // namespace

int latencyBucket(double ms)
{
    for (int i = 0; i < int(kLatencyBoundsMs.size()); ++i) {
        if (ms <= kLatencyBoundsMs[i])
            return i;
    }
    return kLatencyBuckets - 1;
}

double percentileFromBuckets(const std::array<qint64, kLatencyBuckets> &buckets, double q)
{
    qint64 total = 0;
    for (qint64 n : buckets)
        total += n;
    if (total == 0)
        return -1;
    const double rank = q * double(total);
    qint64 seen = 0;
    for (int i = 0; i < kLatencyBuckets; ++i) {
        if (buckets[i] == 0)
            continue;
        if (double(seen + buckets[i]) >= rank) {
            const double lower = i == 0 ? 0.0 : kLatencyBoundsMs[i - 1];
            const double upper = i < int(kLatencyBoundsMs.size()) ? kLatencyBoundsMs[i] : lower * 2;
            const double within = (rank - double(seen)) / double(buckets[i]);
            return lower + (upper - lower) * std::clamp(within, 0.0, 1.0);
        }
        seen += buckets[i];
    }
    return kLatencyBoundsMs.back() * 2;
}

QString dayOf(qint64 epochMs)
{
    return QDateTime::fromMSecsSinceEpoch(epochMs, Qt::UTC).date().toString(Qt::ISODate);
}

QList<TelemetryItem> parseTelemetry(const QByteArray &json)
{
    QList<TelemetryItem> items;
    if (json.isEmpty())
        return items;
    const QJsonDocument doc = QJsonDocument::fromJson(json);
    const QJsonArray array = doc.isArray() ? doc.array() : QJsonArray();
    for (const QJsonValue &value : array) {
        const QJsonObject o = value.toObject();
        if (o.isEmpty())
            continue;
        TelemetryItem item;
        item.modelEngine = o.value(QStringLiteral("model_engine")).toString().left(50);
        item.modelName = o.value(QStringLiteral("model_name")).toString().left(50);
        item.lang = o.value(QStringLiteral("lang")).toString().left(50);
        item.requests = qMax<qint64>(0, o.value(QStringLiteral("requests")).toInteger());
        item.accepts = qMax<qint64>(0, o.value(QStringLiteral("accepts")).toInteger());
        item.errors = qMax<qint64>(0, o.value(QStringLiteral("errors")).toInteger());
        if (item.requests == 0 && item.accepts == 0 && item.errors == 0)
            continue;
        items.append(item);
        if (items.size() == 10) // GitLab's schema limit
            break;
    }
    return items;
}

QJsonObject recordToJson(const StoredRecord &stored, bool withBodies)
{
    const RequestRecord &r = stored.record;
    QJsonObject o;
    auto put = [&o](const char *key, const QString &value) {
        if (!value.isEmpty())
            o.insert(QLatin1String(key), value);
    };
    auto putMs = [&o](const char *key, double value) {
        if (value >= 0)
            o.insert(QLatin1String(key), std::round(value * 1000.0) / 1000.0);
    };
    o.insert(QStringLiteral("id"), stored.id);
    o.insert(QStringLiteral("started_ms"), r.startedAtMs);
    o.insert(QStringLiteral("started_at"), isoOf(r.startedAtMs));
    put("request_id", r.requestId);
    put("method", QString::fromLatin1(r.method));
    put("path", QString::fromLatin1(r.path));
    put("dialect", r.dialect);
    put("feature", r.feature);
    put("model_endpoint", r.modelEndpoint);
    put("model_identifier", r.modelIdentifier);
    put("model_family", r.modelFamily);
    put("user_id", r.userId);
    put("instance_id", r.instanceId);
    put("realm", r.realm);
    put("host_name", r.hostName);
    put("gitlab_version", r.gitlabVersion);
    put("token_issuer", r.tokenIssuer);
    put("token_id", r.tokenId);
    put("user_agent", r.userAgent);
    put("client_version", r.clientVersion);
    put("client_ip", r.clientIp);
    put("lang", r.lang);
    put("editor_lang", r.editorLang);
    o.insert(QStringLiteral("status"), r.status);
    put("error_code", r.errorCode);
    put("error_message", r.errorMessage);
    o.insert(QStringLiteral("stream"), r.stream);
    if (r.cached)
        o.insert(QStringLiteral("cached"), true);
    if (r.superseded)
        o.insert(QStringLiteral("superseded"), true);
    if (stored.overflowMarker)
        o.insert(QStringLiteral("overflow_marker"), true);
    putMs("auth_ms", r.authMs);
    putMs("queue_ms", r.queueMs);
    putMs("first_byte_ms", r.upstreamFirstByteMs);
    putMs("upstream_ms", r.upstreamMs);
    putMs("total_ms", r.totalMs);
    if (r.totalMs >= 0)
        putMs("airlock_ms", r.totalMs - qMax(0.0, r.upstreamMs));
    o.insert(QStringLiteral("prompt_bytes"), r.promptBytes);
    o.insert(QStringLiteral("answer_bytes"), r.answerBytes);
    if (r.promptTokens >= 0)
        o.insert(QStringLiteral("prompt_tokens"), r.promptTokens);
    if (r.answerTokens >= 0)
        o.insert(QStringLiteral("answer_tokens"), r.answerTokens);
    o.insert(QStringLiteral("has_bodies"), r.captureBodies);
    if (withBodies && r.captureBodies) {
        o.insert(QStringLiteral("prompt_body"), QString::fromUtf8(r.promptBody));
        o.insert(QStringLiteral("answer_body"), QString::fromUtf8(r.answerBody));
    }
    return o;
}
struct RequestLogStore::Private
{
    Database &db;

    // The writer's statements (SQLite C API on the QSQLITE connection's handle).
    sqlite3 *handle = nullptr;
    bool prepared = false;
    // Rows per INSERT statement: a batch goes in as many 64-row statements as fit, the rest in 16-, 4-
    // and 1-row ones (at most 9 of those per batch).
    static constexpr std::array<int, 4> kChunkRows{64, 16, 4, 1};
    std::array<Statement, 4> insertRows;
    // Per row statement, what each parameter is bound to now. Bindings survive sqlite3_reset, and most
    // columns repeat from one request to the next (method, path, model, client, NULLs): a parameter
    // is bound again only when its value changes.
    std::array<std::vector<BoundParam>, 4> boundParams;
    Statement insertBody;
    Statement maxId;
    Statement upsertMinute;
    Statement upsertHour;
    Statement upsertUser;
    Statement upsertTelemetry;
    Statement writeCovered;
    QStringEncoder utf8{QStringEncoder::Utf8, QStringConverter::Flag::Stateless};

    int rollupIntervalMs = 0;
    PendingRollups pending;
    bool needCatchUp = true; // pending must first be rebuilt from the rows above the watermark
    // Empty until the first rollup write: the steady clock's epoch is the machine's boot, so a default
    // time point would hold the first write back on a machine booted less than an interval ago.
    std::optional<Clock::time_point> lastRollupWrite;

    bool rollupsDue(Clock::time_point now) const
    {
        return rollupIntervalMs <= 0 || !lastRollupWrite
            || now - *lastRollupWrite >= std::chrono::milliseconds(rollupIntervalMs);
    }

    explicit Private(Database &database)
        : db(database)
    {
    }

    Error sqliteError(const char *what) const
    {
        return Error::make(QStringLiteral("database_error"),
                           QLatin1String(what) + QStringLiteral(": ") + QString::fromUtf8(sqlite3_errmsg(handle)));
    }

    Status prepare(Statement &statement, const QByteArray &sql)
    {
        statement.reset();
        if (sqlite3_prepare_v3(handle, sql.constData(), int(sql.size()), SQLITE_PREPARE_PERSISTENT, statement.out(),
                               nullptr)
            != SQLITE_OK)
            return sqliteError("preparing a request log statement");
        return {};
    }

    // Runs a statement that returns no rows (or whose rows nobody reads) and resets it.
    Status step(const Statement &statement, const char *what)
    {
        const int rc = sqlite3_step(statement.get());
        Status result;
        if (rc != SQLITE_DONE && rc != SQLITE_ROW)
            result = sqliteError(what);
        sqlite3_reset(statement.get());
        return result;
    }

    static QByteArray rollupUpsert(const char *table, const char *timeColumn)
    {
        QStringList updates{QStringLiteral("requests = requests + excluded.requests"),
                            QStringLiteral("errors = errors + excluded.errors"),
                            QStringLiteral("total_ms_sum = total_ms_sum + excluded.total_ms_sum"),
                            QStringLiteral("overhead_ms_sum = overhead_ms_sum + excluded.overhead_ms_sum"),
                            QStringLiteral("prompt_tokens = prompt_tokens + excluded.prompt_tokens"),
                            QStringLiteral("answer_tokens = answer_tokens + excluded.answer_tokens")};
        QStringList hmarks;
        for (int i = 0; i < kLatencyBuckets; ++i) {
            updates.append(QStringLiteral("h%1 = h%1 + excluded.h%1").arg(i));
            hmarks.append(QStringLiteral("?"));
        }
        return QStringLiteral("INSERT INTO %1 (%2, feature, model_endpoint, requests, errors, total_ms_sum, "
                              "overhead_ms_sum, prompt_tokens, answer_tokens, %3) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, %4) "
                              "ON CONFLICT (%2, feature, model_endpoint) DO UPDATE SET %5")
            .arg(QLatin1String(table), QLatin1String(timeColumn), histogramColumns(), hmarks.join(QStringLiteral(", ")),
                 updates.join(QStringLiteral(", ")))
            .toUtf8();
    }

    Status prepareWriter()
    {
        if (prepared)
            return {};
        handle = sqliteHandle(db.connection());
        if (!handle) {
            return Error::make(QStringLiteral("unsupported_driver"),
                               QStringLiteral("the request log writer needs the SQLite (QSQLITE) driver"));
        }
        // The log's indexes take inserts at scattered positions (one per user, status, feature): a
        // cache larger than SQLite's 2 MB default keeps their hot leaf pages in memory. Per
        // connection: the writer's.
        (void)db.exec(QStringLiteral("PRAGMA cache_size = -65536"));
        QByteArray names = "id";
        QByteArray row = "(?";
        for (const char *c : kColumns) {
            names += ", ";
            names += c;
            row += ",?";
        }
        row += ')';
        for (std::size_t i = 0; i < kChunkRows.size(); ++i) {
            QByteArray sql = "INSERT INTO request_log (" + names + ") VALUES ";
            for (int n = 0; n < kChunkRows[i]; ++n) {
                if (n)
                    sql += ',';
                sql += row;
            }
            if (auto st = prepare(insertRows[i], sql); !st)
                return st;
            boundParams[i].clear();
            boundParams[i].resize(std::size_t(kChunkRows[i] * kRowParams + 1));
        }
        if (auto st = prepare(insertBody, "INSERT INTO request_log_bodies (id, prompt, answer) VALUES (?, ?, ?)"); !st)
            return st;
        if (auto st = prepare(maxId, "SELECT MAX(id) FROM request_log"); !st)
            return st;
        if (auto st = prepare(upsertMinute, rollupUpsert("request_log_minutes", "minute_ms")); !st)
            return st;
        if (auto st = prepare(upsertHour, rollupUpsert("request_log_hours", "hour_ms")); !st)
            return st;
        if (auto st = prepare(upsertTelemetry,
                              "INSERT INTO suggestion_telemetry (day, model_engine, model_name, lang, requests, accepts, "
                              "errors) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (day, model_engine, model_name, lang) DO "
                              "UPDATE SET requests = requests + excluded.requests, accepts = accepts + excluded.accepts, "
                              "errors = errors + excluded.errors");
            !st)
            return st;
        if (auto st = prepare(upsertUser, "INSERT INTO daily_users (day, user_id, requests) VALUES (?, ?, ?) ON CONFLICT "
                                          "(day, user_id) DO UPDATE SET requests = requests + excluded.requests");
            !st)
            return st;
        if (auto st = prepare(writeCovered, "INSERT INTO request_log_rollup (id, covered_id) VALUES (1, ?) ON CONFLICT "
                                            "(id) DO UPDATE SET covered_id = excluded.covered_id");
            !st)
            return st;
        prepared = true;
        return {};
    }

    // Text for a NOT NULL column: the empty string rather than NULL when empty.
    static void bindKey(sqlite3_stmt *s, int param, const QByteArray &utf8Text)
    {
        sqlite3_bind_text(s, param, utf8Text.isEmpty() ? "" : utf8Text.constData(), int(utf8Text.size()), SQLITE_STATIC);
    }

    // The row statement being bound and its parameters' current values.
    sqlite3_stmt *rowStmt = nullptr;
    std::vector<BoundParam> *rowParams = nullptr;

    void bindNull(int param)
    {
        BoundParam &b = (*rowParams)[std::size_t(param)];
        if (b.kind == BoundParam::Null)
            return;
        sqlite3_bind_null(rowStmt, param);
        b.kind = BoundParam::Null;
        b.text = QString();
        b.latin1 = QByteArray();
    }

    void bindInt(int param, qint64 value)
    {
        BoundParam &b = (*rowParams)[std::size_t(param)];
        if (b.kind == BoundParam::Int && b.number == value)
            return;
        sqlite3_bind_int64(rowStmt, param, value);
        b.kind = BoundParam::Int;
        b.number = value;
    }

    // Milliseconds to the microsecond, or NULL when negative (unknown).
    void bindMs(int param, double ms)
    {
        if (ms < 0)
            return bindNull(param);
        const double value = roundMs(ms);
        BoundParam &b = (*rowParams)[std::size_t(param)];
        if (b.kind == BoundParam::Double && b.real == value)
            return;
        sqlite3_bind_double(rowStmt, param, value);
        b.kind = BoundParam::Double;
        b.real = value;
    }

    // A count, or NULL when negative (unknown).
    void bindCount(int param, int n)
    {
        if (n < 0)
            return bindNull(param);
        bindInt(param, n);
    }

    // A QString's UTF-8, or NULL when empty. Converted into the parameter's own buffer, which SQLite
    // reads without copying (SQLITE_STATIC) until the parameter is bound again.
    void bindText(int param, const QString &text)
    {
        if (text.isEmpty())
            return bindNull(param);
        BoundParam &b = (*rowParams)[std::size_t(param)];
        if (b.kind == BoundParam::Text && b.text == text)
            return;
        b.utf8.resize(utf8.requiredSpace(text.size()));
        char *end = utf8.appendToBuffer(b.utf8.data(), text);
        b.utf8.truncate(end - b.utf8.constData());
        sqlite3_bind_text(rowStmt, param, b.utf8.constData(), int(b.utf8.size()), SQLITE_STATIC);
        b.kind = BoundParam::Text;
        b.text = text;
    }

    // Latin-1 bytes (method, path) as UTF-8, or NULL when empty.
    void bindLatin1(int param, const QByteArray &text)
    {
        if (text.isEmpty())
            return bindNull(param);
        BoundParam &b = (*rowParams)[std::size_t(param)];
        if (b.kind == BoundParam::Latin1 && b.latin1 == text)
            return;
        b.utf8.resize(2 * text.size());
        char *out = b.utf8.data();
        for (const char c : text) {
            const auto u = uchar(c);
            if (u < 0x80) {
                *out++ = c;
            } else {
                *out++ = char(0xC0 | (u >> 6));
                *out++ = char(0x80 | (u & 0x3F));
            }
        }
        b.utf8.truncate(out - b.utf8.constData());
        sqlite3_bind_text(rowStmt, param, b.utf8.constData(), int(b.utf8.size()), SQLITE_STATIC);
        b.kind = BoundParam::Latin1;
        b.latin1 = text;
    }

    // Inserts batch[first, first + rows) with ids id0, id0 + 1, ... through insertRows[which].
    Status insertChunk(std::size_t which, StoredBatch &batch, qsizetype first, qint64 id0)
    {
        const int rows = kChunkRows[which];
        rowStmt = insertRows[which].get();
        rowParams = &boundParams[which];
        for (int n = 0; n < rows; ++n) {
            StoredRecord &stored = batch[first + n];
            const RequestRecord &r = stored.record;
            stored.id = id0 + n;
            const int p = n * kRowParams; // parameter numbers of this row: p + 1 .. p + kRowParams
            bindInt(p + 1, stored.id);
            bindInt(p + 2, r.startedAtMs);
            for (const TextColumn &c : kTextColumns)
                bindText(p + c.param, r.*c.field);
            if (r.requestId.isEmpty()) { // NOT NULL: the empty string
                sqlite3_bind_text(rowStmt, p + 3, "", 0, SQLITE_STATIC);
                (*rowParams)[std::size_t(p + 3)].kind = BoundParam::Unbound;
            }
            bindLatin1(p + 4, r.method);
            bindLatin1(p + 5, r.path);
            bindInt(p + 23, r.status);
            bindInt(p + 26, recordFlags(stored));
            bindMs(p + 27, r.authMs);
            bindMs(p + 28, r.queueMs);
            bindMs(p + 29, r.upstreamFirstByteMs);
            bindMs(p + 30, r.upstreamMs);
            bindMs(p + 31, r.totalMs);
            bindInt(p + 32, r.promptBytes);
            bindInt(p + 33, r.answerBytes);
            bindCount(p + 34, r.promptTokens);
            bindCount(p + 35, r.answerTokens);
        }
        return step(insertRows[which], "writing request records");
    }

    Status insertBodies(StoredRecord &stored)
    {
        RequestRecord &r = stored.record;
        // Redacted here, on the writer thread; what is kept in memory afterwards is the redacted text
        // too, so live logs and admin answers never see a secret. Stored as valid UTF-8 (invalid
        // sequences become U+FFFD, as the admin API shows them).
        r.promptBody = redactSecrets(r.promptBody.left(kMaxCapturedBodyBytes));
        r.answerBody = redactSecrets(r.answerBody.left(kMaxCapturedBodyBytes));
        const QByteArray prompt = QString::fromUtf8(r.promptBody).toUtf8();
        const QByteArray answer = QString::fromUtf8(r.answerBody).toUtf8();
        sqlite3_stmt *s = insertBody.get();
        sqlite3_bind_int64(s, 1, stored.id);
        bindKey(s, 2, prompt);
        bindKey(s, 3, answer);
        return step(insertBody, "writing captured bodies");
    }

    Status writeTelemetry(StoredBatch &batch)
    {
        // Summed per batch: one upsert per (day, engine, model, language) rather than per item.
        std::map<std::tuple<qint64, QString, QString, QString>, std::array<qint64, 3>> sums;
        for (StoredRecord &stored : batch) {
            if (stored.record.telemetryJson.isEmpty())
                continue;
            stored.telemetry = parseTelemetry(stored.record.telemetryJson);
            const qint64 day = floorTo(stored.record.startedAtMs, kDayMs) / kDayMs;
            for (const TelemetryItem &item : std::as_const(stored.telemetry)) {
                auto &sum = sums[{day, nonNull(item.modelEngine), nonNull(item.modelName), nonNull(item.lang)}];
                sum[0] += item.requests;
                sum[1] += item.accepts;
                sum[2] += item.errors;
            }
        }
        sqlite3_stmt *s = upsertTelemetry.get();
        for (const auto &[key, sum] : sums) {
            const QByteArray day = dayString(std::get<0>(key));
            const QByteArray engine = std::get<1>(key).toUtf8();
            const QByteArray model = std::get<2>(key).toUtf8();
            const QByteArray lang = std::get<3>(key).toUtf8();
            bindKey(s, 1, day);
            bindKey(s, 2, engine);
            bindKey(s, 3, model);
            bindKey(s, 4, lang);
            for (int i = 0; i < 3; ++i)
                sqlite3_bind_int64(s, 5 + i, sum[i]);
            if (auto st = step(upsertTelemetry, "updating suggestion telemetry"); !st)
                return st;
        }
        return {};
    }

    Status upsertRollup(const Statement &statement, const RollupKey &key, const MinuteRow &row)
    {
        sqlite3_stmt *s = statement.get();
        const QByteArray feature = key.feature.toUtf8();
        const QByteArray model = key.model.toUtf8();
        int i = 1;
        sqlite3_bind_int64(s, i++, key.t);
        bindKey(s, i++, feature);
        bindKey(s, i++, model);
        sqlite3_bind_int64(s, i++, row.requests);
        sqlite3_bind_int64(s, i++, row.errors);
        sqlite3_bind_double(s, i++, row.totalMs);
        sqlite3_bind_double(s, i++, row.overheadMs);
        sqlite3_bind_int64(s, i++, row.promptTokens);
        sqlite3_bind_int64(s, i++, row.answerTokens);
        for (qint64 n : row.buckets)
            sqlite3_bind_int64(s, i++, n);
        return step(statement, "updating a request log rollup");
    }

    // Writes the pending rollups (minutes, hours, daily users) and moves the watermark to
    // pending.lastId. Inside the caller's transaction; pending is cleared by the caller once committed.
    Status writeRollups()
    {
        std::map<RollupKey, MinuteRow> hours;
        for (const auto &[key, row] : pending.minutes) {
            if (auto st = upsertRollup(upsertMinute, key, row); !st)
                return st;
            hours[RollupKey{floorTo(key.t, kHourMs), key.feature, key.model}].add(row);
        }
        for (const auto &[key, row] : hours) {
            if (auto st = upsertRollup(upsertHour, key, row); !st)
                return st;
        }
        sqlite3_stmt *u = upsertUser.get();
        for (auto it = pending.users.cbegin(); it != pending.users.cend(); ++it) {
            const QByteArray day = dayString(it.key().first);
            const QByteArray user = it.key().second.toUtf8();
            bindKey(u, 1, day);
            bindKey(u, 2, user);
            sqlite3_bind_int64(u, 3, it.value());
            if (auto st = step(upsertUser, "updating daily users"); !st)
                return st;
        }
        sqlite3_bind_int64(writeCovered.get(), 1, pending.lastId);
        return step(writeCovered, "moving the rollup watermark");
    }

    // Rebuilds `pending` from the rows the rollups do not cover yet (after a crash, or a failed batch).
    Status catchUp()
    {
        pending.clear();
        auto covered = coveredId();
        if (!covered)
            return covered.error();
        pending.lastId = *covered;
        auto q = select(QStringLiteral("SELECT id, started_ms, feature, model_endpoint, user_id, status, total_ms, "
                                       "upstream_ms, prompt_tokens, answer_tokens, flags FROM request_log WHERE id > ? "
                                       "ORDER BY id"),
                        {*covered});
        if (!q)
            return q.error();
        while (q->next()) {
            pending.lastId = q->value(0).toLongLong();
            if (q->value(10).toInt() & FlagOverflowMarker)
                continue;
            auto ms = [&](int i) { return q->value(i).isNull() ? -1.0 : q->value(i).toDouble(); };
            auto count = [&](int i) { return q->value(i).isNull() ? -1 : q->value(i).toInt(); };
            pending.add(q->value(1).toLongLong(), nonNull(q->value(2).toString()), nonNull(q->value(3).toString()),
                        q->value(4).toString(), q->value(5).toInt(), ms(6), ms(7), count(8), count(9));
        }
        needCatchUp = false;
        return {};
    }

    // The highest request_log id the rollup tables cover.
    Result<qint64> coveredId()
    {
        auto q = select(QStringLiteral("SELECT covered_id FROM request_log_rollup WHERE id = 1"), {});
        if (!q)
            return q.error();
        return q->next() ? q->value(0).toLongLong() : 0;
    }

    Status insertAll(StoredBatch &batch, bool writeRollupsNow)
    {
        if (needCatchUp) {
            if (auto st = catchUp(); !st)
                return st;
        }
        // Ids continue after the largest one (as SQLite's own rowid choice would); inside the write
        // transaction, so nobody else takes them.
        qint64 nextId = 1;
        if (sqlite3_step(maxId.get()) == SQLITE_ROW)
            nextId = sqlite3_column_int64(maxId.get(), 0) + 1; // NULL (empty table) reads as 0
        sqlite3_reset(maxId.get());
        qsizetype done = 0;
        for (std::size_t i = 0; i < kChunkRows.size(); ++i) {
            const int rows = kChunkRows[i];
            while (batch.size() - done >= rows) {
                if (auto st = insertChunk(i, batch, done, nextId); !st)
                    return st;
                done += rows;
                nextId += rows;
            }
        }
        for (StoredRecord &stored : batch) {
            if (stored.record.captureBodies) {
                if (auto st = insertBodies(stored); !st)
                    return st;
            }
        }
        if (auto st = writeTelemetry(batch); !st)
            return st;
        for (const StoredRecord &stored : std::as_const(batch)) {
            if (stored.overflowMarker)
                continue;
            const RequestRecord &r = stored.record;
            pending.add(r.startedAtMs, r.feature, r.modelEndpoint, r.userId, r.status,
                        r.totalMs < 0 ? -1.0 : roundMs(r.totalMs), r.upstreamMs < 0 ? -1.0 : roundMs(r.upstreamMs),
                        r.promptTokens, r.answerTokens);
        }
        pending.lastId = nextId - 1;
        return writeRollupsNow ? writeRollups() : Status{};
    }

    Result<QSqlQuery> select(const QString &sql, const QVariantList &bindings)
    {
        return db.run(sql, bindings);
    }

    static RequestRecord recordFromRow(const QSqlQuery &q, int first, int *flagsOut)
    {
        RequestRecord r;
        int i = first;
        auto s = [&] { return q.value(i++).toString(); };
        auto ms = [&] {
            const QVariant v = q.value(i++);
            return v.isNull() ? -1.0 : v.toDouble();
        };
        r.startedAtMs = q.value(i++).toLongLong();
        r.requestId = s();
        r.method = s().toLatin1();
        r.path = s().toLatin1();
        r.dialect = s();
        r.feature = s();
        r.modelEndpoint = s();
        r.modelIdentifier = s();
        r.modelFamily = s();
        r.userId = s();
        r.instanceId = s();
        r.realm = s();
        r.hostName = s();
        r.gitlabVersion = s();
        r.tokenIssuer = s();
        r.tokenId = s();
        r.userAgent = s();
        r.clientVersion = s();
        r.clientIp = s();
        r.lang = s();
        r.editorLang = s();
        r.status = q.value(i++).toInt();
        r.errorCode = s();
        r.errorMessage = s();
        const int flags = q.value(i++).toInt();
        r.authMs = ms();
        r.queueMs = ms();
        r.upstreamFirstByteMs = ms();
        r.upstreamMs = ms();
        r.totalMs = ms();
        r.promptBytes = q.value(i++).toLongLong();
        r.answerBytes = q.value(i++).toLongLong();
        const QVariant pt = q.value(i++);
        r.promptTokens = pt.isNull() ? -1 : pt.toInt();
        const QVariant at = q.value(i++);
        r.answerTokens = at.isNull() ? -1 : at.toInt();
        r.stream = flags & FlagStream;
        r.cached = flags & FlagCached;
        r.superseded = flags & FlagSuperseded;
        r.captureBodies = flags & FlagBodies;
        *flagsOut = flags;
        return r;
    }

    static QString selectColumns()
    {
        QStringList names{QStringLiteral("id")};
        for (const char *c : kColumns)
            names.append(QLatin1String(c));
        return names.join(QStringLiteral(", "));
    }
};

RequestLogStore::RequestLogStore(Database &db)
    : d(std::make_unique<Private>(db))
{
}

RequestLogStore::~RequestLogStore() = default;

Status RequestLogStore::insertBatch(StoredBatch &batch)
{
    if (batch.isEmpty())
        return {};
    if (auto st = d->prepareWriter(); !st)
        return st;
    const auto now = Clock::now();
    const bool rollupsNow = d->rollupsDue(now);
    Status st = d->db.transaction([&]() -> Status { return d->insertAll(batch, rollupsNow); });
    if (!st) {
        // Rolled back: what was added to the pending rollups is not on disk. Rebuild them from the rows.
        d->pending.clear();
        d->needCatchUp = true;
        return st;
    }
    if (rollupsNow) {
        d->pending.clear();
        d->lastRollupWrite = now;
    }
    return {};
}

void RequestLogStore::setRollupInterval(int ms)
{
    d->rollupIntervalMs = qMax(0, ms);
}

Status RequestLogStore::flushRollups(bool onlyIfDue)
{
    if (d->pending.empty() && !d->needCatchUp)
        return {};
    if (onlyIfDue && !d->rollupsDue(Clock::now()))
        return {};
    if (auto st = d->prepareWriter(); !st)
        return st;
    Status st = d->db.transaction([&]() -> Status {
        if (d->needCatchUp) {
            if (auto s = d->catchUp(); !s)
                return s;
        }
        return d->writeRollups();
    });
    d->pending.clear();
    if (!st) {
        d->needCatchUp = true;
        return st;
    }
    d->lastRollupWrite = Clock::now();
    return {};
}

Result<LogPage> RequestLogStore::query(const LogQuery &query)
{
    QStringList where;
    QVariantList bindings;
    if (query.fromMs >= 0) {
        where.append(QStringLiteral("started_ms >= ?"));
        bindings.append(query.fromMs);
    }
    if (query.toMs >= 0) {
        where.append(QStringLiteral("started_ms < ?"));
        bindings.append(query.toMs);
    }
    if (!query.feature.isEmpty()) {
        where.append(QStringLiteral("feature = ?"));
        bindings.append(query.feature);
    }
    if (!query.userId.isEmpty()) {
        where.append(QStringLiteral("user_id = ?"));
        bindings.append(query.userId);
    }
    if (!query.modelEndpoint.isEmpty()) {
        where.append(QStringLiteral("model_endpoint = ?"));
        bindings.append(query.modelEndpoint);
    }
    if (query.status > 0) {
        // The literal "status <> 200" lets SQLite use the partial index request_log_status (which
        // leaves 200 out); 200 itself is nearly every row: request_log_started finds them.
        where.append(query.status == 200 ? QStringLiteral("status = ?") : QStringLiteral("status <> 200 AND status = ?"));
        bindings.append(query.status);
    } else if (query.statusClass >= 1 && query.statusClass <= 5) {
        // The literal "status >= 400" lets SQLite use the partial index request_log_errors (newest
        // first, no sort); "status <> 200" the partial request_log_status for the rare 1xx and 3xx.
        where.append(query.statusClass >= 4   ? QStringLiteral("status >= 400 AND status >= ? AND status < ?")
                         : query.statusClass == 2 ? QStringLiteral("status >= ? AND status < ?")
                                                  : QStringLiteral("status <> 200 AND status >= ? AND status < ?"));
        bindings.append(query.statusClass * 100);
        bindings.append(query.statusClass * 100 + 100);
    } else if (query.errorsOnly) {
        where.append(QStringLiteral("status >= 400"));
    }
    if (!query.text.isEmpty()) {
        where.append(QStringLiteral("id IN (SELECT id FROM request_log_bodies WHERE prompt LIKE ? ESCAPE '\\' "
                                    "OR answer LIKE ? ESCAPE '\\')"));
        bindings.append(likePattern(query.text));
        bindings.append(likePattern(query.text));
    }
    if (query.beforeStartedMs >= 0 && query.beforeId >= 0) {
        // Indexable first term; the second breaks ties between rows of the same millisecond.
        where.append(QStringLiteral("started_ms <= ? AND (started_ms < ? OR id < ?)"));
        bindings.append(query.beforeStartedMs);
        bindings.append(query.beforeStartedMs);
        bindings.append(query.beforeId);
    }
    const int limit = std::clamp(query.limit, 1, 1000);
    const QString sql = QStringLiteral("SELECT %1 FROM request_log%2 ORDER BY started_ms DESC, id DESC LIMIT %3")
                            .arg(Private::selectColumns(),
                                 where.isEmpty() ? QString() : QStringLiteral(" WHERE ") + where.join(QStringLiteral(" AND ")))
                            .arg(limit + 1);
    auto q = d->select(sql, bindings);
    if (!q)
        return q.error();
    LogPage page;
    StoredRecord last;
    int rows = 0;
    while (q->next()) {
        if (++rows > limit) {
            page.nextCursor = QStringLiteral("%1:%2").arg(last.record.startedAtMs).arg(last.id);
            break;
        }
        StoredRecord stored;
        stored.id = q->value(0).toLongLong();
        int flags = 0;
        stored.record = Private::recordFromRow(*q, 1, &flags);
        stored.overflowMarker = flags & FlagOverflowMarker;
        page.items.append(recordToJson(stored));
        last = std::move(stored);
    }
    return page;
}

Result<QJsonObject> RequestLogStore::record(qint64 id)
{
    auto q = d->select(QStringLiteral("SELECT %1 FROM request_log WHERE id = ?").arg(Private::selectColumns()), {id});
    if (!q)
        return q.error();
    if (!q->next())
        return Error::make(QStringLiteral("not_found"), QStringLiteral("no request record with id %1").arg(id));
    StoredRecord stored;
    stored.id = id;
    int flags = 0;
    stored.record = Private::recordFromRow(*q, 1, &flags);
    stored.overflowMarker = flags & FlagOverflowMarker;
    q->finish();
    if (stored.record.captureBodies) {
        auto b = d->select(QStringLiteral("SELECT prompt, answer FROM request_log_bodies WHERE id = ?"), {id});
        if (!b)
            return b.error();
        if (b->next()) {
            stored.record.promptBody = b->value(0).toString().toUtf8();
            stored.record.answerBody = b->value(1).toString().toUtf8();
        }
    }
    return recordToJson(stored, true);
}


Result<QJsonObject> RequestLogStore::aggregate(const AggregateQuery &query)
{
    const qint64 stepMs = qint64(qMax(60, query.stepSeconds / 60 * 60)) * 1000;
    // Minutes whose start lies in [from, to), as [fromMinute, toMinute).
    const qint64 fromMinute = floorTo(query.fromMs, kMinuteMs);
    const qint64 toMinute = ceilTo(query.toMs, kMinuteMs);
    using Sum = MinuteRow;
    std::map<std::pair<qint64, QString>, Sum> series;
    std::map<QString, Sum> byFeature;
    std::map<QString, Sum> byModel;
    Sum total;
    // One pass over the rollup rows of the range (clustered by time): the series, the totals by feature
    // and by model and the grand total are summed here rather than in four SQL scans.
    auto add = [&](qint64 t, const QString &feature, const QString &model, const Sum &row) {
        const QString &group = query.group == AggregateQuery::Group::Feature ? feature
            : query.group == AggregateQuery::Group::Model                    ? model
                                                                             : QString();
        series[{floorTo(t, stepMs), group}].add(row);
        byFeature[feature].add(row);
        byModel[model].add(row);
        total.add(row);
    };
    QString filters;
    QVariantList filterBindings;
    if (!query.feature.isEmpty()) {
        filters += QStringLiteral(" AND feature = ?");
        filterBindings.append(query.feature);
    }
    if (!query.modelEndpoint.isEmpty()) {
        filters += QStringLiteral(" AND model_endpoint = ?");
        filterBindings.append(query.modelEndpoint);
    }
    auto readRollup = [&](const QString &table, const QString &timeColumn, qint64 lo, qint64 hi) -> Status {
        if (lo >= hi)
            return {};
        auto q = d->select(QStringLiteral("SELECT %1, feature, model_endpoint, requests, errors, total_ms_sum, "
                                          "overhead_ms_sum, prompt_tokens, answer_tokens, %2 FROM %3 WHERE %1 >= ? AND %1 < ?%4")
                               .arg(timeColumn, histogramColumns(), table, filters),
                           QVariantList{lo, hi} + filterBindings);
        if (!q)
            return q.error();
        while (q->next()) {
            Sum row;
            row.requests = q->value(3).toLongLong();
            row.errors = q->value(4).toLongLong();
            row.totalMs = q->value(5).toDouble();
            row.overheadMs = q->value(6).toDouble();
            row.promptTokens = q->value(7).toLongLong();
            row.answerTokens = q->value(8).toLongLong();
            for (int i = 0; i < kLatencyBuckets; ++i)
                row.buckets[i] = q->value(9 + i).toLongLong();
            add(q->value(0).toLongLong(), q->value(1).toString(), q->value(2).toString(), row);
        }
        return {};
    };
    const ReadSnapshot snapshot(d->db);
    const QString minutes = QStringLiteral("request_log_minutes");
    const QString minuteColumn = QStringLiteral("minute_ms");
    // Steps of whole hours read the hourly rollup for the hours wholly inside the range and the
    // per-minute one only for the partial hours at its ends: the same sums, 60 times fewer rows.
    const qint64 hourFrom = ceilTo(fromMinute, kHourMs);
    const qint64 hourTo = floorTo(toMinute, kHourMs);
    if (stepMs % kHourMs == 0 && hourFrom < hourTo) {
        for (auto st : {readRollup(minutes, minuteColumn, fromMinute, hourFrom),
                        readRollup(QStringLiteral("request_log_hours"), QStringLiteral("hour_ms"), hourFrom, hourTo),
                        readRollup(minutes, minuteColumn, hourTo, toMinute)}) {
            if (!st)
                return st.error();
        }
    } else if (auto st = readRollup(minutes, minuteColumn, fromMinute, toMinute); !st) {
        return st.error();
    }
    // The rows the rollups do not cover yet (the writer writes them at most once a second). The unary
    // + keeps SQLite on the rowid range (a handful of rows) rather than an index over the time range.
    auto covered = d->coveredId();
    if (!covered)
        return covered.error();
    auto tail = d->select(QStringLiteral("SELECT started_ms, feature, model_endpoint, status, total_ms, upstream_ms, "
                                         "prompt_tokens, answer_tokens FROM request_log WHERE id > ? AND +started_ms >= ? "
                                         "AND +started_ms < ? AND (+flags & %1) = 0%2")
                              .arg(int(FlagOverflowMarker))
                              .arg(QString(filters).replace(QStringLiteral(" AND "), QStringLiteral(" AND +"))),
                          QVariantList{*covered, fromMinute, toMinute} + filterBindings);
    if (!tail)
        return tail.error();
    while (tail->next()) {
        auto ms = [&](int i) { return tail->value(i).isNull() ? -1.0 : tail->value(i).toDouble(); };
        auto count = [&](int i) { return tail->value(i).isNull() ? -1 : tail->value(i).toInt(); };
        Sum row;
        row.addRequest(tail->value(3).toInt(), ms(4), ms(5), count(6), count(7));
        add(floorTo(tail->value(0).toLongLong(), kMinuteMs), nonNull(tail->value(1).toString()),
            nonNull(tail->value(2).toString()), row);
    }
    const double stepSeconds = double(stepMs) / 1000.0;
    const double rangeSeconds = double(query.toMs - query.fromMs) / 1000.0;
    auto json = [](const Sum &s, double seconds) {
        QJsonObject o{{QStringLiteral("requests"), s.requests},
                      {QStringLiteral("errors"), s.errors},
                      {QStringLiteral("error_rate"), s.requests ? double(s.errors) / double(s.requests) : 0.0},
                      {QStringLiteral("prompt_tokens"), s.promptTokens},
                      {QStringLiteral("answer_tokens"), s.answerTokens}};
        if (seconds > 0)
            o.insert(QStringLiteral("rps"), double(s.requests) / seconds);
        if (s.requests) {
            o.insert(QStringLiteral("avg_ms"), s.totalMs / double(s.requests));
            o.insert(QStringLiteral("airlock_avg_ms"), s.overheadMs / double(s.requests));
            o.insert(QStringLiteral("p50_ms"), percentileFromBuckets(s.buckets, 0.50));
            o.insert(QStringLiteral("p95_ms"), percentileFromBuckets(s.buckets, 0.95));
            o.insert(QStringLiteral("p99_ms"), percentileFromBuckets(s.buckets, 0.99));
        }
        return o;
    };
    QJsonArray seriesJson;
    for (const auto &[key, sum] : series) {
        QJsonObject point = json(sum, stepSeconds);
        point.insert(QStringLiteral("t"), key.first);
        if (query.group != AggregateQuery::Group::None)
            point.insert(query.group == AggregateQuery::Group::Feature ? QStringLiteral("feature") : QStringLiteral("model"),
                         key.second);
        seriesJson.append(point);
    }
    auto list = [&](const std::map<QString, Sum> &sums, const QString &name) {
        QJsonArray out;
        for (const auto &[key, sum] : sums) {
            QJsonObject o = json(sum, rangeSeconds);
            o.insert(name, key);
            out.append(o);
        }
        return out;
    };
    return QJsonObject{{QStringLiteral("from_ms"), query.fromMs},
                       {QStringLiteral("to_ms"), query.toMs},
                       {QStringLiteral("step_s"), stepSeconds},
                       {QStringLiteral("series"), seriesJson},
                       {QStringLiteral("by_feature"), list(byFeature, QStringLiteral("feature"))},
                       {QStringLiteral("by_model"), list(byModel, QStringLiteral("model"))},
                       {QStringLiteral("total"), json(total, rangeSeconds)}};
}

Result<QJsonObject> RequestLogStore::telemetry(const TelemetryQuery &query)
{
    const QVariantList range{query.fromDay, query.toDay};
    auto rate = [](qint64 accepts, qint64 requests) { return requests ? double(accepts) / double(requests) : 0.0; };
    QJsonObject result{{QStringLiteral("from"), query.fromDay}, {QStringLiteral("to"), query.toDay}};
    {
        auto q = d->select(QStringLiteral("SELECT day, model_engine, model_name, lang, SUM(requests), SUM(accepts), "
                                          "SUM(errors) FROM suggestion_telemetry WHERE day >= ? AND day <= ? GROUP BY "
                                          "day, model_engine, model_name, lang ORDER BY day, model_name, lang"),
                           range);
        if (!q)
            return q.error();
        QJsonArray rows;
        while (q->next()) {
            const qint64 requests = q->value(4).toLongLong();
            const qint64 accepts = q->value(5).toLongLong();
            rows.append(QJsonObject{{QStringLiteral("day"), q->value(0).toString()},
                                    {QStringLiteral("model_engine"), q->value(1).toString()},
                                    {QStringLiteral("model_name"), q->value(2).toString()},
                                    {QStringLiteral("lang"), q->value(3).toString()},
                                    {QStringLiteral("requests"), requests},
                                    {QStringLiteral("accepts"), accepts},
                                    {QStringLiteral("errors"), q->value(6).toLongLong()},
                                    {QStringLiteral("acceptance_rate"), rate(accepts, requests)}});
        }
        result.insert(QStringLiteral("by_day_model_language"), rows);
    }
    for (const auto &[column, key] : {std::pair{"lang", "by_language"}, std::pair{"model_name", "by_model"}}) {
        auto q = d->select(QStringLiteral("SELECT %1, SUM(requests), SUM(accepts), SUM(errors) FROM suggestion_telemetry "
                                          "WHERE day >= ? AND day <= ? GROUP BY %1 ORDER BY %1")
                               .arg(QLatin1String(column)),
                           range);
        if (!q)
            return q.error();
        QJsonArray rows;
        while (q->next()) {
            const qint64 requests = q->value(1).toLongLong();
            const qint64 accepts = q->value(2).toLongLong();
            rows.append(QJsonObject{{QLatin1String(column == std::string_view("lang") ? "lang" : "model_name"),
                                     q->value(0).toString()},
                                    {QStringLiteral("requests"), requests},
                                    {QStringLiteral("accepts"), accepts},
                                    {QStringLiteral("errors"), q->value(3).toLongLong()},
                                    {QStringLiteral("acceptance_rate"), rate(accepts, requests)}});
        }
        result.insert(QLatin1String(key), rows);
    }
    {
        // daily_users plus the rows above the rollup watermark (not counted there yet), in one snapshot.
        const ReadSnapshot snapshot(d->db);
        auto covered = d->coveredId();
        if (!covered)
            return covered.error();
        auto q = d->select(QStringLiteral("SELECT day, COUNT(*), SUM(n) FROM (SELECT day, user_id, SUM(requests) AS n FROM "
                                          "(SELECT day, user_id, requests FROM daily_users WHERE day >= ? AND day <= ? "
                                          "UNION ALL SELECT date(started_ms / 1000, 'unixepoch'), user_id, 1 FROM request_log "
                                          "WHERE id > ? AND user_id <> '' AND (flags & %1) = 0) GROUP BY day, user_id) "
                                          "WHERE day >= ? AND day <= ? GROUP BY day ORDER BY day")
                               .arg(int(FlagOverflowMarker)),
                           range + QVariantList{*covered} + range);
        if (!q)
            return q.error();
        QJsonArray rows;
        while (q->next()) {
            rows.append(QJsonObject{{QStringLiteral("day"), q->value(0).toString()},
                                    {QStringLiteral("unique_users"), q->value(1).toLongLong()},
                                    {QStringLiteral("requests"), q->value(2).toLongLong()}});
        }
        result.insert(QStringLiteral("daily_users"), rows);
    }
    return result;
}

Result<qint64> RequestLogStore::enforceRetention(const RetentionPolicy &policy, qint64 nowMs, int chunk)
{
    chunk = qMax(1, chunk);
    qint64 removed = 0;
    // Deletes request_log rows (and their bodies) with id < bound, at most `chunk` of them.
    auto deleteBelow = [&](qint64 bound) -> Status {
        return d->db.transaction([&]() -> Status {
            auto a = d->db.run(QStringLiteral("DELETE FROM request_log WHERE id < ?"), {bound});
            if (!a)
                return a.error();
            removed += a->numRowsAffected();
            return d->db.exec(QStringLiteral("DELETE FROM request_log_bodies WHERE id < ?"), {bound});
        });
    };
    auto idRange = [&]() -> Result<std::pair<qint64, qint64>> {
        auto q = d->select(QStringLiteral("SELECT MIN(id), MAX(id) FROM request_log"), {});
        if (!q)
            return q.error();
        if (!q->next() || q->value(0).isNull())
            return std::pair<qint64, qint64>{0, -1};
        return std::pair<qint64, qint64>{q->value(0).toLongLong(), q->value(1).toLongLong()};
    };

    if (policy.maxAgeMs > 0) {
        const qint64 cutoff = nowMs - policy.maxAgeMs;
        auto q = d->select(QStringLiteral("SELECT id FROM request_log WHERE started_ms < ? ORDER BY started_ms LIMIT ?"),
                           {cutoff, chunk});
        if (!q)
            return q.error();
        QVariantList ids;
        while (q->next())
            ids.append(q->value(0));
        q->finish();
        if (!ids.isEmpty()) {
            QStringList marks;
            marks.fill(QStringLiteral("?"), ids.size());
            const QString in = marks.join(QLatin1Char(','));
            Status st = d->db.transaction([&]() -> Status {
                auto a = d->db.run(QStringLiteral("DELETE FROM request_log WHERE id IN (%1)").arg(in), ids);
                if (!a)
                    return a.error();
                removed += a->numRowsAffected();
                return d->db.exec(QStringLiteral("DELETE FROM request_log_bodies WHERE id IN (%1)").arg(in), ids);
            });
            if (!st)
                return st.error();
        }
        // Rollups, telemetry and daily users follow the same age (a few rows per minute or day).
        Status st = d->db.transaction([&]() -> Status {
            if (auto s = d->db.exec(QStringLiteral("DELETE FROM request_log_minutes WHERE minute_ms < ?"), {cutoff}); !s)
                return s;
            // Whole hours only: the hour holding the cutoff stays until it is all past it.
            if (auto s = d->db.exec(QStringLiteral("DELETE FROM request_log_hours WHERE hour_ms < ?"),
                                    {floorTo(cutoff, kHourMs)});
                !s)
                return s;
            if (auto s = d->db.exec(QStringLiteral("DELETE FROM suggestion_telemetry WHERE day < ?"), {dayOf(cutoff)}); !s)
                return s;
            return d->db.exec(QStringLiteral("DELETE FROM daily_users WHERE day < ?"), {dayOf(cutoff)});
        });
        if (!st)
            return st.error();
        if (removed > 0)
            return removed;
    }
    if (policy.maxRows > 0) {
        // Retention only ever removes the oldest ids, so ids stay dense: max - min + 1 counts the rows
        // (an upper bound if anything else deleted some) without a full COUNT(*).
        auto range = idRange();
        if (!range)
            return range.error();
        const qint64 rows = range->second - range->first + 1;
        if (rows > policy.maxRows) {
            const qint64 bound = range->first + qMin<qint64>(chunk, rows - policy.maxRows);
            if (auto st = deleteBelow(bound); !st)
                return st.error();
            if (removed > 0)
                return removed;
        }
    }
    if (policy.maxBytes > 0) {
        auto pages = d->select(QStringLiteral("SELECT page_count, freelist_count, page_size FROM pragma_page_count(), "
                                              "pragma_freelist_count(), pragma_page_size()"),
                               {});
        if (!pages)
            return pages.error();
        if (pages->next()) {
            const qint64 used = (pages->value(0).toLongLong() - pages->value(1).toLongLong()) * pages->value(2).toLongLong();
            pages->finish();
            if (used > policy.maxBytes) {
                auto range = idRange();
                if (!range)
                    return range.error();
                if (range->second >= range->first) {
                    if (auto st = deleteBelow(range->first + chunk); !st)
                        return st.error();
                }
            }
        }
    }
    return removed;
}

Result<qint64> RequestLogStore::countRows()
{
    auto q = d->select(QStringLiteral("SELECT COUNT(*) FROM request_log"), {});
    if (!q)
        return q.error();
    return q->next() ? q->value(0).toLongLong() : 0;
}

} // namespace airlock::logging
