// Chat history end to end: a real gateway (auth required, worker threads, SQLite in a temp dir or a
// real redis-server on loopback) in front of a fake model server. Chat requests of authenticated users
// (OpenAI /v1/chat/completions to a chat feature, GitLab /v1/chat/{invokable} and /v2/chat/agent) end up
// in that user's history, read back through GET /v1/chat/history; nobody else sees them. Also the
// logging settings given in GatewayOptions, the declarative file and on airlockd's command line.

#include "airlockdprocess.h"
#include "gatewayfixture.h"
#include "gitlabrequests.h"
#include "prerequisite.h"
#include "redisserver.h"
#include "requestrecord.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTcpSocket>

using namespace airlock;
using namespace airlock::test;
namespace gl = airlock::test::gitlab;

namespace {

const QByteArray kAdmin = "test-admin-token";

void requireAuth(GatewayOptions &o)
{
    o.authMode = QStringLiteral("required");
}

QByteArray openAiChat(const QString &model, const QJsonArray &messages, bool stream)
{
    return QJsonDocument(QJsonObject{{QStringLiteral("model"), model},
                                     {QStringLiteral("messages"), messages},
                                     {QStringLiteral("stream"), stream}})
        .toJson(QJsonDocument::Compact);
}

QJsonObject message(const QString &role, const QString &content)
{
    return QJsonObject{{QStringLiteral("role"), role}, {QStringLiteral("content"), content}};
}

// (role, content) pairs of a history answer, oldest first.
QList<std::pair<QString, QString>> turns(const QJsonArray &messages)
{
    QList<std::pair<QString, QString>> out;
    for (const QJsonValue &v : messages) {
        const QJsonObject m = v.toObject();
        out.append({m.value(QStringLiteral("role")).toString(), m.value(QStringLiteral("content")).toString()});
    }
    return out;
}

using Turns = QList<std::pair<QString, QString>>;

} // namespace

