#pragma once

// Which server takes the next try of a request.
//
// Inside an endpoint: power of two choices by least outstanding requests per weight, among the replicas
// in rotation (not ejected, probe not failing) that this request has not tried yet. When none of the
// endpoint's replicas is in rotation, the untried ones are used anyway, least loaded first: health
// tracking never causes an outage of its own.
//
// Across a route: a weighted random pick in the first tier among endpoints that still have a replica
// in rotation; later tiers (fallbacks) only when no endpoint of an earlier tier has one. When no endpoint
// of the whole route has a replica in rotation, the first endpoint not yet exhausted is used.

#include "configsnapshot.h"

#include <QVarLengthArray>

namespace airlock::routing {

using TriedReplicas = QVarLengthArray<const ReplicaState *, 8>;
using ExhaustedEndpoints = QVarLengthArray<const EndpointRuntime *, 4>;

// nullptr: every replica of the endpoint was tried.
const ReplicaRuntime *pickReplica(const EndpointRuntime &endpoint, const TriedReplicas &tried, qint64 nowMs);
// nullptr: every endpoint of the plan is exhausted.
const EndpointRuntime *pickEndpoint(const RoutePlan &plan, const ExhaustedEndpoints &exhausted, qint64 nowMs);

// Whether the endpoint has a replica in rotation that is not in `tried`.
bool hasAvailableReplica(const EndpointRuntime &endpoint, const TriedReplicas &tried, qint64 nowMs);

} // namespace airlock::routing
