#pragma once

// The declarative configuration: model endpoints and feature assignments, as read from
// `airlockd --config FILE` and written by `airlockd config export`.
//
//   {"models":[{"name":"codestral-a","family":"codestral","base_url":"http://127.0.0.1:8000/v1",
//               "identifier":"codestral-22b","api_key":"...","max_concurrency":64,
//               "timeouts_ms":{"connect":2000,"first_byte":30000,"idle":30000,"total":120000}}],
//    "features":{"code_completions":"codestral-a","duo_chat":"disabled"}}
//
// A model may list "replicas": [{"base_url": "...", "weight": 1}, ...] instead of "base_url"; a feature
// may map to a route {"tiers": [[{"model": "m1", "weight": 90}, ...], [...]]} (routeconfig.h), and the
// optional "resilience" section sets deadlines, retries, hedging, ejection and probes.
//
// Unknown keys are errors naming the key; a feature mapped to an unknown model names both.

#include "modelendpoint.h"
#include "result.h"
#include "routeconfig.h"

#include <QByteArray>
#include <QList>
#include <QMap>

namespace airlock {

inline constexpr QLatin1StringView kDisabled{"disabled"};

struct GatewayConfig
{
    QList<ModelEndpoint> models;
    QMap<QString, QString> features; // feature id -> model name (a route's primary model), or kDisabled
    // Features whose value in the file is a route object (tiers, weights, fallbacks). For each,
    // features[id] is routes[id].primaryModel(); a feature absent here is routed to features[id] alone.
    QMap<QString, ModelRoute> routes;
    ResilienceConfig resilience;
    // Feature flags and stages ("flags" in the file), kept as JSON here: the gateway validates and
    // interprets them (service/routing/featurepolicy.h), the console edits them.
    QJsonObject flags;

    const ModelEndpoint *findModel(QStringView name) const;
    friend bool operator==(const GatewayConfig &, const GatewayConfig &) = default;
};

// Parses and validates; the error names the key/field and its path ("models[1].timeouts_ms.idle").
Result<GatewayConfig> parseGatewayConfig(const QByteArray &json);
Result<ModelEndpoint> parseModelEndpoint(const QJsonObject &object, const QString &where);
// Cross-checks: unique names, known features, assignments pointing at registered models.
Status validateGatewayConfig(const GatewayConfig &config);

enum class Secrets { Omit, Include };
QJsonObject modelEndpointToJson(const ModelEndpoint &endpoint, Secrets secrets);
QByteArray serializeGatewayConfig(const GatewayConfig &config, Secrets secrets = Secrets::Omit);

} // namespace airlock
