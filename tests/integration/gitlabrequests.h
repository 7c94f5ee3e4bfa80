#pragma once

// GitLab-shaped requests (headers and bodies as GitLab Self-Managed and its IDE extensions send them),
// for the GitLab dialect's integration and end-to-end tests. No Q_OBJECT here (moc and raw strings).

#include "testhttpclient.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace airlock::test::gitlab {

inline HttpRequest withGitLabHeaders(HttpRequest request, const QByteArray &userId = "user-sha-1")
{
    return request.withHeader("X-Gitlab-Authentication-Type", "oidc")
        .withHeader("X-Gitlab-Instance-Id", "11111111-2222-3333-4444-555555555555")
        .withHeader("X-Gitlab-Global-User-Id", userId)
        .withHeader("X-Gitlab-Realm", "self-managed")
        .withHeader("X-Gitlab-Host-Name", "gitlab.example.internal")
        .withHeader("X-Gitlab-Version", "17.8.0")
        .withHeader("X-Request-ID", "req-123")
        .withHeader("X-Gitlab-Language-Server-Version", "6.2.0")
        .withHeader("User-Agent", "gitlab-language-server/6.2.0");
}

inline QJsonObject completionBody(const QString &fileName = QStringLiteral("src/main.py"),
                                  const QString &above = QStringLiteral("def add(a, b):\n    "),
                                  const QString &below = QStringLiteral("\n\nprint(add(1, 2))\n"))
{
    return QJsonObject{
        {QStringLiteral("prompt_version"), 2},
        {QStringLiteral("project_path"), QStringLiteral("group/project")},
        {QStringLiteral("project_id"), 42},
        {QStringLiteral("current_file"),
         QJsonObject{{QStringLiteral("file_name"), fileName},
                     {QStringLiteral("language_identifier"), QStringLiteral("python")},
                     {QStringLiteral("content_above_cursor"), above},
                     {QStringLiteral("content_below_cursor"), below}}},
        {QStringLiteral("model_provider"), QStringLiteral("litellm")},
        {QStringLiteral("prompt"), QJsonValue::Null},
        {QStringLiteral("telemetry"),
         QJsonArray{QJsonObject{{QStringLiteral("model_engine"), QStringLiteral("litellm")},
                                {QStringLiteral("model_name"), QStringLiteral("codestral")},
                                {QStringLiteral("lang"), QStringLiteral("python")},
                                {QStringLiteral("experiments"), QJsonArray()},
                                {QStringLiteral("requests"), 3},
                                {QStringLiteral("accepts"), 1},
                                {QStringLiteral("errors"), 0}}}},
        {QStringLiteral("an_unknown_field"), QStringLiteral("is ignored")},
    };
}

inline QJsonObject generationBody(const QString &instruction = QStringLiteral("write a function that adds two numbers"))
{
    QJsonObject body = completionBody();
    body.insert(QStringLiteral("prompt_id"), QStringLiteral("code_suggestions/generations"));
    body.insert(QStringLiteral("prompt"), instruction);
    return body;
}

// The editor payload of a code_editor_completion / code_editor_generation prompt component (/v3, /v4),
// as GitLab's gateway tests send it.
inline QJsonObject editorPayload(const QString &fileName = QStringLiteral("main.py"),
                                 const QString &above = QStringLiteral("# Create a fast binary search\n"),
                                 const QString &below = QStringLiteral("\n"))
{
    return QJsonObject{{QStringLiteral("file_name"), fileName},
                       {QStringLiteral("content_above_cursor"), above},
                       {QStringLiteral("content_below_cursor"), below},
                       {QStringLiteral("language_identifier"), QStringLiteral("python")}};
}

inline QJsonObject promptComponent(const QString &type, const QJsonObject &payload)
{
    return QJsonObject{{QStringLiteral("type"), type}, {QStringLiteral("payload"), payload}};
}

// {"prompt_components": [component]}: the /v3/code/completions and /v4/code/suggestions body.
inline QJsonObject componentsBody(const QString &type, const QJsonObject &payload)
{
    return QJsonObject{{QStringLiteral("prompt_components"), QJsonArray{promptComponent(type, payload)}}};
}

