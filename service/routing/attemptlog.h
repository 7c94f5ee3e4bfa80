#pragma once

// The request log's account of every try at a model server (RequestRecord::attemptsJson): a JSON array,
// oldest first, of
//   {"endpoint": "m1", "replica": "http://10.0.0.5:8000/v1", "status": 503, "first_byte_ms": 12.5,
//    "ms": 13.1, "bytes": 120, "end": "status_503", "hedge": true}
// `end` says how the try ended: "ok" (its answer was used to the end), "connect_failed", "timeout",
// "closed" (the server closed or reset the connection), "status_<n>" (retried or answered on), "failed_after_head"
// (the answer broke after it had started), "hedge_lost", "cancelled" (the client left, the request was
// superseded or its deadline passed). ASCII only; built with byte appends on the hot path.

#include <QByteArray>
#include <QByteArrayView>

namespace airlock::routing {

struct AttemptEntry
{
    QByteArrayView endpoint; // the endpoint's name (ASCII: validateEndpoint), EndpointRuntime::nameAscii
    QByteArrayView replica;  // the replica's API root, encoded: ReplicaRuntime::apiRootEncoded
    int status = 0;     // 0: no response head
    double firstByteMs = -1;
    double ms = 0;
    qint64 bytes = 0;
    QByteArrayView end;
    bool hedge = false;
};

void appendAttempt(QByteArray &json, const AttemptEntry &entry);

// Milliseconds with at most three decimals and no trailing zeros ("12.5", "0.001", "7"), as integers:
// the hot path's number format (QByteArray::number(double) costs an order of magnitude more).
void appendMilliseconds(QByteArray &out, double ms);

} // namespace airlock::routing
