#include "requestpolicy.h"

#include "featurepolicy.h"
#include "gatewayconfig.h"

#include <optional>

namespace airlock::policy {

Result<routing::PolicyClearance> RequestPolicy::authorize(const routing::ConfigSnapshot &snapshot,
                                                          const QString &feature, const QList<qint64> &namespaceIds)
{
    const Feature *entry = FeatureCatalog::instance().find(feature);
    if (!entry) {
        return Error::make(QStringLiteral("unknown_feature"),
                           QStringLiteral("\"%1\" is not a feature of the catalog").arg(feature),
                           QStringLiteral("model"));
    }
    if (auto st = checkFeatureAllowed(snapshot.flags(), *entry, namespaceIds); !st) {
        Error e = st.error();
        if (e.code == QLatin1String("feature_not_served"))
            e.field = QStringLiteral("model");
        return e;
    }
    const auto assignment = snapshot.config().features.constFind(feature);
    if (assignment != snapshot.config().features.cend() && *assignment == kDisabled) {
        const QString path = QStringLiteral("features.") + feature;
        return Error::make(QStringLiteral("feature_disabled"),
                           QStringLiteral("the feature %1 is disabled by the administrator (%2 is \"disabled\")")
                               .arg(feature, path),
                           path);
    }
    return routing::PolicyClearance(feature);
}

QStringList RequestPolicy::featuresForEndpoint(const routing::ConfigSnapshot &snapshot, const QString &endpoint)
{
    const auto mapped = snapshot.flags().modelFeatures.constFind(endpoint);
    if (mapped != snapshot.flags().modelFeatures.cend())
        return {*mapped};
    const GatewayConfig &config = snapshot.config();
    QStringList features;
    for (auto it = config.features.cbegin(); it != config.features.cend(); ++it) {
        const auto route = config.routes.constFind(it.key());
        const bool uses = route != config.routes.cend() ? route->models().contains(endpoint) : *it == endpoint;
        if (uses)
            features.append(it.key());
    }
    if (features.isEmpty())
        features.append(QString(kOpenAiApiFeature));
    return features;
}

Result<routing::PolicyClearance> RequestPolicy::authorizeModel(const routing::ConfigSnapshot &snapshot,
                                                               const QString &modelOrFeature,
                                                               const QList<qint64> &namespaceIds)
{
    if (FeatureCatalog::instance().find(modelOrFeature))
        return authorize(snapshot, modelOrFeature, namespaceIds);
    if (!snapshot.endpoint(modelOrFeature)) {
        return Error::make(QStringLiteral("model_not_found"),
                           QStringLiteral("\"%1\" is neither a feature nor a registered model endpoint").arg(modelOrFeature),
                           QStringLiteral("model"));
    }
    const QStringList features = featuresForEndpoint(snapshot, modelOrFeature);
    std::optional<routing::PolicyClearance> first;
    std::optional<Error> notOffered;
    for (const QString &feature : features) {
        auto cleared = authorize(snapshot, feature, namespaceIds);
        if (cleared) {
            if (!first)
                first = *cleared;
            continue;
        }
        Error e = cleared.error();
        e.message = QStringLiteral("the model endpoint %1 serves the feature %2 here, and %3")
                        .arg(modelOrFeature, feature, e.message);
        // A feature this namespace is not offered (its stage is not enabled, or a gateway does not
        // serve it) is not a use of the endpoint; a switch, flag or assignment that is off is.
        if (e.code == QLatin1String("stage_not_enabled") || e.code == QLatin1String("feature_not_served")) {
            if (!notOffered)
                notOffered = e;
            continue;
        }
        return e;
    }
    if (first)
        return *first;
    return *notOffered;
}

Result<routing::PolicyClearance> RequestPolicy::authorizeModelCheck(const routing::ConfigSnapshot &snapshot)
{
    if (!snapshot.flags().globalSwitch) {
        return Error::make(QStringLiteral("flag_disabled"),
                           QStringLiteral("the feature flag %1 is disabled").arg(kGlobalSwitchFlag),
                           QString(kGlobalSwitchFlag));
    }
    return routing::PolicyClearance(QStringLiteral("model_configuration_check"));
}

} // namespace airlock::policy
