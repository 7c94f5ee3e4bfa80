// POST /v1/prompts/chat/<tool>: every Duo Chat tool prompt id GitLab sends answers with the tool's system
// text and the inputs GitLab gives, for a model family with a system role and one without; unknown ids and
// unknown versions answer 404 in GitLab's shape; a disabled flag answers 403.

#include "gatewayfixture.h"
#include "gitlabrequests.h"

#include <QFile>
#include <QJsonDocument>

using namespace airlock;
using namespace airlock::test;
namespace gl = airlock::test::gitlab;

class tst_GitLabPrompts : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<FakeModelServer> m_fake;
    std::unique_ptr<GatewayFixture> m_gw;

    // Every chat tool feature assigned to the one endpoint "fake", of the given family.
    GatewayConfig config(ModelFamily family, QJsonObject flags = {}) const
    {
        GatewayConfig c = m_gw->standardConfig(m_fake->baseUrl());
        c.models[0].family = family;
        for (const QString &feature : toolFeatures())
            c.features.insert(feature, QStringLiteral("fake"));
        c.flags = flags;
        c.flags.insert(QStringLiteral("experiment_features_enabled"), true);
        return c;
    }

    HttpResponse send(const HttpRequest &request) { return TestHttpClient::fetch(m_gw->port(), request); }

    static QStringList toolFeatures()
    {
        return {QStringLiteral("duo_chat_explain_code"), QStringLiteral("duo_chat_fix_code"),
                QStringLiteral("duo_chat_write_tests"), QStringLiteral("duo_chat_refactor_code"),
                QStringLiteral("duo_chat_explain_vulnerability"), QStringLiteral("duo_chat_troubleshoot_job"),
                QStringLiteral("duo_chat_summarize_comments"), QStringLiteral("duo_chat_issue_reader"),
                QStringLiteral("duo_chat_epic_reader"), QStringLiteral("duo_chat_merge_request_reader"),
                QStringLiteral("duo_chat_build_reader"), QStringLiteral("duo_chat_commit_reader"),
                QStringLiteral("duo_chat_ci_editor_assistant")};
    }

    static QString systemText(const QString &feature)
    {
        QFile file(QStringLiteral(":/airlock/prompts/common.json"));
        if (!file.open(QIODevice::ReadOnly))
            return {};
        return QJsonDocument::fromJson(file.readAll())
            .object()
            .value(QStringLiteral("chat_system_prompts"))
            .toObject()
            .value(feature)
            .toString();
    }

    static QJsonArray sentMessages(const RecordedRequest &request)
    {
        return QJsonDocument::fromJson(request.body).object().value(QStringLiteral("messages")).toArray();
    }

    static void verifyDetail(const HttpResponse &r, int status, const QString &detail)
    {
        QCOMPARE(r.status, status);
        QVERIFY(r.hasHeader("x-process-time"));
        const QJsonObject body = r.json();
        QCOMPARE(body.keys(), QStringList{QStringLiteral("detail")});
        QCOMPARE(body.value(QStringLiteral("detail")).toString(), detail);
    }

    static QJsonObject promptBody(const QJsonObject &inputs) { return {{QStringLiteral("inputs"), inputs}}; }

