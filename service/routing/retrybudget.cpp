#include "retrybudget.h"

#include "replicastate.h"

#include <algorithm>

namespace airlock::routing {

RetryBudget::Second &RetryBudget::secondAt(qint64 nowMs)
{
    const qint64 second = nowMs / 1000;
    Second &slot = m_window[std::size_t(second % kWindowSeconds)];
    qint64 seen = slot.second.load(std::memory_order_relaxed);
    if (seen != second && slot.second.compare_exchange_strong(seen, second, std::memory_order_relaxed)) {
        // This thread moved the slot on to a new second: start its counts afresh. A count another
        // thread adds in between may be lost; the budget is an estimate.
        slot.requests.store(0, std::memory_order_relaxed);
        slot.retries.store(0, std::memory_order_relaxed);
    }
    return slot;
}

void RetryBudget::windowTotals(qint64 nowMs, int &requests, int &retries) const
{
    const qint64 second = nowMs / 1000;
    requests = 0;
    retries = 0;
    for (const Second &slot : m_window) {
        const qint64 s = slot.second.load(std::memory_order_relaxed);
        if (s > second - kWindowSeconds && s <= second) {
            requests += slot.requests.load(std::memory_order_relaxed);
            retries += slot.retries.load(std::memory_order_relaxed);
        }
    }
}

void RetryBudget::requestStartedAt(qint64 nowMs)
{
    m_requests.fetch_add(1, std::memory_order_relaxed);
    secondAt(nowMs).requests.fetch_add(1, std::memory_order_relaxed);
}

void RetryBudget::requestStarted()
{
    requestStartedAt(routingNowMs());
}

bool RetryBudget::tryStartRetryAt(int percent, int minConcurrent, qint64 nowMs)
{
    const int allowed = std::max(minConcurrent, m_requests.load(std::memory_order_relaxed) * percent / 100);
    int current = m_retries.load(std::memory_order_relaxed);
    bool ok = false;
    while (current < allowed) {
        if (m_retries.compare_exchange_weak(current, current + 1, std::memory_order_relaxed)) {
            ok = true;
            break;
        }
    }
    if (!ok) {
        int requests = 0;
        int retries = 0;
        windowTotals(nowMs, requests, retries);
        if (qint64(retries + 1) * 100 <= qint64(requests) * percent) {
            m_retries.fetch_add(1, std::memory_order_relaxed);
            ok = true;
        }
    }
    if (!ok) {
        m_refused.fetch_add(1, std::memory_order_relaxed);
        return false;
    }
    secondAt(nowMs).retries.fetch_add(1, std::memory_order_relaxed);
    return true;
}

bool RetryBudget::tryStartRetry(int percent, int minConcurrent)
{
    return tryStartRetryAt(percent, minConcurrent, routingNowMs());
}

} // namespace airlock::routing
