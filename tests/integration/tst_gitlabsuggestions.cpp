// GitLab's code-suggestion endpoints with the prompt_components body: POST /v3/code/completions (JSON or
// raw text) and POST /v4/code/suggestions (SSE), as GitLab Rails 17.x–18.x sends them, and `model.lang`
// in every code-suggestion answer. A real gateway in front of a fake model server. The cases port GitLab's
// gateway tests (tests/api/v3/test_v3_code.py, tests/api/v4/test_v4_code.py); see
// docs/gitlab-compatibility.md.

#include "gatewayfixture.h"
#include "gitlabrequests.h"

#include <QUrl>

using namespace airlock;
using namespace airlock::test;
namespace gl = airlock::test::gitlab;

namespace {

const QString kCompletion = QStringLiteral("code_editor_completion");
const QString kGeneration = QStringLiteral("code_editor_generation");

QJsonArray loc(std::initializer_list<QJsonValue> parts)
{
    QJsonArray a{QStringLiteral("body")};
    for (const QJsonValue &p : parts)
        a.append(p);
    return a;
}

QJsonObject with(QJsonObject object, const QString &key, const QJsonValue &value)
{
    object.insert(key, value);
    return object;
}

} // namespace

class tst_GitLabSuggestions : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<FakeModelServer> m_fake;
    std::unique_ptr<GatewayFixture> m_gw;

    // code_completions -> "fake" (identifier served-model), code_generations -> "gen" (gen-model), both
    // at the fake model server.
    GatewayConfig config() const
    {
        GatewayConfig c = m_gw->standardConfig(m_fake->baseUrl());
        ModelEndpoint gen = c.models.first();
        gen.name = QStringLiteral("gen");
        gen.identifier = QStringLiteral("gen-model");
        c.models.append(gen);
        c.features.insert(QStringLiteral("code_generations"), QStringLiteral("gen"));
        return c;
    }

    void start(const std::function<void(GatewayOptions &)> &tweak = {})
    {
        m_gw = std::make_unique<GatewayFixture>(ServerLimits{}, 2, tweak);
        m_gw->apply(config());
    }

    HttpResponse send(const HttpRequest &request) { return TestHttpClient::fetch(m_gw->port(), request); }

    void answerWith(const QStringList &pieces, int chunkDelayMs = 0)
    {
        FakeBehavior b = FakeBehavior::answer(int(pieces.size()), chunkDelayMs);
        b.chunkTexts = pieces;
        m_fake->setDefaultBehavior(b);
    }

    static QJsonObject model(const QString &name, const QString &lang)
    {
        return QJsonObject{{QStringLiteral("engine"), QStringLiteral("airlock")},
                           {QStringLiteral("name"), name},
                           {QStringLiteral("lang"), lang}};
    }

    static void verifyError(const HttpResponse &r, const QJsonArray &where, const QString &type)
    {
        QCOMPARE(r.status, 422);
        QVERIFY(r.hasHeader("x-process-time"));
        const QJsonArray detail = r.json().value(QStringLiteral("detail")).toArray();
        bool found = false;
        for (const QJsonValue &d : detail) {
            const QJsonObject e = d.toObject();
            QVERIFY(!e.value(QStringLiteral("msg")).toString().isEmpty());
            found = found || (e.value(QStringLiteral("loc")).toArray() == where && e.value(QStringLiteral("type")).toString() == type);
        }
        QVERIFY2(found, r.body.constData());
    }

    // The SSE answer's events: stream_start first, stream_end (data null) last, and the text between.
    static QString verifySse(const HttpResponse &r, const QString &modelName)
    {
        [&] {
            QCOMPARE(r.status, 200);
            QCOMPARE(r.header("content-type"), QByteArray("text/event-stream; charset=utf-8"));
            QCOMPARE(r.header("x-streaming-format"), QByteArray("sse"));
            QVERIFY(r.events.size() >= 3);
            const SseEvent &first = r.events.first();
            QCOMPARE(first.event, QByteArray("stream_start"));
            const QJsonObject metadata = first.json().value(QStringLiteral("metadata")).toObject();
            QCOMPARE(metadata.value(QStringLiteral("model")).toObject(),
                     (QJsonObject{{QStringLiteral("engine"), QStringLiteral("airlock")}, {QStringLiteral("name"), modelName}}));
            QVERIFY(metadata.value(QStringLiteral("timestamp")).toInteger() > 1700000000);
            QCOMPARE(r.events.last().event, QByteArray("stream_end"));
            QCOMPARE(r.events.last().data, QByteArray("null"));
        }();
        QString text;
        for (qsizetype i = 1; i + 1 < r.events.size(); ++i) {
            const SseEvent &e = r.events.at(i);
            if (e.event != "content_chunk")
                return QStringLiteral("<unexpected event %1>").arg(QString::fromLatin1(e.event));
            const QJsonObject choice = e.json().value(QStringLiteral("choices")).toArray().at(0).toObject();
            if (choice.value(QStringLiteral("index")).toInt(-1) != 0)
                return QStringLiteral("<choice index not 0>");
            text += choice.value(QStringLiteral("delta")).toObject().value(QStringLiteral("content")).toString();
        }
        return text;
    }

