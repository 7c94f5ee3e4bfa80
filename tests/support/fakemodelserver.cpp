#include "fakemodelserver.h"

#include <QtCore/QDateTime>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QPointer>
#include <QtCore/QSet>
#include <QtCore/QTimer>
#include <QtHttpServer/QHttpServer>
#include <QtHttpServer/QHttpServerRequest>
#include <QtHttpServer/QHttpServerResponder>
#include <QtNetwork/QTcpServer>
#include <QtNetwork/QTcpSocket>

#ifdef Q_OS_UNIX
#include <sys/socket.h>
#endif

#include <algorithm>
#include <memory>

namespace airlock::test {

namespace {

const char *const kConnectionIdProperty = "_airlock_test_connection_id";

QByteArray methodName(QHttpServerRequest::Method method)
{
    switch (method) {
    case QHttpServerRequest::Method::Get:
        return "GET";
    case QHttpServerRequest::Method::Put:
        return "PUT";
    case QHttpServerRequest::Method::Delete:
        return "DELETE";
    case QHttpServerRequest::Method::Post:
        return "POST";
    case QHttpServerRequest::Method::Head:
        return "HEAD";
    case QHttpServerRequest::Method::Options:
        return "OPTIONS";
    case QHttpServerRequest::Method::Patch:
        return "PATCH";
    case QHttpServerRequest::Method::Connect:
        return "CONNECT";
    case QHttpServerRequest::Method::Trace:
        return "TRACE";
    default:
        return "UNKNOWN";
    }
}

QByteArray reasonPhrase(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 408:
        return "Request Timeout";
    case 413:
        return "Payload Too Large";
    case 422:
        return "Unprocessable Entity";
    case 429:
        return "Too Many Requests";
    case 500:
        return "Internal Server Error";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    default:
        return "Status";
    }
}

QByteArray openAiError(int status, const QString &message)
{
    const QString type
        = status >= 500 ? QStringLiteral("server_error") : QStringLiteral("invalid_request_error");
    const QJsonObject error { { QStringLiteral("message"), message }, { QStringLiteral("type"), type },
        { QStringLiteral("param"), QJsonValue::Null }, { QStringLiteral("code"), QJsonValue::Null } };
    return QJsonDocument(QJsonObject { { QStringLiteral("error"), error } }).toJson(QJsonDocument::Compact);
}

int roughTokenCount(const QString &text)
{
    return int(text.split(QLatin1Char(' '), Qt::SkipEmptyParts).size());
}

int promptTokens(const QJsonObject &body)
{
    int tokens = 0;
    const QJsonArray messages = body.value(QStringLiteral("messages")).toArray();
    for (const QJsonValue &message : messages)
        tokens += roughTokenCount(message.toObject().value(QStringLiteral("content")).toString());
    tokens += roughTokenCount(body.value(QStringLiteral("prompt")).toString());
    tokens += roughTokenCount(body.value(QStringLiteral("suffix")).toString());
    return tokens;
}

QByteArray chunkFrame(const QByteArray &data)
{
    return QByteArray::number(data.size(), 16) + "\r\n" + data + "\r\n";
}

} // namespace

// ---------------------------------------------------------------------------------------------------------
// FakeBehavior

QString FakeBehavior::chunkText(int index) const
{
    if (index >= 0 && index < chunkTexts.size())
        return chunkTexts.at(index);
    return QStringLiteral("tok%1 ").arg(index);
}

QString FakeBehavior::fullText() const
{
    QString text;
    for (int i = 0; i < chunkCount; ++i)
        text += chunkText(i);
    return text;
}

FakeBehavior FakeBehavior::answer(int chunkCount, int chunkDelayMs, int latencyMs)
{
    FakeBehavior b;
    b.chunkCount = chunkCount;
    b.chunkDelayMs = chunkDelayMs;
    b.latencyMs = latencyMs;
    return b;
}

FakeBehavior FakeBehavior::error(int status, const QByteArray &body, int latencyMs)
{
    FakeBehavior b;
    b.outcome = Outcome::HttpError;
    b.errorStatus = status;
    b.errorBody = body;
    b.latencyMs = latencyMs;
    return b;
}

FakeBehavior FakeBehavior::closeWithoutAnswer(int latencyMs)
{
    FakeBehavior b;
    b.outcome = Outcome::CloseWithoutAnswer;
    b.latencyMs = latencyMs;
    return b;
}

