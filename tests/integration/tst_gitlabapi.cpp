// GitLab's AI gateway API served by Airlock: a real gateway in front of a fake model server, driven with
// GitLab-shaped requests.

#include "gatewayfixture.h"
#include "gitlabrequests.h"

#include <QUrl>

using namespace airlock;
using namespace airlock::test;
namespace gl = airlock::test::gitlab;

class tst_GitLabApi : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<FakeModelServer> m_fake;
    std::unique_ptr<GatewayFixture> m_gw;

    GatewayConfig config(QJsonObject flags = {}) const
    {
        GatewayConfig c = m_gw->standardConfig(m_fake->baseUrl());
        for (const char *feature : {"code_generations", "duo_chat", "duo_chat_explain_code", "generate_commit_message",
                                    "summarize_review", "review_merge_request"})
            c.features.insert(QLatin1String(feature), QStringLiteral("fake"));
        c.flags = flags;
        return c;
    }

    HttpResponse send(const HttpRequest &request) { return TestHttpClient::fetch(m_gw->port(), request); }

    static void verifyDetail(const HttpResponse &r, int status, const QString &mention)
    {
        QCOMPARE(r.status, status);
        QVERIFY(r.hasHeader("x-process-time"));
        const QString detail = r.json().value(QStringLiteral("detail")).toString();
        QVERIFY2(detail.contains(mention), qPrintable(detail));
    }

    static void verifyValidation(const HttpResponse &r, const QJsonArray &loc, const QString &type)
    {
        QCOMPARE(r.status, 422);
        const QJsonArray detail = r.json().value(QStringLiteral("detail")).toArray();
        QVERIFY(!detail.isEmpty());
        bool found = false;
        for (const QJsonValue &d : detail) {
            const QJsonObject e = d.toObject();
            found = found || (e.value(QStringLiteral("loc")).toArray() == loc && e.value(QStringLiteral("type")).toString() == type);
            QVERIFY(!e.value(QStringLiteral("msg")).toString().isEmpty());
        }
        QVERIFY2(found, r.body.constData());
    }

