#include "configedits.h"

namespace airlock {

void assignFeatureModel(GatewayConfig &config, const QString &feature, const QString &modelOrDisabled)
{
    config.routes.remove(feature);
    config.features.insert(feature, modelOrDisabled);
}

void renameModelReferences(GatewayConfig &config, const QString &from, const QString &to)
{
    for (auto it = config.features.begin(); it != config.features.end(); ++it) {
        if (it.value() == from)
            it.value() = to;
    }
    for (ModelRoute &route : config.routes) {
        for (QList<RouteTarget> &tier : route.tiers) {
            for (RouteTarget &target : tier) {
                if (target.model == from)
                    target.model = to;
            }
        }
    }
}

void removeModelReferences(GatewayConfig &config, const QString &name)
{
    for (auto it = config.routes.begin(); it != config.routes.end();) {
        ModelRoute &route = it.value();
        for (QList<RouteTarget> &tier : route.tiers)
            tier.removeIf([&](const RouteTarget &t) { return t.model == name; });
        route.tiers.removeIf([](const QList<RouteTarget> &tier) { return tier.isEmpty(); });
        if (route.tiers.isEmpty()) {
            config.features.insert(it.key(), QString(kDisabled));
            it = config.routes.erase(it);
            continue;
        }
        config.features.insert(it.key(), route.primaryModel());
        ++it;
    }
    for (auto it = config.features.begin(); it != config.features.end(); ++it) {
        if (it.value() == name)
            it.value() = QString(kDisabled);
    }
}

} // namespace airlock
