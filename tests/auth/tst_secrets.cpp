// Secrets hygiene (issue item 8): plant known secrets (a model API key, the admin token, client tokens),
// drive every path that could echo them (admin API reads and writes, errors, bad tokens, revoked and
// expired tokens, streaming, upstream failures, key rotation, the audit log), and search every byte the
// gateway produced: response heads and bodies, every log line (debug on), and the files in the data dir
// (only the store may hold the model key; no file may hold a token).
// Crash output: the real airlockd, with secrets planted (model key in its config, admin token from the
// environment, a client token issued and used), killed with SIGSEGV: its crash report is on stderr and
// nothing secret is in anything it printed; it ran non-dumpable with RLIMIT_CORE 0 (and with
// --allow-core-dumps it does not touch them).

#include "airlockdprocess.h"
#include "authtestutil.h"
#include "gatewayfixture.h"
#include "logcapture.h"
#include "prerequisite.h"

#include "auth/authmodule.h"
#include "auth/signingkeys.h"

#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QRegularExpression>

#include <csignal>
#include <sys/resource.h>
#include <unistd.h>

using namespace airlock;
using namespace airlock::test;

namespace {
const QByteArray kModelKey = "sk-PLANTED-model-key-7f3a9c";
const QByteArray kAdminToken = "PLANTED-admin-token-91c2e4";

// "Max core file size" soft limit of a process, from /proc/<pid>/limits ("unlimited" -> -1).
qint64 coreLimitOf(qint64 pid)
{
    QFile f(QStringLiteral("/proc/%1/limits").arg(pid));
    if (!f.open(QIODevice::ReadOnly))
        return -2;
    for (const QByteArray &line : f.readAll().split('\n')) {
        if (!line.startsWith("Max core file size"))
            continue;
        const QList<QByteArray> fields = line.mid(int(qstrlen("Max core file size"))).simplified().split(' ');
        return fields.value(0) == "unlimited" ? -1 : fields.value(0).toLongLong();
    }
    return -2;
}

// airlockd with the planted admin token and debug logging, 2 workers, on ports it reports. Check
// start()'s answer (the test does: QVERIFY2(a.start(...), ...)).
AirlockdProcess::Options airlockdOptions(const QString &dataDir, const QString &config, const QStringList &extra = {})
{
    AirlockdProcess::Options o;
    o.dataDir = dataDir;
    o.config = config;
    o.workers = 2;
    o.args = extra;
    QProcessEnvironment &env = o.env;
    env.insert(QStringLiteral("AIRLOCK_ADMIN_TOKEN"), QString::fromLatin1(kAdminToken));
    env.insert(QStringLiteral("QT_LOGGING_RULES"), QStringLiteral("airlock.*.debug=true"));
    // AddressSanitizer builds: ASan sets RLIMIT_CORE to 0 by itself unless told not to; the limit seen
    // must be airlockd's doing.
    const QString asan = env.value(QStringLiteral("ASAN_OPTIONS"));
    env.insert(QStringLiteral("ASAN_OPTIONS"), asan + (asan.isEmpty() ? QString() : QStringLiteral(":")) + QStringLiteral("disable_coredump=0"));
    return o;
}
} // namespace

class tst_Secrets : public QObject
{
    Q_OBJECT

    QByteArray m_output; // everything the gateway sent back
    std::unique_ptr<FakeModelServer> m_fake;
    std::unique_ptr<GatewayFixture> m_gw;

