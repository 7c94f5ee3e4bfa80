// The airlockd binary as an admin runs it: command line, declarative import, config export, readiness,
// signals.

#include "airlockdprocess.h"
#include "fakemodelserver.h"
#include "gitlabrequests.h"
#include "ports.h"
#include "prerequisite.h"
#include "testhttpclient.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

using namespace airlock::test;

class tst_Airlockd : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;

    QString writeFile(const QString &name, const QByteArray &content)
    {
        const QString path = m_dir.filePath(name);
        QFile f(path);
        f.open(QIODevice::WriteOnly | QIODevice::Truncate);
        f.write(content);
        return path;
    }

    static AirlockdRun run(const QStringList &args) { return runAirlockd(args); }

    // airlockd on ports it picks itself (reported on its ready line), the admin token from the environment.
    static AirlockdProcess::Options options(const QString &dataDir, const QString &config = {})
    {
        AirlockdProcess::Options o;
        o.dataDir = dataDir;
        o.config = config;
        o.env.insert(QStringLiteral("AIRLOCK_ADMIN_TOKEN"), QStringLiteral("cli-admin-token"));
        return o;
    }

    QByteArray configFor(const QUrl &base, const QByteArray &extra = {})
    {
        return "{\"models\":[{\"name\":\"codestral-a\",\"family\":\"codestral\",\"base_url\":\"" + base.toString().toUtf8()
            + "\",\"identifier\":\"codestral-22b\",\"api_key\":\"sk-cli-secret\",\"max_concurrency\":8,"
              "\"timeouts_ms\":{\"connect\":2000,\"first_byte\":30000,\"idle\":30000,\"total\":120000}}],"
              "\"features\":{\"code_completions\":\"codestral-a\",\"duo_chat\":\"disabled\"}"
            + extra + "}";
    }

