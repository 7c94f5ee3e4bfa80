#include "requestlogrollups.h"

#include "database.h"
#include "requestlogschema.h"

#include <QStringList>

namespace airlock::storage {

namespace {

QByteArray rollupUpsert(const char *table, const char *timeColumn)
{
    QStringList updates { QStringLiteral("requests = requests + excluded.requests"),
        QStringLiteral("errors = errors + excluded.errors"),
        QStringLiteral("total_ms_sum = total_ms_sum + excluded.total_ms_sum"),
        QStringLiteral("overhead_ms_sum = overhead_ms_sum + excluded.overhead_ms_sum"),
        QStringLiteral("prompt_tokens = prompt_tokens + excluded.prompt_tokens"),
        QStringLiteral("answer_tokens = answer_tokens + excluded.answer_tokens") };
    QStringList hmarks;
    for (int i = 0; i < kLatencyBuckets; ++i) {
        updates.append(QStringLiteral("h%1 = h%1 + excluded.h%1").arg(i));
        hmarks.append(QStringLiteral("?"));
    }
    return QStringLiteral(
        "INSERT INTO %1 (%2, feature, model_endpoint, requests, errors, total_ms_sum, "
        "overhead_ms_sum, prompt_tokens, answer_tokens, %3) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, %4) "
        "ON CONFLICT (%2, feature, model_endpoint) DO UPDATE SET %5")
        .arg(QLatin1String(table), QLatin1String(timeColumn), histogramColumns(),
            hmarks.join(QStringLiteral(", ")), updates.join(QStringLiteral(", ")))
        .toUtf8();
}

} // namespace

void RollupRow::addRequest(int status, double total, double upstream, int inTokens, int outTokens)
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

void RollupRow::add(const RollupRow &o)
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

void RequestLogRollups::Pending::clear()
{
    minutes.clear();
    users.clear();
    lastRow = nullptr;
    lastMinute = -1;
}

void RequestLogRollups::Pending::add(qint64 startedMs, const QString &feature, const QString &model,
    const QString &user, int status, double totalMs, double upstreamMs, int promptTokens, int answerTokens)
{
    const qint64 minute = floorTo(startedMs, kMinuteMs);
    if (!lastRow || lastMinute != minute || lastFeature != feature || lastModel != model) {
        lastRow = &minutes[RollupKey { minute, feature, model }]; // std::map nodes stay put
        lastMinute = minute;
        lastFeature = feature;
        lastModel = model;
    }
    lastRow->addRequest(status, totalMs, upstreamMs, promptTokens, answerTokens);
    if (!user.isEmpty())
        ++users[{ floorTo(startedMs, kDayMs) / kDayMs, user }];
}

RequestLogRollups::RequestLogRollups(Database &db) : m_db(db) { }

Status RequestLogRollups::prepare(sqlite3 *handle)
{
    if (auto st = m_upsertMinute.prepare(handle, rollupUpsert("request_log_minutes", "minute_ms")); !st)
        return st;
    if (auto st = m_upsertHour.prepare(handle, rollupUpsert("request_log_hours", "hour_ms")); !st)
        return st;
    if (auto st = m_upsertUser.prepare(handle,
            "INSERT INTO daily_users (day, user_id, requests) VALUES (?, ?, ?) ON "
            "CONFLICT (day, user_id) DO UPDATE SET requests = requests + "
            "excluded.requests");
        !st)
        return st;
    return m_writeCovered.prepare(handle,
        "INSERT INTO request_log_rollup (id, covered_id) VALUES (1, ?) ON CONFLICT "
        "(id) DO UPDATE SET covered_id = excluded.covered_id");
}

void RequestLogRollups::setInterval(int ms)
{
    m_intervalMs = qMax(0, ms);
}

bool RequestLogRollups::due(Clock::time_point now) const
{
    return m_intervalMs <= 0 || !m_lastWrite || now - *m_lastWrite >= std::chrono::milliseconds(m_intervalMs);
}

bool RequestLogRollups::idle() const
{
    return m_pending.empty() && !m_needCatchUp;
}

Status RequestLogRollups::catchUpIfNeeded()
{
    return m_needCatchUp ? catchUp() : Status {};
}

void RequestLogRollups::count(const StoredBatch &batch, qint64 lastId)
{
    for (const StoredRecord &stored : batch) {
        if (stored.overflowMarker)
            continue;
        const RequestRecord &r = stored.record;
        m_pending.add(r.startedAtMs, r.feature, r.modelEndpoint, r.userId, r.status,
            r.totalMs < 0 ? -1.0 : roundMs(r.totalMs), r.upstreamMs < 0 ? -1.0 : roundMs(r.upstreamMs),
            r.promptTokens, r.answerTokens);
    }
    m_pending.lastId = lastId;
}

Status RequestLogRollups::upsert(SqliteStatement &s, const RollupKey &key, const RollupRow &row)
{
    const QByteArray feature = key.feature.toUtf8();
    const QByteArray model = key.model.toUtf8();
    int i = 1;
    s.bindInt(i++, key.t);
    s.bindKey(i++, feature);
    s.bindKey(i++, model);
    s.bindInt(i++, row.requests);
    s.bindInt(i++, row.errors);
    s.bindDouble(i++, row.totalMs);
    s.bindDouble(i++, row.overheadMs);
    s.bindInt(i++, row.promptTokens);
    s.bindInt(i++, row.answerTokens);
    for (qint64 n : row.buckets)
        s.bindInt(i++, n);
    return s.step("updating a request log rollup");
}

Status RequestLogRollups::write()
{
    std::map<RollupKey, RollupRow> hours;
    for (const auto &[key, row] : m_pending.minutes) {
        if (auto st = upsert(m_upsertMinute, key, row); !st)
            return st;
        hours[RollupKey { floorTo(key.t, kHourMs), key.feature, key.model }].add(row);
    }
    for (const auto &[key, row] : hours) {
        if (auto st = upsert(m_upsertHour, key, row); !st)
            return st;
    }
    for (auto it = m_pending.users.cbegin(); it != m_pending.users.cend(); ++it) {
        const QByteArray day = dayString(it.key().first);
        const QByteArray user = it.key().second.toUtf8();
        m_upsertUser.bindKey(1, day);
        m_upsertUser.bindKey(2, user);
        m_upsertUser.bindInt(3, it.value());
        if (auto st = m_upsertUser.step("updating daily users"); !st)
            return st;
    }
    m_writeCovered.bindInt(1, m_pending.lastId);
    return m_writeCovered.step("moving the rollup watermark");
}

void RequestLogRollups::written(Clock::time_point at)
{
    m_pending.clear();
    m_lastWrite = at;
}

void RequestLogRollups::discard()
{
    m_pending.clear();
    m_needCatchUp = true;
}

Status RequestLogRollups::catchUp()
{
    m_pending.clear();
    auto covered = coveredId(m_db);
    if (!covered)
        return covered.error();
    m_pending.lastId = *covered;
    auto q = m_db.run(
        QStringLiteral("SELECT id, started_ms, feature, model_endpoint, user_id, status, total_ms, "
                       "upstream_ms, prompt_tokens, answer_tokens, flags FROM request_log WHERE id > ? "
                       "ORDER BY id"),
        { *covered });
    if (!q)
        return q.error();
    while (q->next()) {
        m_pending.lastId = q->value(0).toLongLong();
        if (q->value(10).toInt() & FlagOverflowMarker)
            continue;
        auto ms = [&](int i) { return q->value(i).isNull() ? -1.0 : q->value(i).toDouble(); };
        auto count = [&](int i) { return q->value(i).isNull() ? -1 : q->value(i).toInt(); };
        m_pending.add(q->value(1).toLongLong(), nonNull(q->value(2).toString()),
            nonNull(q->value(3).toString()), q->value(4).toString(), q->value(5).toInt(), ms(6), ms(7),
            count(8), count(9));
    }
    m_needCatchUp = false;
    return {};
}

Result<qint64> RequestLogRollups::coveredId(Database &db)
{
    auto q = db.run(QStringLiteral("SELECT covered_id FROM request_log_rollup WHERE id = 1"));
    if (!q)
        return q.error();
    return q->next() ? q->value(0).toLongLong() : 0;
}

} // namespace airlock::storage
