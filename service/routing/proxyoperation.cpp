#include "proxyoperation.h"

#include "affinity.h"
#include "attemptlog.h"
#include "balancer.h"
#include "proxyattempt.h"

#include <QLoggingCategory>
#include <QTimer>
#include <QTimerEvent>

#include <algorithm>
#include <utility>

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

namespace {

bool retryableStatus(int status)
{
    return status == 429 || status == 502 || status == 503 || status == 504;
}

// Retry-After in whole seconds (the form model servers send), as milliseconds; -1 when absent or an HTTP
// date (not worth parsing for a wait that must fit a deadline of seconds).
int retryAfterMs(const upstream::UpstreamResponseHead &head)
{
    bool ok = false;
    const int seconds = head.header("retry-after").trimmed().toInt(&ok);
    return ok && seconds >= 0 && seconds <= 3600 ? seconds * 1000 : -1;
}

QByteArray endOf(const upstream::UpstreamError &error)
{
    if (error.isTimeout())
        return "timeout";
    if (error.kind == upstream::UpstreamError::Kind::ConnectFailed)
        return "connect_failed";
    return "closed";
}

} // namespace

// ------------------------------------------------------------------------------------------ ProxyAttempt

ProxyAttempt::ProxyAttempt(ProxyOperation *op, const EndpointRuntime *e, const ReplicaRuntime *r, bool isHedge,
                           bool retry)
    : operation(op)
    , endpoint(e)
    , replica(r)
    , hedge(isHedge)
{
    timer.start();
    replica->state->outstanding.fetch_add(1, std::memory_order_relaxed);
    replica->state->attempts.fetch_add(1, std::memory_order_relaxed);
    if (hedge)
        replica->state->hedgesSent.fetch_add(1, std::memory_order_relaxed);
    else if (retry)
        replica->state->retriesTo.fetch_add(1, std::memory_order_relaxed);
}

ProxyAttempt::~ProxyAttempt()
{
    stop("cancelled");
}

void ProxyAttempt::stop(QByteArrayView why)
{
    if (call) {
        call->abort();
        call.clear();
    }
    if (!running)
        return;
    running = false;
    if (end.isEmpty())
        end = why.toByteArray();
    replica->state->outstanding.fetch_sub(1, std::memory_order_relaxed);
    if (holdsRetryBudget) {
        holdsRetryBudget = false;
        operation->m_job.snapshot->retryBudget().retryFinished();
    }
}

void ProxyAttempt::onHead(const upstream::UpstreamResponseHead &head)
{
    firstByteMs = timer.nsecsElapsed() / 1e6;
    status = head.status;
    operation->attemptHead(this, head);
}

void ProxyAttempt::onBody(QByteArrayView data)
{
    bytes += data.size();
    operation->attemptBody(this, data);
}

void ProxyAttempt::onComplete()
{
    call.clear();
    operation->attemptComplete(this);
}

void ProxyAttempt::onError(const upstream::UpstreamError &error)
{
    call.clear();
    operation->attemptError(this, error);
}

// ---------------------------------------------------------------------------------------- ProxyOperation

QPointer<ProxyOperation> ProxyOperation::start(std::unique_ptr<HttpExchange> exchange,
                                               const PolicyClearance &clearance, ProxyJob job,
                                               upstream::UpstreamClient *client, std::unique_ptr<ResponseRelay> relay,
                                               RequestObserver *observer)
{
    Q_UNUSED(clearance); // its existence is the point: only the policy step makes one
    QPointer<ProxyOperation> op(
        new ProxyOperation(std::move(exchange), std::move(job), client, std::move(relay), observer));
    op->run();
    return op;
}

ProxyOperation::ProxyOperation(std::unique_ptr<HttpExchange> exchange, ProxyJob job, upstream::UpstreamClient *client,
                               std::unique_ptr<ResponseRelay> relay, RequestObserver *observer)
    : m_exchange(std::move(exchange))
    , m_job(std::move(job))
    , m_endpoint(m_job.endpoint)
    , m_client(client)
    , m_relay(std::move(relay))
    , m_observer(observer)
{
    RequestRecord &record = m_exchange->record();
    const ModelEndpoint &endpoint = m_endpoint->endpoint;
    record.modelEndpoint = endpoint.name;
    record.modelIdentifier = endpoint.identifier;
    record.modelFamily = familyName(endpoint.family);
    record.stream = m_job.stream;
}

