#include "connectionguard.h"

#include "tlscontext.h"

#include <QHash>
#include <QLoggingCategory>
#include <QSslSocket>
#include <QTcpSocket>
#include <QTimerEvent>
#include <QUrl>

#include <algorithm>

#include <sys/socket.h>
#include <unistd.h>

Q_LOGGING_CATEGORY(lcConnection, "airlock.http.connection", QtWarningMsg)

namespace airlock::http {

namespace {

thread_local QHash<const QTcpSocket *, ConnectionGuard *> t_guards;

// How long a closing connection keeps draining what the client still sends, so that closing with
// unread bytes does not reset the connection before the client has read our last response.
constexpr int kLingerMs = 2000;

// More than this held back (pipelined requests while a response is in progress) closes the connection.
qint64 heldCap(const ServerLimits &limits)
{
    return 2 * (qint64(limits.maxHeaderBytes) + limits.maxRequestBytes);
}

// Bytes not yet handed to the kernel. A QSslSocket also holds encrypted bytes of its own: shutting
// down the write side before those are out would cut the response.
qint64 unsentBytes(const QTcpSocket *socket)
{
    qint64 n = socket->bytesToWrite();
    if (const auto *ssl = qobject_cast<const QSslSocket *>(socket))
        n += ssl->encryptedBytesToWrite();
    return n;
}

// Ends our side of the connection once the response is out. TLS needs its close_notify after the last
// record, which QSslSocket sends itself when it has flushed; a raw shutdown() would cut its buffers.
void shutdownWrite(QTcpSocket *socket)
{
    if (auto *ssl = qobject_cast<QSslSocket *>(socket)) {
        // Queued: QSslSocket must not be closed from inside its own write notifications.
        QMetaObject::invokeMethod(ssl, [ssl] { ssl->disconnectFromHost(); }, Qt::QueuedConnection);
    } else
        ::shutdown(int(socket->socketDescriptor()), SHUT_WR);
}

} // namespace

ConnectionGuard::ConnectionGuard(QTcpSocket *socket, const ServerLimits &limits, DirectDispatch dispatch)
    : QObject(socket)
    , m_socket(socket)
    , m_limits(limits)
    , m_framer(RequestFramer::Limits{limits.maxHeaderBytes, limits.maxRequestBytes})
    , m_dispatch(std::move(dispatch))
{
    t_guards.insert(socket, this);
    // Connected before QHttpServer connects its own reader (GuardedTcpServer does this before the
    // socket is handed over), so this slot runs first on every readyRead.
    connect(socket, &QTcpSocket::readyRead, this, &ConnectionGuard::onReadyRead);
    connect(socket, &QTcpSocket::disconnected, this, &ConnectionGuard::onDisconnected);
    const auto shutdownWhenFlushed = [this] {
        if (m_state == State::Closing && unsentBytes(m_socket) == 0 && m_socket->state() == QAbstractSocket::ConnectedState)
            shutdownWrite(m_socket);
    };
    connect(socket, &QTcpSocket::bytesWritten, this, shutdownWhenFlushed);
    if (auto *ssl = qobject_cast<QSslSocket *>(socket))
        connect(ssl, &QSslSocket::encryptedBytesWritten, this, shutdownWhenFlushed);
    // A connection that never sends a whole request is closed like a slow request.
    armTimer(m_limits.headerTimeoutMs);
}

ConnectionGuard::~ConnectionGuard()
{
    t_guards.remove(m_socket);
}

ConnectionGuard *ConnectionGuard::of(const QTcpSocket *socket)
{
    return t_guards.value(socket, nullptr);
}

void ConnectionGuard::armTimer(int ms)
{
    m_timer.start(ms, Qt::CoarseTimer, this);
}

void ConnectionGuard::onReadyRead()
{
    if (m_injecting)
        return; // our own re-emission for QHttpServer
    const qint64 available = m_socket->bytesAvailable();
    if (available <= 0)
        return;
    if (m_state == State::Closing) {
        if (m_socket->isTransactionStarted())
            m_socket->rollbackTransaction();
        m_socket->skip(available);
        return;
    }

    if (m_state == State::Idle && !m_slowPath && m_held.isEmpty() && !m_framer.started()) {
        const QByteArray bytes = m_socket->peek(available);
        const RequestFramer::Outcome outcome = m_framer.feed(bytes);
        if (outcome.status == RequestFramer::Status::Complete && outcome.consumed == bytes.size()) {
            // Fast path: exactly one whole request.
            m_keepAlive = m_framer.keepAlive();
            m_http10 = m_framer.isHttp10();
            if (canDispatchDirectly()) {
                if (m_socket->isTransactionStarted())
                    m_socket->rollbackTransaction();
                m_socket->skip(available);
                handOver(bytes);
                return;
            }
            // QHttpServer reads it from the socket itself.
            m_framer.reset();
            m_state = State::Dispatching; // the timer keeps running as a watchdog until dispatch
            armTimer(m_limits.headerTimeoutMs);
            return;
        }
        if (outcome.status == RequestFramer::Status::Error) {
            failAndClose(ApiError::make(m_framer.errorStatus(), m_framer.errorCode(), m_framer.errorMessage()));
            return;
        }
        // A partial request, or more than one: assemble in m_held from here on.
        if (m_socket->isTransactionStarted())
            m_socket->rollbackTransaction();
        m_held = m_socket->read(available);
        m_heldFramed = outcome.consumed;
        m_slowPath = true;
        m_state = State::Receiving;
        armTimer(m_limits.headerTimeoutMs);
        processHeld();
        return;
    }

    // Slow path, or a response is in progress: nothing reaches QHttpServer until we inject it.
    // QHttpServer's transaction (if any) holds no data here: it only ever reads injected whole requests.
    if (m_socket->isTransactionStarted())
        m_socket->rollbackTransaction();
    m_held += m_socket->read(available);
    m_slowPath = true;
    if (m_state == State::Idle) {
        m_state = State::Receiving;
        armTimer(m_limits.headerTimeoutMs);
    }
    if (m_held.size() > heldCap(m_limits)) {
        failAndClose(ApiError::make(429, QStringLiteral("too_many_pipelined_requests"),
                                    QStringLiteral("too many pipelined request bytes held while a response is in progress")));
        return;
    }
    processHeld();
}

void ConnectionGuard::scheduleProcessHeld()
{
    if (m_processQueued)
        return;
    m_processQueued = true;
    QMetaObject::invokeMethod(
        this,
        [this] {
            m_processQueued = false;
            processHeld();
        },
        Qt::QueuedConnection);
}

void ConnectionGuard::processHeld()
{
    if (m_injecting)
        return;
    while (m_state != State::Closing) {
        // Frame what is held (also while a response is in progress, so limits apply early).
        if (m_heldFramed < m_held.size() || !m_framer.started()) {
            const RequestFramer::Outcome outcome = m_framer.feed(QByteArrayView(m_held).sliced(m_heldFramed));
            m_heldFramed += outcome.consumed;
            if (outcome.status == RequestFramer::Status::Error && m_state != State::Responding
                && m_state != State::Dispatching) {
                failAndClose(ApiError::make(m_framer.errorStatus(), m_framer.errorCode(), m_framer.errorMessage()));
                return;
            }
        }
        const bool complete = m_framer.headComplete() && m_framer.feed({}).status == RequestFramer::Status::Complete;
        if (m_state == State::Responding || m_state == State::Dispatching)
            return; // the next request waits for the current response
        if (m_framer.errorStatus() != 0) {
            failAndClose(ApiError::make(m_framer.errorStatus(), m_framer.errorCode(), m_framer.errorMessage()));
            return;
        }
        if (!complete) {
            if (m_held.isEmpty()) {
                m_slowPath = false;
                return;
            }
            if (m_state == State::Idle) {
                m_state = State::Receiving;
                armTimer(m_limits.headerTimeoutMs);
            }
            if (m_framer.headComplete() && m_framer.expectsContinue() && !m_sentContinue) {
                m_sentContinue = true;
                m_socket->write("HTTP/1.1 100 Continue\r\n\r\n");
            }
            return;
        }
        const QByteArray request = m_held.left(m_heldFramed);
        m_held.remove(0, m_heldFramed);
        m_heldFramed = 0;
        m_keepAlive = m_framer.keepAlive();
        m_http10 = m_framer.isHttp10();
        m_sentContinue = false;
        m_slowPath = !m_held.isEmpty();
        if (!handOver(request))
            return;
        // The handler may have finished synchronously (state Idle again): loop to serve what is held.
    }
}

bool ConnectionGuard::canDispatchDirectly() const
{
    return m_dispatch && !m_framer.isChunked() && !m_framer.wantsUpgrade();
}

namespace {

// "/path?query" into its parts, as QHttpServer's QUrl gave them (path and query percent-encoded). The
// common origin-form target without '%' is split as it is; anything else goes through QUrl.
void splitTarget(QByteArrayView target, QByteArray *path, QByteArray *query)
{
    if (target.startsWith('/') && !target.contains('%') && !target.contains('#')) {
        const qsizetype mark = target.indexOf('?');
        *path = (mark < 0 ? target : target.first(mark)).toByteArray();
        *query = mark < 0 ? QByteArray() : target.sliced(mark + 1).toByteArray();
        return;
    }
    const QUrl url = target.startsWith('/') ? QUrl::fromEncoded("http://localhost" + target.toByteArray())
                                            : QUrl::fromEncoded(target.toByteArray());
    *path = url.path(QUrl::FullyEncoded).toLatin1();
    *query = url.query(QUrl::FullyEncoded).toLatin1();
}

} // namespace

HttpRequest ConnectionGuard::takeRequest(QByteArrayView whole)
{
    HttpRequest request;
    request.method = m_framer.method().toByteArray();
    splitTarget(m_framer.target(), &request.path, &request.query);
    request.headers = m_framer.takeHeaders();
    const qint64 length = std::clamp<qint64>(m_framer.contentLength(), 0, whole.size());
    request.body = whole.last(qsizetype(length)).toByteArray();
    request.peer = m_socket->peerAddress();
    return request;
}

bool ConnectionGuard::handOver(QByteArrayView whole)
{
    const bool direct = canDispatchDirectly();
    HttpRequest request = direct ? takeRequest(whole) : HttpRequest();
    m_framer.reset();
    m_state = State::Dispatching; // the timer keeps running as a watchdog until dispatch
    armTimer(m_limits.headerTimeoutMs);
    QPointer<ConnectionGuard> self(this);
    if (direct)
        m_dispatch(std::move(request), m_socket);
    else
        injectForServer(whole);
    return !self.isNull();
}

void ConnectionGuard::injectForServer(QByteArrayView request)
{
    // The socket's read buffer is empty here (every read in slow mode drains it), so putting the
    // request back in front makes it exactly what QHttpServer reads next.
    if (m_socket->isTransactionStarted())
        m_socket->rollbackTransaction();
    for (qsizetype i = request.size() - 1; i >= 0; --i)
        m_socket->ungetChar(request[i]);
    QPointer<ConnectionGuard> self(this);
    m_injecting = true;
    Q_EMIT m_socket->readyRead();
    if (self)
        m_injecting = false;
}

void ConnectionGuard::requestDispatched()
{
    if (m_state == State::Closing)
        return;
    m_state = State::Responding;
    m_timer.stop();
}

void ConnectionGuard::responseFinished()
{
    if (m_state != State::Responding && m_state != State::Dispatching)
        return;
    ++m_requests;
    m_onClientGone = nullptr;
    if (!m_keepAlive) {
        m_state = State::Closing;
        armTimer(kLingerMs);
        if (unsentBytes(m_socket) == 0)
            shutdownWrite(m_socket);
        return;
    }
    if (m_held.isEmpty()) {
        m_state = State::Idle;
        armTimer(m_limits.keepAliveTimeoutMs);
        return;
    }
    m_state = State::Receiving;
    armTimer(m_limits.headerTimeoutMs);
    scheduleProcessHeld();
}

void ConnectionGuard::failAndClose(const ApiError &error)
{
    if (m_state == State::Closing)
        return;
    qCDebug(lcConnection) << "refusing request:" << error.status << error.code;
    const QByteArray body = openAiErrorBody(error);
    QByteArray response;
    response.reserve(160 + body.size());
    response += "HTTP/1.1 " + QByteArray::number(error.status) + ' ' + reasonPhrase(error.status)
        + "\r\nContent-Type: application/json\r\nContent-Length: " + QByteArray::number(body.size())
        + "\r\nConnection: close\r\n\r\n" + body;
    m_state = State::Closing;
    m_onClientGone = nullptr;
    m_held.clear();
    if (m_socket->isTransactionStarted())
        m_socket->rollbackTransaction();
    m_socket->skip(m_socket->bytesAvailable());
    m_socket->write(response);
    armTimer(kLingerMs);
}

void ConnectionGuard::detach()
{
    disconnect(m_socket, nullptr, this, nullptr);
    m_timer.stop();
    m_state = State::Closing; // ends processHeld()'s loop if the upgrade was injected from there
    m_onClientGone = nullptr;
    m_held.clear();
    m_heldFramed = 0;
}

void ConnectionGuard::onDisconnected()
{
    const bool wasResponding = m_state == State::Responding || m_state == State::Dispatching;
    m_state = State::Closing;
    m_timer.stop();
    if (wasResponding && m_onClientGone) {
        auto handler = std::move(m_onClientGone);
        m_onClientGone = nullptr;
        handler();
    }
}

void ConnectionGuard::timerEvent(QTimerEvent *event)
{
    if (event->timerId() != m_timer.timerId())
        return QObject::timerEvent(event);
    m_timer.stop();
    switch (m_state) {
    case State::Idle:
        m_state = State::Closing;
        m_socket->disconnectFromHost();
        break;
    case State::Receiving:
    case State::Dispatching:
        failAndClose(ApiError::make(408, QStringLiteral("request_timeout"),
                                    QStringLiteral("the request did not arrive completely within %1 ms")
                                        .arg(m_limits.headerTimeoutMs)));
        break;
    case State::Closing:
        m_socket->abort();
        break;
    case State::Responding:
        break;
    }
}

GuardedTcpServer::GuardedTcpServer(const ServerLimits &limits, QObject *parent)
    : QTcpServer(parent)
    , m_limits(limits)
{
    setMaxPendingConnections(1 << 20);
}

void GuardedTcpServer::incomingConnection(qintptr descriptor)
{
    const auto tls = m_tls ? m_tls->current() : nullptr;
    QTcpSocket *socket = nullptr;
    if (tls) {
        auto *ssl = new QSslSocket(this);
        ssl->setSslConfiguration(*tls);
        connect(ssl, &QSslSocket::sslErrors, ssl, [ssl](const QList<QSslError> &errors) {
            qCDebug(lcConnection) << "TLS handshake failed:" << errors;
            ssl->abort();
        });
        socket = ssl;
    } else {
        socket = new QTcpSocket(this);
    }
    if (!socket->setSocketDescriptor(descriptor)) {
        qCWarning(lcConnection) << "cannot adopt an accepted connection:" << socket->errorString();
        ::close(int(descriptor));
        delete socket;
        return;
    }
    socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    new ConnectionGuard(socket, m_limits, m_dispatch);
    if (tls)
        static_cast<QSslSocket *>(socket)->startServerEncryption();
    addPendingConnection(socket);
}

} // namespace airlock::http
