#include "requestframer.h"

#include <QList>

namespace airlock::http {

namespace {

constexpr qsizetype kMaxChunkLine = 1024;

bool isTokenChar(char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+': case '-': case '.':
    case '^': case '_': case '`': case '|': case '~':
        return true;
    default:
        return false;
    }
}

bool isToken(QByteArrayView s)
{
    if (s.isEmpty())
        return false;
    for (char c : s) {
        if (!isTokenChar(c))
            return false;
    }
    return true;
}

QByteArrayView trimmed(QByteArrayView s)
{
    while (!s.isEmpty() && (s.front() == ' ' || s.front() == '\t'))
        s = s.sliced(1);
    while (!s.isEmpty() && (s.back() == ' ' || s.back() == '\t'))
        s.chop(1);
    return s;
}

bool equalsIgnoringCase(QByteArrayView a, const char *b)
{
    return a.compare(QByteArrayView(b), Qt::CaseInsensitive) == 0;
}

// Parses a non-negative decimal; false on anything else. Values over 2^62 saturate (they exceed any limit).
bool parseLength(QByteArrayView s, qint64 *out)
{
    if (s.isEmpty())
        return false;
    qint64 v = 0;
    for (char c : s) {
        if (c < '0' || c > '9')
            return false;
        if (v < (qint64(1) << 58))
            v = v * 10 + (c - '0');
    }
    *out = v;
    return true;
}

} // namespace

void RequestFramer::reset()
{
    m_state = State::Start;
    m_head.clear();
    m_line.clear();
    m_method.clear();
    m_target.clear();
    m_headers.clear();
    m_upgrade = false;
    m_contentLength = -1;
    m_remaining = 0;
    m_bodyBytes = 0;
    m_trailerBytes = 0;
    m_chunked = false;
    m_keepAlive = true;
    m_expectContinue = false;
    m_http10 = false;
    m_errorStatus = 0;
    m_errorCode.clear();
    m_errorMessage.clear();
}

RequestFramer::Outcome RequestFramer::fail(int status, const char *code, QString message, qsizetype consumed)
{
    m_state = State::Failed;
    m_errorStatus = status;
    m_errorCode = QLatin1String(code);
    m_errorMessage = std::move(message);
    return {Status::Error, consumed};
}

