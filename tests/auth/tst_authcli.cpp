// airlockd as an admin runs it, for auth: the bootstrap admin token printed once at first start (the
// admin API accepting it at once, its hash stored off the start path, also when stopped right away),
// client tokens issued/listed/revoked from the command line and used against the running gateway (a CLI
// revocation in force for the very next request, no signal, no wait), the "auth disabled" lab mode from
// --auth and from the declarative file (announced loudly).

#include "airlockdprocess.h"
#include "fakemodelserver.h"
#include "testhttpclient.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

using namespace airlock::test;

class tst_AuthCli : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    int m_configFiles = 0;

    static AirlockdRun run(const QStringList &args) { return runAirlockd(args); }

    QString configFile(const QUrl &base, const QByteArray &extra = {})
    {
        const QString path = m_dir.filePath(QStringLiteral("airlock-%1.json").arg(++m_configFiles));
        QFile f(path);
        f.open(QIODevice::WriteOnly);
        f.write("{\"models\":[{\"name\":\"m\",\"family\":\"codestral\",\"base_url\":\"" + base.toString().toUtf8()
                + "\",\"identifier\":\"served\",\"api_key\":\"sk-cli\"}],\"features\":{\"code_completions\":\"m\"}" + extra + "}");
        return path;
    }

    // airlockd with no admin token in its environment (so the first start prints a bootstrap token), on
    // ports it picks and reports. Check started() before use.
    struct Gateway
    {
        std::unique_ptr<AirlockdProcess> process = std::make_unique<AirlockdProcess>();
        bool started = false;
        quint16 port = 0;
        quint16 adminPort = 0;
        QByteArray ready;
        QByteArray err; // stderr up to the ready line
    };
    Gateway startGateway(const QString &dataDir, const QString &config, const QStringList &extra = {})
    {
        Gateway g;
        AirlockdProcess::Options o;
        o.dataDir = dataDir;
        o.config = config;
        o.args = extra;
        o.env.remove(QStringLiteral("AIRLOCK_ADMIN_TOKEN"));
        g.started = g.process->start(o);
        if (!g.started)
            qWarning().noquote() << g.process->errorMessage();
        g.port = g.process->port();
        g.adminPort = g.process->adminPort();
        g.ready = g.process->readyLine();
        g.err = g.process->standardError();
        return g;
    }
    static void stop(Gateway &g) { g.process->stop(); }

    static HttpResponse chat(quint16 port, const QByteArray &token)
    {
        HttpRequest r = HttpRequest::post("/v1/chat/completions",
                                          "{\"model\":\"code_completions\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        if (!token.isEmpty())
            r.withBearer(token);
        return TestHttpClient::fetch(port, r);
    }

private Q_SLOTS:
    void bootstrapTokenPrintedOnceAndTokensFromTheCli()
    {
        FakeModelServer fake;
        const QString dataDir = m_dir.filePath(QStringLiteral("data"));
        Gateway g = startGateway(dataDir, configFile(fake.baseUrl()));
        QVERIFY(g.started);
        QVERIFY2(g.ready.contains("auth required"), g.ready.constData());
        const QRegularExpression tokenLine(QStringLiteral("bootstrap token is\\s+(\\S+)"));
        QVERIFY(g.process->waitForStandardError("bootstrap token is"));
        const auto match = tokenLine.match(QString::fromUtf8(g.process->standardError()));
        QVERIFY2(match.hasMatch(), g.err.constData());
        const QByteArray bootstrap = match.captured(1).toUtf8();
        // The admin API takes the token from the first request on, whether or not its hash is stored yet.
        QCOMPARE(TestHttpClient::fetch(g.adminPort, HttpRequest::get("/api/v1/info").withBearer(bootstrap)).status, 200);
        QCOMPARE(chat(g.port, {}).status, 401);
        // The slow hash is written in the background, after the listeners are up.
        const QString hashFile = dataDir + QStringLiteral("/admin-token.hash");
        QVERIFY(waitUntil([&] { return QFile::exists(hashFile) && QFileInfo(hashFile).size() > 0; }, 60000));
        {
            QFile hash(hashFile);
            QVERIFY(hash.open(QIODevice::ReadOnly));
            const QByteArray stored = hash.readAll();
            QVERIFY2(stored.startsWith("pbkdf2-sha256$200000$"), stored.constData());
            QVERIFY(!stored.contains(bootstrap));
        }
        QCOMPARE(TestHttpClient::fetch(g.adminPort, HttpRequest::get("/api/v1/info").withBearer(bootstrap)).status, 200);

        // Issued offline against the same data dir while the gateway runs.
        const AirlockdRun issued = run({QStringLiteral("token"), QStringLiteral("issue"), QStringLiteral("--data-dir"), dataDir,
                                QStringLiteral("--subject"), QStringLiteral("vscode-alice"), QStringLiteral("--scopes"),
                                QStringLiteral("complete_code,generate_code"), QStringLiteral("--ttl"), QStringLiteral("7d")});
        QCOMPARE(issued.exitCode, 0);
        const QByteArray token = issued.out.trimmed();
        QCOMPARE(token.count('.'), 2);
        QVERIFY(issued.err.contains("shown only now"));
        QCOMPARE(chat(g.port, token).status, 200);
        const AirlockdRun issued2 = run({QStringLiteral("token"), QStringLiteral("issue"), QStringLiteral("--data-dir"), dataDir,
                                 QStringLiteral("--subject"), QStringLiteral("vscode-bob"), QStringLiteral("--scopes"),
                                 QStringLiteral("complete_code"), QStringLiteral("--ttl"), QStringLiteral("1d")});
        QCOMPARE(issued2.exitCode, 0);
        const QByteArray token2 = issued2.out.trimmed();
        QCOMPARE(chat(g.port, token2).status, 200);

        const AirlockdRun listed = run({QStringLiteral("token"), QStringLiteral("list"), QStringLiteral("--data-dir"), dataDir});
        QCOMPARE(listed.exitCode, 0);
        QVERIFY(!listed.out.contains(token.split('.').at(2)));
        QString id, id2;
        for (const QJsonValue &v : QJsonDocument::fromJson(listed.out).array()) {
            const QJsonObject entry = v.toObject();
            (entry.value(QStringLiteral("subject")).toString() == QLatin1String("vscode-alice") ? id : id2) =
                entry.value(QStringLiteral("id")).toString();
        }
        QVERIFY(!id.isEmpty() && !id2.isEmpty());

        // A revocation by another process is in force for the very next request: no SIGHUP, no waiting.
        const auto expectRevoked = [&](const QByteArray &t) {
            const HttpResponse r = chat(g.port, t);
            QCOMPARE(r.status, 401);
            QCOMPARE(r.json().value(QStringLiteral("error")).toObject().value(QStringLiteral("code")).toString(), QStringLiteral("revoked"));
            QVERIFY2(r.body.contains("revoked"), r.body.constData());
        };
        const AirlockdRun revoked = run({QStringLiteral("token"), QStringLiteral("revoke"), id, QStringLiteral("--data-dir"), dataDir});
        QVERIFY2(revoked.exitCode == 0, revoked.err.constData());
        expectRevoked(token);
        QCOMPARE(chat(g.port, token2).status, 200); // the other token is untouched
        // "--" ends the options, as the usage says for an id that starts with '-'.
        const AirlockdRun revoked2 = run({QStringLiteral("token"), QStringLiteral("revoke"), QStringLiteral("--data-dir"), dataDir,
                                          QStringLiteral("--"), id2});
        QVERIFY2(revoked2.exitCode == 0, revoked2.err.constData());
        expectRevoked(token2);
        expectRevoked(token);
        QVERIFY(g.process->isRunning());
        QCOMPARE(run({QStringLiteral("token"), QStringLiteral("issue"), QStringLiteral("--data-dir"), dataDir}).exitCode, 2);
        stop(g);

        // The second start prints no token; the bootstrap token keeps working.
        Gateway again = startGateway(dataDir, configFile(fake.baseUrl()));
        QVERIFY(again.started);
        QVERIFY(!again.err.contains("bootstrap"));
        QCOMPARE(TestHttpClient::fetch(again.adminPort, HttpRequest::get("/api/v1/info").withBearer(bootstrap)).status, 200);
        stop(again);
        QFile hash(dataDir + QStringLiteral("/admin-token.hash"));
        QVERIFY(hash.open(QIODevice::ReadOnly));
        QVERIFY(!hash.readAll().contains(bootstrap));
    }

    void bootstrapHashStoredEvenWhenStoppedAtOnce()
    {
        FakeModelServer fake;
        const QString dataDir = m_dir.filePath(QStringLiteral("quick-stop"));
        Gateway g = startGateway(dataDir, configFile(fake.baseUrl()));
        QVERIFY(g.started);
        QVERIFY2(g.ready.contains("listening"), g.ready.constData());
        // SIGTERM right after "listening": the background hash is still finished and stored.
        QVERIFY2(g.process->stop(), g.process->standardError().constData()); // a normal exit
        const QRegularExpression tokenLine(QStringLiteral("bootstrap token is\\s+(\\S+)"));
        const auto match = tokenLine.match(QString::fromUtf8(g.process->standardError()));
        QVERIFY(match.hasMatch());
        QFile hash(dataDir + QStringLiteral("/admin-token.hash"));
        QVERIFY(hash.open(QIODevice::ReadOnly));
        QVERIFY(hash.readAll().startsWith("pbkdf2-sha256$200000$"));
        Gateway again = startGateway(dataDir, configFile(fake.baseUrl()));
        QVERIFY(again.started);
        QVERIFY(!again.err.contains("bootstrap"));
        QCOMPARE(TestHttpClient::fetch(again.adminPort, HttpRequest::get("/api/v1/info").withBearer(match.captured(1).toUtf8())).status, 200);
        stop(again);
    }

    void disabledModeAnnounced_data()
    {
        QTest::addColumn<bool>("fromFile");
        QTest::newRow("--auth disabled") << false;
        QTest::newRow("\"auth\":{\"mode\":\"disabled\"} in the file") << true;
    }
    void disabledModeAnnounced()
    {
        QFETCH(bool, fromFile);
        FakeModelServer fake;
        const QString dataDir = m_dir.filePath(QStringLiteral("lab-%1").arg(fromFile));
        const QString config = configFile(fake.baseUrl(), fromFile ? QByteArray(",\"auth\":{\"mode\":\"disabled\"}") : QByteArray());
        Gateway g = startGateway(dataDir, config, fromFile ? QStringList() : QStringList{QStringLiteral("--auth"), QStringLiteral("disabled")});
        QVERIFY(g.started);
        QVERIFY2(g.ready.contains("auth DISABLED"), g.ready.constData());
        QVERIFY2(g.process->waitForStandardError("AUTHENTICATION IS DISABLED"), g.process->standardError().constData());
        QCOMPARE(chat(g.port, {}).status, 200);
        stop(g);
    }

    void badAuthSectionNamesTheField()
    {
        FakeModelServer fake;
        const AirlockdRun r = run({QStringLiteral("--config"), configFile(fake.baseUrl(), ",\"auth\":{\"mode\":\"sometimes\"}"),
                           QStringLiteral("--data-dir"), m_dir.filePath(QStringLiteral("bad")), QStringLiteral("--listen"),
                           QStringLiteral("127.0.0.1:0"), QStringLiteral("--admin-listen"), QStringLiteral("127.0.0.1:0")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("auth.mode"), r.err.constData());
    }
};

QTEST_MAIN(tst_AuthCli)
#include "tst_authcli.moc"
