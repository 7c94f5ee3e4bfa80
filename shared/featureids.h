#pragma once

// The feature ids a model can be assigned to. GitLab's self-hosted feature enum plus the product's
// own features; a request's OpenAI `model` may name one of them. Backed by the feature catalog
// (featurecatalog.h): only the features a gateway serves.

#include <QStringList>

namespace airlock {

const QStringList &knownFeatureIds();
bool isKnownFeature(QStringView id);

} // namespace airlock
