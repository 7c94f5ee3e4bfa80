#include "latencyhistogram.h"

#include <algorithm>

namespace airlock::storage {

int latencyBucket(double ms)
{
    for (int i = 0; i < int(kLatencyBoundsMs.size()); ++i) {
        if (ms <= kLatencyBoundsMs[i])
            return i;
    }
    return kLatencyBuckets - 1;
}

double percentileFromBuckets(const LatencyBuckets &buckets, double q)
{
    qint64 total = 0;
    for (qint64 n : buckets)
        total += n;
    if (total == 0)
        return -1;
    const double rank = q * double(total);
    qint64 seen = 0;
    for (int i = 0; i < kLatencyBuckets; ++i) {
        if (buckets[i] == 0)
            continue;
        if (double(seen + buckets[i]) >= rank) {
            const double lower = i == 0 ? 0.0 : kLatencyBoundsMs[i - 1];
            // The open last bucket: its upper end is taken as twice its lower one.
            const double upper = i < int(kLatencyBoundsMs.size()) ? kLatencyBoundsMs[i] : lower * 2;
            const double within = (rank - double(seen)) / double(buckets[i]);
            return lower + (upper - lower) * std::clamp(within, 0.0, 1.0);
        }
        seen += buckets[i];
    }
    return kLatencyBoundsMs.back() * 2;
}

} // namespace airlock::storage
