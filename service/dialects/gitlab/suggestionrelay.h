#pragma once

// How the model server's answer becomes a code-suggestion response (/v2/code/completions,
// /v2/completions, /v2/code/generations, /v4/code/suggestions), for the suggestions handler: JSON, raw
// text chunks, or GitLab's SSE events (stream_start, content_chunk, stream_end), post-processed by the
// prompt builder and stored in the completion cache when the context names one. A superseded request
// answers "no suggestion".

#include "modelendpoint.h"
#include "routing/proxyoperation.h"

#include <QByteArray>
#include <QJsonObject>
#include <QString>
#include <QStringList>

#include <memory>

namespace airlock::prompts {
class PromptBuilder;
}
namespace airlock::routing {
class CompletionCache;
}

namespace airlock::gitlab {

struct SuggestionContext {
    const prompts::PromptBuilder *prompts = nullptr;
    ModelFamily family = ModelFamily::General;
    QString identifier;
    QString language;
    QStringList stop;
    QString prefix; // generation: the code above the cursor (fixes the leading newline)
    bool generation = false;
    enum class Format { Json, RawText, Sse } format = Format::Json;
    // The answer shape of /v3/code/completions and /v4/code/suggestions (prompt_components requests):
    // {"choices": [...], "metadata": {"model": {engine, name, lang}, "timestamp"}}; else /v2's.
    bool componentsShape = false;
    routing::CompletionCache *cache = nullptr;
    QByteArray cacheKey;
};

// The whole JSON answer: one choice per non-empty text (finish_reason "length" when empty).
QJsonObject suggestionBody(const SuggestionContext &ctx, const QStringList &texts,
    const QString &finishReason, int inputTokens, int outputTokens);

// The /v3 and /v4 JSON answer: every non-empty text a choice with index 0 and finish_reason "length",
// as GitLab's gateway answers them.
QJsonObject componentsBody(const SuggestionContext &ctx, const QStringList &texts);

std::unique_ptr<routing::ResponseRelay> makeSuggestionRelay(SuggestionContext ctx);

} // namespace airlock::gitlab
