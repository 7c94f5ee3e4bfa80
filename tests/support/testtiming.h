#pragma once

#include <QtCore/QList>
#include <QtCore/qglobal.h>

#include <chrono>
#include <functional>

// Time and waiting for tests.
//
// Every timestamp the test-support library records (request arrival at the fake model server, a client
// going away, a body piece or an SSE event arriving at the test client) is a TimePoint of one monotonic
// clock, so a test may subtract a server-side time from a client-side time.
namespace airlock::test {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;

inline TimePoint now()
{
    return Clock::now();
}

// Milliseconds from `from` to `to` (negative if `to` is earlier), with sub-millisecond precision.
inline double msBetween(TimePoint from, TimePoint to)
{
    return std::chrono::duration<double, std::milli>(to - from).count();
}

// Runs a nested QEventLoop until `condition` returns true or `timeoutMs` passes; returns the final value
// of `condition`. The condition is re-checked every time the event loop is about to sleep (so right after
// each batch of socket/timer events), never by sleeping a fixed time. Needs a Q(Core)Application.
// Deferred deletes posted while it runs are processed as in any event loop.
bool waitUntil(const std::function<bool()> &condition, int timeoutMs = 5000);

// Runs the event loop for `ms` milliseconds: for "nothing must happen during this time" assertions
// (e.g. a hanging upstream still has not answered). Prefer waitUntil for everything else.
void spinFor(int ms);

// The p-th percentile (0..1, nearest rank) of `values`; 0 for none. For benchmarks' reports.
double percentile(QList<double> values, double p);

// Latencies. A test proves that something is driven by its cause (the client leaving, a record being
// published): it waits for the effect (waitUntil / QTRY_* with a generous timeout, below any fallback the
// test configures: a timeout of at least 10 s, a poll, the process ending) and asserts what identifies
// the cause and the order of events. How fast it is belongs to the benchmarks (tests/bench): these
// machines are shared and noisy, so tests assert no upper bound on elapsed time.
//
// Prints "latency: <what>: <ms> ms" for the record and returns whether the effect came after its cause
// (ms >= 0): an order, not a bound.
bool reportLatency(const char *what, double ms);

} // namespace airlock::test