void ProxyOperation::releasePendingRetryBudget()
{
    if (std::exchange(m_pendingRetryBudget, false))
        m_job.snapshot->retryBudget().retryFinished();
}

ProxyOperation::~ProxyOperation()
{
    stopAttempts("cancelled");
    releasePendingRetryBudget();
    upstreamEnded();
    if (m_ticket)
        m_endpoint->limiter->cancel(m_ticket);
    if (m_counted)
        m_job.snapshot->retryBudget().requestFinished();
}

void ProxyOperation::run()
{
    m_exchange->onClientGone([this] { clientGone(); });
    m_job.snapshot->retryBudget().requestStarted();
    m_counted = true;
    m_deadlineMs = m_job.snapshot->resilience().deadlineMsFor(m_job.feature);
    m_deadlineAt = routingNowMs() + m_deadlineMs;
    m_deadlineTimer.start(m_deadlineMs, Qt::CoarseTimer, this);
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
    const auto ticket = m_endpoint->limiter->acquire(this, [self](upstream::EndpointLimiter::Slot slot, bool granted) {
        if (!self)
            return; // the slot releases itself
        self->m_ticket = 0;
        if (self->m_done)
            return;
        if (!granted) {
            self->m_exchange->addResponseHeader("Retry-After", "1");
            self->fail(ApiError::make(503, QStringLiteral("endpoint_busy"),
                                      QStringLiteral("model endpoint \"%1\" is at its concurrency limit; retry later")
                                          .arg(self->m_endpoint->endpoint.name)));
            return;
        }
        self->m_slot = std::move(slot);
        self->startAttempt(false);
    });
    if (self && !m_done && !m_slot.isValid())
        m_ticket = ticket;
}

void ProxyOperation::startAttempt(bool hedge, const ReplicaRuntime *replica)
{
    const qint64 now = routingNowMs();
    if (!replica && m_attempts.empty() && !m_job.affinityKey.isEmpty()) {
        const ResilienceConfig &r = m_job.snapshot->resilience();
        if (r.affinityFeatures.contains(m_job.feature))
            replica = pickAffineReplica(*m_endpoint, m_job.affinityKey, r.affinityMaxLoadPercent, m_tried, now);
    }
    if (!replica)
        replica = pickReplica(*m_endpoint, m_tried, now);
    if (!replica) { // every replica of this endpoint was tried (only reached through a retry)
        releasePendingRetryBudget();
        m_exhausted.append(m_endpoint);
        fail(ApiError::make(502, QStringLiteral("upstream_unavailable"),
                            QStringLiteral("model endpoint \"%1\" has no replica left to try").arg(m_endpoint->endpoint.name)));
        return;
    }
    const bool retry = !m_attempts.empty() && !hedge;
    if (!m_tried.contains(replica->state.get()))
        m_tried.append(replica->state.get());
    if (m_attempts.empty()) {
        m_exchange->record().queueMs = m_exchange->elapsedMs();
        m_upstreamTimer.start();
    }
    if (!m_upstreamRunning) {
        m_upstreamRunning = true;
        if (m_observer)
            m_observer->upstreamStarted(m_exchange->record());
    }
    auto attempt = std::make_unique<ProxyAttempt>(this, m_endpoint, replica, hedge, retry);
    ProxyAttempt *raw = attempt.get();
    raw->holdsRetryBudget = std::exchange(m_pendingRetryBudget, false);
    m_attempts.push_back(std::move(attempt));
    ++m_exchange->record().attempts;

    const EndpointRuntime &endpoint = *m_endpoint;
    upstream::UpstreamRequest request;
    request.url = m_job.api == UpstreamApi::Completions  ? replica->completionsUrl
                  : m_job.api == UpstreamApi::Embeddings ? replica->embeddingsUrl
                                                         : replica->chatCompletionsUrl;
    request.body = m_job.body; // shared, not copied
    request.timeouts = endpoint.endpoint.timeouts;
    // Each try's own timeouts, cut to what is left of the request's deadline.
    const int left = int(qMax<qint64>(1, m_deadlineAt - now));
    request.timeouts.firstByteMs = qMin(request.timeouts.firstByteMs, left);
    request.timeouts.totalMs = qMin(request.timeouts.totalMs, left);
    request.timeouts.connectMs = qMin(request.timeouts.connectMs, left);
    request.headers.reserve(4);
    request.headers.emplaceBack("Content-Type", "application/json");
    request.headers.emplaceBack("Accept", m_job.stream ? "text/event-stream" : "application/json");
    if (!endpoint.authorization.isEmpty())
        request.headers.emplaceBack("Authorization", endpoint.authorization);
    const QByteArray requestId = m_exchange->request().header("x-request-id");
    if (!requestId.isEmpty())
        request.headers.emplaceBack("X-Request-ID", requestId);
    raw->call = m_client->start(std::move(request), raw);
    if (!hedge && !m_hedged && m_attempts.size() == 1)
        armHedge(*replica);
}

