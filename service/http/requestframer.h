#pragma once

// Incremental framing of HTTP/1.1 requests as they arrive on a connection, ahead of QHttpServer's
// own parser. QHttpServer 6.4 buffers whole bodies with no size limit, and cannot tell us where one
// request ends and the next (pipelined) one begins; the framer can, so ConnectionGuard can cap sizes
// before the bytes are buffered and hold back a pipelined request until the previous response is done.
//
// It validates just enough to frame safely: the request line, header syntax, Content-Length and
// Transfer-Encoding (both present, or conflicting lengths, is refused: request smuggling), chunked
// framing. Header values are not interpreted beyond that. The head's parts (request target, header
// fields) are kept until reset(), so that ConnectionGuard can hand a Content-Length request to its
// handler without QHttpServer parsing it again (see connectionguard.h, "Direct dispatch").

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QString>

#include <utility>

namespace airlock::http {

class RequestFramer
{
public:
    struct Limits
    {
        int maxHeaderBytes = 64 * 1024;
        qint64 maxBodyBytes = 1024 * 1024;
    };

    enum class Status {
        NeedMore, // every byte fed belongs to the current request, which is not complete yet
        Complete, // the current request ended after `consumed` bytes of the last feed
        Error,    // the request is refused: see errorStatus()/errorCode()/errorMessage()
    };

    struct Outcome
    {
        Status status = Status::NeedMore;
        qsizetype consumed = 0; // bytes of the fed data that belong to the current request
    };

    RequestFramer() = default;
    explicit RequestFramer(Limits limits) : m_limits(limits) { }

    // Feeds bytes that follow what was fed before. After Complete, call reset() before the next request.
    Outcome feed(QByteArrayView data);
    void reset();

    bool started() const { return m_state != State::Start || !m_head.isEmpty(); }
    bool headComplete() const { return m_state > State::Head; }
    // Valid once the head is complete.
    bool keepAlive() const { return m_keepAlive; }
    bool expectsContinue() const { return m_expectContinue; }
    bool isHttp10() const { return m_http10; }
    qint64 contentLength() const { return m_contentLength; } // -1 when chunked or absent
    bool isChunked() const { return m_chunked; }
    QByteArrayView method() const { return m_method; }
    // The request target as sent ("/v1/models?x=1").
    QByteArrayView target() const { return m_target; }
    // The header fields in order, names as sent, values without surrounding blanks.
    const QList<std::pair<QByteArray, QByteArray>> &headers() const { return m_headers; }
    QList<std::pair<QByteArray, QByteArray>> takeHeaders() { return std::exchange(m_headers, {}); }
    // An Upgrade header is present (a WebSocket handshake, for instance).
    bool wantsUpgrade() const { return m_upgrade; }

    int errorStatus() const { return m_errorStatus; }
    const QString &errorCode() const { return m_errorCode; }
    const QString &errorMessage() const { return m_errorMessage; }

    void setLimits(Limits limits) { m_limits = limits; }

private:
    enum class State { Start, Head, Body, ChunkSize, ChunkData, ChunkDataEnd, Trailer, Done, Failed };

    Outcome fail(int status, const char *code, QString message, qsizetype consumed);
    bool parseHead(QString *why, int *status, const char **code);

    Limits m_limits;
    State m_state = State::Start;
    QByteArray m_head;      // request line + headers, while incomplete
    QByteArray m_line;      // current chunk-size or trailer line
    QByteArray m_method;
    QByteArray m_target;
    QList<std::pair<QByteArray, QByteArray>> m_headers;
    qint64 m_contentLength = -1;
    qint64 m_remaining = 0; // body or chunk bytes still expected
    qint64 m_bodyBytes = 0;
    qsizetype m_trailerBytes = 0;
    bool m_chunked = false;
    bool m_keepAlive = true;
    bool m_expectContinue = false;
    bool m_http10 = false;
    bool m_upgrade = false;
    int m_errorStatus = 0;
    QString m_errorCode;
    QString m_errorMessage;
};

} // namespace airlock::http
