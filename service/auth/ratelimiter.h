#pragma once

// Per-user and per-token request limits: requests per minute (a sliding estimate over two fixed
// one-minute windows) and concurrent requests in flight. Refusals carry the seconds after which a retry
// can succeed, for the Retry-After header of the 429.
//
// Thread-safe and cheap on the hot path: counters live in 32 shards, each a small mutex-protected hash,
// so two workers contend only when their keys land in the same shard. A Lease holds the concurrency
// places of one request and gives them back when the last copy is destroyed (on any thread).
// Idle counters are dropped as a shard grows, so memory stays bounded by the active users.

#include "result.h"

#include <QHash>
#include <QString>

#include <array>
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>

namespace airlock::auth {

struct RateLimits
{
    int requestsPerMinute = 0; // 0: unlimited
    int concurrent = 0;        // 0: unlimited
    bool enabled() const { return requestsPerMinute > 0 || concurrent > 0; }
    friend bool operator==(const RateLimits &, const RateLimits &) = default;
};

class RateLimiter
{
public:
    // `nowMs`: a monotonic or wall clock in milliseconds (tests pass a fake one).
    explicit RateLimiter(std::function<qint64()> nowMs = {});
    ~RateLimiter();

    void setLimits(RateLimits perUser, RateLimits perToken);
    RateLimits perUser() const;
    RateLimits perToken() const;

    using Lease = std::shared_ptr<const void>;
    // Admits one request for `userKey` and `tokenKey` (either may be empty: not limited). Error code
    // "rate_limited"; Error::field carries the Retry-After seconds.
    Result<Lease> admit(const QString &userKey, const QString &tokenKey);

    // In-flight count of a key (tests, metrics).
    int inFlight(const QString &key) const;

private:
    struct Bucket
    {
        qint64 window = 0; // minute index of `count`
        int count = 0;
        int previous = 0;  // count of the minute before `window`
        int inFlight = 0;
    };
    struct Shard
    {
        mutable std::mutex mutex; // std: visible to TSan (Qt is not instrumented)
        QHash<QString, Bucket> buckets;
    };
    struct LeaseState;

    Shard &shardFor(const QString &key) const;
    // Checks and, when allowed, counts the request; returns 0 or the retry-after seconds (> 0).
    int take(const QString &key, const RateLimits &limits, qint64 nowMs, QString *why);
    void release(const QString &key);
    void undo(const QString &key);

    std::function<qint64()> m_now;
    mutable std::array<Shard, 32> m_shards;
    std::atomic<int> m_userRpm{0}, m_userConcurrent{0}, m_tokenRpm{0}, m_tokenConcurrent{0};
    std::shared_ptr<RateLimiter *> m_self; // leases outliving the limiter see null
};

} // namespace airlock::auth
