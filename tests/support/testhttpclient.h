#pragma once

#include "testtiming.h"

#include <QtCore/QByteArray>
#include <QtCore/QJsonObject>
#include <QtCore/QList>
#include <QtCore/QObject>
#include <QtCore/QPair>
#include <QtCore/QPointer>
#include <QtCore/QQueue>
#include <QtNetwork/QAbstractSocket>
#include <QtNetwork/QHostAddress>

#include <memory>
#include <vector>

QT_BEGIN_NAMESPACE
class QTcpSocket;
QT_END_NAMESPACE

// A raw HTTP/1.1 test client on one QTcpSocket (one TCP connection per client object).
//
// Unlike QNetworkAccessManager it has no per-host connection cap, shows the wire (framing, each body piece
// with its arrival time, several responses on one keep-alive connection) and can send any bytes, malformed
// ones included. It never retries, never reconnects on its own after the connection is gone, never follows
// redirects. Single-threaded: use it on the thread that created it, with that thread's event loop running
// (the synchronous helpers spin one; see waitUntil).
namespace airlock::test {

using HeaderList = QList<QPair<QByteArray, QByteArray>>;

struct HttpRequest {
    QByteArray method = "GET";
    QByteArray path = "/"; // request target, sent as is (query included)
    HeaderList headers;
    QByteArray body;
    // Added unless the caller set them: Host; Content-Length when there is a body (or the method is
    // POST/PUT/PATCH) and no Transfer-Encoding header.
    bool addDefaultHeaders = true;

    static HttpRequest get(const QByteArray &path);
    static HttpRequest post(
        const QByteArray &path, const QByteArray &body, const QByteArray &contentType = "application/json");
    static HttpRequest postJson(const QByteArray &path, const QJsonObject &json);
    HttpRequest &withHeader(const QByteArray &name, const QByteArray &value);
    HttpRequest &withBearer(const QByteArray &token); // Authorization: Bearer <token>

    // The bytes on the wire; `hostHeader` is used for the default Host header.
    QByteArray serialize(const QByteArray &hostHeader) const;
};

// Chunked transfer coding of `pieces` (one chunk each, then the last chunk), for raw request bodies.
QByteArray encodeChunked(const QList<QByteArray> &pieces);

// One decoded piece of a response body as it arrived. Chunked framing: one piece per HTTP chunk, stamped
// when its last byte arrived. Content-Length and close-delimited framing: one piece per socket read.
struct BodyPiece {
    QByteArray data;
    TimePoint at;
};

// One server-sent event (text/event-stream), stamped when the blank line that ends it arrived.
struct SseEvent {
    QByteArray event; // "event:" field; empty for the default "message"
    QByteArray data; // "data:" lines joined with '\n'
    QByteArray id;
    TimePoint at;

    bool isDone() const { return data == "[DONE]"; } // OpenAI's end-of-stream marker
    QJsonObject json() const; // data parsed as a JSON object (empty if not one)
};

struct HttpResponse {
    enum class Framing { None, ContentLength, Chunked, CloseDelimited };

    int status = 0; // 0: no status line received
    QByteArray reason;
    QByteArray version; // "HTTP/1.1"
    HeaderList headers;
    QByteArray body; // decoded (de-chunked)
    HeaderList trailers; // chunked framing only
    Framing framing = Framing::None;
    QList<BodyPiece> pieces;
    QList<SseEvent> events; // parsed when Content-Type is text/event-stream
    bool headComplete = false;
    bool complete = false; // the whole message arrived as framed
    bool truncated = false; // the connection ended (or abort()) before the message was complete
    QByteArray parseError; // non-empty: the bytes did not parse as HTTP; the connection is then closed
    TimePoint sentAt; // when the request this answers was written (if sent with sendRequest)
    TimePoint headAt;
    TimePoint finishedAt;

    QByteArray header(const QByteArray &name) const; // first value, case-insensitive; empty if absent
    bool hasHeader(const QByteArray &name) const;
    QJsonObject json() const; // body parsed as a JSON object (empty if not one)
    // Concatenated OpenAI stream text: choices[0].delta.content (chat) or choices[0].text (completions)
    // of every event that has it.
    QString streamedText() const;
    int dataEventCount() const; // events with data, not counting [DONE]
    bool sawDone() const; // an event with data [DONE] arrived
};

class TestHttpClient : public QObject {
    Q_OBJECT

public:
    TestHttpClient(quint16 port, QObject *parent = nullptr); // 127.0.0.1:port
    TestHttpClient(const QHostAddress &host, quint16 port, QObject *parent = nullptr);
    ~TestHttpClient() override; // aborts the connection if still open

