#pragma once

// Decides which model endpoint serves a request. Dialect-free: a dialect adapter turns what the client
// named (an OpenAI `model`, a GitLab feature) into a lookup here and maps the error codes to its own
// statuses and bodies.

#include "configsnapshot.h"
#include "result.h"

namespace airlock::routing {

struct Route
{
    // The endpoint the first try goes to (picked by the route's split and health, balancer.h); a
    // dialect builds its upstream request for it. Retries and fallbacks follow `plan`.
    const EndpointRuntime *endpoint = nullptr;
    const RoutePlan *plan = nullptr;
    QString feature; // the feature id the request was routed by; empty when it named a model endpoint
};

// `name` is a feature id (routed to its assignment) or a registered model endpoint's name.
// Error codes: "feature_disabled", "feature_unassigned", "model_not_found".
Result<Route> resolveModel(const ConfigSnapshot &snapshot, const QString &name);
// Routes a feature to its assigned endpoint. Error codes: "feature_disabled", "feature_unassigned".
Result<Route> resolveFeature(const ConfigSnapshot &snapshot, const QString &feature);

} // namespace airlock::routing
