#pragma once

// One request relayed to a model server: waits for a concurrency slot on the endpoint, sends the
// request, relays the answer (streamed as it arrives, or whole), maps upstream failures to errors, and
// aborts the upstream request the moment the client goes away. Dialect-free: the adapter that created
// it decides the body sent upstream and how errors are written.
//
// Lifetime: created with new, deletes itself when the response is finished or the client left.

#include "httpexchange.h"
#include "routing/configsnapshot.h"
#include "upstream/upstreamclient.h"

#include <QElapsedTimer>
#include <QObject>

#include <functional>
#include <memory>

namespace airlock::http {

struct ProxyJob
{
    std::shared_ptr<const routing::ConfigSnapshot> snapshot; // keeps the endpoint alive
    const routing::EndpointRuntime *endpoint = nullptr;
    QUrl url;
    QByteArray body;
    bool stream = false;
};

class ProxyOperation : public QObject, private upstream::UpstreamCallHandler
{
    Q_OBJECT
public:
    // How the dialect writes an error (status, code, message) before a response started.
    using ErrorWriter = std::function<void(HttpExchange &, const ApiError &)>;

    static void start(std::unique_ptr<HttpExchange> exchange, ProxyJob job, upstream::UpstreamClient *client,
                      ErrorWriter errorWriter, RequestObserver *observer = nullptr);
    ~ProxyOperation() override;

private:
    ProxyOperation(std::unique_ptr<HttpExchange> exchange, ProxyJob job, upstream::UpstreamClient *client,
                   ErrorWriter errorWriter, RequestObserver *observer);
    void upstreamEnded();
    void run();
    void sendUpstream();
    void fail(const ApiError &error);
    void done();
    void clientGone();

    void onHead(const upstream::UpstreamResponseHead &head) override;
    void onBody(QByteArrayView bytes) override;
    void onComplete() override;
    void onError(const upstream::UpstreamError &error) override;

    std::unique_ptr<HttpExchange> m_exchange;
    ProxyJob m_job;
    upstream::UpstreamClient *m_client;
    ErrorWriter m_errorWriter;
    RequestObserver *m_observer;
    QElapsedTimer m_upstreamTimer;
    bool m_upstreamRunning = false;
    upstream::EndpointLimiter::Slot m_slot;
    upstream::EndpointLimiter::Ticket m_ticket = 0;
    QPointer<upstream::UpstreamCall> m_call;
    int m_status = 0;
    QByteArray m_contentType;
    QByteArray m_body;
    bool m_streaming = false;
    bool m_done = false;
};

} // namespace airlock::http
