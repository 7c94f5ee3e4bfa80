#include "retrybudget.h"

#include <algorithm>

namespace airlock::routing {

bool RetryBudget::tryStartRetry(int percent, int minConcurrent)
{
    const int allowed = std::max(minConcurrent, m_requests.load(std::memory_order_relaxed) * percent / 100);
    int current = m_retries.load(std::memory_order_relaxed);
    while (current < allowed) {
        if (m_retries.compare_exchange_weak(current, current + 1, std::memory_order_relaxed))
            return true;
    }
    m_refused.fetch_add(1, std::memory_order_relaxed);
    return false;
}

} // namespace airlock::routing