void ProxyOperation::armHedge(const ReplicaRuntime &first)
{
    const ResilienceConfig &r = m_job.snapshot->resilience();
    if (m_endpoint->replicas.size() < 2 || m_job.feature.isEmpty() || !r.hedgedFeatures.contains(m_job.feature))
        return;
    const double p95 = first.state->ttfbP95();
    const int delay = p95 < 0 ? r.hedgeMaxDelayMs : std::clamp(int(p95), r.hedgeMinDelayMs, r.hedgeMaxDelayMs);
    m_hedgeTimer.start(delay, Qt::PreciseTimer, this);
}

void ProxyOperation::hedgeDue()
{
    if (m_done || m_winner || m_hedged || attemptsRunning() != 1 || m_exchange->responseStarted())
        return;
    const ReplicaRuntime *other = pickReplica(*m_endpoint, m_tried, routingNowMs());
    if (!other || !other->state->available(routingNowMs()))
        return;
    if (!takeRetryBudget())
        return;
    m_hedged = true;
    startAttempt(true, other);
    qCInfo(lcProxy).noquote() << "hedged" << m_endpoint->endpoint.name << "to" << other->state->key();
}

void ProxyOperation::timerEvent(QTimerEvent *event)
{
    // Both are single shots: stop before acting, as QTimer::singleShot would.
    if (event->timerId() == m_deadlineTimer.timerId()) {
        m_deadlineTimer.stop();
        deadlinePassed();
    } else if (event->timerId() == m_hedgeTimer.timerId()) {
        m_hedgeTimer.stop();
        hedgeDue();
    } else {
        QObject::timerEvent(event);
    }
}

int ProxyOperation::attemptsRunning() const
{
    return int(std::count_if(m_attempts.cbegin(), m_attempts.cend(), [](const auto &a) { return a->running; }));
}

void ProxyOperation::recordHealth(ProxyAttempt &attempt, bool failed)
{
    ReplicaState &state = *attempt.replica->state;
    if (!failed) {
        state.recordSuccess(attempt.firstByteMs, routingNowMs(), attempt.endpoint->ejection);
        return;
    }
    const qint64 now = routingNowMs();
    state.recordFailure(now, attempt.endpoint->ejection, attempt.endpoint->mayEjectAnother(now));
}

void ProxyOperation::endAttempt(ProxyAttempt *attempt, QByteArrayView end)
{
    attempt->stop(end);
}

void ProxyOperation::stopAttempts(QByteArrayView end)
{
    for (auto &a : m_attempts)
        a->stop(end);
}