private Q_SLOTS:
    void init()
    {
        m_fake = std::make_unique<FakeModelServer>();
        m_gw = std::make_unique<GatewayFixture>();
        m_gw->apply(config());
    }
    void cleanup()
    {
        m_gw.reset();
        m_fake.reset();
    }

    void completionWithFillInTheMiddlePrompt()
    {
        FakeBehavior b = FakeBehavior::answer(2);
        b.chunkTexts = {QStringLiteral("return a + b"), QStringLiteral("\n")};
        m_fake->setDefaultBehavior(b);
        const HttpResponse r = send(gl::post("/v2/code/completions", gl::completionBody()));
        QCOMPARE(r.status, 200);
        QVERIFY(r.hasHeader("x-process-time"));
        QVERIFY(r.header("x-process-time").toDouble() > 0);
        const QJsonObject body = r.json();
        QCOMPARE(body.value(QStringLiteral("object")).toString(), QStringLiteral("text_completion"));
        QVERIFY(body.value(QStringLiteral("created")).toInteger() > 1700000000);
        const QJsonObject model = body.value(QStringLiteral("model")).toObject();
        QCOMPARE(model.value(QStringLiteral("name")).toString(), QStringLiteral("served-model"));
        QCOMPARE(model.value(QStringLiteral("lang")).toString(), QStringLiteral("python"));
        QVERIFY(model.value(QStringLiteral("tokens_consumption_metadata")).isObject());
        const QJsonArray choices = body.value(QStringLiteral("choices")).toArray();
        QCOMPARE(choices.size(), 1);
        QCOMPARE(choices.at(0).toObject().value(QStringLiteral("text")).toString(), QStringLiteral("return a + b"));
        // Codestral's fill-in-the-middle format went to the completions endpoint, with the served model.
        const RecordedRequest up = m_fake->lastRequest();
        QCOMPARE(up.path, QStringLiteral("/v1/completions"));
        QCOMPARE(up.model, QStringLiteral("served-model"));
        const QString prompt = up.json().value(QStringLiteral("prompt")).toString();
        QVERIFY2(prompt.startsWith(QStringLiteral("<s>[SUFFIX]")), qPrintable(prompt));
        QVERIFY(prompt.contains(QStringLiteral("[PREFIX]def add(a, b):")));
        QVERIFY(!up.json().value(QStringLiteral("stop")).toArray().isEmpty());
    }

    void completionAliasAndStream()
    {
        FakeBehavior b = FakeBehavior::answer(3, 30);
        b.chunkTexts = {QStringLiteral("return "), QStringLiteral("a + "), QStringLiteral("b")};
        m_fake->setDefaultBehavior(b);
        QJsonObject body = gl::completionBody();
        body.insert(QStringLiteral("stream"), true);
        const HttpResponse r = send(gl::post("/v2/completions", body));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.header("content-type"), QByteArray("text/event-stream; charset=utf-8"));
        QCOMPARE(r.body, QByteArray("return a + b")); // raw text chunks, no SSE framing
        QVERIFY(r.pieces.size() >= 2);
    }

    void generationStripsFences()
    {
        FakeBehavior b = FakeBehavior::answer(1);
        b.chunkTexts = {QStringLiteral("```python\ndef add(a, b):\n    return a + b\n```\n")};
        m_fake->setDefaultBehavior(b);
        const HttpResponse r = send(gl::post("/v2/code/generations", gl::generationBody()));
        QCOMPARE(r.status, 200);
        const QString text = r.json().value(QStringLiteral("choices")).toArray().at(0).toObject().value(QStringLiteral("text")).toString();
        QVERIFY2(!text.contains(QStringLiteral("```")), qPrintable(text));
        QVERIFY(text.contains(QStringLiteral("return a + b")));
        const QByteArray upstream = m_fake->lastRequest().body;
        QVERIFY(upstream.contains("write a function that adds two numbers"));
    }

    void generationRequiresPromptInVersion2()
    {
        QJsonObject body = gl::completionBody();
        body.remove(QStringLiteral("prompt"));
        verifyValidation(send(gl::post("/v2/code/generations", body)), QJsonArray{QStringLiteral("body"), QStringLiteral("prompt")},
                         QStringLiteral("missing"));
    }

    void suggestionsAsServerSentEvents()
    {
        FakeBehavior b = FakeBehavior::answer(2, 20);
        b.chunkTexts = {QStringLiteral("return "), QStringLiteral("a + b")};
        m_fake->setDefaultBehavior(b);
        const HttpResponse r = send(gl::post("/v4/code/suggestions", gl::completionBody()));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.header("x-streaming-format"), QByteArray("sse"));
        QStringList names;
        QString text;
        for (const SseEvent &e : r.events) {
            names << QString::fromLatin1(e.event);
            if (e.event == "content_chunk") {
                text += e.json().value(QStringLiteral("choices")).toArray().at(0).toObject().value(QStringLiteral("delta"))
                            .toObject().value(QStringLiteral("content")).toString();
            }
        }
        QCOMPARE(names.first(), QStringLiteral("stream_start"));
        QCOMPARE(names.last(), QStringLiteral("stream_end"));
        QCOMPARE(r.events.last().data, QByteArray("null"));
        QCOMPARE(text, QStringLiteral("return a + b"));
    }

    void chatInvokable()
    {
        FakeBehavior b = FakeBehavior::answer(2);
        b.chunkTexts = {QStringLiteral("This code "), QStringLiteral("adds numbers.")};
        m_fake->setDefaultBehavior(b);
        const HttpResponse r = send(gl::post("/v1/chat/explain_code", gl::chatBody(QStringLiteral("explain def add(a,b)"))));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(QStringLiteral("response")).toString(), QStringLiteral("This code adds numbers."));
        const QJsonObject metadata = r.json().value(QStringLiteral("metadata")).toObject();
        QCOMPARE(metadata.value(QStringLiteral("provider")).toString(), QStringLiteral("litellm"));
        QVERIFY(metadata.value(QStringLiteral("timestamp")).toInteger() > 0);
        const RecordedRequest up = m_fake->lastRequest();
        QCOMPARE(up.path, QStringLiteral("/v1/chat/completions"));
        QVERIFY(up.body.contains("explain def add(a,b)"));

        const HttpResponse streamed = send(gl::post("/v1/chat/explain_code", gl::chatBody(QStringLiteral("again"), true)));
        QCOMPARE(streamed.status, 200);
        QCOMPARE(streamed.body, QByteArray("This code adds numbers."));
    }

    void chatUnknownInvokableIs404()
    {
        verifyDetail(send(gl::post("/v1/chat/make_coffee", gl::chatBody(QStringLiteral("x")))), 404, QStringLiteral("Not found"));
    }

    void chatNeedsExactlyOneComponent()
    {
        QJsonObject body = gl::chatBody(QStringLiteral("x"));
        QJsonArray two = body.value(QStringLiteral("prompt_components")).toArray();
        two.append(two.at(0));
        body.insert(QStringLiteral("prompt_components"), two);
        verifyValidation(send(gl::post("/v1/chat/explain_code", body)),
                         QJsonArray{QStringLiteral("body"), QStringLiteral("prompt_components")}, QStringLiteral("too_long"));
    }

    void agentFinalAnswerStreamsAsNdjson()
    {
        FakeBehavior b = FakeBehavior::answer(4, 20);
        b.chunkTexts = {QStringLiteral("Thought: easy\nFinal "), QStringLiteral("Answer: Hello"), QStringLiteral(", world"),
                        QStringLiteral("!")};
        m_fake->setDefaultBehavior(b);
        const HttpResponse r = send(gl::post("/v2/chat/agent", gl::agentBody(QStringLiteral("greet me"))));
        QCOMPARE(r.status, 200);
        QVERIFY(r.header("content-type").startsWith("application/x-ndjson"));
        QString answer;
        for (const QJsonObject &line : gl::ndjson(r.body)) {
            QCOMPARE(line.value(QStringLiteral("type")).toString(), QStringLiteral("final_answer_delta"));
            answer += line.value(QStringLiteral("data")).toObject().value(QStringLiteral("text")).toString();
        }
        QCOMPARE(answer, QStringLiteral("Hello, world!"));
        QVERIFY(m_fake->lastRequest().body.contains("Pipelines")); // unavailable resources told to the model
    }

    void agentActionEvent()
    {
        FakeBehavior b = FakeBehavior::answer(1);
        b.chunkTexts = {QStringLiteral("Thought: I need the issue\nAction: issue_reader\nAction Input: #1\n")};
        m_fake->setDefaultBehavior(b);
        const HttpResponse r = send(gl::post("/v2/chat/agent", gl::agentBody(QStringLiteral("summarize issue 1"))));
        QCOMPARE(r.status, 200);
        const QList<QJsonObject> lines = gl::ndjson(r.body);
        QCOMPARE(lines.size(), 1);
        QCOMPARE(lines.at(0).value(QStringLiteral("type")).toString(), QStringLiteral("action"));
        const QJsonObject data = lines.at(0).value(QStringLiteral("data")).toObject();
        QCOMPARE(data.value(QStringLiteral("tool")).toString(), QStringLiteral("issue_reader"));
        QCOMPARE(data.value(QStringLiteral("tool_input")).toString(), QStringLiteral("#1"));
        QCOMPARE(data.value(QStringLiteral("thought")).toString(), QStringLiteral("I need the issue"));
    }

    void agentModelFailureIsAnErrorEvent()
    {
        m_fake->setDefaultBehavior(FakeBehavior::closeWithoutAnswer());
        const HttpResponse r = send(gl::post("/v2/chat/agent", gl::agentBody(QStringLiteral("hi"))));
        QCOMPARE(r.status, 200); // always 200: errors are events
        const QList<QJsonObject> lines = gl::ndjson(r.body);
        QCOMPARE(lines.size(), 1);
        QCOMPARE(lines.at(0).value(QStringLiteral("type")).toString(), QStringLiteral("error"));
        QVERIFY(lines.at(0).value(QStringLiteral("data")).toObject().value(QStringLiteral("retryable")).toBool());
    }

    void modelConfigurationCheck_data()
    {
        QTest::addColumn<QByteArray>("path");
        QTest::newRow("plain") << QByteArray("/v1/prompts/model_configuration/check");
        QTest::newRow("url-encoded") << QByteArray("/v1/prompts/model_configuration%2Fcheck");
    }
    void modelConfigurationCheck()
    {
        QFETCH(QByteArray, path);
        FakeBehavior b = FakeBehavior::answer(1);
        b.chunkTexts = {QStringLiteral("OK")};
        m_fake->setDefaultBehavior(b);
        QJsonObject body{{QStringLiteral("inputs"), QJsonObject()},
                         {QStringLiteral("stream"), false},
                         {QStringLiteral("model_metadata"),
                          QJsonObject{{QStringLiteral("name"), QStringLiteral("codestral")},
                                      {QStringLiteral("provider"), QStringLiteral("openai")},
                                      {QStringLiteral("endpoint"), m_fake->baseUrl().toString()},
                                      {QStringLiteral("api_key"), QStringLiteral("ignored")},
                                      {QStringLiteral("identifier"), QStringLiteral("custom_openai/served-model")}}}};
        const HttpResponse r = send(gl::post(path, body));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.body, QByteArray("\"OK\""));
        // The model server got the registered key, never the one in the request.
        QCOMPARE(m_fake->lastRequest().header("authorization"), QByteArray("Bearer sk-upstream-secret"));
    }

    void unregisteredModelEndpointIsRefused()
    {
        QJsonObject body = gl::completionBody();
        body.insert(QStringLiteral("model_endpoint"), QStringLiteral("http://169.254.169.254/latest/meta-data"));
        body.insert(QStringLiteral("model_identifier"), QStringLiteral("custom_openai/anything"));
        verifyDetail(send(gl::post("/v2/code/completions", body)), 403, QStringLiteral("not registered"));
        QCOMPARE(m_fake->requestCount(), 0);

        QJsonObject check{{QStringLiteral("inputs"), QJsonObject()},
                          {QStringLiteral("model_metadata"),
                           QJsonObject{{QStringLiteral("endpoint"), QStringLiteral("http://10.9.9.9:8000/v1")},
                                       {QStringLiteral("identifier"), QStringLiteral("x")}}}};
        verifyDetail(send(gl::post("/v1/prompts/model_configuration/check", check)), 403, QStringLiteral("not registered"));
        QCOMPARE(m_fake->requestCount(), 0);
    }

    void registeredModelEndpointIsServed()
    {
        QJsonObject body = gl::completionBody();
        QUrl base = m_fake->baseUrl();
        base.setPath(QString()); // without /v1: still the same endpoint
        body.insert(QStringLiteral("model_endpoint"), base.toString());
        body.insert(QStringLiteral("model_identifier"), QStringLiteral("custom_openai/served-model"));
        body.insert(QStringLiteral("model_api_key"), QStringLiteral("a-key-from-gitlab"));
        QCOMPARE(send(gl::post("/v2/code/completions", body)).status, 200);
        QCOMPARE(m_fake->lastRequest().header("authorization"), QByteArray("Bearer sk-upstream-secret"));
    }

    void promptRegistry()
    {
        FakeBehavior b = FakeBehavior::answer(1);
        b.chunkTexts = {QStringLiteral("Add subtraction")};
        m_fake->setDefaultBehavior(b);
        QJsonObject body{{QStringLiteral("inputs"), QJsonObject{{QStringLiteral("diff"), QStringLiteral("+ def sub(a, b)")}}}};
        HttpResponse r = send(gl::post("/v1/prompts/generate_commit_message", body));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.body, QByteArray("\"Add subtraction\""));
        QVERIFY(m_fake->lastRequest().body.contains("def sub(a, b)"));

        verifyDetail(send(gl::post("/v1/prompts/does/not/exist", body)), 404, QStringLiteral("Prompt 'does/not/exist' not found"));
        body.insert(QStringLiteral("prompt_version"), QStringLiteral("not a version"));
        verifyDetail(send(gl::post("/v1/prompts/generate_commit_message", body)), 422, QStringLiteral("Invalid version constraint"));
    }

    void promptModelHttpErrorIs421()
    {
        m_fake->setDefaultBehavior(FakeBehavior::error(400, "{\"error\":{\"message\":\"context length exceeded\"}}"));
        const QJsonObject body{{QStringLiteral("inputs"), QJsonObject{{QStringLiteral("diff"), QStringLiteral("x")}}}};
        verifyDetail(send(gl::post("/v1/prompts/generate_commit_message", body)), 421,
                     QStringLiteral("400: context length exceeded"));
    }

    // An upstream 401 says nothing of the model server's message: it can quote the key.
    void promptModelUnauthorizedIsNotEchoed()
    {
        m_fake->setDefaultBehavior(FakeBehavior::error(
            401, "{\"error\":{\"message\":\"Incorrect API key provided: sk-upst****cret\"}}"));
        const QJsonObject body{{QStringLiteral("inputs"), QJsonObject{{QStringLiteral("diff"), QStringLiteral("x")}}}};
        const HttpResponse r = send(gl::post("/v1/prompts/generate_commit_message", body));
        QCOMPARE(r.status, 421);
        QCOMPARE(r.body, QByteArray("{\"detail\":\"401: Unauthorized\"}"));
    }

    void modelFailureIsInferenceFailed()
    {
        m_fake->setDefaultBehavior(FakeBehavior::closeWithoutAnswer());
        verifyDetail(send(gl::post("/v2/code/completions", gl::completionBody())), 503, QStringLiteral("Inference failed"));
        m_fake->setDefaultBehavior(FakeBehavior::error(500));
        verifyDetail(send(gl::post("/v1/chat/explain_code", gl::chatBody(QStringLiteral("x")))), 503,
                     QStringLiteral("Inference failed"));
    }

    void validationErrors_data()
    {
        QTest::addColumn<QByteArray>("path");
        QTest::addColumn<QJsonObject>("body");
        QTest::addColumn<QJsonArray>("loc");
        QTest::addColumn<QString>("type");
        QJsonObject noFile = gl::completionBody();
        noFile.remove(QStringLiteral("current_file"));
        QTest::newRow("missing current_file") << QByteArray("/v2/code/completions") << noFile
                                              << QJsonArray{QStringLiteral("body"), QStringLiteral("current_file")}
                                              << QStringLiteral("missing");
        QJsonObject longName = gl::completionBody(QString(256, QLatin1Char('a')));
        QTest::newRow("file_name too long") << QByteArray("/v2/code/completions") << longName
                                            << QJsonArray{QStringLiteral("body"), QStringLiteral("current_file"),
                                                          QStringLiteral("file_name")}
                                            << QStringLiteral("string_too_long");
        QJsonObject longAbove = gl::completionBody(QStringLiteral("a.py"), QString(100001, QLatin1Char('x')));
        QTest::newRow("content too long") << QByteArray("/v2/code/completions") << longAbove
                                          << QJsonArray{QStringLiteral("body"), QStringLiteral("current_file"),
                                                        QStringLiteral("content_above_cursor")}
                                          << QStringLiteral("string_too_long");
        QJsonObject telemetry = gl::completionBody();
        QJsonArray many;
        for (int i = 0; i < 11; ++i)
            many.append(QJsonObject());
        telemetry.insert(QStringLiteral("telemetry"), many);
        QTest::newRow("telemetry too long") << QByteArray("/v2/code/completions") << telemetry
                                            << QJsonArray{QStringLiteral("body"), QStringLiteral("telemetry")}
                                            << QStringLiteral("too_long");
        QJsonObject provider = gl::completionBody();
        provider.insert(QStringLiteral("model_provider"), QStringLiteral("openai"));
        QTest::newRow("model_provider enum") << QByteArray("/v2/code/completions") << provider
                                             << QJsonArray{QStringLiteral("body"), QStringLiteral("model_provider")}
                                             << QStringLiteral("literal_error");
        QJsonObject stream = gl::completionBody();
        stream.insert(QStringLiteral("stream"), QStringLiteral("yes"));
        QTest::newRow("stream not bool") << QByteArray("/v2/code/completions") << stream
                                         << QJsonArray{QStringLiteral("body"), QStringLiteral("stream")} << QStringLiteral("bool_type");
        // Beyond any 64-bit integer: refused as not an integer (casting it was undefined behaviour).
        QJsonObject huge = gl::completionBody();
        huge.insert(QStringLiteral("prompt_version"), 1e300);
        QTest::newRow("prompt_version beyond 64 bits") << QByteArray("/v2/code/completions") << huge
                                                       << QJsonArray{QStringLiteral("body"), QStringLiteral("prompt_version")}
                                                       << QStringLiteral("int_type");
    }
    void validationErrors()
    {
        QFETCH(QByteArray, path);
        QFETCH(QJsonObject, body);
        QFETCH(QJsonArray, loc);
        QFETCH(QString, type);
        verifyValidation(send(gl::post(path, body)), loc, type);
        QCOMPARE(m_fake->requestCount(), 0);
    }

    void malformedJsonIs422()
    {
        const HttpResponse r = send(gl::withGitLabHeaders(HttpRequest::post("/v2/code/completions", "{\"current_file\":")));
        QCOMPARE(r.status, 422);
        QCOMPARE(r.json().value(QStringLiteral("detail")).toArray().at(0).toObject().value(QStringLiteral("type")).toString(),
                 QStringLiteral("json_invalid"));
    }

    void unknownPathsAndMethods()
    {
        verifyDetail(send(gl::withGitLabHeaders(HttpRequest::postJson("/v2/code/nothing", {}))), 404, QStringLiteral("Not Found"));
        verifyDetail(send(gl::withGitLabHeaders(HttpRequest::get("/v2/code/completions"))), 405,
                     QStringLiteral("Method Not Allowed"));
    }

    void disabledFeatureIsRefused()
    {
        GatewayConfig c = config();
        c.features.insert(QStringLiteral("duo_chat_explain_code"), QStringLiteral("disabled"));
        m_gw->apply(c);
        verifyDetail(send(gl::post("/v1/chat/explain_code", gl::chatBody(QStringLiteral("x")))), 403,
                     QStringLiteral("duo_chat_explain_code"));
    }

    void flagsAndStages()
    {
        m_gw->apply(config(QJsonObject{{QStringLiteral("ai_global_switch"), false}}));
        verifyDetail(send(gl::post("/v2/code/completions", gl::completionBody())), 403, QStringLiteral("ai_global_switch"));
        // chat features are governed by the chat switch, not the global one
        QCOMPARE(send(gl::post("/v1/chat/explain_code", gl::chatBody(QStringLiteral("x")))).status, 200);

        m_gw->apply(config(QJsonObject{{QStringLiteral("ai_duo_chat_switch"), false}}));
        verifyDetail(send(gl::post("/v1/chat/explain_code", gl::chatBody(QStringLiteral("x")))), 403,
                     QStringLiteral("ai_duo_chat_switch"));

        // summarize_review is an experiment: refused unless experiments are on (globally or per namespace)
        m_gw->apply(config(QJsonObject{{QStringLiteral("experiment_namespace_ids"), QJsonArray{9970}}}));
        const QJsonObject body{{QStringLiteral("inputs"), QJsonObject{{QStringLiteral("review"), QStringLiteral("lgtm")}}}};
        verifyDetail(send(gl::post("/v1/prompts/summarize_review", body)), 403, QStringLiteral("experiment"));
        QCOMPARE(send(gl::post("/v1/prompts/summarize_review", body)
                          .withHeader("X-Gitlab-Feature-Enabled-By-Namespace-Ids", "12,9970"))
                     .status,
                 200);
        m_gw->apply(config(QJsonObject{{QStringLiteral("experiment_features_enabled"), true}}));
        QCOMPARE(send(gl::post("/v1/prompts/summarize_review", body)).status, 200);
    }

    void newerKeystrokeSupersedesTheOlderRequest()
    {
        FakeBehavior slow = FakeBehavior::hang();
        m_fake->enqueue(slow);
        m_fake->enqueue(FakeBehavior::answer(1));
        TestHttpClient first(m_gw->port());
        first.sendRequest(gl::post("/v2/code/completions", gl::completionBody(QStringLiteral("a.py"), QStringLiteral("def f("))));
        QVERIFY(m_fake->waitForInFlight(1));
        // Same user, same file, one more character typed: the old generation is stopped upstream.
        const HttpResponse second = send(gl::post("/v2/code/completions", gl::completionBody(QStringLiteral("a.py"), QStringLiteral("def f(x"))));
        QCOMPARE(second.status, 200);
        QVERIFY(m_fake->waitForAborts(1, 2000));
        QVERIFY(first.waitForResponses(1, 2000));
        QCOMPARE(first.responses().at(0).status, 200);
        QCOMPARE(first.responses().at(0).json().value(QStringLiteral("choices")).toArray().size(), 0);
    }

    void otherUsersAndFilesAreNotSuperseded()
    {
        m_fake->setDefaultBehavior(FakeBehavior::answer(1, 0, 300));
        TestHttpClient a(m_gw->port());
        TestHttpClient b(m_gw->port());
        TestHttpClient c(m_gw->port());
        a.sendRequest(gl::post("/v2/code/completions", gl::completionBody(QStringLiteral("a.py")), "user-a"));
        b.sendRequest(gl::post("/v2/code/completions", gl::completionBody(QStringLiteral("a.py")), "user-b"));
        c.sendRequest(gl::post("/v2/code/completions", gl::completionBody(QStringLiteral("b.py")), "user-a"));
        for (TestHttpClient *client : {&a, &b, &c}) {
            QVERIFY(client->waitForResponses(1, 5000));
            QCOMPARE(client->responses().at(0).json().value(QStringLiteral("choices")).toArray().size(), 1);
        }
        QCOMPARE(m_fake->abortCount(), 0);
    }

    void repeatedCompletionIsServedFromCache()
    {
        QCOMPARE(send(gl::post("/v2/code/completions", gl::completionBody())).status, 200);
        const HttpResponse again = send(gl::post("/v2/code/completions", gl::completionBody()));
        QCOMPARE(again.status, 200);
        QCOMPARE(again.json().value(QStringLiteral("choices")).toArray().size(), 1);
        QCOMPARE(m_fake->requestCount(), 1); // the model was asked once
        // a different prefix is a different question
        QCOMPARE(send(gl::post("/v2/code/completions", gl::completionBody(QStringLiteral("src/main.py"), QStringLiteral("x = ")))).status, 200);
        QCOMPARE(m_fake->requestCount(), 2);
    }

    void monitoring()
    {
        const HttpResponse health = send(HttpRequest::get("/monitoring/healthz"));
        QCOMPARE(health.status, 200);
        QVERIFY(health.hasHeader("x-process-time"));
        const HttpResponse ready = send(HttpRequest::get("/monitoring/ready"));
        QCOMPARE(ready.status, 200);

        // A second endpoint that does not answer: not ready, and the body says which.
        GatewayConfig c = config();
        ModelEndpoint dead = c.models.first();
        dead.name = QStringLiteral("dead");
        dead.baseUrl = QUrl(QStringLiteral("http://127.0.0.1:1/v1"));
        c.models.append(dead);
        c.features.insert(QStringLiteral("code_generations"), QStringLiteral("dead"));
        m_gw->apply(c);
        const HttpResponse notReady = send(HttpRequest::get("/monitoring/ready"));
        QCOMPARE(notReady.status, 503);
        QVERIFY(notReady.json().value(QStringLiteral("detail")).toString().contains(QStringLiteral("dead")));
        QVERIFY(!notReady.json().value(QStringLiteral("detail")).toString().contains(QStringLiteral("fake")));
    }
};

QTEST_MAIN(tst_GitLabApi)
#include "tst_gitlabapi.moc"
