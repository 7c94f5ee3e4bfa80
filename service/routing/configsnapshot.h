#pragma once

// The configuration a request is served with: an immutable snapshot, swapped atomically when an admin
// changes the configuration. A request keeps the snapshot it started with (shared_ptr), so a change never
// affects work in progress. Per-endpoint runtime state that must survive a swap (the concurrency
// limiter) is carried over by name.

#include "featureflags.h"
#include "gatewayconfig.h"
#include "upstream/endpointlimiter.h"

#include <QByteArray>
#include <QHash>
#include <QMutex>
#include <QUrl>

#include <atomic>
#include <memory>

namespace airlock::routing {

struct EndpointRuntime
{
    ModelEndpoint endpoint;
    std::shared_ptr<upstream::EndpointLimiter> limiter;
    QByteArray authorization;  // "Bearer <key>", or empty when the endpoint has no key
    QByteArray identifierJson; // the served identifier as a JSON string token, ready to splice
    QUrl chatCompletionsUrl;
    QUrl completionsUrl;
    QUrl modelsUrl;
};

class ConfigSnapshot
{
public:
    const GatewayConfig &config() const { return m_config; }
    const FeatureFlags &flags() const { return m_flags; }
    // The admin's prompt template override for (endpoint name, feature), or nullptr.
    const QString *promptOverride(const QString &endpoint, const QString &feature) const
    {
        const auto it = m_overrides.constFind(qMakePair(endpoint, feature));
        return it == m_overrides.cend() ? nullptr : &it.value();
    }
    const EndpointRuntime *endpoint(QStringView name) const;
    quint64 generation() const { return m_generation; }

private:
    friend class ConfigHolder;
    GatewayConfig m_config;
    FeatureFlags m_flags;
    QHash<QPair<QString, QString>, QString> m_overrides;
    QHash<QString, EndpointRuntime> m_endpoints;
    quint64 m_generation = 0;
};

struct QueueLimits
{
    int maxQueued = 1024;
    int queueTimeoutMs = 30000;
};

// Holds the current snapshot. publish() runs on the control thread; current() from any thread and
// costs one atomic load while nothing changed (each thread caches the last snapshot it saw).
class ConfigHolder
{
public:
    explicit ConfigHolder(QueueLimits queueLimits = {});

    std::shared_ptr<const ConfigSnapshot> current() const;
    // Builds and publishes a snapshot of `config` (already validated).
    void publish(const GatewayConfig &config);
    // Replaces the prompt overrides ((endpoint, feature) -> template) and republishes the current config.
    void publishPromptOverrides(QHash<QPair<QString, QString>, QString> overrides);

private:
    const quint64 m_id; // unique per holder, keys the per-thread cache
    QueueLimits m_queueLimits;
    mutable QMutex m_mutex;
    std::shared_ptr<const ConfigSnapshot> m_current;
    std::atomic<quint64> m_generation{0};
    QHash<QString, std::shared_ptr<upstream::EndpointLimiter>> m_limiters; // guarded by m_mutex
    QHash<QPair<QString, QString>, QString> m_overrides;                   // guarded by m_mutex
};

} // namespace airlock::routing
