#pragma once

// Stops retry storms: retries (and hedges) in flight may be at most a share of the requests in flight,
// but always at least a few, so that a quiet gateway still retries. One per gateway, shared by every
// worker thread (atomics only).

#include <atomic>

namespace airlock::routing {

class RetryBudget
{
public:
    // A request in flight: counted from its first try to its end.
    void requestStarted() { m_requests.fetch_add(1, std::memory_order_relaxed); }
    void requestFinished() { m_requests.fetch_sub(1, std::memory_order_relaxed); }

    // Takes a place for one more retry or hedge; false when the budget is spent. Give it back with
    // retryFinished() when that try ends.
    bool tryStartRetry(int percent, int minConcurrent);
    void retryFinished() { m_retries.fetch_sub(1, std::memory_order_relaxed); }

    int requestsInFlight() const { return m_requests.load(std::memory_order_relaxed); }
    int retriesInFlight() const { return m_retries.load(std::memory_order_relaxed); }
    unsigned long long refused() const { return m_refused.load(std::memory_order_relaxed); }

private:
    std::atomic<int> m_requests{0};
    std::atomic<int> m_retries{0};
    std::atomic<unsigned long long> m_refused{0};
};

} // namespace airlock::routing
