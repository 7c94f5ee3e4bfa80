#pragma once

// Routes and replicas as the console's forms hold them: plain lists of maps that QML edits and hands
// back, converted to and from the shared types (routeconfig.h, modelendpoint.h).
//
//   tiers:    [[{"model": "m1", "weight": 90, "percent": 90}, {"model": "m2", "weight": 10, "percent": 10}],
//              [{"model": "m3", "weight": 1, "percent": 100}]]     (fallback order; percent: share in its tier)
//   replicas: [{"baseUrl": "http://gpu-1:8000/v1", "weight": 1}, ...]
//
// The conversions keep what the admin typed (no clamping, no dropping): the shared validation and the
// gateway name what is wrong ("features.code_completions.tiers[1][0].weight ...").

#include "modelendpoint.h"
#include "routeconfig.h"

#include <QVariantList>

namespace airlock {

// Each target's share of its tier in whole percent (rounded; weights below 1 count as 0).
QList<int> tierPercents(const QList<RouteTarget> &tier);

// The route's tiers with each target's percent.
QVariantList routeToTiers(const ModelRoute &route);
// `tiers` as routeToTiers gives them ("percent" is ignored). A weight that is not a number reads as 0.
ModelRoute routeFromTiers(const QVariantList &tiers);
// Whether `route` is one model with nothing else: such a route is saved as the plain model name.
bool isSingleModel(const ModelRoute &route);

QVariantList replicasToList(const QList<ModelReplica> &replicas);
QList<ModelReplica> replicasFromList(const QVariantList &replicas);

} // namespace airlock
