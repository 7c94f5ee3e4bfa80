#pragma once

// The live state of one replica (one base URL of a model endpoint), shared by every worker thread and
// carried over configuration changes while the replica stays configured: requests outstanding, passive
// health (consecutive failures, ejection with a doubling time), what the active probe last said, the
// time to first byte it has shown, and counters for metrics.
//
// Thread-safe: counters are atomics; the health fields sit behind a small mutex taken once per attempt.

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
};

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

    // An attempt got a usable answer head after `ttfbMs`.
    void recordSuccess(double ttfbMs);
    // An attempt failed (connect, reset, timeout, 5xx, 429). Ejects when the consecutive failures reach
    // the threshold and `mayEject` (the endpoint's share of ejected replicas allows one more); returns
    // true when this call ejected the replica.
    bool recordFailure(qint64 nowMs, const EjectionSettings &settings, bool mayEject);
    // The probe's verdict. Ready after NotReady or Down ends an ejection: the replica is back in rotation.
    void setProbe(ProbeVerdict verdict, const QString &detail);
    ProbeVerdict probe() const { return ProbeVerdict(m_probe.load(std::memory_order_relaxed)); }
    QString probeDetail() const;

    // The 95th percentile of the last answers' time to first byte; -1 while fewer than 8 were seen.
    double ttfbP95() const;

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
};

// A monotonic millisecond clock shared by the routing code (ejections, deadlines).
qint64 routingNowMs();

} // namespace airlock::routing