private Q_SLOTS:
    void init()
    {
        m_fake = std::make_unique<FakeModelServer>();
        FakeBehavior b = FakeBehavior::answer(1);
        b.chunkTexts = {QStringLiteral("The answer")};
        m_fake->setDefaultBehavior(b);
        m_gw = std::make_unique<GatewayFixture>();
    }
    void cleanup()
    {
        m_gw.reset();
        m_fake.reset();
    }

    // The prompt ids of the Duo Chat tools with the inputs GitLab sends each.
    void chatTool_data()
    {
        QTest::addColumn<QByteArray>("promptId");
        QTest::addColumn<QString>("feature");
        QTest::addColumn<QJsonObject>("inputs");
        QTest::addColumn<int>("family");
        const QJsonObject codeInputs{{QStringLiteral("input"), QStringLiteral("what does this do?")},
                                     {QStringLiteral("selected_text"), QStringLiteral("def add(a, b): return a + b")},
                                     {QStringLiteral("file_content"), QStringLiteral("# math.py")}};
        QJsonObject fixInputs = codeInputs;
        fixInputs.insert(QStringLiteral("file_content_reuse"), QStringLiteral("The file above is the whole file."));
        const QJsonObject vulnerability{{QStringLiteral("title"), QStringLiteral("SQL injection")},
                                        {QStringLiteral("identifiers"), QStringLiteral("CWE-89")},
                                        {QStringLiteral("vulnerability_info"), QStringLiteral("query built with +")}};
        const QJsonObject question{{QStringLiteral("input"), QStringLiteral("what is left to do?")}};
        struct Tool {
            const char *id;
            const char *feature;
            QJsonObject inputs;
        };
        const Tool tools[] = {
            {"chat/explain_code", "duo_chat_explain_code", codeInputs},
            {"chat/fix_code", "duo_chat_fix_code", fixInputs},
            {"chat/write_tests", "duo_chat_write_tests", codeInputs},
            {"chat/refactor_code", "duo_chat_refactor_code", codeInputs},
            {"chat/explain_vulnerability", "duo_chat_explain_vulnerability", vulnerability},
            {"chat/troubleshoot_job", "duo_chat_troubleshoot_job",
             QJsonObject{{QStringLiteral("selected_text"), QStringLiteral("ERROR: rspec failed with exit code 1")}}},
            {"chat/summarize_comments", "duo_chat_summarize_comments",
             QJsonObject{{QStringLiteral("notes_content"), QStringLiteral("<comment>ship it</comment>")}}},
            {"chat/issue_reader", "duo_chat_issue_reader", question},
            {"chat/epic_reader", "duo_chat_epic_reader", question},
            {"chat/merge_request_reader", "duo_chat_merge_request_reader", question},
            {"chat/build_reader", "duo_chat_build_reader", question},
            {"chat/commit_reader", "duo_chat_commit_reader", question},
            {"chat/ci_editor_assistant", "duo_chat_ci_editor_assistant",
             QJsonObject{{QStringLiteral("input"), QStringLiteral("cache node_modules between jobs")}}},
        };
        for (const Tool &tool : tools) {
            for (const auto &[name, family] : {std::pair{"system role", ModelFamily::Llama3},
                                               std::pair{"no system role", ModelFamily::Mistral}}) {
                QTest::addRow("%s, %s", tool.id, name)
                    << QByteArray(tool.id) << QString::fromLatin1(tool.feature) << tool.inputs << int(family);
            }
        }
    }

    void chatTool()
    {
        QFETCH(QByteArray, promptId);
        QFETCH(QString, feature);
        QFETCH(QJsonObject, inputs);
        QFETCH(int, family);
        m_gw->apply(config(ModelFamily(family)));
        const HttpResponse r = send(gl::post("/v1/prompts/" + promptId, promptBody(inputs)));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.body, QByteArray("\"The answer\""));

        const QString system = systemText(feature);
        QVERIFY2(!system.isEmpty(), qPrintable(feature));
        const QJsonArray messages = sentMessages(m_fake->lastRequest());
        QString user;
        if (ModelFamily(family) == ModelFamily::Llama3) {
            QCOMPARE(messages.size(), 2);
            QCOMPARE(messages.at(0).toObject().value(QStringLiteral("role")).toString(), QStringLiteral("system"));
            QCOMPARE(messages.at(0).toObject().value(QStringLiteral("content")).toString(), system);
            user = messages.at(1).toObject().value(QStringLiteral("content")).toString();
        } else {
            // No system role: the system text opens the one user message.
            QCOMPARE(messages.size(), 1);
            QCOMPARE(messages.at(0).toObject().value(QStringLiteral("role")).toString(), QStringLiteral("user"));
            user = messages.at(0).toObject().value(QStringLiteral("content")).toString();
            QVERIFY2(user.startsWith(system + QStringLiteral("\n\n")), qPrintable(user));
        }
        // Every input reaches the model, tagged with its name.
        for (auto it = inputs.begin(); it != inputs.end(); ++it) {
            const QString tagged = QStringLiteral("<%1>\n%2\n</%1>").arg(it.key(), it.value().toString());
            QVERIFY2(user.contains(tagged), qPrintable(user));
        }
    }

    // A version or variant suffix is served by the prompt id it extends.
    void versionedIdFindsItsParent()
    {
        m_gw->apply(config(ModelFamily::Llama3));
        const QJsonObject body = promptBody({{QStringLiteral("input"), QStringLiteral("x")}});
        QCOMPARE(send(gl::post("/v1/prompts/chat/issue_reader/v2", body)).status, 200);
        QCOMPARE(send(gl::post("/v1/prompts/chat%2Fexplain_code", body)).status, 200);
        QJsonObject versioned = body;
        versioned.insert(QStringLiteral("prompt_version"), QStringLiteral("^1.0.0"));
        QCOMPARE(send(gl::post("/v1/prompts/chat/write_tests", versioned)).status, 200);
    }

    void unknownIdIs404_data()
    {
        QTest::addColumn<QByteArray>("promptId");
        QTest::newRow("unknown tool") << QByteArray("chat/does_not_exist");
        QTest::newRow("tool without chat/") << QByteArray("explain_code");
        QTest::newRow("chat alone") << QByteArray("chat");
        QTest::newRow("nested unknown") << QByteArray("unknown/chat/explain_code");
    }

    void unknownIdIs404()
    {
        QFETCH(QByteArray, promptId);
        m_gw->apply(config(ModelFamily::Llama3));
        const QJsonObject body = promptBody({{QStringLiteral("input"), QStringLiteral("x")}});
        verifyDetail(send(gl::post("/v1/prompts/" + promptId, body)), 404,
                     QStringLiteral("Prompt '%1' not found").arg(QString::fromLatin1(promptId)));
        QCOMPARE(m_fake->requests().size(), 0);
    }

    // The agent's ReAct prompt: GitLab's gateway answers 422 "not supported" for it on this route.
    void reactIsNotSupported()
    {
        m_gw->apply(config(ModelFamily::Llama3));
        const QJsonObject body = promptBody({{QStringLiteral("input"), QStringLiteral("x")}});
        verifyDetail(send(gl::post("/v1/prompts/chat/react", body)), 422,
                     QStringLiteral("Prompt 'chat/react' is not supported"));
        verifyDetail(send(gl::post("/v1/prompts/chat/react/v2", body)), 422,
                     QStringLiteral("Prompt 'chat/react/v2' is not supported"));
        QCOMPARE(m_fake->requests().size(), 0);
    }

    // stream: true answers the model's text as it comes, as an event stream of raw text.
    void streamedChatTool()
    {
        m_gw->apply(config(ModelFamily::Mistral));
        QJsonObject body = promptBody({{QStringLiteral("notes_content"), QStringLiteral("lgtm")}});
        body.insert(QStringLiteral("stream"), true);
        const HttpResponse r = send(gl::post("/v1/prompts/chat/summarize_comments", body));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.header("content-type"), QByteArray("text/event-stream; charset=utf-8"));
        QCOMPARE(r.body, QByteArray("The answer"));
        QVERIFY(m_fake->lastRequest().stream);
    }

    // model_metadata naming a model the admin did not register is refused, not sent anywhere.
    void unregisteredModelMetadataIs403()
    {
        m_gw->apply(config(ModelFamily::Llama3));
        QJsonObject body = promptBody({{QStringLiteral("input"), QStringLiteral("x")}});
        body.insert(QStringLiteral("model_metadata"),
                    QJsonObject{{QStringLiteral("name"), QStringLiteral("mistral")},
                                {QStringLiteral("provider"), QStringLiteral("litellm")},
                                {QStringLiteral("endpoint"), QStringLiteral("http://elsewhere.invalid:4000")},
                                {QStringLiteral("api_key"), QStringLiteral("token")}});
        QCOMPARE(send(gl::post("/v1/prompts/chat/explain_code", body)).status, 403);
        QCOMPARE(m_fake->requests().size(), 0);
    }

    void unknownVersionIs404()
    {
        m_gw->apply(config(ModelFamily::Llama3));
        QJsonObject body = promptBody({{QStringLiteral("input"), QStringLiteral("x")}});
        body.insert(QStringLiteral("prompt_version"), QStringLiteral("^2.0.0"));
        verifyDetail(send(gl::post("/v1/prompts/chat/explain_code", body)), 404,
                     QStringLiteral("No prompt version found matching the query"));
        body.insert(QStringLiteral("prompt_version"), QStringLiteral("not a version"));
        verifyDetail(send(gl::post("/v1/prompts/chat/explain_code", body)), 422,
                     QStringLiteral("Invalid version constraint"));
        QCOMPARE(m_fake->requests().size(), 0);
    }

    void disabledFlagIs403_data()
    {
        QTest::addColumn<QByteArray>("promptId");
        QTest::addColumn<QString>("flag");
        QTest::newRow("explain code") << QByteArray("chat/explain_code") << QStringLiteral("ai_duo_chat_explain_code");
        QTest::newRow("issue reader") << QByteArray("chat/issue_reader") << QStringLiteral("ai_duo_chat_issue_reader");
        QTest::newRow("ci editor") << QByteArray("chat/ci_editor_assistant")
                                   << QStringLiteral("ai_duo_chat_ci_editor_assistant");
    }

    void disabledFlagIs403()
    {
        QFETCH(QByteArray, promptId);
        QFETCH(QString, flag);
        m_gw->apply(config(ModelFamily::Llama3, QJsonObject{{QStringLiteral("flags"), QJsonObject{{flag, false}}}}));
        const QJsonObject body = promptBody({{QStringLiteral("input"), QStringLiteral("x")}});
        const HttpResponse r = send(gl::post("/v1/prompts/" + promptId, body));
        QCOMPARE(r.status, 403);
        QVERIFY2(r.json().value(QStringLiteral("detail")).toString().contains(flag), r.body.constData());
        QCOMPARE(m_fake->requests().size(), 0);
        // The chat switch governs the chat tools too.
        m_gw->apply(config(ModelFamily::Llama3, QJsonObject{{QStringLiteral("ai_duo_chat_switch"), false}}));
        QCOMPARE(send(gl::post("/v1/prompts/" + promptId, body)).status, 403);
        m_gw->apply(config(ModelFamily::Llama3));
        QCOMPARE(send(gl::post("/v1/prompts/" + promptId, body)).status, 200);
    }

    // inputs is required, and an object.
    void inputsValidated()
    {
        m_gw->apply(config(ModelFamily::Llama3));
        QCOMPARE(send(gl::post("/v1/prompts/chat/explain_code", QJsonObject{})).status, 422);
        QCOMPARE(send(gl::post("/v1/prompts/chat/explain_code", QJsonObject{{QStringLiteral("inputs"), 3}})).status,
                 422);
    }

    // An experiment chat tool is refused unless experiments are on.
    void experimentToolNeedsExperiments()
    {
        GatewayConfig c = config(ModelFamily::Llama3);
        c.flags.remove(QStringLiteral("experiment_features_enabled"));
        m_gw->apply(c);
        const QJsonObject body = promptBody({{QStringLiteral("input"), QStringLiteral("x")}});
        const HttpResponse r = send(gl::post("/v1/prompts/chat/ci_editor_assistant", body));
        QCOMPARE(r.status, 403);
        QVERIFY2(r.json().value(QStringLiteral("detail")).toString().contains(QStringLiteral("experiment")),
                 r.body.constData());
        QCOMPARE(send(gl::post("/v1/prompts/chat/issue_reader", body)).status, 200);
    }
};

QTEST_MAIN(tst_GitLabPrompts)
#include "tst_gitlabprompts.moc"
