#pragma once

// One request relayed to a model server: waits for a concurrency slot on the endpoint, sends the
// request, hands the answer to the dialect's ResponseRelay (which writes the client's response: passed
// through, reshaped, streamed), and aborts the upstream request the moment the client goes away.
// Dialect-free: the adapter that starts it decides the upstream body and supplies the relay.
//
// Lifetime: created with new, deletes itself when the response is finished or the client left.

#include "http/httpexchange.h"
#include "configsnapshot.h"
#include "upstream/upstreamclient.h"

#include <QElapsedTimer>
#include <QObject>

#include <functional>
#include <memory>
#include <optional>

namespace airlock::routing {

struct ProxyJob
{
    std::shared_ptr<const routing::ConfigSnapshot> snapshot; // keeps the endpoint alive
    const routing::EndpointRuntime *endpoint = nullptr;
    QUrl url;
    QByteArray body;
    bool stream = false;
    int startDelayMs = 0; // wait this long before asking for a slot (typing-burst debounce)
    QString feature;                        // the feature routed by; empty when a model endpoint was named
    std::shared_ptr<const void> authLease;  // the caller's per-user/per-token concurrency places (auth)
};

// How a dialect turns the model server's answer into its client's response.
class ResponseRelay
{
public:
    virtual ~ResponseRelay() = default;
    // The model server's status line and headers arrived.
    virtual void head(http::HttpExchange &exchange, int status, const QByteArray &contentType) = 0;
    // Body bytes (de-chunked) as they arrive. Returning an error stops the exchange: the upstream
    // request is aborted and error() is called with it.
    virtual std::optional<http::ApiError> body(http::HttpExchange &exchange, QByteArrayView bytes) = 0;
    // The model server finished its answer: finish the response.
    virtual void complete(http::HttpExchange &exchange) = 0;
    // The exchange failed before the answer was complete: upstream unreachable (502), timed out (504),
    // no slot on the endpoint (503), or body() refused. The relay writes the dialect's error, or ends a
    // response it has already started as well as it can.
    virtual void error(http::HttpExchange &exchange, const http::ApiError &error) = 0;
};

class ProxyOperation : public QObject, private upstream::UpstreamCallHandler
{
    Q_OBJECT
public:
    // Returns the operation (owned by itself) so that callers may abort it, e.g. when superseded.
    static QPointer<ProxyOperation> start(std::unique_ptr<http::HttpExchange> exchange, ProxyJob job,
                                          upstream::UpstreamClient *client, std::unique_ptr<ResponseRelay> relay,
                                          RequestObserver *observer = nullptr);
    ~ProxyOperation() override;

    // Stops now: aborts the upstream request, answers the client with `error` through the relay.
    void cancel(const http::ApiError &error);

private:
    ProxyOperation(std::unique_ptr<http::HttpExchange> exchange, ProxyJob job, upstream::UpstreamClient *client,
                   std::unique_ptr<ResponseRelay> relay, RequestObserver *observer);
    void run();
    void acquireSlot();
    void sendUpstream();
    void fail(const http::ApiError &error);
    void done();
    void clientGone();
    void upstreamEnded();
    void stopUpstream();

    void onHead(const upstream::UpstreamResponseHead &head) override;
    void onBody(QByteArrayView bytes) override;
    void onComplete() override;
    void onError(const upstream::UpstreamError &error) override;

    std::unique_ptr<http::HttpExchange> m_exchange;
    ProxyJob m_job;
    upstream::UpstreamClient *m_client;
    std::unique_ptr<ResponseRelay> m_relay;
    RequestObserver *m_observer;
    upstream::EndpointLimiter::Slot m_slot;
    upstream::EndpointLimiter::Ticket m_ticket = 0;
    QPointer<upstream::UpstreamCall> m_call;
    QElapsedTimer m_upstreamTimer;
    bool m_upstreamRunning = false;
    bool m_done = false;
};

// The status and error for an upstream failure (502 unreachable / 504 timeout), naming the endpoint.
http::ApiError upstreamFailure(const QString &endpointName, const upstream::UpstreamError &error);

} // namespace airlock::routing
