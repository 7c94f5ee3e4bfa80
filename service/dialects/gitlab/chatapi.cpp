#include "gitlabapiprivate.h"

#include "agentrequest.h"

#include "dialects/common/chatcapture.h"
#include "featurecatalog.h"
#include "gitlabrelay.h"
#include "gitlabresponses.h"
#include "gitlabvalidator.h"
#include "reactparser.h"

#include <QDateTime>
#include <QJsonArray>
#include <QUrl>

namespace airlock::gitlab {

using dialects::beginChatCapture;
using dialects::captureChatAnswer;
using dialects::chatHistoryOwner;
using dialects::lastUserMessage;
using http::ApiError;
using http::HttpExchange;
using upstream::OpenAiAnswer;

namespace {

// /v1/chat/{invokable}: {"response": ..., "metadata": {...}} or raw text chunks.
class ChatRelay final : public TextRelay {
public:
    ChatRelay(bool stream, QString provider, QString model)
        : TextRelay(stream), m_provider(std::move(provider)), m_model(std::move(model))
    {
    }

protected:
    void respondWhole(HttpExchange &exchange, const QString &text) override
    {
        respondJson(exchange, 200,
            QJsonObject { { QStringLiteral("response"), text },
                { QStringLiteral("metadata"),
                    QJsonObject { { QStringLiteral("provider"), m_provider },
                        { QStringLiteral("model"), m_model },
                        { QStringLiteral("timestamp"), QDateTime::currentSecsSinceEpoch() } } } });
    }

private:
    QString m_provider;
    QString m_model;
};

// /v2/chat/agent: always 200, one JSON object per line, as the model produces them.
class AgentRelay final : public GitLabRelay {
public:
    void error(HttpExchange &exchange, const ApiError &error) override
    {
        ensureStarted(exchange);
        writeEvent(exchange, QStringLiteral("error"),
            QJsonObject { { QStringLiteral("message"),
                              error.status == 503 && error.code == QLatin1String("endpoint_busy")
                                  ? error.message
                                  : QStringLiteral("Inference failed") },
                { QStringLiteral("retryable"), error.status >= 500 } });
        exchange.endStream();
    }

protected:
    void ensureStarted(HttpExchange &exchange)
    {
        if (!exchange.responseStarted())
            exchange.beginStream(
                200, "application/x-ndjson; charset=utf-8", { { "Cache-Control", "no-cache" } });
    }
    void writeEvent(HttpExchange &exchange, const QString &type, const QJsonObject &data)
    {
        exchange.writeChunk(QByteArray(
            compact(QJsonObject { { QStringLiteral("type"), type }, { QStringLiteral("data"), data } })
            + '\n'));
    }
    void emitEvents(HttpExchange &exchange, const QList<ReActParser::Event> &events)
    {
        for (const ReActParser::Event &e : events) {
            switch (e.type) {
            case ReActParser::Event::Type::Action:
                writeEvent(exchange, QStringLiteral("action"),
                    QJsonObject { { QStringLiteral("tool"), e.tool },
                        { QStringLiteral("tool_input"), e.toolInput },
                        { QStringLiteral("thought"), e.thought } });
                break;
            case ReActParser::Event::Type::FinalAnswerDelta:
                captureChatAnswer(exchange.record(), e.text);
                writeEvent(exchange, QStringLiteral("final_answer_delta"),
                    QJsonObject { { QStringLiteral("text"), e.text } });
                break;
            case ReActParser::Event::Type::Unknown:
                captureChatAnswer(exchange.record(), e.text);
                writeEvent(
                    exchange, QStringLiteral("unknown"), QJsonObject { { QStringLiteral("text"), e.text } });
                break;
            }
        }
    }
    void streamStarted(HttpExchange &exchange) override { ensureStarted(exchange); }
    void delta(HttpExchange &exchange, const QString &text) override
    {
        emitEvents(exchange, m_parser.feed(text));
    }
    void streamFinished(HttpExchange &exchange, const QString &) override
    {
        emitEvents(exchange, m_parser.finish());
        exchange.endStream();
    }
    void whole(HttpExchange &exchange, const OpenAiAnswer &answer) override
    {
        ensureStarted(exchange);
        emitEvents(exchange, m_parser.feed(answer.texts.value(0)));
        emitEvents(exchange, m_parser.finish());
        exchange.endStream();
    }
    void upstreamHttpError(HttpExchange &exchange, int status, const QByteArray &) override
    {
        exchange.record().errorCode = QStringLiteral("upstream_status_%1").arg(status);
        error(exchange, ApiError::make(502, exchange.record().errorCode, QStringLiteral("Inference failed")));
    }

private:
    ReActParser m_parser;
};

} // namespace

void GitLabApi::Private::chat(std::unique_ptr<HttpExchange> exchange)
{
    const QByteArray prefix = "/v1/chat/";
    const QString invokable = QUrl::fromPercentEncoding(exchange->request().path.mid(prefix.size()));
    const Feature *feature = FeatureCatalog::instance().findByRoute(u"/v1/chat/{invokable}", invokable);
    auto prelude = begin(*exchange, true);
    if (!prelude)
        return;
    if (!feature) {
        respondDetail(*exchange, 404, QStringLiteral("Not found"), QStringLiteral("unknown_invokable"));
        return;
    }
    const QJsonObject &body = prelude->body;
    GitLabValidator v;
    const auto components = v.array(body, QStringLiteral("prompt_components"), {}, true, 1, 1);
    const bool stream = v.boolean(body, QStringLiteral("stream"), {}, false).value_or(false);
    prompts::ChatInput input;
    input.feature = feature->id;
    ModelDetails details;
    QString provider = QStringLiteral("litellm");
    QString modelName;
    if (components && !components->isEmpty()) {
        const QStringList loc { QStringLiteral("prompt_components"), QStringLiteral("0") };
        const QJsonObject component = components->at(0).toObject();
        v.string(component, QStringLiteral("type"), loc, true, 100);
        if (const auto metadata = v.object(component, QStringLiteral("metadata"), loc, false)) {
            v.string(*metadata, QStringLiteral("source"), loc + QStringList { QStringLiteral("metadata") },
                false, 100);
            v.string(*metadata, QStringLiteral("version"), loc + QStringList { QStringLiteral("metadata") },
                false, 100);
        }
        const auto payload = v.object(component, QStringLiteral("payload"), loc, true);
        if (payload) {
            const QStringList ploc = loc + QStringList { QStringLiteral("payload") };
            const QJsonValue content = payload->value(QStringLiteral("content"));
            if (content.isString()) {
                if (content.toString().size() > 400000) {
                    v.add(ploc + QStringList { QStringLiteral("content") }, QStringLiteral("string_too_long"),
                        QStringLiteral("String should have at most 400000 characters"));
                }
                input.messages.append(QJsonObject { { QStringLiteral("role"), QStringLiteral("user") },
                    { QStringLiteral("content"), content.toString() } });
            } else if (content.isArray()) {
                const QJsonArray list = content.toArray();
                if (list.isEmpty() || list.size() > 100) {
                    v.add(ploc + QStringList { QStringLiteral("content") }, QStringLiteral("too_long"),
                        QStringLiteral("List should have between 1 and 100 items"));
                }
                for (qsizetype i = 0; i < list.size(); ++i) {
                    const QStringList mloc
                        = ploc + QStringList { QStringLiteral("content"), QString::number(i) };
                    const QJsonObject m = list.at(i).toObject();
                    const auto role = v.oneOf(m, QStringLiteral("role"), mloc,
                        { QStringLiteral("system"), QStringLiteral("user"), QStringLiteral("assistant") },
                        true);
                    const auto text = v.string(m, QStringLiteral("content"), mloc, true);
                    if (role && text)
                        input.messages.append(QJsonObject {
                            { QStringLiteral("role"), *role }, { QStringLiteral("content"), *text } });
                }
            } else {
                v.add(ploc + QStringList { QStringLiteral("content") },
                    content.isUndefined() ? QStringLiteral("missing") : QStringLiteral("string_type"),
                    content.isUndefined() ? QStringLiteral("Field required")
                                          : QStringLiteral("Input should be a valid string"));
            }
            if (payload->contains(QStringLiteral("provider")))
                provider = v.oneOf(*payload, QStringLiteral("provider"), ploc,
                                { QStringLiteral("anthropic"), QStringLiteral("litellm") }, false)
                               .value_or(provider);
            modelName
                = v.string(*payload, QStringLiteral("model"), ploc, false, -1, true).value_or(QString());
            details.endpoint = v.string(*payload, QStringLiteral("model_endpoint"), ploc, false, -1, true)
                                   .value_or(QString());
            details.identifier = v.string(*payload, QStringLiteral("model_identifier"), ploc, false, -1, true)
                                     .value_or(QString());
            if (const auto params = v.object(*payload, QStringLiteral("params"), ploc, false)) {
                const QStringList aloc = ploc + QStringList { QStringLiteral("params") };
                if (const auto stops
                    = v.array(*params, QStringLiteral("stop_sequences"), aloc, false, 1, 10)) {
                    for (const QJsonValue &s : *stops)
                        input.stop << s.toString().left(225);
                }
                input.temperature = v.number(*params, QStringLiteral("temperature"), aloc, 0, 1).value_or(-1);
                if (const auto maxTokens
                    = v.integer(*params, QStringLiteral("max_tokens_to_sample"), aloc, false)) {
                    if (*maxTokens < 1 || *maxTokens > 8192)
                        v.add(aloc + QStringList { QStringLiteral("max_tokens_to_sample") },
                            QStringLiteral("less_than_equal"),
                            QStringLiteral("Input should be between 1 and 8192"));
                    else
                        input.maxTokens = int(*maxTokens);
                }
            }
        }
    }
    if (!v.ok()) {
        respondValidation(*exchange, v);
        return;
    }
    const routing::EndpointRuntime *endpoint = authorizeAndRoute(*exchange, *prelude, feature->id,
        QStringLiteral("Unauthorized to access %1").arg(invokable), details);
    if (!endpoint)
        return;
    const Builder build = [prompts = shared.prompts, snapshot = prelude->snapshot, featureId = feature->id, input,
                              stream, provider, modelName](const routing::EndpointRuntime &e) -> Result<Prepared> {
        const auto override = overrideFor(*snapshot, e, featureId);
        auto built = prompts->chat(e.endpoint, input, stream, override ? &*override : nullptr);
        if (!built)
            return built.error();
        return Prepared { std::move(*built),
            std::make_unique<ChatRelay>(stream, provider, modelName.isEmpty() ? e.endpoint.identifier : modelName) };
    };
    auto first = prepareFirst(*exchange, build, *endpoint);
    if (!first)
        return;
    if (feature->chat && services.observer)
        beginChatCapture(
            exchange->record(), chatHistoryOwner(prelude->principal), lastUserMessage(input.messages));
    start(std::move(exchange), *prelude, endpoint, std::move(*first), build, stream);
}

void GitLabApi::Private::agent(std::unique_ptr<HttpExchange> exchange)
{
    auto prelude = begin(*exchange, true);
    if (!prelude)
        return;
    const QJsonObject &body = prelude->body;
    GitLabValidator v;
    AgentRequest request;
    QString badRequest;
    readAgentRequest(body, v, request, badRequest);
    prompts::ChatInput input;
    input.feature = QStringLiteral("duo_chat");
    input.messages = reactMessages(request);
    ModelDetails details;
    if (const auto metadata = v.object(body, QStringLiteral("model_metadata"), {}, false)) {
        details.endpoint = metadata->value(QStringLiteral("endpoint")).toString();
        details.identifier = metadata->value(QStringLiteral("identifier")).toString();
    }
    if (!v.ok()) {
        respondValidation(*exchange, v);
        return;
    }
    if (!badRequest.isEmpty()) {
        respondDetail(*exchange, 400, badRequest, QStringLiteral("invalid_request"));
        return;
    }
    const routing::EndpointRuntime *endpoint = authorizeAndRoute(*exchange, *prelude, QStringLiteral("duo_chat"),
        QStringLiteral("Unauthorized to access duo chat"), details);
    if (!endpoint)
        return;
    input.stop = { QStringLiteral("Observation:") };
    const Builder build = [prompts = shared.prompts, input](const routing::EndpointRuntime &e) -> Result<Prepared> {
        auto built = prompts->chat(e.endpoint, input, true);
        if (!built)
            return built.error();
        return Prepared { std::move(*built), std::make_unique<AgentRelay>() };
    };
    auto first = prepareFirst(*exchange, build, *endpoint);
    if (!first)
        return;
    // A ReAct exchange takes several steps for one question: the question goes to the history with
    // the first step; a later step (tool observations in the scratchpad) adds only its final answer.
    if (services.observer)
        beginChatCapture(
            exchange->record(), chatHistoryOwner(prelude->principal), request.continuing() ? QString() : request.question);
    start(std::move(exchange), *prelude, endpoint, std::move(*first), build, true);
}

} // namespace airlock::gitlab