RequestFramer::Outcome RequestFramer::feed(QByteArrayView data)
{
    qsizetype pos = 0;
    const qsizetype size = data.size();
    while (true) {
        switch (m_state) {
        case State::Failed:
            return {Status::Error, 0};
        case State::Done:
            return {Status::Complete, pos};
        case State::Start:
            // RFC 9112 2.2: a server should ignore at least one empty line received before the request-line.
            while (pos < size && (data[pos] == '\r' || data[pos] == '\n'))
                ++pos;
            if (pos == size)
                return {Status::NeedMore, pos};
            m_state = State::Head;
            break;
        case State::Head: {
            const qsizetype oldSize = m_head.size();
            const qsizetype room = qsizetype(m_limits.maxHeaderBytes) + 4 - oldSize;
            const qsizetype take = std::min(size - pos, std::max<qsizetype>(room, 0));
            m_head.append(data.sliced(pos, take));
            qsizetype end = -1;
            for (qsizetype i = std::max<qsizetype>(oldSize - 3, 0); i < m_head.size(); ++i) {
                if (m_head.at(i) != '\n')
                    continue;
                if (i + 1 < m_head.size() && m_head.at(i + 1) == '\n') {
                    end = i + 2;
                    break;
                }
                if (i + 2 < m_head.size() && m_head.at(i + 1) == '\r' && m_head.at(i + 2) == '\n') {
                    end = i + 3;
                    break;
                }
            }
            // On 431, `consumed` stops at the first byte over the limit, so it does not depend on how the
            // bytes were split into feeds (oldSize <= maxHeaderBytes here, or an earlier feed had failed).
            if (end < 0) {
                if (m_head.size() > m_limits.maxHeaderBytes) {
                    return fail(431, "headers_too_large",
                                QStringLiteral("the request line and headers exceed %1 bytes")
                                    .arg(m_limits.maxHeaderBytes),
                                pos + m_limits.maxHeaderBytes + 1 - oldSize);
                }
                pos += take;
                return {Status::NeedMore, pos};
            }
            if (end > m_limits.maxHeaderBytes) {
                return fail(431, "headers_too_large",
                            QStringLiteral("the request line and headers exceed %1 bytes").arg(m_limits.maxHeaderBytes),
                            pos + m_limits.maxHeaderBytes + 1 - oldSize);
            }
            pos += end - oldSize;
            m_head.truncate(end);
            QString why;
            int status = 400;
            const char *code = "bad_request";
            if (!parseHead(&why, &status, &code))
                return fail(status, code, why, pos);
            m_head.clear();
            if (m_chunked) {
                m_state = State::ChunkSize;
            } else if (m_contentLength > 0) {
                if (m_contentLength > m_limits.maxBodyBytes) {
                    return fail(413, "request_too_large",
                                QStringLiteral("the request body of %1 bytes exceeds the limit of %2 bytes")
                                    .arg(m_contentLength)
                                    .arg(m_limits.maxBodyBytes),
                                pos);
                }
                m_remaining = m_contentLength;
                m_state = State::Body;
            } else {
                m_state = State::Done;
            }
            break;
        }
        case State::Body: {
            const qsizetype take = qsizetype(std::min<qint64>(m_remaining, size - pos));
            m_remaining -= take;
            pos += take;
            if (m_remaining == 0)
                m_state = State::Done;
            else
                return {Status::NeedMore, pos};
            break;
        }
        case State::ChunkSize:
        case State::ChunkDataEnd:
        case State::Trailer: {
            // Line-oriented states: collect one line.
            const qsizetype nl = data.sliced(pos).indexOf('\n');
            const qsizetype take = nl < 0 ? size - pos : nl + 1;
            m_line.append(data.sliced(pos, take));
            pos += take;
            // As for the head, `consumed` on these errors stops at the first byte over the limit.
            if (m_state == State::Trailer) {
                m_trailerBytes += take;
                if (m_trailerBytes > m_limits.maxHeaderBytes) {
                    return fail(431, "headers_too_large", QStringLiteral("the chunked trailer is too large"),
                                pos - (m_trailerBytes - m_limits.maxHeaderBytes - 1));
                }
            } else if (m_line.size() > kMaxChunkLine) {
                return fail(400, "bad_chunk", QStringLiteral("a chunk-size line is too long"),
                            pos - (m_line.size() - kMaxChunkLine - 1));
            }
            if (nl < 0)
                return {Status::NeedMore, pos};
            QByteArrayView line(m_line);
            line.chop(1);
            if (line.endsWith('\r'))
                line.chop(1);
            if (m_state == State::ChunkDataEnd) {
                if (!line.isEmpty())
                    return fail(400, "bad_chunk", QStringLiteral("chunk data is not followed by CRLF"), pos);
                m_state = State::ChunkSize;
            } else if (m_state == State::Trailer) {
                if (line.isEmpty())
                    m_state = State::Done;
                else if (line.indexOf(':') <= 0)
                    return fail(400, "bad_chunk", QStringLiteral("malformed trailer field"), pos);
            } else {
                const qsizetype semi = line.indexOf(';');
                const QByteArrayView hex = trimmed(semi < 0 ? line : line.first(semi));
                if (hex.isEmpty() || hex.size() > 15)
                    return fail(400, "bad_chunk", QStringLiteral("malformed chunk size"), pos);
                qint64 chunk = 0;
                for (char c : hex) {
                    int digit;
                    if (c >= '0' && c <= '9')
                        digit = c - '0';
                    else if (c >= 'a' && c <= 'f')
                        digit = c - 'a' + 10;
                    else if (c >= 'A' && c <= 'F')
                        digit = c - 'A' + 10;
                    else
                        return fail(400, "bad_chunk", QStringLiteral("malformed chunk size"), pos);
                    chunk = chunk * 16 + digit;
                }
                if (chunk == 0) {
                    m_state = State::Trailer;
                } else {
                    m_bodyBytes += chunk;
                    if (m_bodyBytes > m_limits.maxBodyBytes) {
                        return fail(413, "request_too_large",
                                    QStringLiteral("the request body exceeds the limit of %1 bytes")
                                        .arg(m_limits.maxBodyBytes),
                                    pos);
                    }
                    m_remaining = chunk;
                    m_state = State::ChunkData;
                }
            }
            m_line.clear();
            break;
        }
        case State::ChunkData: {
            const qsizetype take = qsizetype(std::min<qint64>(m_remaining, size - pos));
            m_remaining -= take;
            pos += take;
            if (m_remaining > 0)
                return {Status::NeedMore, pos};
            m_state = State::ChunkDataEnd;
            break;
        }
        }
        if (pos == size && m_state != State::Done)
            return {Status::NeedMore, pos};
    }
}

