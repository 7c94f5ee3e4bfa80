#include "ratelimiter.h"

#include <QDateTime>

#include <cmath>

namespace airlock::auth {

namespace {
constexpr int kPurgeThreshold = 4096;
}

struct RateLimiter::LeaseState
{
    std::weak_ptr<RateLimiter *> limiter;
    QString userKey;
    QString tokenKey;
    ~LeaseState()
    {
        if (auto self = limiter.lock(); self && *self) {
            if (!userKey.isEmpty())
                (*self)->release(userKey);
            if (!tokenKey.isEmpty())
                (*self)->release(tokenKey);
        }
    }
};

RateLimiter::RateLimiter(std::function<qint64()> nowMs)
    : m_now(nowMs ? std::move(nowMs) : [] { return QDateTime::currentMSecsSinceEpoch(); })
    , m_self(std::make_shared<RateLimiter *>(this))
{
}

RateLimiter::~RateLimiter()
{
    *m_self = nullptr;
}

void RateLimiter::setLimits(RateLimits perUser, RateLimits perToken)
{
    m_userRpm = std::max(0, perUser.requestsPerMinute);
    m_userConcurrent = std::max(0, perUser.concurrent);
    m_tokenRpm = std::max(0, perToken.requestsPerMinute);
    m_tokenConcurrent = std::max(0, perToken.concurrent);
}

RateLimits RateLimiter::perUser() const { return {m_userRpm.load(), m_userConcurrent.load()}; }
RateLimits RateLimiter::perToken() const { return {m_tokenRpm.load(), m_tokenConcurrent.load()}; }

RateLimiter::Shard &RateLimiter::shardFor(const QString &key) const
{
    return m_shards[qHash(key) % m_shards.size()];
}

int RateLimiter::take(const QString &key, const RateLimits &limits, qint64 nowMs, QString *why)
{
    Shard &shard = shardFor(key);
    std::lock_guard lock(shard.mutex);
    const qint64 minute = nowMs / 60000;
    if (shard.buckets.size() > kPurgeThreshold) {
        for (auto it = shard.buckets.begin(); it != shard.buckets.end();) {
            if (it->inFlight == 0 && it->window < minute - 1)
                it = shard.buckets.erase(it);
            else
                ++it;
        }
    }
    Bucket &b = shard.buckets[key];
    if (b.window != minute) {
        b.previous = b.window == minute - 1 ? b.count : 0;
        b.count = 0;
        b.window = minute;
    }
    if (limits.concurrent > 0 && b.inFlight >= limits.concurrent) {
        *why = QStringLiteral("%1 concurrent requests").arg(limits.concurrent);
        return 1;
    }
    if (limits.requestsPerMinute > 0) {
        const double intoWindow = double(nowMs % 60000) / 60000.0; // 0..1
        const double estimate = b.previous * (1.0 - intoWindow) + b.count;
        if (estimate + 1.0 > limits.requestsPerMinute) {
            *why = QStringLiteral("%1 requests per minute").arg(limits.requestsPerMinute);
            // The earliest time the estimate leaves room for one more request, with no new requests
            // meanwhile: either later in this window (the previous window's weight shrinks), or in the
            // next one (this window's count becomes the shrinking "previous").
            const double untilWindowEnd = 60.0 * (1.0 - intoWindow);
            const int room = limits.requestsPerMinute - 1;
            double seconds;
            if (b.count <= room && b.previous > 0)
                seconds = std::max(0.0, untilWindowEnd - 60.0 * double(room - b.count) / b.previous);
            else
                seconds = untilWindowEnd + (b.count > room ? 60.0 * (1.0 - double(room) / b.count) : 0.0);
            return std::max(1, int(std::ceil(seconds)));
        }
    }
    ++b.count;
    ++b.inFlight;
    return 0;
}

void RateLimiter::undo(const QString &key)
{
    Shard &shard = shardFor(key);
    std::lock_guard lock(shard.mutex);
    auto it = shard.buckets.find(key);
    if (it == shard.buckets.end())
        return;
    it->count = std::max(0, it->count - 1);
    it->inFlight = std::max(0, it->inFlight - 1);
}

void RateLimiter::release(const QString &key)
{
    Shard &shard = shardFor(key);
    std::lock_guard lock(shard.mutex);
    auto it = shard.buckets.find(key);
    if (it != shard.buckets.end())
        it->inFlight = std::max(0, it->inFlight - 1);
}

int RateLimiter::inFlight(const QString &key) const
{
    Shard &shard = shardFor(key);
    std::lock_guard lock(shard.mutex);
    return shard.buckets.value(key).inFlight;
}

Result<RateLimiter::Lease> RateLimiter::admit(const QString &userKey, const QString &tokenKey)
{
    const RateLimits user = perUser();
    const RateLimits token = perToken();
    const bool limitUser = user.enabled() && !userKey.isEmpty();
    const bool limitToken = token.enabled() && !tokenKey.isEmpty();
    if (!limitUser && !limitToken)
        return Lease();
    const qint64 now = m_now();
    QString why;
    auto refuse = [&](const char *who, int seconds) {
        return Error::make(QStringLiteral("rate_limited"),
                           QStringLiteral("rate limit reached: at most %1 per %2; retry in %3 s")
                               .arg(why, QLatin1String(who))
                               .arg(seconds),
                           QString::number(seconds));
    };
    if (limitUser) {
        if (const int retry = take(userKey, user, now, &why))
            return refuse("user", retry);
    }
    if (limitToken) {
        if (const int retry = take(tokenKey, token, now, &why)) {
            if (limitUser)
                undo(userKey);
            return refuse("token", retry);
        }
    }
    auto state = std::make_shared<LeaseState>();
    state->limiter = m_self;
    state->userKey = limitUser ? userKey : QString();
    state->tokenKey = limitToken ? tokenKey : QString();
    return Lease(std::move(state));
}

} // namespace airlock::auth
