#include "suggestionrelay.h"

#include "fencefilter.h"
#include "gitlabrelay.h"
#include "gitlabresponses.h"
#include "prompts/promptbuilder.h"
#include "routing/completioncache.h"

#include <QDateTime>
#include <QJsonArray>

namespace airlock::gitlab {

using http::ApiError;
using http::HttpExchange;
using upstream::OpenAiAnswer;

namespace {

QJsonObject modelObject(const SuggestionContext &ctx, int inputTokens, int outputTokens)
{
    return QJsonObject {
        { QStringLiteral("engine"), QStringLiteral("airlock") },
        { QStringLiteral("name"), ctx.identifier },
        { QStringLiteral("lang"), ctx.language },
        { QStringLiteral("tokens_consumption_metadata"),
            QJsonObject { { QStringLiteral("input_tokens"), std::max(inputTokens, 0) },
                { QStringLiteral("output_tokens"), std::max(outputTokens, 0) },
                { QStringLiteral("context_tokens_sent"), 0 },
                { QStringLiteral("context_tokens_used"), 0 } } },
    };
}

// The model of a /v3 or /v4 answer; `withLang` for the whole answer (the stream's start has none).
QJsonObject componentsModel(const SuggestionContext &ctx, bool withLang)
{
    QJsonObject model { { QStringLiteral("engine"), QStringLiteral("airlock") },
        { QStringLiteral("name"), ctx.identifier } };
    if (withLang)
        model.insert(QStringLiteral("lang"), ctx.language);
    return model;
}

} // namespace

QJsonObject componentsBody(const SuggestionContext &ctx, const QStringList &texts)
{
    QJsonArray choices;
    for (const QString &text : texts) {
        if (text.isEmpty())
            continue;
        choices.append(QJsonObject { { QStringLiteral("text"), text }, { QStringLiteral("index"), 0 },
            { QStringLiteral("finish_reason"), QStringLiteral("length") } });
    }
    return QJsonObject { { QStringLiteral("choices"), choices },
        { QStringLiteral("metadata"),
            QJsonObject { { QStringLiteral("model"), componentsModel(ctx, true) },
                { QStringLiteral("timestamp"), QDateTime::currentSecsSinceEpoch() } } } };
}

QJsonObject suggestionBody(const SuggestionContext &ctx, const QStringList &texts,
    const QString &finishReason, int inputTokens, int outputTokens)
{
    QJsonArray choices;
    for (const QString &text : texts) {
        if (text.isEmpty())
            continue; // GitLab drops empty choices
        choices.append(
            QJsonObject { { QStringLiteral("text"), text }, { QStringLiteral("index"), choices.size() },
                { QStringLiteral("finish_reason"),
                    finishReason.isEmpty() ? QStringLiteral("length") : finishReason } });
    }
    return QJsonObject { { QStringLiteral("id"), QStringLiteral("id") },
        { QStringLiteral("model"), modelObject(ctx, inputTokens, outputTokens) },
        { QStringLiteral("experiments"), QJsonArray() },
        { QStringLiteral("object"), QStringLiteral("text_completion") },
        { QStringLiteral("created"), QDateTime::currentSecsSinceEpoch() },
        { QStringLiteral("choices"), choices } };
}

namespace {

QByteArray sseEvent(const char *event, const QByteArray &data)
{
    return "event: " + QByteArray(event) + "\ndata: " + data + "\n\n";
}

// Code completion and generation (/v2/code/*, /v4/code/suggestions).
class SuggestionRelay final : public GitLabRelay {
public:
    explicit SuggestionRelay(SuggestionContext ctx) : m_ctx(std::move(ctx)) { }

    void error(HttpExchange &exchange, const ApiError &error) override
    {
        if (error.code == QLatin1String("superseded") && !exchange.responseStarted()) {
            // A newer keystroke replaced this request: answer "no suggestion" at once.
            exchange.record().superseded = true;
            if (m_ctx.format == SuggestionContext::Format::Json)
                respondJson(exchange, 200, jsonBody({}, QStringLiteral("length"), 0, 0));
            else
                exchange.respond(200, "text/event-stream; charset=utf-8", {});
            return;
        }
        GitLabRelay::error(exchange, error);
    }

protected:
    void streamStarted(HttpExchange &exchange) override
    {
        if (m_ctx.format == SuggestionContext::Format::Sse) {
            exchange.beginStream(200, "text/event-stream; charset=utf-8",
                { { "X-Streaming-Format", "sse" }, { "Cache-Control", "no-cache" } });
            const QJsonObject model
                = m_ctx.componentsShape ? componentsModel(m_ctx, false) : modelObject(m_ctx, 0, 0);
            exchange.writeChunk(sseEvent("stream_start",
                compact(QJsonObject { { QStringLiteral("metadata"),
                    QJsonObject { { QStringLiteral("model"), model },
                        { QStringLiteral("timestamp"), QDateTime::currentSecsSinceEpoch() } } } })));
        } else if (m_ctx.format == SuggestionContext::Format::RawText) {
            exchange.beginStream(200, "text/event-stream; charset=utf-8", { { "Cache-Control", "no-cache" } });
        }
    }

