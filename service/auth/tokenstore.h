#pragma once

// What the store keeps for auth (tables of schema migration "auth", see storage/database.cpp):
//   auth_tokens  client tokens Airlock issued: id (= jti), subject, scopes, description, kid,
//                issued_at/expires_at (epoch s), revoked_at (epoch s, NULL while valid), created_by.
//                The token itself is never stored: it is shown once, when issued.
//   audit_log    every admin change: at (ISO-8601 UTC), actor, action, target, before/after (redacted JSON).
//   settings     "auth.settings" (mode, leeway, limits, GitLab instance) and "auth.gitlab_jwks" (cached keys).
// Control plane only (a Database belongs to its thread), except StoreRevocationFeed (any thread).
//
// Revocations across processes: TokenStore::revoke() commits, then bumps the counter in
// <data dir>/revocations.counter (platform/sharedcounter.h). A running gateway in another process
// maps the same counter (StoreRevocationFeed) and re-reads the revoked ids when it changed, before it
// trusts a token it issued (tokenauthenticator.h). So `airlockd token revoke` is in force for the next
// request the gateway handles after the command returns.

#include "result.h"
#include "tokenauthenticator.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QSet>
#include <QStringList>

#include <functional>
#include <memory>
#include <optional>

namespace airlock {
class Database;
class SharedCounter;
}

namespace airlock::auth {

struct IssuedToken
{
    QString id;
    QString subject;
    QStringList scopes;
    QString description;
    QString kid;
    QString createdBy;
    qint64 issuedAt = 0;
    qint64 expiresAt = 0;
    qint64 revokedAt = 0; // 0: not revoked
    QJsonObject toJson() const; // never contains the token
};

class TokenStore
{
public:
    explicit TokenStore(Database &db) : m_db(db) { }

    Status insert(const IssuedToken &token);
    Result<QList<IssuedToken>> list();
    Result<std::optional<IssuedToken>> find(const QString &id);
    // False when there is no such token. After the commit, bumps the data dir's revocation counter; when
    // that fails the revocation is stored (and in force within the gateway's housekeeping interval or on
    // SIGHUP) and the error ("revocation_not_announced") says so.
    Result<bool> revoke(const QString &id, qint64 at);
    // Ids of revoked tokens that have not expired yet (the set the authenticator checks).
    Result<QSet<QString>> revokedIds(qint64 now);
    // Latest expiry of the unrevoked tokens signed by `kid` (0 if none).
    Result<qint64> latestExpiry(const QString &kid);

    Result<std::optional<QByteArray>> setting(const QString &key);
    Status setSetting(const QString &key, const QByteArray &value);

private:
    Database &m_db;
};

// The revocation counter's file in a data dir.
QString revocationCounterPath(const QString &dataDir);

// A RevocationFeed on the store in a data dir: generation() reads the shared counter; revokedIds() opens
// its own read-only connection to <data dir>/airlock.db on the calling thread, reads, and closes it.
class StoreRevocationFeed : public RevocationFeed
{
public:
    // `nowSeconds`: epoch seconds (tests pass a fake clock).
    static Result<std::shared_ptr<StoreRevocationFeed>> open(const QString &dataDir, std::function<qint64()> nowSeconds = {});
    ~StoreRevocationFeed() override;
    quint64 generation() const override;
    Result<QSet<QString>> revokedIds() override;

private:
    StoreRevocationFeed() = default;
    QString m_databaseFile;
    std::unique_ptr<SharedCounter> m_counter;
    std::function<qint64()> m_now;
};

class AuditLog
{
public:
    explicit AuditLog(Database &db) : m_db(db) { }
    // before/after are JSON texts (may be empty); secrets in them are redacted before storing.
    Status record(const QString &actor, const QString &action, const QString &target, const QByteArray &before,
                  const QByteArray &after);
    // Newest first; entries with id < beforeId when beforeId > 0.
    Result<QJsonArray> list(int limit = 100, qint64 beforeId = 0);

private:
    Database &m_db;
};

} // namespace airlock::auth
