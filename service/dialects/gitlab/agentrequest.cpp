#include "agentrequest.h"

namespace airlock::gitlab {

namespace {

using Loc = GitLabValidator::Loc;

// The AI gateway's default when Rails sends none.
const QStringList kDefaultUnavailable { QStringLiteral("Merge Requests, Pipelines, Vulnerabilities") };

const QStringList kRoles { QStringLiteral("user"), QStringLiteral("assistant"), QStringLiteral("system") };

// AdditionalContext.category, as of GitLab 18.x.
const QStringList kContextCategories { QStringLiteral("file"), QStringLiteral("snippet"),
    QStringLiteral("merge_request"), QStringLiteral("issue"), QStringLiteral("dependency"),
    QStringLiteral("local_git"), QStringLiteral("terminal"), QStringLiteral("repository"),
    QStringLiteral("directory"), QStringLiteral("os_information"), QStringLiteral("agent_user_environment") };

Loc operator+(const Loc &loc, const QString &part)
{
    Loc out = loc;
    out.append(part);
    return out;
}

// The page the user is on: {type, content} (Context, GitLab 16.x–17.x) or one of the page contexts with
// {type, title, ...} (CurrentPageContext, 17.x+). Every string field is given to the model.
QString readContext(const QJsonObject &parent, const Loc &loc, GitLabValidator &v)
{
    const auto ctx = v.object(parent, QStringLiteral("context"), loc, false);
    if (!ctx)
        return {};
    const Loc here = loc + QStringLiteral("context");
    const QString type = v.string(*ctx, QStringLiteral("type"), here, true).value_or(QString());
    const QString content = v.string(*ctx, QStringLiteral("content"), here, false, -1, true).value_or(QString());
    QString text = QStringLiteral("The user is looking at this %1").arg(type);
    for (auto it = ctx->begin(); it != ctx->end(); ++it) {
        if (it.key() != QLatin1String("type") && it.key() != QLatin1String("content") && it.value().isString())
            text += QStringLiteral("\n%1: %2").arg(it.key(), it.value().toString());
    }
    if (!content.isEmpty())
        text += QStringLiteral("\n<%1>\n%2\n</%1>").arg(type, content);
    return text;
}

QString readCurrentFile(const QJsonObject &parent, const Loc &loc, GitLabValidator &v)
{
    const auto file = v.object(parent, QStringLiteral("current_file"), loc, false);
    if (!file)
        return {};
    const Loc here = loc + QStringLiteral("current_file");
    const auto path = v.string(*file, QStringLiteral("file_path"), here, true);
    const auto data = v.string(*file, QStringLiteral("data"), here, true);
    const auto selected = v.boolean(*file, QStringLiteral("selected_code"), here, true);
    if (!path || !data || !selected)
        return {};
    return *selected ? QStringLiteral("The user selected this code in the file %1:\n<selected_code>\n%2\n</selected_code>")
                           .arg(*path, *data)
                     : QStringLiteral("The user is looking at the file %1:\n<file>\n%2\n</file>").arg(*path, *data);
}

QStringList readAdditionalContext(const QJsonObject &parent, const Loc &loc, GitLabValidator &v)
{
    QStringList out;
    const auto items = v.array(parent, QStringLiteral("additional_context"), loc, false);
    if (!items)
        return out;
    const Loc here = loc + QStringLiteral("additional_context");
    for (qsizetype i = 0; i < items->size(); ++i) {
        const Loc at = here + QString::number(i);
        if (!items->at(i).isObject()) {
            v.add(at, QStringLiteral("model_type"),
                QStringLiteral("Input should be a valid dictionary or object to extract fields from"), items->at(i));
            continue;
        }
        const QJsonObject item = items->at(i).toObject();
        const auto category = v.oneOf(item, QStringLiteral("category"), at, kContextCategories, true);
        const QString id = v.string(item, QStringLiteral("id"), at, false, -1, true).value_or(QString());
        const QString content = v.string(item, QStringLiteral("content"), at, false, -1, true).value_or(QString());
        v.object(item, QStringLiteral("metadata"), at, false);
        if (category)
            out << QStringLiteral("<%1 id=\"%2\">\n%3\n</%1>").arg(*category, id, content);
    }
    return out;
}

// A step of an assistant message's scratchpad: {action: {thought, tool, tool_input}, observation} (the
// AI gateway's AgentStep), or the same fields side by side as options.agent_scratchpad's steps have them.
void readMessageSteps(const QJsonObject &message, const Loc &loc, GitLabValidator &v, QList<AgentStep> &steps)
{
    const auto list = v.array(message, QStringLiteral("agent_scratchpad"), loc, false);
    if (!list)
        return;
    const Loc here = loc + QStringLiteral("agent_scratchpad");
    for (qsizetype i = 0; i < list->size(); ++i) {
        const Loc at = here + QString::number(i);
        if (!list->at(i).isObject()) {
            v.add(at, QStringLiteral("model_type"),
                QStringLiteral("Input should be a valid dictionary or object to extract fields from"), list->at(i));
            continue;
        }
        const QJsonObject s = list->at(i).toObject();
        AgentStep step;
        step.observation = v.string(s, QStringLiteral("observation"), at, false).value_or(QString());
        if (s.contains(QStringLiteral("action")) || !s.contains(QStringLiteral("tool"))) {
            const auto action = v.object(s, QStringLiteral("action"), at, false);
            if (!action)
                continue; // a step without an action has nothing to render
            const Loc aloc = at + QStringLiteral("action");
            step.thought = v.string(*action, QStringLiteral("thought"), aloc, true).value_or(QString());
            step.tool = v.string(*action, QStringLiteral("tool"), aloc, true).value_or(QString());
            step.toolInput = v.string(*action, QStringLiteral("tool_input"), aloc, true).value_or(QString());
        } else {
            step.thought = v.string(s, QStringLiteral("thought"), at, false).value_or(QString());
            step.tool = v.string(s, QStringLiteral("tool"), at, true).value_or(QString());
            step.toolInput = v.string(s, QStringLiteral("tool_input"), at, true).value_or(QString());
        }
        steps.append(step);
    }
}

// options.agent_scratchpad: a union tagged by agent_type (only "react"); pydantic puts the tag in `loc`.
void readOptionSteps(const QJsonObject &options, GitLabValidator &v, QList<AgentStep> &steps)
{
    const Loc loc { QStringLiteral("options") };
    const auto pad = v.object(options, QStringLiteral("agent_scratchpad"), loc, true);
    if (!pad)
        return;
    const Loc here = loc + QStringLiteral("agent_scratchpad");
    const QJsonValue tag = pad->value(QStringLiteral("agent_type"));
    if (!tag.isString()) {
        v.add(here, QStringLiteral("union_tag_not_found"),
            QStringLiteral("Unable to extract tag using discriminator 'agent_type'"), *pad);
        return;
    }
    if (tag.toString() != QLatin1String("react")) {
        v.add(here, QStringLiteral("union_tag_invalid"),
            QStringLiteral("Input tag '%1' found using 'agent_type' does not match any of the expected tags: 'react'")
                .arg(tag.toString()),
            *pad);
        return;
    }
    const Loc react = here + QStringLiteral("react");
    const auto list = v.array(*pad, QStringLiteral("steps"), react, true);
    if (!list)
        return;
    for (qsizetype i = 0; i < list->size(); ++i) {
        const Loc at = react + QStringLiteral("steps") + QString::number(i);
        if (!list->at(i).isObject()) {
            v.add(at, QStringLiteral("model_type"),
                QStringLiteral("Input should be a valid dictionary or object to extract fields from"), list->at(i));
            continue;
        }
        const QJsonObject s = list->at(i).toObject();
        AgentStep step;
        step.thought = v.string(s, QStringLiteral("thought"), at, true).value_or(QString());
        step.tool = v.string(s, QStringLiteral("tool"), at, true).value_or(QString());
        step.toolInput = v.string(s, QStringLiteral("tool_input"), at, true).value_or(QString());
        step.observation = v.string(s, QStringLiteral("observation"), at, true).value_or(QString());
        steps.append(step);
    }
}

// options.chat_history: str | list[str] | list[{role, content}] (GitLab 16.x–17.x).
QString readChatHistory(const QJsonObject &options, GitLabValidator &v)
{
    const QJsonValue history = options.value(QStringLiteral("chat_history"));
    if (history.isUndefined() || history.isNull())
        return {};
    if (history.isString())
        return history.toString();
    const Loc loc { QStringLiteral("options"), QStringLiteral("chat_history") };
    if (history.isArray()) {
        QStringList lines;
        bool strings = true;
        bool messages = true;
        for (const QJsonValue &item : history.toArray()) {
            strings = strings && item.isString();
            messages = messages && item.isObject() && item.toObject().value(QStringLiteral("role")).isString()
                && item.toObject().value(QStringLiteral("content")).isString();
            if (item.isString())
                lines << item.toString();
            else if (item.isObject())
                lines << QStringLiteral("%1: %2").arg(item.toObject().value(QStringLiteral("role")).toString(),
                             item.toObject().value(QStringLiteral("content")).toString());
        }
        if (strings || messages)
            return lines.join(QLatin1Char('\n'));
        v.add(loc + QStringLiteral("list[str]"), QStringLiteral("string_type"),
            QStringLiteral("Input should be a valid string"), history);
        v.add(loc + QStringLiteral("list[Message]"), QStringLiteral("model_type"),
            QStringLiteral("Input should be a valid dictionary or object to extract fields from"), history);
        return {};
    }
    v.add(loc + QStringLiteral("str"), QStringLiteral("string_type"), QStringLiteral("Input should be a valid string"),
        history);
    v.add(loc + QStringLiteral("list[str]"), QStringLiteral("list_type"), QStringLiteral("Input should be a valid list"),
        history);
    v.add(loc + QStringLiteral("list[Message]"), QStringLiteral("list_type"),
        QStringLiteral("Input should be a valid list"), history);
    return {};
}

QString joinedContent(const AgentMessage &m)
{
    QStringList parts;
    if (!m.context.isEmpty())
        parts << m.context;
    if (!m.currentFile.isEmpty())
        parts << m.currentFile;
    for (const QString &item : m.additionalContext)
        parts << item;
    if (!m.content.isEmpty())
        parts << m.content;
    return parts.join(QStringLiteral("\n\n"));
}

QJsonObject chatMessage(const QString &role, const QString &content)
{
    return QJsonObject { { QStringLiteral("role"), role }, { QStringLiteral("content"), content } };
}

} // namespace

bool AgentRequest::continuing() const
{
    if (!optionSteps.isEmpty())
        return true;
    for (const AgentMessage &m : messages) {
        if (!m.scratchpad.isEmpty())
            return true;
    }
    return false;
}

void readAgentRequest(const QJsonObject &body, GitLabValidator &v, AgentRequest &request, QString &badRequest)
{
    const auto prompt = v.string(body, QStringLiteral("prompt"), {}, false, -1, true);
    // `messages` replaced `prompt` (GitLab 17.x); one of them is needed.
    const auto messages = v.array(body, QStringLiteral("messages"), {}, !prompt, 1);
    v.boolean(body, QStringLiteral("stream"), {}, false);
    bool scratchpadOnOtherRole = false;
    if (messages) {
        for (qsizetype i = 0; i < messages->size(); ++i) {
            const Loc loc { QStringLiteral("messages"), QString::number(i) };
            if (!messages->at(i).isObject()) {
                v.add(loc, QStringLiteral("model_type"),
                    QStringLiteral("Input should be a valid dictionary or object to extract fields from"),
                    messages->at(i));
                continue;
            }
            const QJsonObject m = messages->at(i).toObject();
            AgentMessage message;
            message.role = v.oneOf(m, QStringLiteral("role"), loc, kRoles, true, QStringLiteral("enum")).value_or(QString());
            message.content = v.string(m, QStringLiteral("content"), loc, false, -1, true).value_or(QString());
            message.context = readContext(m, loc, v);
            message.currentFile = readCurrentFile(m, loc, v);
            message.additionalContext = readAdditionalContext(m, loc, v);
            readMessageSteps(m, loc, v, message.scratchpad);
            const QJsonValue pad = m.value(QStringLiteral("agent_scratchpad"));
            if (!pad.isUndefined() && !pad.isNull() && !message.role.isEmpty()
                && message.role != QLatin1String("assistant"))
                scratchpadOnOtherRole = true;
            if (message.role == QLatin1String("user"))
                request.question = message.content;
            request.messages.append(message);
        }
    }

    if (const auto options = v.object(body, QStringLiteral("options"), {}, false)) {
        const Loc loc { QStringLiteral("options") };
        request.chatHistory = readChatHistory(*options, v);
        readOptionSteps(*options, v, request.optionSteps);
        // Deprecated in favour of the messages' own fields (GitLab 17.x): they go with the question.
        AgentMessage page;
        page.context = readContext(*options, loc, v);
        page.currentFile = readCurrentFile(*options, loc, v);
        page.additionalContext = readAdditionalContext(*options, loc, v);
        if (prompt) {
            page.role = QStringLiteral("user");
            page.content = *prompt;
            request.question = *prompt;
            request.messages.append(page);
        } else if (!page.context.isEmpty() || !page.currentFile.isEmpty() || !page.additionalContext.isEmpty()) {
            for (qsizetype i = request.messages.size() - 1; i >= 0; --i) {
                AgentMessage &m = request.messages[i];
                if (m.role != QLatin1String("user"))
                    continue;
                if (m.context.isEmpty())
                    m.context = page.context;
                if (m.currentFile.isEmpty())
                    m.currentFile = page.currentFile;
                m.additionalContext += page.additionalContext;
                break;
            }
        }
    } else if (prompt && !messages) {
        AgentMessage question;
        question.role = QStringLiteral("user");
        question.content = *prompt;
        request.question = *prompt;
        request.messages.append(question);
    }

    // After messages and options: pydantic reports in the order the fields are declared.
    if (const auto unavailable = v.array(body, QStringLiteral("unavailable_resources"), {}, false)) {
        for (qsizetype i = 0; i < unavailable->size(); ++i) {
            if (unavailable->at(i).isString())
                request.unavailableResources << unavailable->at(i).toString();
            else
                v.add({ QStringLiteral("unavailable_resources"), QString::number(i) }, QStringLiteral("string_type"),
                    QStringLiteral("Input should be a valid string"), unavailable->at(i));
        }
    } else if (!body.contains(QStringLiteral("unavailable_resources"))) {
        request.unavailableResources = kDefaultUnavailable;
    }

    if (v.ok() && scratchpadOnOtherRole)
        badRequest = QStringLiteral("agent_scratchpad can only be present when role is ASSISTANT");
}

QString renderSteps(const QList<AgentStep> &steps)
{
    QStringList out;
    for (const AgentStep &s : steps) {
        if (s.tool.isEmpty())
            continue;
        out << QStringLiteral("Thought: %1\nAction: %2\nAction Input: %3\nObservation: %4")
                   .arg(s.thought, s.tool, s.toolInput, s.observation);
    }
    return out.join(QLatin1Char('\n'));
}

QJsonArray reactMessages(const AgentRequest &request)
{
    // clang-format off
    QString system = QStringLiteral(
        "You are GitLab Duo Chat, a helpful assistant for software development. Answer the user's last question. "
        "You can reason step by step. When you know the answer, reply in this format:\n"
        "Thought: <your reasoning>\nFinal Answer: <the answer for the user, in Markdown>\n"
        "If you need information from a tool, reply with:\nThought: <why>\nAction: <tool name>\nAction Input: <input>\n"
        "and nothing else. When the conversation already shows tool steps with their Observation, continue from "
        "the last Observation.");
    // clang-format on
    if (!request.unavailableResources.isEmpty())
        system += QStringLiteral("\nThese resources are not available: %1.")
                      .arg(request.unavailableResources.join(QStringLiteral(", ")));
    if (!request.chatHistory.isEmpty())
        system += QStringLiteral("\n\nThe conversation so far:\n%1").arg(request.chatHistory);
    QJsonArray out { chatMessage(QStringLiteral("system"), system) };
    for (const AgentMessage &m : request.messages) {
        if (m.role.isEmpty())
            continue;
        QString content = joinedContent(m);
        if (!m.scratchpad.isEmpty()) {
            const QString steps = renderSteps(m.scratchpad);
            content = m.content.isEmpty() ? steps : steps + QLatin1Char('\n') + content;
        }
        if (content.isEmpty())
            continue;
        out.append(chatMessage(m.role, content));
    }
    if (const QString steps = renderSteps(request.optionSteps); !steps.isEmpty())
        out.append(chatMessage(QStringLiteral("assistant"), steps));
    return out;
}

} // namespace airlock::gitlab