class tst_ChatHistoryApi : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    RedisServer m_redis;
    std::unique_ptr<FakeModelServer> m_fake;
    std::unique_ptr<GatewayFixture> m_gw;
    QByteArray m_alice;
    QByteArray m_bob;

    HttpResponse admin(const QByteArray &method, const QByteArray &path, const QJsonObject &body = {})
    {
        HttpRequest r = method == "GET" ? HttpRequest::get(path) : HttpRequest::postJson(path, body);
        r.method = method;
        r.withBearer(kAdmin);
        return TestHttpClient::fetch(m_gw->adminPort(), r);
    }

    QByteArray issue(const QString &subject, const QStringList &scopes)
    {
        const HttpResponse r = admin("POST", "/api/v1/tokens",
                                     QJsonObject{{QStringLiteral("subject"), subject},
                                                 {QStringLiteral("scopes"), QJsonArray::fromStringList(scopes)},
                                                 {QStringLiteral("ttl"), QStringLiteral("1d")}});
        if (r.status != 201)
            qWarning() << "token issue failed" << r.status << r.body;
        return r.json().value(QStringLiteral("token")).toString().toLatin1();
    }

    void startGateway(const std::function<void(GatewayOptions &)> &tweak = requireAuth)
    {
        m_gw = std::make_unique<GatewayFixture>(ServerLimits{}, 2, tweak);
        GatewayConfig c = m_gw->standardConfig(m_fake->baseUrl());
        for (const char *feature : {"duo_chat", "duo_chat_explain_code"})
            c.features.insert(QLatin1String(feature), QStringLiteral("fake"));
        m_gw->apply(c);
        m_alice = issue(QStringLiteral("alice"), {QStringLiteral("duo_chat"), QStringLiteral("complete_code")});
        m_bob = issue(QStringLiteral("bob"), {QStringLiteral("duo_chat")});
    }

    HttpResponse history(const QByteArray &token, const HttpRequest &base = HttpRequest::get("/v1/chat/history"))
    {
        HttpRequest r = base;
        if (!token.isEmpty())
            r.withBearer(token);
        return TestHttpClient::fetch(m_gw->port(), r);
    }

    QJsonArray messagesOf(const QByteArray &token)
    {
        const HttpResponse r = history(token);
        if (r.status != 200)
            qWarning("GET /v1/chat/history: %d %s", r.status, r.body.constData());
        return r.json().value(QStringLiteral("messages")).toArray();
    }

    // The history is written by the request log's writer thread, a batch interval after the answer.
    QJsonArray waitForMessages(const QByteArray &token, int count)
    {
        QJsonArray messages;
        (void)QTest::qWaitFor([&] { return (messages = messagesOf(token)).size() >= count; }, 10000);
        return messages;
    }

    HttpResponse chat(const QByteArray &token, const QString &model, const QJsonArray &messages, bool stream = false)
    {
        HttpRequest r = HttpRequest::post("/v1/chat/completions", openAiChat(model, messages, stream));
        r.withBearer(token);
        return TestHttpClient::fetch(m_gw->port(), r);
    }

    HttpResponse gitlab(const QByteArray &token, const QByteArray &path, const QJsonObject &body,
                        const QByteArray &userHeader = "user-sha-1")
    {
        HttpRequest r = gl::post(path, body, userHeader);
        r.withBearer(token);
        return TestHttpClient::fetch(m_gw->port(), r);
    }

    void setAnswer(const QStringList &chunks)
    {
        FakeBehavior b = FakeBehavior::answer(int(chunks.size()));
        b.chunkTexts = chunks;
        m_fake->setDefaultBehavior(b);
    }

    static void verifyError(const HttpResponse &r, int status, const QString &code)
    {
        QCOMPARE(r.status, status);
        const QJsonObject error = r.json().value(QStringLiteral("error")).toObject();
        QCOMPARE(error.value(QStringLiteral("code")).toString(), code);
        QVERIFY(!error.value(QStringLiteral("message")).toString().isEmpty());
    }

    // Keys in the test Redis matching `pattern` (KEYS over a raw connection).
    QList<QByteArray> redisKeys(const QByteArray &pattern)
    {
        QTcpSocket socket;
        socket.connectToHost(QHostAddress::LocalHost, m_redis.port());
        if (!socket.waitForConnected(5000))
            return {};
        socket.write("*2\r\n$4\r\nKEYS\r\n$" + QByteArray::number(pattern.size()) + "\r\n" + pattern + "\r\n");
        QByteArray reply;
        // An array reply: "*N\r\n" then N bulk strings "$len\r\nkey\r\n".
        const auto complete = [&] {
            const QList<QByteArray> lines = reply.split('\n');
            if (lines.size() < 2 || !reply.startsWith('*'))
                return false;
            const int n = lines.at(0).mid(1).trimmed().toInt();
            return lines.size() >= 2 * n + 2;
        };
        while (!complete() && socket.waitForReadyRead(5000))
            reply += socket.readAll();
        QList<QByteArray> keys;
        const QList<QByteArray> lines = reply.split('\n');
        for (qsizetype i = 2; i < lines.size(); i += 2)
            keys.append(lines.at(i).trimmed());
        keys.removeAll(QByteArray());
        return keys;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        // Installed but not starting is a failure everywhere; not installed is redisBackend's prerequisite.
        if (!RedisServer::executable().isEmpty())
            QVERIFY2(m_redis.start(), qPrintable(m_redis.errorMessage()));
    }

    void cleanupTestCase() { m_redis.stop(); }

    void init()
    {
        m_fake = std::make_unique<FakeModelServer>();
    }

    void cleanup()
    {
        m_gw.reset();
        m_fake.reset();
    }

    void openAiChatIsInTheUsersHistoryOnly()
    {
        startGateway();
        setAnswer({QStringLiteral("Two plus two "), QStringLiteral("is four.")});
        QCOMPARE(messagesOf(m_alice).size(), 0);
        const qint64 before = QDateTime::currentMSecsSinceEpoch();
        const QJsonArray conversation{message(QStringLiteral("system"), QStringLiteral("be brief")),
                                      message(QStringLiteral("user"), QStringLiteral("earlier question")),
                                      message(QStringLiteral("assistant"), QStringLiteral("earlier answer")),
                                      message(QStringLiteral("user"), QStringLiteral("what is 2+2?"))};
        QCOMPARE(chat(m_alice, QStringLiteral("duo_chat"), conversation).status, 200);

        const QJsonArray messages = waitForMessages(m_alice, 2);
        QCOMPARE(turns(messages), (Turns{{QStringLiteral("user"), QStringLiteral("what is 2+2?")},
                                         {QStringLiteral("assistant"), QStringLiteral("Two plus two is four.")}}));
        const QDateTime asked = QDateTime::fromString(messages.at(0).toObject().value(QStringLiteral("created_at")).toString(), Qt::ISODateWithMs);
        const QDateTime answered = QDateTime::fromString(messages.at(1).toObject().value(QStringLiteral("created_at")).toString(), Qt::ISODateWithMs);
        QVERIFY(asked.isValid());
        QVERIFY(asked.toMSecsSinceEpoch() >= before - 1000);
        QVERIFY(answered >= asked);
        const HttpResponse r = history(m_alice);
        QCOMPARE(r.header("cache-control"), QByteArray("no-store"));

        // Another user's token sees none of it, and their own turn stays theirs.
        QCOMPARE(messagesOf(m_bob).size(), 0);
        setAnswer({QStringLiteral("Hi bob")});
        QCOMPARE(chat(m_bob, QStringLiteral("duo_chat"), {message(QStringLiteral("user"), QStringLiteral("I am bob"))}).status, 200);
        QCOMPARE(turns(waitForMessages(m_bob, 2)), (Turns{{QStringLiteral("user"), QStringLiteral("I am bob")},
                                                           {QStringLiteral("assistant"), QStringLiteral("Hi bob")}}));
        QCOMPARE(messagesOf(m_alice).size(), 2);
    }

    void openAiStreamedAnswerIsAccumulated()
    {
        startGateway();
        setAnswer({QStringLiteral("Hel"), QStringLiteral("lo ✓"), QStringLiteral(" wörld")});
        const HttpResponse r = chat(m_alice, QStringLiteral("duo_chat"), {message(QStringLiteral("user"), QStringLiteral("stream please"))}, true);
        QCOMPARE(r.status, 200);
        QVERIFY(r.header("content-type").startsWith("text/event-stream"));
        QCOMPARE(turns(waitForMessages(m_alice, 2)), (Turns{{QStringLiteral("user"), QStringLiteral("stream please")},
                                                             {QStringLiteral("assistant"), QStringLiteral("Hello ✓ wörld")}}));
    }

    void notChatFeaturesAreNotKept()
    {
        startGateway();
        setAnswer({QStringLiteral("code")});
        // code_completions through the OpenAI chat endpoint is not a chat feature.
        QCOMPARE(chat(m_alice, QStringLiteral("code_completions"), {message(QStringLiteral("user"), QStringLiteral("not kept"))}).status, 200);
        setAnswer({QStringLiteral("kept")});
        QCOMPARE(chat(m_alice, QStringLiteral("duo_chat"), {message(QStringLiteral("user"), QStringLiteral("marker"))}).status, 200);
        // Records are written in order: once the later turn is there, the earlier request was handled too.
        QCOMPARE(turns(waitForMessages(m_alice, 2)), (Turns{{QStringLiteral("user"), QStringLiteral("marker")},
                                                             {QStringLiteral("assistant"), QStringLiteral("kept")}}));
    }

    void gitlabChatInvokable()
    {
        startGateway();
        setAnswer({QStringLiteral("This code "), QStringLiteral("adds numbers.")});
        HttpResponse r = gitlab(m_alice, "/v1/chat/explain_code", gl::chatBody(QStringLiteral("explain def add(a,b)")));
        QCOMPARE(r.status, 200);
        QCOMPARE(turns(waitForMessages(m_alice, 2)), (Turns{{QStringLiteral("user"), QStringLiteral("explain def add(a,b)")},
                                                             {QStringLiteral("assistant"), QStringLiteral("This code adds numbers.")}}));
        // Streamed as raw text chunks: the same text.
        setAnswer({QStringLiteral("Again: "), QStringLiteral("adds.")});
        r = gitlab(m_alice, "/v1/chat/explain_code", gl::chatBody(QStringLiteral("and again"), true));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.body, QByteArray("Again: adds."));
        const Turns all = turns(waitForMessages(m_alice, 4));
        QCOMPARE(all.mid(2), (Turns{{QStringLiteral("user"), QStringLiteral("and again")},
                                    {QStringLiteral("assistant"), QStringLiteral("Again: adds.")}}));
        // Bob sends the same X-Gitlab-Global-User-Id header as alice did: an Airlock client token is its
        // subject, whatever the header says.
        QCOMPARE(messagesOf(m_bob).size(), 0);
        HttpRequest spoof = gl::withGitLabHeaders(HttpRequest::get("/v1/chat/history"), "user-sha-1");
        QCOMPARE(history(m_bob, spoof).json().value(QStringLiteral("messages")).toArray().size(), 0);
    }

    void gitlabAgentKeepsTheQuestionAndTheFinalAnswer()
    {
        startGateway();
        setAnswer({QStringLiteral("Thought: easy\nFinal "), QStringLiteral("Answer: Hello"), QStringLiteral(", world"),
                   QStringLiteral("!")});
        HttpResponse r = gitlab(m_alice, "/v2/chat/agent", gl::agentBody(QStringLiteral("greet me")));
        QCOMPARE(r.status, 200);
        QVERIFY(r.header("content-type").startsWith("application/x-ndjson"));
        // The question as the user wrote it (not the issue context added to the prompt); the answer as the
        // client showed it (final_answer_delta texts, not the NDJSON framing or the model's "Thought").
        QCOMPARE(turns(waitForMessages(m_alice, 2)), (Turns{{QStringLiteral("user"), QStringLiteral("greet me")},
                                                             {QStringLiteral("assistant"), QStringLiteral("Hello, world!")}}));

        // A ReAct step after a tool call (scratchpad steps) adds its answer, not the question again.
        QJsonObject next = gl::agentBody(QStringLiteral("greet me"));
        next.insert(QStringLiteral("options"),
                    QJsonObject{{QStringLiteral("agent_scratchpad"),
                                 QJsonObject{{QStringLiteral("agent_type"), QStringLiteral("react")},
                                             {QStringLiteral("steps"),
                                              QJsonArray{QJsonObject{{QStringLiteral("thought"), QStringLiteral("look")},
                                                                     {QStringLiteral("tool"), QStringLiteral("issue_reader")},
                                                                     {QStringLiteral("tool_input"), QStringLiteral("#1")},
                                                                     {QStringLiteral("observation"), QStringLiteral("an issue")}}}}}}});
        setAnswer({QStringLiteral("Thought: done\nFinal Answer: It is an issue.")});
        QCOMPARE(gitlab(m_alice, "/v2/chat/agent", next).status, 200);
        const Turns all = turns(waitForMessages(m_alice, 3));
        QCOMPARE(all.size(), 3);
        QCOMPARE(all.at(2), (std::pair<QString, QString>{QStringLiteral("assistant"), QStringLiteral("It is an issue.")}));
    }

    void failedAnswerKeepsTheQuestion()
    {
        startGateway();
        m_fake->setDefaultBehavior(FakeBehavior::closeWithoutAnswer());
        const HttpResponse r = chat(m_alice, QStringLiteral("duo_chat"), {message(QStringLiteral("user"), QStringLiteral("unanswered"))});
        QCOMPARE(r.status, 502);
        setAnswer({QStringLiteral("ok")});
        QCOMPARE(chat(m_alice, QStringLiteral("duo_chat"), {message(QStringLiteral("user"), QStringLiteral("answered"))}).status, 200);
        QCOMPARE(turns(waitForMessages(m_alice, 3)), (Turns{{QStringLiteral("user"), QStringLiteral("unanswered")},
                                                             {QStringLiteral("user"), QStringLiteral("answered")},
                                                             {QStringLiteral("assistant"), QStringLiteral("ok")}}));
    }

    void longAnswerIsCapped()
    {
        startGateway();
        const QString piece(30000, QLatin1Char('x'));
        setAnswer({piece, piece, piece});
        const HttpResponse r = chat(m_alice, QStringLiteral("duo_chat"), {message(QStringLiteral("user"), QStringLiteral("long"))}, true);
        QCOMPARE(r.status, 200);
        const QJsonArray messages = waitForMessages(m_alice, 2);
        QCOMPARE(messages.size(), 2);
        QCOMPARE(messages.at(1).toObject().value(QStringLiteral("content")).toString().size(), kMaxChatTextChars);
    }

    void routeRefusals()
    {
        startGateway();
        HttpResponse r = history({});
        verifyError(r, 401, QStringLiteral("missing_token"));
        QCOMPARE(r.header("www-authenticate"), QByteArray("Bearer"));
        verifyError(history("not-a-token"), 401, QStringLiteral("malformed_token"));
        const QByteArray completionsOnly = issue(QStringLiteral("carol"), {QStringLiteral("complete_code")});
        verifyError(history(completionsOnly), 403, QStringLiteral("insufficient_scope"));
        HttpRequest post = HttpRequest::post("/v1/chat/history", "{}");
        post.withBearer(m_alice);
        QCOMPARE(TestHttpClient::fetch(m_gw->port(), post).status, 405);
    }

    void authDisabledHasNoIdentityToReadFor()
    {
        startGateway([](GatewayOptions &o) { o.authMode = QStringLiteral("disabled"); });
        setAnswer({QStringLiteral("anonymous answer")});
        HttpRequest r = gl::post("/v1/chat/explain_code", gl::chatBody(QStringLiteral("who am I")), "user-sha-1");
        QCOMPARE(TestHttpClient::fetch(m_gw->port(), r).status, 200);
        verifyError(history({}), 403, QStringLiteral("no_user_identity"));
        verifyError(history({}, gl::withGitLabHeaders(HttpRequest::get("/v1/chat/history"), "user-sha-1")), 403,
                    QStringLiteral("no_user_identity"));
    }

    void requestLogOffMeansNoHistory()
    {
        startGateway([](GatewayOptions &o) {
            o.authMode = QStringLiteral("required");
            o.logging.requestLog = false;
        });
        verifyError(history(m_alice), 404, QStringLiteral("chat_history_off"));
    }

    void redisBackendThroughTheSameRoute()
    {
        AIRLOCK_REQUIRE(m_redis.isRunning(), "redis-server (package redis-server): the Redis backend is not tested");
        const quint16 port = m_redis.port();
        startGateway([port](GatewayOptions &o) {
            o.authMode = QStringLiteral("required");
            o.logging.chatRedis = QStringLiteral("127.0.0.1:%1").arg(port);
        });
        setAnswer({QStringLiteral("from "), QStringLiteral("redis")});
        QCOMPARE(chat(m_alice, QStringLiteral("duo_chat"), {message(QStringLiteral("user"), QStringLiteral("where?"))}, true).status, 200);
        QCOMPARE(turns(waitForMessages(m_alice, 2)), (Turns{{QStringLiteral("user"), QStringLiteral("where?")},
                                                             {QStringLiteral("assistant"), QStringLiteral("from redis")}}));
        QCOMPARE(messagesOf(m_bob).size(), 0);
        QVERIFY(redisKeys("airlock:chat:*").contains("airlock:chat:airlock:alice"));
    }

    void declarativeFileLoggingSection()
    {
        // Bad sections refuse the file, naming it and the key; nothing is imported.
        const auto startWith = [&](const QByteArray &json) {
            const QString path = m_dir.filePath(QStringLiteral("airlock.json"));
            QFile f(path);
            f.open(QIODevice::WriteOnly | QIODevice::Truncate);
            f.write(json);
            f.close();
            QTemporaryDir data;
            GatewayOptions o;
            o.dataDir = data.path();
            o.configFile = path;
            o.authMode = QStringLiteral("required");
            o.adminToken = QString::fromLatin1(kAdmin);
            o.listen = ListenAddress{QHostAddress(QHostAddress::LocalHost), 0};
            o.adminListen = ListenAddress{QHostAddress(QHostAddress::LocalHost), 0};
            o.workers = 1;
            Gateway gateway(o);
            const Status st = gateway.start();
            return st ? QString() : st.error().message;
        };
        QString error = startWith("{\"models\":[],\"features\":{},\"logging\":{\"chat_history\":{\"backend\":\"redsi\"}}}");
        QVERIFY2(error.contains(QLatin1String("airlock.json")) && error.contains(QLatin1String("logging.chat_history.backend")),
                 qPrintable(error));
        error = startWith("{\"models\":[],\"features\":{},\"logging\":{\"request_logging\":false}}");
        QVERIFY2(error.contains(QLatin1String("unknown key \"logging.request_logging\"")), qPrintable(error));
        error = startWith("{\"models\":[],\"features\":{},\"logging\":{\"chat_history\":{\"redis\":\"h:1\",\"redis_password\":\"pw\"}}}");
        QVERIFY2(error.contains(QLatin1String("logging.chat_history.redis_password")) && !error.contains(QLatin1String("\"pw\"")),
                 qPrintable(error));
        QVERIFY(startWith("{\"models\":[],\"features\":{},\"logging\":{\"request_log\":true}}").isEmpty());

        // A good one applies: the request log (and chat history) off from the file.
        const QString path = m_dir.filePath(QStringLiteral("off.json"));
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        f.write("{\"models\":[],\"features\":{},\"logging\":{\"request_log\":false}}");
        f.close();
        startGateway([path](GatewayOptions &o) {
            o.authMode = QStringLiteral("required");
            o.configFile = path;
        });
        verifyError(history(m_alice), 404, QStringLiteral("chat_history_off"));
    }

    void commandLineFlags()
    {
        const auto run = [&](const QStringList &args) {
            QTemporaryDir data;
            const AirlockdRun r = runAirlockd(QStringList{QStringLiteral("--data-dir"), data.path(), QStringLiteral("--listen"),
                                                          QStringLiteral("127.0.0.1:0"), QStringLiteral("--admin-listen"),
                                                          QStringLiteral("127.0.0.1:0")}
                                              + args);
            return std::pair<int, QString>{r.exitCode, QString::fromUtf8(r.err + r.out)};
        };
        auto [code, out] = run({QStringLiteral("--help")});
        QCOMPARE(code, 0);
        for (const char *flag : {"--request-log", "--chat-history", "--chat-redis ", "--chat-redis-password-file",
                                 "--metrics-token-file"})
            QVERIFY2(out.contains(QLatin1String(flag)), flag);

        std::tie(code, out) = run({QStringLiteral("--request-log"), QStringLiteral("maybe")});
        QCOMPARE(code, 2);
        QVERIFY2(out.contains(QLatin1String("--request-log")), qPrintable(out));
        std::tie(code, out) = run({QStringLiteral("--chat-history"), QStringLiteral("memcached")});
        QCOMPARE(code, 2);
        QVERIFY2(out.contains(QLatin1String("--chat-history")), qPrintable(out));
        std::tie(code, out) = run({QStringLiteral("--chat-redis"), QStringLiteral("host:notaport")});
        QCOMPARE(code, 2);
        QVERIFY2(out.contains(QLatin1String("--chat-redis")), qPrintable(out));
        std::tie(code, out) = run({QStringLiteral("--metrics-token-file"), m_dir.filePath(QStringLiteral("missing"))});
        QCOMPARE(code, 2);
        QVERIFY2(out.contains(QLatin1String("--metrics-token-file")), qPrintable(out));
    }
};

QTEST_GUILESS_MAIN(tst_ChatHistoryApi)
#include "tst_chathistoryapi.moc"
