#include "proxyoperation.h"

#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcProxy, "airlock.upstream.proxy", QtWarningMsg)

namespace airlock::http {

namespace {

// A whole (non-streamed) answer larger than this is refused rather than buffered without bound.
constexpr qsizetype kMaxBufferedAnswer = 64 * 1024 * 1024;

} // namespace

void ProxyOperation::start(std::unique_ptr<HttpExchange> exchange, ProxyJob job, upstream::UpstreamClient *client,
                           ErrorWriter errorWriter, RequestObserver *observer)
{
    auto *op = new ProxyOperation(std::move(exchange), std::move(job), client, std::move(errorWriter), observer);
    op->run();
}

ProxyOperation::ProxyOperation(std::unique_ptr<HttpExchange> exchange, ProxyJob job, upstream::UpstreamClient *client,
                               ErrorWriter errorWriter, RequestObserver *observer)
    : m_exchange(std::move(exchange))
    , m_job(std::move(job))
    , m_client(client)
    , m_errorWriter(std::move(errorWriter))
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
    upstreamEnded();
    if (m_call)
        m_call->abort();
    if (m_ticket)
        m_job.endpoint->limiter->cancel(m_ticket);
}

void ProxyOperation::run()
{
    m_exchange->onClientGone([this] { clientGone(); });
    QPointer<ProxyOperation> self(this);
    const auto ticket = m_job.endpoint->limiter->acquire(this, [self](upstream::EndpointLimiter::Slot slot, bool granted) {
        if (!self)
            return; // the slot releases itself
        self->m_ticket = 0;
        if (!granted) {
            self->fail(ApiError::make(503, QStringLiteral("endpoint_busy"),
                                      QStringLiteral("model endpoint \"%1\" is at its concurrency limit; retry later")
                                          .arg(self->m_job.endpoint->endpoint.name)));
            return;
        }
        self->m_slot = std::move(slot);
        self->sendUpstream();
    });
    if (self)
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
    m_status = head.status;
    if (m_status >= 400)
        m_exchange->record().errorCode = QStringLiteral("upstream_status_%1").arg(m_status);
    m_contentType = head.header("content-type");
    if (m_status >= 200 && m_status < 300 && m_contentType.startsWith("text/event-stream")) {
        m_streaming = true;
        m_exchange->beginStream(200, "text/event-stream",
                                {{"Cache-Control", "no-cache"}, {"X-Accel-Buffering", "no"}});
    }
}

void ProxyOperation::onBody(QByteArrayView bytes)
{
    if (m_streaming) {
        m_exchange->writeChunk(bytes);
        return;
    }
    if (m_body.size() + bytes.size() > kMaxBufferedAnswer) {
        if (m_call)
            m_call->abort();
        fail(ApiError::make(502, QStringLiteral("upstream_answer_too_large"),
                            QStringLiteral("model endpoint \"%1\" sent an answer larger than %2 bytes")
                                .arg(m_job.endpoint->endpoint.name)
                                .arg(kMaxBufferedAnswer)));
        return;
    }
    m_body.append(bytes);
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

void ProxyOperation::onComplete()
{
    m_call.clear();
    upstreamEnded();
    if (m_streaming) {
        m_exchange->endStream();
    } else {
        // Upstream 4xx/5xx pass through with their body: the model server's message is the useful one.
        m_exchange->respond(m_status, m_contentType.isEmpty() ? QByteArrayView("application/json") : m_contentType,
                            m_body);
    }
    done();
}

void ProxyOperation::onError(const upstream::UpstreamError &error)
{
    m_call.clear();
    upstreamEnded();
    const QString name = m_job.endpoint->endpoint.name;
    qCInfo(lcProxy) << "upstream" << name << "failed:" << error.message;
    ApiError apiError = error.isTimeout()
        ? ApiError::make(504, QStringLiteral("upstream_timeout"),
                         QStringLiteral("model endpoint \"%1\" timed out: %2").arg(name, error.message))
        : ApiError::make(502, QStringLiteral("upstream_unavailable"),
                         QStringLiteral("model endpoint \"%1\" failed: %2").arg(name, error.message));
    if (m_streaming) {
        // The status line is gone; end the event stream with an error event the client can read.
        const QByteArray event = "data: " + openAiErrorBody(apiError) + "\n\n";
        m_exchange->writeChunk(event);
        m_exchange->endStream();
        done();
        return;
    }
    fail(apiError);
}

void ProxyOperation::fail(const ApiError &error)
{
    if (m_done)
        return;
    if (!m_exchange->responseStarted())
        m_errorWriter(*m_exchange, error);
    else
        m_exchange->abortStream();
    done();
}

void ProxyOperation::done()
{
    if (m_done)
        return;
    m_done = true;
    m_slot.release();
    deleteLater();
}

void ProxyOperation::clientGone()
{
    if (m_done)
        return;
    // Stop the model server now: nobody will read what it generates.
    if (m_call) {
        m_call->abort();
        m_call.clear();
    }
    upstreamEnded();
    if (m_ticket) {
        m_job.endpoint->limiter->cancel(m_ticket);
        m_ticket = 0;
    }
    done();
}

} // namespace airlock::http