bool RequestFramer::parseHead(QString *why, int *status, const char **code)
{
    QByteArrayView head(m_head);
    QList<QByteArrayView> lines;
    qsizetype start = 0;
    for (qsizetype i = 0; i < head.size(); ++i) {
        if (head[i] != '\n')
            continue;
        QByteArrayView line = head.sliced(start, i - start);
        if (line.endsWith('\r'))
            line.chop(1);
        lines.append(line);
        start = i + 1;
    }
    while (!lines.isEmpty() && lines.back().isEmpty())
        lines.removeLast();
    if (lines.isEmpty()) {
        *why = QStringLiteral("empty request");
        return false;
    }

    // request-line = method SP request-target SP HTTP-version
    const QByteArrayView requestLine = lines.front();
    const qsizetype sp1 = requestLine.indexOf(' ');
    const qsizetype sp2 = sp1 < 0 ? -1 : requestLine.sliced(sp1 + 1).indexOf(' ');
    if (sp1 <= 0 || sp2 <= 0) {
        *why = QStringLiteral("malformed request line");
        return false;
    }
    const QByteArrayView method = requestLine.first(sp1);
    const QByteArrayView target = requestLine.sliced(sp1 + 1, sp2);
    const QByteArrayView version = requestLine.sliced(sp1 + 1 + sp2 + 1);
    if (!isToken(method)) {
        *why = QStringLiteral("malformed request method");
        return false;
    }
    for (char c : target) {
        if (uchar(c) <= 0x20 || c == 0x7f) {
            *why = QStringLiteral("malformed request target");
            return false;
        }
    }
    if (version == "HTTP/1.1") {
        m_http10 = false;
        m_keepAlive = true;
    } else if (version == "HTTP/1.0") {
        m_http10 = true;
        m_keepAlive = false;
    } else if (version.startsWith("HTTP/")) {
        *status = 505;
        *code = "http_version_not_supported";
        *why = QStringLiteral("only HTTP/1.0 and HTTP/1.1 are supported");
        return false;
    } else {
        *why = QStringLiteral("malformed HTTP version in the request line");
        return false;
    }
    m_method = method.toByteArray();
    m_target = target.toByteArray();
    m_headers.reserve(lines.size() - 1);

    bool haveHost = false;
    bool haveLength = false;
    bool haveTransferEncoding = false;
    bool connectionClose = false;
    bool connectionKeepAlive = false;
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArrayView line = lines.at(i);
        if (line.isEmpty() || line.front() == ' ' || line.front() == '\t') {
            *why = QStringLiteral("obsolete header line folding or an empty header line");
            return false;
        }
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0 || !isToken(line.first(colon))) {
            *why = QStringLiteral("malformed header field name");
            return false;
        }
        const QByteArrayView name = line.first(colon);
        const QByteArrayView value = trimmed(line.sliced(colon + 1));
        for (char c : value) {
            if ((uchar(c) < 0x20 && c != '\t') || c == 0x7f) {
                *why = QStringLiteral("control character in header \"%1\"").arg(QLatin1String(name));
                return false;
            }
        }
        m_headers.append({name.toByteArray(), value.toByteArray()});
        if (equalsIgnoringCase(name, "content-length")) {
            qint64 length = 0;
            if (!parseLength(value, &length)) {
                *why = QStringLiteral("malformed Content-Length");
                return false;
            }
            if (haveLength && length != m_contentLength) {
                *why = QStringLiteral("conflicting Content-Length headers");
                return false;
            }
            haveLength = true;
            m_contentLength = length;
        } else if (equalsIgnoringCase(name, "transfer-encoding")) {
            haveTransferEncoding = true;
            const QList<QByteArray> codings = value.toByteArray().split(',');
            for (qsizetype k = 0; k < codings.size(); ++k) {
                const QByteArrayView coding = trimmed(codings.at(k));
                if (!equalsIgnoringCase(coding, "chunked")) {
                    *status = 501;
                    *code = "unsupported_transfer_encoding";
                    *why = QStringLiteral("unsupported Transfer-Encoding \"%1\"").arg(QLatin1String(coding));
                    return false;
                }
                m_chunked = true;
            }
        } else if (equalsIgnoringCase(name, "connection")) {
            for (const QByteArray &token : value.toByteArray().split(',')) {
                const QByteArrayView t = trimmed(token);
                if (equalsIgnoringCase(t, "close"))
                    connectionClose = true;
                else if (equalsIgnoringCase(t, "keep-alive"))
                    connectionKeepAlive = true;
            }
        } else if (equalsIgnoringCase(name, "expect")) {
            // RFC 9110 10.1.1: a server MUST ignore a 100-continue expectation in an HTTP/1.0 request.
            m_expectContinue = !m_http10 && equalsIgnoringCase(value, "100-continue");
        } else if (equalsIgnoringCase(name, "upgrade")) {
            m_upgrade = true;
        } else if (equalsIgnoringCase(name, "host")) {
            if (haveHost) {
                *why = QStringLiteral("more than one Host header");
                return false;
            }
            haveHost = true;
        }
    }
    if (haveTransferEncoding && haveLength) {
        *why = QStringLiteral("both Content-Length and Transfer-Encoding are present");
        return false;
    }
    if (haveTransferEncoding && m_http10) {
        *why = QStringLiteral("Transfer-Encoding is not allowed in HTTP/1.0");
        return false;
    }
    if (!haveHost && !m_http10) {
        *why = QStringLiteral("the Host header is required in HTTP/1.1");
        return false;
    }
    // "close" wins wherever it appears; "keep-alive" only matters to HTTP/1.0.
    if (connectionClose)
        m_keepAlive = false;
    else if (connectionKeepAlive && m_http10)
        m_keepAlive = true;
    if (m_chunked)
        m_contentLength = -1;
    return true;
}

} // namespace airlock::http