    void delta(HttpExchange &exchange, const QString &text) override
    {
        const QString out = m_ctx.generation ? m_fences.feed(text) : text;
        emitText(exchange, out);
    }

    void emitText(HttpExchange &exchange, const QString &text)
    {
        if (text.isEmpty())
            return;
        m_sent += text;
        if (m_ctx.format == SuggestionContext::Format::Sse) {
            const QJsonObject chunk { { QStringLiteral("choices"),
                QJsonArray { QJsonObject {
                    { QStringLiteral("delta"), QJsonObject { { QStringLiteral("content"), text } } },
                    { QStringLiteral("index"), 0 } } } } };
            exchange.writeChunk(sseEvent("content_chunk", compact(chunk)));
        } else if (m_ctx.format == SuggestionContext::Format::RawText) {
            exchange.writeChunk(text.toUtf8());
        }
    }

    void streamFinished(HttpExchange &exchange, const QString &finishReason) override
    {
        if (m_ctx.generation)
            emitText(exchange, m_fences.finish());
        if (m_ctx.format == SuggestionContext::Format::Json) {
            // The client asked for JSON but the server streamed: answer whole.
            OpenAiAnswer answer;
            answer.texts = { m_text };
            answer.finishReason = finishReason;
            whole(exchange, answer);
            return;
        }
        if (m_ctx.format == SuggestionContext::Format::Sse)
            exchange.writeChunk(sseEvent("stream_end", "null"));
        exchange.endStream();
    }

    void whole(HttpExchange &exchange, const OpenAiAnswer &answer) override
    {
        QStringList texts;
        for (const QString &text : answer.texts) {
            texts << (m_ctx.generation
                    ? m_ctx.prompts->postProcessGeneration(m_ctx.family, text, m_ctx.prefix)
                    : m_ctx.prompts->postProcessCompletion(m_ctx.family, text, m_ctx.stop));
        }
        if (m_ctx.format == SuggestionContext::Format::Json) {
            const QByteArray body
                = compact(jsonBody(texts, answer.finishReason, answer.promptTokens, answer.completionTokens));
            // Stored as sent, so that a hit answers exactly this (finish_reason, counts, id, created).
            if (m_ctx.cache && !m_ctx.cacheKey.isEmpty()) {
                m_ctx.cache->insert(m_ctx.cacheKey,
                    { body, QByteArrayLiteral("application/json"), answer.promptTokens, answer.completionTokens });
            }
            exchange.respond(200, "application/json", body);
            return;
        }
        // Streamed form requested, but the server answered whole.
        streamStarted(exchange);
        emitText(exchange, texts.value(0));
        if (m_ctx.format == SuggestionContext::Format::Sse)
            exchange.writeChunk(sseEvent("stream_end", "null"));
        exchange.endStream();
    }

    void streamFailed(HttpExchange &exchange, const ApiError &error) override
    {
        if (m_ctx.format == SuggestionContext::Format::Sse) {
            // The answer broke after the client had text: an error event and no stream_end, so the client
            // can tell the suggestion is cut short and does not show it as complete.
            const QJsonObject body { { QStringLiteral("code"), error.code },
                { QStringLiteral("message"), error.message } };
            exchange.writeChunk(sseEvent("error", compact(body)));
            exchange.endStream();
            return;
        }
        exchange.abortStream();
    }

private:
    QJsonObject jsonBody(const QStringList &texts, const QString &finishReason, int inputTokens, int outputTokens) const
    {
        return m_ctx.componentsShape ? componentsBody(m_ctx, texts)
                                     : suggestionBody(m_ctx, texts, finishReason, inputTokens, outputTokens);
    }

    SuggestionContext m_ctx;
    FenceFilter m_fences;
    QString m_sent;
};

} // namespace

std::unique_ptr<routing::ResponseRelay> makeSuggestionRelay(SuggestionContext ctx)
{
    return std::make_unique<SuggestionRelay>(std::move(ctx));
}

} // namespace airlock::gitlab
