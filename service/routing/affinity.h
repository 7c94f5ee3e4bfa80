#pragma once

// Prefix affinity inside a model endpoint: bounded-load consistent hashing, as weighted rendezvous
// hashing. Every replica gets a score from the affinity key (user and file) and its own key; the request
// goes to the best-scoring replica in rotation unless that one already has more than its bounded share
// of the endpoint's requests in flight (maxLoadPercent of its weight's share of all of them, plus
// this one), then to the next best. The same key keeps landing on the same replica while it is healthy
// and not overloaded, so a model server's prefix cache (vLLM prefix caching, llama.cpp slots) is reused;
// adding or removing a replica moves only the keys that scored best on it.

#include "balancer.h"

#include <QByteArrayView>

namespace airlock::routing {

// nullptr: no replica in rotation that `tried` does not hold, or every one is over its bound: the
// caller falls back to pickReplica.
const ReplicaRuntime *pickAffineReplica(const EndpointRuntime &endpoint, QByteArrayView key, int maxLoadPercent,
                                        const TriedReplicas &tried, qint64 nowMs);

} // namespace airlock::routing
