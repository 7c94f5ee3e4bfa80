#pragma once

// One record per request: what the request log stores, live logs push and metrics count. Filled in
// along the hot path (the exchange owns it) and handed to the RequestObserver once the response is
// finished or the client left. Field names follow GitLab's AI gateway access log where one applies.

#include <QByteArray>
#include <QString>

namespace airlock {

struct RequestRecord
{
    QString requestId;        // X-Request-ID, or generated
    qint64 startedAtMs = 0;   // epoch milliseconds
    QByteArray method;
    QByteArray path;
    QString dialect;          // "openai", "gitlab"
    QString feature;          // feature id, when routed by feature
    QString modelEndpoint;    // registered endpoint name
    QString modelIdentifier;  // served identifier
    QString modelFamily;
    QString userId;           // token subject / X-Gitlab-Global-User-Id
    QString instanceId;       // X-Gitlab-Instance-Id
    QString realm;            // X-Gitlab-Realm
    QString hostName;         // X-Gitlab-Host-Name
    QString gitlabVersion;    // X-Gitlab-Version
    QString tokenIssuer;
    QString tokenId;          // jti of the token used
    QString userAgent;
    QString clientVersion;    // X-Gitlab-Language-Server-Version or similar
    QString clientIp;
    QString lang;             // programming language of the file, when known
    QString editorLang;
    int status = 0;           // HTTP status sent; 499 when the client left first
    QString errorCode;        // stable code of the error answered, if any
    QString errorMessage;
    bool stream = false;
    bool cached = false;      // answered from the completion cache
    bool superseded = false;  // aborted because a newer request replaced it
    double authMs = -1;       // -1: not applicable
    double queueMs = -1;      // waiting for an endpoint slot
    double upstreamFirstByteMs = -1;
    double upstreamMs = -1;   // time spent waiting on the model server
    double totalMs = -1;
    qint64 promptBytes = 0;
    qint64 answerBytes = 0;
    int promptTokens = -1;
    int answerTokens = -1;
    // Every try at a model server, oldest first, as a JSON array (routing/attemptlog.h): replica, status,
    // time to first byte, bytes, how it ended. Empty when no model server was tried.
    QByteArray attemptsJson;
    int attempts = 0;           // tries at a model server (retries and hedges included)
    bool captureBodies = false; // set when body capture applies to this request
    QByteArray promptBody;      // captured request body (redacted by the logger, off the hot path)
    QByteArray answerBody;      // captured answer, only when captureBodies
    // Code-suggestion requests: the raw JSON array of the body's `telemetry` field (GitLab's
    // [{model_engine, model_name, lang, requests, accepts, errors}]), sliced out by the dialect
    // adapter; parsed and aggregated by the logger's writer thread.
    QByteArray telemetryJson;
    // Chat turns: set by a chat dialect for an identified user; the logger appends both to the history
    // of chatUserId (never logged unless body capture applies). chatUserId is the history's owner as
    // authentication established it (http/chatcapture.h: chatHistoryOwner), not a header the client
    // chose; empty: no history for this request. chatAnswer is the answer text as the client received it,
    // cut at kMaxChatTextChars.
    QString chatUserId;
    QString chatQuestion;
    QString chatAnswer;
};

// Chat questions and answers kept in a history are cut at this many characters.
inline constexpr qsizetype kMaxChatTextChars = 64 * 1024;

// Bodies captured per request are cut at this many bytes.
inline constexpr qsizetype kMaxCapturedBodyBytes = 64 * 1024;

// Receives finished requests. Called on worker threads: implementations must be thread-safe and must
// never block (hand the record to a queue).
class RequestObserver
{
public:
    virtual ~RequestObserver() = default;
    virtual void upstreamStarted(const RequestRecord &record) { Q_UNUSED(record); }
    virtual void upstreamFinished(const RequestRecord &record) { Q_UNUSED(record); }
    virtual void requestFinished(RequestRecord &&record) = 0;
    // True when the admin turned body capture on for every request (read on worker threads: cheap).
    virtual bool captureAllBodies() const { return false; }
    // Back-pressure (read on worker threads for every request: cheap). False while the observer is too
    // far behind to take more records; the data path then refuses new requests (503, Retry-After) and
    // calls refused() for each, so that every request it does accept is recorded.
    virtual bool admitting() const { return true; }
    virtual void refused() {}
};

} // namespace airlock
