#pragma once

// Who may use the admin API, and where admin changes are recorded. The admin API
// (dialects/admin/adminserver.h) asks an AdminGate for every request and tells an AuditSink about every
// change; auth implements both (admincredential.h, authmodule.h).

#include "http/httpexchange.h"
#include "result.h"

#include <QByteArray>
#include <QHostAddress>
#include <QString>

namespace airlock::auth {

// Who called the admin API (for the audit log).
struct AdminCaller
{
    QString actor; // "admin@127.0.0.1"
    QHostAddress peer;
};

// Decides whether a request may use the admin API (auth/admincredential.h: the hashed admin token with
// back-off). Error codes: "unauthorized" (401), "too_many_attempts" (429; Error::field = Retry-After s).
class AdminGate
{
public:
    virtual ~AdminGate() = default;
    virtual Result<AdminCaller> admit(const http::HttpRequest &request) = 0;
};

// Receives every admin change: who, what, on what, before and after (JSON, redacted by the sink).
class AuditSink
{
public:
    virtual ~AuditSink() = default;
    virtual void record(const AdminCaller &caller, const QString &action, const QString &target,
                        const QByteArray &before, const QByteArray &after) = 0;
};

} // namespace airlock::auth