inline QJsonObject chatBody(const QString &content, bool stream = false)
{
    return QJsonObject{
        {QStringLiteral("prompt_components"),
         QJsonArray{QJsonObject{
             {QStringLiteral("type"), QStringLiteral("prompt")},
             {QStringLiteral("metadata"), QJsonObject{{QStringLiteral("source"), QStringLiteral("GitLab EE")},
                                                      {QStringLiteral("version"), QStringLiteral("17.8.0")}}},
             {QStringLiteral("payload"), QJsonObject{{QStringLiteral("content"), content},
                                                     {QStringLiteral("provider"), QStringLiteral("litellm")},
                                                     {QStringLiteral("model"), QStringLiteral("codestral")}}}}}},
        {QStringLiteral("stream"), stream},
    };
}

inline QJsonObject agentBody(const QString &question)
{
    return QJsonObject{
        {QStringLiteral("messages"),
         QJsonArray{QJsonObject{{QStringLiteral("role"), QStringLiteral("user")},
                                {QStringLiteral("content"), question},
                                {QStringLiteral("context"), QJsonObject{{QStringLiteral("type"), QStringLiteral("issue")},
                                                                        {QStringLiteral("content"), QStringLiteral("Issue #1")}}}}}},
        {QStringLiteral("options"),
         QJsonObject{{QStringLiteral("agent_scratchpad"),
                      QJsonObject{{QStringLiteral("agent_type"), QStringLiteral("react")}, {QStringLiteral("steps"), QJsonArray()}}}}},
        {QStringLiteral("unavailable_resources"), QJsonArray{QStringLiteral("Pipelines")}},
    };
}

// Duo Chat's ReAct agent (/v2/chat/agent) request parts, in the shapes the AI gateway's models define.
inline QJsonObject agentMessage(const QString &role, const QString &content)
{
    return QJsonObject{{QStringLiteral("role"), role}, {QStringLiteral("content"), content}};
}

// One step of options.agent_scratchpad.steps (GitLab 16.x–17.x).
inline QJsonObject agentOptionStep(const QString &thought, const QString &tool, const QString &toolInput,
                                   const QString &observation)
{
    return QJsonObject{{QStringLiteral("thought"), thought}, {QStringLiteral("tool"), tool},
                       {QStringLiteral("tool_input"), toolInput}, {QStringLiteral("observation"), observation}};
}

inline QJsonObject agentOptions(const QJsonArray &steps)
{
    return QJsonObject{{QStringLiteral("agent_scratchpad"),
                        QJsonObject{{QStringLiteral("agent_type"), QStringLiteral("react")}, {QStringLiteral("steps"), steps}}}};
}

// The assistant message GitLab 17.10+/18.x sends on a later ReAct step: the steps taken, no content.
inline QJsonObject agentScratchpadMessage(const QString &thought, const QString &tool, const QString &toolInput,
                                          const QString &observation)
{
    return QJsonObject{
        {QStringLiteral("role"), QStringLiteral("assistant")},
        {QStringLiteral("agent_scratchpad"),
         QJsonArray{QJsonObject{{QStringLiteral("action"),
                                 QJsonObject{{QStringLiteral("thought"), thought}, {QStringLiteral("tool"), tool},
                                             {QStringLiteral("tool_input"), toolInput}}},
                                {QStringLiteral("observation"), observation}}}}};
}

inline QJsonObject currentFile(const QString &path, const QString &data, bool selected)
{
    return QJsonObject{{QStringLiteral("file_path"), path}, {QStringLiteral("data"), data},
                       {QStringLiteral("selected_code"), selected}};
}

inline HttpRequest post(const QByteArray &path, const QJsonObject &body, const QByteArray &userId = "user-sha-1")
{
    return withGitLabHeaders(HttpRequest::postJson(path, body), userId);
}

inline QList<QJsonObject> ndjson(const QByteArray &body)
{
    QList<QJsonObject> lines;
    for (const QByteArray &line : body.split('\n')) {
        if (!line.trimmed().isEmpty())
            lines.append(QJsonDocument::fromJson(line).object());
    }
    return lines;
}

} // namespace airlock::test::gitlab