FakeBehavior FakeBehavior::resetWithoutAnswer(int latencyMs)
{
    FakeBehavior b;
    b.outcome = Outcome::ResetWithoutAnswer;
    b.latencyMs = latencyMs;
    return b;
}

FakeBehavior FakeBehavior::hang()
{
    FakeBehavior b;
    b.outcome = Outcome::Hang;
    return b;
}

FakeBehavior FakeBehavior::closeMidStream(int afterChunks, int chunkDelayMs)
{
    FakeBehavior b;
    b.outcome = Outcome::CloseMidStream;
    b.closeAfterChunks = afterChunks;
    b.chunkCount = qMax(b.chunkCount, afterChunks + 1);
    b.chunkDelayMs = chunkDelayMs;
    return b;
}

FakeBehavior FakeBehavior::raw(const QByteArray &bytes, bool closeAfter, int latencyMs)
{
    FakeBehavior b;
    b.outcome = Outcome::Raw;
    b.rawResponse = bytes;
    b.closeAfterRaw = closeAfter;
    b.latencyMs = latencyMs;
    return b;
}

// ---------------------------------------------------------------------------------------------------------
// RecordedRequest

QByteArray RecordedRequest::header(const QByteArray &name) const
{
    for (const auto &h : headers) {
        if (h.first.compare(name, Qt::CaseInsensitive) == 0)
            return h.second;
    }
    return {};
}

