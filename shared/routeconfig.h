#pragma once

// How a feature is routed when it is more than "one model" (the declarative file's route objects), and
// the resilience settings every route shares (deadlines, retries, hedging, ejection, probes).
//
//   "features": {"code_completions": {"tiers": [[{"model": "m1", "weight": 90}, {"model": "m2", "weight": 10}],
//                                              [{"model": "m3"}]]}}
//   "resilience": {"deadlines_ms": {"code_completions": 8000, "default": 120000},
//                  "retries": {"max_attempts": 3, "budget_percent": 20, "budget_min_concurrent": 3},
//                  "hedging": {"features": ["code_completions"], "min_delay_ms": 100, "max_delay_ms": 2000},
//                  "ejection": {"consecutive_failures": 5, "base_ms": 10000, "max_ms": 300000,
//                               "max_ejected_percent": 50, "failure_rate_percent": 50, "window_ms": 30000,
//                               "min_requests": 20},
//                  "affinity": {"features": [], "max_load_percent": 125},
//                  "probes": {"interval_ms": 5000, "timeout_ms": 2000}}
//
// A tier is a weighted split; later tiers are fallbacks, used only when no target of an earlier tier can
// take the request. Every key is optional; unknown keys and wrong types are errors naming the path.

#include "result.h"

#include <QJsonObject>
#include <QJsonValue>
#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>

namespace airlock {

struct RouteTarget
{
    QString model;
    int weight = 1; // 1..1000 inside its tier

    friend bool operator==(const RouteTarget &, const RouteTarget &) = default;
};

struct ModelRoute
{
    QList<QList<RouteTarget>> tiers; // at least one tier, each with at least one target

    // The model that takes the traffic when everything is healthy and the split is 100 %: the first
    // target of the first tier. What a single-model view (the console's assignment) shows.
    QString primaryModel() const;
    QStringList models() const; // every model named, in order, without repeats

    friend bool operator==(const ModelRoute &, const ModelRoute &) = default;
};

// `value` is the JSON of features.<id>: an object with "tiers". `path` prefixes errors.
Result<ModelRoute> parseModelRoute(const QJsonValue &value, const QString &path);
QJsonObject modelRouteToJson(const ModelRoute &route);

struct ResilienceConfig
{
    // Whole-request deadline per feature id (and for requests that named a model endpoint: "default").
    QMap<QString, int> deadlinesMs;
    int defaultDeadlineMs = 120000;

    int maxAttempts = 3;           // tries per request, the first one included (1 = no retries)
    int retryBudgetPercent = 20;   // retries in flight at most this share of the requests in flight ...
    int retryBudgetMinConcurrent = 3; // ... but always at least this many

    QStringList hedgedFeatures{QStringLiteral("code_completions")};
    int hedgeMinDelayMs = 100;  // the hedge delay is the replica's observed p95 time to first byte, at least
    int hedgeMaxDelayMs = 2000; // this, at most that (and this until enough answers were seen)

    int ejectConsecutiveFailures = 5;
    int ejectBaseMs = 10000; // doubled on each repeated ejection ...
    int ejectMaxMs = 300000; // ... up to this
    int maxEjectedPercent = 50;
    // Failure-rate ejection: a replica at least this share of whose tries in the last window failed
    // (with at least ejectMinRequests tries in it) is ejected like one that failed too often in a row.
    int ejectFailureRatePercent = 50; // 0: off
    int ejectWindowMs = 30000;
    int ejectMinRequests = 20;

    // Prefix affinity (off unless features are listed): a request of these features that carries an
    // affinity key (GitLab code completions: user and file) goes to the same replica each time, so that
    // its prefix cache is reused, unless that replica has more than max_load_percent of its share of
    // the endpoint's requests in flight (bounded-load consistent hashing).
    QStringList affinityFeatures;
    int affinityMaxLoadPercent = 125;

    int probeIntervalMs = 5000;
    int probeTimeoutMs = 2000;

    // The deadline for a feature (its own, else the built-in default for it, else defaultDeadlineMs).
    int deadlineMsFor(const QString &feature) const;

    friend bool operator==(const ResilienceConfig &, const ResilienceConfig &) = default;
};

Result<ResilienceConfig> parseResilienceConfig(const QJsonValue &value);
// Only what differs from the defaults, so that an exported file stays short.
QJsonObject resilienceConfigToJson(const ResilienceConfig &config);

} // namespace airlock
