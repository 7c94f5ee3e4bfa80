#pragma once

// Code suggestion telemetry: the `telemetry` array GitLab's code suggestion requests carry (per model
// engine, model and language: requests, accepts, errors since the client's last report). Parsed on
// the request log's writer thread; pure functions, any thread.

#include <QByteArray>
#include <QList>
#include <QString>

namespace airlock::storage {

struct TelemetryItem {
    QString modelEngine;
    QString modelName;
    QString lang;
    qint64 requests = 0;
    qint64 accepts = 0;
    qint64 errors = 0;
};

// Parses a `telemetry` array. Invalid items, and items that count nothing, are skipped; names are cut
// to 50 characters and at most 10 items are kept (GitLab's schema limits).
QList<TelemetryItem> parseTelemetry(const QByteArray &json);

} // namespace airlock::storage
