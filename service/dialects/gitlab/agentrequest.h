#pragma once

// The body of POST /v2/chat/agent (Duo Chat's ReAct agent) in every shape GitLab Rails has sent it, read
// and validated like the AI gateway's pydantic models, and the chat messages of the ReAct prompt built
// from it. The shapes (docs/gitlab-compatibility.md):
//  - GitLab 16.x/17.0: {prompt, options: {chat_history, agent_scratchpad: {agent_type: "react", steps},
//    context, current_file, additional_context}, model_metadata, unavailable_resources};
//  - 17.x: {messages: [{role, content, context, current_file, additional_context}], options:
//    {agent_scratchpad}, model_metadata, unavailable_resources};
//  - 17.10+/18.x: later ReAct steps carry the tool steps on an assistant message,
//    {role: "assistant", agent_scratchpad: [{action: {thought, tool, tool_input}, observation}]}, with no
//    `content`.
// Unknown fields are ignored, as pydantic does.

#include "gitlabvalidator.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

namespace airlock::gitlab {

struct AgentStep
{
    QString thought;
    QString tool;
    QString toolInput;
    QString observation;
};

struct AgentMessage
{
    QString role;    // "user", "assistant" or "system"
    QString content; // may be empty (an assistant message that only carries steps)
    QString context; // the page context, rendered ("" when none)
    QString currentFile;
    QStringList additionalContext; // rendered items
    QList<AgentStep> scratchpad;
};

struct AgentRequest
{
    QList<AgentMessage> messages; // a legacy `prompt` becomes the last user message
    QList<AgentStep> optionSteps; // options.agent_scratchpad.steps
    QString chatHistory;          // legacy options.chat_history, rendered
    QStringList unavailableResources;
    QString question; // the last user message as the user wrote it, for the chat history
    bool continuing() const; // tool steps were already taken (a later ReAct step)
};

// Reads the body into `request`, recording every field problem in `v` (422). A problem pydantic's model
// validator raises as an HTTPException (agent_scratchpad on a message that is not the assistant's) is
// returned in `badRequest` (400) instead; it is only checked when the fields themselves are valid.
void readAgentRequest(const QJsonObject &body, GitLabValidator &v, AgentRequest &request, QString &badRequest);

// The ReAct prompt's messages: the system prompt (format, unavailable resources, chat history), the
// conversation, and the steps already taken so that the model continues after the last observation.
QJsonArray reactMessages(const AgentRequest &request);

// The scratchpad as the model wrote it: Thought/Action/Action Input, then the tool's Observation.
QString renderSteps(const QList<AgentStep> &steps);

} // namespace airlock::gitlab
