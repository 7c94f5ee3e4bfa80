#include "requestlogstore.h"

#include "redaction.h"
#include "storage/database.h"

#include <QDateTime>
#include <QHash>
#include <QJsonDocument>
#include <QSqlError>

#include <cmath>
#include <map>
#include <tuple>

namespace airlock::logging {

namespace {

constexpr const char *kColumns[] = {
    "started_ms", "request_id", "method", "path", "dialect", "feature", "model_endpoint", "model_identifier",
    "model_family", "user_id", "instance_id", "realm", "host_name", "gitlab_version", "token_issuer", "token_id",
    "user_agent", "client_version", "client_ip", "lang", "editor_lang", "status", "error_code", "error_message",
    "flags", "auth_ms", "queue_ms", "first_byte_ms", "upstream_ms", "total_ms", "prompt_bytes", "answer_bytes",
    "prompt_tokens", "answer_tokens"};
constexpr int kColumnCount = int(std::size(kColumns));

QVariant text(const QString &s)
{
    return s.isEmpty() ? QVariant(QMetaType::fromType<QString>()) : QVariant(s);
}

// Key columns are NOT NULL: an unknown feature or model is the empty string there.
QString nonNull(const QString &s)
{
    return s.isNull() ? QStringLiteral("") : s;
}

QVariant text(const QByteArray &s)
{
    return text(QString::fromLatin1(s));
}

QVariant millis(double ms)
{
    return ms < 0 ? QVariant(QMetaType::fromType<double>()) : QVariant(std::round(ms * 1000.0) / 1000.0);
}

QVariant count(int n)
{
    return n < 0 ? QVariant(QMetaType::fromType<int>()) : QVariant(n);
}

Error sqlError(const QString &what, const QSqlQuery &query)
{
    return Error::make(QStringLiteral("database_error"), what + QStringLiteral(": ") + query.lastError().text());
}

bool isError(const RequestRecord &r)
{
    return r.status >= 400 || r.status == 0;
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

struct MinuteKey
{
    qint64 minute;
    QString feature;
    QString model;
    bool operator<(const MinuteKey &o) const
    {
        return std::tie(minute, feature, model) < std::tie(o.minute, o.feature, o.model);
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
    std::optional<QSqlQuery> insertRow;
    std::optional<QSqlQuery> insertBodies;
    std::optional<QSqlQuery> upsertMinute;
    std::optional<QSqlQuery> upsertTelemetry;
    std::optional<QSqlQuery> upsertUser;

    explicit Private(Database &database)
        : db(database)
    {
    }

    Status prepare(std::optional<QSqlQuery> &slot, const QString &sql)
    {
        if (slot)
            return {};
        QSqlQuery q(db.connection());
        if (!q.prepare(sql))
            return sqlError(QStringLiteral("preparing a request log statement"), q);
        slot = std::move(q);
        return {};
    }

    Status prepareAll()
    {
        if (!insertRow) {
            // The log's indexes take inserts at scattered positions (one per user, status, feature): a
            // cache larger than SQLite's 2 MB default keeps their hot leaf pages in memory. Per
            // connection: the writer's.
            (void)db.exec(QStringLiteral("PRAGMA cache_size = -65536"));
        }
        QStringList names;
        QStringList marks;
        for (const char *c : kColumns) {
            names.append(QLatin1String(c));
            marks.append(QStringLiteral("?"));
        }
        if (auto st = prepare(insertRow, QStringLiteral("INSERT INTO request_log (%1) VALUES (%2)")
                                             .arg(names.join(QStringLiteral(", ")), marks.join(QStringLiteral(", "))));
            !st)
            return st;
        if (auto st = prepare(insertBodies,
                              QStringLiteral("INSERT INTO request_log_bodies (id, prompt, answer) VALUES (?, ?, ?)"));
            !st)
            return st;
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
        if (auto st = prepare(upsertMinute,
                              QStringLiteral("INSERT INTO request_log_minutes (minute_ms, feature, model_endpoint, requests, "
                                             "errors, total_ms_sum, overhead_ms_sum, prompt_tokens, answer_tokens, %1) "
                                             "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, %2) ON CONFLICT (minute_ms, feature, "
                                             "model_endpoint) DO UPDATE SET %3")
                                  .arg(histogramColumns(), hmarks.join(QStringLiteral(", ")),
                                       updates.join(QStringLiteral(", "))));
            !st)
            return st;
        if (auto st = prepare(upsertTelemetry,
                              QStringLiteral("INSERT INTO suggestion_telemetry (day, model_engine, model_name, lang, "
                                             "requests, accepts, errors) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (day, "
                                             "model_engine, model_name, lang) DO UPDATE SET requests = requests + "
                                             "excluded.requests, accepts = accepts + excluded.accepts, errors = errors "
                                             "+ excluded.errors"));
            !st)
            return st;
        return prepare(upsertUser, QStringLiteral("INSERT INTO daily_users (day, user_id, requests) VALUES (?, ?, ?) "
                                                  "ON CONFLICT (day, user_id) DO UPDATE SET requests = requests + "
                                                  "excluded.requests"));
    }

    Status insertOne(StoredRecord &stored)
    {
        RequestRecord &r = stored.record;
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
        const QVariant values[kColumnCount] = {
            r.startedAtMs, r.requestId, text(r.method), text(r.path), text(r.dialect), text(r.feature),
            text(r.modelEndpoint), text(r.modelIdentifier), text(r.modelFamily), text(r.userId), text(r.instanceId),
            text(r.realm), text(r.hostName), text(r.gitlabVersion), text(r.tokenIssuer), text(r.tokenId),
            text(r.userAgent), text(r.clientVersion), text(r.clientIp), text(r.lang), text(r.editorLang), r.status,
            text(r.errorCode), text(r.errorMessage), flags, millis(r.authMs), millis(r.queueMs),
            millis(r.upstreamFirstByteMs), millis(r.upstreamMs), millis(r.totalMs), r.promptBytes, r.answerBytes,
            count(r.promptTokens), count(r.answerTokens)};
        QSqlQuery &q = *insertRow;
        for (int i = 0; i < kColumnCount; ++i)
            q.bindValue(i, values[i]);
        if (!q.exec())
            return sqlError(QStringLiteral("writing a request record"), q);
        stored.id = q.lastInsertId().toLongLong();
        if (r.captureBodies) {
            // Redacted here, on the writer thread; what is kept in memory afterwards is the redacted text
            // too, so live logs and admin answers never see a secret.
            r.promptBody = redactSecrets(r.promptBody.left(kMaxCapturedBodyBytes));
            r.answerBody = redactSecrets(r.answerBody.left(kMaxCapturedBodyBytes));
            QSqlQuery &b = *insertBodies;
            b.bindValue(0, stored.id);
            b.bindValue(1, QString::fromUtf8(r.promptBody));
            b.bindValue(2, QString::fromUtf8(r.answerBody));
            if (!b.exec())
                return sqlError(QStringLiteral("writing captured bodies"), b);
        }
        return {};
    }

    Status writeRollups(const StoredBatch &batch)
    {
        std::map<MinuteKey, MinuteRow> minutes;
        QHash<std::pair<QString, QString>, qint64> users;
        for (const StoredRecord &stored : batch) {
            if (stored.overflowMarker)
                continue;
            const RequestRecord &r = stored.record;
            MinuteRow &row = minutes[MinuteKey{r.startedAtMs / 60000 * 60000, r.feature, r.modelEndpoint}];
            ++row.requests;
            if (isError(r))
                ++row.errors;
            const double total = qMax(0.0, r.totalMs);
            row.totalMs += total;
            row.overheadMs += qMax(0.0, total - qMax(0.0, r.upstreamMs));
            row.promptTokens += qMax(0, r.promptTokens);
            row.answerTokens += qMax(0, r.answerTokens);
            ++row.buckets[latencyBucket(total)];
            if (!r.userId.isEmpty())
                ++users[{dayOf(r.startedAtMs), r.userId}];
        }
        QSqlQuery &m = *upsertMinute;
        for (const auto &[key, row] : minutes) {
            int i = 0;
            m.bindValue(i++, key.minute);
            m.bindValue(i++, nonNull(key.feature));
            m.bindValue(i++, nonNull(key.model));
            m.bindValue(i++, row.requests);
            m.bindValue(i++, row.errors);
            m.bindValue(i++, row.totalMs);
            m.bindValue(i++, row.overheadMs);
            m.bindValue(i++, row.promptTokens);
            m.bindValue(i++, row.answerTokens);
            for (qint64 n : row.buckets)
                m.bindValue(i++, n);
            if (!m.exec())
                return sqlError(QStringLiteral("updating the per-minute rollup"), m);
        }
        QSqlQuery &u = *upsertUser;
        for (auto it = users.cbegin(); it != users.cend(); ++it) {
            u.bindValue(0, it.key().first);
            u.bindValue(1, it.key().second);
            u.bindValue(2, it.value());
            if (!u.exec())
                return sqlError(QStringLiteral("updating daily users"), u);
        }
        QSqlQuery &t = *upsertTelemetry;
        for (const StoredRecord &stored : batch) {
            if (stored.record.telemetryJson.isEmpty())
                continue;
            const QString day = dayOf(stored.record.startedAtMs);
            for (const TelemetryItem &item : parseTelemetry(stored.record.telemetryJson)) {
                t.bindValue(0, day);
                t.bindValue(1, nonNull(item.modelEngine));
                t.bindValue(2, nonNull(item.modelName));
                t.bindValue(3, nonNull(item.lang));
                t.bindValue(4, item.requests);
                t.bindValue(5, item.accepts);
                t.bindValue(6, item.errors);
                if (!t.exec())
                    return sqlError(QStringLiteral("updating suggestion telemetry"), t);
            }
        }
        return {};
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
    if (auto st = d->prepareAll(); !st)
        return st;
    return d->db.transaction([&]() -> Status {
        for (StoredRecord &stored : batch) {
            if (auto st = d->insertOne(stored); !st)
                return st;
        }
        return d->writeRollups(batch);
    });
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
        where.append(QStringLiteral("status = ?"));
        bindings.append(query.status);
    } else if (query.statusClass >= 1 && query.statusClass <= 5) {
        // The literal "status >= 400" lets SQLite use the partial index request_log_errors.
        where.append(query.statusClass >= 4 ? QStringLiteral("status >= 400 AND status >= ? AND status < ?")
                                            : QStringLiteral("status >= ? AND status < ?"));
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
    QStringList where{QStringLiteral("minute_ms >= ?"), QStringLiteral("minute_ms < ?")};
    QVariantList bindings{query.fromMs / 60000 * 60000, query.toMs};
    if (!query.feature.isEmpty()) {
        where.append(QStringLiteral("feature = ?"));
        bindings.append(query.feature);
    }
    if (!query.modelEndpoint.isEmpty()) {
        where.append(QStringLiteral("model_endpoint = ?"));
        bindings.append(query.modelEndpoint);
    }
    // One pass over the rollup rows of the range (clustered by minute): the series, the totals by
    // feature and by model and the grand total are summed here rather than in four SQL scans.
    auto q = d->select(QStringLiteral("SELECT minute_ms, feature, model_endpoint, requests, errors, total_ms_sum, "
                                      "overhead_ms_sum, prompt_tokens, answer_tokens, %1 FROM request_log_minutes WHERE %2")
                           .arg(histogramColumns(), where.join(QStringLiteral(" AND "))),
                       bindings);
    if (!q)
        return q.error();
    using Sum = MinuteRow;
    std::map<std::pair<qint64, QString>, Sum> series;
    std::map<QString, Sum> byFeature;
    std::map<QString, Sum> byModel;
    Sum total;
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
        const qint64 t = q->value(0).toLongLong() / stepMs * stepMs;
        const QString feature = q->value(1).toString();
        const QString model = q->value(2).toString();
        const QString group = query.group == AggregateQuery::Group::Feature ? feature
            : query.group == AggregateQuery::Group::Model                   ? model
                                                                            : QString();
        series[{t, group}].add(row);
        byFeature[feature].add(row);
        byModel[model].add(row);
        total.add(row);
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
        auto q = d->select(QStringLiteral("SELECT day, COUNT(*), SUM(requests) FROM daily_users WHERE day >= ? AND day <= ? "
                                          "GROUP BY day ORDER BY day"),
                           range);
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
