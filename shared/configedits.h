#pragma once

// Single edits of a GatewayConfig as the console makes them, keeping routes consistent: assigning one
// model to a feature replaces its route; renaming a model renames it in every route; removing a model
// takes it out of every route (an emptied tier goes, an emptied route leaves the feature disabled).
// The result still goes through validateGatewayConfig on the gateway.

#include "gatewayconfig.h"

namespace airlock {

// `modelOrDisabled`: a model name or kDisabled. The feature's route, if any, is dropped.
void assignFeatureModel(GatewayConfig &config, const QString &feature, const QString &modelOrDisabled);
void renameModelReferences(GatewayConfig &config, const QString &from, const QString &to);
// Features that are left with no model become disabled.
void removeModelReferences(GatewayConfig &config, const QString &name);

} // namespace airlock
