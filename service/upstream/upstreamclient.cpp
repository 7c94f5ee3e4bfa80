#include "upstreamclient.h"

#include "httpresponseparser.h"

#include <QHash>
#include <QLoggingCategory>
#include <QNetworkProxy>
#include <QSet>
#include <QSslSocket>
#include <QTcpSocket>
#include <QTimerEvent>

#include <charconv>
#include <limits>

namespace airlock::upstream {

// Debug output (per connection and timeout) is off unless enabled with QT_LOGGING_RULES.
Q_LOGGING_CATEGORY(lcUpstream, "airlock.upstream", QtInfoMsg)

namespace {

constexpr qsizetype ReadChunk = 16 * 1024;
constexpr qint64 NoDeadline = std::numeric_limits<qint64>::max();

bool asciiEqualsIgnoreCase(QByteArrayView a, QByteArrayView b)
{
    return a.size() == b.size() && a.compare(b, Qt::CaseInsensitive) == 0;
}

bool isTokenChar(char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return QByteArrayView("!#$%&'*+-.^_`|~").contains(c);
}

// A request header the caller passes must not be able to inject another header or a second request.
bool isValidRequestHeader(QByteArrayView name, QByteArrayView value)
{
    if (name.isEmpty())
        return false;
    for (char c : name) {
        if (!isTokenChar(c))
            return false;
    }
    for (char c : value) {
        if (c == '\r' || c == '\n' || c == '\0')
            return false;
    }
    return true;
}

struct PoolKey
{
    QString host;
    int port = 0;
    bool tls = false;
    friend bool operator==(const PoolKey &, const PoolKey &) = default;
};

size_t qHash(const PoolKey &key, size_t seed = 0)
{
    return qHashMulti(seed, key.host, key.port, key.tls);
}

} // namespace

QByteArray UpstreamResponseHead::header(QByteArrayView name) const
{
    for (const auto &[key, value] : headers) {
        if (asciiEqualsIgnoreCase(key, name))
            return value;
    }
    return {};
}

struct UpstreamClient::Private
{
    UpstreamClient *q;
    QElapsedTimer clock; // one monotonic clock for every deadline of this client
    QHash<PoolKey, QList<UpstreamConnection *>> idle;
    QSet<UpstreamConnection *> connections; // every connection object still alive, open or not
    QSet<UpstreamCall *> calls;             // calls not finished yet
    int open = 0;
    int idleCount = 0;
    int maxIdlePerHost = 256;
    int idleLifetimeMs = 30000;

    qint64 now() const { return clock.elapsed(); }
    void dispatch(UpstreamCall *call, bool allowPooled);
    UpstreamConnection *takeIdle(const PoolKey &key);
    void putIdle(UpstreamConnection *connection);
    void removeIdle(UpstreamConnection *connection);
    void reportError(UpstreamCall *call, UpstreamError error);
    void deliverError(UpstreamCall *call, const UpstreamError &error);
};

// One TCP (or TLS) connection to an upstream server; carries one exchange at a time. Owned by the
// client (QObject child) so that connections waiting for deleteLater die with it.
class UpstreamConnection : public QObject
{
public:
    UpstreamConnection(UpstreamClient::Private *d, PoolKey key);
    ~UpstreamConnection() override;

    void open();
    void attach(UpstreamCall *call);
    // Closes the socket at once (no graceful shutdown) and deletes this object later; idempotent.
    void dispose();

    UpstreamClient::Private *m_d;
    PoolKey m_key;
    QTcpSocket *m_socket = nullptr;
    UpstreamCall *m_call = nullptr;
    HttpResponseParser m_parser;
    QByteArray m_hostHeader; // "Host: h:p\r\n", built once per connection
    QByteArray m_writeBuffer; // reused for every request on this connection
    QByteArray m_readBuffer;
    qint64 m_connectStartedAt = 0;
    qint64 m_idleSince = 0;
    qint64 m_armedDeadline = NoDeadline;
    int m_timerId = 0;
    int m_busy = 0; // > 0 while a frame of ours is on the stack: never delete synchronously then
    bool m_connected = false; // TCP connected and, for https, TLS handshake done
    bool m_served = false;    // at least one response came over it: a reused connection
    bool m_closed = false;
    bool m_inPool = false;

protected:
    void timerEvent(QTimerEvent *event) override;

public: // internal class: the client's Private drives it directly
    struct Busy
    {
        explicit Busy(UpstreamConnection *c) : c(c) { ++c->m_busy; }
        ~Busy() { --c->m_busy; }
        UpstreamConnection *c;
    };