void ProxyOperation::attemptHead(ProxyAttempt *attempt, const upstream::UpstreamResponseHead &head)
{
    if (m_done || m_winner) {
        endAttempt(attempt, "cancelled");
        return;
    }
    const int status = head.status;
    if (retryableStatus(status)) {
        // 429 says "busy", not "broken": no mark against the replica's health.
        if (status != 429)
            recordHealth(*attempt, true);
        const QByteArray end = "status_" + QByteArray::number(status);
        if (attemptsRunning() > 1) { // a hedge is still out: let it answer
            endAttempt(attempt, end);
            return;
        }
        // Retried only when another try is possible; otherwise the client gets this answer as it is.
        if (auto target = findRetry(retryAfterMs(head), attempt)) {
            if (takeRetryBudget()) {
                endAttempt(attempt, end);
                beginRetry(*target);
                return;
            }
        }
    } else if (status >= 500) {
        recordHealth(*attempt, true);
    } else {
        recordHealth(*attempt, false);
    }
    // This try's answer is the client's.
    m_winner = attempt;
    if (attempt->hedge)
        attempt->replica->state->hedgesWon.fetch_add(1, std::memory_order_relaxed);
    for (auto &a : m_attempts) {
        if (a.get() != attempt)
            a->stop("hedge_lost");
    }
    m_hedgeTimer.stop();
    RequestRecord &record = m_exchange->record();
    record.upstreamFirstByteMs = m_upstreamTimer.nsecsElapsed() / 1e6;
    if (status >= 400)
        record.errorCode = QStringLiteral("upstream_status_%1").arg(status);
    m_relay->head(*m_exchange, status, head.header("content-type"));
}

void ProxyOperation::attemptBody(ProxyAttempt *attempt, QByteArrayView bytes)
{
    if (attempt != m_winner || m_done)
        return;
    if (auto refusal = m_relay->body(*m_exchange, bytes)) {
        endAttempt(attempt, "cancelled");
        upstreamEnded();
        fail(*refusal);
    }
}

void ProxyOperation::attemptComplete(ProxyAttempt *attempt)
{
    if (attempt != m_winner || m_done) {
        endAttempt(attempt, "cancelled");
        return;
    }
    endAttempt(attempt, "ok");
    upstreamEnded();
    m_relay->complete(*m_exchange);
    done();
}

void ProxyOperation::attemptError(ProxyAttempt *attempt, const upstream::UpstreamError &error)
{
    if (m_done) {
        endAttempt(attempt, "cancelled");
        return;
    }
    recordHealth(*attempt, true);
    qCInfo(lcProxy).noquote() << "upstream" << attempt->replica->state->key() << "failed:" << error.message;
    if (attempt == m_winner) {
        // The answer broke after it had started: never a silent truncation (the relay ends the response
        // the way the client's dialect marks an error).
        endAttempt(attempt, "failed_after_head");
        upstreamEnded();
        fail(upstreamFailure(attempt->endpoint->endpoint.name, error));
        return;
    }
    endAttempt(attempt, endOf(error));
    if (attemptsRunning() > 0) // a hedge is still out
        return;
    retryOrFail(upstreamFailure(attempt->endpoint->endpoint.name, error), attempt);
}

std::optional<ProxyOperation::RetryTarget> ProxyOperation::findRetry(int retryAfter, const ProxyAttempt *failed) const
{
    const ResilienceConfig &r = m_job.snapshot->resilience();
    const qint64 now = routingNowMs();
    if (m_done || m_exchange->responseStarted() || m_attempts.size() >= std::size_t(r.maxAttempts) || now >= m_deadlineAt)
        return std::nullopt;
    // Another replica of this endpoint, at once.
    if (const ReplicaRuntime *replica = pickReplica(*m_endpoint, m_tried, now))
        return RetryTarget{replica, nullptr, 0};
    // The route's next endpoint (the dialect builds its request).
    if (m_job.plan && m_job.prepare) {
        ExhaustedEndpoints exhausted = m_exhausted;
        if (!exhausted.contains(m_endpoint))
            exhausted.append(m_endpoint);
        if (const EndpointRuntime *next = pickEndpoint(*m_job.plan, exhausted, now))
            return RetryTarget{nullptr, next, 0};
    }
    // The same replica once it said when to come back, if that is before the deadline.
    if (failed && retryAfter >= 0 && now + retryAfter < m_deadlineAt)
        return RetryTarget{failed->replica, nullptr, retryAfter};
    return std::nullopt;
}

