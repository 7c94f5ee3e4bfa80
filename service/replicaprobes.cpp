#include "replicaprobes.h"

#include "routing/configsnapshot.h"
#include "upstream/healthprober.h"

#include <QLoggingCategory>
#include <QSet>

Q_LOGGING_CATEGORY(lcProbes, "airlock.probes", QtInfoMsg)

namespace airlock {

namespace {

routing::ProbeVerdict verdictOf(upstream::ProbeState state)
{
    switch (state) {
    case upstream::ProbeState::Ready:
        return routing::ProbeVerdict::Ready;
    case upstream::ProbeState::NotReady:
        return routing::ProbeVerdict::NotReady;
    case upstream::ProbeState::Down:
        return routing::ProbeVerdict::Down;
    case upstream::ProbeState::Unknown:
        break;
    }
    return routing::ProbeVerdict::Unknown;
}

bool sameOptions(const upstream::ProbeOptions &a, const upstream::ProbeOptions &b)
{
    return a.intervalMs == b.intervalMs && a.timeoutMs == b.timeoutMs; // the jitter is never configured
}

} // namespace

ReplicaProbes::ReplicaProbes(const routing::ConfigHolder &config, QObject *parent)
    : QObject(parent)
    , m_config(config)
{
}

ReplicaProbes::~ReplicaProbes() = default;

void ReplicaProbes::refresh()
{
    // Direct when called on this object's thread; otherwise queued there (dropped if it is gone by then).
    QMetaObject::invokeMethod(this, [this] { apply(); });
}

QStringList ReplicaProbes::probedKeys() const
{
    return m_states.keys();
}

void ReplicaProbes::apply()
{
    const auto snapshot = m_config.current();
    const ResilienceConfig &resilience = snapshot->resilience();
    upstream::ProbeOptions options;
    options.intervalMs = resilience.probeIntervalMs;
    options.timeoutMs = resilience.probeTimeoutMs;
    if (!m_prober || !sameOptions(m_prober->options(), options)) {
        // New timing: a new prober, which probes every target at once and then on the new schedule.
        m_prober = std::make_unique<upstream::HealthProber>(options);
        connect(m_prober.get(), &upstream::HealthProber::stateChanged, this, &ReplicaProbes::onStateChanged);
    }

    QList<upstream::ProbeTarget> targets;
    QHash<QString, std::shared_ptr<routing::ReplicaState>> states;
    QSet<const routing::EndpointRuntime *> seen;
    const auto &features = snapshot->config().features;
    for (auto it = features.cbegin(); it != features.cend(); ++it) {
        const routing::RoutePlan *plan = snapshot->featurePlan(it.key());
        if (!plan)
            continue;
        for (const auto &tier : plan->tiers) {
            for (const routing::PlanTarget &t : tier) {
                if (seen.contains(t.endpoint))
                    continue;
                seen.insert(t.endpoint);
                for (const routing::ReplicaRuntime &r : t.endpoint->replicas) {
                    const QString &key = r.state->key();
                    if (states.contains(key))
                        continue;
                    states.insert(key, r.state);
                    upstream::ProbeTarget target;
                    target.key = key;
                    target.baseUrl = r.state->apiRoot();
                    target.kind = t.endpoint->endpoint.server;
                    target.identifier = t.endpoint->endpoint.identifier;
                    target.authorization = t.endpoint->authorization;
                    targets.append(std::move(target));
                }
            }
        }
    }
    // A replica no longer probed forgets its verdict: nothing would ever lift a stale "down".
    for (auto it = m_states.cbegin(); it != m_states.cend(); ++it) {
        if (!states.contains(it.key()))
            it.value()->setProbe(routing::ProbeVerdict::Unknown, QString());
    }
    m_states = std::move(states);
    m_prober->setTargets(targets);
    // A replica state created anew for a key the prober already knows gets its current verdict.
    for (auto it = m_states.cbegin(); it != m_states.cend(); ++it) {
        const upstream::ProbeResult result = m_prober->result(it.key());
        if (result.state != upstream::ProbeState::Unknown && it.value()->probe() != verdictOf(result.state))
            it.value()->setProbe(verdictOf(result.state), result.detail);
    }
    qCDebug(lcProbes) << "probing" << targets.size() << "replicas every" << options.intervalMs << "ms";
}

void ReplicaProbes::onStateChanged(const QString &key, const upstream::ProbeResult &result)
{
    const auto state = m_states.value(key);
    if (!state)
        return;
    const auto verdict = verdictOf(result.state);
    if (verdict != routing::ProbeVerdict::Ready || state->probe() != routing::ProbeVerdict::Unknown) {
        qCInfo(lcProbes).noquote() << "replica" << key << "is" << upstream::probeStateName(result.state)
                                   << (result.detail.isEmpty() ? QString() : QStringLiteral("(%1)").arg(result.detail));
    }
    state->setProbe(verdict, result.detail);
}

} // namespace airlock
