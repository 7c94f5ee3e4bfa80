#include "gitlabrelay.h"

#include "dialects/common/chatcapture.h"
#include "gitlabresponses.h"

namespace airlock::gitlab {

using dialects::captureChatAnswer;
using http::ApiError;
using http::HttpExchange;
using upstream::OpenAiAnswer;
using upstream::parseOpenAiAnswer;

void GitLabRelay::head(HttpExchange &exchange, int status, const QByteArray &contentType)
{
    m_status = status;
    m_sse = contentType.startsWith("text/event-stream");
    if (ok() && m_sse)
        streamStarted(exchange);
}

std::optional<ApiError> GitLabRelay::body(HttpExchange &exchange, QByteArrayView bytes)
{
    if (ok() && m_sse) {
        m_decoder.feed(bytes, [&](const QString &text) {
            m_text += text;
            delta(exchange, text);
        });
        return std::nullopt;
    }
    if (m_body.size() + bytes.size() > 16 * 1024 * 1024)
        return ApiError::make(
            502, QStringLiteral("upstream_answer_too_large"), QStringLiteral("answer too large"));
    m_body.append(bytes);
    return std::nullopt;
}

void GitLabRelay::complete(HttpExchange &exchange)
{
    if (!ok()) {
        upstreamHttpError(exchange, m_status, m_body);
        return;
    }
    if (m_sse) {
        if (!m_decoder.streamError().isEmpty()) {
            error(exchange,
                ApiError::make(502, QStringLiteral("upstream_stream_error"), m_decoder.streamError()));
            return;
        }
        exchange.record().promptTokens = m_decoder.promptTokens();
        exchange.record().answerTokens = m_decoder.completionTokens();
        streamFinished(exchange, m_decoder.finishReason());
        return;
    }
    auto answer = parseOpenAiAnswer(m_body);
    if (!answer) {
        error(exchange, ApiError::make(502, answer.error().code, answer.error().message));
        return;
    }
    exchange.record().promptTokens = answer->promptTokens;
    exchange.record().answerTokens = answer->completionTokens;
    whole(exchange, *answer);
}

void GitLabRelay::error(HttpExchange &exchange, const ApiError &error)
{
    if (exchange.responseStarted()) {
        streamFailed(exchange, error);
        return;
    }
    if (error.status == 503 && error.code == QLatin1String("endpoint_busy")) {
        respondDetail(exchange, 503, error.message, error.code);
        return;
    }
    respondDetail(exchange, 503, QStringLiteral("Inference failed"), error.code);
}

void GitLabRelay::upstreamHttpError(HttpExchange &exchange, int status, const QByteArray &)
{
    respondDetail(
        exchange, 503, QStringLiteral("Inference failed"), QStringLiteral("upstream_status_%1").arg(status));
}

void TextRelay::streamStarted(HttpExchange &exchange)
{
    if (m_stream)
        exchange.beginStream(200, "text/event-stream; charset=utf-8", { { "Cache-Control", "no-cache" } });
}

void TextRelay::delta(HttpExchange &exchange, const QString &text)
{
    if (m_stream) {
        captureChatAnswer(exchange.record(), text);
        exchange.writeChunk(text.toUtf8());
    }
}

void TextRelay::streamFinished(HttpExchange &exchange, const QString &)
{
    if (m_stream) {
        exchange.endStream();
    } else {
        captureChatAnswer(exchange.record(), m_text);
        respondWhole(exchange, m_text);
    }
}

void TextRelay::whole(HttpExchange &exchange, const OpenAiAnswer &answer)
{
    captureChatAnswer(exchange.record(), answer.texts.value(0));
    if (!m_stream) {
        respondWhole(exchange, answer.texts.value(0));
        return;
    }
    streamStarted(exchange);
    exchange.writeChunk(answer.texts.value(0).toUtf8());
    exchange.endStream();
}

} // namespace airlock::gitlab
