#include "httpresponseparser.h"

#include <algorithm>

namespace airlock::upstream {

namespace {

bool isTokenChar(char c)
{
    // RFC 9110 tchar
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '.': case '^': case '_': case '`': case '|': case '~':
        return true;
    default:
        return false;
    }
}

// Field values and reason phrases: visible characters, spaces, tabs and obs-text; no other controls.
bool isFieldText(QByteArrayView text)
{
    for (char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return false;
    }
    return true;
}

bool isOws(char c)
{
    return c == ' ' || c == '\t';
}

QByteArrayView trimmedOws(QByteArrayView v)
{
    while (!v.isEmpty() && isOws(v.front()))
        v = v.sliced(1);
    while (!v.isEmpty() && isOws(v.back()))
        v.chop(1);
    return v;
}

bool equalsIgnoreCase(QByteArrayView a, QByteArrayView b)
{
    if (a.size() != b.size())
        return false;
    for (qsizetype i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z')
            x = char(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z')
            y = char(y - 'A' + 'a');
        if (x != y)
            return false;
    }
    return true;
}

// Calls f(element) for every non-empty, OWS-trimmed element of a comma-separated list; stops when f
// returns false and then returns false.
template<typename F>
bool forEachListElement(QByteArrayView list, F f)
{
    while (true) {
        const qsizetype comma = list.indexOf(',');
        const QByteArrayView element = trimmedOws(comma < 0 ? list : list.first(comma));
        if (!element.isEmpty() && !f(element))
            return false;
        if (comma < 0)
            return true;
        list = list.sliced(comma + 1);
    }
}

int hexValue(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

} // namespace

HttpResponseParser::HttpResponseParser()
{
    reset();
}

void HttpResponseParser::reset(bool headRequest)
{
    m_state = State::StatusLine;
    m_headRequest = headRequest;
    m_started = false;
    m_interimCount = 0;
    m_error = nullptr;
    m_lineConsumed = false;
    m_line.resize(0); // keeps the capacity for the next response on this connection
    m_body = {};
    resetHead();
}

void HttpResponseParser::resetHead()
{
    m_framing = Framing::None;
    m_keepAlive = false;
    m_connectionClose = false;
    m_connectionKeepAlive = false;
    m_chunked = false;
    m_hasTransferEncoding = false;
    m_minorVersion = 1;
    m_headerCount = 0;
    m_headBudget = MaxHeaderBytes;
    m_contentLength = -1;
    m_remaining = 0;
    m_head.status = 0;
    m_head.reason.clear();
    m_head.headers.clear(); // QList::clear keeps the capacity when not shared
}

QString HttpResponseParser::errorString() const
{
    return m_error ? QString::fromLatin1(m_error) : QString();
}

HttpResponseParser::Event HttpResponseParser::fail(const char *message)
{
    m_state = State::Error;
    m_error = message;
    m_body = {};
    return Event::Error;
}

bool HttpResponseParser::takeLine(QByteArrayView &input, QByteArrayView &line, qsizetype limit,
                                  qsizetype *budget)
{
    const char *tooLong = budget ? "response header block too large" : "chunk-size line too long";
    if (m_lineConsumed) {
        m_line.resize(0);
        m_lineConsumed = false;
    }
    if (budget)
        limit = std::min(limit, *budget);
    const qsizetype newline = input.indexOf('\n');
    if (newline < 0) {
        if (m_line.size() + input.size() > limit) {
            fail(tooLong);
            return false;
        }
        m_line.append(input);
        input = {};
        return false;
    }
    const qsizetype total = m_line.size() + newline + 1;
    if (total > limit) {
        fail(tooLong);
        return false;
    }
    if (budget)
        *budget -= total;
    if (m_line.isEmpty()) {
        line = input.first(newline); // the common case: the whole line is in this feed, no copy
    } else {
        m_line.append(input.first(newline));
        line = m_line;
        m_lineConsumed = true; // cleared on the next call, once the caller is done with `line`
    }
    input = input.sliced(newline + 1);
    if (line.endsWith('\r'))
        line.chop(1);
    if (line.contains('\r')) {
        fail("bare CR in response");
        return false;
    }
    return true;
}

bool HttpResponseParser::parseStatusLine(QByteArrayView line)
{
    // HTTP-version SP 3DIGIT SP reason-phrase; the SP before an empty reason is often left out.
    if (line.size() < 12 || !line.startsWith("HTTP/1.") || line[8] != ' ') {
        fail("malformed status line");
        return false;
    }
    if (line[7] != '0' && line[7] != '1') {
        fail("unsupported HTTP version");
        return false;
    }
    m_minorVersion = line[7] - '0';
    int status = 0;
    for (int i = 9; i < 12; ++i) {
        if (line[i] < '0' || line[i] > '9') {
            fail("malformed status code");
            return false;
        }
        status = status * 10 + (line[i] - '0');
    }
    if (status < 100 || status > 599) {
        fail("status code out of range");
        return false;
    }
    if (line.size() > 12) {
        if (line[12] != ' ' || !isFieldText(line.sliced(13))) {
            fail("malformed status line");
            return false;
        }
        m_head.reason = line.sliced(13).toByteArray();
    }
    m_head.status = status;
    return true;
}

bool HttpResponseParser::parseHeaderLine(QByteArrayView line)
{
    const bool trailer = m_state == State::Trailers;
    if (++m_headerCount > MaxHeaderCount) {
        fail("too many header fields");
        return false;
    }
    if (isOws(line.front())) {
        fail("obsolete line folding in header");
        return false;
    }
    const qsizetype colon = line.indexOf(':');
    if (colon <= 0) {
        fail("malformed header line");
        return false;
    }
    const QByteArrayView name = line.first(colon);
    for (char c : name) {
        if (!isTokenChar(c)) {
            fail("malformed header name");
            return false;
        }
    }
    const QByteArrayView value = trimmedOws(line.sliced(colon + 1));
    if (!isFieldText(value)) {
        fail("invalid character in header value");
        return false;
    }
    if (trailer)
        return true; // trailers are checked but never change the framing; nobody reads them here

    if (equalsIgnoreCase(name, "content-length")) {
        // "42" or a list of identical values ("42, 42", RFC 9110 8.6); anything else is an error,
        // since a server that disagrees with itself about the length opens the door to splitting.
        const bool ok = forEachListElement(value, [this](QByteArrayView element) {
            if (element.size() > 18)
                return false;
            qint64 length = 0;
            for (char c : element) {
                if (c < '0' || c > '9')
                    return false;
                length = length * 10 + (c - '0');
            }
            if (m_contentLength >= 0 && m_contentLength != length)
                return false;
            m_contentLength = length;
            return true;
        });
        if (!ok || m_contentLength < 0) {
            fail("invalid or conflicting Content-Length");
            return false;
        }
    } else if (equalsIgnoreCase(name, "transfer-encoding")) {
        m_hasTransferEncoding = true;
        const bool ok = forEachListElement(value, [this](QByteArrayView coding) {
            if (m_chunked)
                return false; // chunked must be the final coding, and only once
            m_chunked = equalsIgnoreCase(coding, "chunked");
            return true;
        });
        if (!ok) {
            fail("chunked is not the final transfer coding");
            return false;
        }
    } else if (equalsIgnoreCase(name, "connection")) {
        forEachListElement(value, [this](QByteArrayView option) {
            if (equalsIgnoreCase(option, "close"))
                m_connectionClose = true;
            else if (equalsIgnoreCase(option, "keep-alive"))
                m_connectionKeepAlive = true;
            return true;
        });
    }
    m_head.headers.emplace_back(name.toByteArray(), value.toByteArray());
    return true;
}

bool HttpResponseParser::parseChunkSize(QByteArrayView line)
{
    qsizetype i = 0;
    int significant = 0;
    qint64 size = 0;
    for (; i < line.size(); ++i) {
        const int v = hexValue(line[i]);
        if (v < 0)
            break;
        if (size != 0 || v != 0)
            ++significant;
        if (significant > 15) { // 2^60 bytes is more than any sane chunk; also keeps qint64 safe
            fail("chunk size too large");
            return false;
        }
        size = size * 16 + v;
    }
    if (i == 0) {
        fail("malformed chunk size");
        return false;
    }
    while (i < line.size() && isOws(line[i]))
        ++i;
    if (i < line.size() && (line[i] != ';' || !isFieldText(line.sliced(i)))) {
        fail("malformed chunk size");
        return false;
    }
    // Chunk extensions (after ';') are ignored, as RFC 9112 7.1.1 allows.
    m_remaining = size;
    return true;
}

HttpResponseParser::Event HttpResponseParser::endOfHead()
{
    const int status = m_head.status;
    if (status < 200) {
        // Interim responses (100 Continue, 103 Early Hints) precede the real one. 101 would switch
        // protocols, which this client never asks for.
        if (status == 101)
            return fail("unexpected 101 Switching Protocols");
        if (++m_interimCount > MaxInterimResponses)
            return fail("too many interim responses");
        resetHead();
        m_state = State::StatusLine;
        return Event::NeedMore;
    }
    if (m_hasTransferEncoding && m_contentLength >= 0) {
        // RFC 9112 6.3: a message with both "ought to be handled as an error" (request smuggling).
        return fail("both Content-Length and Transfer-Encoding");
    }
    if (m_headRequest || status == 204 || status == 304) {
        m_framing = Framing::None;
        m_state = State::Done;
    } else if (m_chunked) {
        m_framing = Framing::Chunked;
        m_state = State::ChunkSize;
    } else if (m_hasTransferEncoding) {
        // A coding other than chunked last: the body ends when the server closes (RFC 9112 6.3).
        m_framing = Framing::UntilClose;
        m_state = State::BodyUntilClose;
    } else if (m_contentLength >= 0) {
        m_framing = Framing::ContentLength;
        m_remaining = m_contentLength;
        m_state = m_remaining == 0 ? State::Done : State::BodyLength;
    } else {
        m_framing = Framing::UntilClose;
        m_state = State::BodyUntilClose;
    }
    const bool persistent = m_minorVersion >= 1 ? !m_connectionClose
                                                : (m_connectionKeepAlive && !m_connectionClose);
    m_keepAlive = persistent && m_framing != Framing::UntilClose;
    return Event::Head;
}

HttpResponseParser::Event HttpResponseParser::next(QByteArrayView &input)
{
    QByteArrayView line;
    for (;;) {
        switch (m_state) {
        case State::StatusLine:
            if (input.isEmpty())
                return Event::NeedMore;
            m_started = true;
            if (!takeLine(input, line, MaxHeaderBytes, &m_headBudget))
                return m_state == State::Error ? Event::Error : Event::NeedMore;
            if (!parseStatusLine(line))
                return Event::Error;
            m_state = State::Headers;
            break;

        case State::Headers:
            if (!takeLine(input, line, MaxHeaderBytes, &m_headBudget))
                return m_state == State::Error ? Event::Error : Event::NeedMore;
            if (line.isEmpty()) {
                const Event event = endOfHead();
                if (event != Event::NeedMore)
                    return event;
                break; // an interim response was skipped; parse the next head
            }
            if (!parseHeaderLine(line))
                return Event::Error;
            break;

        case State::BodyLength:
        case State::ChunkData: {
            if (input.isEmpty())
                return Event::NeedMore;
            const qsizetype n = qsizetype(std::min<qint64>(m_remaining, input.size()));
            m_body = input.first(n);
            input = input.sliced(n);
            m_remaining -= n;
            if (m_remaining == 0)
                m_state = m_state == State::BodyLength ? State::Done : State::ChunkDataEnd;
            return Event::Body;
        }

        case State::BodyUntilClose:
            if (input.isEmpty())
                return Event::NeedMore;
            m_body = input;
            input = {};
            return Event::Body;

        case State::ChunkSize:
            if (!takeLine(input, line, MaxChunkLineBytes, nullptr))
                return m_state == State::Error ? Event::Error : Event::NeedMore;
            if (!parseChunkSize(line))
                return Event::Error;
            if (m_remaining == 0) {
                m_state = State::Trailers;
                m_headBudget = MaxHeaderBytes;
                m_headerCount = 0;
            } else {
                m_state = State::ChunkData;
            }
            break;

        case State::ChunkDataEnd:
            // Exactly CRLF (or a bare LF) must follow the chunk data: a limit of 2 bytes.
            if (!takeLine(input, line, 2, nullptr)) {
                if (m_state == State::Error)
                    return fail("missing CRLF after chunk data");
                return Event::NeedMore;
            }
            if (!line.isEmpty())
                return fail("missing CRLF after chunk data");
            m_state = State::ChunkSize;
            break;

        case State::Trailers:
            if (!takeLine(input, line, MaxHeaderBytes, &m_headBudget))
                return m_state == State::Error ? Event::Error : Event::NeedMore;
            if (line.isEmpty()) {
                m_state = State::Done;
                break;
            }
            if (!parseHeaderLine(line))
                return Event::Error;
            break;

        case State::Done:
            m_body = {};
            return Event::Complete;

        case State::Error:
            return Event::Error;
        }
        line = {};
    }
}

HttpResponseParser::Event HttpResponseParser::finish()
{
    if (m_state == State::BodyUntilClose) {
        m_state = State::Done;
        m_body = {};
        return Event::Complete;
    }
    if (m_state == State::Done)
        return Event::Complete;
    if (m_state == State::Error)
        return Event::Error;
    return fail(m_started ? "connection closed before the response was complete"
                          : "connection closed before any response");
}

} // namespace airlock::upstream
