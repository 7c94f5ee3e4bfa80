#pragma once

// A lean HTTP/1.1 client for OpenAI-compatible model servers, owned by one worker thread.
//
// Why not QNetworkAccessManager: it opens at most 6 connections per host (no setting in Qt 6.4), runs
// its own thread and costs ~10x the CPU per request on the hot path (see DESIGN.md). This client keeps
// a pool of keep-alive connections per (scheme, host, port); it opens as many connections as there are
// requests in flight, so the only cap on upstream concurrency is the endpoint's EndpointLimiter.
//
// Lifecycle: start() returns an UpstreamCall owned by the client. The call reports to its
// UpstreamCallHandler exactly one of: onHead (then any number of onBody, then onComplete or onError),
// or onError without onHead. After onComplete/onError, or after abort(), the call reports nothing more
// and deletes itself later; keep it in a QPointer. abort() closes the connection at once (it is never
// returned to the pool), so the model server sees the disconnect and stops generating.
//
// Thread affinity: the client, its calls and the handlers' callbacks live on the thread that created
// the client. Nothing here blocks: DNS lookups and connects are asynchronous.

#include "modelendpoint.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QHash>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QUrl>

#include <utility>

class QTcpSocket;
class QTimer;

namespace airlock::upstream {

using HeaderList = QList<std::pair<QByteArray, QByteArray>>;

struct UpstreamRequest
{
    QUrl url;                      // full URL, e.g. http://10.0.0.5:8000/v1/chat/completions
    QByteArray method = "POST";
    HeaderList headers;            // extra request headers (Authorization, Content-Type, X-Request-ID ...)
    QByteArray body;
    EndpointTimeouts timeouts;
};

struct UpstreamResponseHead
{
    int status = 0;
    QByteArray reason;
    HeaderList headers;
    // Case-insensitive lookup of the first header with this name; empty if absent.
    QByteArray header(QByteArrayView name) const;
};

struct UpstreamError
{
    enum class Kind {
        ConnectFailed,    // refused, unreachable, DNS failure, TLS handshake failure
        ConnectTimeout,   // no connection within timeouts.connectMs
        FirstByteTimeout, // connected and sent, but no response byte within timeouts.firstByteMs
        IdleTimeout,      // no byte for timeouts.idleMs between two chunks
        TotalTimeout,     // the whole exchange took longer than timeouts.totalMs
        Protocol,         // the server sent something that is not HTTP/1.x
        Closed,           // the server closed the connection before the response was complete
    };
    Kind kind;
    QString message; // human readable, never contains the API key or the body
    bool isTimeout() const
    {
        return kind == Kind::ConnectTimeout || kind == Kind::FirstByteTimeout || kind == Kind::IdleTimeout
            || kind == Kind::TotalTimeout;
    }
};

class UpstreamCallHandler
{
public:
    virtual ~UpstreamCallHandler() = default;
    virtual void onHead(const UpstreamResponseHead &head) = 0;
    // Body bytes as they arrive, with HTTP framing (chunked encoding) removed.
    virtual void onBody(QByteArrayView bytes) = 0;
    virtual void onComplete() = 0;
    virtual void onError(const UpstreamError &error) = 0;
};

class UpstreamClient;
class UpstreamConnection;

class UpstreamCall : public QObject
{
    Q_OBJECT
public:
    ~UpstreamCall() override;
    // Stops the exchange now: closes the connection, reports nothing more. Safe to call twice.
    void abort();
    bool isFinished() const { return m_finished; }

private:
    friend class UpstreamClient;
    friend class UpstreamConnection;
    UpstreamCall(UpstreamClient *client, UpstreamRequest request, UpstreamCallHandler *handler);

    UpstreamClient *m_client;
    UpstreamRequest m_request;
    UpstreamCallHandler *m_handler;
    UpstreamConnection *m_connection = nullptr;
    bool m_finished = false;
    bool m_inStart = false;  // errors found inside start() are reported from the event loop
    bool m_retried = false;  // a stale keep-alive connection was already replaced once
    qint64 m_startedAt = 0;  // ms on the client's monotonic clock
    qint64 m_sentAt = -1;
    qint64 m_lastByteAt = -1; // -1: no response byte yet
};

class UpstreamClient : public QObject
{
    Q_OBJECT
public:
    explicit UpstreamClient(QObject *parent = nullptr);
    ~UpstreamClient() override;

    // Starts an exchange. The handler must outlive the call or abort() it first.
    UpstreamCall *start(UpstreamRequest request, UpstreamCallHandler *handler);

    // Connections currently open (busy + idle), and idle ones kept for reuse.
    int openConnections() const;
    int idleConnections() const;
    // Idle keep-alive connections per host kept at most (default 256) and for how long (default 30 s).
    void setMaxIdlePerHost(int count);
    void setIdleLifetimeMs(int ms);

private:
    friend class UpstreamConnection;
    friend class UpstreamCall;
    // implementation details are the implementer's choice
    struct Private;
    Private *d;
};

} // namespace airlock::upstream
