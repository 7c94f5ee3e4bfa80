#pragma once

// The live state of one replica (one base URL of a model endpoint), shared by every worker thread and
// carried over configuration changes while the replica stays configured: requests outstanding, passive
// health (consecutive failures, the failure rate over a sliding window, ejection with a doubling time),
// what the active probe last said, the time to first byte it has shown (recent p95 and a histogram), and
// counters for metrics.
//
// Thread-safe: counters and the time-to-first-byte histogram are atomics; the health fields (and the
// window's buckets) sit behind a small mutex taken once per attempt. Nothing allocates per attempt.

#include <QMutex>
#include <QString>
#include <QUrl>

#include <array>
#include <atomic>

namespace airlock::routing {

struct EjectionSettings
{
    int consecutiveFailures = 5;
    int baseMs = 10000;
    int maxMs = 300000;
    // Failure-rate ejection: at least `failureRatePercent` % of the tries of the last `windowMs` failed,
    // and there were at least `minRequests` of them. 0 % turns it off.
    int failureRatePercent = 50;
    int windowMs = 30000;
    int minRequests = 20;
};

// The upper bounds (seconds) of the per-replica time-to-first-byte histogram; one more bucket is +Inf.
inline constexpr std::array<double, 12> kTtfbBucketsSeconds{0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60};

// What the active health probe says (mirrors upstream::ProbeState, without depending on the prober).
enum class ProbeVerdict { Unknown, Ready, NotReady, Down };

class ReplicaState
{
public:
    ReplicaState(QString endpoint, QUrl apiRoot);

    const QString &endpoint() const { return m_endpoint; }
    const QUrl &apiRoot() const { return m_apiRoot; }
    // "<endpoint> <api root>": the key of the replica in metrics, probes and the request log.
    const QString &key() const { return m_key; }

    // In rotation: not ejected (or the ejection is over) and the probe does not say NotReady/Down.
    bool available(qint64 nowMs) const;
    bool ejected(qint64 nowMs) const;
    qint64 ejectedUntilMs() const;
    int consecutiveFailures() const;

    // An attempt got a usable answer head after `ttfbMs` (negative: unknown, not put in the p95 nor the
    // histogram). Ends an ejection; counts in the failure-rate window.
    void recordSuccess(double ttfbMs, qint64 nowMs, const EjectionSettings &settings);
    // An attempt failed (connect, reset, timeout, 5xx, 429). Ejects when `mayEject` (the endpoint's share
    // of ejected replicas allows one more) and either the consecutive failures reach the threshold or the
    // window's failure rate does (with enough tries in the window); returns true when this call ejected
    // the replica. An ejection starts a new window.
    bool recordFailure(qint64 nowMs, const EjectionSettings &settings, bool mayEject);
    // The tries and failures counted in the window that ends at `nowMs`.
    struct WindowCounts
    {
        int total = 0;
        int failed = 0;
    };
    WindowCounts windowCounts(qint64 nowMs, const EjectionSettings &settings) const;
    // The probe's verdict. Ready after NotReady or Down ends an ejection: the replica is back in rotation.
    void setProbe(ProbeVerdict verdict, const QString &detail);
    ProbeVerdict probe() const { return ProbeVerdict(m_probe.load(std::memory_order_relaxed)); }
    QString probeDetail() const;

    // The 95th percentile of the last answers' time to first byte; -1 while fewer than 8 were seen.
    // Computed when a success is recorded: reading it is one atomic load.
    double ttfbP95() const { return m_ttfbP95.load(std::memory_order_relaxed); }

    // The time-to-first-byte histogram (kTtfbBucketsSeconds): per bucket, not cumulative, the last one
    // +Inf; the sum in microseconds.
    quint64 ttfbBucket(std::size_t i) const { return m_ttfbBuckets[i].load(std::memory_order_relaxed); }
    quint64 ttfbCount() const { return m_ttfbTotal.load(std::memory_order_relaxed); }
    double ttfbSumSeconds() const { return double(m_ttfbSumUs.load(std::memory_order_relaxed)) / 1e6; }

    std::atomic<int> outstanding{0};
    std::atomic<quint64> attempts{0};
    std::atomic<quint64> failures{0};
    std::atomic<quint64> ejections{0};
    std::atomic<quint64> retriesTo{0};   // retries sent to this replica
    std::atomic<quint64> hedgesSent{0};  // hedges sent to this replica
    std::atomic<quint64> hedgesWon{0};   // hedges to this replica whose answer was used

private:
    const QString m_endpoint;
    const QUrl m_apiRoot;
    const QString m_key;
    std::atomic<int> m_probe{int(ProbeVerdict::Unknown)};
    mutable QMutex m_mutex;
    int m_consecutiveFailures = 0;
    int m_ejectionStreak = 0; // ejections since the last success: the next one lasts base * 2^streak
    qint64 m_ejectedUntilMs = 0;
    QString m_probeDetail;
    std::array<float, 64> m_ttfb{};
    int m_ttfbCount = 0;
    int m_ttfbNext = 0;
    std::atomic<double> m_ttfbP95{-1};
    std::array<std::atomic<quint64>, kTtfbBucketsSeconds.size() + 1> m_ttfbBuckets{};
    std::atomic<quint64> m_ttfbTotal{0};
    std::atomic<quint64> m_ttfbSumUs{0};

    // The failure-rate window: kWindowBuckets buckets of windowMs / kWindowBuckets each, bucket i holding
    // the tries of slot s (s = now / width, i = s % kWindowBuckets) while its `slot` says so.
    static constexpr int kWindowBuckets = 10;
    struct WindowBucket
    {
        qint64 slot = -1;
        int total = 0;
        int failed = 0;
    };
    std::array<WindowBucket, kWindowBuckets> m_window{};
    qint64 m_windowBucketMs = 0; // the width the buckets were filled with; another one starts afresh
    void countInWindow(qint64 nowMs, const EjectionSettings &settings, bool failed); // m_mutex held
    WindowCounts windowCountsLocked(qint64 nowMs, const EjectionSettings &settings) const;
    void ejectLocked(qint64 nowMs, const EjectionSettings &settings, const char *why);
};

// A monotonic millisecond clock shared by the routing code (ejections, deadlines).
qint64 routingNowMs();

} // namespace airlock::routing
