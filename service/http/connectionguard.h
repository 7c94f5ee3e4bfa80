#pragma once

// ConnectionGuard closes Qt HttpServer 6.4's gaps for one client connection. It sits in front of
// QHttpServer's own reader: its readyRead slot is connected first, so it sees every byte before
// QHttpServer does (RequestFramer frames them), and it decides what QHttpServer may read.
//
//  - Size limits: a Content-Length over the limit is refused (413) before the body is buffered; a
//    chunked body is counted as it arrives; an endless header block is refused (431).
//  - Timeouts: a request must arrive whole within headerTimeoutMs of its first byte (else 408); an idle
//    keep-alive connection is closed after keepAliveTimeoutMs.
//  - One response at a time: bytes of a pipelined request are held back until the response to the
//    previous one is finished, then handed to QHttpServer, so two responses never interleave.
//  - `Connection: close` (and HTTP/1.0 without keep-alive) closes the connection after the response.
//  - The client leaving: clientGone handlers run at once so upstream work can be aborted; nothing
//    writes to the socket afterwards (HttpExchange keeps a QPointer).
//
// Direct dispatch: the framer has already parsed the head, so a whole request with a Content-Length
// body (or none) and no Upgrade header is taken off the socket and handed to the listener's route table
// (GatewayServer::dispatch) as an HttpRequest; QHttpServer never reads it. QHttpServer 6.4 reads a
// request head one byte at a time (a QIODevice::read and a QByteArray::append per byte): that was about
// 70 % of the instructions of a proxied request. QHttpServer's empty read transaction is rolled back
// before the bytes are taken, as in slow mode.
//
// Through QHttpServer (WebSocket upgrades, chunked request bodies, or a listener without a dispatcher):
// when a read delivers exactly one whole request and nothing else, QHttpServer reads it straight from
// the socket. Otherwise the guard drains the socket itself and re-injects one whole request at a time
// into the socket's read buffer (QIODevice::ungetChar) before re-emitting readyRead, so QHttpServer
// never sees a partial request and its parser never holds state we cannot see.
//
// Slow mode (a partial request, or pipelined ones) assembles requests in a buffer of the guard's, and
// hands over one whole request at a time, either way.
//
// Lifetime: a child of its socket; lives and dies with it. All on the socket's thread.

#include "apierror.h"
#include "listenoptions.h"
#include "httpexchange.h"
#include "requestframer.h"

#include <QBasicTimer>
#include <QObject>
#include <QPointer>
#include <QTcpServer>

#include <functional>
#include <memory>

class QTcpSocket;

namespace airlock::http {

class TlsContext;

// Takes a whole request off a guarded connection (see "Direct dispatch" above).
using DirectDispatch = std::function<void(HttpRequest &&request, QTcpSocket *socket)>;

class ConnectionGuard : public QObject
{
    Q_OBJECT
public:
    // `dispatch` empty: every request goes through QHttpServer.
    ConnectionGuard(QTcpSocket *socket, const ServerLimits &limits, DirectDispatch dispatch = {});
    ~ConnectionGuard() override;

    // The guard of a socket created by GuardedTcpServer on this thread, or nullptr.
    static ConnectionGuard *of(const QTcpSocket *socket);

    QTcpSocket *socket() const { return m_socket; }

    // The framed request reached a handler (HttpExchange calls it).
    void requestDispatched();
    // Facts about the request being answered (valid after requestDispatched()).
    bool keepAlive() const { return m_keepAlive; }
    bool isHttp10() const { return m_http10; }

    // The whole response has been written: close if the request asked for it, else serve the next.
    void responseFinished();
    bool isResponding() const { return m_state == State::Responding; }

    // Called once when the client goes away while a response is being produced.
    void setClientGoneHandler(std::function<void()> handler) { m_onClientGone = std::move(handler); }

    // Writes a complete error response with `Connection: close` and closes the connection.
    void failAndClose(const ApiError &error);

    // Number of requests answered on this connection.
    int requestCount() const { return m_requests; }

    // Steps aside for good: the connection was upgraded (WebSocket) and its bytes are no longer HTTP.
    // Disconnects every slot of the guard from the socket and stops its timer (whose watchdog would
    // otherwise write a 408 into the WebSocket stream); the guard stays alive as the socket's child
    // but does nothing more. GatewayServer calls it when it accepts an upgrade.
    void detach();

protected:
    void timerEvent(QTimerEvent *event) override;

private:
    enum class State { Idle, Receiving, Dispatching, Responding, Closing };

    void onReadyRead();
    void onDisconnected();
    void processHeld();
    void injectForServer(QByteArrayView request);
    bool canDispatchDirectly() const;
    // The framed request (`whole`: its bytes, head and body) as an HttpRequest; before m_framer.reset().
    HttpRequest takeRequest(QByteArrayView whole);
    // Hands a whole request on (direct, or injected for QHttpServer). False when the guard is gone.
    bool handOver(QByteArrayView whole);
    void armTimer(int ms);
    void scheduleProcessHeld();

    QTcpSocket *m_socket;
    ServerLimits m_limits;
    RequestFramer m_framer;
    State m_state = State::Idle;
    QByteArray m_held;          // bytes drained from the socket, not yet handed to QHttpServer
    qsizetype m_heldFramed = 0; // bytes at the front of m_held already fed to the framer
    bool m_slowPath = false;    // the current request is being assembled in m_held
    bool m_injecting = false;
    bool m_processQueued = false;
    bool m_keepAlive = true;
    bool m_http10 = false;
    bool m_sentContinue = false;
    int m_requests = 0;
    QBasicTimer m_timer;
    std::function<void()> m_onClientGone;
    DirectDispatch m_dispatch;
};

// A QTcpServer whose connections are guarded. Accepts on a listening descriptor made elsewhere (the
// SO_REUSEPORT listener) or listens itself.
class GuardedTcpServer : public QTcpServer
{
    Q_OBJECT
public:
    explicit GuardedTcpServer(const ServerLimits &limits, QObject *parent = nullptr);
    void setLimits(const ServerLimits &limits) { m_limits = limits; }
    // Serve TLS with the context's configuration (read for every accepted connection; none: plain TCP).
    // The connection is handed to QHttpServer at once; QSslSocket delivers only decrypted bytes after the
    // handshake, so the guard never sees handshake bytes. A handshake that does not finish within the
    // header timeout is closed like a slow request.
    void setTls(std::shared_ptr<TlsContext> tls) { m_tls = std::move(tls); }
    // Where the guards of new connections hand whole requests (GatewayServer::serve sets it).
    void setDirectDispatch(DirectDispatch dispatch) { m_dispatch = std::move(dispatch); }

protected:
    void incomingConnection(qintptr descriptor) override;

private:
    ServerLimits m_limits;
    std::shared_ptr<TlsContext> m_tls;
    DirectDispatch m_dispatch;
};

} // namespace airlock::http
