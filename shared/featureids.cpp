#include "featureids.h"

#include "featurecatalog.h"

namespace airlock {

const QStringList &knownFeatureIds()
{
    static const QStringList ids = FeatureCatalog::instance().gatewayFeatureIds();
    return ids;
}

bool isKnownFeature(QStringView id)
{
    const Feature *feature = FeatureCatalog::instance().find(id);
    return feature && feature->servedByGateway;
}

} // namespace airlock
