#pragma once

// Wires the active health prober (upstream/healthprober.h) to the routing state: the targets are every
// replica of every model endpoint that a route of the current configuration uses (a feature's plan,
// fallbacks included); an endpoint no route uses is not probed. Each verdict goes to that replica's
// ReplicaState, which the balancer reads (ReplicaState::available): a not-ready or down replica gets no
// traffic until a probe says it is ready again. Probe interval and timeout come from resilience.probes.
//
// Thread affinity: lives on the thread that created it (the gateway's control thread, which runs an
// event loop), as does its prober. refresh() may be called from any thread: the update runs on this
// object's thread and reads the snapshot current then. ReplicaState is thread-safe (atomics and its own
// mutex), so the workers read the verdicts without any further locking.

#include <QHash>
#include <QObject>
#include <QString>
#include <QStringList>

#include <memory>

namespace airlock::routing {
class ConfigHolder;
class ReplicaState;
} // namespace airlock::routing

namespace airlock::upstream {
class HealthProber;
struct ProbeResult;
} // namespace airlock::upstream

namespace airlock {

class ReplicaProbes : public QObject
{
    Q_OBJECT
public:
    explicit ReplicaProbes(const routing::ConfigHolder &config, QObject *parent = nullptr);
    ~ReplicaProbes() override;

    // Re-reads the current configuration snapshot and probes its routed replicas from now on.
    void refresh();

    // The keys (ReplicaState::key()) being probed now; for tests and diagnostics.
    QStringList probedKeys() const;

private:
    void apply();
    void onStateChanged(const QString &key, const upstream::ProbeResult &result);

    const routing::ConfigHolder &m_config;
    std::unique_ptr<upstream::HealthProber> m_prober;
    QHash<QString, std::shared_ptr<routing::ReplicaState>> m_states; // the probed replicas, by key
};

} // namespace airlock