bool ProxyOperation::takeRetryBudget()
{
    const ResilienceConfig &r = m_job.snapshot->resilience();
    if (!m_job.snapshot->retryBudget().tryStartRetry(r.retryBudgetPercent, r.retryBudgetMinConcurrent))
        return false;
    m_pendingRetryBudget = true; // handed to the retry's attempt when it starts
    return true;
}

void ProxyOperation::beginRetry(const RetryTarget &target)
{
    if (target.endpoint) {
        if (!switchEndpoint(target.endpoint)) {
            // Its request could not be built: try the next one, or give up.
            if (auto again = findRetry(-1, nullptr)) {
                beginRetry(*again);
                return;
            }
            upstreamEnded();
            fail(ApiError::make(502, QStringLiteral("upstream_unavailable"),
                                QStringLiteral("no model endpoint of the route could take the request")));
            return;
        }
        // The new endpoint has its own concurrency slot: give this one back, wait for that one.
        m_slot.release();
        acquireSlot();
        return;
    }
    if (target.waitMs <= 0) {
        startAttempt(false, target.replica);
        return;
    }
    upstreamEnded();
    QTimer::singleShot(target.waitMs, this, [this, replica = target.replica] {
        if (!m_done)
            startAttempt(false, replica);
    });
}

void ProxyOperation::retryOrFail(const ApiError &error, const ProxyAttempt *failed)
{
    if (auto target = findRetry(-1, failed)) {
        if (takeRetryBudget()) {
            beginRetry(*target);
            return;
        }
    }
    upstreamEnded();
    fail(error);
}

bool ProxyOperation::switchEndpoint(const EndpointRuntime *next)
{
    if (!m_exhausted.contains(m_endpoint))
        m_exhausted.append(m_endpoint);
    auto prepared = m_job.prepare(*next);
    if (!prepared) {
        m_exhausted.append(next);
        return false;
    }
    upstreamEnded(); // the metrics' in-flight count is per endpoint
    m_endpoint = next;
    m_tried.clear(); // its replicas are all new to this request
    m_job.api = prepared->api;
    m_job.body = std::move(prepared->body);
    m_relay = std::move(prepared->relay);
    RequestRecord &record = m_exchange->record();
    record.modelEndpoint = next->endpoint.name;
    record.modelIdentifier = next->endpoint.identifier;
    record.modelFamily = familyName(next->endpoint.family);
    qCInfo(lcProxy).noquote() << "falling back to model endpoint" << next->endpoint.name;
    return true;
}

void ProxyOperation::deadlinePassed()
{
    if (m_done)
        return;
    stopAttempts("cancelled");
    upstreamEnded();
    fail(ApiError::make(504, QStringLiteral("deadline_exceeded"),
                        QStringLiteral("no complete answer from model endpoint \"%1\" within the request deadline of %2 ms")
                            .arg(m_endpoint->endpoint.name)
                            .arg(m_deadlineMs)));
}

void ProxyOperation::cancel(const ApiError &error)
{
    if (m_done)
        return;
    stopAttempts("cancelled");
    upstreamEnded();
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

void ProxyOperation::done()
{
    if (m_done)
        return;
    m_done = true;
    if (m_ticket) { // still queued for a slot: leave the queue
        m_endpoint->limiter->cancel(m_ticket);
        m_ticket = 0;
    }
    stopAttempts("cancelled");
    upstreamEnded();
    releasePendingRetryBudget();
    QByteArray &json = m_exchange->record().attemptsJson;
    for (const auto &a : m_attempts) {
        appendAttempt(json, AttemptEntry{a->endpoint->nameAscii, a->replica->apiRootEncoded, a->status,
                                         a->firstByteMs, a->timer.nsecsElapsed() / 1e6, a->bytes, a->end, a->hedge});
    }
    m_slot.release();
    m_deadlineTimer.stop();
    m_hedgeTimer.stop();
    deleteLater();
}

void ProxyOperation::clientGone()
{
    if (m_done)
        return;
    // Stop the model server now: nobody will read what it generates.
    stopAttempts("cancelled");
    upstreamEnded();
    done();
}

} // namespace airlock::routing
