// RequestLogStore::enforceRetention: removes the oldest request log rows (and their bodies), and the
// rollups, telemetry and daily users past the age limit, in small steps between the writer's batches.

#include "requestlogstore.h"

#include "database.h"
#include "requestlogschema.h"

#include <QSqlQuery>
#include <QStringList>

#include <utility>

namespace airlock::storage {

Result<qint64> RequestLogStore::enforceRetention(const RetentionPolicy &policy, qint64 nowMs, int chunk)
{
    chunk = qMax(1, chunk);
    qint64 removed = 0;
    // Deletes request_log rows (and their bodies) with id < bound, at most `chunk` of them.
    auto deleteBelow = [&](qint64 bound) -> Status {
        return m_db.transaction([&]() -> Status {
            auto a = m_db.run(QStringLiteral("DELETE FROM request_log WHERE id < ?"), { bound });
            if (!a)
                return a.error();
            removed += a->numRowsAffected();
            return m_db.exec(QStringLiteral("DELETE FROM request_log_bodies WHERE id < ?"), { bound });
        });
    };
    auto idRange = [&]() -> Result<std::pair<qint64, qint64>> {
        auto q = m_db.run(QStringLiteral("SELECT MIN(id), MAX(id) FROM request_log"));
        if (!q)
            return q.error();
        if (!q->next() || q->value(0).isNull())
            return std::pair<qint64, qint64> { 0, -1 };
        return std::pair<qint64, qint64> { q->value(0).toLongLong(), q->value(1).toLongLong() };
    };

    if (policy.maxAgeMs > 0) {
        const qint64 cutoff = nowMs - policy.maxAgeMs;
        auto q = m_db.run(
            QStringLiteral("SELECT id FROM request_log WHERE started_ms < ? ORDER BY started_ms LIMIT ?"),
            { cutoff, chunk });
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
            Status st = m_db.transaction([&]() -> Status {
                auto a = m_db.run(QStringLiteral("DELETE FROM request_log WHERE id IN (%1)").arg(in), ids);
                if (!a)
                    return a.error();
                removed += a->numRowsAffected();
                return m_db.exec(
                    QStringLiteral("DELETE FROM request_log_bodies WHERE id IN (%1)").arg(in), ids);
            });
            if (!st)
                return st.error();
        }
        // Rollups, telemetry and daily users follow the same age (a few rows per minute or day).
        Status st = m_db.transaction([&]() -> Status {
            if (auto s = m_db.exec(
                    QStringLiteral("DELETE FROM request_log_minutes WHERE minute_ms < ?"), { cutoff });
                !s)
                return s;
            // Whole hours only: the hour holding the cutoff stays until it is all past it.
            if (auto s = m_db.exec(QStringLiteral("DELETE FROM request_log_hours WHERE hour_ms < ?"),
                    { floorTo(cutoff, kHourMs) });
                !s)
                return s;
            if (auto s = m_db.exec(
                    QStringLiteral("DELETE FROM suggestion_telemetry WHERE day < ?"), { dayOf(cutoff) });
                !s)
                return s;
            return m_db.exec(QStringLiteral("DELETE FROM daily_users WHERE day < ?"), { dayOf(cutoff) });
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
        auto pages = m_db.run(
            QStringLiteral("SELECT page_count, freelist_count, page_size FROM pragma_page_count(), "
                           "pragma_freelist_count(), pragma_page_size()"));
        if (!pages)
            return pages.error();
        if (pages->next()) {
            const qint64 used = (pages->value(0).toLongLong() - pages->value(1).toLongLong())
                * pages->value(2).toLongLong();
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

} // namespace airlock::storage
