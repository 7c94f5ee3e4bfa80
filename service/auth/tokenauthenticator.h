#pragma once

// The Authenticator the workers call: bearer JWT → Principal, in memory only.
//
// Hot path: a verified token is cached (keyed by its exact bytes) until it expires, so a repeated token
// costs a hash lookup, the time checks and a revocation lookup. Key sets, revocations and settings are
// immutable snapshots published from the control thread and read with one atomic load; nothing here
// blocks, does I/O or waits for the network. A token whose kid is unknown makes the gateway refetch
// that issuer's keys (unknownKid handler, rate-limited by the fetcher) and is refused meanwhile.
//
// Dialect rules: for Dialect::GitLab, a token carrying GitLab claims must agree with the headers GitLab
// sends (X-Gitlab-Authentication-Type: oidc, X-Gitlab-Realm = gitlab_realm, X-Gitlab-Instance-Id =
// gitlab_instance_id, sub = X-Gitlab-Instance-Id for instance tokens or X-Gitlab-Global-User-Id for
// tokens Airlock issued through /v1/code/user_access_token). Airlock client tokens (no GitLab claims)
// need no GitLab headers. Failures: "claim_mismatch".
//
// Revocation (tokens Airlock issued only; GitLab's tokens are GitLab's to revoke): the set of revoked
// token ids is a snapshot tagged with the RevocationFeed generation it was read at. Another process
// (`airlockd token revoke`) revokes by writing the store and then bumping that generation (a counter in
// a file every process maps, platform/sharedcounter.h). Before trusting its snapshot for an Airlock
// token, verifyToken() compares generations (one atomic load from the mapping); when they differ, the
// first thread to notice re-reads the revoked ids from the store (its own short-lived read-only
// connection: the one place a worker touches the store, once per revocation) and publishes the new
// snapshot; the others wait for it on a mutex. So a revocation is in force for the very next request
// after the revoking process returns. When the store cannot be read the token is refused
// ("revocations_unavailable", 503): a token that may be revoked is not let through.
//
// After identity, per-user and per-token limits apply ("rate_limited", see RateLimiter); the returned
// Principal's lease holds the concurrency places.

#include "jwt.h"
#include "authenticator.h"
#include "ratelimiter.h"

#include <QSet>

#include <array>
#include <atomic>
#include <functional>
#include <mutex>

namespace airlock::auth {

// Where revocations come from (see the header comment). Both calls come from any thread.
class RevocationFeed
{
public:
    virtual ~RevocationFeed() = default;
    // Changes whenever the revoked set may have changed; must be cheap (the hot path reads it).
    virtual quint64 generation() const = 0;
    // Ids of revoked tokens that have not expired yet, read from the store now.
    virtual Result<QSet<QString>> revokedIds() = 0;
};

class TokenAuthenticator : public Authenticator
{
public:
    // `nowMs`: epoch milliseconds (tests pass a fake clock).
    explicit TokenAuthenticator(std::function<qint64()> nowMs = {});
    ~TokenAuthenticator() override;

    Result<Principal> authenticate(const http::HttpRequest &request, Dialect dialect) override;
    // The token part only (no headers, no limits): for tests, fuzzing and the CLI.
    Result<Principal> verifyToken(QByteArrayView token, Dialect dialect = Dialect::OpenAi,
                                  const http::HttpRequest *request = nullptr);

    // Control-thread setters; any thread may read concurrently.
    void setKeySet(std::shared_ptr<const KeySet> keys);
    std::shared_ptr<const KeySet> keySet() const;
    // `generation`: the feed's generation read before `tokenIds` were read (0 without a feed). A set
    // older than the one in force is ignored.
    void setRevoked(std::shared_ptr<const QSet<QString>> tokenIds, quint64 generation = 0);
    // Set before serving (not thread-safe against verification). Null: only setRevoked() changes the set.
    void setRevocationFeed(std::shared_ptr<RevocationFeed> feed);
    quint64 revocationReloads() const { return m_revocationReloads.load(); }
    void setLeewaySeconds(int seconds);
    int leewaySeconds() const { return m_leeway.load(); }
    // Called on a worker thread with the issuer whose key set lacked a kid. Set before serving.
    void setUnknownKidHandler(std::function<void(const QString &issuer)> handler);

    RateLimiter &limiter() { return m_limiter; }
    quint64 cacheHits() const { return m_hits.load(); }
    quint64 cacheMisses() const { return m_misses.load(); }

private:
    struct Entry
    {
        JwtClaims claims;
        quint64 generation = 0;
    };
    struct RevokedSet
    {
        std::shared_ptr<const QSet<QString>> ids;
        quint64 generation = 0;
    };
    struct Shard
    {
        std::mutex mutex; // std: visible to TSan (Qt is not instrumented)
        QHash<QByteArray, Entry> entries;
    };
    // An immutable value swapped whole; readers copy the shared_ptr under a short lock.
    template<typename T>
    class Snapshot
    {
    public:
        explicit Snapshot(std::shared_ptr<const T> value) : m_value(std::move(value)) { }
        std::shared_ptr<const T> load() const
        {
            std::lock_guard lock(m_mutex);
            return m_value;
        }
        void store(std::shared_ptr<const T> value)
        {
            std::lock_guard lock(m_mutex);
            m_value.swap(value);
        } // the old value is released outside the lock
        // Stores `value` unless `keep(current)` says the current one stays.
        template<typename Keep>
        void storeUnless(std::shared_ptr<const T> value, Keep keep)
        {
            std::lock_guard lock(m_mutex);
            if (!keep(*m_value))
                m_value.swap(value);
        }
    private:
        mutable std::mutex m_mutex;
        std::shared_ptr<const T> m_value;
    };
    Result<JwtClaims> claimsFor(QByteArrayView token, qint64 nowSeconds);
    Shard &shardFor(QByteArrayView token);
    Result<std::shared_ptr<const RevokedSet>> currentRevocations();

    std::function<qint64()> m_now;
    Snapshot<KeySet> m_keys;
    Snapshot<RevokedSet> m_revoked;
    std::shared_ptr<RevocationFeed> m_feed;
    std::mutex m_revocationReload; // one thread re-reads the store; the others wait for its result
    std::atomic<quint64> m_revocationReloads{0};
    std::atomic<int> m_leeway{30};
    std::function<void(const QString &)> m_unknownKid;
    std::array<Shard, 16> m_cache;
    std::atomic<quint64> m_hits{0}, m_misses{0};
    RateLimiter m_limiter;
};

} // namespace airlock::auth
