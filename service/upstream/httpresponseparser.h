#pragma once

// Incremental, strict HTTP/1.1 response parser for bytes that come from a remote model server.
//
// Feed it any split of the byte stream: next() consumes from the front of the caller's view and
// returns one event at a time, so the caller can stop at once (a handler may abort the exchange from
// inside a callback). Body bytes are handed out as views into the caller's buffer, de-chunked, without
// copying. 1xx interim responses are skipped; HEAD, 204 and 304 responses have no body.
//
// Bounded: the header block (and the trailer block) at most MaxHeaderBytes and MaxHeaderCount lines,
// a chunk-size line at most MaxChunkLineBytes. Strict: a malformed status line, header line, chunk
// size, a negative or conflicting Content-Length, Content-Length together with Transfer-Encoding, or
// obsolete line folding are protocol errors; the connection must then be closed.
//
// Lifecycle: reset() before each response on a connection; then next() until Complete or Error;
// finish() when the server closed the connection. After Complete, keepAlive() says whether the
// connection may carry another request (HTTP/1.1 without "Connection: close", or HTTP/1.0 with
// "Connection: keep-alive", and a body framed by Content-Length or chunked encoding).

#include "upstreamclient.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

namespace airlock::upstream {

class HttpResponseParser
{
public:
    enum class Event {
        NeedMore, // all of the input was consumed; feed more
        Head,     // head() holds the final response head
        Body,     // body() views the next body bytes (inside the caller's input buffer)
        Complete, // the response is complete; the input view holds any bytes after it
        Error,    // errorString() says why; the state stays Error until reset()
    };
    enum class Framing { None, ContentLength, Chunked, UntilClose };

    static constexpr qsizetype MaxHeaderBytes = 64 * 1024;
    static constexpr int MaxHeaderCount = 256;
    static constexpr qsizetype MaxChunkLineBytes = 4096;
    static constexpr int MaxInterimResponses = 16;

    HttpResponseParser();

    // Prepares for the next response. `headRequest`: the request was HEAD, so no body follows the head.
    void reset(bool headRequest = false);

    // Consumes bytes from the front of `input` and reports the next event. Call it in a loop until it
    // returns NeedMore, Complete or Error. A Body view stays valid as long as the caller's buffer does.
    Event next(QByteArrayView &input);

    // The server closed the connection: Complete if the body was delimited by the close, else Error.
    Event finish();

    const UpstreamResponseHead &head() const { return m_head; }
    UpstreamResponseHead &head() { return m_head; }
    QByteArrayView body() const { return m_body; }
    QString errorString() const;

    // True once any byte of this response (including interim responses) was consumed.
    bool hasStarted() const { return m_started; }
    bool headReceived() const { return m_state > State::Headers && m_state != State::Error; }
    bool isComplete() const { return m_state == State::Done; }
    bool hasError() const { return m_state == State::Error; }
    Framing framing() const { return m_framing; }
    qint64 contentLength() const { return m_contentLength; }
    int httpMinorVersion() const { return m_minorVersion; }
    // Valid after Complete: the connection may be reused for another request.
    bool keepAlive() const { return m_state == State::Done && m_keepAlive; }

private:
    enum class State {
        StatusLine,
        Headers,
        BodyLength,
        BodyUntilClose,
        ChunkSize,
        ChunkData,
        ChunkDataEnd,
        Trailers,
        Done,
        Error,
    };

    Event fail(const char *message);
    // Extracts one line (without CR LF) from input into `line`; false if more bytes are needed or on
    // error (then m_state is Error). `line` views input or m_line.
    bool takeLine(QByteArrayView &input, QByteArrayView &line, qsizetype limit, qsizetype *budget);
    bool parseStatusLine(QByteArrayView line);
    bool parseHeaderLine(QByteArrayView line);
    bool parseChunkSize(QByteArrayView line);
    Event endOfHead();
    void resetHead();

    State m_state = State::StatusLine;
    Framing m_framing = Framing::None;
    bool m_headRequest = false;
    bool m_started = false;
    bool m_lineConsumed = false;
    bool m_keepAlive = false;
    bool m_connectionClose = false;
    bool m_connectionKeepAlive = false;
    bool m_chunked = false;
    bool m_hasTransferEncoding = false;
    int m_minorVersion = 1;
    int m_headerCount = 0;
    int m_interimCount = 0;
    qsizetype m_headBudget = MaxHeaderBytes; // bytes left for the current header or trailer block
    qint64 m_contentLength = -1;
    qint64 m_remaining = 0; // body bytes left in the Content-Length body or the current chunk
    const char *m_error = nullptr;
    QByteArray m_line; // a line split across feeds; keeps its capacity between responses
    QByteArrayView m_body;
    UpstreamResponseHead m_head;
};

} // namespace airlock::upstream
