#include "httpexchange.h"

#include "connectionguard.h"

#include <QDateTime>
#include <QTcpSocket>

namespace airlock::http {

namespace {

// True when the comma-separated list `flags` holds `flag` as one whole item (blanks around items
// ignored): "a, expanded_ai_logging" has it, "expanded_ai_logging_v2" does not.
bool hasFeatureFlag(QByteArrayView flags, QByteArrayView flag)
{
    while (!flags.isEmpty()) {
        const qsizetype comma = flags.indexOf(',');
        QByteArrayView item = comma < 0 ? flags : flags.first(comma);
        flags = comma < 0 ? QByteArrayView() : flags.sliced(comma + 1);
        if (item.trimmed() == flag)
            return true;
    }
    return false;
}

} // namespace

QByteArray HttpRequest::header(QByteArrayView name) const
{
    for (const auto &[key, value] : headers) {
        if (QByteArrayView(key).compare(name, Qt::CaseInsensitive) == 0)
            return value;
    }
    return {};
}

HttpExchange::HttpExchange(QTcpSocket *socket, HttpRequest request, RequestObserver *observer)
    : m_socket(socket)
    , m_observer(observer)
    , m_guard(ConnectionGuard::of(socket))
    , m_request(std::move(request))
{
    m_timer.start();
    if (m_observer) {
        m_record.startedAtMs = QDateTime::currentMSecsSinceEpoch();
        m_record.method = m_request.method;
        m_record.path = m_request.path;
        m_record.requestId = QString::fromLatin1(m_request.header("x-request-id"));
        m_record.userAgent = QString::fromUtf8(m_request.header("user-agent"));
        m_record.clientIp = m_request.peer.toString();
        m_record.clientVersion = QString::fromLatin1(m_request.header("x-gitlab-language-server-version"));
        m_record.promptBytes = m_request.body.size();
        // Body capture: on for everything by admin setting, or for this request by GitLab's
        // `expanded_ai_logging` flag. The logger redacts secrets off the hot path.
        // Decided here, once, for every dialect: adapters must not overwrite it.
        m_record.captureBodies = m_observer->captureAllBodies()
            || hasFeatureFlag(m_request.header("x-gitlab-enabled-feature-flags"), "expanded_ai_logging");
        if (m_record.captureBodies)
            m_record.promptBody = m_request.body.left(kMaxCapturedBodyBytes);
    }
    if (m_guard)
        m_guard->requestDispatched();
}

HttpExchange::~HttpExchange()
{
    if (m_guard)
        m_guard->setClientGoneHandler({});
    const bool clientLeft = !m_finished && !clientConnected();
    if (!m_finished && m_socket) {
        // Nobody can complete this response any more; the connection cannot be reused.
        m_socket->abort();
    }
    if (m_observer) {
        if (m_record.requestId.isEmpty())
            m_record.requestId = QString::number(quintptr(this), 16) + QString::number(m_record.startedAtMs, 36);
        m_record.status = m_finished || !clientLeft ? (m_status ? m_status : 500) : 499;
        if (clientLeft && m_record.errorCode.isEmpty())
            m_record.errorCode = QStringLiteral("client_closed_request");
        m_record.totalMs = m_finishedMs >= 0 ? m_finishedMs : m_timer.nsecsElapsed() / 1e6;
        m_observer->requestFinished(std::move(m_record));
    }
    if (m_liveCounter)
        m_liveCounter->fetch_sub(1, std::memory_order_acq_rel);
}

void HttpExchange::countIn(std::shared_ptr<std::atomic<int>> counter)
{
    if (m_liveCounter || !counter)
        return;
    counter->fetch_add(1, std::memory_order_acq_rel);
    m_liveCounter = std::move(counter);
}

bool HttpExchange::clientConnected() const
{
    return m_socket && m_socket->state() == QAbstractSocket::ConnectedState;
}

void HttpExchange::onClientGone(std::function<void()> handler)
{
    if (m_guard)
        m_guard->setClientGoneHandler(std::move(handler));
}

void HttpExchange::addResponseHeader(QByteArray name, QByteArray value)
{
    m_responseHeaders.append({std::move(name), std::move(value)});
}

void HttpExchange::appendHead(QByteArray &out, int status, QByteArrayView contentType, const HeaderPairs &extra,
                              qint64 length)
{
    const bool keepAlive = m_guard ? m_guard->keepAlive() : false;
    out += m_guard && m_guard->isHttp10() ? "HTTP/1.0 " : "HTTP/1.1 ";
    out += QByteArray::number(status);
    out += ' ';
    out += reasonPhrase(status);
    out += "\r\n";
    if (!contentType.isEmpty()) {
        out += "Content-Type: ";
        out += contentType;
        out += "\r\n";
    }
    if (length >= 0) {
        out += "Content-Length: ";
        out += QByteArray::number(length);
        out += "\r\n";
    } else if (m_chunked) {
        out += "Transfer-Encoding: chunked\r\n";
    }
    if (!keepAlive || (length < 0 && !m_chunked))
        out += "Connection: close\r\n";
    else if (m_guard && m_guard->isHttp10())
        out += "Connection: keep-alive\r\n";
    if (m_processTime) {
        out += "X-Process-Time: ";
        out += QByteArray::number(m_timer.nsecsElapsed() / 1e9, 'f', 6);
        out += "\r\n";
    }
    {
        // Time spent inside Airlock so far, without the model server's part (its whole answer for a
        // buffered response, its time to first byte for a stream). airlock_overhead_seconds has the same
        // measure over whole requests.
        const RequestRecord &r = m_record;
        const double upstream = r.upstreamMs >= 0 ? r.upstreamMs : qMax(0.0, r.upstreamFirstByteMs);
        out += "X-Airlock-Overhead-Ms: ";
        out += QByteArray::number(qMax(0.0, m_timer.nsecsElapsed() / 1e6 - upstream), 'f', 3);
        out += "\r\n";
    }
    for (const HeaderPairs *list : {static_cast<const HeaderPairs *>(&m_responseHeaders), &extra}) {
        for (const auto &[name, value] : *list) {
            out += name;
            out += ": ";
            out += value;
            out += "\r\n";
        }
    }
    out += "\r\n";
}

void HttpExchange::respond(int status, QByteArrayView contentType, QByteArrayView body, const HeaderPairs &extra)
{
    if (m_started)
        return;
    m_started = true;
    m_status = status;
    m_bytesOut += body.size();
    if (m_record.captureBodies)
        captureAnswer(body);
    if (m_socket) {
        QByteArray out;
        out.reserve(256 + body.size());
        appendHead(out, status, contentType, extra, body.size());
        if (m_request.method != "HEAD")
            out += body;
        m_socket->write(out);
        // To the kernel now, not on the next event-loop pass through the write notifier: one pass and
        // two notifier switches less per request. flush() writes what the socket takes; it never blocks.
        m_socket->flush();
    }
    finish();
}

void HttpExchange::respondError(const ApiError &error)
{
    m_record.errorCode = error.code;
    m_record.errorMessage = error.message;
    respond(error.status, "application/json", openAiErrorBody(error));
}

void HttpExchange::beginStream(int status, QByteArrayView contentType, const HeaderPairs &extra)
{
    if (m_started)
        return;
    m_started = true;
    m_status = status;
    // HTTP/1.0 has no chunked coding: the stream ends when the connection closes.
    m_chunked = !(m_guard && m_guard->isHttp10());
    if (!m_socket)
        return;
    QByteArray out;
    out.reserve(256);
    appendHead(out, status, contentType, extra, -1);
    m_socket->write(out);
}

void HttpExchange::writeChunk(QByteArrayView data)
{
    if (!m_started || m_finished || data.isEmpty() || !m_socket)
        return;
    m_bytesOut += data.size();
    if (m_record.captureBodies)
        captureAnswer(data);
    if (!m_chunked) {
        m_socket->write(data.data(), data.size());
        m_socket->flush();
        return;
    }
    QByteArray out;
    out.reserve(data.size() + 16);
    out += QByteArray::number(data.size(), 16);
    out += "\r\n";
    out += data;
    out += "\r\n";
    m_socket->write(out);
    m_socket->flush(); // each chunk reaches the client as soon as it arrives (see respond())
}

void HttpExchange::endStream()
{
    if (!m_started || m_finished)
        return;
    if (m_socket) {
        if (m_chunked) {
            m_socket->write("0\r\n\r\n", 5);
            m_socket->flush();
        } else if (m_guard) // close-delimited: the guard closes after the response
            m_guard->setClientGoneHandler({});
    }
    if (!m_chunked && m_socket) {
        m_finished = true;
        m_socket->disconnectFromHost();
        return;
    }
    finish();
}

void HttpExchange::abortStream()
{
    if (m_finished)
        return;
    m_finished = true;
    if (m_socket)
        m_socket->abort();
}

void HttpExchange::finish()
{
    if (m_finished)
        return;
    m_finished = true;
    m_finishedMs = m_timer.nsecsElapsed() / 1e6;
    m_record.answerBytes = m_bytesOut;
    if (m_guard)
        m_guard->responseFinished();
}

void HttpExchange::captureAnswer(QByteArrayView data)
{
    const qsizetype room = kMaxCapturedBodyBytes - m_record.answerBody.size();
    if (room > 0)
        m_record.answerBody.append(data.first(qMin(room, data.size())));
}

} // namespace airlock::http
