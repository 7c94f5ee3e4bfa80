#include "testhttpclient.h"

#include <algorithm>

#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtNetwork/QTcpSocket>

namespace airlock::test {

namespace {

// A response head larger than this is treated as garbage (protects tests from a runaway parser).
constexpr qsizetype kMaxHeadSize = 1024 * 1024;

QByteArray findHeader(const HeaderList &headers, const QByteArray &name)
{
    for (const auto &h : headers) {
        if (h.first.compare(name, Qt::CaseInsensitive) == 0)
            return h.second;
    }
    return {};
}

bool containsHeader(const HeaderList &headers, const QByteArray &name)
{
    for (const auto &h : headers) {
        if (h.first.compare(name, Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}

} // namespace

// ---------------------------------------------------------------------------------------------------------
// HttpRequest

HttpRequest HttpRequest::get(const QByteArray &path)
{
    HttpRequest r;
    r.method = "GET";
    r.path = path;
    return r;
}

HttpRequest HttpRequest::post(const QByteArray &path, const QByteArray &body, const QByteArray &contentType)
{
    HttpRequest r;
    r.method = "POST";
    r.path = path;
    r.body = body;
    if (!contentType.isEmpty())
        r.headers.append({ "Content-Type", contentType });
    return r;
}

HttpRequest HttpRequest::postJson(const QByteArray &path, const QJsonObject &json)
{
    return post(path, QJsonDocument(json).toJson(QJsonDocument::Compact));
}

HttpRequest &HttpRequest::withHeader(const QByteArray &name, const QByteArray &value)
{
    headers.append({ name, value });
    return *this;
}

HttpRequest &HttpRequest::withBearer(const QByteArray &token)
{
    return withHeader("Authorization", "Bearer " + token);
}

QByteArray HttpRequest::serialize(const QByteArray &hostHeader) const
{
    QByteArray out = method + ' ' + path + " HTTP/1.1\r\n";
    if (addDefaultHeaders && !containsHeader(headers, "host"))
        out += "Host: " + hostHeader + "\r\n";
    for (const auto &h : headers)
        out += h.first + ": " + h.second + "\r\n";
    const bool bodyMethod = method == "POST" || method == "PUT" || method == "PATCH";
    if (addDefaultHeaders && (!body.isEmpty() || bodyMethod) && !containsHeader(headers, "content-length")
        && !containsHeader(headers, "transfer-encoding")) {
        out += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
    }
    out += "\r\n";
    out += body;
    return out;
}

QByteArray encodeChunked(const QList<QByteArray> &pieces)
{
    QByteArray out;
    for (const QByteArray &piece : pieces) {
        if (piece.isEmpty())
            continue; // an empty chunk would end the body
        out += QByteArray::number(piece.size(), 16) + "\r\n" + piece + "\r\n";
    }
    return out + "0\r\n\r\n";
}

// ---------------------------------------------------------------------------------------------------------
// SseEvent, HttpResponse

QJsonObject SseEvent::json() const
{
    return QJsonDocument::fromJson(data).object();
}

QByteArray HttpResponse::header(const QByteArray &name) const
{
    return findHeader(headers, name);
}
bool HttpResponse::hasHeader(const QByteArray &name) const
{
    return containsHeader(headers, name);
}
QJsonObject HttpResponse::json() const
{
    return QJsonDocument::fromJson(body).object();
}

QString HttpResponse::streamedText() const
{
    QString text;
    for (const SseEvent &event : events) {
        if (event.isDone())
            continue;
        const QJsonObject choice = event.json().value(QStringLiteral("choices")).toArray().at(0).toObject();
        const QJsonObject delta = choice.value(QStringLiteral("delta")).toObject();
        if (delta.contains(QStringLiteral("content")))
            text += delta.value(QStringLiteral("content")).toString();
        else
            text += choice.value(QStringLiteral("text")).toString();
    }
    return text;
}

int HttpResponse::dataEventCount() const
{
    return int(std::count_if(
        events.cbegin(), events.cend(), [](const SseEvent &e) { return !e.data.isEmpty() && !e.isDone(); }));
}

bool HttpResponse::sawDone() const
{
    return std::any_of(events.cbegin(), events.cend(), [](const SseEvent &e) { return e.isDone(); });
}

// ---------------------------------------------------------------------------------------------------------
// TestHttpClient

TestHttpClient::TestHttpClient(quint16 port, QObject *parent)
    : TestHttpClient(QHostAddress(QHostAddress::LocalHost), port, parent)
{
}

TestHttpClient::TestHttpClient(const QHostAddress &host, quint16 port, QObject *parent)
    : QObject(parent), m_host(host), m_port(port)
{
    qRegisterMetaType<airlock::test::SseEvent>();
}

TestHttpClient::~TestHttpClient()
{
    if (m_socket) {
        disconnect(m_socket, nullptr, this, nullptr);
        m_socket->abort();
        delete m_socket;
    }
}

void TestHttpClient::connectToServer()
{
    ensureSocket();
}

void TestHttpClient::ensureSocket()
{
    if (m_started)
        return;
    m_started = true;
    m_socket = new QTcpSocket(this);
    connect(m_socket, &QTcpSocket::connected, this, &TestHttpClient::onConnected);
    connect(m_socket, &QTcpSocket::readyRead, this, &TestHttpClient::onReadyRead);
    // stateChanged(Unconnected) covers both a lost connection and a failed connect (no `disconnected`).
    connect(m_socket, &QAbstractSocket::stateChanged, this, [this](QAbstractSocket::SocketState state) {
        if (state == QAbstractSocket::UnconnectedState)
            onUnconnected();
    });
    m_socket->connectToHost(m_host, m_port);
}

bool TestHttpClient::waitForConnected(int timeoutMs)
{
    ensureSocket();
    return waitUntil([this] { return isConnected() || m_closed; }, timeoutMs) && isConnected();
}

bool TestHttpClient::isConnected() const
{
    return m_socket && m_socket->state() == QAbstractSocket::ConnectedState;
}

quint16 TestHttpClient::localPort() const
{
    return m_socket ? m_socket->localPort() : 0;
}
bool TestHttpClient::serverClosed() const
{
    return m_serverClosed;
}
bool TestHttpClient::connectionFailed() const
{
    return m_closed && !m_everConnected;
}
TimePoint TestHttpClient::closedAt() const
{
    return m_closedAt;
}
bool TestHttpClient::isClosed() const
{
    return m_closed;
}
QAbstractSocket::SocketError TestHttpClient::socketError() const
{
    return m_socketError;
}
TimePoint TestHttpClient::abortedAt() const
{
    return m_abortedAt;
}
const QList<HttpResponse> &TestHttpClient::responses() const
{
    return m_responses;
}
QByteArray TestHttpClient::rawReceived() const
{
    return m_raw;
}

int TestHttpClient::completedResponses() const
{
    return int(std::count_if(
        m_responses.cbegin(), m_responses.cend(), [](const HttpResponse &r) { return r.complete; }));
}

const HttpResponse *TestHttpClient::currentResponse() const
{
    return m_responses.isEmpty() ? nullptr : &m_responses.constLast();
}

void TestHttpClient::onConnected()
{
    m_everConnected = true;
    // Small SSE chunks must leave at once; the gateway under test sees requests exactly as written.
    m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    if (!m_pendingWrites.isEmpty()) {
        m_socket->write(m_pendingWrites);
        m_socket->flush();
        m_pendingWrites.clear();
    }
    Q_EMIT connected();
}

void TestHttpClient::writeBytes(const QByteArray &bytes)
{
    ensureSocket();
    if (m_closed)
        return;
    if (isConnected()) {
        m_socket->write(bytes);
        m_socket->flush();
    } else {
        m_pendingWrites += bytes;
    }
}

void TestHttpClient::sendRequest(const HttpRequest &request)
{
    ensureSocket();
    const QByteArray host = m_host.toString().toLatin1() + ':' + QByteArray::number(m_port);
    m_expected.enqueue({ request.method, now() });
    writeBytes(request.serialize(host));
}

void TestHttpClient::sendRaw(const QByteArray &bytes)
{
    writeBytes(bytes);
}

void TestHttpClient::abort()
{
    if (!m_socket || m_closed)
        return;
    m_abortedAt = now();
    m_localClose = true;
    m_socket->abort(); // ends in onUnconnected() via stateChanged
    if (!m_closed)
        onUnconnected();
}

void TestHttpClient::close()
{
    if (!m_socket || m_closed)
        return;
    m_localClose = true;
    m_socket->disconnectFromHost();
}

void TestHttpClient::onReadyRead()
{
    const QByteArray data = m_socket->readAll();
    if (data.isEmpty())
        return;
    const TimePoint at = now();
    m_raw += data;
    m_buffer += data;
    parse(at);
}

void TestHttpClient::onUnconnected()
{
    if (m_closed)
        return;
    const TimePoint at = now();
    if (m_socket)
        m_socketError = m_socket->error();
    // Bytes that arrived together with the close.
    if (m_socket && m_socket->bytesAvailable() > 0) {
        const QByteArray data = m_socket->readAll();
        m_raw += data;
        m_buffer += data;
        parse(at);
    }
    if (m_state == State::CloseBody && !m_responses.isEmpty() && !m_responses.last().complete) {
        finishResponse(at);
    } else if (!m_responses.isEmpty() && !m_responses.last().complete) {
        m_responses.last().truncated = true;
        m_responses.last().finishedAt = at;
    } else if (m_state == State::Head && !m_buffer.isEmpty()) {
        HttpResponse partial; // part of a head, then the connection ended
        partial.truncated = true;
        partial.parseError = "connection closed inside the response head";
        partial.finishedAt = at;
        m_responses.append(partial);
    }
    m_buffer.clear();
    endConnection(!m_localClose);
}

void TestHttpClient::endConnection(bool byServer)
{
    if (m_closed)
        return;
    m_closed = true;
    m_serverClosed = byServer;
    m_closedAt = now();
    m_state = State::Failed;
    Q_EMIT connectionClosed();
}

void TestHttpClient::failParse(const QByteArray &why)
{
    if (m_responses.isEmpty() || m_responses.last().complete) {
        HttpResponse bad;
        m_responses.append(bad);
    }
    HttpResponse &r = m_responses.last();
    r.parseError = why;
    r.truncated = true;
    r.finishedAt = now();
    m_state = State::Failed;
    m_buffer.clear();
    if (m_socket) {
        m_localClose = true;
        m_socket->abort();
    }
}

void TestHttpClient::parse(TimePoint at)
{
    while (!m_buffer.isEmpty() && m_state != State::Failed && !m_closed) {
        switch (m_state) {
        case State::Head:
            if (!parseHead(at))
                return;
            break;
        case State::Body: {
            const qsizetype n = qMin<qsizetype>(m_remaining, m_buffer.size());
            const QByteArray piece = m_buffer.left(n);
            m_buffer.remove(0, n);
            m_remaining -= n;
            appendBody(piece, at);
            if (m_remaining == 0)
                finishResponse(at);
            break;
        }
        case State::ChunkSize: {
            const qsizetype eol = m_buffer.indexOf("\r\n");
            if (eol < 0) {
                if (m_buffer.size() > 1024)
                    failParse("chunk-size line too long");
                return;
            }
            QByteArray line = m_buffer.left(eol);
            m_buffer.remove(0, eol + 2);
            const qsizetype ext = line.indexOf(';');
            if (ext >= 0)
                line.truncate(ext);
            bool ok = false;
            const qint64 size = line.trimmed().toLongLong(&ok, 16);
            if (!ok || size < 0) {
                failParse("bad chunk-size line: " + line);
                return;
            }
            if (size == 0) {
                m_state = State::Trailers;
            } else {
                m_remaining = size;
                m_chunk.clear();
                m_state = State::ChunkData;
            }
            break;
        }
        case State::ChunkData: {
            const qsizetype n = qMin<qsizetype>(m_remaining, m_buffer.size());
            m_chunk += m_buffer.left(n);
            m_buffer.remove(0, n);
            m_remaining -= n;
            if (m_remaining == 0) {
                m_state = State::ChunkDataEnd;
                const QByteArray chunk = m_chunk;
                m_chunk.clear();
                appendBody(chunk, at);
            }
            break;
        }
        case State::ChunkDataEnd:
            if (m_buffer.size() < 2)
                return;
            if (!m_buffer.startsWith("\r\n")) {
                failParse("chunk data not followed by CRLF");
                return;
            }
            m_buffer.remove(0, 2);
            m_state = State::ChunkSize;
            break;
        case State::Trailers: {
            const qsizetype eol = m_buffer.indexOf("\r\n");
            if (eol < 0)
                return;
            const QByteArray line = m_buffer.left(eol);
            m_buffer.remove(0, eol + 2);
            if (line.isEmpty()) {
                finishResponse(at);
            } else {
                const qsizetype colon = line.indexOf(':');
                if (colon > 0 && !m_responses.isEmpty())
                    m_responses.last().trailers.append(
                        { line.left(colon).trimmed(), line.mid(colon + 1).trimmed() });
            }
            break;
        }
        case State::CloseBody: {
            const QByteArray piece = m_buffer;
            m_buffer.clear();
            appendBody(piece, at);
            break;
        }
        case State::Failed:
            return;
        }
    }
}

// Parses one response head from m_buffer; false if more bytes are needed (or parsing failed).
bool TestHttpClient::parseHead(TimePoint at)
{
    const qsizetype end = m_buffer.indexOf("\r\n\r\n");
    if (end < 0) {
        if (m_buffer.size() > kMaxHeadSize)
            failParse("response head too large");
        return false;
    }
    const QByteArray headBytes = m_buffer.left(end);
    m_buffer.remove(0, end + 4);
    const QList<QByteArray> lines = headBytes.split('\n');

    HttpResponse r;
    const QByteArray statusLine = lines.value(0).trimmed();
    const QList<QByteArray> parts = statusLine.split(' ');
    bool ok = false;
    r.version = parts.value(0);
    r.status = parts.value(1).toInt(&ok);
    if (!r.version.startsWith("HTTP/") || !ok || r.status < 100 || r.status > 999) {
        failParse("bad status line: " + statusLine);
        return false;
    }
    r.reason = statusLine.mid(r.version.size() + 1 + parts.value(1).size()).trimmed();
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArray line = lines.at(i).trimmed();
        if (line.isEmpty())
            continue;
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0) {
            failParse("bad header line: " + line);
            return false;
        }
        r.headers.append({ line.left(colon).trimmed(), line.mid(colon + 1).trimmed() });
    }
    // Interim responses (100 Continue, 103 Early Hints) precede the real one: skip them.
    if (r.status < 200 && r.status != 101)
        return true;

    r.headComplete = true;
    r.headAt = at;
    QByteArray method;
    if (!m_expected.isEmpty()) {
        const auto expected = m_expected.dequeue();
        method = expected.first;
        r.sentAt = expected.second;
    }
    m_headOnly = method == "HEAD";
    const QByteArray te = r.header("transfer-encoding").toLower();
    const QByteArray cl = r.header("content-length");
    if (m_headOnly || r.status == 204 || r.status == 304 || r.status == 101) {
        r.framing = HttpResponse::Framing::None;
    } else if (te.contains("chunked")) {
        r.framing = HttpResponse::Framing::Chunked;
    } else if (!cl.isEmpty()) {
        bool clOk = false;
        m_remaining = cl.trimmed().toLongLong(&clOk);
        if (!clOk || m_remaining < 0) {
            m_responses.append(r);
            failParse("bad Content-Length: " + cl);
            return false;
        }
        r.framing = HttpResponse::Framing::ContentLength;
    } else {
        r.framing = HttpResponse::Framing::CloseDelimited;
    }
    m_responses.append(r);
    m_sseBuffer.clear();
    m_sseEvent = SseEvent();
    m_sseHasData = false;
    const int index = int(m_responses.size() - 1);

    switch (r.framing) {
    case HttpResponse::Framing::None:
        m_state = State::Head;
        break;
    case HttpResponse::Framing::Chunked:
        m_state = State::ChunkSize;
        break;
    case HttpResponse::Framing::ContentLength:
        m_state = State::Body;
        break;
    case HttpResponse::Framing::CloseDelimited:
        m_state = State::CloseBody;
        break;
    }
    Q_EMIT headReceived(index);
    if (m_closed)
        return false;
    if (r.framing == HttpResponse::Framing::None
        || (r.framing == HttpResponse::Framing::ContentLength && m_remaining == 0)) {
        finishResponse(at);
    }
    return !m_closed;
}

void TestHttpClient::appendBody(const QByteArray &data, TimePoint at)
{
    if (m_responses.isEmpty() || data.isEmpty())
        return;
    const int index = int(m_responses.size() - 1);
    HttpResponse &r = m_responses[index];
    r.body += data;
    r.pieces.append({ data, at });
    const bool sse = r.header("content-type").toLower().startsWith("text/event-stream");
    Q_EMIT bodyPieceReceived(index);
    if (sse && !m_closed)
        feedSse(index, data, at);
}

// Incremental text/event-stream parser (WHATWG rules: lines end in LF, CRLF or CR; a blank line dispatches).
void TestHttpClient::feedSse(int index, const QByteArray &data, TimePoint at)
{
    m_sseBuffer += data;
    for (;;) {
        const qsizetype lf = m_sseBuffer.indexOf('\n');
        const qsizetype cr = m_sseBuffer.indexOf('\r');
        qsizetype eol = -1;
        qsizetype next = -1;
        if (cr >= 0 && (lf < 0 || cr < lf)) {
            if (cr + 1 >= m_sseBuffer.size())
                return; // a CR at the end may be the first half of CRLF
            eol = cr;
            next = m_sseBuffer.at(cr + 1) == '\n' ? cr + 2 : cr + 1;
        } else if (lf >= 0) {
            eol = lf;
            next = lf + 1;
        } else {
            return;
        }
        const QByteArray line = m_sseBuffer.left(eol);
        m_sseBuffer.remove(0, next);

        if (line.isEmpty()) {
            if (m_sseHasData) {
                SseEvent event = m_sseEvent;
                event.at = at;
                m_responses[index].events.append(event);
                m_sseEvent = SseEvent();
                m_sseHasData = false;
                Q_EMIT eventReceived(index, event);
                if (m_closed)
                    return;
            } else {
                m_sseEvent = SseEvent();
            }
            continue;
        }
        if (line.startsWith(':'))
            continue; // comment / keep-alive
        const qsizetype colon = line.indexOf(':');
        const QByteArray field = colon < 0 ? line : line.left(colon);
        QByteArray value = colon < 0 ? QByteArray() : line.mid(colon + 1);
        if (value.startsWith(' '))
            value.remove(0, 1);
        if (field == "data") {
            if (m_sseHasData)
                m_sseEvent.data += '\n';
            m_sseEvent.data += value;
            m_sseHasData = true;
        } else if (field == "event") {
            m_sseEvent.event = value;
        } else if (field == "id") {
            m_sseEvent.id = value;
        }
    }
}

void TestHttpClient::finishResponse(TimePoint at)
{
    if (m_responses.isEmpty())
        return;
    const int index = int(m_responses.size() - 1);
    HttpResponse &r = m_responses[index];
    r.complete = true;
    r.finishedAt = at;
    m_state = State::Head;
    m_remaining = 0;
    Q_EMIT responseFinished(index);
}

HttpResponse TestHttpClient::request(const HttpRequest &request, int timeoutMs)
{
    if (m_closed) {
        HttpResponse none;
        none.truncated = true;
        none.parseError = "connection already closed";
        return none;
    }
    // This request's response comes after every response already started and every one still expected.
    const qsizetype index = m_responses.size() + m_expected.size();
    sendRequest(request);
    waitUntil([&] { return m_closed || (m_responses.size() > index && m_responses.at(index).complete); },
        timeoutMs);
    if (m_responses.size() > index)
        return m_responses.at(index);
    HttpResponse none;
    none.truncated = m_closed;
    return none;
}

bool TestHttpClient::waitForResponses(int count, int timeoutMs)
{
    return waitUntil([&] { return completedResponses() >= count || m_closed; }, timeoutMs)
        && completedResponses() >= count;
}

bool TestHttpClient::waitForHead(int timeoutMs)
{
    return waitUntil(
               [&] { return (currentResponse() && currentResponse()->headComplete) || m_closed; }, timeoutMs)
        && currentResponse() && currentResponse()->headComplete;
}

bool TestHttpClient::waitForEvents(int count, int timeoutMs)
{
    const auto enough = [&] { return currentResponse() && currentResponse()->events.size() >= count; };
    return waitUntil([&] { return enough() || m_closed; }, timeoutMs) && enough();
}

bool TestHttpClient::waitForClosed(int timeoutMs)
{
    ensureSocket();
    return waitUntil([&] { return m_closed; }, timeoutMs);
}

HttpResponse TestHttpClient::fetch(quint16 port, const HttpRequest &request, int timeoutMs)
{
    TestHttpClient client(port);
    return client.request(request, timeoutMs);
}

std::vector<std::unique_ptr<TestHttpClient>> TestHttpClient::launch(
    quint16 port, int count, const HttpRequest &request)
{
    std::vector<std::unique_ptr<TestHttpClient>> clients;
    clients.reserve(std::size_t(count));
    for (int i = 0; i < count; ++i) {
        clients.push_back(std::make_unique<TestHttpClient>(port));
        clients.back()->sendRequest(request);
    }
    return clients;
}

} // namespace airlock::test
