#pragma once

#include "testtiming.h"

#include <QtCore/QByteArray>
#include <QtCore/QJsonObject>
#include <QtCore/QList>
#include <QtCore/QObject>
#include <QtCore/QPair>
#include <QtCore/QQueue>
#include <QtCore/QStringList>
#include <QtCore/QUrl>

#include <functional>

QT_BEGIN_NAMESPACE
class QHttpServer;
class QHttpServerRequest;
class QHttpServerResponder;
class QTcpServer;
QT_END_NAMESPACE

// A fake OpenAI-compatible model server (vLLM, TGI, Ollama, ... stand-in) for tests.
//
// Lifecycle: construct (it listens at once on 127.0.0.1, port 0), point the gateway at baseUrl(), script
// behaviour, run the test, assert on what was recorded. Single-threaded: it lives on the thread that created
// it and needs that thread's event loop to run (QTest functions: use waitUntil / waitFor* helpers).
// Destroying it drops every connection without recording aborts.
//
// Disconnects: a client that goes away (FIN or RST) before its response is complete, during latency, hold,
// hang or mid-stream, is recorded in abortedRequests() and signalled by requestAborted(), as soon as the
// socket reports end-of-stream, `disconnected`, an error or its deletion (whichever comes first; a few ms
// on loopback). A client that half-closes its side after the request therefore counts as gone.
// Health probes: a request whose User-Agent starts with "airlock-probe/" (the gateway's active health
// prober) is answered like any other but recorded apart, in probeRequests() only: requests(), the counters
// and the signals are the traffic the gateway forwards, so a test counting model calls is not disturbed by
// the probes running beside it. setProbesApart(false) records them like every other request (for the
// prober's own tests, which count its aborts and requests in flight).
// All timestamps are airlock::test::TimePoint (one monotonic clock), comparable with TestHttpClient's.
//
// Routes: POST /v1/chat/completions, POST /v1/completions, POST /v1/embeddings, GET /v1/models, and the health routes model
// servers answer without spending tokens: GET /health (vLLM, TGI, llama.cpp) and GET /api/version (Ollama).
// Anything else is recorded and answered 404 with an OpenAI-style error. A completion request streams (SSE over chunked framing) if and
// only if its JSON body has "stream": true.
// Token counts: a whole answer carries `usage` (prompt_tokens: the words of the prompt / messages' contents,
// completion_tokens: chunkCount). A stream carries it only when the request has
// "stream_options": {"include_usage": true}, as OpenAI and vLLM do: every chunk then has "usage": null, and
// a last event with "choices": [] and the usage follows the text (before [DONE]).
// Embeddings (POST /v1/embeddings) take their behaviour like completions (queue, selector, default): an
// Answer is OpenAI's list with one vector of embeddingDimensions floats per input (a string, or an array of
// strings / token ids / token arrays), in the order given, and `usage` {prompt_tokens: the inputs' words or
// token ids, total_tokens: the same}. A body that is not JSON or has no `input` is answered 400.
namespace airlock::test {

using HeaderList = QList<QPair<QByteArray, QByteArray>>;

// How the server answers one request. Plain value; see the factories for the common cases.
struct FakeBehavior {
    enum class Outcome {
        Answer, // a normal completion (streamed or not, as the request asks)
        HttpError, // errorStatus + errorBody (Content-Length framing), after latencyMs
        CloseWithoutAnswer, // after latencyMs: close the connection (FIN) without a byte of response
        ResetWithoutAnswer, // after latencyMs: reset the connection (RST, SO_LINGER 0) without a response
        Hang, // never answer; only the client going away ends the request (recorded as abort)
        CloseMidStream, // stream: send the head and closeAfterChunks chunks, then close (no [DONE], no
                        // 0-chunk)
        Raw, // after latencyMs: write rawResponse verbatim, then close if closeAfterRaw
    };

    Outcome outcome = Outcome::Answer;
    int latencyMs = 0; // delay between the request's arrival and the status line
    bool holdUntilReleased = false; // wait for FakeModelServer::releaseHeld() before the latency starts

