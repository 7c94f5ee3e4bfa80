#include "configsnapshot.h"

#include "jsonscanner.h"

namespace airlock::routing {

const EndpointRuntime *ConfigSnapshot::endpoint(QStringView name) const
{
    const auto it = m_endpoints.constFind(name.toString());
    return it == m_endpoints.cend() ? nullptr : &it.value();
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
    QHash<QString, std::shared_ptr<upstream::EndpointLimiter>> limiters;
    for (const ModelEndpoint &m : config.models) {
        EndpointRuntime runtime;
        runtime.endpoint = m;
        auto limiter = m_limiters.value(m.name);
        if (limiter)
            limiter->setMaxConcurrency(m.maxConcurrency);
        else
            limiter = upstream::EndpointLimiter::create(m.maxConcurrency, m_queueLimits.maxQueued,
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