    // --- connection. Sending before connecting connects (once) and sends when connected.
    void connectToServer();
    bool waitForConnected(int timeoutMs = 5000);
    bool isConnected() const;
    quint16 localPort() const; // 0 before connected
    // The server closed the connection, or it failed (refused, reset); not set by abort()/close().
    bool serverClosed() const;
    bool connectionFailed() const; // never got connected
    TimePoint closedAt() const; // when the connection ended for any reason
    bool isClosed() const; // the connection ended (after having been started)
    // The socket error when the connection ended (RemoteHostClosedError for a FIN or RST,
    // ConnectionRefusedError, ...); UnknownSocketError if none.
    QAbstractSocket::SocketError socketError() const;

    // --- async API. Each response is appended to responses() when its status line arrives.
    void sendRequest(const HttpRequest &request);
    // Arbitrary bytes, written as given. Responses that come back are parsed all the same (as answers to
    // non-HEAD requests).
    void sendRaw(const QByteArray &bytes);
    void abort(); // drop the connection at once (mid-stream included); marks the current response truncated
    void close(); // graceful close after pending writes
    TimePoint abortedAt() const;

    const QList<HttpResponse> &responses() const;
    int completedResponses() const;
    // The response being received (the last one); nullptr if none started.
    const HttpResponse *currentResponse() const;
    QByteArray rawReceived() const; // every byte received, as is

    // --- synchronous helpers (spin the event loop until done or timeout; no fixed sleeps)
    // Sends and waits for that response to complete. On timeout or connection loss the returned response
    // has complete == false (status 0 if nothing arrived).
    HttpResponse request(const HttpRequest &request, int timeoutMs = 10000);
    bool waitForResponses(int count, int timeoutMs = 10000); // `count` complete responses
    bool waitForHead(int timeoutMs = 10000); // the current response's head arrived
    bool waitForEvents(int count, int timeoutMs = 10000); // current response has `count` SSE events
    bool waitForClosed(int timeoutMs = 10000); // the connection ended

    // One-shot convenience: new connection, one request, wait, close.
    static HttpResponse fetch(quint16 port, const HttpRequest &request, int timeoutMs = 10000);

    // Many concurrent connections: `count` new clients, each connecting and sending `request` at once.
    // Wait for them with waitUntil on their state.
    static std::vector<std::unique_ptr<TestHttpClient>> launch(
        quint16 port, int count, const HttpRequest &request);

Q_SIGNALS:
    void connected();
    void headReceived(int responseIndex);
    void bodyPieceReceived(int responseIndex);
    void eventReceived(int responseIndex, const airlock::test::SseEvent &event);
    void responseFinished(int responseIndex);
    void connectionClosed(); // for any reason, abort() included

private:
    enum class State { Head, Body, ChunkSize, ChunkData, ChunkDataEnd, Trailers, CloseBody, Failed };

    void ensureSocket();
    void writeBytes(const QByteArray &bytes);
    void onConnected();
    void onReadyRead();
    void onUnconnected();
    void parse(TimePoint at);
    bool parseHead(TimePoint at);
    void appendBody(const QByteArray &data, TimePoint at);
    void finishResponse(TimePoint at);
    void failParse(const QByteArray &why);
    void feedSse(int index, const QByteArray &data, TimePoint at);
    void endConnection(bool byServer);

    QHostAddress m_host;
    quint16 m_port = 0;
    QPointer<QTcpSocket> m_socket;
    QByteArray m_pendingWrites; // written on connect
    QQueue<QPair<QByteArray, TimePoint>> m_expected; // method + send time per request sent
    QList<HttpResponse> m_responses;
    QByteArray m_buffer; // received, not yet parsed
    QByteArray m_raw;
    QByteArray m_sseBuffer; // current response's undecoded SSE text
    SseEvent m_sseEvent; // event being assembled
    bool m_sseHasData = false;
    State m_state = State::Head;
    qint64 m_remaining = 0; // body / chunk bytes still to come
    bool m_headOnly = false; // current response answers HEAD
    bool m_started = false;
    bool m_everConnected = false;
    bool m_closed = false;
    bool m_serverClosed = false;
    TimePoint m_closedAt;
    QAbstractSocket::SocketError m_socketError = QAbstractSocket::UnknownSocketError;
    TimePoint m_abortedAt;
    QByteArray m_chunk; // current HTTP chunk's data so far
    bool m_localClose = false; // abort() or close() started the end of the connection
};

} // namespace airlock::test

Q_DECLARE_METATYPE(airlock::test::SseEvent)