    // Answer: the completion text is made of chunkCount pieces: chunkTexts[i] if given, else "tok<i> ".
    // A stream sends one SSE event per piece (one HTTP chunk each), chunkDelayMs apart (the first one right
    // after the head), then `data: [DONE]` if sendDone. A non-stream answer carries the concatenated text.
    int chunkCount = 3;
    int chunkDelayMs = 0;
    QStringList chunkTexts;
    bool sendDone = true;
    QByteArray finishReason = "stop";
    HeaderList extraHeaders; // added to the response head (Answer and HttpError)

    int errorStatus = 500;
    QByteArray errorBody; // empty: an OpenAI error object naming the status
    QByteArray contentType = "application/json"; // HttpError's Content-Type (e.g. "text/html" for a login page)
    int closeAfterChunks = 1; // CloseMidStream only
    QByteArray rawResponse; // Raw only
    bool closeAfterRaw = true; // Raw only

    QString chunkText(int index) const;
    QString fullText() const;

    static FakeBehavior answer(int chunkCount = 3, int chunkDelayMs = 0, int latencyMs = 0);
    static FakeBehavior error(int status, const QByteArray &body = {}, int latencyMs = 0);
    static FakeBehavior closeWithoutAnswer(int latencyMs = 0);
    static FakeBehavior resetWithoutAnswer(int latencyMs = 0);
    static FakeBehavior hang();
    static FakeBehavior closeMidStream(int afterChunks, int chunkDelayMs = 0);
    static FakeBehavior raw(const QByteArray &bytes, bool closeAfter = true, int latencyMs = 0);
    // A whole answer with any status and body (the HttpError outcome), e.g. a health route's
    // reply(503, R"({"error":{"code":503,"message":"Loading model"}})").
    static FakeBehavior reply(int status, const QByteArray &body, int latencyMs = 0);
    // The same with another Content-Type, e.g. replyAs(200, "text/html; charset=utf-8", "<html>…") for a
    // proxy's login page answering in the model server's place.
    static FakeBehavior replyAs(int status, const QByteArray &contentType, const QByteArray &body);
    int embeddingDimensions = 4; // Answer on /v1/embeddings: floats per vector
};

// One request as it arrived (copied before the handler returns: QHttpServer reuses its request object).
struct RecordedRequest {
    quint64 id = 0; // 1, 2, ... in arrival order
    quint64 connectionId = 0; // same value for requests on the same TCP connection (keep-alive checks)
    quint16 peerPort = 0;
    QByteArray method; // "GET", "POST", ...
    QString path; // e.g. "/v1/chat/completions"
    QString query;
    HeaderList headers; // as received (names in the case the client sent)
    QByteArray body;
    TimePoint arrivedAt;
    bool stream = false; // body JSON had "stream": true
    QString model; // body JSON "model"
    bool probe = false; // a health probe (User-Agent "airlock-probe/..."), recorded apart

    QByteArray header(const QByteArray &name) const; // first value, case-insensitive name; empty if absent
    bool hasHeader(const QByteArray &name) const;
    QJsonObject json() const; // body parsed as a JSON object (empty if not one)
};

// A request whose client went away before the response was complete.
struct AbortedRequest {
    enum class Phase {
        BeforeHead, // during latency / hold / hang: no byte of response written yet
        MidBody, // head written, body not finished (mid-stream)
    };
    quint64 requestId = 0;
    QString path;
    Phase phase = Phase::BeforeHead;
    int chunksSent = 0; // SSE data events written before the client left
    TimePoint abortedAt; // when the server saw the disconnect
    double msAfterArrival = 0;
};

class FakeModelServer : public QObject {
    Q_OBJECT

public:
    explicit FakeModelServer(QObject *parent = nullptr);
    ~FakeModelServer() override;

    bool isListening() const;
    quint16 port() const;
    QUrl baseUrl() const; // http://127.0.0.1:PORT/v1

    // --- behaviour. Order of precedence for a completion request: the scripted queue (FIFO, one entry
    //     per request), then the selector (if set), then the default behaviour.
    void setDefaultBehavior(const FakeBehavior &behavior);
    FakeBehavior defaultBehavior() const;
    void enqueue(const FakeBehavior &behavior);
    void clearQueue();
    int queuedBehaviors() const;
    using BehaviorSelector = std::function<FakeBehavior(const RecordedRequest &)>;
    void setBehaviorSelector(BehaviorSelector selector); // empty function: no selector

