#include "tokenstore.h"

#include "authlog.h"
#include "platform/sharedcounter.h"
#include "storage/database.h"

#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QJsonDocument>
#include <QSqlError>

#include <atomic>

namespace airlock::auth {

QJsonObject IssuedToken::toJson() const
{
    QJsonObject o{{QStringLiteral("id"), id},
                  {QStringLiteral("subject"), subject},
                  {QStringLiteral("scopes"), QJsonArray::fromStringList(scopes)},
                  {QStringLiteral("description"), description},
                  {QStringLiteral("kid"), kid},
                  {QStringLiteral("created_by"), createdBy},
                  {QStringLiteral("issued_at"), issuedAt},
                  {QStringLiteral("expires_at"), expiresAt},
                  {QStringLiteral("revoked"), revokedAt != 0}};
    if (revokedAt)
        o.insert(QStringLiteral("revoked_at"), revokedAt);
    return o;
}

namespace {

IssuedToken rowToToken(const QSqlQuery &q)
{
    IssuedToken t;
    t.id = q.value(0).toString();
    t.subject = q.value(1).toString();
    t.scopes = q.value(2).toString().split(QLatin1Char(' '), Qt::SkipEmptyParts);
    t.description = q.value(3).toString();
    t.kid = q.value(4).toString();
    t.createdBy = q.value(5).toString();
    t.issuedAt = q.value(6).toLongLong();
    t.expiresAt = q.value(7).toLongLong();
    t.revokedAt = q.value(8).isNull() ? 0 : q.value(8).toLongLong();
    return t;
}

// A null QString binds as SQL NULL; these columns are NOT NULL.
QString nonNull(const QString &s)
{
    return s.isNull() ? QStringLiteral("") : s;
}

const QString kColumns = QStringLiteral("id, subject, scopes, description, kid, created_by, issued_at, expires_at, revoked_at");
// Revoked tokens stay in the set until 10 min after they expire (more than any leeway).
const QString kRevokedSql = QStringLiteral("SELECT id FROM auth_tokens WHERE revoked_at IS NOT NULL AND expires_at >= ?");
constexpr qint64 kRevokedGraceSeconds = 600;

} // namespace

Status TokenStore::insert(const IssuedToken &t)
{
    return m_db.exec(QStringLiteral("INSERT INTO auth_tokens (") + kColumns + QStringLiteral(") VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)"),
                     {t.id, t.subject, t.scopes.join(QLatin1Char(' ')), nonNull(t.description), t.kid, nonNull(t.createdBy),
                      t.issuedAt, t.expiresAt});
}

Result<QList<IssuedToken>> TokenStore::list()
{
    auto q = m_db.run(QStringLiteral("SELECT ") + kColumns + QStringLiteral(" FROM auth_tokens ORDER BY issued_at DESC, id"));
    if (!q)
        return q.error();
    QList<IssuedToken> out;
    while (q->next())
        out.append(rowToToken(*q));
    return out;
}

Result<std::optional<IssuedToken>> TokenStore::find(const QString &id)
{
    auto q = m_db.run(QStringLiteral("SELECT ") + kColumns + QStringLiteral(" FROM auth_tokens WHERE id = ?"), {id});
    if (!q)
        return q.error();
    if (!q->next())
        return std::optional<IssuedToken>();
    return std::optional<IssuedToken>(rowToToken(*q));
}

Result<bool> TokenStore::revoke(const QString &id, qint64 at)
{
    auto existing = find(id);
    if (!existing)
        return existing.error();
    if (!*existing)
        return false;
    if (!(*existing)->revokedAt) {
        if (auto st = m_db.exec(QStringLiteral("UPDATE auth_tokens SET revoked_at = ? WHERE id = ?"), {at, id}); !st)
            return st.error();
    }
    // Also when it was revoked already: an earlier announcement may have failed.
    auto counter = SharedCounter::open(revocationCounterPath(QFileInfo(m_db.filePath()).absolutePath()));
    if (!counter) {
        return Error::make(QStringLiteral("revocation_not_announced"),
                           QStringLiteral("the token is revoked in the store, but a running gateway could not be told at once (%1); "
                                          "it applies the revocation within 5 s or on SIGHUP")
                               .arg(counter.error().message));
    }
    (*counter)->bump();
    return true;
}

Result<QSet<QString>> TokenStore::revokedIds(qint64 now)
{
    auto q = m_db.run(kRevokedSql, {now - kRevokedGraceSeconds});
    if (!q)
        return q.error();
    QSet<QString> out;
    while (q->next())
        out.insert(q->value(0).toString());
    return out;
}

Result<qint64> TokenStore::latestExpiry(const QString &kid)
{
    auto q = m_db.run(QStringLiteral("SELECT MAX(expires_at) FROM auth_tokens WHERE kid = ? AND revoked_at IS NULL"), {kid});
    if (!q)
        return q.error();
    return q->next() && !q->value(0).isNull() ? q->value(0).toLongLong() : qint64(0);
}

Result<std::optional<QByteArray>> TokenStore::setting(const QString &key)
{
    auto q = m_db.run(QStringLiteral("SELECT value FROM settings WHERE key = ?"), {key});
    if (!q)
        return q.error();
    if (!q->next())
        return std::optional<QByteArray>();
    return std::optional<QByteArray>(q->value(0).toString().toUtf8());
}

Status TokenStore::setSetting(const QString &key, const QByteArray &value)
{
    return m_db.exec(QStringLiteral("INSERT INTO settings (key, value) VALUES (?, ?) "
                                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value"),
                     {key, QString::fromUtf8(value)});
}

QString revocationCounterPath(const QString &dataDir)
{
    return QDir(dataDir).filePath(QStringLiteral("revocations.counter"));
}

Result<std::shared_ptr<StoreRevocationFeed>> StoreRevocationFeed::open(const QString &dataDir, std::function<qint64()> nowSeconds)
{
    std::shared_ptr<StoreRevocationFeed> feed(new StoreRevocationFeed);
    auto counter = SharedCounter::open(revocationCounterPath(dataDir));
    if (!counter)
        return counter.error();
    feed->m_counter = std::move(counter).value();
    feed->m_databaseFile = QDir(dataDir).filePath(Database::fileName());
    feed->m_now = nowSeconds ? std::move(nowSeconds) : [] { return QDateTime::currentSecsSinceEpoch(); };
    return feed;
}

StoreRevocationFeed::~StoreRevocationFeed() = default;

quint64 StoreRevocationFeed::generation() const
{
    return m_counter->value();
}

Result<QSet<QString>> StoreRevocationFeed::revokedIds()
{
    // A Qt Sql connection belongs to the thread that opens it: a fresh one per call, on this thread.
    static std::atomic<quint64> serial{0};
    const QString name = QStringLiteral("airlock-revocations-") + QString::number(++serial);
    Result<QSet<QString>> result = QSet<QString>();
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        db.setDatabaseName(m_databaseFile);
        db.setConnectOptions(QStringLiteral("QSQLITE_OPEN_READONLY;QSQLITE_BUSY_TIMEOUT=2000"));
        if (!db.open()) {
            result = Error::make(QStringLiteral("database_error"),
                                 QStringLiteral("cannot open %1 for reading revocations: %2").arg(m_databaseFile, db.lastError().text()));
        } else {
            QSqlQuery q(db);
            q.setForwardOnly(true);
            if (!q.prepare(kRevokedSql)) {
                result = Error::make(QStringLiteral("database_error"), q.lastError().text());
            } else {
                q.addBindValue(m_now() - kRevokedGraceSeconds);
                if (!q.exec()) {
                    result = Error::make(QStringLiteral("database_error"), q.lastError().text());
                } else {
                    QSet<QString> ids;
                    while (q.next())
                        ids.insert(q.value(0).toString());
                    result = std::move(ids);
                }
            }
            q.finish();
            db.close();
        }
    }
    QSqlDatabase::removeDatabase(name);
    return result;
}

Status AuditLog::record(const QString &actor, const QString &action, const QString &target, const QByteArray &before,
                        const QByteArray &after)
{
    const QByteArray b = redactJson(before);
    const QByteArray a = redactJson(after);
    auto st = m_db.exec(QStringLiteral("INSERT INTO audit_log (at, actor, action, target, before_json, after_json) "
                                       "VALUES (?, ?, ?, ?, ?, ?)"),
                        {Database::timestampNow(), actor, action, target,
                         b.isEmpty() ? QVariant() : QVariant(QString::fromUtf8(b)),
                         a.isEmpty() ? QVariant() : QVariant(QString::fromUtf8(a))});
    qCInfo(lcAuth).noquote() << "audit:" << actor << action << target;
    return st;
}

Result<QJsonArray> AuditLog::list(int limit, qint64 beforeId)
{
    limit = std::clamp(limit, 1, 1000);
    auto q = beforeId > 0
        ? m_db.run(QStringLiteral("SELECT id, at, actor, action, target, before_json, after_json FROM audit_log "
                                  "WHERE id < ? ORDER BY id DESC LIMIT ?"),
                   {beforeId, limit})
        : m_db.run(QStringLiteral("SELECT id, at, actor, action, target, before_json, after_json FROM audit_log "
                                  "ORDER BY id DESC LIMIT ?"),
                   {limit});
    if (!q)
        return q.error();
    QJsonArray out;
    while (q->next()) {
        QJsonObject entry{{QStringLiteral("id"), q->value(0).toLongLong()},
                          {QStringLiteral("at"), q->value(1).toString()},
                          {QStringLiteral("actor"), q->value(2).toString()},
                          {QStringLiteral("action"), q->value(3).toString()},
                          {QStringLiteral("target"), q->value(4).toString()}};
        for (int i : {5, 6}) {
            const QString key = i == 5 ? QStringLiteral("before") : QStringLiteral("after");
            if (q->value(i).isNull()) {
                entry.insert(key, QJsonValue::Null);
                continue;
            }
            const QJsonDocument doc = QJsonDocument::fromJson(q->value(i).toString().toUtf8());
            entry.insert(key, doc.isObject() ? QJsonValue(doc.object()) : doc.isArray() ? QJsonValue(doc.array())
                                                                                         : QJsonValue(q->value(i).toString()));
        }
        out.append(entry);
    }
    return out;
}

} // namespace airlock::auth
