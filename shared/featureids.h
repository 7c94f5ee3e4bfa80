#pragma once

// The feature ids a model can be assigned to. GitLab's self-hosted feature enum plus the product's
// own features; a request's OpenAI `model` may name one of them.

#include <QStringList>

namespace airlock {

const QStringList &knownFeatureIds();
bool isKnownFeature(QStringView id);

} // namespace airlock