    HttpResponse send(quint16 port, HttpRequest request)
    {
        const HttpResponse r = TestHttpClient::fetch(port, request);
        for (const auto &[name, value] : r.headers)
            m_output += name + ": " + value + '\n';
        m_output += r.body + '\n';
        return r;
    }
    HttpResponse admin(const QByteArray &method, const QByteArray &path, const QByteArray &body = {},
                       const QByteArray &token = kAdminToken)
    {
        HttpRequest r = HttpRequest::post(path, body);
        r.method = method;
        if (method == "GET" || method == "DELETE")
            r = HttpRequest::get(path), r.method = method;
        return send(m_gw->adminPort(), r.withBearer(token));
    }
    HttpResponse chat(const QByteArray &token, bool stream = false, const QByteArray &model = "code_completions")
    {
        HttpRequest r = HttpRequest::post("/v1/chat/completions", chatBody(model, stream));
        if (!token.isEmpty())
            r.withBearer(token);
        return send(m_gw->port(), r);
    }

private Q_SLOTS:
    void nothingSecretLeaves()
    {
        LogCapture logs;
        m_fake = std::make_unique<FakeModelServer>();
        m_gw = std::make_unique<GatewayFixture>(ServerLimits{}, 2, [](GatewayOptions &o) {
            o.authMode = QStringLiteral("required");
            o.adminToken = QString::fromLatin1(kAdminToken);
        });
        GatewayConfig config = m_gw->standardConfig(m_fake->baseUrl());
        config.models[0].apiKey = QString::fromLatin1(kModelKey);
        m_gw->apply(config);

        // Tokens: issued through the admin API (shown once: that response is the one place allowed).
        const HttpResponse issued = admin("POST", "/api/v1/tokens", "{\"subject\":\"s\",\"scopes\":[\"complete_code\"]}");
        QCOMPARE(issued.status, 201);
        const QByteArray token = issued.json().value(QStringLiteral("token")).toString().toLatin1();
        const QString id = issued.json().value(QStringLiteral("id")).toString();
        m_output.clear(); // from here on nothing may contain a secret
        const QByteArray revokedToken = [&] {
            const HttpResponse r = admin("POST", "/api/v1/tokens", "{\"subject\":\"r\",\"scopes\":[\"complete_code\"]}");
            return r.json().value(QStringLiteral("token")).toString().toLatin1();
        }();
        m_output.clear();
        const auth::SigningKey key = m_gw->gateway->auth()->signingKeys().active();
        const qint64 now = QDateTime::currentSecsSinceEpoch();
        QJsonObject expiredClaims = claimsAt(now, QString(auth::kSelfIssuer), QStringLiteral("x"), {QStringLiteral("complete_code")});
        expiredClaims.insert(QStringLiteral("exp"), now - 3600);
        const QByteArray expired = auth::signJwt(key, expiredClaims);
        const QByteArray forged = token.left(token.lastIndexOf('.') + 1) + "AAAA" + token.mid(token.lastIndexOf('.') + 5);

        // The data path, every outcome.
        QCOMPARE(chat(token).status, 200);
        QCOMPARE(chat(token, true).status, 200);
        QCOMPARE(chat(token, false, "fake").status, 403); // scope
        QCOMPARE(chat({}).status, 401);
        QCOMPARE(chat(forged).status, 401);
        QCOMPARE(chat(expired).status, 401);
        QCOMPARE(chat("Bearer " + token).status, 401);
        QCOMPARE(chat(token + token).status, 401);
        QCOMPARE(admin("DELETE", "/api/v1/tokens/not-a-token").status, 404);
        const QString revokedId = QString::fromLatin1(auth::parseJwt(revokedToken)->claims.tokenId.toLatin1());
        QCOMPARE(admin("DELETE", "/api/v1/tokens/" + revokedId.toLatin1()).status, 200);
        QCOMPARE(chat(revokedToken).status, 401);
        m_fake->setDefaultBehavior(FakeBehavior::error(500));
        QCOMPARE(chat(token).status, 500);
        m_fake->setDefaultBehavior(FakeBehavior::closeWithoutAnswer());
        QCOMPARE(chat(token).status, 502);
        m_fake->setDefaultBehavior(FakeBehavior::closeMidStream(1, 0));
        QCOMPARE(chat(token, true).status, 200);
        m_fake->setDefaultBehavior(FakeBehavior::answer());
        QCOMPARE(send(m_gw->port(), HttpRequest::get("/v1/models").withBearer(token)).status, 200);
        QCOMPARE(send(m_gw->port(), HttpRequest::get("/.well-known/jwks.json")).status, 200);
        HttpRequest uat = HttpRequest::post("/v1/code/user_access_token", QByteArray());
        uat.withBearer(token).withHeader("X-Gitlab-Realm", "self-managed").withHeader("X-Gitlab-Instance-Id", "i")
            .withHeader("X-Gitlab-Global-User-Id", "u").withHeader("X-Gitlab-Authentication-Type", "oidc");
        QCOMPARE(send(m_gw->port(), uat).status, 403);

        // The admin API, every read and change, and refusals.
        for (const char *path : {"/api/v1/info", "/api/v1/config", "/api/v1/tokens", "/api/v1/keys", "/api/v1/trust", "/api/v1/audit"})
            QCOMPARE(admin("GET", path).status, 200);
        config.models[0].timeouts.totalMs = 99000;
        QCOMPARE(admin("PUT", "/api/v1/config", serializeGatewayConfig(config, Secrets::Include)).status, 200);
        QCOMPARE(admin("PUT", "/api/v1/config", "{\"models\":[{\"name\":\"a\",\"api_key\":\"" + kModelKey + "\"}]}").status, 400);
        QCOMPARE(admin("POST", "/api/v1/keys/rotate", "{}").status, 200);
        QCOMPARE(admin("PUT", "/api/v1/trust", "{\"leeway_s\":45}").status, 200);
        QCOMPARE(admin("GET", "/api/v1/audit").status, 200);
        QCOMPARE(admin("GET", "/api/v1/info", {}, kAdminToken + "x").status, 401);
        QCOMPARE(admin("GET", "/api/v1/info", {}, token).status, 401);
        QCOMPARE(chat(token).status, 200); // still valid after rotation
        const QString dataDir = m_gw->m_dir.path();
        m_gw->m_dir.setAutoRemove(false);
        m_gw.reset(); // flush everything, then look at what stayed behind

        const QByteArray log = logs.text();
        QVERIFY(!log.isEmpty());
        const QList<QByteArray> tokens{token, revokedToken, expired, forged};
        struct Secret
        {
            QByteArray value;
            const char *what;
        };
        QList<Secret> secrets{{kModelKey, "model API key"}, {kAdminToken, "admin token"}};
        for (const QByteArray &t : tokens) {
            secrets.append({t.split('.').at(1), "token payload"});
            secrets.append({t.split('.').at(2), "token signature"});
        }
        for (const Secret &s : secrets) {
            QVERIFY2(!m_output.contains(s.value), s.what);
            QVERIFY2(!log.contains(s.value), s.what);
        }
        // Files: no token anywhere; the model key only inside the store.
        QDirIterator it(dataDir, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            const QString path = it.next();
            QFile f(path);
            QVERIFY(f.open(QIODevice::ReadOnly));
            const QByteArray bytes = f.readAll();
            QVERIFY2(!bytes.contains(kAdminToken), qPrintable(path));
            for (const QByteArray &t : tokens)
                QVERIFY2(!bytes.contains(t.split('.').at(2)), qPrintable(path));
            if (!path.contains(QLatin1String("airlock.db")))
                QVERIFY2(!bytes.contains(kModelKey), qPrintable(path));
        }
        Q_UNUSED(id);
        QDir(dataDir).removeRecursively();
    }

