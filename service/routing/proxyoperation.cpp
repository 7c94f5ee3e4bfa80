#include "proxyoperation.h"

#include <QLoggingCategory>
#include <QTimer>

Q_LOGGING_CATEGORY(lcProxy, "airlock.upstream.proxy", QtWarningMsg)

namespace airlock::routing {

using http::ApiError;
using http::HttpExchange;

ApiError upstreamFailure(const QString &name, const upstream::UpstreamError &error)
{
    return error.isTimeout()
        ? ApiError::make(504, QStringLiteral("upstream_timeout"),
                         QStringLiteral("model endpoint \"%1\" timed out: %2").arg(name, error.message))
        : ApiError::make(502, QStringLiteral("upstream_unavailable"),
                         QStringLiteral("model endpoint \"%1\" failed: %2").arg(name, error.message));
}

QPointer<ProxyOperation> ProxyOperation::start(std::unique_ptr<HttpExchange> exchange, ProxyJob job,
                                               upstream::UpstreamClient *client, std::unique_ptr<ResponseRelay> relay,
                                               RequestObserver *observer)
{
    QPointer<ProxyOperation> op(
        new ProxyOperation(std::move(exchange), std::move(job), client, std::move(relay), observer));
    op->run();
    return op;
}

ProxyOperation::ProxyOperation(std::unique_ptr<HttpExchange> exchange, ProxyJob job, upstream::UpstreamClient *client,
                               std::unique_ptr<ResponseRelay> relay, RequestObserver *observer)
    : m_exchange(std::move(exchange))
    , m_job(std::move(job))
    , m_client(client)
    , m_relay(std::move(relay))
    , m_observer(observer)
{
    RequestRecord &record = m_exchange->record();
    const ModelEndpoint &endpoint = m_job.endpoint->endpoint;
    record.modelEndpoint = endpoint.name;
    record.modelIdentifier = endpoint.identifier;
    record.modelFamily = familyName(endpoint.family);
    record.stream = m_job.stream;
}

ProxyOperation::~ProxyOperation()
{
    stopUpstream();
    if (m_ticket)
        m_job.endpoint->limiter->cancel(m_ticket);
}

void ProxyOperation::run()
{
    m_exchange->onClientGone([this] { clientGone(); });
    if (m_job.startDelayMs > 0) {
        QTimer::singleShot(m_job.startDelayMs, this, [this] {
            if (!m_done)
                acquireSlot();
        });
        return;
    }
    acquireSlot();
}

void ProxyOperation::acquireSlot()
{
    QPointer<ProxyOperation> self(this);
    const auto ticket = m_job.endpoint->limiter->acquire(this, [self](upstream::EndpointLimiter::Slot slot, bool granted) {
        if (!self)
            return; // the slot releases itself
        self->m_ticket = 0;
        if (self->m_done)
            return;
        if (!granted) {
            self->m_exchange->addResponseHeader("Retry-After", "1");
            self->fail(ApiError::make(503, QStringLiteral("endpoint_busy"),
                                      QStringLiteral("model endpoint \"%1\" is at its concurrency limit; retry later")
                                          .arg(self->m_job.endpoint->endpoint.name)));
            return;
        }
        self->m_slot = std::move(slot);
        self->sendUpstream();
    });
    if (self && !m_done && !m_slot.isValid())
        m_ticket = ticket;
}

void ProxyOperation::sendUpstream()
{
    const routing::EndpointRuntime &endpoint = *m_job.endpoint;
    m_exchange->record().queueMs = m_exchange->elapsedMs();
    m_upstreamTimer.start();
    m_upstreamRunning = true;
    if (m_observer)
        m_observer->upstreamStarted(m_exchange->record());
    upstream::UpstreamRequest request;
    request.url = m_job.url;
    request.body = std::move(m_job.body);
    request.timeouts = endpoint.endpoint.timeouts;
    request.headers.reserve(4);
    request.headers.emplaceBack("Content-Type", "application/json");
    request.headers.emplaceBack("Accept", m_job.stream ? "text/event-stream" : "application/json");
    if (!endpoint.authorization.isEmpty())
        request.headers.emplaceBack("Authorization", endpoint.authorization);
    const QByteArray requestId = m_exchange->request().header("x-request-id");
    if (!requestId.isEmpty())
        request.headers.emplaceBack("X-Request-ID", requestId);
    m_call = m_client->start(std::move(request), this);
}

void ProxyOperation::onHead(const upstream::UpstreamResponseHead &head)
{
    m_exchange->record().upstreamFirstByteMs = m_upstreamTimer.nsecsElapsed() / 1e6;
    if (head.status >= 400)
        m_exchange->record().errorCode = QStringLiteral("upstream_status_%1").arg(head.status);
    m_relay->head(*m_exchange, head.status, head.header("content-type"));
}

void ProxyOperation::onBody(QByteArrayView bytes)
{
    if (auto refusal = m_relay->body(*m_exchange, bytes)) {
        stopUpstream();
        fail(*refusal);
    }
}

void ProxyOperation::onComplete()
{
    m_call.clear();
    upstreamEnded();
    m_relay->complete(*m_exchange);
    done();
}

void ProxyOperation::onError(const upstream::UpstreamError &error)
{
    m_call.clear();
    upstreamEnded();
    qCInfo(lcProxy) << "upstream" << m_job.endpoint->endpoint.name << "failed:" << error.message;
    fail(upstreamFailure(m_job.endpoint->endpoint.name, error));
}

void ProxyOperation::cancel(const ApiError &error)
{
    if (m_done)
        return;
    stopUpstream();
    fail(error);
}

void ProxyOperation::fail(const ApiError &error)
{
    if (m_done)
        return;
    if (m_exchange->record().errorCode.isEmpty() || error.status >= 500)
        m_exchange->record().errorCode = error.code;
    m_exchange->record().errorMessage = error.message;
    m_relay->error(*m_exchange, error);
    done();
}

void ProxyOperation::upstreamEnded()
{
    if (!m_upstreamRunning)
        return;
    m_upstreamRunning = false;
    m_exchange->record().upstreamMs = m_upstreamTimer.nsecsElapsed() / 1e6;
    if (m_observer)
        m_observer->upstreamFinished(m_exchange->record());
}

void ProxyOperation::stopUpstream()
{
    if (m_call) {
        m_call->abort();
        m_call.clear();
    }
    upstreamEnded();
}

void ProxyOperation::done()
{
    if (m_done)
        return;
    m_done = true;
    if (m_ticket) { // still queued for a slot: leave the queue
        m_job.endpoint->limiter->cancel(m_ticket);
        m_ticket = 0;
    }
    m_slot.release();
    deleteLater();
}

void ProxyOperation::clientGone()
{
    if (m_done)
        return;
    // Stop the model server now: nobody will read what it generates.
    stopUpstream();
    done();
}

} // namespace airlock::routing
