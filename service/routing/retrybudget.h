#pragma once

// Stops retry storms while letting a burst of failures be retried. A retry (or hedge) may start when
// either
// - retries in flight stay within a share of the requests in flight (at least a few, so that a quiet
//   gateway still retries), or
// - retries over the last ten seconds stay within that share of the requests of those seconds: when a
//   replica dies, the requests it held all fail at once and are all retried, while a lasting outage can
//   add at most `percent` to the upstream load.
// One per gateway, shared by every worker thread (atomics only).

#include <QtGlobal>

#include <array>
#include <atomic>

namespace airlock::routing {

class RetryBudget
{
public:
    // A request in flight: counted from its first try to its end.
    void requestStarted();
    void requestFinished() { m_requests.fetch_sub(1, std::memory_order_relaxed); }

    // Takes a place for one more retry or hedge; false when the budget is spent. Give it back with
    // retryFinished() when that try ends.
    bool tryStartRetry(int percent, int minConcurrent);
    void retryFinished() { m_retries.fetch_sub(1, std::memory_order_relaxed); }

    int requestsInFlight() const { return m_requests.load(std::memory_order_relaxed); }
    int retriesInFlight() const { return m_retries.load(std::memory_order_relaxed); }
    unsigned long long refused() const { return m_refused.load(std::memory_order_relaxed); }

    // For tests: the same with an explicit clock (milliseconds, monotonic).
    void requestStartedAt(qint64 nowMs);
    bool tryStartRetryAt(int percent, int minConcurrent, qint64 nowMs);

private:
    static constexpr int kWindowSeconds = 10;
    struct Second
    {
        std::atomic<qint64> second{-1};
        std::atomic<int> requests{0};
        std::atomic<int> retries{0};
    };
    Second &secondAt(qint64 nowMs);
    // Requests and retries started in the window that ends at `nowMs`.
    void windowTotals(qint64 nowMs, int &requests, int &retries) const;

    std::atomic<int> m_requests{0};
    std::atomic<int> m_retries{0};
    std::atomic<unsigned long long> m_refused{0};
    std::array<Second, kWindowSeconds> m_window;
};

} // namespace airlock::routing
