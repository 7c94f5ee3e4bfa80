#include "configsnapshot.h"

#include "jsonscanner.h"

namespace airlock::routing {

const EndpointRuntime *ConfigSnapshot::endpoint(QStringView name) const
{
    const auto it = m_endpoints.constFind(name.toString());
    return it == m_endpoints.cend() ? nullptr : &it.value();
}

const RoutePlan *ConfigSnapshot::featurePlan(const QString &feature) const
{
    const auto it = m_featurePlans.constFind(feature);
    return it == m_featurePlans.cend() ? nullptr : &it.value();
}

const RoutePlan *ConfigSnapshot::endpointPlan(QStringView name) const
{
    const auto it = m_endpointPlans.constFind(name.toString());
    return it == m_endpointPlans.cend() ? nullptr : &it.value();
}

QList<std::shared_ptr<ReplicaState>> ConfigSnapshot::replicas() const
{
    QList<std::shared_ptr<ReplicaState>> all;
    for (const EndpointRuntime &e : m_endpoints) {
        for (const ReplicaRuntime &r : e.replicas)
            all.append(r.state);
    }
    return all;
}

int EndpointRuntime::ejectedCount(qint64 nowMs) const
{
    int n = 0;
    for (const ReplicaRuntime &r : replicas)
        n += r.state->ejected(nowMs) ? 1 : 0;
    return n;
}

bool EndpointRuntime::mayEjectAnother(qint64 nowMs) const
{
    return (ejectedCount(nowMs) + 1) * 100 <= maxEjectedPercent * int(replicas.size());
}

int RoutePlan::totalEndpoints() const
{
    int n = 0;
    for (const auto &tier : tiers)
        n += int(tier.size());
    return n;
}

namespace {
std::atomic<quint64> s_nextHolderId{1};
}

ConfigHolder::ConfigHolder(QueueLimits queueLimits)
    : m_id(s_nextHolderId.fetch_add(1))
    , m_queueLimits(queueLimits)
    , m_current(std::make_shared<ConfigSnapshot>())
{
}

std::shared_ptr<const ConfigSnapshot> ConfigHolder::current() const
{
    // Per-thread cache keyed by holder and generation: the common case takes no lock.
    struct Cache
    {
        quint64 holder = 0;
        quint64 generation = ~quint64(0);
        std::shared_ptr<const ConfigSnapshot> snapshot;
    };
    thread_local Cache cache;
    const quint64 generation = m_generation.load(std::memory_order_acquire);
    if (cache.holder == m_id && cache.generation == generation)
        return cache.snapshot;
    QMutexLocker lock(&m_mutex);
    cache.holder = m_id;
    cache.generation = m_current->generation();
    cache.snapshot = m_current;
    return cache.snapshot;
}

void ConfigHolder::publish(const GatewayConfig &config)
{
    auto snapshot = std::make_shared<ConfigSnapshot>();
    snapshot->m_config = config;
    if (auto flags = featureFlagsFromJson(config.flags))
        snapshot->m_flags = *flags; // validated before publishing; defaults otherwise
    QMutexLocker lock(&m_mutex);
    snapshot->m_overrides = m_overrides;
    snapshot->m_retryBudget = m_retryBudget;
    const ResilienceConfig &resilience = config.resilience;
    QHash<QString, std::shared_ptr<upstream::EndpointLimiter>> limiters;
    QHash<QString, std::shared_ptr<ReplicaState>> replicas;
    for (const ModelEndpoint &m : config.models) {
        EndpointRuntime runtime;
        runtime.endpoint = m;
        runtime.nameAscii = m.name.toLatin1(); // names are ASCII (validateEndpoint)
        runtime.maxEjectedPercent = resilience.maxEjectedPercent;
        runtime.ejection = {resilience.ejectConsecutiveFailures, resilience.ejectBaseMs, resilience.ejectMaxMs,
                            resilience.ejectFailureRatePercent, resilience.ejectWindowMs, resilience.ejectMinRequests};
        for (const ModelReplica &server : m.servers()) {
            const QUrl root = openAiApiRoot(server.baseUrl);
            auto state = std::make_shared<ReplicaState>(m.name, root);
            if (auto kept = m_replicas.value(state->key()))
                state = std::move(kept);
            replicas.insert(state->key(), state);
            ReplicaRuntime replica;
            replica.state = std::move(state);
            replica.weight = server.weight;
            QUrl chat = root;
            chat.setPath(root.path() + QStringLiteral("/chat/completions"));
            QUrl completions = root;
            completions.setPath(root.path() + QStringLiteral("/completions"));
            replica.chatCompletionsUrl = chat;
            replica.completionsUrl = completions;
            replica.apiRootEncoded = root.toEncoded();
            QUrl embeddings = root;
            embeddings.setPath(root.path() + QStringLiteral("/embeddings"));
            replica.embeddingsUrl = embeddings;
            runtime.replicas.append(std::move(replica));
        }
        // max_concurrency is per replica: the endpoint's cap grows with its servers.
        const int capacity = m.maxConcurrency * int(runtime.replicas.size());
        auto limiter = m_limiters.value(m.name);
        if (limiter)
            limiter->setMaxConcurrency(capacity);
        else
            limiter = upstream::EndpointLimiter::create(capacity, m_queueLimits.maxQueued,
                                                        m_queueLimits.queueTimeoutMs);
        limiters.insert(m.name, limiter);
        runtime.limiter = std::move(limiter);
        if (!m.apiKey.isEmpty())
            runtime.authorization = "Bearer " + m.apiKey.toUtf8();
        runtime.identifierJson = encodeJsonString(m.identifier);
        runtime.chatCompletionsUrl = m.apiUrl(u"chat/completions");
        runtime.completionsUrl = m.apiUrl(u"completions");
        runtime.modelsUrl = m.apiUrl(u"models");
        snapshot->m_endpoints.insert(m.name, std::move(runtime));
    }
    m_limiters = std::move(limiters);
    m_replicas = std::move(replicas);
    // Plans last: they point at the endpoints, which no longer move.
    for (auto it = snapshot->m_endpoints.cbegin(); it != snapshot->m_endpoints.cend(); ++it)
        snapshot->m_endpointPlans.insert(it.key(), RoutePlan{{{PlanTarget{&it.value(), 1}}}});
    for (auto it = config.features.cbegin(); it != config.features.cend(); ++it) {
        RoutePlan plan;
        const auto route = config.routes.constFind(it.key());
        if (route != config.routes.cend()) {
            for (const auto &tier : route->tiers) {
                QList<PlanTarget> targets;
                for (const RouteTarget &t : tier) {
                    if (const EndpointRuntime *e = snapshot->endpoint(t.model))
                        targets.append(PlanTarget{e, t.weight});
                }
                if (!targets.isEmpty())
                    plan.tiers.append(std::move(targets));
            }
        } else if (const EndpointRuntime *e = snapshot->endpoint(it.value())) {
            plan.tiers.append({PlanTarget{e, 1}});
        }
        if (!plan.tiers.isEmpty())
            snapshot->m_featurePlans.insert(it.key(), std::move(plan));
    }
    snapshot->m_generation = m_generation.load(std::memory_order_relaxed) + 1;
    m_current = std::move(snapshot);
    m_generation.store(m_current->generation(), std::memory_order_release);
}

void ConfigHolder::publishPromptOverrides(QHash<QPair<QString, QString>, QString> overrides)
{
    GatewayConfig config;
    {
        QMutexLocker lock(&m_mutex);
        m_overrides = std::move(overrides);
        config = m_current->config();
    }
    publish(config);
}

} // namespace airlock::routing