    void crashOutputHasNoSecrets()
    {
        // Children inherit this process's core limit: raise it, so that a child that lowers it is seen.
        struct rlimit core{};
        QVERIFY(::getrlimit(RLIMIT_CORE, &core) == 0);
        core.rlim_cur = core.rlim_max;
        QVERIFY(::setrlimit(RLIMIT_CORE, &core) == 0);
        if (core.rlim_cur == 0)
            qInfo("the hard core limit is 0 here: RLIMIT_CORE 0 tells nothing apart; the prctl report still does");

        FakeModelServer fake;
        QTemporaryDir dir;
        const QString config = dir.filePath(QStringLiteral("airlock.json"));
        {
            QFile f(config);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("{\"models\":[{\"name\":\"m\",\"family\":\"codestral\",\"base_url\":\"" + fake.baseUrl().toString().toUtf8()
                    + "\",\"identifier\":\"served\",\"api_key\":\"" + kModelKey + "\"}],\"features\":{\"code_completions\":\"m\"}}");
        }
        AirlockdProcess a;
        QVERIFY2(a.start(airlockdOptions(dir.filePath(QStringLiteral("data")), config)), qPrintable(a.errorMessage()));
        QVERIFY(a.readyLine().contains("listening"));
        const qint64 pid = a.processId();

        // Drive it: the secrets pass through its memory.
        HttpRequest issue = HttpRequest::post("/api/v1/tokens", "{\"subject\":\"crash\",\"scopes\":[\"complete_code\"]}");
        const HttpResponse issued = TestHttpClient::fetch(a.adminPort(), issue.withBearer(kAdminToken));
        QCOMPARE(issued.status, 201);
        const QByteArray token = issued.json().value(QStringLiteral("token")).toString().toLatin1();
        QCOMPARE(token.count('.'), 2);
        QCOMPARE(TestHttpClient::fetch(a.adminPort(), HttpRequest::get("/api/v1/config").withBearer(kAdminToken)).status, 200);
        HttpRequest chat = HttpRequest::post("/v1/chat/completions", chatBody("code_completions", false));
        QCOMPARE(TestHttpClient::fetch(a.port(), chat.withBearer(token)).status, 200);
        QCOMPARE(fake.lastRequest().header("authorization"), QByteArray("Bearer " + kModelKey)); // it really held the key

        // No core dump can be written: RLIMIT_CORE is 0 (seen from outside) and the process is not
        // dumpable (its own prctl answer, in the report below; from outside when not running as root).
        QCOMPARE(coreLimitOf(pid), qint64(0)); // shown as 0 also when inherited, see above
        if (::getuid() != 0)
            QCOMPARE(QFileInfo(QStringLiteral("/proc/%1/status").arg(pid)).ownerId(), 0u); // non-dumpable: root-owned

        ::kill(pid_t(pid), SIGSEGV);
        QVERIFY(a.waitForFinished(30000));
        const QByteArray out = a.standardOutput(); // the ready line included
        const QByteArray err = a.standardError();
        // Died of the signal (a sanitizer build's own SEGV handler exits non-zero instead).
        QVERIFY(a.process()->exitStatus() == QProcess::CrashExit || a.process()->exitCode() != 0);
        QVERIFY2(err.contains("airlockd: fatal signal 11 (SIGSEGV)"), err.constData());
        QVERIFY2(err.contains(QByteArray("sent by pid " + QByteArray::number(::getpid()))), err.constData());
        QVERIFY2(err.contains("no core dump (the process is not dumpable)"), err.constData());
        QVERIFY2(err.contains("airlockd: backtrace"), err.constData());
        QVERIFY2(err.contains("airlockd: end of crash report"), err.constData());
        const QByteArray all = out + err;
        struct Secret
        {
            QByteArray value;
            const char *what;
        };
        const QList<Secret> secrets{{kModelKey, "model API key"},
                                    {kAdminToken, "admin token"},
                                    {token, "client token"},
                                    {token.split('.').at(1), "client token payload"},
                                    {token.split('.').at(2), "client token signature"}};
        for (const Secret &secret : secrets)
            QVERIFY2(!all.contains(secret.value), secret.what);
    }

