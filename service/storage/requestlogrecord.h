#pragma once

// A request record as the request log stores it: its id, the overflow-marker flag and its parsed
// telemetry, and the JSON that admin API answers and live log messages show of it. Values only: a
// StoredBatch goes from the writer thread to listeners on other threads by shared_ptr to const.

#include "requestrecord.h"
#include "suggestiontelemetry.h"

#include <QJsonObject>
#include <QList>

namespace airlock::storage {

// Record flags stored in request_log.flags.
enum RecordFlag : int {
    FlagStream = 1,
    FlagCached = 2,
    FlagSuperseded = 4,
    FlagBodies = 8,
    FlagOverflowMarker = 16, // a synthetic row: records were dropped (message says how many and when)
};

// A record as written: what the writer thread hands on (live logs, metrics) once committed.
struct StoredRecord {
    qint64 id = 0;
    RequestRecord record;
    bool overflowMarker = false;
    QList<TelemetryItem> telemetry; // record.telemetryJson parsed by insertBatch (parsed once)
};
using StoredBatch = QList<StoredRecord>;

// request_log.flags of `stored`.
int recordFlags(const StoredRecord &stored);

// The JSON of one record in admin API answers and live log messages (bodies only if `withBodies`).
QJsonObject recordToJson(const StoredRecord &stored, bool withBodies = false);

} // namespace airlock::storage
