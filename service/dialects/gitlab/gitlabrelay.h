#pragma once

// The base of the GitLab dialect's relays (how the model server's OpenAI answer becomes a GitLab
// response), for the suggestion, chat, agent and prompt relays. GitLabRelay decodes the upstream answer,
// whole or streamed, into text and hands it to the subclass; a model-server HTTP error or a failure
// before the response started becomes 503 {"detail": "Inference failed"} (or the endpoint's busy
// message), unless the subclass answers otherwise.

#include "routing/proxyoperation.h"
#include "upstream/openaianswer.h"

#include <QByteArray>
#include <QString>

namespace airlock::gitlab {

class GitLabRelay : public routing::ResponseRelay {
public:
    void head(http::HttpExchange &exchange, int status, const QByteArray &contentType) override;
    std::optional<http::ApiError> body(http::HttpExchange &exchange, QByteArrayView bytes) override;
    void complete(http::HttpExchange &exchange) override;
    void error(http::HttpExchange &exchange, const http::ApiError &error) override;

protected:
    bool ok() const { return m_status >= 200 && m_status < 300; }
    // A streamed answer began (2xx, event stream): start the client's response if streaming.
    virtual void streamStarted(http::HttpExchange &) { }
    virtual void delta(http::HttpExchange &exchange, const QString &text) = 0;
    virtual void streamFinished(http::HttpExchange &exchange, const QString &finishReason) = 0;
    virtual void whole(http::HttpExchange &exchange, const upstream::OpenAiAnswer &answer) = 0;
    virtual void streamFailed(http::HttpExchange &exchange, const http::ApiError &)
    {
        exchange.abortStream();
    }
    virtual void upstreamHttpError(http::HttpExchange &exchange, int status, const QByteArray &);

    int m_status = 0;
    bool m_sse = false;
    QByteArray m_body;
    QString m_text; // streamed text so far
    upstream::OpenAiStreamDecoder m_decoder;
};

// Answers that are text: streamed as raw text chunks, or written whole by respondWhole(). The answer
// text goes to the chat history too (when the chat endpoint started a turn).
class TextRelay : public GitLabRelay {
public:
    explicit TextRelay(bool stream) : m_stream(stream) { }

protected:
    virtual void respondWhole(http::HttpExchange &exchange, const QString &text) = 0;

    void streamStarted(http::HttpExchange &exchange) override;
    void delta(http::HttpExchange &exchange, const QString &text) override;
    void streamFinished(http::HttpExchange &exchange, const QString &) override;
    void whole(http::HttpExchange &exchange, const upstream::OpenAiAnswer &answer) override;

private:
    bool m_stream;
};

} // namespace airlock::gitlab
