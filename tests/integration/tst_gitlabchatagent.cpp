// Duo Chat's ReAct agent, POST /v2/chat/agent, with the request shapes every supported GitLab version
// sends. The cases of GitLab's AI gateway suite (tests/api/v2/test_v2_chat_agent.py: TestReActAgentStream,
// TestChatAgent) with the same inputs and the same expected events, plus the shape GitLab 17.10+/18.x sends
// on a later ReAct step (an assistant message carrying agent_scratchpad, no content) and the pydantic error
// bodies. A real gateway in front of a fake model server.

#include "gatewayfixture.h"
#include "gitlabrequests.h"

#include <QUrl>

using namespace airlock;
using namespace airlock::test;
namespace gl = airlock::test::gitlab;

class tst_GitLabChatAgent : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<FakeModelServer> m_fake;
    std::unique_ptr<GatewayFixture> m_gw;

    HttpResponse send(const QJsonObject &body) { return TestHttpClient::fetch(m_gw->port(), gl::post("/v2/chat/agent", body)); }

    // The model answers with `text`, in pieces of a few characters (as a streaming server sends it).
    void modelAnswers(const QString &text)
    {
        QStringList pieces;
        for (qsizetype i = 0; i < text.size(); i += 3)
            pieces << text.mid(i, 3);
        FakeBehavior b = FakeBehavior::answer(int(pieces.size()), 5);
        b.chunkTexts = pieces;
        m_fake->setDefaultBehavior(b);
    }

    // The final answer, checking that every event is a final_answer_delta.
    static QString finalAnswer(const HttpResponse &r)
    {
        QString answer;
        for (const QJsonObject &line : gl::ndjson(r.body)) {
            if (line.value(QStringLiteral("type")).toString() != QLatin1String("final_answer_delta"))
                return QStringLiteral("unexpected event: ") + QString::fromUtf8(r.body);
            answer += line.value(QStringLiteral("data")).toObject().value(QStringLiteral("text")).toString();
        }
        return answer;
    }

    // The messages the model server got.
    QJsonArray upstreamMessages() const { return m_fake->lastRequest().json().value(QStringLiteral("messages")).toArray(); }

    static QJsonObject metadataOf(const QUrl &endpoint)
    {
        return QJsonObject{{QStringLiteral("name"), QStringLiteral("mistral")},
                           {QStringLiteral("provider"), QStringLiteral("litellm")},
                           {QStringLiteral("endpoint"), endpoint.toString()},
                           {QStringLiteral("api_key"), QStringLiteral("token")}};
    }

    static QJsonObject error(const QJsonArray &loc, const QString &type, const QString &msg, const QJsonValue &input)
    {
        return QJsonObject{{QStringLiteral("type"), type}, {QStringLiteral("loc"), loc}, {QStringLiteral("msg"), msg},
                           {QStringLiteral("input"), input}};
    }

