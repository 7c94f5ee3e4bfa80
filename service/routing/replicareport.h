#pragma once

// What the replicas of a configuration are doing, for people and for Prometheus: the JSON the readiness
// check and the admin API show per replica, and the per-replica metric families on /metrics.
//
//   airlock_replica_health{endpoint,replica,state}        gauge, 1 for the replica's state, 0 for the others
//                                                           (state: ready, not_ready, dead, ejected)
//   airlock_replica_outstanding_requests{endpoint,replica} gauge
//   airlock_replica_attempts_total / _failures_total / _ejections_total / _retries_total
//   airlock_replica_hedges_sent_total / _hedges_won_total   counters
//   airlock_replica_ttfb_p95_seconds{endpoint,replica}     gauge, the recent answers' time to first byte
//                                                           (absent until enough answers were seen)
//   airlock_replica_ttfb_seconds{endpoint,replica}         histogram of the answered tries' time to first
//                                                           byte (buckets kTtfbBucketsSeconds, 25 ms .. 60 s)
//
// `replica` is the replica's OpenAI API root (its base URL with one "/v1"). Thread-safe: reads the
// replicas' atomics and their small mutex only.

#include "configsnapshot.h"

#include <QByteArray>
#include <QJsonArray>
#include <QJsonObject>
#include <QString>

namespace airlock::routing {

// "ready" (in rotation), "not_ready" (the probe says it is loading or not serving the model), "dead"
// (the probe got no answer or a server error), "ejected" (passive health took it out for a while).
// A replica not probed (yet) and not ejected is "ready": it takes traffic.
QString replicaHealthName(const ReplicaState &replica, qint64 nowMs);

// {"replica": <api root>, "state": ..., "probe": "unknown"|"ready"|"not_ready"|"down",
//  "error": <last probe detail, when not ready>, "outstanding": n, "ejected_for_ms": <ms the ejection still lasts> (when ejected),
//  "ttfb_p95_ms": <the recent answers' p95 time to first byte> (once enough answers were seen)}
QJsonObject replicaJson(const ReplicaState &replica, qint64 nowMs);
// Every replica of `endpoint`, in configuration order.
QJsonArray replicasJson(const EndpointRuntime &endpoint, qint64 nowMs);

// Appends the per-replica families for every replica of `snapshot` (sorted by endpoint, then replica).
void writeReplicaMetrics(const ConfigSnapshot &snapshot, QByteArray &out);

} // namespace airlock::routing
