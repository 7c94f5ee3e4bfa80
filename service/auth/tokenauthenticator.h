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
// After identity, per-user and per-token limits apply ("rate_limited", see RateLimiter); the returned
// Principal's lease holds the concurrency places.

#include "jwt.h"
#include "principal.h"
#include "ratelimiter.h"

#include <QSet>

#include <array>
#include <atomic>
#include <functional>
#include <mutex>

namespace airlock::auth {

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
    void setRevoked(std::shared_ptr<const QSet<QString>> tokenIds);
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
    private:
        mutable std::mutex m_mutex;
        std::shared_ptr<const T> m_value;
    };
    Result<JwtClaims> claimsFor(QByteArrayView token, qint64 nowSeconds);
    Shard &shardFor(QByteArrayView token);

    std::function<qint64()> m_now;
    Snapshot<KeySet> m_keys;
    Snapshot<QSet<QString>> m_revoked;
    std::atomic<int> m_leeway{30};
    std::function<void(const QString &)> m_unknownKid;
    std::array<Shard, 16> m_cache;
    std::atomic<quint64> m_hits{0}, m_misses{0};
    RateLimiter m_limiter;
};

} // namespace airlock::auth
