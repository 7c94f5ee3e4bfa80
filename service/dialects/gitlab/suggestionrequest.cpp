#include "suggestionrequest.h"

#include <QJsonArray>

namespace airlock::gitlab {

namespace {

using Loc = GitLabValidator::Loc;

const QString kCompletion = QStringLiteral("code_editor_completion");
const QString kGeneration = QStringLiteral("code_editor_generation");
const QString kContext = QStringLiteral("code_context");

const QStringList kPayloadProviders { QStringLiteral("vertex-ai"), QStringLiteral("anthropic"),
    QStringLiteral("litellm"), QStringLiteral("codestral"), QStringLiteral("fireworks_ai"),
    QStringLiteral("amazon_q") };

void readMetadata(const QJsonObject &component, GitLabValidator &v, const Loc &loc)
{
    if (const auto metadata = v.object(component, QStringLiteral("metadata"), loc, false)) {
        const Loc here = loc + QStringList { QStringLiteral("metadata") };
        v.string(*metadata, QStringLiteral("source"), here, true, 255);
        v.string(*metadata, QStringLiteral("version"), here, true, 255);
    }
}

// The editor payload of a completion or generation component.
void readEditorPayload(const QJsonObject &payload, GitLabValidator &v, const Loc &loc, bool generation,
    ComponentRequest &request)
{
    prompts::CodeContext &input = request.input;
    // file_name is stripped before its length is checked, as GitLab's model does.
    const QJsonValue fileName = payload.value(QStringLiteral("file_name"));
    QJsonObject stripped = payload;
    if (fileName.isString())
        stripped.insert(QStringLiteral("file_name"), fileName.toString().trimmed());
    input.fileName = v.string(stripped, QStringLiteral("file_name"), loc, true, 255).value_or(QString());
    input.prefix = v.string(payload, QStringLiteral("content_above_cursor"), loc, true, 100000).value_or(QString());
    input.suffix = v.string(payload, QStringLiteral("content_below_cursor"), loc, true, 100000).value_or(QString());
    input.language
        = v.string(payload, QStringLiteral("language_identifier"), loc, false, 255, true).value_or(QString());
    const QJsonValue provider = payload.value(QStringLiteral("model_provider"));
    if (!provider.isUndefined() && !provider.isNull())
        v.oneOf(payload, QStringLiteral("model_provider"), loc, kPayloadProviders, false);
    request.stream = v.boolean(payload, QStringLiteral("stream"), loc, false).value_or(false);
    if (!generation) {
        v.integer(payload, QStringLiteral("choices_count"), loc, false);
        v.string(payload, QStringLiteral("model_name"), loc, false, -1, true);
        // prompt: a string or a list of messages; the completion prompt is Airlock's own.
        const QJsonValue prompt = payload.value(QStringLiteral("prompt"));
        if (!prompt.isUndefined() && !prompt.isNull() && !prompt.isString() && !prompt.isArray())
            v.add(loc + QStringList { QStringLiteral("prompt") }, QStringLiteral("string_type"),
                QStringLiteral("Input should be a valid string"), prompt);
        return;
    }
    input.instruction
        = v.string(payload, QStringLiteral("prompt"), loc, false, 400000, true).value_or(QString());
    request.promptId = v.string(payload, QStringLiteral("prompt_id"), loc, false, -1, true).value_or(QString());
    v.string(payload, QStringLiteral("prompt_version"), loc, false, -1, true);
    if (const auto enhancer = v.object(payload, QStringLiteral("prompt_enhancer"), loc, false)) {
        // GitLab 17.x+ sends the instruction here (user_instruction) and no `prompt`.
        const QJsonValue instruction = enhancer->value(QStringLiteral("user_instruction"));
        if (input.instruction.isEmpty() && instruction.isString())
            input.instruction = instruction.toString();
        const auto addRendered = [&](const QString &key, const QString &type) {
            for (const QJsonValue &item : enhancer->value(key).toArray()) {
                if (item.isString())
                    input.context.append({ type, QString(), item.toString() });
            }
        };
        addRendered(QStringLiteral("related_files"), QStringLiteral("file"));
        addRendered(QStringLiteral("related_snippets"), QStringLiteral("snippet"));
    }
}

} // namespace

void readComponentRequest(const QJsonObject &body, GitLabValidator &v, ComponentRequest &request)
{
    if (const auto metadata = v.object(body, QStringLiteral("model_metadata"), {}, false)) {
        const Loc loc { QStringLiteral("model_metadata") };
        request.details.name = v.string(*metadata, QStringLiteral("name"), loc, false, 255, true).value_or(QString());
        v.string(*metadata, QStringLiteral("provider"), loc, false, 255, true);
        request.details.endpoint
            = v.string(*metadata, QStringLiteral("endpoint"), loc, false, -1, true).value_or(QString());
        v.string(*metadata, QStringLiteral("api_key"), loc, false, -1, true);
        request.details.identifier
            = v.string(*metadata, QStringLiteral("identifier"), loc, false, 255, true).value_or(QString());
    }
    const auto components = v.array(body, QStringLiteral("prompt_components"), {}, true, 1, 100);
    if (!components)
        return;
    const QStringList tags { kCompletion, kGeneration, kContext };
    for (qsizetype i = 0; i < components->size(); ++i) {
        const Loc at { QStringLiteral("prompt_components"), QString::number(i) };
        const QJsonValue value = components->at(i);
        if (!value.isObject()) {
            v.add(at, QStringLiteral("model_attributes_type"),
                QStringLiteral("Input should be a valid dictionary or object to extract fields from"), value);
            continue;
        }
        const QJsonObject component = value.toObject();
        const QJsonValue tag = component.value(QStringLiteral("type"));
        if (!tag.isString()) {
            v.add(at, QStringLiteral("union_tag_not_found"),
                QStringLiteral("Unable to extract tag using discriminator 'type'"), component);
            continue;
        }
        const QString type = tag.toString();
        if (!tags.contains(type)) {
            v.add(at, QStringLiteral("union_tag_invalid"),
                QStringLiteral("Input tag '%1' found using 'type' does not match any of the expected tags: %2")
                    .arg(type, QStringLiteral("'code_editor_completion', 'code_editor_generation', 'code_context'")),
                component);
            continue;
        }
        const Loc loc = at + QStringList { type };
        const auto payload = v.object(component, QStringLiteral("payload"), loc, true);
        readMetadata(component, v, loc);
        if (!payload)
            continue;
        const Loc payloadLoc = loc + QStringList { QStringLiteral("payload") };
        if (type == kContext) {
            prompts::CodeContext::Item item;
            item.type = v.string(*payload, QStringLiteral("type"), payloadLoc, true, 1024).value_or(QString());
            item.name = v.string(*payload, QStringLiteral("name"), payloadLoc, true, 1024).value_or(QString());
            item.content
                = v.string(*payload, QStringLiteral("content"), payloadLoc, true, 100000).value_or(QString());
            request.input.context.append(item);
            continue;
        }
        if (i == 0) {
            request.generation = type == kGeneration;
            readEditorPayload(*payload, v, payloadLoc, request.generation, request);
        } else {
            // A later editor component is checked but only the first one is served, as GitLab does.
            ComponentRequest ignored;
            readEditorPayload(*payload, v, payloadLoc, type == kGeneration, ignored);
        }
    }
    if (v.ok() && components->at(0).toObject().value(QStringLiteral("type")).toString() == kContext) {
        // GitLab would fail reading the file of a context component (500); say what is wrong instead.
        v.add({ QStringLiteral("prompt_components"), QStringLiteral("0") }, QStringLiteral("value_error"),
            QStringLiteral("Value error, the first prompt component must be code_editor_completion or "
                           "code_editor_generation"),
            components->at(0));
    }
}

} // namespace airlock::gitlab
