#pragma once

// The admin API's bearer token, kept as a salted slow hash:
//   "pbkdf2-sha256$<iterations>$<salt base64url>$<hash base64url>"  in <data dir>/admin-token.hash (0600)
//
// Where the token comes from (resolve()):
//   1. GatewayOptions::adminToken (the console's embedded mode): kept as its SHA-256, nothing stored;
//   2. $AIRLOCK_ADMIN_TOKEN: stored as a hash, so later starts without the variable keep accepting it;
//   3. the stored hash;
//   4. a plain <data dir>/admin-token from older versions: stored as a hash, then the plain file deleted;
//   5. otherwise a new random bootstrap token: its hash is stored and the token itself is handed back
//      once (airlockd prints it at first start; it is never written anywhere).
//
// Off the start path: in cases 2, 4 and 5 the slow hash (PBKDF2, ~1.4 G instructions) is computed and
// written by a background job, so the listeners come up without waiting for it. The process knows the
// token itself in those cases, so it checks presented tokens against the token's SHA-256 (constant-time
// comparison), from the first request on: the admin API works at once and never answers "not ready".
// That digest is exactly what the stored-hash case caches after its first successful check, so
// nothing more is held in memory than in steady state. The job's own copy of the plain token is wiped
// once hashed. waitUntilStored() joins the job; the destructor does too, so a clean stop never loses the hash.
// A process killed before the job finished stored nothing: the next start creates and prints a new
// bootstrap token (the printed one never survives without its hash).
//
// Checking a presented token against a stored hash costs one PBKDF2 run (≥ 100k iterations) the first
// time that exact token is seen; afterwards a constant-time comparison of its SHA-256 with the cached
// one. Failures are counted per client address: after 5, the address must wait (1 s, doubling, at most
// 5 min) and gets 429 "too_many_attempts" with Retry-After without its token being checked at all.
//
// Used on the admin listener's thread only (the background job touches only its own shared state).

#include "admingate.h"
#include "result.h"

#include <QElapsedTimer>
#include <QHash>

#include <functional>
#include <memory>
#include <thread>

namespace airlock::auth {

class AdminCredential : public AdminGate
{
public:
    static constexpr int kIterations = 200000;

    struct Resolved
    {
        std::unique_ptr<AdminCredential> credential;
        QByteArray bootstrapToken; // non-empty only when a new token was created (show it once)
        QString source;            // "option", "environment", "stored", "migrated", "bootstrap"
    };
    // Runs the background job (hash + store). Default: a thread the credential owns and joins.
    using Background = std::function<void(std::function<void()> job)>;
    static Result<Resolved> resolve(const QString &dataDir, const QByteArray &given, const QByteArray &fromEnvironment,
                                    Background background = {});
    ~AdminCredential() override;

    static QByteArray hash(QByteArrayView token, int iterations = kIterations);
    static Result<std::unique_ptr<AdminCredential>> fromHash(const QByteArray &encoded);

    bool verify(QByteArrayView token);
    // Whether the background job has stored the hash (true when there was nothing to store).
    bool stored() const;
    // Waits for the background job (own thread only); its error when the hash could not be stored.
    Status waitUntilStored();
    Result<AdminCaller> admit(const http::HttpRequest &request) override;

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

    struct StoreJob; // shared by the credential and its background job
    static std::unique_ptr<AdminCredential> fromToken(QByteArrayView token);
    void storeInBackground(const QString &path, const QByteArray &token, const QString &legacyFile, Background background);

    std::shared_ptr<StoreJob> m_job;
    std::thread m_thread; // the default background
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