    void onConnected();
    void onReadyRead();
    void onSocketGone();
    void sendRequest();
    // Feeds bytes to the parser and reports events; false once this connection no longer carries the
    // call it started with (finished, aborted from a callback, or the client went away).
    bool process(QByteArrayView input);
    bool drainSocket();
    void completeCall(bool leftovers);
    void failCall(UpstreamError::Kind kind, QString message);
    UpstreamCall *detach();
    qint64 deadline(UpstreamError::Kind *kind) const;
    void armTimer(qint64 deadline);
    void stopTimer();
};

// ---------------------------------------------------------------------------------------------------
// UpstreamConnection

UpstreamConnection::UpstreamConnection(UpstreamClient::Private *d, PoolKey key)
    : QObject(d->q), m_d(d), m_key(std::move(key))
{
    m_d->connections.insert(this);
    ++m_d->open;

    const bool ipv6 = m_key.host.contains(QLatin1Char(':'));
    m_hostHeader = "Host: ";
    if (ipv6)
        m_hostHeader += '[';
    m_hostHeader += m_key.host.toLatin1(); // QUrl::host() is ACE-encoded ASCII for IDNs
    if (ipv6)
        m_hostHeader += ']';
    if (m_key.port != (m_key.tls ? 443 : 80)) {
        m_hostHeader += ':';
        m_hostHeader += QByteArray::number(m_key.port);
    }
    m_hostHeader += "\r\n";
    m_readBuffer.resize(ReadChunk);

    if (m_key.tls) {
        auto *ssl = new QSslSocket(this);
        ssl->setPeerVerifyMode(QSslSocket::VerifyPeer);
        connect(ssl, &QSslSocket::encrypted, this, [this] {
            if (m_closed)
                return;
            Busy busy(this);
            m_connected = true;
            if (m_call)
                sendRequest();
        });
        m_socket = ssl;
    } else {
        m_socket = new QTcpSocket(this);
    }
    // Model servers are on the organisation's network; never consult the application proxy.
    m_socket->setProxy(QNetworkProxy::NoProxy);
    connect(m_socket, &QAbstractSocket::connected, this, [this] { onConnected(); });
    connect(m_socket, &QIODevice::readyRead, this, [this] { onReadyRead(); });
    connect(m_socket, &QAbstractSocket::errorOccurred, this, [this] { onSocketGone(); });
    connect(m_socket, &QAbstractSocket::disconnected, this, [this] { onSocketGone(); });
}

UpstreamConnection::~UpstreamConnection()
{
    if (m_d)
        m_d->connections.remove(this);
}

void UpstreamConnection::open()
{
    m_connectStartedAt = m_d->now();
    qCDebug(lcUpstream) << "connecting to" << m_key.host << m_key.port << (m_key.tls ? "(tls)" : "");
    if (m_key.tls)
        static_cast<QSslSocket *>(m_socket)->connectToHostEncrypted(m_key.host, quint16(m_key.port));
    else
        m_socket->connectToHost(m_key.host, quint16(m_key.port));
}

void UpstreamConnection::attach(UpstreamCall *call)
{
    m_call = call;
    call->m_connection = this;
    m_parser.reset(call->m_request.method == "HEAD");
    if (m_connected)
        sendRequest();
    else
        armTimer(deadline(nullptr));
}

UpstreamCall *UpstreamConnection::detach()
{
    UpstreamCall *call = m_call;
    m_call = nullptr;
    if (call)
        call->m_connection = nullptr;
    stopTimer();
    return call;
}

void UpstreamConnection::dispose()
{
    if (m_closed)
        return;
    m_closed = true;
    m_call = nullptr;
    stopTimer();
    if (m_d) {
        if (m_inPool)
            m_d->removeIdle(this);
        --m_d->open;
    }
    // abort(), not disconnectFromHost(): the server must see the connection go now, so a GPU stops
    // generating for a client that left. Our slots ignore the signals this emits (m_closed).
    m_socket->abort();
    deleteLater();
}

void UpstreamConnection::onConnected()
{
    if (m_closed)
        return;
    // Small request writes and streamed chunks must not wait for Nagle's algorithm.
    m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    if (m_key.tls)
        return; // the request goes out once the handshake is done (encrypted())
    Busy busy(this);
    m_connected = true;
    if (m_call)
        sendRequest();
}

void UpstreamConnection::sendRequest()
{
    UpstreamCall *call = m_call;
    const UpstreamRequest &request = call->m_request;

    // One buffer, one write: request line, Host, Content-Length, the caller's headers, body.
    QByteArray &out = m_writeBuffer;
    out.resize(0); // keeps the capacity of the previous request on this connection
    const QByteArray target =
        request.url.toEncoded(QUrl::RemoveScheme | QUrl::RemoveAuthority | QUrl::RemoveFragment);
    out.reserve(64 + m_hostHeader.size() + target.size() + request.body.size() + 64 * request.headers.size());
    out += request.method;
    out += ' ';
    if (target.isEmpty() || target.front() != '/')
        out += '/';
    out += target;
    out += " HTTP/1.1\r\n";
    out += m_hostHeader;
    const bool bodyless = request.body.isEmpty() && (request.method == "GET" || request.method == "HEAD");
    if (!bodyless) {
        char digits[24];
        const auto result = std::to_chars(digits, digits + sizeof digits, request.body.size());
        out += "Content-Length: ";
        out.append(digits, result.ptr - digits);
        out += "\r\n";
    }
    for (const auto &[name, value] : request.headers) {
        if (!isValidRequestHeader(name, value)) {
            failCall(UpstreamError::Kind::Protocol, QStringLiteral("invalid request header"));
            return;
        }
        // The client frames the message itself.
        if (asciiEqualsIgnoreCase(name, "host") || asciiEqualsIgnoreCase(name, "content-length")
            || asciiEqualsIgnoreCase(name, "transfer-encoding"))
            continue;
        out += name;
        out += ": ";
        out += value;
        out += "\r\n";
    }
    out += "\r\n";
    out += request.body;

    call->m_sentAt = m_d->now();
    armTimer(deadline(nullptr));
    m_socket->write(out.constData(), out.size());
    // Push it to the kernel now rather than on the next event-loop pass; flush() does not block.
    // It may report an error synchronously (our slots then run): touch nothing after it.
    m_socket->flush();
}

void UpstreamConnection::onReadyRead()
{
    if (m_closed)
        return;
    Busy busy(this);
    if (!m_call) {
        // Bytes on an idle connection: the server broke the protocol; never reuse it.
        qCDebug(lcUpstream) << "unexpected bytes on an idle connection to" << m_key.host << m_key.port;
        dispose();
        return;
    }
    drainSocket();
}

bool UpstreamConnection::drainSocket()
{
    UpstreamCall *call = m_call;
    while (m_call == call && !m_closed) {
        const qint64 n = m_socket->read(m_readBuffer.data(), m_readBuffer.size());
        if (n <= 0)
            return true;
        // The idle deadline only moves later from one read to the next, so the timer is not re-armed
        // per read; but the first byte switches from the first-byte to the (maybe shorter) idle timeout.
        const bool firstByte = call->m_lastByteAt < 0;
        call->m_lastByteAt = m_d->now();
        if (firstByte)
            armTimer(deadline(nullptr));
        if (!process(QByteArrayView(m_readBuffer.constData(), n)))
            return false;
    }
    return false;
}

bool UpstreamConnection::process(QByteArrayView input)
{
    UpstreamCall *call = m_call;
    UpstreamCallHandler *handler = call->m_handler;
    for (;;) {
        switch (m_parser.next(input)) {
        case HttpResponseParser::Event::NeedMore:
            return true;
        case HttpResponseParser::Event::Head:
            handler->onHead(m_parser.head());
            break;
        case HttpResponseParser::Event::Body:
            handler->onBody(m_parser.body());
            break;
        case HttpResponseParser::Event::Complete:
            completeCall(!input.isEmpty());
            return false;
        case HttpResponseParser::Event::Error:
            qCWarning(lcUpstream) << "protocol error from" << m_key.host << m_key.port << ":"
                                  << m_parser.errorString();
            failCall(UpstreamError::Kind::Protocol, m_parser.errorString());
            return false;
        }
        // The handler may have aborted or deleted the call, or destroyed the client.
        if (m_call != call || m_closed)
            return false;
    }
}

void UpstreamConnection::onSocketGone()
{
    // Both errorOccurred and disconnected land here; the first one wins.
    if (m_closed)
        return;
    Busy busy(this);
    if (!m_call) {
        dispose(); // an idle connection the server closed
        return;
    }
    UpstreamCall *call = m_call;
    // Bytes that arrived with the close are still buffered: deliver them first.
    if (m_connected && m_socket->bytesAvailable() > 0 && !drainSocket())
        return;
    if (m_call != call || m_closed)
        return;

    if (!m_connected) {
        failCall(UpstreamError::Kind::ConnectFailed,
                 QStringLiteral("cannot connect to %1:%2: %3")
                     .arg(m_key.host)
                     .arg(m_key.port)
                     .arg(m_socket->errorString()));
        return;
    }
    if (m_served && call->m_lastByteAt < 0 && !call->m_retried) {
        // The server closed a keep-alive connection while it sat idle, and we reused it before we
        // noticed. It answered nothing, so it did not act on the request: send it again, once, on a
        // fresh connection.
        qCDebug(lcUpstream) << "stale keep-alive connection to" << m_key.host << m_key.port << "- retrying";
        call->m_retried = true;
        detach();
        dispose();
        m_d->dispatch(call, false);
        return;
    }
    if (m_parser.finish() == HttpResponseParser::Event::Complete) {
        completeCall(false); // a body delimited by the close
        return;
    }
    failCall(UpstreamError::Kind::Closed,
             call->m_lastByteAt < 0 ? QStringLiteral("connection closed before any response")
                                    : m_parser.errorString());
}

void UpstreamConnection::completeCall(bool leftovers)
{
    UpstreamCall *call = detach();
    m_served = true;
    UpstreamClient::Private *d = m_d;
    const bool reusable = m_parser.keepAlive() && !leftovers
        && m_socket->state() == QAbstractSocket::ConnectedState && m_socket->bytesAvailable() == 0;
    // Back to the pool before the handler hears of it, so that a request it starts from onComplete
    // can reuse this connection.
    if (reusable)
        d->putIdle(this);
    else
        dispose();

    call->m_finished = true;
    d->calls.remove(call);
    call->deleteLater(); // before the callback: the handler may delete the call itself
    call->m_handler->onComplete();
}

void UpstreamConnection::failCall(UpstreamError::Kind kind, QString message)
{
    UpstreamCall *call = detach();
    UpstreamClient::Private *d = m_d;
    dispose(); // a connection that failed an exchange is never reused
    d->reportError(call, UpstreamError{kind, std::move(message)});
}

qint64 UpstreamConnection::deadline(UpstreamError::Kind *kind) const
{
    const UpstreamCall *call = m_call;
    const EndpointTimeouts &t = call->m_request.timeouts;
    qint64 best = NoDeadline;
    auto consider = [&](qint64 since, int ms, UpstreamError::Kind k) {
        if (ms > 0 && since >= 0 && since + ms < best) {
            best = since + ms;
            if (kind)
                *kind = k;
        }
    };
    consider(call->m_startedAt, t.totalMs, UpstreamError::Kind::TotalTimeout);
    if (!m_connected)
        consider(m_connectStartedAt, t.connectMs, UpstreamError::Kind::ConnectTimeout);
    else if (call->m_lastByteAt < 0)
        consider(call->m_sentAt, t.firstByteMs, UpstreamError::Kind::FirstByteTimeout);
    else
        consider(call->m_lastByteAt, t.idleMs, UpstreamError::Kind::IdleTimeout);
    return best;
}

void UpstreamConnection::armTimer(qint64 deadline)
{
    // Deadlines only move later while bytes flow, so a timer that is already due earlier stays: when it
    // fires it re-reads the deadlines and re-arms. That keeps timer calls off the per-read path.
    if (deadline == NoDeadline || (m_timerId && deadline >= m_armedDeadline))
        return;
    stopTimer();
    const qint64 delay = std::max<qint64>(0, deadline - m_d->now());
    m_timerId = startTimer(int(std::min<qint64>(delay, std::numeric_limits<int>::max())), Qt::CoarseTimer);
    m_armedDeadline = deadline;
}

void UpstreamConnection::stopTimer()
{
    if (m_timerId) {
        killTimer(m_timerId);
        m_timerId = 0;
    }
    m_armedDeadline = NoDeadline;
}

void UpstreamConnection::timerEvent(QTimerEvent *event)
{
    if (event->timerId() != m_timerId) {
        QObject::timerEvent(event);
        return;
    }
    stopTimer();
    if (m_closed)
        return;
    Busy busy(this);
    const qint64 now = m_d->now();
    if (!m_call) {
        // Idle in the pool: expire it after the idle lifetime.
        const qint64 expiry = m_idleSince + m_d->idleLifetimeMs;
        if (now >= expiry)
            dispose();
        else
            armTimer(expiry);
        return;
    }
    UpstreamError::Kind kind = UpstreamError::Kind::TotalTimeout;
    const qint64 due = deadline(&kind);
    if (due > now) {
        armTimer(due); // coarse timers may fire early, and idle deadlines moved since arming
        return;
    }
    const EndpointTimeouts &t = m_call->m_request.timeouts;
    QString message;
    switch (kind) {
    case UpstreamError::Kind::ConnectTimeout:
        message = QStringLiteral("no connection to %1:%2 within %3 ms").arg(m_key.host).arg(m_key.port).arg(t.connectMs);
        break;
    case UpstreamError::Kind::FirstByteTimeout:
        message = QStringLiteral("no response within %1 ms").arg(t.firstByteMs);
        break;
    case UpstreamError::Kind::IdleTimeout:
        message = QStringLiteral("no data for %1 ms").arg(t.idleMs);
        break;
    default:
        message = QStringLiteral("exchange took longer than %1 ms").arg(t.totalMs);
        break;
    }
    qCDebug(lcUpstream) << "timeout:" << message;
    failCall(kind, std::move(message));
}

// ---------------------------------------------------------------------------------------------------
// UpstreamClient::Private

void UpstreamClient::Private::dispatch(UpstreamCall *call, bool allowPooled)
{
    const QUrl &url = call->m_request.url;
    const bool tls = url.scheme() == QLatin1String("https");
    PoolKey key{url.host(QUrl::FullyEncoded), url.port(tls ? 443 : 80), tls};
    UpstreamConnection *connection = allowPooled ? takeIdle(key) : nullptr;
    if (!connection) {
        connection = new UpstreamConnection(this, std::move(key));
        connection->open();
        if (connection->m_closed) { // cannot happen today; keeps the invariant if open() fails early
            reportError(call, {UpstreamError::Kind::ConnectFailed, QStringLiteral("cannot open a socket")});
            return;
        }
    }
    connection->attach(call);
}

UpstreamConnection *UpstreamClient::Private::takeIdle(const PoolKey &key)
{
    const auto it = idle.find(key);
    if (it == idle.end())
        return nullptr;
    // Most recently used first: the least likely to have been closed by the server's idle timeout.
    while (!it->isEmpty()) {
        UpstreamConnection *connection = it->takeLast();
        --idleCount;
        connection->m_inPool = false;
        if (connection->m_socket->state() == QAbstractSocket::ConnectedState
            && connection->m_socket->bytesAvailable() == 0)
            return connection;
        connection->dispose();
    }
    return nullptr;
}

void UpstreamClient::Private::putIdle(UpstreamConnection *connection)
{
    QList<UpstreamConnection *> &list = idle[connection->m_key];
    if (list.size() >= maxIdlePerHost) {
        connection->dispose();
        return;
    }
    list.append(connection);
    ++idleCount;
    connection->m_inPool = true;
    connection->m_idleSince = now();
    connection->armTimer(connection->m_idleSince + idleLifetimeMs);
}

void UpstreamClient::Private::removeIdle(UpstreamConnection *connection)
{
    const auto it = idle.find(connection->m_key);
    if (it != idle.end() && it->removeOne(connection))
        --idleCount;
    connection->m_inPool = false;
}

void UpstreamClient::Private::reportError(UpstreamCall *call, UpstreamError error)
{
    if (call->m_inStart) {
        // The caller of start() has not even got the call pointer yet: report from the event loop.
        // If the call is aborted or the client destroyed first, nothing is reported.
        QMetaObject::invokeMethod(
            call,
            [call, error = std::move(error)] {
                if (!call->m_finished && call->m_client)
                    call->m_client->d->deliverError(call, error);
            },
            Qt::QueuedConnection);
        return;
    }
    deliverError(call, error);
}

void UpstreamClient::Private::deliverError(UpstreamCall *call, const UpstreamError &error)
{
    call->m_finished = true;
    calls.remove(call);
    call->deleteLater(); // before the callback: the handler may delete the call itself
    call->m_handler->onError(error);
}

// ---------------------------------------------------------------------------------------------------
// UpstreamCall

UpstreamCall::UpstreamCall(UpstreamClient *client, UpstreamRequest request, UpstreamCallHandler *handler)
    : m_client(client), m_request(std::move(request)), m_handler(handler)
{
}

UpstreamCall::~UpstreamCall()
{
    // Deleted by its owner before it finished: same as abort().
    if (!m_finished) {
        m_finished = true;
        if (m_client)
            m_client->d->calls.remove(this);
        if (m_connection)
            m_connection->dispose();
        m_connection = nullptr;
    }
}

void UpstreamCall::abort()
{
    if (m_finished)
        return;
    m_finished = true;
    if (m_client)
        m_client->d->calls.remove(this);
    if (m_connection) {
        qCDebug(lcUpstream) << "aborting call to" << m_connection->m_key.host << m_connection->m_key.port;
        m_connection->dispose();
        m_connection = nullptr;
    }
    deleteLater();
}

// ---------------------------------------------------------------------------------------------------
// UpstreamClient

UpstreamClient::UpstreamClient(QObject *parent) : QObject(parent), d(new Private{this})
{
    d->clock.start();
}

UpstreamClient::~UpstreamClient()
{
    // Calls in flight end silently: their handlers hear nothing more (a QPointer to a call goes null).
    const QSet<UpstreamCall *> calls = std::exchange(d->calls, {});
    for (UpstreamCall *call : calls) {
        call->m_finished = true;
        call->m_connection = nullptr;
        call->m_client = nullptr;
        delete call;
    }
    const QSet<UpstreamConnection *> connections = std::exchange(d->connections, {});
    for (UpstreamConnection *connection : connections) {
        connection->m_d = nullptr;
        connection->m_call = nullptr;
        connection->m_inPool = false;
        if (!connection->m_closed) {
            connection->m_closed = true;
            connection->stopTimer();
            connection->m_socket->abort();
        }
        if (connection->m_busy) {
            // Destroyed from inside one of our own callbacks: that frame is still on the stack.
            connection->setParent(nullptr);
            connection->deleteLater();
        } else {
            delete connection;
        }
    }
    delete d;
}

UpstreamCall *UpstreamClient::start(UpstreamRequest request, UpstreamCallHandler *handler)
{
    auto *call = new UpstreamCall(this, std::move(request), handler);
    d->calls.insert(call);
    call->m_startedAt = d->now();
    call->m_inStart = true;
    const QUrl &url = call->m_request.url;
    const QString scheme = url.scheme();
    if (!url.isValid() || url.host().isEmpty()
        || (scheme != QLatin1String("http") && scheme != QLatin1String("https"))) {
        d->reportError(call, {UpstreamError::Kind::ConnectFailed, QStringLiteral("invalid upstream URL")});
    } else {
        d->dispatch(call, true);
    }
    call->m_inStart = false;
    return call;
}

int UpstreamClient::openConnections() const
{
    return d->open;
}

int UpstreamClient::idleConnections() const
{
    return d->idleCount;
}

void UpstreamClient::setMaxIdlePerHost(int count)
{
    d->maxIdlePerHost = std::max(0, count);
}

void UpstreamClient::setIdleLifetimeMs(int ms)
{
    d->idleLifetimeMs = std::max(0, ms);
}

} // namespace airlock::upstream
