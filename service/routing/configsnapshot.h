#pragma once

// The configuration a request is served with: an immutable snapshot, swapped atomically when an admin
// changes the configuration. A request keeps the snapshot it started with (shared_ptr), so a change never
// affects work in progress. Per-endpoint runtime state that must survive a swap (the concurrency
// limiter, the replicas' health and load, the retry budget) is carried over by name.

#include "featureflags.h"
#include "gatewayconfig.h"
#include "replicastate.h"
#include "retrybudget.h"
#include "upstream/endpointlimiter.h"

#include <QByteArray>
#include <QHash>
#include <QMutex>
#include <QUrl>

#include <atomic>
#include <memory>

namespace airlock::routing {

// One server of an endpoint as a request sees it: its shared state and where to send.
struct ReplicaRuntime
{
    std::shared_ptr<ReplicaState> state;
    int weight = 1;
    QUrl chatCompletionsUrl;
    QUrl completionsUrl;
    QByteArray apiRootEncoded; // state->apiRoot().toEncoded(), once per snapshot: the attempt log's "replica"
    QUrl embeddingsUrl;
};

struct EndpointRuntime
{
    ModelEndpoint endpoint;
    QByteArray nameAscii;           // endpoint.name as bytes, for the attempt log
    QList<ReplicaRuntime> replicas; // at least one
    std::shared_ptr<upstream::EndpointLimiter> limiter;
    QByteArray authorization;  // "Bearer <key>", or empty when the endpoint has no key
    QByteArray identifierJson; // the served identifier as a JSON string token, ready to splice
    QUrl chatCompletionsUrl; // of the first replica
    QUrl completionsUrl;
    QUrl modelsUrl;
    int maxEjectedPercent = 50;
    EjectionSettings ejection;

    // Replicas ejected now; whether one more may be ejected (at most maxEjectedPercent of them).
    int ejectedCount(qint64 nowMs) const;
    bool mayEjectAnother(qint64 nowMs) const;
};

struct PlanTarget
{
    const EndpointRuntime *endpoint = nullptr;
    int weight = 1;
};

// Where a feature's (or a named endpoint's) requests go: tiers of weighted endpoints, later tiers
// being fallbacks. Points into the snapshot that holds it.
struct RoutePlan
{
    QList<QList<PlanTarget>> tiers;
    int totalEndpoints() const;
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
    // The plan of a feature routed to a model (nullptr: disabled or unassigned), and of an endpoint
    // named directly (its replicas, no fallback).
    const RoutePlan *featurePlan(const QString &feature) const;
    const RoutePlan *endpointPlan(QStringView name) const;
    const ResilienceConfig &resilience() const { return m_config.resilience; }
    RetryBudget &retryBudget() const { return *m_retryBudget; }
    // Every replica of the configuration (for probes and metrics).
    QList<std::shared_ptr<ReplicaState>> replicas() const;
    quint64 generation() const { return m_generation; }

private:
    friend class ConfigHolder;
    GatewayConfig m_config;
    FeatureFlags m_flags;
    QHash<QPair<QString, QString>, QString> m_overrides;
    QHash<QString, EndpointRuntime> m_endpoints;
    QHash<QString, RoutePlan> m_featurePlans;
    QHash<QString, RoutePlan> m_endpointPlans;
    std::shared_ptr<RetryBudget> m_retryBudget = std::make_shared<RetryBudget>();
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
    QHash<QString, std::shared_ptr<ReplicaState>> m_replicas;              // by ReplicaState::key()
    std::shared_ptr<RetryBudget> m_retryBudget = std::make_shared<RetryBudget>();
    QHash<QPair<QString, QString>, QString> m_overrides;                   // guarded by m_mutex
};

} // namespace airlock::routing
