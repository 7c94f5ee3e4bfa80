#pragma once

// The latency histogram of the request log rollups: which bucket a request's total time counts in, and
// percentiles estimated back from bucket counts. Pure functions, any thread.
//
// The rollup tables hold one column per bucket (h0..h23, resources/sql/0004 and 0005): changing the
// bounds changes what stored counts mean, and changing their number needs a schema migration.

#include <QtGlobal>

#include <array>

namespace airlock::storage {

// Upper bounds in milliseconds; the last bucket is open.
inline constexpr std::array<double, 23> kLatencyBoundsMs { 5, 10, 25, 50, 75, 100, 150, 200, 300, 400, 500,
    750, 1000, 1500, 2000, 3000, 5000, 7500, 10000, 20000, 30000, 60000, 120000 };
inline constexpr int kLatencyBuckets = int(kLatencyBoundsMs.size()) + 1;
using LatencyBuckets = std::array<qint64, kLatencyBuckets>;

// The bucket `ms` counts in (0 .. kLatencyBuckets - 1).
int latencyBucket(double ms);
// Estimates the q-quantile (0..1) from bucket counts (linear inside the bucket); -1 if empty.
double percentileFromBuckets(const LatencyBuckets &buckets, double q);

} // namespace airlock::storage
