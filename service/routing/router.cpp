#include "router.h"

#include "balancer.h"
#include "featureids.h"

namespace airlock::routing {

Result<Route> resolveFeature(const ConfigSnapshot &snapshot, const QString &feature)
{
    const auto it = snapshot.config().features.constFind(feature);
    if (it == snapshot.config().features.cend()) {
        return Error::make(QStringLiteral("feature_unassigned"),
                           QStringLiteral("feature \"%1\" has no model assigned; an admin must assign one").arg(feature),
                           QStringLiteral("model"));
    }
    if (it.value() == kDisabled) {
        return Error::make(QStringLiteral("feature_disabled"),
                           QStringLiteral("feature \"%1\" is disabled by the administrator").arg(feature),
                           QStringLiteral("model"));
    }
    const RoutePlan *plan = snapshot.featurePlan(feature);
    const EndpointRuntime *endpoint = plan ? pickEndpoint(*plan, {}, routingNowMs()) : nullptr;
    if (!endpoint) {
        // validateGatewayConfig forbids this; kept as a guard against a half-applied configuration.
        return Error::make(QStringLiteral("feature_unassigned"),
                           QStringLiteral("feature \"%1\" is assigned to model \"%2\", which is not registered")
                               .arg(feature, it.value()),
                           QStringLiteral("model"));
    }
    return Route{endpoint, plan, feature};
}

Result<Route> resolveModel(const ConfigSnapshot &snapshot, const QString &name)
{
    if (isKnownFeature(name))
        return resolveFeature(snapshot, name);
    if (const EndpointRuntime *endpoint = snapshot.endpoint(name))
        return Route{endpoint, snapshot.endpointPlan(name), QString()};
    return Error::make(QStringLiteral("model_not_found"),
                       QStringLiteral("model \"%1\" is neither a feature nor a registered model endpoint").arg(name),
                       QStringLiteral("model"));
}

} // namespace airlock::routing