private Q_SLOTS:
    void versionAndHelp()
    {
        const AirlockdRun version = run({QStringLiteral("--version")});
        QCOMPARE(version.exitCode, 0);
        QVERIFY(version.out.contains("airlockd"));
        QVERIFY(QRegularExpression(QStringLiteral("\\d+\\.\\d+\\.\\d+")).match(QString::fromUtf8(version.out)).hasMatch());
        const AirlockdRun help = run({QStringLiteral("--help")});
        QCOMPARE(help.exitCode, 0);
        for (const char *option : {"--config", "--data-dir", "--listen", "--admin-listen", "--workers"})
            QVERIFY2(help.out.contains(option), option);
    }

    void badDeclarativeFilesNameTheProblem_data()
    {
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<QByteArray>("mention");
        QTest::newRow("unknown top-level key") << QByteArray("{\"models\":[],\"modles\":[]}") << QByteArray("modles");
        QTest::newRow("unknown model key")
            << QByteArray("{\"models\":[{\"name\":\"a\",\"family\":\"mistral\",\"base_url\":\"http://h:1\",\"identifier\":\"m\",\"colour\":\"red\"}]}")
            << QByteArray("models[0].colour");
        QTest::newRow("unknown model for feature")
            << QByteArray("{\"models\":[],\"features\":{\"code_completions\":\"ghost\"}}") << QByteArray("ghost");
        QTest::newRow("not json") << QByteArray("{models:") << QByteArray("not valid JSON");
    }
    void badDeclarativeFilesNameTheProblem()
    {
        QFETCH(QByteArray, content);
        QFETCH(QByteArray, mention);
        const QString file = writeFile(QStringLiteral("bad.json"), content);
        const AirlockdRun r = run({QStringLiteral("--config"), file, QStringLiteral("--data-dir"), m_dir.filePath(QStringLiteral("bad")),
                           QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"),
                           QStringLiteral("--admin-listen"), QStringLiteral("127.0.0.1:0")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(mention), r.err.constData());
        if (QByteArray(QTest::currentDataTag()) == "unknown model for feature")
            QVERIFY2(r.err.contains("code_completions"), r.err.constData());
    }

    void badArguments()
    {
        QCOMPARE(run({QStringLiteral("--listen"), QStringLiteral("nowhere")}).exitCode, 2);
        QCOMPARE(run({QStringLiteral("--workers"), QStringLiteral("-3")}).exitCode, 2);
        QCOMPARE(run({QStringLiteral("frobnicate")}).exitCode, 2);
    }

    void commandLineErrorsNameTheOption_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QByteArray>("message"); // stderr's last line
        QTest::addColumn<int>("exitCode");       // QCommandLineParser's own refusals exit 1, airlockd's 2
        QTest::newRow("unknown option") << QStringList{QStringLiteral("--frobnicate")}
                                        << QByteArray("airlockd: Unknown option 'frobnicate'.") << 1;
        QTest::newRow("unknown option of a subcommand")
            << QStringList{QStringLiteral("token"), QStringLiteral("list"), QStringLiteral("--owner"), QStringLiteral("x")}
            << QByteArray("airlockd: Unknown option 'owner'.") << 1;
        QTest::newRow("option without its value") << QStringList{QStringLiteral("--listen")}
                                                  << QByteArray("airlockd: Missing value after '--listen'.") << 1;
        QTest::newRow("listen") << QStringList{QStringLiteral("--listen"), QStringLiteral("nowhere")}
                                << QByteArray("airlockd: --listen must be HOST:PORT (e.g. 0.0.0.0:5052, [::1]:5052), got \"nowhere\"") << 2;
        QTest::newRow("admin-listen") << QStringList{QStringLiteral("--admin-listen"), QStringLiteral("127.0.0.1:70000")}
                                      << QByteArray("airlockd: --admin-listen must be HOST:PORT (e.g. 0.0.0.0:5052, [::1]:5052), got \"127.0.0.1:70000\"") << 2;
        QTest::newRow("workers") << QStringList{QStringLiteral("--workers"), QStringLiteral("-3")}
                                 << QByteArray("airlockd: --workers must be a number from 0 (one per core) to 1024") << 2;
        QTest::newRow("shutdown-grace") << QStringList{QStringLiteral("--shutdown-grace"), QStringLiteral("-1")}
                                        << QByteArray("airlockd: --shutdown-grace must be a number of seconds from 0 to 3600") << 2;
        QTest::newRow("shutdown-grace not a number") << QStringList{QStringLiteral("--shutdown-grace"), QStringLiteral("soon")}
                                                     << QByteArray("airlockd: --shutdown-grace must be a number of seconds from 0 to 3600") << 2;
        QTest::newRow("max-request-bytes") << QStringList{QStringLiteral("--max-request-bytes"), QStringLiteral("100")}
                                           << QByteArray("airlockd: --max-request-bytes must be a number of at least 1024") << 2;
        QTest::newRow("completion-cache") << QStringList{QStringLiteral("--completion-cache"), QStringLiteral("many")}
                                          << QByteArray("airlockd: --completion-cache must be a number of entries (0 turns the cache off)") << 2;
        QTest::newRow("completion-cache-scope")
            << QStringList{QStringLiteral("--completion-cache-scope"), QStringLiteral("everyone")}
            << QByteArray("airlockd: --completion-cache-scope must be \"user\", \"shared\" or \"off\", not \"everyone\"") << 2;
        QTest::newRow("auth") << QStringList{QStringLiteral("--auth"), QStringLiteral("maybe")}
                              << QByteArray("airlockd: --auth must be \"required\" or \"disabled\"") << 2;
        QTest::newRow("request-log") << QStringList{QStringLiteral("--request-log"), QStringLiteral("yes")}
                                     << QByteArray("airlockd: --request-log must be \"on\" or \"off\", not \"yes\"") << 2;
        QTest::newRow("unknown command") << QStringList{QStringLiteral("frobnicate"), QStringLiteral("now")}
                                         << QByteArray("airlockd: unknown command \"frobnicate now\"; see --help") << 2;
        QTest::newRow("token issue --ttl")
            << QStringList{QStringLiteral("token"), QStringLiteral("issue"), QStringLiteral("--subject"), QStringLiteral("ide"),
                           QStringLiteral("--scopes"), QStringLiteral("complete_code"), QStringLiteral("--ttl"), QStringLiteral("soon")}
            << QByteArray("airlockd: --ttl: ttl must be seconds or a number with s, m, h or d (\"30d\")") << 2;
    }
    void commandLineErrorsNameTheOption()
    {
        QFETCH(QStringList, args);
        QFETCH(QByteArray, message);
        QFETCH(int, exitCode);
        // Gateway options are checked before anything listens; a subcommand works on this data dir.
        const AirlockdRun r = run(QStringList{QStringLiteral("--data-dir"), m_dir.filePath(QStringLiteral("args"))} + args);
        QCOMPARE(r.exitCode, exitCode);
        QCOMPARE(r.err.trimmed().split('\n').last(), message);
    }

    void subcommandsTakeTheirOptions()
    {
        const QString dataDir = m_dir.filePath(QStringLiteral("subcommands"));
        const AirlockdRun issued = run({QStringLiteral("token"), QStringLiteral("issue"), QStringLiteral("--data-dir"), dataDir,
                                        QStringLiteral("--subject"), QStringLiteral("ide-42"), QStringLiteral("--scopes"),
                                        QStringLiteral("complete_code, duo_chat"), QStringLiteral("--ttl"), QStringLiteral("2h"),
                                        QStringLiteral("--description"), QStringLiteral("for the build farm")});
        QCOMPARE(issued.exitCode, 0);
        QVERIFY2(issued.err.contains("for ide-42 (scopes complete_code,duo_chat)"), issued.err.constData());
        const AirlockdRun listed = run({QStringLiteral("token"), QStringLiteral("list"), QStringLiteral("--data-dir"), dataDir});
        QCOMPARE(listed.exitCode, 0);
        const QJsonArray tokens = QJsonDocument::fromJson(listed.out).array();
        QCOMPARE(tokens.size(), 1);
        const QJsonObject token = tokens.at(0).toObject();
        QCOMPARE(token.value(QStringLiteral("subject")).toString(), QStringLiteral("ide-42"));
        QCOMPARE(token.value(QStringLiteral("description")).toString(), QStringLiteral("for the build farm"));
        QCOMPARE(token.value(QStringLiteral("expires_at")).toInteger() - token.value(QStringLiteral("issued_at")).toInteger(), 7200);

        const AirlockdRun missing = run({QStringLiteral("token"), QStringLiteral("issue"), QStringLiteral("--data-dir"), dataDir,
                                         QStringLiteral("--scopes"), QStringLiteral("complete_code")});
        QCOMPARE(missing.exitCode, 2);
        QVERIFY2(missing.err.trimmed().endsWith("(use --subject, --scopes a,b and --ttl)"), missing.err.constData());

        const QString exported = m_dir.filePath(QStringLiteral("exported.json"));
        const AirlockdRun exportRun = run({QStringLiteral("config"), QStringLiteral("export"), QStringLiteral("--data-dir"), dataDir,
                                           QStringLiteral("--output"), exported});
        QCOMPARE(exportRun.exitCode, 0);
        QFile file(exported);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QVERIFY(QJsonDocument::fromJson(file.readAll()).object().contains(QStringLiteral("models")));
    }

    void servesImportsExportsAndStopsOnSigterm()
    {
        FakeModelServer fake;
        const QString config = writeFile(QStringLiteral("airlock.json"), configFor(fake.baseUrl()));
        const QString dataDir = m_dir.filePath(QStringLiteral("data"));
        // The admin token from the environment (else a bootstrap token is printed once at first start;
        // tests/auth/tst_authcli covers that). Auth is off here: tests/auth covers tokens.
        AirlockdProcess gateway;
        AirlockdProcess::Options o = options(dataDir, config);
        o.workers = 2;
        o.args = {QStringLiteral("--auth"), QStringLiteral("disabled")};
        QVERIFY2(gateway.start(o), qPrintable(gateway.errorMessage()));
        const quint16 port = gateway.port();
        const quint16 adminPort = gateway.adminPort();
        const QByteArray ready = gateway.readyLine();
        QVERIFY2(ready.contains(QByteArray("listening on 127.0.0.1:" + QByteArray::number(port) + " (")), ready.constData());
        QVERIFY(port != 0);
        QVERIFY(ready.contains("2 workers"));

        const HttpResponse r = TestHttpClient::fetch(
            port, HttpRequest::post("/v1/chat/completions",
                                    "{\"model\":\"code_completions\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"));
        QCOMPARE(r.status, 200);
        QCOMPARE(fake.lastRequest().model, QStringLiteral("codestral-22b"));

        // The admin API answers with the token from the environment; only a salted hash is on disk
        // (written in the background after start: auth/admincredential.h).
        QFile hashFile(dataDir + QStringLiteral("/admin-token.hash"));
        QVERIFY(waitUntil([&] { return hashFile.size() > 0; }, 60000));
        QVERIFY(hashFile.open(QIODevice::ReadOnly));
        QCOMPARE(hashFile.permissions() & (QFileDevice::ReadGroup | QFileDevice::ReadOther), QFileDevice::Permissions());
        const QByteArray token = "cli-admin-token";
        QVERIFY(!hashFile.readAll().contains(token));
        const HttpResponse info = TestHttpClient::fetch(adminPort, HttpRequest::get("/api/v1/info").withBearer(token));
        QCOMPARE(info.status, 200);
        QCOMPARE(info.json().value(QStringLiteral("name")).toString(), QStringLiteral("airlockd"));
        QCOMPARE(TestHttpClient::fetch(adminPort, HttpRequest::get("/api/v1/info")).status, 401);
        QCOMPARE(TestHttpClient::fetch(adminPort, HttpRequest::get("/api/v1/info").withBearer("wrong")).status, 401);

        QVERIFY2(gateway.stop(), gateway.standardError().constData()); // SIGTERM: a clean stop, exit code 0

        // config export: the same configuration, secrets left out.
        const AirlockdRun exported = run({QStringLiteral("config"), QStringLiteral("export"), QStringLiteral("--data-dir"), dataDir});
        QCOMPARE(exported.exitCode, 0);
        QVERIFY(!exported.out.contains("sk-cli-secret"));
        const QJsonObject json = QJsonDocument::fromJson(exported.out).object();
        const QJsonObject model = json.value(QStringLiteral("models")).toArray().at(0).toObject();
        QCOMPARE(model.value(QStringLiteral("name")).toString(), QStringLiteral("codestral-a"));
        QCOMPARE(model.value(QStringLiteral("identifier")).toString(), QStringLiteral("codestral-22b"));
        QCOMPARE(model.value(QStringLiteral("max_concurrency")).toInt(), 8);
        QVERIFY(!model.contains(QStringLiteral("api_key")));
        QCOMPARE(json.value(QStringLiteral("features")).toObject().value(QStringLiteral("duo_chat")).toString(),
                 QStringLiteral("disabled"));
    }
    // Issue 4, item 5: without --admin-listen the admin API binds 127.0.0.1:5053 and nothing else.
    void adminApiListensOnLoopbackByDefault()
    {
        constexpr quint16 kDefaultAdminPort = 5053;
        // Not reachable through any other address of the machine: needs one to try.
        const QHostAddress other = nonLoopbackIPv4Address();
        AIRLOCK_REQUIRE(!other.isNull(), "a non-loopback IPv4 address on this machine (QNetworkInterface)");
        {
            QTcpServer probe;
            AIRLOCK_REQUIRE(probe.listen(QHostAddress::Any, kDefaultAdminPort),
                            "a free port 5053 (airlockd's default admin port) on this machine");
        }
        AirlockdProcess gateway;
        AirlockdProcess::Options o = options(m_dir.filePath(QStringLiteral("default-admin")));
        o.adminListen.clear(); // airlockd's default
        QVERIFY2(gateway.start(o), qPrintable(gateway.errorMessage()));
        const QByteArray ready = gateway.readyLine();
        QVERIFY2(ready.contains("admin API on 127.0.0.1:5053"), QByteArray(ready + gateway.standardError()).constData());
        QCOMPARE(gateway.adminPort(), kDefaultAdminPort);
        const HttpResponse info = TestHttpClient::fetch(kDefaultAdminPort, HttpRequest::get("/api/v1/info").withBearer("cli-admin-token"));
        QCOMPARE(info.status, 200);
        QCOMPARE(info.json().value(QStringLiteral("name")).toString(), QStringLiteral("airlockd"));

        // Not reachable through any other address of the machine (while a listener on all addresses is).
        const auto accepts = [](const QHostAddress &host, quint16 to) {
            QTcpSocket socket;
            socket.connectToHost(host, to);
            waitUntil([&] { return socket.state() == QAbstractSocket::ConnectedState || socket.state() == QAbstractSocket::UnconnectedState; },
                      5000);
            return socket.state() == QAbstractSocket::ConnectedState;
        };
        QTcpServer everywhere;
        QVERIFY(everywhere.listen(QHostAddress::AnyIPv4, 0));
        QVERIFY(accepts(other, everywhere.serverPort()));
        QVERIFY2(!accepts(other, kDefaultAdminPort), qPrintable(other.toString()));

        QVERIFY2(gateway.stop(), gateway.standardError().constData());
    }

    // GitLab-shaped traffic end to end: an IDE's direct-access token issued by airlockd, GitLab's headers
    // and bodies, through a real HTTP client to the running binary, answered by the fake model server.
    void gitlabShapedRequestsEndToEnd()
    {
        namespace gl = airlock::test::gitlab;
        FakeModelServer fake;
        const QString dataDir = m_dir.filePath(QStringLiteral("gitlab-e2e"));
        const QString config = writeFile(
            QStringLiteral("gitlab.json"),
            configFor(fake.baseUrl()).replace("\"duo_chat\":\"disabled\"",
                                              "\"duo_chat\":\"codestral-a\",\"duo_chat_explain_code\":\"codestral-a\","
                                              "\"code_generations\":\"codestral-a\""));
        const AirlockdRun issued = run({QStringLiteral("token"), QStringLiteral("issue"), QStringLiteral("--data-dir"), dataDir,
                                QStringLiteral("--subject"), QStringLiteral("user-sha-1"), QStringLiteral("--scopes"),
                                QStringLiteral("complete_code,generate_code,duo_chat"), QStringLiteral("--ttl"), QStringLiteral("1h")});
        QCOMPARE(issued.exitCode, 0);
        const QByteArray token = issued.out.trimmed();
        QVERIFY(token.count('.') == 2);

        AirlockdProcess gateway;
        AirlockdProcess::Options o = options(dataDir, config);
        o.workers = 0; // airlockd's default
        QVERIFY2(gateway.start(o), qPrintable(gateway.errorMessage()));
        QVERIFY(gateway.readyLine().contains("listening"));
        const quint16 port = gateway.port();

        // No token: GitLab's 401 shape.
        const HttpResponse refused = TestHttpClient::fetch(port, gl::post("/v2/code/completions", gl::completionBody()));
        QCOMPARE(refused.status, 401);
        QVERIFY(refused.json().value(QStringLiteral("error")).isString());

        FakeBehavior answer = FakeBehavior::answer(1);
        answer.chunkTexts = {QStringLiteral("return a + b")};
        fake.setDefaultBehavior(answer);
        const HttpResponse completion
            = TestHttpClient::fetch(port, gl::post("/v2/code/completions", gl::completionBody()).withBearer(token));
        QVERIFY2(completion.status == 200, completion.body.constData());
        QVERIFY(completion.hasHeader("x-process-time"));
        QCOMPARE(completion.json().value(QStringLiteral("choices")).toArray().at(0).toObject().value(QStringLiteral("text")).toString(),
                 QStringLiteral("return a + b"));
        QCOMPARE(fake.lastRequest().model, QStringLiteral("codestral-22b"));

        const HttpResponse chat = TestHttpClient::fetch(
            port, gl::post("/v1/chat/explain_code", gl::chatBody(QStringLiteral("explain this"))).withBearer(token));
        QCOMPARE(chat.status, 200);
        QCOMPARE(chat.json().value(QStringLiteral("response")).toString(), QStringLiteral("return a + b"));

        const HttpResponse health = TestHttpClient::fetch(port, HttpRequest::get("/monitoring/healthz"));
        QCOMPARE(health.status, 200);
        const HttpResponse ready = TestHttpClient::fetch(port, HttpRequest::get("/monitoring/ready"));
        QCOMPARE(ready.status, 200);

        QVERIFY2(gateway.stop(), gateway.standardError().constData());
    }
};

QTEST_MAIN(tst_Airlockd)
#include "tst_airlockd.moc"
