#include "requestlogstore.h"

#include "database.h"
#include "requestlogrollups.h"
#include "requestlogschema.h"
#include "requestlogwriter.h"

#include <QDateTime>
#include <QSqlQuery>
#include <QStringList>

#include <algorithm>

namespace airlock::storage {

namespace {

QString likePattern(const QString &text)
{
    QString escaped = text;
    escaped.replace(QLatin1Char('\\'), QStringLiteral("\\\\"))
        .replace(QLatin1Char('%'), QStringLiteral("\\%"))
        .replace(QLatin1Char('_'), QStringLiteral("\\_"));
    return QLatin1Char('%') + escaped + QLatin1Char('%');
}

// A record from a row of requestLogSelectColumns() read from column `first` on (after the id).
RequestRecord recordFromRow(const QSqlQuery &q, int first, int *flagsOut)
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
    r.attemptsJson = q.value(i++).toString().toLatin1();
    r.stream = flags & FlagStream;
    r.cached = flags & FlagCached;
    r.superseded = flags & FlagSuperseded;
    r.captureBodies = flags & FlagBodies;
    *flagsOut = flags;
    return r;
}

} // namespace

QString dayOf(qint64 epochMs)
{
    return QDateTime::fromMSecsSinceEpoch(epochMs, Qt::UTC).date().toString(Qt::ISODate);
}

RequestLogStore::RequestLogStore(Database &db)
    : m_db(db), m_writer(std::make_unique<RequestLogWriter>(db)),
      m_rollups(std::make_unique<RequestLogRollups>(db))
{
}

void RequestLogStore::setRedactor(std::shared_ptr<const Redactor> redactor)
{
    m_writer->setRedactor(std::move(redactor));
}

RequestLogStore::~RequestLogStore() = default;

Status RequestLogStore::prepareWriter()
{
    if (m_writer->isPrepared())
        return {};
    if (auto st = m_writer->prepare(); !st)
        return st;
    return m_rollups->prepare(m_writer->handle());
}

Status RequestLogStore::insertBatch(StoredBatch &batch)
{
    if (batch.isEmpty())
        return {};
    if (auto st = prepareWriter(); !st)
        return st;
    const auto now = RequestLogRollups::Clock::now();
    const bool rollupsNow = m_rollups->due(now);
    Status st = m_db.transaction([&]() -> Status {
        if (auto s = m_rollups->catchUpIfNeeded(); !s)
            return s;
        const qint64 firstId = m_writer->nextId();
        if (auto s = m_writer->insert(batch, firstId); !s)
            return s;
        m_rollups->count(batch, firstId + batch.size() - 1);
        return rollupsNow ? m_rollups->write() : Status {};
    });
    if (!st) {
        // Rolled back: what was counted into the pending rollups is not on disk. Rebuilt from the rows.
        m_rollups->discard();
        return st;
    }
    if (rollupsNow)
        m_rollups->written(now);
    return {};
}

void RequestLogStore::setRollupInterval(int ms)
{
    m_rollups->setInterval(ms);
}

Status RequestLogStore::flushRollups(bool onlyIfDue)
{
    if (m_rollups->idle())
        return {};
    if (onlyIfDue && !m_rollups->due(RequestLogRollups::Clock::now()))
        return {};
    if (auto st = prepareWriter(); !st)
        return st;
    Status st = m_db.transaction([&]() -> Status {
        if (auto s = m_rollups->catchUpIfNeeded(); !s)
            return s;
        return m_rollups->write();
    });
    if (!st) {
        m_rollups->discard();
        return st;
    }
    m_rollups->written(RequestLogRollups::Clock::now());
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
        where.append(query.status == 200 ? QStringLiteral("status = ?")
                                         : QStringLiteral("status <> 200 AND status = ?"));
        bindings.append(query.status);
    } else if (query.statusClass >= 1 && query.statusClass <= 5) {
        // The literal "status >= 400" lets SQLite use the partial index request_log_errors (newest
        // first, no sort); "status <> 200" the partial request_log_status for the rare 1xx and 3xx.
        where.append(query.statusClass >= 4 ? QStringLiteral("status >= 400 AND status >= ? AND status < ?")
                : query.statusClass == 2    ? QStringLiteral("status >= ? AND status < ?")
                                            : QStringLiteral("status <> 200 AND status >= ? AND status < ?"));
        bindings.append(query.statusClass * 100);
        bindings.append(query.statusClass * 100 + 100);
    } else if (query.errorsOnly) {
        where.append(QStringLiteral("status >= 400"));
    }
    if (!query.text.isEmpty()) {
        where.append(
            QStringLiteral("id IN (SELECT id FROM request_log_bodies WHERE prompt LIKE ? ESCAPE '\\' "
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
    const QString sql
        = QStringLiteral("SELECT %1 FROM request_log%2 ORDER BY started_ms DESC, id DESC LIMIT %3")
              .arg(requestLogSelectColumns(),
                  where.isEmpty() ? QString()
                                  : QStringLiteral(" WHERE ") + where.join(QStringLiteral(" AND ")))
              .arg(limit + 1);
    auto q = m_db.run(sql, bindings);
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
        stored.record = recordFromRow(*q, 1, &flags);
        stored.overflowMarker = flags & FlagOverflowMarker;
        page.items.append(recordToJson(stored));
        last = std::move(stored);
    }
    return page;
}

Result<QJsonObject> RequestLogStore::record(qint64 id)
{
    auto q = m_db.run(
        QStringLiteral("SELECT %1 FROM request_log WHERE id = ?").arg(requestLogSelectColumns()), { id });
    if (!q)
        return q.error();
    if (!q->next())
        return Error::make(
            QStringLiteral("not_found"), QStringLiteral("no request record with id %1").arg(id));
    StoredRecord stored;
    stored.id = id;
    int flags = 0;
    stored.record = recordFromRow(*q, 1, &flags);
    stored.overflowMarker = flags & FlagOverflowMarker;
    q->finish();
    if (stored.record.captureBodies) {
        auto b
            = m_db.run(QStringLiteral("SELECT prompt, answer FROM request_log_bodies WHERE id = ?"), { id });
        if (!b)
            return b.error();
        if (b->next()) {
            stored.record.promptBody = b->value(0).toString().toUtf8();
            stored.record.answerBody = b->value(1).toString().toUtf8();
        }
    }
    return recordToJson(stored, true);
}
Result<qint64> RequestLogStore::countRows()
{
    auto q = m_db.run(QStringLiteral("SELECT COUNT(*) FROM request_log"));
    if (!q)
        return q.error();
    return q->next() ? q->value(0).toLongLong() : 0;
}

} // namespace airlock::storage