    // GET /v1/models: answers with these ids (default {"fake-model"}), using modelsBehavior's outcome and
    // latency (default: answer at once). The scripted queue does not apply to it.
    void setModels(const QStringList &ids);
    QStringList models() const;
    void setModelsBehavior(const FakeBehavior &behavior);

    // GET /health and GET /api/version: answered with these behaviours (the scripted queue does not apply).
    // Default: answer at once, 200 `{}` and 200 `{"version":"0.1.0"}`. Any outcome works (reply() for a
    // status and body, hang(), closeWithoutAnswer(), ...); the requests are recorded like every other.
    void setHealthBehavior(const FakeBehavior &behavior);
    FakeBehavior healthBehavior() const;
    void setVersionBehavior(const FakeBehavior &behavior);
    FakeBehavior versionBehavior() const;

    // Requests with holdUntilReleased wait before their latency starts until this is called; releases all
    // requests held now (not later ones). Returns how many were released.
    int releaseHeld();
    int heldCount() const;

    // --- records
    QList<RecordedRequest> requests() const;
    int requestCount() const;
    int requestCount(const QString &path) const; // recorded requests for this path, e.g. "/health"
    RecordedRequest lastRequest() const; // default-constructed if none
    void setProbesApart(bool apart); // default true
    // The health probes received (see above), in arrival order; for one path, e.g. "/health".
    QList<RecordedRequest> probeRequests() const;
    int probeCount() const;
    int probeCount(const QString &path) const;
    QList<AbortedRequest> abortedRequests() const;
    int abortCount() const;
    int inFlight() const; // requests received and not yet fully answered, closed or aborted
    int maxConcurrent() const; // highest inFlight() ever (since construction or resetRecords())
    int completedCount() const; // responses written to the end (Answer, HttpError, Raw)
    int connectionCount() const; // distinct TCP connections that carried a request
    // Clears requests, probes, aborts and counters (maxConcurrent restarts at the current inFlight()).
    void resetRecords();

    // --- waits (spin the event loop; see waitUntil)
    bool waitForRequests(int count, int timeoutMs = 5000);
    bool waitForAborts(int count, int timeoutMs = 5000);
    bool waitForInFlight(int count, int timeoutMs = 5000);
    bool waitForIdle(int timeoutMs = 5000); // inFlight() == 0

Q_SIGNALS:
    // Emitted synchronously when the event happens (the record is already stored).
    void requestReceived(const airlock::test::RecordedRequest &request);
    void requestAborted(const airlock::test::AbortedRequest &abort);
    void requestCompleted(quint64 requestId);

private:
    class Exchange;
    friend class Exchange;
    enum class Route { ChatCompletions, Completions, Embeddings, Models, Health, Version, Unknown };

    void handle(Route route, const QHttpServerRequest &request, QHttpServerResponder &&responder);
    FakeBehavior pickBehavior(Route route, const RecordedRequest &request);
    void exchangeFinished(Exchange *exchange, bool completed);
    void exchangeAborted(Exchange *exchange, const AbortedRequest &abort);

    QHttpServer *m_http = nullptr;
    QTcpServer *m_tcp = nullptr;
    quint16 m_port = 0;
    FakeBehavior m_default;
    FakeBehavior m_modelsBehavior;
    FakeBehavior m_healthBehavior;
    FakeBehavior m_versionBehavior;
    QQueue<FakeBehavior> m_queue;
    BehaviorSelector m_selector;
    QStringList m_models;
    QList<RecordedRequest> m_requests;
    QList<RecordedRequest> m_probes;
    QList<AbortedRequest> m_aborts;
    QList<Exchange *> m_exchanges;
    quint64 m_nextRequestId = 1;
    quint64 m_nextConnectionId = 1;
    int m_inFlight = 0;
    int m_maxConcurrent = 0;
    int m_completed = 0;
    bool m_shuttingDown = false;
    bool m_probesApart = true;
};

} // namespace airlock::test

Q_DECLARE_METATYPE(airlock::test::RecordedRequest)
Q_DECLARE_METATYPE(airlock::test::AbortedRequest)
