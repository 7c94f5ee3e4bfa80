#pragma once

// Builds the request a model server gets for a GitLab feature, per model family: fill-in-the-middle
// prompts for code completion (sent to /v1/completions), instruction prompts for code generation,
// chat messages for chat features (sent to /v1/chat/completions, where the server applies the model's
// own chat template). Templates, stop sequences, temperature and max-token defaults come from resource
// files per family x feature (resources/prompts/<family>.json and common.json, compiled in as
// ":/airlock/prompts/..."), and the admin may override a template per model endpoint (TemplateStore).
// Dialect-free: the GitLab adapter fills the inputs; the result is an OpenAI request body.
//
// Templates: placeholders {prefix} {suffix} {instruction} {language} {file_name} {system}, substituted
// in one pass (text that comes in through a placeholder is never expanded again; other braces stay as
// they are). A feature section's "api" says where the request goes: "completions" (the template is the
// whole prompt, FIM or the family's instruction format) or "chat" (the template is the user message,
// "system" the system message; the server applies the model's chat template).
//
// Budgets: prompt tokens + max_tokens stay within the family's token_budget (codegemma 8192, codellama
// 16384, others 32768), estimated with estimateTokens(). The prefix is cut from its start and the
// suffix from its end; the suffix keeps at least suffix_share (7 %) of the room when both do not fit.
// Chat messages over budget: the oldest non-system messages are dropped, then the last one is cut from
// its start.
//
// Lifecycle: build once (fromResources) and share; a PromptBuilder is immutable and thread-safe to use
// from every worker thread. A default-constructed PromptBuilder is empty and must not be used.

#include "modelendpoint.h"
#include "result.h"

#include <QByteArray>
#include <QJsonArray>
#include <QString>
#include <QStringList>

#include <memory>

namespace airlock::prompts {

struct CodeContext
{
    QString fileName;
    QString language;       // language_identifier, may be empty
    QString prefix;         // content_above_cursor
    QString suffix;         // content_below_cursor
    QString instruction;    // code generation: the user's instruction (prompt)
    struct Item
    {
        QString type;
        QString name;
        QString content;
    };
    QList<Item> context;    // extra context items (open tabs, imports ...)
};

struct ChatInput
{
    QString feature;        // "duo_chat_explain_code", ...
    QJsonArray messages;    // OpenAI-style [{role, content}], already assembled by the adapter
    QStringList stop;       // from the request's params, if any (added to the family's)
    double temperature = -1; // < 0: family default
    int maxTokens = -1;      // < 0: family default
};

struct BuiltRequest
{
    enum class Api { Completions, ChatCompletions };
    Api api = Api::Completions;
    QByteArray body;        // complete JSON body for the model server; `model` = endpoint identifier
    QString prompt;         // the rendered prompt (Api::Completions) or the last user message (chat)
    QJsonArray messages;    // Api::ChatCompletions: the messages sent
    QStringList stop;
    double temperature = 0;
    int maxTokens = 0;
    int promptTokensEstimate = 0;
    bool truncated = false; // the prefix/suffix (chat: messages) were cut to the family's budget
};

// An admin's override of a template for one endpoint and feature (see TemplateStore). For code
// completion/generation it replaces the feature's "template" (the whole prompt, or the user message for
// "chat" api families); for chat features it replaces the system prompt.
struct TemplateOverride
{
    QString text;           // same placeholder syntax as the resource templates
};

// The family defaults the builder applies, for the admin console and tests.
struct FamilyDefaults
{
    int tokenBudget = 32768;
    double suffixShare = 0.07;
    QString completionApi;  // "completions" or "chat"
    QString generationApi;
    QStringList completionStop;
    double completionTemperature = 0;
    int completionMaxTokens = 0;
    QStringList generationStop;
    double generationTemperature = 0;
    int generationMaxTokens = 0;
    double chatTemperature = 0;
    int chatMaxTokens = 0;
};

class PromptBuilder
{
public:
    // Loads every family x feature template from the Qt resources (":/airlock/prompts/..."). Fails with a
    // clear error naming the file if one is malformed (a test checks all of them load). A family without
    // a file (gemini) uses "general".
    static Result<PromptBuilder> fromResources();
    // The same from a directory holding common.json and <family>.json files (tests, tools).
    static Result<PromptBuilder> fromDirectory(const QString &path);

    Result<BuiltRequest> codeCompletion(const ModelEndpoint &endpoint, const CodeContext &input, bool stream,
                                        const TemplateOverride *override = nullptr) const;
    Result<BuiltRequest> codeGeneration(const ModelEndpoint &endpoint, const CodeContext &input, bool stream,
                                        const TemplateOverride *override = nullptr) const;
    // Chat features (every catalog feature but code_completions/code_generations). Errors:
    // "unknown_feature", "not_a_chat_feature", "invalid_messages".
    Result<BuiltRequest> chat(const ModelEndpoint &endpoint, const ChatInput &input, bool stream,
                              const TemplateOverride *override = nullptr) const;

    // Post-processing of model output, per family and feature: cut at the first stop sequence, strip
    // markdown code fences (generation), fix the leading newline, trim trailing whitespace.
    // An empty result means "drop this choice". `stop` is added to the family's stop sequences.
    // Generation: text before an opening fence and from the closing fence on is dropped; leading blank
    // lines go; when `prefix` ends inside a line that has code, the result starts on a new line.
    QString postProcessCompletion(ModelFamily family, const QString &text, const QStringList &stop) const;
    QString postProcessGeneration(ModelFamily family, const QString &text, QStringView prefix = {}) const;

    // Whether the family is known to suit the feature (GitLab's compatibility table + the catalog).
    bool familySuits(ModelFamily family, const QString &feature) const;

    FamilyDefaults defaults(ModelFamily family) const;

    // Checks an admin's override before it is stored: completion templates need {prefix}, generation
    // templates {instruction}, no unknown {placeholder}, chat system prompts non-empty; 64 KiB at most.
    // Errors: "unknown_feature", "invalid_template".
    static Status validateOverride(const QString &feature, const QString &text);

private:
    struct Data;
    std::shared_ptr<const Data> d;
};

// Rough token count for budgets where no tokenizer is at hand (about 4 bytes of code per token).
int estimateTokens(QStringView text);

} // namespace airlock::prompts