bool RecordedRequest::hasHeader(const QByteArray &name) const
{
    for (const auto &h : headers) {
        if (h.first.compare(name, Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}

QJsonObject RecordedRequest::json() const
{
    return QJsonDocument::fromJson(body).object();
}

FakeBehavior FakeBehavior::reply(int status, const QByteArray &body, int latencyMs)
{
    return error(status, body, latencyMs);
}

FakeBehavior FakeBehavior::replyAs(int status, const QByteArray &contentType, const QByteArray &body)
{
    FakeBehavior b = error(status, body);
    b.contentType = contentType;
    return b;
}

// ---------------------------------------------------------------------------------------------------------
// Exchange: one request being answered. Owns the responder for as long as the answer takes, so the
// connection stays open; writes through a QPointer because QHttpServer deletes the socket when the client
// leaves. The bytes go straight to the socket: Qt 6.4's responder has no chunked framing and its
// writeStatusLine() only knows the status codes of its own table.

class FakeModelServer::Exchange : public QObject {
public:
    enum class Stage { Created, Held, Latency, Streaming, Hanging, Done };

    Exchange(FakeModelServer *server, Route route, RecordedRequest request, FakeBehavior behavior,
        QHttpServerResponder &&responder)
        : QObject(server), m_server(server), m_route(route), m_request(std::move(request)),
          m_behavior(std::move(behavior)),
          m_responder(std::make_shared<QHttpServerResponder>(std::move(responder))),
          m_socket(m_responder->socket())
    {
        m_timer.setSingleShot(true);
        m_timer.setTimerType(Qt::PreciseTimer);
        connect(&m_timer, &QTimer::timeout, this, &Exchange::onTimer);
        m_closeAfter = m_request.header("connection").compare("close", Qt::CaseInsensitive) == 0;
        m_body = m_request.json();
        m_model = m_request.model.isEmpty() ? QStringLiteral("fake-model") : m_request.model;
        m_created = QDateTime::currentSecsSinceEpoch();
        m_completionId = (m_route == Route::Completions ? QStringLiteral("cmpl-fake-%1")
                                                        : QStringLiteral("chatcmpl-fake-%1"))
                             .arg(m_request.id);
    }

    Stage stage() const { return m_stage; }
    const RecordedRequest &request() const { return m_request; }

    void start()
    {
        if (!m_socket) {
            clientGone();
            return;
        }
        // The client going away shows as end-of-stream on the read side (it sends no more after its
        // request), then as `disconnected`, or as the socket being deleted. Any of them first wins.
        connect(m_socket, &QTcpSocket::disconnected, this, &Exchange::clientGone);
        connect(m_socket, &QTcpSocket::readChannelFinished, this, &Exchange::clientGone);
        connect(m_socket, &QObject::destroyed, this, &Exchange::clientGone);
        connect(m_socket, &QAbstractSocket::errorOccurred, this, &Exchange::clientGone);
        if (m_socket->state() != QAbstractSocket::ConnectedState) {
            clientGone();
            return;
        }
        if (m_behavior.holdUntilReleased) {
            m_stage = Stage::Held;
            return;
        }
        beginLatency();
    }

    void release()
    {
        if (m_stage == Stage::Held)
            beginLatency();
    }

    // Called when the server is destroyed: no records, no signals.
    void detach()
    {
        m_stage = Stage::Done;
        m_timer.stop();
        if (m_socket)
            disconnect(m_socket, nullptr, this, nullptr);
    }

private:
    void beginLatency()
    {
        if (m_behavior.latencyMs > 0) {
            m_stage = Stage::Latency;
            m_timer.start(m_behavior.latencyMs);
        } else {
            respond();
        }
    }

    void onTimer()
    {
        if (m_stage == Stage::Latency)
            respond();
        else if (m_stage == Stage::Streaming)
            sendNextChunk();
    }

    void respond()
    {
        using Outcome = FakeBehavior::Outcome;
        switch (m_behavior.outcome) {
        case Outcome::Answer:
            answer();
            return;
        case Outcome::HttpError: {
            const QByteArray body = m_behavior.errorBody.isEmpty() ? openAiError(m_behavior.errorStatus,
                                        QStringLiteral("fake upstream error %1").arg(m_behavior.errorStatus))
                                                                   : m_behavior.errorBody;
            writeWhole(m_behavior.errorStatus, m_behavior.contentType, body);
            return;
        }
        case Outcome::CloseWithoutAnswer:
            closeOnPurpose(false);
            return;
        case Outcome::ResetWithoutAnswer:
            closeOnPurpose(true);
            return;
        case Outcome::Hang:
            m_stage = Stage::Hanging;
            return;
        case Outcome::CloseMidStream:
            if (m_route == Route::ChatCompletions || m_route == Route::Completions) {
                startStream();
            } else {
                closeOnPurpose(false);
            }
            return;
        case Outcome::Raw:
            if (!write(m_behavior.rawResponse))
                return;
            if (m_behavior.closeAfterRaw)
                closeOnPurpose(false, true);
            else
                finish(true);
            return;
        }
    }

    void answer()
    {
        switch (m_route) {
        case Route::Models: {
            QJsonArray data;
            for (const QString &id : m_server->m_models) {
                data.append(QJsonObject { { QStringLiteral("id"), id },
                    { QStringLiteral("object"), QStringLiteral("model") },
                    { QStringLiteral("created"), m_created },
                    { QStringLiteral("owned_by"), QStringLiteral("airlock-fake") } });
            }
            const QJsonObject list { { QStringLiteral("object"), QStringLiteral("list") },
                { QStringLiteral("data"), data } };
            writeWhole(200, "application/json", QJsonDocument(list).toJson(QJsonDocument::Compact));
            return;
        }
        case Route::Health:
            writeWhole(200, "application/json", "{}");
            return;
        case Route::Version:
            writeWhole(200, "application/json", R"({"version":"0.1.0"})");
            return;
        case Route::Unknown:
            writeWhole(404, "application/json",
                openAiError(404,
                    QStringLiteral("no route for %1 %2")
                        .arg(QLatin1String(m_request.method), m_request.path)));
            return;
        case Route::Embeddings:
            answerEmbeddings();
            return;
        case Route::ChatCompletions:
        case Route::Completions:
            break;
        }
        if (QJsonDocument::fromJson(m_request.body).isNull()) {
            writeWhole(
                400, "application/json", openAiError(400, QStringLiteral("request body is not valid JSON")));
            return;
        }
        if (m_request.stream) {
            startStream();
            return;
        }
        const QString text = m_behavior.fullText();
        QJsonObject choice { { QStringLiteral("index"), 0 },
            { QStringLiteral("finish_reason"), QString::fromLatin1(m_behavior.finishReason) } };
        if (m_route == Route::ChatCompletions) {
            choice.insert(QStringLiteral("message"),
                QJsonObject { { QStringLiteral("role"), QStringLiteral("assistant") },
                    { QStringLiteral("content"), text } });
        } else {
            choice.insert(QStringLiteral("text"), text);
            choice.insert(QStringLiteral("logprobs"), QJsonValue::Null);
        }
        const QJsonObject usage = usageObject();
        const QJsonObject response {
            { QStringLiteral("id"), m_completionId },
            { QStringLiteral("object"),
                m_route == Route::ChatCompletions ? QStringLiteral("chat.completion")
                                                  : QStringLiteral("text_completion") },
            { QStringLiteral("created"), m_created },
            { QStringLiteral("model"), m_model },
            { QStringLiteral("choices"), QJsonArray { choice } },
            { QStringLiteral("usage"), usage },
        };
        writeWhole(200, "application/json", QJsonDocument(response).toJson(QJsonDocument::Compact));
    }

    // OpenAI's embeddings list: one vector per input, values derived from the input's position.
    void answerEmbeddings()
    {
        const QJsonValue input = m_body.value(QStringLiteral("input"));
        if (QJsonDocument::fromJson(m_request.body).isNull() || input.isUndefined()) {
            writeWhole(400, "application/json",
                openAiError(400, QStringLiteral("the body must be a JSON object with \"input\"")));
            return;
        }
        QJsonArray inputs;
        const bool tokenArray = input.isArray() && !input.toArray().isEmpty() && input.toArray().first().isDouble();
        if (input.isArray() && !tokenArray)
            inputs = input.toArray();
        else
            inputs.append(input);
        int tokens = 0;
        QJsonArray data;
        for (qsizetype i = 0; i < inputs.size(); ++i) {
            const QJsonValue one = inputs.at(i);
            tokens += one.isString() ? int(one.toString().split(u' ', Qt::SkipEmptyParts).size())
                                     : int(one.toArray().size());
            QJsonArray vector;
            for (int d = 0; d < m_behavior.embeddingDimensions; ++d)
                vector.append(double(i + 1) / double(d + 2));
            data.append(QJsonObject { { QStringLiteral("object"), QStringLiteral("embedding") },
                { QStringLiteral("index"), int(i) }, { QStringLiteral("embedding"), vector } });
        }
        const QJsonObject response { { QStringLiteral("object"), QStringLiteral("list") },
            { QStringLiteral("data"), data }, { QStringLiteral("model"), m_model },
            { QStringLiteral("usage"),
                QJsonObject { { QStringLiteral("prompt_tokens"), tokens }, { QStringLiteral("total_tokens"), tokens } } } };
        writeWhole(200, "application/json", QJsonDocument(response).toJson(QJsonDocument::Compact));
    }

    QByteArray head(int status, const QByteArray &contentType, const HeaderList &framing) const
    {
        QByteArray out = "HTTP/1.1 " + QByteArray::number(status) + ' ' + reasonPhrase(status) + "\r\n";
        out += "Content-Type: " + contentType + "\r\n";
        for (const auto &h : framing)
            out += h.first + ": " + h.second + "\r\n";
        for (const auto &h : m_behavior.extraHeaders)
            out += h.first + ": " + h.second + "\r\n";
        if (m_closeAfter)
            out += "Connection: close\r\n";
        return out + "\r\n";
    }

    void writeWhole(int status, const QByteArray &contentType, const QByteArray &body)
    {
        const bool headOnly = m_request.method == "HEAD";
        QByteArray out = head(status, contentType, { { "Content-Length", QByteArray::number(body.size()) } });
        if (!headOnly)
            out += body;
        if (!write(out))
            return;
        finish(true);
    }

    void startStream()
    {
        if (!write(head(200, "text/event-stream",
                { { "Cache-Control", "no-cache" }, { "Transfer-Encoding", "chunked" } })))
            return;
        m_headWritten = true;
        m_stage = Stage::Streaming;
        sendNextChunk();
    }

    QByteArray sseEvent(int index) const
    {
        const bool last = index == m_behavior.chunkCount - 1;
        const QJsonValue finish
            = last ? QJsonValue(QString::fromLatin1(m_behavior.finishReason)) : QJsonValue(QJsonValue::Null);
        QJsonObject choice { { QStringLiteral("index"), 0 }, { QStringLiteral("finish_reason"), finish } };
        if (m_route == Route::ChatCompletions) {
            QJsonObject delta { { QStringLiteral("content"), m_behavior.chunkText(index) } };
            if (index == 0)
                delta.insert(QStringLiteral("role"), QStringLiteral("assistant"));
            choice.insert(QStringLiteral("delta"), delta);
        } else {
            choice.insert(QStringLiteral("text"), m_behavior.chunkText(index));
            choice.insert(QStringLiteral("logprobs"), QJsonValue::Null);
        }
        QJsonObject chunk {
            { QStringLiteral("id"), m_completionId },
            { QStringLiteral("object"),
                m_route == Route::ChatCompletions ? QStringLiteral("chat.completion.chunk")
                                                  : QStringLiteral("text_completion") },
            { QStringLiteral("created"), m_created },
            { QStringLiteral("model"), m_model },
            { QStringLiteral("choices"), QJsonArray { choice } },
        };
        if (includeUsage())
            chunk.insert(QStringLiteral("usage"), QJsonValue::Null); // as OpenAI does: null until the last chunk
        return "data: " + QJsonDocument(chunk).toJson(QJsonDocument::Compact) + "\n\n";
    }

    // The request asked for `stream_options: {"include_usage": true}` (OpenAI, vLLM): the stream then ends
    // with one more event, `choices: []` and the answer's `usage`, before `data: [DONE]`.
    bool includeUsage() const
    {
        return m_body.value(QStringLiteral("stream_options")).toObject().value(QStringLiteral("include_usage")).toBool();
    }

    // OpenAI's usage object for this answer: the prompt's tokens, one completion token per chunk.
    QJsonObject usageObject() const
    {
        const int prompt = promptTokens(m_body);
        return { { QStringLiteral("prompt_tokens"), prompt },
            { QStringLiteral("completion_tokens"), m_behavior.chunkCount },
            { QStringLiteral("total_tokens"), prompt + m_behavior.chunkCount } };
    }

    QByteArray usageEvent() const
    {
        const QJsonObject usage = usageObject();
        const QJsonObject chunk {
            { QStringLiteral("id"), m_completionId },
            { QStringLiteral("object"),
                m_route == Route::ChatCompletions ? QStringLiteral("chat.completion.chunk")
                                                  : QStringLiteral("text_completion") },
            { QStringLiteral("created"), m_created },
            { QStringLiteral("model"), m_model },
            { QStringLiteral("choices"), QJsonArray {} },
            { QStringLiteral("usage"), usage },
        };
        return "data: " + QJsonDocument(chunk).toJson(QJsonDocument::Compact) + "\n\n";
    }

    void sendNextChunk()
    {
        const bool cutShort = m_behavior.outcome == FakeBehavior::Outcome::CloseMidStream;
        const int limit
            = cutShort ? qMin(m_behavior.closeAfterChunks, m_behavior.chunkCount) : m_behavior.chunkCount;
        if (m_chunksSent < limit) {
            if (!write(chunkFrame(sseEvent(m_chunksSent))))
                return;
            ++m_chunksSent;
            if (m_chunksSent < limit) {
                m_timer.start(m_behavior.chunkDelayMs);
                return;
            }
        }
        if (cutShort) {
            closeOnPurpose(false);
            return;
        }
        QByteArray tail;
        if (includeUsage())
            tail += chunkFrame(usageEvent());
        if (m_behavior.sendDone)
            tail += chunkFrame("data: [DONE]\n\n");
        tail += "0\r\n\r\n";
        if (!write(tail))
            return;
        finish(true);
    }

    // Writes and pushes the bytes to the kernel at once (no batching: tests measure chunk timing).
    // Returns false (and records the abort) if the client is gone.
    bool write(const QByteArray &bytes)
    {
        if (m_stage == Stage::Done)
            return false;
        if (!m_socket || m_socket->state() != QAbstractSocket::ConnectedState) {
            clientGone();
            return false;
        }
        m_socket->write(bytes);
        m_socket->flush();
        return m_stage != Stage::Done; // flush() may have found the peer gone
    }

    void closeOnPurpose(bool reset, bool completed = false)
    {
        QPointer<QTcpSocket> socket = m_socket;
        finish(completed, false);
        if (!socket)
            return;
        if (reset) {
            // QAbstractSocket::abort() alone sends a FIN; linger 0 makes close() send an RST.
#ifdef Q_OS_UNIX
            const qintptr fd = socket->socketDescriptor();
            if (fd >= 0) {
                const linger noLinger { 1, 0 };
                ::setsockopt(int(fd), SOL_SOCKET, SO_LINGER, &noLinger, sizeof noLinger);
            }
#endif
            socket->abort();
        } else {
            socket->disconnectFromHost();
        }
    }

    void finish(bool completed, bool honourConnectionClose = true)
    {
        if (m_stage == Stage::Done)
            return;
        m_stage = Stage::Done;
        m_timer.stop();
        if (m_socket) {
            disconnect(m_socket, nullptr, this, nullptr);
            if (honourConnectionClose && m_closeAfter)
                m_socket->disconnectFromHost();
        }
        m_server->exchangeFinished(this, completed);
    }

    void clientGone()
    {
        if (m_stage == Stage::Done)
            return;
        AbortedRequest abort;
        abort.requestId = m_request.id;
        abort.path = m_request.path;
        abort.phase = m_headWritten ? AbortedRequest::Phase::MidBody : AbortedRequest::Phase::BeforeHead;
        abort.chunksSent = m_chunksSent;
        abort.abortedAt = now();
        abort.msAfterArrival = msBetween(m_request.arrivedAt, abort.abortedAt);
        m_stage = Stage::Done;
        m_timer.stop();
        if (m_socket)
            disconnect(m_socket, nullptr, this, nullptr);
        m_server->exchangeAborted(this, abort);
    }

    FakeModelServer *m_server;
    Route m_route;
    RecordedRequest m_request;
    FakeBehavior m_behavior;
    std::shared_ptr<QHttpServerResponder> m_responder;
    QPointer<QTcpSocket> m_socket;
    QTimer m_timer;
    Stage m_stage = Stage::Created;
    QJsonObject m_body;
    QString m_model;
    QString m_completionId;
    qint64 m_created = 0;
    int m_chunksSent = 0;
    bool m_headWritten = false;
    bool m_closeAfter = false;
};

// ---------------------------------------------------------------------------------------------------------
// FakeModelServer

FakeModelServer::FakeModelServer(QObject *parent)
    : QObject(parent), m_http(new QHttpServer(this)), m_models { QStringLiteral("fake-model") }
{
    qRegisterMetaType<airlock::test::RecordedRequest>();
    qRegisterMetaType<airlock::test::AbortedRequest>();

    m_http->route(QStringLiteral("/v1/chat/completions"), QHttpServerRequest::Method::Post,
        [this](const QHttpServerRequest &request, QHttpServerResponder &&responder) {
            handle(Route::ChatCompletions, request, std::move(responder));
        });
    m_http->route(QStringLiteral("/v1/completions"), QHttpServerRequest::Method::Post,
        [this](const QHttpServerRequest &request, QHttpServerResponder &&responder) {
            handle(Route::Completions, request, std::move(responder));
        });
    m_http->route(QStringLiteral("/v1/embeddings"), QHttpServerRequest::Method::Post,
        [this](const QHttpServerRequest &request, QHttpServerResponder &&responder) {
            handle(Route::Embeddings, request, std::move(responder));
        });
    m_http->route(QStringLiteral("/v1/models"), QHttpServerRequest::Method::Get,
        [this](const QHttpServerRequest &request, QHttpServerResponder &&responder) {
            handle(Route::Models, request, std::move(responder));
        });
    m_http->route(QStringLiteral("/health"), QHttpServerRequest::Method::Get,
        [this](const QHttpServerRequest &request, QHttpServerResponder &&responder) {
            handle(Route::Health, request, std::move(responder));
        });
    m_http->route(QStringLiteral("/api/version"), QHttpServerRequest::Method::Get,
        [this](const QHttpServerRequest &request, QHttpServerResponder &&responder) {
            handle(Route::Version, request, std::move(responder));
        });
    m_http->setMissingHandler([this](const QHttpServerRequest &request, QHttpServerResponder &&responder) {
        handle(Route::Unknown, request, std::move(responder));
    });

    // Our own QTcpServer: QAbstractHttpServer::listen() keeps Qt's default listen backlog of 50, which
    // drops SYNs (1 s retransmit) when hundreds of clients connect at once.
    m_tcp = new QTcpServer(m_http);
    m_tcp->setListenBacklogSize(1024);
    m_tcp->setMaxPendingConnections(1024);
    if (m_tcp->listen(QHostAddress::LocalHost, 0)) {
        m_port = m_tcp->serverPort();
        m_http->bind(m_tcp);
    } else {
        qWarning("FakeModelServer: listen failed: %s", qPrintable(m_tcp->errorString()));
    }
}

FakeModelServer::~FakeModelServer()
{
    m_shuttingDown = true;
    const QList<Exchange *> exchanges = m_exchanges;
    m_exchanges.clear();
    for (Exchange *exchange : exchanges) {
        exchange->detach();
        delete exchange;
    }
    delete m_http; // closes the listener and every connection
    m_http = nullptr;
}

bool FakeModelServer::isListening() const
{
    return m_port != 0;
}
quint16 FakeModelServer::port() const
{
    return m_port;
}

QUrl FakeModelServer::baseUrl() const
{
    QUrl url;
    url.setScheme(QStringLiteral("http"));
    url.setHost(QStringLiteral("127.0.0.1"));
    url.setPort(m_port);
    url.setPath(QStringLiteral("/v1"));
    return url;
}

void FakeModelServer::setDefaultBehavior(const FakeBehavior &behavior)
{
    m_default = behavior;
}
FakeBehavior FakeModelServer::defaultBehavior() const
{
    return m_default;
}
void FakeModelServer::enqueue(const FakeBehavior &behavior)
{
    m_queue.enqueue(behavior);
}
void FakeModelServer::clearQueue()
{
    m_queue.clear();
}
int FakeModelServer::queuedBehaviors() const
{
    return int(m_queue.size());
}
void FakeModelServer::setBehaviorSelector(BehaviorSelector selector)
{
    m_selector = std::move(selector);
}
void FakeModelServer::setModels(const QStringList &ids)
{
    m_models = ids;
}
QStringList FakeModelServer::models() const
{
    return m_models;
}
void FakeModelServer::setModelsBehavior(const FakeBehavior &behavior)
{
    m_modelsBehavior = behavior;
}
void FakeModelServer::setHealthBehavior(const FakeBehavior &behavior)
{
    m_healthBehavior = behavior;
}
FakeBehavior FakeModelServer::healthBehavior() const
{
    return m_healthBehavior;
}
void FakeModelServer::setVersionBehavior(const FakeBehavior &behavior)
{
    m_versionBehavior = behavior;
}
FakeBehavior FakeModelServer::versionBehavior() const
{
    return m_versionBehavior;
}

int FakeModelServer::releaseHeld()
{
    int released = 0;
    const QList<Exchange *> exchanges = m_exchanges; // release() may finish and remove exchanges
    for (Exchange *exchange : exchanges) {
        if (m_exchanges.contains(exchange) && exchange->stage() == Exchange::Stage::Held) {
            exchange->release();
            ++released;
        }
    }
    return released;
}

int FakeModelServer::heldCount() const
{
    return int(std::count_if(m_exchanges.cbegin(), m_exchanges.cend(),
        [](const Exchange *e) { return e->stage() == Exchange::Stage::Held; }));
}

QList<RecordedRequest> FakeModelServer::requests() const
{
    return m_requests;
}
int FakeModelServer::requestCount() const
{
    return int(m_requests.size());
}
int FakeModelServer::requestCount(const QString &path) const
{
    return int(std::count_if(
        m_requests.cbegin(), m_requests.cend(), [&](const RecordedRequest &r) { return r.path == path; }));
}
RecordedRequest FakeModelServer::lastRequest() const
{
    return m_requests.isEmpty() ? RecordedRequest() : m_requests.constLast();
}
void FakeModelServer::setProbesApart(bool apart)
{
    m_probesApart = apart;
}
QList<RecordedRequest> FakeModelServer::probeRequests() const
{
    return m_probes;
}
int FakeModelServer::probeCount() const
{
    return int(m_probes.size());
}
int FakeModelServer::probeCount(const QString &path) const
{
    return int(std::count_if(
        m_probes.cbegin(), m_probes.cend(), [&](const RecordedRequest &r) { return r.path == path; }));
}
QList<AbortedRequest> FakeModelServer::abortedRequests() const
{
    return m_aborts;
}
int FakeModelServer::abortCount() const
{
    return int(m_aborts.size());
}
int FakeModelServer::inFlight() const
{
    return m_inFlight;
}
int FakeModelServer::maxConcurrent() const
{
    return m_maxConcurrent;
}
int FakeModelServer::completedCount() const
{
    return m_completed;
}

int FakeModelServer::connectionCount() const
{
    QSet<quint64> ids;
    for (const RecordedRequest &r : m_requests)
        ids.insert(r.connectionId);
    return int(ids.size());
}

void FakeModelServer::resetRecords()
{
    m_requests.clear();
    m_probes.clear();
    m_aborts.clear();
    m_completed = 0;
    m_maxConcurrent = m_inFlight;
}

bool FakeModelServer::waitForRequests(int count, int timeoutMs)
{
    return waitUntil([&] { return requestCount() >= count; }, timeoutMs);
}

bool FakeModelServer::waitForAborts(int count, int timeoutMs)
{
    return waitUntil([&] { return abortCount() >= count; }, timeoutMs);
}

bool FakeModelServer::waitForInFlight(int count, int timeoutMs)
{
    return waitUntil([&] { return inFlight() >= count; }, timeoutMs);
}

bool FakeModelServer::waitForIdle(int timeoutMs)
{
    return waitUntil([&] { return inFlight() == 0; }, timeoutMs);
}

FakeBehavior FakeModelServer::pickBehavior(Route route, const RecordedRequest &request)
{
    switch (route) {
    case Route::Models:
        return m_modelsBehavior;
    case Route::Health:
        return m_healthBehavior;
    case Route::Version:
        return m_versionBehavior;
    case Route::Unknown:
        return FakeBehavior();
    case Route::ChatCompletions:
    case Route::Completions:
    case Route::Embeddings:
        break;
    }
    if (!m_queue.isEmpty())
        return m_queue.dequeue();
    if (m_selector)
        return m_selector(request);
    return m_default;
}

void FakeModelServer::handle(Route route, const QHttpServerRequest &request, QHttpServerResponder &&responder)
{
    QTcpSocket *socket = responder.socket();

    RecordedRequest record;
    record.id = m_nextRequestId++;
    record.arrivedAt = now();
    record.method = methodName(request.method());
    record.path = request.url().path();
    record.query = request.url().query();
    record.headers = request.headers();
    record.body = request.body();
    if (socket) {
        record.peerPort = socket->peerPort();
        QVariant connectionId = socket->property(kConnectionIdProperty);
        if (!connectionId.isValid()) {
            connectionId = QVariant::fromValue(m_nextConnectionId++);
            socket->setProperty(kConnectionIdProperty, connectionId);
        }
        record.connectionId = connectionId.toULongLong();
    }
    if (route == Route::ChatCompletions || route == Route::Completions || route == Route::Embeddings) {
        const QJsonObject body = QJsonDocument::fromJson(record.body).object();
        record.stream = body.value(QStringLiteral("stream")).toBool();
        record.model = body.value(QStringLiteral("model")).toString();
    }

    record.probe = m_probesApart && record.header("User-Agent").startsWith("airlock-probe/");
    if (record.probe) {
        m_probes.append(record);
    } else {
        m_requests.append(record);
        ++m_inFlight;
        m_maxConcurrent = qMax(m_maxConcurrent, m_inFlight);
        Q_EMIT requestReceived(record);
    }

    auto *exchange = new Exchange(this, route, record, pickBehavior(route, record), std::move(responder));
    m_exchanges.append(exchange);
    exchange->start();
}

void FakeModelServer::exchangeFinished(Exchange *exchange, bool completed)
{
    if (m_shuttingDown)
        return;
    m_exchanges.removeOne(exchange);
    exchange->deleteLater();
    if (exchange->request().probe)
        return;
    --m_inFlight;
    if (completed)
        ++m_completed;
    const quint64 id = exchange->request().id;
    if (completed)
        Q_EMIT requestCompleted(id);
}

void FakeModelServer::exchangeAborted(Exchange *exchange, const AbortedRequest &abort)
{
    if (m_shuttingDown)
        return;
    m_exchanges.removeOne(exchange);
    exchange->deleteLater();
    if (exchange->request().probe)
        return;
    --m_inFlight;
    m_aborts.append(abort);
    Q_EMIT requestAborted(abort);
}

} // namespace airlock::test
