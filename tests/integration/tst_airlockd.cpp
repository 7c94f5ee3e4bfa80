// The airlockd binary as an admin runs it: command line, declarative import, config export, readiness,
// signals.

#include "fakemodelserver.h"
#include "gitlabrequests.h"
#include "testhttpclient.h"

#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkInterface>
#include <QProcess>
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

    static quint16 freePort()
    {
        QTcpServer s;
        s.listen(QHostAddress::LocalHost, 0);
        return s.serverPort();
    }

    QString writeFile(const QString &name, const QByteArray &content)
    {
        const QString path = m_dir.filePath(name);
        QFile f(path);
        f.open(QIODevice::WriteOnly | QIODevice::Truncate);
        f.write(content);
        return path;
    }

    struct Run
    {
        int exitCode = -1;
        QByteArray out;
        QByteArray err;
    };
    static Run run(const QStringList &args, int timeoutMs = 15000)
    {
        QProcess p;
        p.start(QStringLiteral(AIRLOCKD_PATH), args);
        if (!p.waitForFinished(timeoutMs)) {
            p.kill();
            p.waitForFinished();
        }
        return Run{p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, p.readAllStandardOutput(),
                   p.readAllStandardError()};
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
        const Run version = run({QStringLiteral("--version")});
        QCOMPARE(version.exitCode, 0);
        QVERIFY(version.out.contains("airlockd"));
        QVERIFY(QRegularExpression(QStringLiteral("\\d+\\.\\d+\\.\\d+")).match(QString::fromUtf8(version.out)).hasMatch());
        const Run help = run({QStringLiteral("--help")});
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
        const Run r = run({QStringLiteral("--config"), file, QStringLiteral("--data-dir"), m_dir.filePath(QStringLiteral("bad")),
                           QStringLiteral("--listen"), QStringLiteral("127.0.0.1:%1").arg(freePort()),
                           QStringLiteral("--admin-listen"), QStringLiteral("127.0.0.1:%1").arg(freePort())});
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

    void servesImportsExportsAndStopsOnSigterm()
    {
        FakeModelServer fake;
        const QString config = writeFile(QStringLiteral("airlock.json"), configFor(fake.baseUrl()));
        const QString dataDir = m_dir.filePath(QStringLiteral("data"));
        const quint16 port = freePort();
        const quint16 adminPort = freePort();
        QProcess gateway;
        gateway.setProcessChannelMode(QProcess::SeparateChannels);
        // The admin token from the environment (else a bootstrap token is printed once at first start;
        // tests/auth/tst_authcli covers that). Auth is off here: tests/auth covers tokens.
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("AIRLOCK_ADMIN_TOKEN"), QStringLiteral("cli-admin-token"));
        gateway.setProcessEnvironment(env);
        QElapsedTimer started;
        started.start();
        gateway.start(QStringLiteral(AIRLOCKD_PATH),
                      {QStringLiteral("--config"), config, QStringLiteral("--data-dir"), dataDir, QStringLiteral("--listen"),
                       QStringLiteral("127.0.0.1:%1").arg(port), QStringLiteral("--admin-listen"),
                       QStringLiteral("127.0.0.1:%1").arg(adminPort), QStringLiteral("--workers"), QStringLiteral("2"),
                       QStringLiteral("--auth"), QStringLiteral("disabled")});
        QVERIFY(waitUntil([&] { return gateway.canReadLine() || gateway.state() == QProcess::NotRunning; }, 10000));
        const QByteArray ready = gateway.readLine();
        const QByteArray expected = "listening on 127.0.0.1:" + QByteArray::number(port);
        QVERIFY2(ready.contains(expected), ready.constData());
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

        gateway.terminate(); // SIGTERM: a clean stop
        QVERIFY(gateway.waitForFinished(10000));
        QCOMPARE(gateway.exitStatus(), QProcess::NormalExit);
        QCOMPARE(gateway.exitCode(), 0);

        // config export: the same configuration, secrets left out.
        const Run exported = run({QStringLiteral("config"), QStringLiteral("export"), QStringLiteral("--data-dir"), dataDir});
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
        {
            QTcpServer probe;
            if (!probe.listen(QHostAddress::Any, kDefaultAdminPort))
                QSKIP("port 5053 is taken on this machine: the default admin address cannot be tried");
        }
        const quint16 port = freePort();
        QProcess gateway;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("AIRLOCK_ADMIN_TOKEN"), QStringLiteral("cli-admin-token"));
        gateway.setProcessEnvironment(env);
        gateway.start(QStringLiteral(AIRLOCKD_PATH),
                      {QStringLiteral("--data-dir"), m_dir.filePath(QStringLiteral("default-admin")), QStringLiteral("--listen"),
                       QStringLiteral("127.0.0.1:%1").arg(port), QStringLiteral("--workers"), QStringLiteral("1")});
        QVERIFY(waitUntil([&] { return gateway.canReadLine() || gateway.state() == QProcess::NotRunning; }, 10000));
        const QByteArray ready = gateway.readLine();
        QVERIFY2(ready.contains("admin API on 127.0.0.1:5053"), QByteArray(ready + gateway.readAllStandardError()).constData());
        const HttpResponse info = TestHttpClient::fetch(kDefaultAdminPort, HttpRequest::get("/api/v1/info").withBearer("cli-admin-token"));
        QCOMPARE(info.status, 200);
        QCOMPARE(info.json().value(QStringLiteral("name")).toString(), QStringLiteral("airlockd"));

        // Not reachable through any other address of the machine (while a listener on all addresses is).
        QHostAddress other;
        for (const QHostAddress &a : QNetworkInterface::allAddresses()) {
            if (!a.isLoopback() && !a.isLinkLocal() && a.protocol() == QAbstractSocket::IPv4Protocol) {
                other = a;
                break;
            }
        }
        const auto accepts = [](const QHostAddress &host, quint16 to) {
            QTcpSocket socket;
            socket.connectToHost(host, to);
            waitUntil([&] { return socket.state() == QAbstractSocket::ConnectedState || socket.state() == QAbstractSocket::UnconnectedState; },
                      5000);
            return socket.state() == QAbstractSocket::ConnectedState;
        };
        if (!other.isNull()) {
            QTcpServer everywhere;
            QVERIFY(everywhere.listen(QHostAddress::AnyIPv4, 0));
            QVERIFY(accepts(other, everywhere.serverPort()));
            QVERIFY2(!accepts(other, kDefaultAdminPort), qPrintable(other.toString()));
        }

        gateway.terminate();
        QVERIFY(gateway.waitForFinished(10000));
        QCOMPARE(gateway.exitCode(), 0);
        if (other.isNull())
            QSKIP("no non-loopback address here: only the bound address was checked");
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
        const Run issued = run({QStringLiteral("token"), QStringLiteral("issue"), QStringLiteral("--data-dir"), dataDir,
                                QStringLiteral("--subject"), QStringLiteral("user-sha-1"), QStringLiteral("--scopes"),
                                QStringLiteral("complete_code,generate_code,duo_chat"), QStringLiteral("--ttl"), QStringLiteral("1h")});
        QCOMPARE(issued.exitCode, 0);
        const QByteArray token = issued.out.trimmed();
        QVERIFY(token.count('.') == 2);

        const quint16 port = freePort();
        QProcess gateway;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("AIRLOCK_ADMIN_TOKEN"), QStringLiteral("cli-admin-token"));
        gateway.setProcessEnvironment(env);
        gateway.start(QStringLiteral(AIRLOCKD_PATH),
                      {QStringLiteral("--config"), config, QStringLiteral("--data-dir"), dataDir, QStringLiteral("--listen"),
                       QStringLiteral("127.0.0.1:%1").arg(port), QStringLiteral("--admin-listen"),
                       QStringLiteral("127.0.0.1:%1").arg(freePort())});
        QVERIFY(waitUntil([&] { return gateway.canReadLine() || gateway.state() == QProcess::NotRunning; }, 10000));
        QVERIFY2(gateway.readLine().contains("listening"), gateway.readAllStandardError().constData());

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

        gateway.terminate();
        QVERIFY(gateway.waitForFinished(10000));
        QCOMPARE(gateway.exitCode(), 0);
    }
};

QTEST_MAIN(tst_Airlockd)
#include "tst_airlockd.moc"