private Q_SLOTS:
    void init()
    {
        m_fake = std::make_unique<FakeModelServer>();
        m_gw = std::make_unique<GatewayFixture>();
        GatewayConfig c = m_gw->standardConfig(m_fake->baseUrl());
        // A family whose chat template has a system role, as GitLab's own tests assume; the families
        // without one are covered by systemTextJoinsTheFirstUserMessage.
        c.models[0].family = ModelFamily::Llama3;
        c.features.insert(QStringLiteral("duo_chat"), QStringLiteral("fake"));
        m_gw->apply(c);
    }
    void cleanup()
    {
        m_gw.reset();
        m_fake.reset();
    }

    // TestReActAgentStream.test_success, first case: one user message.
    void streamOneUserMessage()
    {
        modelAnswers(QStringLiteral("thought\nFinal Answer: answer\n"));
        const HttpResponse r = send(QJsonObject{
            {QStringLiteral("messages"),
             QJsonArray{gl::agentMessage(QStringLiteral("user"), QStringLiteral("How can I write hello world in python?"))}}});
        QCOMPARE(r.status, 200);
        QCOMPARE(r.header("content-type"), QByteArray("application/x-ndjson; charset=utf-8"));
        QCOMPARE(finalAnswer(r), QStringLiteral("answer"));
        const QJsonArray up = upstreamMessages();
        QCOMPARE(up.first().toObject().value(QStringLiteral("role")).toString(), QStringLiteral("system"));
        QCOMPARE(up.last().toObject().value(QStringLiteral("content")).toString(),
                 QStringLiteral("How can I write hello world in python?"));
        // GitLab's default when Rails names no unavailable resources.
        QVERIFY(up.first().toObject().value(QStringLiteral("content")).toString().contains(
            QStringLiteral("Merge Requests, Pipelines, Vulnerabilities")));
    }

    // Codestral's chat template has no system role: the agent's system text opens the first user
    // message, and the roles still alternate.
    void systemTextJoinsTheFirstUserMessage()
    {
        GatewayConfig c = m_gw->standardConfig(m_fake->baseUrl());
        c.features.insert(QStringLiteral("duo_chat"), QStringLiteral("fake"));
        m_gw->apply(c); // family codestral
        modelAnswers(QStringLiteral("thought\nFinal Answer: answer\n"));
        const HttpResponse r = send(QJsonObject{
            {QStringLiteral("messages"),
             QJsonArray{gl::agentMessage(QStringLiteral("user"), QStringLiteral("How can I write hello world in python?"))}}});
        QCOMPARE(r.status, 200);
        QCOMPARE(finalAnswer(r), QStringLiteral("answer"));
        const QJsonArray up = upstreamMessages();
        QCOMPARE(up.size(), 1);
        const QJsonObject only = up.first().toObject();
        QCOMPARE(only.value(QStringLiteral("role")).toString(), QStringLiteral("user"));
        const QString content = only.value(QStringLiteral("content")).toString();
        QVERIFY(content.contains(QStringLiteral("Merge Requests, Pipelines, Vulnerabilities")));
        QVERIFY(content.endsWith(QStringLiteral("How can I write hello world in python?")));
    }

    // TestReActAgentStream.test_success, second case: history, page context, current file, a scratchpad
    // step in options, model metadata and unavailable resources.
    void streamFullRequest()
    {
        modelAnswers(QStringLiteral("thought\nFinal Answer: answer\n"));
        QJsonObject question = gl::agentMessage(QStringLiteral("user"), QStringLiteral("What's the title of this issue?"));
        question.insert(QStringLiteral("context"), QJsonObject{{QStringLiteral("type"), QStringLiteral("issue")},
                                                               {QStringLiteral("content"), QStringLiteral("issue content")}});
        question.insert(QStringLiteral("current_file"), gl::currentFile(QStringLiteral("main.py"), QStringLiteral("def main()"), true));
        const QJsonObject body{
            {QStringLiteral("messages"),
             QJsonArray{gl::agentMessage(QStringLiteral("user"), QStringLiteral("chat history")),
                        gl::agentMessage(QStringLiteral("assistant"), QStringLiteral("chat history")), question}},
            {QStringLiteral("options"),
             gl::agentOptions(QJsonArray{gl::agentOptionStep(QStringLiteral("thought"), QStringLiteral("tool"),
                                                             QStringLiteral("tool_input"), QStringLiteral("observation"))})},
            // The registered endpoint (deviation: an unregistered one is refused, see docs/gitlab-compatibility.md).
            {QStringLiteral("model_metadata"), metadataOf(m_fake->baseUrl())},
            {QStringLiteral("unavailable_resources"),
             QJsonArray{QStringLiteral("Mystery Resource 1"), QStringLiteral("Mystery Resource 2")}}};
        const HttpResponse r = send(body);
        QCOMPARE(r.status, 200);
        QCOMPARE(finalAnswer(r), QStringLiteral("answer"));

        const QJsonArray up = upstreamMessages();
        QCOMPARE(up.size(), 5); // system, user, assistant, user, the steps taken
        const QString system = up.at(0).toObject().value(QStringLiteral("content")).toString();
        QVERIFY(system.contains(QStringLiteral("Mystery Resource 1, Mystery Resource 2")));
        QVERIFY(!system.contains(QStringLiteral("Vulnerabilities")));
        QCOMPARE(up.at(2).toObject().value(QStringLiteral("role")).toString(), QStringLiteral("assistant"));
        const QString asked = up.at(3).toObject().value(QStringLiteral("content")).toString();
        QVERIFY(asked.contains(QStringLiteral("issue content")));
        QVERIFY(asked.contains(QStringLiteral("<selected_code>\ndef main()\n</selected_code>")));
        QVERIFY(asked.endsWith(QStringLiteral("What's the title of this issue?")));
        const QJsonObject steps = up.at(4).toObject();
        QCOMPARE(steps.value(QStringLiteral("role")).toString(), QStringLiteral("assistant"));
        QCOMPARE(steps.value(QStringLiteral("content")).toString(),
                 QStringLiteral("Thought: thought\nAction: tool\nAction Input: tool_input\nObservation: observation"));
        // The model stops before writing an observation of its own.
        QVERIFY(m_fake->lastRequest().json().value(QStringLiteral("stop")).toArray().contains(QStringLiteral("Observation:")));
    }

    // TestReActAgentStream.test_legacy_success: {prompt, options: {chat_history, agent_scratchpad, context,
    // current_file}} (GitLab 16.x/17.0); the model asks for a tool.
    void legacyPromptAndOptions()
    {
        modelAnswers(QStringLiteral("thought\nAction: tool\nAction Input: tool_input\n"));
        QJsonObject options = gl::agentOptions(QJsonArray{gl::agentOptionStep(
            QStringLiteral("thought"), QStringLiteral("tool"), QStringLiteral("tool_input"), QStringLiteral("observation"))});
        options.insert(QStringLiteral("chat_history"), QStringLiteral("chat history"));
        options.insert(QStringLiteral("context"), QJsonObject{{QStringLiteral("type"), QStringLiteral("issue")},
                                                              {QStringLiteral("content"), QStringLiteral("issue content")}});
        options.insert(QStringLiteral("current_file"), gl::currentFile(QStringLiteral("main.py"), QStringLiteral("def main()"), true));
        const HttpResponse r = send(QJsonObject{
            {QStringLiteral("prompt"), QStringLiteral("What's the title of this issue?")},
            {QStringLiteral("options"), options},
            {QStringLiteral("model_metadata"), metadataOf(m_fake->baseUrl())},
            {QStringLiteral("unavailable_resources"),
             QJsonArray{QStringLiteral("Mystery Resource 1"), QStringLiteral("Mystery Resource 2")}}});
        QCOMPARE(r.status, 200);
        const QList<QJsonObject> events = gl::ndjson(r.body);
        QCOMPARE(events.size(), 1);
        QCOMPARE(events.at(0).value(QStringLiteral("type")).toString(), QStringLiteral("action"));
        QCOMPARE(events.at(0).value(QStringLiteral("data")).toObject(),
                 (QJsonObject{{QStringLiteral("thought"), QStringLiteral("thought")},
                              {QStringLiteral("tool"), QStringLiteral("tool")},
                              {QStringLiteral("tool_input"), QStringLiteral("tool_input")}}));

        const QJsonArray up = upstreamMessages();
        QCOMPARE(up.size(), 3); // system (with the chat history), the question, the steps taken
        QVERIFY(up.at(0).toObject().value(QStringLiteral("content")).toString().contains(QStringLiteral("chat history")));
        const QString asked = up.at(1).toObject().value(QStringLiteral("content")).toString();
        QVERIFY(asked.contains(QStringLiteral("issue content")));
        QVERIFY(asked.contains(QStringLiteral("def main()")));
        QVERIFY(asked.endsWith(QStringLiteral("What's the title of this issue?")));
        QVERIFY(up.at(2).toObject().value(QStringLiteral("content")).toString().endsWith(QStringLiteral("Observation: observation")));
    }

    // TestChatAgent.test_request: {prompt, options} with an empty chat history and no steps, with and
    // without a current file and additional context.
    void legacyRequest_data()
    {
        QTest::addColumn<QString>("question");
        QTest::addColumn<QJsonObject>("options");
        QTest::addColumn<QString>("mustReachModel");
        QJsonObject basic = gl::agentOptions(QJsonArray());
        basic.insert(QStringLiteral("chat_history"), QString());
        QTest::newRow("Basic request") << QStringLiteral("Basic request") << basic << QStringLiteral("Basic request");
        QJsonObject braces = basic;
        braces.insert(QStringLiteral("current_file"), gl::currentFile(QStringLiteral("main.c"), QStringLiteral("int main() {}"), true));
        braces.insert(QStringLiteral("additional_context"),
                      QJsonArray{QJsonObject{{QStringLiteral("category"), QStringLiteral("merge_request")}}});
        QTest::newRow("Request with '{}' in the input") << QStringLiteral("Request with '{}' in the input") << braces
                                                        << QStringLiteral("int main() {}");
    }
    void legacyRequest()
    {
        QFETCH(QString, question);
        QFETCH(QJsonObject, options);
        QFETCH(QString, mustReachModel);
        modelAnswers(QStringLiteral("thought\nFinal Answer: answer\n"));
        const HttpResponse r = send(QJsonObject{{QStringLiteral("prompt"), question}, {QStringLiteral("options"), options}});
        QCOMPARE(r.status, 200);
        QCOMPARE(finalAnswer(r), QStringLiteral("answer"));
        const QJsonArray up = upstreamMessages();
        QCOMPARE(up.size(), 2); // no steps: system and the question
        QVERIFY(up.last().toObject().value(QStringLiteral("content")).toString().contains(mustReachModel));
    }

    // GitLab 17.10+/18.x: the step after a tool call is an assistant message with agent_scratchpad and no
    // content. The model gets the observation and continues from it.
    void laterStepAssistantScratchpadWithoutContent()
    {
        modelAnswers(QStringLiteral("I know the title now.\nFinal Answer: The title is \"Login fails\".\n"));
        const HttpResponse r = send(QJsonObject{
            {QStringLiteral("messages"),
             QJsonArray{gl::agentMessage(QStringLiteral("user"), QStringLiteral("What's the title of issue 1?")),
                        gl::agentScratchpadMessage(QStringLiteral("I need the issue"), QStringLiteral("issue_reader"),
                                                   QStringLiteral("#1"), QStringLiteral("{\"title\": \"Login fails\"}"))}},
            {QStringLiteral("model_metadata"), metadataOf(m_fake->baseUrl())},
            {QStringLiteral("unavailable_resources"), QJsonArray{QStringLiteral("Pipelines")}}});
        QCOMPARE(r.status, 200);
        QCOMPARE(finalAnswer(r), QStringLiteral("The title is \"Login fails\"."));
        const QJsonArray up = upstreamMessages();
        QCOMPARE(up.size(), 3);
        const QJsonObject last = up.last().toObject();
        QCOMPARE(last.value(QStringLiteral("role")).toString(), QStringLiteral("assistant"));
        QCOMPARE(last.value(QStringLiteral("content")).toString(),
                 QStringLiteral("Thought: I need the issue\nAction: issue_reader\nAction Input: #1\n"
                                "Observation: {\"title\": \"Login fails\"}"));
    }

    // Earlier turns may carry both their steps and their final answer; every page context and additional
    // context category of 18.x is accepted.
    void historyWithStepsAndContent()
    {
        modelAnswers(QStringLiteral("Final Answer: ok"));
        QJsonObject earlier = gl::agentScratchpadMessage(QStringLiteral("t"), QStringLiteral("gitlab_documentation"),
                                                         QStringLiteral("ci"), QStringLiteral("docs"));
        earlier.insert(QStringLiteral("content"), QStringLiteral("CI is configured in .gitlab-ci.yml"));
        QJsonObject now = gl::agentMessage(QStringLiteral("user"), QStringLiteral("and caching?"));
        now.insert(QStringLiteral("context"), QJsonObject{{QStringLiteral("type"), QStringLiteral("merge_request")},
                                                          {QStringLiteral("title"), QStringLiteral("Add cache")}});
        now.insert(QStringLiteral("additional_context"),
                   QJsonArray{QJsonObject{{QStringLiteral("category"), QStringLiteral("os_information")},
                                          {QStringLiteral("id"), QStringLiteral("os")},
                                          {QStringLiteral("content"), QStringLiteral("Debian 12")},
                                          {QStringLiteral("metadata"), QJsonObject()}}});
        const HttpResponse r = send(QJsonObject{
            {QStringLiteral("messages"),
             QJsonArray{gl::agentMessage(QStringLiteral("user"), QStringLiteral("how do I set up CI?")), earlier, now}},
            {QStringLiteral("stream"), true},
            {QStringLiteral("a_field_of_a_later_version"), QStringLiteral("is ignored")}});
        QCOMPARE(r.status, 200);
        QCOMPARE(finalAnswer(r), QStringLiteral("ok"));
        const QJsonArray up = upstreamMessages();
        QCOMPARE(up.size(), 4);
        QCOMPARE(up.at(2).toObject().value(QStringLiteral("content")).toString(),
                 QStringLiteral("Thought: t\nAction: gitlab_documentation\nAction Input: ci\nObservation: docs\n"
                                "CI is configured in .gitlab-ci.yml"));
        const QString asked = up.at(3).toObject().value(QStringLiteral("content")).toString();
        QVERIFY(asked.contains(QStringLiteral("title: Add cache")));
        QVERIFY(asked.contains(QStringLiteral("Debian 12")));
    }

    // The AI gateway's Message validator: the scratchpad belongs to the assistant (400, not 422).
    void scratchpadOnUserMessageIs400()
    {
        QJsonObject user = gl::agentScratchpadMessage(QStringLiteral("t"), QStringLiteral("x"), QStringLiteral("y"), QStringLiteral("z"));
        user.insert(QStringLiteral("role"), QStringLiteral("user"));
        const HttpResponse r = send(QJsonObject{{QStringLiteral("messages"), QJsonArray{user}}});
        QCOMPARE(r.status, 400);
        QCOMPARE(r.body, QByteArray("{\"detail\":\"agent_scratchpad can only be present when role is ASSISTANT\"}"));
        QCOMPARE(m_fake->requestCount(), 0);
    }

    // Several problems together, each with pydantic's type, loc, msg and input.
    void severalErrorsTogether()
    {
        const QJsonObject message{{QStringLiteral("role"), QStringLiteral("robot")}, {QStringLiteral("content"), 5}};
        const QJsonObject pad{{QStringLiteral("steps"), QJsonArray()}};
        const HttpResponse r = send(QJsonObject{{QStringLiteral("messages"), QJsonArray{message}},
                                                {QStringLiteral("options"), QJsonObject{{QStringLiteral("agent_scratchpad"), pad}}},
                                                {QStringLiteral("unavailable_resources"), QJsonArray{7}}});
        QCOMPARE(r.status, 422);
        const QJsonArray expected{
            error(QJsonArray{QStringLiteral("body"), QStringLiteral("messages"), 0, QStringLiteral("role")}, QStringLiteral("enum"),
                  QStringLiteral("Input should be 'user', 'assistant' or 'system'"), QStringLiteral("robot")),
            error(QJsonArray{QStringLiteral("body"), QStringLiteral("messages"), 0, QStringLiteral("content")},
                  QStringLiteral("string_type"), QStringLiteral("Input should be a valid string"), 5),
            error(QJsonArray{QStringLiteral("body"), QStringLiteral("options"), QStringLiteral("agent_scratchpad")},
                  QStringLiteral("union_tag_not_found"), QStringLiteral("Unable to extract tag using discriminator 'agent_type'"),
                  pad),
            error(QJsonArray{QStringLiteral("body"), QStringLiteral("unavailable_resources"), 0}, QStringLiteral("string_type"),
                  QStringLiteral("Input should be a valid string"), 7),
        };
        QCOMPARE(r.json().value(QStringLiteral("detail")).toArray(), expected);
        QCOMPARE(m_fake->requestCount(), 0);
    }

    void fieldErrors_data()
    {
        QTest::addColumn<QJsonObject>("body");
        QTest::addColumn<QJsonObject>("expected"); // the one error
        const QJsonObject empty;
        QTest::newRow("neither messages nor prompt")
            << empty
            << error(QJsonArray{QStringLiteral("body"), QStringLiteral("messages")}, QStringLiteral("missing"),
                     QStringLiteral("Field required"), empty);
        const QJsonObject tagged{{QStringLiteral("agent_type"), QStringLiteral("tool_calling")},
                                 {QStringLiteral("steps"), QJsonArray()}};
        QTest::newRow("unknown agent_type")
            << QJsonObject{{QStringLiteral("prompt"), QStringLiteral("hi")},
                           {QStringLiteral("options"), QJsonObject{{QStringLiteral("agent_scratchpad"), tagged}}}}
            << error(QJsonArray{QStringLiteral("body"), QStringLiteral("options"), QStringLiteral("agent_scratchpad")},
                     QStringLiteral("union_tag_invalid"),
                     QStringLiteral("Input tag 'tool_calling' found using 'agent_type' does not match any of the "
                                    "expected tags: 'react'"),
                     tagged);
        QJsonObject step = gl::agentOptionStep(QStringLiteral("t"), QStringLiteral("x"), QStringLiteral("y"), QStringLiteral("z"));
        step.remove(QStringLiteral("observation"));
        QTest::newRow("step without observation")
            << QJsonObject{{QStringLiteral("prompt"), QStringLiteral("hi")}, {QStringLiteral("options"), gl::agentOptions(QJsonArray{step})}}
            << error(QJsonArray{QStringLiteral("body"), QStringLiteral("options"), QStringLiteral("agent_scratchpad"),
                                QStringLiteral("react"), QStringLiteral("steps"), 0, QStringLiteral("observation")},
                     QStringLiteral("missing"), QStringLiteral("Field required"), step);
        QJsonObject file = gl::currentFile(QStringLiteral("a.py"), QStringLiteral("x"), true);
        file.remove(QStringLiteral("selected_code"));
        QJsonObject withFile = gl::agentMessage(QStringLiteral("user"), QStringLiteral("hi"));
        withFile.insert(QStringLiteral("current_file"), file);
        QTest::newRow("current_file without selected_code")
            << QJsonObject{{QStringLiteral("messages"), QJsonArray{withFile}}}
            << error(QJsonArray{QStringLiteral("body"), QStringLiteral("messages"), 0, QStringLiteral("current_file"),
                                QStringLiteral("selected_code")},
                     QStringLiteral("missing"), QStringLiteral("Field required"), file);
        QJsonObject withCategory = gl::agentMessage(QStringLiteral("user"), QStringLiteral("hi"));
        withCategory.insert(QStringLiteral("additional_context"),
                            QJsonArray{QJsonObject{{QStringLiteral("category"), QStringLiteral("weather")}}});
        QTest::newRow("unknown additional_context category")
            << QJsonObject{{QStringLiteral("messages"), QJsonArray{withCategory}}}
            << error(QJsonArray{QStringLiteral("body"), QStringLiteral("messages"), 0, QStringLiteral("additional_context"), 0,
                                QStringLiteral("category")},
                     QStringLiteral("literal_error"),
                     QStringLiteral("Input should be 'file', 'snippet', 'merge_request', 'issue', 'dependency', "
                                    "'local_git', 'terminal', 'repository', 'directory', 'os_information' or "
                                    "'agent_user_environment'"),
                     QStringLiteral("weather"));
        QJsonObject action = gl::agentScratchpadMessage(QStringLiteral("t"), QStringLiteral("x"), QStringLiteral("y"), QStringLiteral("z"));
        QJsonArray pad = action.value(QStringLiteral("agent_scratchpad")).toArray();
        QJsonObject first = pad.at(0).toObject();
        QJsonObject inner = first.value(QStringLiteral("action")).toObject();
        inner.remove(QStringLiteral("tool"));
        first.insert(QStringLiteral("action"), inner);
        pad.replace(0, first);
        action.insert(QStringLiteral("agent_scratchpad"), pad);
        QTest::newRow("scratchpad action without tool")
            << QJsonObject{{QStringLiteral("messages"),
                            QJsonArray{gl::agentMessage(QStringLiteral("user"), QStringLiteral("hi")), action}}}
            << error(QJsonArray{QStringLiteral("body"), QStringLiteral("messages"), 1, QStringLiteral("agent_scratchpad"), 0,
                                QStringLiteral("action"), QStringLiteral("tool")},
                     QStringLiteral("missing"), QStringLiteral("Field required"), inner);
    }
    void fieldErrors()
    {
        QFETCH(QJsonObject, body);
        QFETCH(QJsonObject, expected);
        const HttpResponse r = send(body);
        QCOMPARE(r.status, 422);
        QCOMPARE(r.json().value(QStringLiteral("detail")).toArray(), QJsonArray{expected});
        QCOMPARE(m_fake->requestCount(), 0);
    }
};

QTEST_MAIN(tst_GitLabChatAgent)
#include "tst_gitlabchatagent.moc"
