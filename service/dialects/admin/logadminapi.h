#pragma once

// The request log's part of the admin API (all JSON, admin gate unless noted):
//   GET  /api/v1/logs              newest first; filters: from, to (epoch ms or ISO-8601), feature, user,
//                                  model, status, status_class (2..5), errors=1, q (text in captured
//                                  bodies); limit (1..1000, default 100); cursor (from next_cursor)
//   GET  /api/v1/logs/{id}         one record in full, captured bodies included
//   GET  /api/v1/logs/aggregate    per-step series (step seconds, default 60) of requests, rps, errors,
//                                  error rate, p50/p95/p99, tokens, Airlock's own time; group=feature|model;
//                                  filters feature, model; plus totals by feature and by model
//   GET  /api/v1/logs/settings     capture_bodies, retention_days, max_rows, max_bytes
//   PUT  /api/v1/logs/settings     change them (application/json; stored; applied at once)
//   GET  /api/v1/telemetry         code suggestion acceptance per day x model x language, per language,
//                                  per model; daily unique users (from, to: yyyy-MM-dd)
//   WS   /api/v1/logs/live         live records (see livelog.h)
//   GET  /metrics                  Prometheus text. Not behind the admin gate: scrapers rarely hold the
//                                  admin token, and should not. Allowed from loopback peers (the admin
//                                  listener is on 127.0.0.1 by default: a local agent scrapes it), and
//                                  from anywhere with `Authorization: Bearer <metrics token>`
//                                  (--metrics-token-file, see loggingsettings.h; a read-only credential
//                                  distinct from the admin token) or with the admin token. Metrics hold
//                                  no secrets.
//
// Runs on the admin thread with that thread's own Database connection (queries are indexed; see
// requestlogstore.h).

#include "storage/requestlogstore.h"

#include <QByteArray>

#include <memory>

namespace airlock {
class Database;
}
namespace airlock::auth {
class AdminGate;
}
namespace airlock::logging {
class LiveLogHub;
class RequestLogger;
}
namespace airlock::metrics {
class GatewayMetrics;
}

namespace airlock::admin {

class AdminServer;

struct LogSettings
{
    bool captureBodies = false;
    storage::RetentionPolicy retention;
    QJsonObject toJson() const;
    // Applies the keys present in `json` over *this; error names the field.
    Status update(const QJsonObject &json);
};

class LogAdminApi
{
public:
    LogAdminApi(Database &db, logging::RequestLogger &logger, logging::LiveLogHub &hub, metrics::GatewayMetrics &metrics,
                auth::AdminGate *gate, QByteArray metricsToken);
    ~LogAdminApi();

    // Reads the stored settings (ConfigStore setting "request_log"; absent: the logger's own) and applies
    // them to the logger. A stored value that does not parse is ignored with a warning.
    Status loadSettings();
    void registerRoutes(AdminServer &server);

private:
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace airlock::admin