private Q_SLOTS:
    void init()
    {
        m_fake = std::make_unique<FakeModelServer>();
        start();
    }
    void cleanup()
    {
        m_gw.reset();
        m_fake.reset();
    }

    // test_v3_code.py TestEditorContentCompletion.test_successful_response
    void v3CompletionAnswer_data()
    {
        QTest::addColumn<QStringList>("pieces");
        QTest::addColumn<QStringList>("choices");
        QTest::newRow("non-empty suggestion") << QStringList{QStringLiteral("def search")} << QStringList{QStringLiteral("def search")};
        QTest::newRow("empty suggestion") << QStringList{QString()} << QStringList{};
    }
    void v3CompletionAnswer()
    {
        QFETCH(QStringList, pieces);
        QFETCH(QStringList, choices);
        answerWith(pieces);
        const HttpResponse r = send(gl::post("/v3/code/completions",
                                             gl::componentsBody(kCompletion, with(gl::editorPayload(), QStringLiteral("choices_count"), 3))));
        QCOMPARE(r.status, 200);
        QVERIFY(r.hasHeader("x-process-time"));
        const QJsonObject body = r.json();
        QJsonArray expected;
        for (const QString &text : choices)
            expected.append(QJsonObject{{QStringLiteral("text"), text}, {QStringLiteral("index"), 0},
                                        {QStringLiteral("finish_reason"), QStringLiteral("length")}});
        QCOMPARE(body.value(QStringLiteral("choices")).toArray(), expected);
        const QJsonObject metadata = body.value(QStringLiteral("metadata")).toObject();
        QCOMPARE(metadata.value(QStringLiteral("model")).toObject(), model(QStringLiteral("served-model"), QStringLiteral("python")));
        QVERIFY(metadata.value(QStringLiteral("timestamp")).toInteger() > 1700000000);
        // The completion went to the model assigned to code_completions, with the file's code around the cursor.
        const RecordedRequest up = m_fake->lastRequest();
        QCOMPARE(up.model, QStringLiteral("served-model"));
        QVERIFY(up.json().value(QStringLiteral("prompt")).toString().contains(QStringLiteral("# Create a fast binary search")));
    }

    // test_v3_code.py TestEditorContentCompletion/TestEditorContentGeneration.test_model_provider
    void v3ModelProvider_data()
    {
        QTest::addColumn<QString>("type");
        QTest::addColumn<QJsonValue>("provider");
        QTest::addColumn<int>("status");
        for (const QString &type : {kCompletion, kGeneration}) {
            QTest::addRow("%s vertex-ai", qPrintable(type)) << type << QJsonValue(QStringLiteral("vertex-ai")) << 200;
            QTest::addRow("%s anthropic", qPrintable(type)) << type << QJsonValue(QStringLiteral("anthropic")) << 200;
            QTest::addRow("%s default provider", qPrintable(type)) << type << QJsonValue(QJsonValue::Null) << 200;
            QTest::addRow("%s unknown provider", qPrintable(type)) << type << QJsonValue(QStringLiteral("some-provider")) << 422;
        }
    }
    void v3ModelProvider()
    {
        QFETCH(QString, type);
        QFETCH(QJsonValue, provider);
        QFETCH(int, status);
        answerWith({QStringLiteral("test completion")});
        const HttpResponse r = send(gl::post("/v3/code/completions",
                                             gl::componentsBody(type, with(gl::editorPayload(), QStringLiteral("model_provider"), provider))));
        if (status == 422) {
            verifyError(r, loc({QStringLiteral("prompt_components"), 0, type, QStringLiteral("payload"), QStringLiteral("model_provider")}),
                        QStringLiteral("literal_error"));
            QCOMPARE(m_fake->requestCount(), 0);
            return;
        }
        QCOMPARE(r.status, status);
        const QJsonArray choices = r.json().value(QStringLiteral("choices")).toArray();
        QCOMPARE(choices.size(), 1);
        QCOMPARE(choices.at(0).toObject().value(QStringLiteral("text")).toString(), QStringLiteral("test completion"));
        // The admin's assignment decides the model, whatever provider the request names.
        QCOMPARE(r.json().value(QStringLiteral("metadata")).toObject().value(QStringLiteral("model")).toObject(),
                 model(type == kCompletion ? QStringLiteral("served-model") : QStringLiteral("gen-model"), QStringLiteral("python")));
    }

    // test_v3_code.py TestEditorContentCompletion/TestEditorContentGeneration.test_successful_stream_response
    void v3StreamIsRawText_data()
    {
        QTest::addColumn<QString>("type");
        QTest::newRow("completion") << kCompletion;
        QTest::newRow("generation") << kGeneration;
    }
    void v3StreamIsRawText()
    {
        QFETCH(QString, type);
        answerWith({QStringLiteral("def "), QStringLiteral("search(a, x):")}, 20);
        QJsonObject payload = gl::editorPayload();
        payload.insert(QStringLiteral("model_provider"), QStringLiteral("anthropic"));
        payload.insert(QStringLiteral("stream"), true);
        const HttpResponse r = send(gl::post("/v3/code/completions", gl::componentsBody(type, payload)));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.header("content-type"), QByteArray("text/event-stream; charset=utf-8"));
        QCOMPARE(r.body, QByteArray("def search(a, x):"));
        QVERIFY(m_fake->lastRequest().stream);
    }

    // test_v3_code.py TestEditorContentGeneration.test_successful_response
    void v3GenerationAnswer_data()
    {
        QTest::addColumn<QStringList>("pieces");
        QTest::addColumn<int>("choices");
        QTest::newRow("non-empty suggestion") << QStringList{QStringLiteral("def search")} << 1;
        QTest::newRow("empty suggestion") << QStringList{QString()} << 0;
    }
    void v3GenerationAnswer()
    {
        QFETCH(QStringList, pieces);
        QFETCH(int, choices);
        answerWith(pieces);
        const HttpResponse r = send(gl::post("/v3/code/completions", gl::componentsBody(kGeneration, gl::editorPayload())));
        QCOMPARE(r.status, 200);
        const QJsonArray got = r.json().value(QStringLiteral("choices")).toArray();
        QCOMPARE(got.size(), choices);
        if (choices)
            QCOMPARE(got.at(0).toObject().value(QStringLiteral("text")).toString(), QStringLiteral("def search"));
        const QJsonObject metadata = r.json().value(QStringLiteral("metadata")).toObject();
        QCOMPARE(metadata.value(QStringLiteral("model")).toObject(), model(QStringLiteral("gen-model"), QStringLiteral("python")));
        QVERIFY(metadata.value(QStringLiteral("timestamp")).toInteger() > 1700000000);
        QCOMPARE(m_fake->lastRequest().model, QStringLiteral("gen-model"));
    }

    // test_v3_code.py TestEditorContentGeneration.test_generation_agent_model_successful_response, with
    // the body GitLab Rails sends (the /v2 fields around prompt_components, the instruction in
    // prompt_enhancer.user_instruction, prompt_version a string).
    void v3GenerationFromRails()
    {
        answerWith({QStringLiteral("def fib(n):\n    return n")});
        QJsonObject payload = gl::editorPayload(QStringLiteral("test.py"),
                                                QStringLiteral("def is_even(n: int) ->\n# A function that outputs the first 20 fibonacci numbers\n"),
                                                QString());
        payload.insert(QStringLiteral("language_identifier"), QStringLiteral("Python"));
        payload.insert(QStringLiteral("stream"), false);
        payload.insert(QStringLiteral("prompt_id"), QStringLiteral("code_suggestions/generations"));
        payload.insert(QStringLiteral("prompt_version"), QStringLiteral("2.0.0"));
        payload.insert(QStringLiteral("prompt_enhancer"),
                       QJsonObject{{QStringLiteral("examples_array"), QJsonArray{QJsonObject{{QStringLiteral("example"), QStringLiteral("x")},
                                                                                            {QStringLiteral("response"), QStringLiteral("<new_code>y")},
                                                                                            {QStringLiteral("trigger_type"), QStringLiteral("comment")}}}},
                                   {QStringLiteral("trimmed_content_above_cursor"), QStringLiteral("def is_even(n: int) ->\n")},
                                   {QStringLiteral("trimmed_content_below_cursor"), QString()},
                                   {QStringLiteral("related_files"), QJsonArray{QStringLiteral("<file_content file_name=\"main.go\">\npackage main\n</file_content>\n")}},
                                   {QStringLiteral("related_snippets"), QJsonArray()},
                                   {QStringLiteral("libraries"), QJsonArray{QStringLiteral("some_library")}},
                                   {QStringLiteral("user_instruction"), QStringLiteral("Generate the best possible code based on instructions.")}});
        QJsonObject body = gl::completionBody(QStringLiteral("test.py"));
        body.insert(QStringLiteral("prompt_components"), QJsonArray{gl::promptComponent(kGeneration, payload)});
        const HttpResponse r = send(gl::post("/v3/code/completions", body));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(QStringLiteral("choices")).toArray().at(0).toObject().value(QStringLiteral("text")).toString(),
                 QStringLiteral("def fib(n):\n    return n"));
        const QByteArray upstream = m_fake->lastRequest().body;
        QVERIFY2(upstream.contains("Generate the best possible code based on instructions."), upstream.constData());
        QVERIFY(upstream.contains("first 20 fibonacci numbers"));
        // The file name decides model.lang ("Python" is not an editor language id).
        QCOMPARE(r.json().value(QStringLiteral("metadata")).toObject().value(QStringLiteral("model")).toObject()
                     .value(QStringLiteral("lang")).toString(), QStringLiteral("python"));
    }

    // test_v3_code.py TestEditorContentGeneration.test_prompt
    void v3GenerationPrompt_data()
    {
        QTest::addColumn<QJsonValue>("prompt");
        QTest::addColumn<bool>("sent");
        QTest::newRow("empty") << QJsonValue(QString()) << false;
        QTest::newRow("some prompt") << QJsonValue(QStringLiteral("some prompt")) << true;
        QTest::newRow("null") << QJsonValue(QJsonValue::Null) << false;
    }
    void v3GenerationPrompt()
    {
        QFETCH(QJsonValue, prompt);
        QFETCH(bool, sent);
        const HttpResponse r = send(gl::post("/v3/code/completions",
                                             gl::componentsBody(kGeneration, with(gl::editorPayload(), QStringLiteral("prompt"), prompt))));
        QCOMPARE(r.status, 200);
        QCOMPARE(m_fake->lastRequest().body.contains("some prompt"), sent);
    }

    // test_v3_code.py TestIncomingRequest.test_valid_request, and the other body errors
    void incomingRequest_data()
    {
        QTest::addColumn<QJsonObject>("body");
        QTest::addColumn<QJsonArray>("where"); // empty: 200
        QTest::addColumn<QString>("type");
        const QJsonObject payload{{QStringLiteral("file_name"), QStringLiteral("test")},
                                  {QStringLiteral("content_above_cursor"), QStringLiteral("def hello_world():")},
                                  {QStringLiteral("content_below_cursor"), QString()}};
        const QJsonArray pc{QStringLiteral("body"), QStringLiteral("prompt_components")};
        const auto at = [&pc](std::initializer_list<QJsonValue> parts) {
            QJsonArray a = pc;
            for (const QJsonValue &p : parts)
                a.append(p);
            return a;
        };
        QTest::newRow("valid request") << gl::componentsBody(kCompletion, with(payload, QStringLiteral("model_provider"), QStringLiteral("anthropic")))
                                       << QJsonArray() << QString();
        QTest::newRow("unknown component type") << gl::componentsBody(QStringLiteral("some_type"), payload) << at({0})
                                                << QStringLiteral("union_tag_invalid");
        QJsonArray many;
        for (int i = 0; i < 101; ++i)
            many.append(gl::promptComponent(kCompletion, payload));
        QTest::newRow("too many prompt_components") << QJsonObject{{QStringLiteral("prompt_components"), many}} << pc
                                                    << QStringLiteral("too_long");
        QJsonObject noName = payload;
        noName.remove(QStringLiteral("file_name"));
        QTest::newRow("missing required field") << gl::componentsBody(kCompletion, noName)
                                                << at({0, kCompletion, QStringLiteral("payload"), QStringLiteral("file_name")})
                                                << QStringLiteral("missing");
        QTest::newRow("no prompt_components") << QJsonObject{{QStringLiteral("stream"), true}} << pc << QStringLiteral("missing");
        QTest::newRow("empty prompt_components") << QJsonObject{{QStringLiteral("prompt_components"), QJsonArray()}} << pc
                                                 << QStringLiteral("too_short");
        QTest::newRow("component without type") << QJsonObject{{QStringLiteral("prompt_components"),
                                                                QJsonArray{QJsonObject{{QStringLiteral("payload"), payload}}}}}
                                                << at({0}) << QStringLiteral("union_tag_not_found");
        QTest::newRow("component not an object") << QJsonObject{{QStringLiteral("prompt_components"), QJsonArray{42}}} << at({0})
                                                 << QStringLiteral("model_attributes_type");
        QTest::newRow("file_name too long") << gl::componentsBody(kCompletion, with(payload, QStringLiteral("file_name"), QString(256, u'x')))
                                            << at({0, kCompletion, QStringLiteral("payload"), QStringLiteral("file_name")})
                                            << QStringLiteral("string_too_long");
        QTest::newRow("stream not a boolean") << gl::componentsBody(kGeneration, with(payload, QStringLiteral("stream"), QStringLiteral("yes")))
                                              << at({0, kGeneration, QStringLiteral("payload"), QStringLiteral("stream")})
                                              << QStringLiteral("bool_type");
        QJsonObject withContext = gl::componentsBody(kCompletion, payload);
        QJsonArray components = withContext.value(QStringLiteral("prompt_components")).toArray();
        components.append(gl::promptComponent(QStringLiteral("code_context"),
                                              QJsonObject{{QStringLiteral("type"), QStringLiteral("file")}, {QStringLiteral("name"), QStringLiteral("a.py")}}));
        withContext.insert(QStringLiteral("prompt_components"), components);
        QTest::newRow("context without content") << withContext
                                                 << at({1, QStringLiteral("code_context"), QStringLiteral("payload"), QStringLiteral("content")})
                                                 << QStringLiteral("missing");
        QTest::newRow("context first") << gl::componentsBody(QStringLiteral("code_context"),
                                                             QJsonObject{{QStringLiteral("type"), QStringLiteral("file")},
                                                                         {QStringLiteral("name"), QStringLiteral("a.py")},
                                                                         {QStringLiteral("content"), QStringLiteral("x = 1")}})
                                       << at({0}) << QStringLiteral("value_error");
        QTest::newRow("metadata without version")
            << QJsonObject{{QStringLiteral("prompt_components"),
                            QJsonArray{with(gl::promptComponent(kCompletion, payload), QStringLiteral("metadata"),
                                            QJsonObject{{QStringLiteral("source"), QStringLiteral("GitLab EE")}})}}}
            << at({0, kCompletion, QStringLiteral("metadata"), QStringLiteral("version")}) << QStringLiteral("missing");
    }
    void incomingRequest()
    {
        QFETCH(QJsonObject, body);
        QFETCH(QJsonArray, where);
        QFETCH(QString, type);
        for (const QByteArray &path : {QByteArray("/v3/code/completions"), QByteArray("/v4/code/suggestions")}) {
            const HttpResponse r = send(gl::post(path, body));
            if (where.isEmpty()) {
                QCOMPARE(r.status, 200);
                continue;
            }
            verifyError(r, where, type);
        }
        if (!where.isEmpty())
            QCOMPARE(m_fake->requestCount(), 0);
    }

    // test_v4_code.py TestEditorContentCompletionStream.test_successful_stream_response
    void v4CompletionStream()
    {
        answerWith({QStringLiteral("def "), QStringLiteral("search"), QStringLiteral("(a, x):")}, 10);
        QJsonObject payload = gl::editorPayload();
        payload.insert(QStringLiteral("model_provider"), QStringLiteral("anthropic"));
        payload.insert(QStringLiteral("stream"), true);
        payload.insert(QStringLiteral("model_name"), QStringLiteral("claude-3-5-sonnet-20240620"));
        const HttpResponse r = send(gl::post("/v4/code/suggestions", gl::componentsBody(kCompletion, payload)));
        QCOMPARE(verifySse(r, QStringLiteral("served-model")), QStringLiteral("def search(a, x):"));
        QVERIFY(r.events.size() >= 5); // one content_chunk per piece the model sent
    }

    // test_v4_code.py TestEditorContentGenerationStream.test_successful_stream_response (every row)
    void v4GenerationStream_data()
    {
        QTest::addColumn<QJsonValue>("promptId");
        QTest::addColumn<QJsonValue>("provider");
        QTest::newRow("vertex-ai") << QJsonValue(QJsonValue::Null) << QJsonValue(QStringLiteral("vertex-ai"));
        QTest::newRow("anthropic") << QJsonValue(QJsonValue::Null) << QJsonValue(QStringLiteral("anthropic"));
        QTest::newRow("prompt registry") << QJsonValue(QStringLiteral("code_suggestions/generations")) << QJsonValue(QJsonValue::Null);
    }
    void v4GenerationStream()
    {
        QFETCH(QJsonValue, promptId);
        QFETCH(QJsonValue, provider);
        answerWith({QStringLiteral("def search(a, x):\n"), QStringLiteral("    return a.index(x)")}, 10);
        QJsonObject payload = gl::editorPayload();
        payload.insert(QStringLiteral("model_provider"), provider);
        payload.insert(QStringLiteral("prompt_id"), promptId);
        payload.insert(QStringLiteral("stream"), true);
        const HttpResponse r = send(gl::post("/v4/code/suggestions", gl::componentsBody(kGeneration, payload)));
        QCOMPARE(verifySse(r, QStringLiteral("gen-model")), QStringLiteral("def search(a, x):\n    return a.index(x)"));
        QCOMPARE(m_fake->lastRequest().model, QStringLiteral("gen-model"));
    }

    // /v4 without stream: the JSON answer (GitLab's model configuration check sends it so).
    void v4WithoutStreamIsJson()
    {
        answerWith({QStringLiteral("def search")});
        const HttpResponse r = send(gl::post("/v4/code/suggestions", gl::componentsBody(kGeneration, gl::editorPayload())));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.header("content-type"), QByteArray("application/json"));
        QCOMPARE(r.json().value(QStringLiteral("choices")).toArray().size(), 1);
        QCOMPARE(r.json().value(QStringLiteral("metadata")).toObject().value(QStringLiteral("model")).toObject(),
                 model(QStringLiteral("gen-model"), QStringLiteral("python")));
    }

    // model.lang: from the file's extension, else the editor's language id, else empty (GitLab's
    // resolve_lang_id), on /v2 and /v3 alike.
    void langFromFileName_data()
    {
        QTest::addColumn<QString>("fileName");
        QTest::addColumn<QJsonValue>("editorLanguage");
        QTest::addColumn<QString>("lang");
        QTest::newRow("go, no language_identifier") << QStringLiteral("cmd/main.go") << QJsonValue(QJsonValue::Undefined) << QStringLiteral("go");
        QTest::newRow("tsx") << QStringLiteral("web/App.tsx") << QJsonValue(QJsonValue::Null) << QStringLiteral("ts");
        QTest::newRow("upper-case C is C++") << QStringLiteral("lib/x.C") << QJsonValue(QJsonValue::Undefined) << QStringLiteral("cpp");
        QTest::newRow("lower-case c is C") << QStringLiteral("lib/x.c") << QJsonValue(QJsonValue::Undefined) << QStringLiteral("c");
        QTest::newRow("shell") << QStringLiteral("deploy.sh") << QJsonValue(QJsonValue::Undefined) << QStringLiteral("bash");
        QTest::newRow("file name wins") << QStringLiteral("main.py") << QJsonValue(QStringLiteral("ruby")) << QStringLiteral("python");
        QTest::newRow("editor language") << QStringLiteral("Makefile") << QJsonValue(QStringLiteral("typescriptreact")) << QStringLiteral("ts");
        QTest::newRow("dotfile has no extension") << QStringLiteral(".bashrc") << QJsonValue(QJsonValue::Undefined) << QString();
        QTest::newRow("unknown") << QStringLiteral("notes.txt") << QJsonValue(QStringLiteral("plaintext")) << QString();
    }
    void langFromFileName()
    {
        QFETCH(QString, fileName);
        QFETCH(QJsonValue, editorLanguage);
        QFETCH(QString, lang);
        QJsonObject payload = gl::editorPayload(fileName);
        payload.remove(QStringLiteral("language_identifier"));
        if (!editorLanguage.isUndefined())
            payload.insert(QStringLiteral("language_identifier"), editorLanguage);
        const HttpResponse v3 = send(gl::post("/v3/code/completions", gl::componentsBody(kCompletion, payload)));
        QCOMPARE(v3.status, 200);
        QCOMPARE(v3.json().value(QStringLiteral("metadata")).toObject().value(QStringLiteral("model")).toObject()
                     .value(QStringLiteral("lang")).toString(), lang);

        QJsonObject v2body = gl::completionBody(fileName, QStringLiteral("x = "));
        QJsonObject file = v2body.value(QStringLiteral("current_file")).toObject();
        file.remove(QStringLiteral("language_identifier"));
        if (!editorLanguage.isUndefined())
            file.insert(QStringLiteral("language_identifier"), editorLanguage);
        v2body.insert(QStringLiteral("current_file"), file);
        const HttpResponse v2 = send(gl::post("/v2/code/completions", v2body));
        QCOMPARE(v2.status, 200);
        QCOMPARE(v2.json().value(QStringLiteral("model")).toObject().value(QStringLiteral("lang")).toString(), lang);
    }

    // The same completion asked through /v2 and then /v3 gets each endpoint's own answer shape, also
    // from the completion cache.
    void cacheKeepsEachShape()
    {
        answerWith({QStringLiteral("return a + b")});
        const QJsonObject v2body = gl::completionBody(QStringLiteral("main.py"), QStringLiteral("def add(a, b):\n    "), QStringLiteral("\n"));
        QJsonObject payload = gl::editorPayload(QStringLiteral("main.py"), QStringLiteral("def add(a, b):\n    "), QStringLiteral("\n"));
        const QJsonObject v3body = gl::componentsBody(kCompletion, payload);
        for (int round = 0; round < 2; ++round) {
            const HttpResponse v2 = send(gl::post("/v2/code/completions", v2body));
            QCOMPARE(v2.json().value(QStringLiteral("object")).toString(), QStringLiteral("text_completion"));
            const HttpResponse v3 = send(gl::post("/v3/code/completions", v3body));
            QVERIFY(v3.json().contains(QStringLiteral("metadata")));
            QVERIFY(!v3.json().contains(QStringLiteral("object")));
            QCOMPARE(v3.json().value(QStringLiteral("choices")).toArray().at(0).toObject().value(QStringLiteral("text")).toString(),
                     QStringLiteral("return a + b"));
        }
        QCOMPARE(m_fake->requestCount(), 2); // one question per shape; the second round came from the cache
    }

    // Deviation: the model_metadata GitLab sends must name a registered endpoint.
    void modelMetadataMustNameARegisteredEndpoint()
    {
        QJsonObject body = gl::componentsBody(kGeneration, gl::editorPayload());
        body.insert(QStringLiteral("model_metadata"),
                    QJsonObject{{QStringLiteral("provider"), QStringLiteral("openai")},
                                {QStringLiteral("name"), QStringLiteral("mistral")},
                                {QStringLiteral("endpoint"), QStringLiteral("http://attacker.example:8080/v1")},
                                {QStringLiteral("api_key"), QStringLiteral("sk-from-request")},
                                {QStringLiteral("identifier"), QStringLiteral("whatever")}});
        const HttpResponse refused = send(gl::post("/v4/code/suggestions", body));
        QCOMPARE(refused.status, 403);
        QVERIFY(refused.hasHeader("x-process-time"));
        QCOMPARE(m_fake->requestCount(), 0);

        body.insert(QStringLiteral("model_metadata"),
                    QJsonObject{{QStringLiteral("provider"), QStringLiteral("openai")},
                                {QStringLiteral("name"), QStringLiteral("mistral")},
                                {QStringLiteral("endpoint"), m_fake->baseUrl().toString()},
                                {QStringLiteral("api_key"), QStringLiteral("sk-from-request")},
                                {QStringLiteral("identifier"), QStringLiteral("gen-model")}});
        const HttpResponse served = send(gl::post("/v4/code/suggestions", body));
        QCOMPARE(served.status, 200);
        // The admin's key went upstream, never the request's.
        QCOMPARE(m_fake->lastRequest().header("authorization"), QByteArray("Bearer sk-upstream-secret"));
    }

    // test_v3_code.py TestUnauthorizedScopes: a token without a code-suggestion scope.
    void scopeIsChecked()
    {
        m_gw.reset();
        start([](GatewayOptions &o) { o.authMode = QStringLiteral("required"); });
        const QByteArray chatOnly = m_gw->issueToken(QStringLiteral("alice"), {QStringLiteral("duo_chat")});
        const QByteArray coder = m_gw->issueToken(QStringLiteral("bob"), {QStringLiteral("complete_code")});
        QVERIFY(!chatOnly.isEmpty() && !coder.isEmpty());
        const QJsonObject body = gl::componentsBody(
            kCompletion, QJsonObject{{QStringLiteral("file_name"), QStringLiteral("test")},
                                     {QStringLiteral("content_above_cursor"), QStringLiteral("def hello_world():")},
                                     {QStringLiteral("content_below_cursor"), QString()},
                                     {QStringLiteral("model_provider"), QStringLiteral("vertex-ai")}});
        for (const QByteArray &path : {QByteArray("/v3/code/completions"), QByteArray("/v4/code/suggestions")}) {
            const HttpResponse refused = send(gl::post(path, body).withBearer(chatOnly));
            QCOMPARE(refused.status, 403);
            QCOMPARE(refused.json(), (QJsonObject{{QStringLiteral("detail"), QStringLiteral("Unauthorized to access code suggestions")}}));
            QCOMPARE(send(gl::post(path, body).withBearer(coder)).status, 200);
        }
        // No token: GitLab's 401 body, with X-Process-Time.
        const HttpResponse anonymous = send(gl::post("/v3/code/completions", body));
        QCOMPARE(anonymous.status, 401);
        QVERIFY(anonymous.hasHeader("x-process-time"));
        QVERIFY(!anonymous.json().value(QStringLiteral("error")).toString().isEmpty());
    }

    // The policy step holds on /v3 and /v4: the global switch, a disabled assignment.
    void policyStepHolds()
    {
        GatewayConfig c = config();
        c.flags = QJsonObject{{QStringLiteral("ai_global_switch"), false}};
        m_gw->apply(c);
        for (const QByteArray &path : {QByteArray("/v3/code/completions"), QByteArray("/v4/code/suggestions")}) {
            const HttpResponse r = send(gl::post(path, gl::componentsBody(kCompletion, gl::editorPayload())));
            QCOMPARE(r.status, 403);
            QVERIFY2(r.json().value(QStringLiteral("detail")).toString().contains(QStringLiteral("ai_global_switch")), r.body.constData());
        }
        c = config();
        c.features.insert(QStringLiteral("code_generations"), QString(kDisabled));
        m_gw->apply(c);
        const HttpResponse generation = send(gl::post("/v3/code/completions", gl::componentsBody(kGeneration, gl::editorPayload())));
        QCOMPARE(generation.status, 403);
        QVERIFY2(generation.json().value(QStringLiteral("detail")).toString().contains(QStringLiteral("code_generations")),
                 generation.body.constData());
        QCOMPARE(send(gl::post("/v3/code/completions", gl::componentsBody(kCompletion, gl::editorPayload()))).status, 200);
        QCOMPARE(m_fake->requestCount(), 1);
    }

    void otherMethodsAndPaths()
    {
        const HttpResponse get = send(gl::withGitLabHeaders(HttpRequest::get("/v3/code/completions")));
        QCOMPARE(get.status, 405);
        QVERIFY(get.hasHeader("x-process-time"));
        QCOMPARE(get.json().value(QStringLiteral("detail")).toString(), QStringLiteral("Method Not Allowed"));
        const HttpResponse unknown = send(gl::post("/v3/code/nothing", gl::componentsBody(kCompletion, gl::editorPayload())));
        QCOMPARE(unknown.status, 404);
        QVERIFY(unknown.hasHeader("x-process-time"));
    }
};

QTEST_MAIN(tst_GitLabSuggestions)
#include "tst_gitlabsuggestions.moc"
