#pragma once

// One request and its response on a guarded connection. Handlers read the request from it and write
// the response through it; nothing else writes to the socket.
//
// The request is copied out of QHttpServerRequest (which QHttpServer reuses for the next request).
// The response is either whole (respond()) or streamed (beginStream/writeChunk/endStream, framed with
// chunked transfer coding, or close-delimited for HTTP/1.0 clients). Writes after the client left are
// dropped: the socket is held in a QPointer and the guard tells us when the client is gone.
//
// Lifetime: owned by whoever produces the response; destroying an exchange whose response was not
// finished closes the connection (a half-written response cannot be continued by anyone else).

#include "apierror.h"
#include "requestrecord.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QHostAddress>
#include <QList>
#include <QPointer>

#include <atomic>
#include <memory>
#include <functional>
#include <utility>

class QHttpServerRequest;
class QTcpSocket;

namespace airlock::http {

class ConnectionGuard;

using HeaderPairs = QList<std::pair<QByteArray, QByteArray>>;

struct HttpRequest
{
    QByteArray method;  // "GET", "POST", ...
    QByteArray path;    // percent-encoded path, without query
    QByteArray query;   // without '?'
    HeaderPairs headers;
    QByteArray body;
    QHostAddress peer;

    // Case-insensitive lookup of the first header with this name; empty if absent.
    QByteArray header(QByteArrayView name) const;
};

class HttpExchange
{
public:
    // `observer` (may be null) receives the request record when the exchange is destroyed.
    HttpExchange(QTcpSocket *socket, HttpRequest request, RequestObserver *observer = nullptr);
    ~HttpExchange();
    HttpExchange(const HttpExchange &) = delete;
    HttpExchange &operator=(const HttpExchange &) = delete;

    const HttpRequest &request() const { return m_request; }
    // The log record of this request; layers fill in what they learn. Submitted once, on destruction.
    RequestRecord &record() { return m_record; }
    const RequestRecord &record() const { return m_record; }
    int responseStatus() const { return m_status; }
    HttpRequest &request() { return m_request; }
    // Milliseconds since the request was dispatched.
    qint64 elapsedMs() const { return m_timer.elapsed(); }
    QElapsedTimer startTime() const { return m_timer; }

    bool clientConnected() const;
    bool responseStarted() const { return m_started; }
    bool responseFinished() const { return m_finished; }

    // Counts this exchange in `counter` until it is destroyed (the server's requests in flight, for a
    // graceful drain).
    void countIn(std::shared_ptr<std::atomic<int>> counter);

    // Runs once if the client leaves before the response is finished. Replaces any earlier handler.
    void onClientGone(std::function<void()> handler);

    // Adds `X-Process-Time: <seconds>` (GitLab's header) to the response head, measured when it is written.
    void setProcessTimeHeader(bool on) { m_processTime = on; }

    // Headers added to every response of this exchange (e.g. X-Request-ID, timing).
    void addResponseHeader(QByteArray name, QByteArray value);

    void respond(int status, QByteArrayView contentType, QByteArrayView body, const HeaderPairs &extra = {});
    void respondError(const ApiError &error); // OpenAI-shaped JSON

    void beginStream(int status, QByteArrayView contentType, const HeaderPairs &extra = {});
    void writeChunk(QByteArrayView data);
    void endStream();
    // Ends a stream abnormally: the client sees a truncated response (no terminating chunk).
    void abortStream();

private:
    std::shared_ptr<std::atomic<int>> m_liveCounter;
    void appendHead(QByteArray &out, int status, QByteArrayView contentType, const HeaderPairs &extra, qint64 length);
    void finish();
    void captureAnswer(QByteArrayView data); // body capture (record().captureBodies), capped

    QPointer<QTcpSocket> m_socket;
    RequestObserver *m_observer = nullptr;
    RequestRecord m_record;
    int m_status = 0;
    qint64 m_bytesOut = 0;
    double m_finishedMs = -1;
    QPointer<ConnectionGuard> m_guard;
    HttpRequest m_request;
    HeaderPairs m_responseHeaders;
    QElapsedTimer m_timer;
    bool m_started = false;
    bool m_finished = false;
    bool m_chunked = false;
    bool m_processTime = false;
};

} // namespace airlock::http
