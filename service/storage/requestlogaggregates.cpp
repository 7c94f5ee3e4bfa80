// RequestLogStore's aggregate queries: the console's charts (aggregate) and code suggestion telemetry
// with daily users (telemetry). Both read the rollup tables plus the request_log rows above the rollups'
// watermark, in one read snapshot, so they are exact whenever the rollups were last written.

#include "requestlogstore.h"

#include "database.h"
#include "requestlogrollups.h"
#include "requestlogschema.h"

#include <QSqlQuery>

#include <map>
#include <string_view>

namespace airlock::storage {

Result<QJsonObject> RequestLogStore::aggregate(const AggregateQuery &query)
{
    const qint64 stepMs = qint64(qMax(60, query.stepSeconds / 60 * 60)) * 1000;
    // Minutes whose start lies in [from, to), as [fromMinute, toMinute).
    const qint64 fromMinute = floorTo(query.fromMs, kMinuteMs);
    const qint64 toMinute = ceilTo(query.toMs, kMinuteMs);
    using Sum = RollupRow;
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
        series[{ floorTo(t, stepMs), group }].add(row);
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
        auto q = m_db.run(
            QStringLiteral(
                "SELECT %1, feature, model_endpoint, requests, errors, total_ms_sum, "
                "overhead_ms_sum, prompt_tokens, answer_tokens, %2 FROM %3 WHERE %1 >= ? AND %1 < ?%4")
                .arg(timeColumn, histogramColumns(), table, filters),
            QVariantList { lo, hi } + filterBindings);
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
    const ReadSnapshot snapshot(m_db);
    const QString minutes = QStringLiteral("request_log_minutes");
    const QString minuteColumn = QStringLiteral("minute_ms");
    // Steps of whole hours read the hourly rollup for the hours wholly inside the range and the
    // per-minute one only for the partial hours at its ends: the same sums, 60 times fewer rows.
    const qint64 hourFrom = ceilTo(fromMinute, kHourMs);
    const qint64 hourTo = floorTo(toMinute, kHourMs);
    if (stepMs % kHourMs == 0 && hourFrom < hourTo) {
        for (auto st : { readRollup(minutes, minuteColumn, fromMinute, hourFrom),
                 readRollup(QStringLiteral("request_log_hours"), QStringLiteral("hour_ms"), hourFrom, hourTo),
                 readRollup(minutes, minuteColumn, hourTo, toMinute) }) {
            if (!st)
                return st.error();
        }
    } else if (auto st = readRollup(minutes, minuteColumn, fromMinute, toMinute); !st) {
        return st.error();
    }
    // The rows the rollups do not cover yet (the writer writes them at most once a second). The unary
    // + keeps SQLite on the rowid range (a handful of rows) rather than an index over the time range.
    auto covered = RequestLogRollups::coveredId(m_db);
    if (!covered)
        return covered.error();
    auto tail = m_db.run(
        QStringLiteral("SELECT started_ms, feature, model_endpoint, status, total_ms, upstream_ms, "
                       "prompt_tokens, answer_tokens FROM request_log WHERE id > ? AND +started_ms >= ? "
                       "AND +started_ms < ? AND (+flags & %1) = 0%2")
            .arg(int(FlagOverflowMarker))
            .arg(QString(filters).replace(QStringLiteral(" AND "), QStringLiteral(" AND +"))),
        QVariantList { *covered, fromMinute, toMinute } + filterBindings);
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
        QJsonObject o { { QStringLiteral("requests"), s.requests }, { QStringLiteral("errors"), s.errors },
            { QStringLiteral("error_rate"), s.requests ? double(s.errors) / double(s.requests) : 0.0 },
            { QStringLiteral("prompt_tokens"), s.promptTokens },
            { QStringLiteral("answer_tokens"), s.answerTokens } };
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
            point.insert(query.group == AggregateQuery::Group::Feature ? QStringLiteral("feature")
                                                                       : QStringLiteral("model"),
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
    return QJsonObject { { QStringLiteral("from_ms"), query.fromMs }, { QStringLiteral("to_ms"), query.toMs },
        { QStringLiteral("step_s"), stepSeconds }, { QStringLiteral("series"), seriesJson },
        { QStringLiteral("by_feature"), list(byFeature, QStringLiteral("feature")) },
        { QStringLiteral("by_model"), list(byModel, QStringLiteral("model")) },
        { QStringLiteral("total"), json(total, rangeSeconds) } };
}

Result<QJsonObject> RequestLogStore::telemetry(const TelemetryQuery &query)
{
    const QVariantList range { query.fromDay, query.toDay };
    auto rate
        = [](qint64 accepts, qint64 requests) { return requests ? double(accepts) / double(requests) : 0.0; };
    QJsonObject result { { QStringLiteral("from"), query.fromDay }, { QStringLiteral("to"), query.toDay } };
    {
        auto q = m_db.run(
            QStringLiteral("SELECT day, model_engine, model_name, lang, SUM(requests), SUM(accepts), "
                           "SUM(errors) FROM suggestion_telemetry WHERE day >= ? AND day <= ? GROUP BY "
                           "day, model_engine, model_name, lang ORDER BY day, model_name, lang"),
            range);
        if (!q)
            return q.error();
        QJsonArray rows;
        while (q->next()) {
            const qint64 requests = q->value(4).toLongLong();
            const qint64 accepts = q->value(5).toLongLong();
            rows.append(QJsonObject { { QStringLiteral("day"), q->value(0).toString() },
                { QStringLiteral("model_engine"), q->value(1).toString() },
                { QStringLiteral("model_name"), q->value(2).toString() },
                { QStringLiteral("lang"), q->value(3).toString() }, { QStringLiteral("requests"), requests },
                { QStringLiteral("accepts"), accepts },
                { QStringLiteral("errors"), q->value(6).toLongLong() },
                { QStringLiteral("acceptance_rate"), rate(accepts, requests) } });
        }
        result.insert(QStringLiteral("by_day_model_language"), rows);
    }
    for (const auto &[column, key] :
        { std::pair { "lang", "by_language" }, std::pair { "model_name", "by_model" } }) {
        auto q = m_db.run(
            QStringLiteral("SELECT %1, SUM(requests), SUM(accepts), SUM(errors) FROM suggestion_telemetry "
                           "WHERE day >= ? AND day <= ? GROUP BY %1 ORDER BY %1")
                .arg(QLatin1String(column)),
            range);
        if (!q)
            return q.error();
        QJsonArray rows;
        while (q->next()) {
            const qint64 requests = q->value(1).toLongLong();
            const qint64 accepts = q->value(2).toLongLong();
            rows.append(
                QJsonObject { { QLatin1String(column == std::string_view("lang") ? "lang" : "model_name"),
                                  q->value(0).toString() },
                    { QStringLiteral("requests"), requests }, { QStringLiteral("accepts"), accepts },
                    { QStringLiteral("errors"), q->value(3).toLongLong() },
                    { QStringLiteral("acceptance_rate"), rate(accepts, requests) } });
        }
        result.insert(QLatin1String(key), rows);
    }
    {
        // daily_users plus the rows above the rollup watermark (not counted there yet), in one snapshot.
        const ReadSnapshot snapshot(m_db);
        auto covered = RequestLogRollups::coveredId(m_db);
        if (!covered)
            return covered.error();
        auto q = m_db.run(
            QStringLiteral(
                "SELECT day, COUNT(*), SUM(n) FROM (SELECT day, user_id, SUM(requests) AS n FROM "
                "(SELECT day, user_id, requests FROM daily_users WHERE day >= ? AND day <= ? "
                "UNION ALL SELECT date(started_ms / 1000, 'unixepoch'), user_id, 1 FROM request_log "
                "WHERE id > ? AND user_id <> '' AND (flags & %1) = 0) GROUP BY day, user_id) "
                "WHERE day >= ? AND day <= ? GROUP BY day ORDER BY day")
                .arg(int(FlagOverflowMarker)),
            range + QVariantList { *covered } + range);
        if (!q)
            return q.error();
        QJsonArray rows;
        while (q->next()) {
            rows.append(QJsonObject { { QStringLiteral("day"), q->value(0).toString() },
                { QStringLiteral("unique_users"), q->value(1).toLongLong() },
                { QStringLiteral("requests"), q->value(2).toLongLong() } });
        }
        result.insert(QStringLiteral("daily_users"), rows);
    }
    return result;
}

} // namespace airlock::storage
