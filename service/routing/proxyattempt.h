#pragma once

// One try of a ProxyOperation at one replica: the upstream call, its timings, and the callbacks that
// tell the operation which try spoke. Internal to routing/proxyoperation.cpp.

#include "configsnapshot.h"
#include "upstream/upstreamclient.h"

#include <QElapsedTimer>
#include <QPointer>

namespace airlock::routing {

class ProxyOperation;

class ProxyAttempt final : public upstream::UpstreamCallHandler
{
public:
    ProxyAttempt(ProxyOperation *operation, const EndpointRuntime *endpoint, const ReplicaRuntime *replica, bool hedge,
                 bool retry);
    ~ProxyAttempt() override;

    void onHead(const upstream::UpstreamResponseHead &head) override;
    void onBody(QByteArrayView bytes) override;
    void onComplete() override;
    void onError(const upstream::UpstreamError &error) override;

    // Aborts the call if it still runs; the try ends with `end` (attemptlog.h).
    void stop(QByteArrayView end);

    ProxyOperation *const operation;
    const EndpointRuntime *const endpoint;
    const ReplicaRuntime *const replica;
    const bool hedge;
    bool holdsRetryBudget = false;
    QPointer<upstream::UpstreamCall> call;
    QElapsedTimer timer;
    double firstByteMs = -1;
    qint64 bytes = 0;
    int status = 0;
    bool running = true;
    QByteArray end;
};

} // namespace airlock::routing
