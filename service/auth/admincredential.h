#pragma once

// The admin API's bearer token, kept as a salted slow hash:
//   "pbkdf2-sha256$<iterations>$<salt base64url>$<hash base64url>"  in <data dir>/admin-token.hash (0600)
//
// Where the token comes from (resolve()):
//   1. GatewayOptions::adminToken (the console's embedded mode): hashed in memory, nothing stored;
//   2. $AIRLOCK_ADMIN_TOKEN: hashed and stored, so later starts without the variable keep accepting it;
//   3. the stored hash;
//   4. a plain <data dir>/admin-token from older versions: hashed, stored, and the plain file deleted;
//   5. otherwise a new random bootstrap token: its hash is stored and the token itself is handed back
//      once (airlockd prints it at first start; it is never written anywhere).
//
// Checking a presented token costs one PBKDF2 run (≥ 100k iterations) the first time that exact token
// is seen; afterwards a constant-time comparison of its SHA-256 with the cached one. Failures are
// counted per client address: after 5, the address must wait (1 s, doubling, at most 5 min) and gets
// 429 "too_many_attempts" with Retry-After without its token being checked at all.
//
// Used on the admin listener's thread only.

#include "admin/adminserver.h"
#include "result.h"

#include <QElapsedTimer>
#include <QHash>

#include <functional>
#include <memory>

namespace airlock::auth {

class AdminCredential : public admin::AdminGate
{
public:
    static constexpr int kIterations = 200000;

    struct Resolved
    {
        std::unique_ptr<AdminCredential> credential;
        QByteArray bootstrapToken; // non-empty only when a new token was created (show it once)
        QString source;            // "option", "environment", "stored", "migrated", "bootstrap"
    };
    static Result<Resolved> resolve(const QString &dataDir, const QByteArray &given, const QByteArray &fromEnvironment);

    static QByteArray hash(QByteArrayView token, int iterations = kIterations);
    static Result<std::unique_ptr<AdminCredential>> fromHash(const QByteArray &encoded);

    bool verify(QByteArrayView token);
    Result<admin::AdminCaller> admit(const http::HttpRequest &request) override;

    // For tests: a clock in milliseconds.
    void setClock(std::function<qint64()> nowMs) { m_now = std::move(nowMs); }
    int pbkdf2Runs() const { return m_runs; }

private:
    AdminCredential() = default;
    struct Backoff
    {
        int failures = 0;
        qint64 lastFailureMs = 0;
        qint64 blockedUntilMs = 0;
    };

    int m_iterations = kIterations;
    QByteArray m_salt;
    QByteArray m_hash;
    QByteArray m_acceptedDigest; // SHA-256 of the token last verified good
    QHash<QByteArray, bool> m_rejected; // SHA-256 of tokens verified bad (bounded)
    QHash<QString, Backoff> m_backoff;
    std::function<qint64()> m_now;
    int m_runs = 0;
};

} // namespace airlock::auth
