#pragma once

// The admin API: a separate listener (127.0.0.1 by default) guarded by a bearer admin token compared in
// constant time. Routes (all JSON):
//   GET /api/v1/info     name, version, listen addresses, workers
//   GET /api/v1/config   the declarative configuration in force (secrets left out)
//   PUT /api/v1/config   replace it (validated, stored, then swapped in for new requests)
// Errors: {"error":{"code":"...","message":"..."}} with 400/401/404/405/415.

#include "gatewayconfig.h"
#include "gatewayoptions.h"
#include "result.h"

#include <QObject>

#include <memory>

namespace airlock::admin {

class AdminBackend
{
public:
    virtual ~AdminBackend() = default;
    virtual QJsonObject info() const = 0;
    virtual GatewayConfig currentConfig() const = 0;
    virtual Status applyConfig(const GatewayConfig &config) = 0;
};

class AdminServer : public QObject
{
    Q_OBJECT
public:
    AdminServer(AdminBackend &backend, QByteArray adminToken, const ServerLimits &limits, QObject *parent = nullptr);
    ~AdminServer() override;

    Result<quint16> listen(const ListenAddress &address);

private:
    struct Private;
    std::unique_ptr<Private> d;
};

// Constant-time comparison of secrets (the time depends on the lengths only).
bool constantTimeEquals(QByteArrayView a, QByteArrayView b);

} // namespace airlock::admin