    void allowCoreDumpsLeavesTheLimitsAlone()
    {
        struct rlimit core{};
        QVERIFY(::getrlimit(RLIMIT_CORE, &core) == 0);
        core.rlim_cur = core.rlim_max;
        QVERIFY(::setrlimit(RLIMIT_CORE, &core) == 0);
        AIRLOCK_REQUIRE(core.rlim_cur != 0, "a hard core-file limit above 0 (ulimit -Hc), else nothing to tell apart");
        FakeModelServer fake;
        QTemporaryDir dir;
        const QString config = dir.filePath(QStringLiteral("airlock.json"));
        {
            QFile f(config);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("{\"models\":[],\"features\":{}}");
        }
        AirlockdProcess a;
        QVERIFY2(a.start(airlockdOptions(dir.filePath(QStringLiteral("data")), config, {QStringLiteral("--allow-core-dumps")})),
                 qPrintable(a.errorMessage()));
        QVERIFY(a.readyLine().contains("listening"));
        QVERIFY(coreLimitOf(a.processId()) != 0);
        // Not crashed: a dumpable process would really dump a core. A clean stop, exit code 0.
        QVERIFY2(a.stop(), a.standardError().constData());
    }
};

QTEST_MAIN(tst_Secrets)
#include "tst_secrets.moc"
