#pragma once

// One request relayed to a model server: waits for a concurrency slot on the endpoint, sends the
// request to a replica (balancer.h), hands the answer to the dialect's ResponseRelay (which writes the
// client's response: passed through, reshaped, streamed), and aborts the upstream request the moment the
// client goes away. Dialect-free: the adapter that starts it decides the upstream body and supplies the
// relay.
//
// Resilience, while nothing has been sent to the client:
// - retries on connect failure, a connection closed before the response head, a timeout before it, and
//   502/503/504/429 heads (never on other statuses): to another replica of the endpoint, else to the
//   route's next endpoint (the dialect's Preparer builds that endpoint's body and relay); the same
//   replica again only after a 429/503 with Retry-After that fits the deadline. At most
//   resilience.max_attempts tries, within the retry budget (retrybudget.h).
// - one deadline per request (resilience.deadlines_ms by feature); each try's timeouts are cut to it.
// - hedging for the features resilience.hedging lists: no response head after the hedge delay (the
//   replica's p95 time to first byte, clamped) sends the same request to another replica; the first head
//   wins and the other try is aborted at once.
// Each try's result feeds the replica's passive health (replicastate.h) and the request log's attempts.
//
// Lifetime: created with new, deletes itself when the response is finished or the client left.

#include "http/httpexchange.h"
#include "balancer.h"
#include "configsnapshot.h"
#include "policyclearance.h"
#include "upstream/upstreamclient.h"

#include <QElapsedTimer>
#include <QObject>
#include <QBasicTimer>
#include <QVarLengthArray>

#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace airlock::routing {

class ResponseRelay;

// Which OpenAI API of the model server a request goes to.
enum class UpstreamApi { ChatCompletions, Completions, Embeddings };

// A dialect's request for one endpoint of a route: the body (with that endpoint's identifier, its
// family's prompt) and the relay that turns that endpoint's answer into the client's response.
struct PreparedRequest
{
    UpstreamApi api = UpstreamApi::ChatCompletions;
    QByteArray body;
    std::unique_ptr<ResponseRelay> relay;
};
// Builds the request for another endpoint of the route (a fallback); nullopt skips that endpoint.
using Preparer = std::function<std::optional<PreparedRequest>(const EndpointRuntime &endpoint)>;

struct ProxyJob
{
    std::shared_ptr<const routing::ConfigSnapshot> snapshot; // keeps the endpoint alive
    const routing::EndpointRuntime *endpoint = nullptr;      // where the first try goes
    const RoutePlan *plan = nullptr; // the route's tiers (nullptr: `endpoint`'s replicas only)
    Preparer prepare;                // empty: no fallback to other endpoints of the plan
    UpstreamApi api = UpstreamApi::ChatCompletions;
    QByteArray body;
    bool stream = false;
    int startDelayMs = 0; // wait this long before asking for a slot (typing-burst debounce)
    QString feature;                        // the feature routed by; empty when a model endpoint was named
    QByteArray affinityKey; // same key, same replica (resilience.affinity; GitLab completions: user and file)
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

class ProxyAttempt;

class ProxyOperation : public QObject
{
    Q_OBJECT
public:
    // Returns the operation (owned by itself) so that callers may abort it, e.g. when superseded.
    // `clearance` is the policy step's consent (policyclearance.h): there is no way to relay without one.
    static QPointer<ProxyOperation> start(std::unique_ptr<http::HttpExchange> exchange,
                                          const PolicyClearance &clearance, ProxyJob job,
                                          upstream::UpstreamClient *client, std::unique_ptr<ResponseRelay> relay,
                                          RequestObserver *observer = nullptr);
    ~ProxyOperation() override;

    // Stops now: aborts the upstream request, answers the client with `error` through the relay.
    void cancel(const http::ApiError &error);

protected:
    void timerEvent(QTimerEvent *event) override;

private:
    friend class ProxyAttempt;
    ProxyOperation(std::unique_ptr<http::HttpExchange> exchange, ProxyJob job, upstream::UpstreamClient *client,
                   std::unique_ptr<ResponseRelay> relay, RequestObserver *observer);
    void run();
    void acquireSlot();
    void startAttempt(bool hedge, const ReplicaRuntime *replica = nullptr);
    void armHedge(const ReplicaRuntime &first);
    void hedgeDue();
    struct RetryTarget
    {
        const ReplicaRuntime *replica = nullptr;  // a replica of the current endpoint ...
        const EndpointRuntime *endpoint = nullptr; // ... or the route's next endpoint
        int waitMs = 0;                            // Retry-After of the same replica
    };
    // Where another try could go now (nullopt: nowhere, or the rules allow no more tries).
    std::optional<RetryTarget> findRetry(int retryAfterMs, const ProxyAttempt *failed) const;
    bool takeRetryBudget();
    void releasePendingRetryBudget();
    void beginRetry(const RetryTarget &target);
    // After a try failed before its head: another try if the rules allow one, else the client's error.
    void retryOrFail(const http::ApiError &error, const ProxyAttempt *failed);
    bool switchEndpoint(const EndpointRuntime *next);
    void fail(const http::ApiError &error);
    void done();
    void clientGone();
    void deadlinePassed();
    void endAttempt(ProxyAttempt *attempt, QByteArrayView end);
    void stopAttempts(QByteArrayView end);
    int attemptsRunning() const;
    void upstreamEnded();
    void recordHealth(ProxyAttempt &attempt, bool failed);

    void attemptHead(ProxyAttempt *attempt, const upstream::UpstreamResponseHead &head);
    void attemptBody(ProxyAttempt *attempt, QByteArrayView bytes);
    void attemptComplete(ProxyAttempt *attempt);
    void attemptError(ProxyAttempt *attempt, const upstream::UpstreamError &error);

    std::unique_ptr<http::HttpExchange> m_exchange;
    ProxyJob m_job;
    const EndpointRuntime *m_endpoint; // the endpoint tries go to now
    upstream::UpstreamClient *m_client;
    std::unique_ptr<ResponseRelay> m_relay;
    RequestObserver *m_observer;
    upstream::EndpointLimiter::Slot m_slot;
    upstream::EndpointLimiter::Ticket m_ticket = 0;
    std::vector<std::unique_ptr<ProxyAttempt>> m_attempts;
    ProxyAttempt *m_winner = nullptr; // the try whose answer the client gets
    TriedReplicas m_tried;
    ExhaustedEndpoints m_exhausted;
    QElapsedTimer m_upstreamTimer;
    // QBasicTimer, not QTimer: no QObject (allocation, connections) per request for its two timers.
    QBasicTimer m_deadlineTimer;
    QBasicTimer m_hedgeTimer;
    qint64 m_deadlineAt = 0; // routingNowMs() when the deadline passes
    int m_deadlineMs = 0;
    bool m_hedged = false;
    bool m_pendingRetryBudget = false; // a retry's budget place, held until its attempt starts
    bool m_upstreamRunning = false;
    bool m_counted = false; // counted in the retry budget's requests in flight
    bool m_done = false;
};

// The status and error for an upstream failure (502 unreachable / 504 timeout), naming the endpoint.
http::ApiError upstreamFailure(const QString &endpointName, const upstream::UpstreamError &error);

} // namespace airlock::routing
