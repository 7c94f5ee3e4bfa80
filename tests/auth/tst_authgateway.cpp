// Auth end to end on a real gateway (worker threads, real sockets, SQLite in a temp dir): tokens issued
// and revoked through the admin API, every bad token over HTTP with nothing of it logged, scopes, GitLab
// trust against a fake GitLab (JWKS, unknown kid, unreachable instance), user access tokens, key
// rotation with overlap, per-user limits with Retry-After, the admin token's back-off, the audit log,
// TLS on both listeners with reload, and the loud "auth disabled" mode.

#include "authtestutil.h"
#include "fakegitlab.h"
#include "gatewayfixture.h"
#include "gitlabrequests.h"
#include "logcapture.h"
#include "ports.h"
#include "prerequisite.h"

#include "auth/admincredential.h"
#include "auth/authmodule.h"
#include "auth/signingkeys.h"

#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSslSocket>
#include <QTcpServer>
#include <QTemporaryDir>

using namespace airlock;
using namespace airlock::test;

namespace {

const QByteArray kAdmin = "test-admin-token";

void enableAuth(GatewayOptions &o)
{
    o.authMode = QStringLiteral("required");
}

// One HTTPS request on a fresh QSslSocket that trusts `ca`; returns the status (0: failed) and the
// certificate the server showed.
struct TlsResult
{
    int status = 0;
    QByteArray body;
    QSslCertificate peer;
    QString error;
};

TlsResult tlsFetch(quint16 port, const QByteArray &ca, const QByteArray &request)
{
    TlsResult r;
    QSslSocket socket;
    QSslConfiguration config = QSslConfiguration::defaultConfiguration();
    config.setCaCertificates(QSslCertificate::fromData(ca));
    config.setPeerVerifyMode(QSslSocket::VerifyPeer);
    socket.setSslConfiguration(config);
    socket.setPeerVerifyName(QStringLiteral("localhost"));
    QByteArray received;
    QObject::connect(&socket, &QSslSocket::readyRead, [&] { received += socket.readAll(); });
    socket.connectToHostEncrypted(QStringLiteral("127.0.0.1"), port);
    if (!waitUntil([&] { return socket.isEncrypted() || socket.state() == QAbstractSocket::UnconnectedState; }, 10000)
        || !socket.isEncrypted()) {
        r.error = socket.errorString();
        return r;
    }
    r.peer = socket.peerCertificate();
    socket.write(request);
    waitUntil([&] {
        const qsizetype head = received.indexOf("\r\n\r\n");
        if (head < 0)
            return socket.state() == QAbstractSocket::UnconnectedState;
        const qsizetype cl = received.toLower().indexOf("content-length:");
        if (cl < 0)
            return false;
        const int length = received.mid(cl + 15, received.indexOf("\r\n", cl) - cl - 15).trimmed().toInt();
        return received.size() >= head + 4 + length;
    }, 10000);
    if (received.startsWith("HTTP/1.1 "))
        r.status = received.mid(9, 3).toInt();
    r.body = received.mid(received.indexOf("\r\n\r\n") + 4);
    return r;
}

// An address of this machine other than loopback (null if it has none), to show what a listener bound
// to 127.0.0.1 does not answer on.
// Whether a TCP connection to host:port is accepted.
bool accepts(const QHostAddress &host, quint16 port)
{
    QTcpSocket socket;
    socket.connectToHost(host, port);
    waitUntil([&] { return socket.state() == QAbstractSocket::ConnectedState || socket.state() == QAbstractSocket::UnconnectedState; },
              5000);
    return socket.state() == QAbstractSocket::ConnectedState;
}

} // namespace

class tst_AuthGateway : public QObject
{
    Q_OBJECT

    std::unique_ptr<FakeModelServer> m_fake;
    std::unique_ptr<GatewayFixture> m_gw;

    HttpResponse chat(const QByteArray &token, const QByteArray &model = "code_completions")
    {
        HttpRequest request = HttpRequest::post("/v1/chat/completions", chatBody(model));
        if (!token.isEmpty())
            request.withBearer(token);
        return TestHttpClient::fetch(m_gw->port(), request);
    }

    HttpResponse admin(const QByteArray &method, const QByteArray &path, const QJsonObject &body = {},
                       const QByteArray &token = kAdmin)
    {
        HttpRequest r = method == "GET" ? HttpRequest::get(path) : HttpRequest::post(path, json(body));
        r.method = method;
        if (method == "DELETE")
            r.body.clear();
        r.withBearer(token);
        return TestHttpClient::fetch(m_gw->adminPort(), r);
    }

    QByteArray issue(const QStringList &scopes, const QString &subject = QStringLiteral("ide-alice"), QString *id = nullptr)
    {
        const HttpResponse r = admin("POST", "/api/v1/tokens",
                                     QJsonObject{{QStringLiteral("subject"), subject},
                                                 {QStringLiteral("scopes"), QJsonArray::fromStringList(scopes)},
                                                 {QStringLiteral("ttl"), QStringLiteral("1d")}});
        if (r.status != 201)
            qWarning() << "issue failed" << r.status << r.body;
        if (id)
            *id = r.json().value(QStringLiteral("id")).toString();
        return r.json().value(QStringLiteral("token")).toString().toLatin1();
    }

    void start(const std::function<void(GatewayOptions &)> &tweak = enableAuth)
    {
        m_gw = std::make_unique<GatewayFixture>(ServerLimits{}, 2, tweak);
        m_gw->apply(m_gw->standardConfig(m_fake->baseUrl()));
    }

    // Polls with real requests (never inside waitUntil: a request spins its own event loop).
    template<typename F>
    static bool eventually(F condition, int attempts = 100)
    {
        for (int i = 0; i < attempts; ++i) {
            if (condition())
                return true;
            spinFor(20);
        }
        return false;
    }

    int fetchesFinished = 0;
    void watchTrust()
    {
        fetchesFinished = 0;
        connect(&m_gw->gateway->auth()->trust(), &auth::GitLabTrust::fetchFinished, this, [this] { ++fetchesFinished; });
    }

    // The audit log through the admin API, newest first.
    QJsonArray auditEntries()
    {
        const HttpResponse r = admin("GET", "/api/v1/audit");
        if (r.status != 200)
            qWarning() << "audit failed" << r.status << r.body;
        return r.json().value(QStringLiteral("entries")).toArray();
    }

    static QJsonObject findAudit(const QJsonArray &entries, const QString &action)
    {
        for (const QJsonValue &e : entries) {
            if (e.toObject().value(QStringLiteral("action")).toString() == action)
                return e.toObject();
        }
        return {};
    }

    static void verifyOpenAiError(const HttpResponse &r, int status, const QString &code)
    {
        QCOMPARE(r.status, status);
        QCOMPARE(r.json().value(QStringLiteral("error")).toObject().value(QStringLiteral("code")).toString(), code);
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

    void requestWithoutTokenIs401()
    {
        const HttpResponse r = chat({});
        verifyOpenAiError(r, 401, QStringLiteral("missing_token"));
        QCOMPARE(r.header("www-authenticate"), QByteArray("Bearer"));
        QCOMPARE(r.json().value(QStringLiteral("error")).toObject().value(QStringLiteral("type")).toString(),
                 QStringLiteral("authentication_error"));
        QCOMPARE(m_fake->requestCount(), 0);
    }

    // Every GitLab route answers a missing or refused token with GitLab's 401 body ({"error": reason})
    // and X-Process-Time, as GitLab's gateway middleware does.
    void gitlabRoutesRefuseWithGitLabsBody_data()
    {
        QTest::addColumn<QByteArray>("path");
        for (const char *path : {"/v2/code/completions", "/v2/completions", "/v2/code/generations", "/v3/code/completions",
                                 "/v4/code/suggestions", "/v1/chat/explain_code", "/v2/chat/agent",
                                 "/v1/prompts/generate_commit_message", "/v1/x-ray/libraries", "/v1/code/user_access_token"})
            QTest::newRow(path) << QByteArray(path);
    }
    void gitlabRoutesRefuseWithGitLabsBody()
    {
        QFETCH(QByteArray, path);
        for (const QByteArray &token : {QByteArray(), QByteArray("not-a-jwt")}) {
            HttpRequest r = gitlab::withGitLabHeaders(HttpRequest::postJson(path, gitlab::completionBody()));
            if (!token.isEmpty())
                r.withBearer(token);
            const HttpResponse answer = TestHttpClient::fetch(m_gw->port(), r);
            QCOMPARE(answer.status, 401);
            QVERIFY(answer.hasHeader("x-process-time"));
            QCOMPARE(answer.header("content-type"), QByteArray("application/json"));
            QVERIFY2(!answer.json().value(QStringLiteral("error")).toString().isEmpty(), answer.body.constData());
        }
        QCOMPARE(m_fake->requestCount(), 0);
    }

    void issuedTokenWorksAndIsShownOnlyOnce()
    {
        QString id;
        const QByteArray token = issue({QStringLiteral("complete_code")}, QStringLiteral("ide-alice"), &id);
        QVERIFY(!token.isEmpty());
        QCOMPARE(chat(token).status, 200);
        const HttpResponse list = admin("GET", "/api/v1/tokens");
        QCOMPARE(list.status, 200);
        QVERIFY(!list.body.contains(token));
        QVERIFY(!list.body.contains(token.split('.').at(2)));
        const QJsonObject entry = list.json().value(QStringLiteral("tokens")).toArray().at(0).toObject();
        QCOMPARE(entry.value(QStringLiteral("id")).toString(), id);
        QCOMPARE(entry.value(QStringLiteral("subject")).toString(), QStringLiteral("ide-alice"));
        QCOMPARE(entry.value(QStringLiteral("scopes")).toArray().at(0).toString(), QStringLiteral("complete_code"));
        QVERIFY(entry.value(QStringLiteral("expires_at")).toInteger() > QDateTime::currentSecsSinceEpoch());
        QVERIFY(!entry.contains(QStringLiteral("token")));
        // The audit log names who issued what, without the token.
        const HttpResponse audit = admin("GET", "/api/v1/audit");
        QVERIFY(audit.body.contains("token.issue"));
        QVERIFY(audit.body.contains(id.toUtf8()));
        QVERIFY(!audit.body.contains(token));
    }

    void revocationIsEffectiveOnTheNextRequest()
    {
        QString id;
        const QByteArray token = issue({QStringLiteral("complete_code")}, QStringLiteral("bob"), &id);
        QCOMPARE(chat(token).status, 200); // verified and cached
        QCOMPARE(admin("DELETE", "/api/v1/tokens/" + id.toUtf8()).status, 200);
        verifyOpenAiError(chat(token), 401, QStringLiteral("revoked"));
        QCOMPARE(admin("DELETE", "/api/v1/tokens/no-such-id").status, 404);
        const HttpResponse audit = admin("GET", "/api/v1/audit");
        QVERIFY(audit.body.contains("token.revoke"));
    }

    void missingScopeIs403NamingFeatureAndScope()
    {
        const QByteArray token = issue({QStringLiteral("duo_chat")});
        const HttpResponse r = chat(token);
        verifyOpenAiError(r, 403, QStringLiteral("insufficient_scope"));
        const QString message = r.json().value(QStringLiteral("error")).toObject().value(QStringLiteral("message")).toString();
        QVERIFY2(message.contains(QStringLiteral("code_completions")) && message.contains(QStringLiteral("complete_code")), qPrintable(message));
        verifyOpenAiError(chat(token, "fake"), 403, QStringLiteral("insufficient_scope")); // endpoint by name
        QCOMPARE(m_fake->requestCount(), 0);
        QCOMPARE(chat(issue({QStringLiteral("code_suggestions")})).status, 200); // the older scope
    }

    // Issue item 9 over HTTP: status, code, and nothing of the token in any log line.
    void badTokensOverHttp_data()
    {
        QTest::addColumn<int>("row");
        QTest::addColumn<QString>("code");
        const char *rows[][2] = {{"expired", "expired"},
                                 {"not yet valid", "not_yet_valid"},
                                 {"wrong audience", "wrong_audience"},
                                 {"wrong issuer", "wrong_issuer"},
                                 {"unknown kid", "unknown_kid"},
                                 {"bad signature", "bad_signature"},
                                 {"alg none", "unsupported_alg"},
                                 {"malformed base64", "malformed_token"},
                                 {"16 KiB token", "token_too_large"},
                                 {"revoked", "revoked"},
                                 {"header/claim mismatch (realm)", "claim_mismatch"}};
        for (int i = 0; i < int(std::size(rows)); ++i)
            QTest::newRow(rows[i][0]) << i << QString::fromLatin1(rows[i][1]);
    }
    void badTokensOverHttp()
    {
        QFETCH(int, row);
        QFETCH(QString, code);
        LogCapture logs;
        const auth::SigningKey key = m_gw->gateway->auth()->signingKeys().active();
        const qint64 now = QDateTime::currentSecsSinceEpoch();
        QJsonObject c = claimsAt(now, QString(auth::kSelfIssuer), QStringLiteral("mallory"), {QStringLiteral("complete_code")});
        QByteArray token;
        switch (row) {
        case 0: c.insert(QStringLiteral("exp"), now - 3600); token = auth::signJwt(key, c); break;
        case 1: c.insert(QStringLiteral("nbf"), now + 3600); token = auth::signJwt(key, c); break;
        case 2: c.insert(QStringLiteral("aud"), QStringLiteral("another-service")); token = auth::signJwt(key, c); break;
        case 3: c.insert(QStringLiteral("iss"), QStringLiteral("https://gitlab.evil.example")); token = auth::signJwt(key, c); break;
        case 4: token = auth::signJwt(*auth::SigningKey::generate(auth::KeyAlg::ES256), c); break;
        case 5: token = craft(*auth::SigningKey::generate(auth::KeyAlg::ES256), headerFor(key), c); break;
        case 6: token = b64("{\"alg\":\"none\",\"typ\":\"JWT\"}") + '.' + b64(json(c)) + '.'; break;
        case 7: token = "eyJhbGciOiJFUzI1NiJ9.%%%%notbase64%%%%.c2lnbmF0dXJl"; break;
        case 8: token = auth::signJwt(key, c) + QByteArray(16 * 1024, 'x'); break;
        case 9: {
            QString id;
            token = issue({QStringLiteral("complete_code")}, QStringLiteral("mallory"), &id);
            QCOMPARE(admin("DELETE", "/api/v1/tokens/" + id.toUtf8()).status, 200);
            break;
        }
        case 10: // what /v1/code/user_access_token issues: bound to GitLab's realm, instance and user
            c.insert(QStringLiteral("sub"), kGlobalUserId);
            c.insert(QStringLiteral("gitlab_realm"), QStringLiteral("self-managed"));
            c.insert(QStringLiteral("gitlab_instance_id"), kInstanceId);
            token = auth::signJwt(key, c);
            break;
        }
        // The GitLab rules apply to GitLab's routes, with GitLab's headers (row 10: the realm header
        // disagrees with the token's gitlab_realm claim).
        const auto gitlabRequest = [&](const QByteArray &realm) {
            return TestHttpClient::fetch(m_gw->port(), HttpRequest::postJson("/v2/code/completions", gitlab::completionBody())
                                                           .withBearer(token)
                                                           .withHeader("X-Gitlab-Authentication-Type", "oidc")
                                                           .withHeader("X-Gitlab-Realm", realm)
                                                           .withHeader("X-Gitlab-Instance-Id", kInstanceId.toUtf8())
                                                           .withHeader("X-Gitlab-Global-User-Id", kGlobalUserId.toUtf8()));
        };
        const HttpResponse r = row == 10 ? gitlabRequest("saas") : chat(token);
        if (row == 10) {
            QCOMPARE(r.status, 401); // GitLab's shape: {"error": reason}
            QCOMPARE(r.json().value(QStringLiteral("error")).toString(),
                     QStringLiteral("the X-Gitlab-Realm header does not match the token's gitlab_realm"));
        } else {
            verifyOpenAiError(r, 401, code);
        }
        QCOMPARE(m_fake->requestCount(), 0);
        const QByteArray log = logs.text();
        QVERIFY2(log.contains("refused token"), log.constData()); // the refusal is logged, with its reason...
        QVERIFY2(log.contains(QByteArray(": " + code.toLatin1())), log.constData());
        for (const QByteArray &part : token.split('.')) {         // ...without any of the token
            if (part.size() >= 8)
                QVERIFY2(!log.contains(part.left(64)), log.constData());
        }
        QVERIFY(!r.body.contains(token.left(40)));
        if (row == 10) // the same token with headers that agree is served: the mismatch was the reason
            QCOMPARE(gitlabRequest("self-managed").status, 200);
    }

    void gitlabInstanceTrust()
    {
        FakeGitLab gitlab;
        gitlab.keys << *auth::SigningKey::generate(auth::KeyAlg::RS256);
        watchTrust();
        const HttpResponse put = admin("PUT", "/api/v1/trust", QJsonObject{{QStringLiteral("gitlab_url"), gitlab.url()}});
        QCOMPARE(put.status, 200);
        QVERIFY(waitUntil([&] { return fetchesFinished == 1; }, 10000));
        QCOMPARE(admin("GET", "/api/v1/trust").json().value(QStringLiteral("gitlab")).toObject().value(QStringLiteral("keys")).toArray().size(), 1);
        QCOMPARE(gitlab.discoveryHits, 1);
        const qint64 now = QDateTime::currentSecsSinceEpoch();
        QJsonObject c = gitlabClaims(now);
        c.insert(QStringLiteral("iss"), gitlab.issuer());
        QCOMPARE(chat(auth::signJwt(gitlab.keys.first(), c)).status, 200);

        // GitLab rotates its key: the first token with the new kid is refused and makes the gateway
        // refetch at once; after that the new key works.
        gitlab.keys.prepend(*auth::SigningKey::generate(auth::KeyAlg::RS256));
        c.insert(QStringLiteral("jti"), QStringLiteral("second"));
        const QByteArray rotated = auth::signJwt(gitlab.keys.first(), c);
        verifyOpenAiError(chat(rotated), 401, QStringLiteral("unknown_kid"));
        QVERIFY(waitUntil([&] { return fetchesFinished == 2; }, 10000));
        QCOMPARE(gitlab.jwksHits, 2);
        QCOMPARE(chat(rotated).status, 200);
        // A flood of unknown kids does not become a flood of fetches (at most one per minute).
        const int hits = gitlab.jwksHits;
        for (int i = 0; i < 5; ++i)
            chat(auth::signJwt(*auth::SigningKey::generate(auth::KeyAlg::RS256), c));
        spinFor(200);
        QCOMPARE(gitlab.jwksHits, hits);

        // The instance goes away and the gateway restarts: the stored keys keep its tokens working.
        gitlab.down = true;
        const QString dataDir = m_gw->m_dir.path();
        m_gw->m_dir.setAutoRemove(false);
        m_gw.reset();
        start([&](GatewayOptions &o) {
            enableAuth(o);
            o.dataDir = dataDir;
        });
        watchTrust();
        QVERIFY(waitUntil([&] { return fetchesFinished == 1; }, 10000)); // it tried, and failed
        QCOMPARE(chat(rotated).status, 200);
        const QJsonObject state = admin("GET", "/api/v1/trust").json().value(QStringLiteral("gitlab")).toObject();
        QVERIFY(!state.value(QStringLiteral("last_error")).toString().isEmpty());
        QCOMPARE(state.value(QStringLiteral("keys")).toArray().size(), 2);
        QDir(dataDir).removeRecursively();
    }

    void userAccessToken()
    {
        FakeGitLab gitlab;
        gitlab.keys << *auth::SigningKey::generate(auth::KeyAlg::RS256);
        watchTrust();
        QCOMPARE(admin("PUT", "/api/v1/trust", QJsonObject{{QStringLiteral("gitlab_url"), gitlab.url()}}).status, 200);
        QVERIFY(waitUntil([&] { return fetchesFinished == 1; }, 10000));
        QJsonObject c = gitlabClaims(QDateTime::currentSecsSinceEpoch());
        c.insert(QStringLiteral("iss"), gitlab.issuer());
        const QByteArray instanceToken = auth::signJwt(gitlab.keys.first(), c);
        auto request = [&](const QByteArray &token, bool withRealm = true) {
            HttpRequest r = HttpRequest::post("/v1/code/user_access_token", QByteArray(), "application/json");
            r.withBearer(token)
                .withHeader("X-Gitlab-Authentication-Type", "oidc")
                .withHeader("X-Gitlab-Global-User-Id", kGlobalUserId.toUtf8())
                .withHeader("X-Gitlab-Instance-Id", kInstanceId.toUtf8());
            if (withRealm)
                r.withHeader("X-Gitlab-Realm", "self-managed");
            return TestHttpClient::fetch(m_gw->port(), r);
        };
        const HttpResponse missing = request(instanceToken, false);
        QCOMPARE(missing.status, 400);
        QCOMPARE(missing.json().value(QStringLiteral("detail")).toString(), QStringLiteral("Missing X-Gitlab-Realm header"));
        QCOMPARE(request("garbage").status, 401);

        const HttpResponse ok = request(instanceToken);
        QCOMPARE(ok.status, 200);
        const QByteArray userToken = ok.json().value(QStringLiteral("token")).toString().toLatin1();
        const qint64 expiresAt = ok.json().value(QStringLiteral("expires_at")).toInteger();
        QVERIFY(qAbs(expiresAt - QDateTime::currentSecsSinceEpoch() - 3600) < 10);
        auto parsed = auth::parseJwt(userToken);
        QVERIFY(parsed.ok());
        QCOMPARE(parsed->claims.issuer, QStringLiteral("gitlab-ai-gateway"));
        QCOMPARE(parsed->claims.audience, QStringList{QStringLiteral("gitlab-ai-gateway")});
        QCOMPARE(parsed->claims.subject, kGlobalUserId);
        QCOMPARE(parsed->claims.realm, QStringLiteral("self-managed"));
        QCOMPARE(parsed->claims.instanceId, kInstanceId);
        QCOMPARE(parsed->claims.scopes, QStringList{QStringLiteral("complete_code")});
        QVERIFY(!parsed->claims.tokenId.isEmpty() && parsed->claims.notBefore && parsed->claims.issuedAt);
        // The IDE then calls the gateway directly with it.
        QCOMPARE(chat(userToken).status, 200);
        // A token the gateway issued cannot mint more.
        const HttpResponse refused = request(userToken);
        QCOMPARE(refused.status, 403);
        QVERIFY(!parsed->claims.raw.contains(QStringLiteral("duo_seat_count")));

        // The IDE's token serves /v2, not the endpoints GitLab Rails calls (/v3, /v4 completions), as
        // GitLab's gateway has it (test_v3_code.py TestUnauthorizedIssuer).
        const auto direct = [&](const QByteArray &token, const QByteArray &path, const QJsonObject &body,
                                const QByteArray &seats = {}) {
            HttpRequest r = HttpRequest::postJson(path, body);
            r.withBearer(token)
                .withHeader("X-Gitlab-Authentication-Type", "oidc")
                .withHeader("X-Gitlab-Realm", "self-managed")
                .withHeader("X-Gitlab-Instance-Id", kInstanceId.toUtf8())
                .withHeader("X-Gitlab-Global-User-Id", kGlobalUserId.toUtf8());
            if (!seats.isEmpty())
                r.withHeader("X-Gitlab-Duo-Seat-Count", seats);
            return TestHttpClient::fetch(m_gw->port(), r);
        };
        QCOMPARE(direct(userToken, "/v2/code/completions", gitlab::completionBody()).status, 200);
        const QJsonObject v3body = gitlab::componentsBody(QStringLiteral("code_editor_completion"), gitlab::editorPayload());
        for (const QByteArray &path : {QByteArray("/v3/code/completions"), QByteArray("/v4/code/suggestions")}) {
            const HttpResponse v3 = direct(userToken, path, v3body);
            QCOMPARE(v3.status, 403);
            QCOMPARE(v3.json().value(QStringLiteral("detail")).toString(), QStringLiteral("Unauthorized to access code suggestions"));
        }
        // The instance's own token serves them.
        QCOMPARE(TestHttpClient::fetch(m_gw->port(), HttpRequest::postJson("/v3/code/completions", v3body)
                                                         .withBearer(instanceToken)
                                                         .withHeader("X-Gitlab-Authentication-Type", "oidc")
                                                         .withHeader("X-Gitlab-Realm", "self-managed")
                                                         .withHeader("X-Gitlab-Instance-Id", kInstanceId.toUtf8()))
                     .status,
                 200);

        // duo_seat_count (test_v1_code.py test_user_access_token_success): the instance token's claim is
        // carried over into the user's token; a request naming another seat count is refused.
        c.insert(QStringLiteral("duo_seat_count"), QStringLiteral("333"));
        c.insert(QStringLiteral("jti"), QStringLiteral("with-seats"));
        const QByteArray seatToken = auth::signJwt(gitlab.keys.first(), c);
        HttpRequest seatRequest = HttpRequest::post("/v1/code/user_access_token", QByteArray(), "application/json");
        seatRequest.withBearer(seatToken)
            .withHeader("X-Gitlab-Authentication-Type", "oidc")
            .withHeader("X-Gitlab-Global-User-Id", kGlobalUserId.toUtf8())
            .withHeader("X-Gitlab-Instance-Id", kInstanceId.toUtf8())
            .withHeader("X-Gitlab-Realm", "self-managed")
            .withHeader("X-Gitlab-Duo-Seat-Count", "333");
        const HttpResponse seatOk = TestHttpClient::fetch(m_gw->port(), seatRequest);
        QCOMPARE(seatOk.status, 200);
        QVERIFY(seatOk.hasHeader("x-process-time"));
        const QByteArray seatUserToken = seatOk.json().value(QStringLiteral("token")).toString().toLatin1();
        auto seatParsed = auth::parseJwt(seatUserToken);
        QVERIFY(seatParsed.ok());
        QCOMPARE(seatParsed->claims.raw.value(QStringLiteral("duo_seat_count")).toString(), QStringLiteral("333"));
        QCOMPARE(seatParsed->claims.duoSeatCount, QStringLiteral("333"));
        QCOMPARE(direct(seatUserToken, "/v2/code/completions", gitlab::completionBody(), "333").status, 200);
        QCOMPARE(direct(seatUserToken, "/v2/code/completions", gitlab::completionBody()).status, 200); // header absent: served
        const HttpResponse mismatch = direct(seatUserToken, "/v2/code/completions", gitlab::completionBody(), "5");
        QCOMPARE(mismatch.status, 401);
        QCOMPARE(mismatch.json().value(QStringLiteral("error")).toString(),
                 QStringLiteral("the X-Gitlab-Duo-Seat-Count header does not match the token's duo_seat_count"));
        // A blank claim is left out.
        c.insert(QStringLiteral("duo_seat_count"), QStringLiteral("  "));
        c.insert(QStringLiteral("jti"), QStringLiteral("blank-seats"));
        const HttpResponse blank = request(auth::signJwt(gitlab.keys.first(), c));
        QCOMPARE(blank.status, 200);
        QVERIFY(!auth::parseJwt(blank.json().value(QStringLiteral("token")).toString().toLatin1())
                     ->claims.raw.contains(QStringLiteral("duo_seat_count")));
    }

    void jwksIsServedOnTheGatewayPort()
    {
        // The data path serves the module's published key set as is, to anyone, cacheable for five minutes;
        // the admin API's GET /api/v1/keys shows the same set.
        const auto fetchJwks = [this] { return TestHttpClient::fetch(m_gw->port(), HttpRequest::get("/.well-known/jwks.json")); };
        const HttpResponse jwks = fetchJwks();
        QCOMPARE(jwks.status, 200);
        QCOMPARE(jwks.header("content-type"), QByteArray("application/json"));
        QCOMPARE(jwks.header("cache-control"), QByteArray("public, max-age=300"));
        QCOMPARE(jwks.body, m_gw->gateway->auth()->jwksJson());
        const QJsonObject published = admin("GET", "/api/v1/keys").json().value(QStringLiteral("jwks")).toObject();
        QCOMPARE(jwks.body, QJsonDocument(published).toJson(QJsonDocument::Compact));
        const QJsonArray keys = jwks.json().value(QStringLiteral("keys")).toArray();
        QCOMPARE(keys.size(), 1);
        QCOMPARE(keys.at(0).toObject().value(QStringLiteral("kid")).toString(),
                 admin("GET", "/api/v1/keys").json().value(QStringLiteral("active")).toString());

        // A rotation is published to the workers at once.
        QCOMPARE(admin("POST", "/api/v1/keys/rotate", QJsonObject{{QStringLiteral("alg"), QStringLiteral("ES256")}}).status, 200);
        const HttpResponse rotated = fetchJwks();
        QCOMPARE(rotated.status, 200);
        QCOMPARE(rotated.body, m_gw->gateway->auth()->jwksJson());
        QCOMPARE(rotated.json().value(QStringLiteral("keys")).toArray().size(), 2);
        QVERIFY(rotated.body != jwks.body);
    }

    void keyRotationKeepsOldTokensValid()
    {
        const QByteArray before = issue({QStringLiteral("complete_code")});
        const QString oldKid = QString::fromLatin1(auth::parseJwt(before)->kid.toLatin1());
        const HttpResponse rotated = admin("POST", "/api/v1/keys/rotate", QJsonObject{{QStringLiteral("alg"), QStringLiteral("EdDSA")}});
        QCOMPARE(rotated.status, 200);
        const QString newKid = rotated.json().value(QStringLiteral("kid")).toString();
        QVERIFY(newKid != oldKid);
        const HttpResponse jwks = TestHttpClient::fetch(m_gw->port(), HttpRequest::get("/.well-known/jwks.json"));
        QCOMPARE(jwks.status, 200);
        QStringList kids;
        for (const QJsonValue &k : jwks.json().value(QStringLiteral("keys")).toArray()) {
            kids << k.toObject().value(QStringLiteral("kid")).toString();
            QVERIFY(!k.toObject().contains(QStringLiteral("d"))); // public halves only
        }
        QCOMPARE(kids, (QStringList{newKid, oldKid}));
        QCOMPARE(chat(before).status, 200); // the old key still verifies its tokens
        const QByteArray after = issue({QStringLiteral("complete_code")});
        QCOMPARE(auth::parseJwt(after)->kid, newKid);
        QCOMPARE(auth::parseJwt(after)->alg, QStringLiteral("EdDSA"));
        QCOMPARE(chat(after).status, 200);
        const QJsonObject keys = admin("GET", "/api/v1/keys").json();
        QCOMPARE(keys.value(QStringLiteral("active")).toString(), newKid);
        const QJsonObject old = keys.value(QStringLiteral("keys")).toArray().at(1).toObject();
        QCOMPARE(old.value(QStringLiteral("state")).toString(), QStringLiteral("retired"));
        QVERIFY(old.value(QStringLiteral("verify_until")).toInteger() >= auth::parseJwt(before)->claims.expiresAt);
        // Audited: the key that was active before, the new active key after.
        const QJsonObject entry = findAudit(auditEntries(), QStringLiteral("keys.rotate"));
        QCOMPARE(entry.value(QStringLiteral("target")).toString(), newKid);
        QVERIFY(entry.value(QStringLiteral("actor")).toString().startsWith(QStringLiteral("admin@127.0.0.1")));
        QCOMPARE(entry.value(QStringLiteral("before")).toObject().value(QStringLiteral("active")).toString(), oldKid);
        const QJsonObject rotatedTo = entry.value(QStringLiteral("after")).toObject();
        QCOMPARE(rotatedTo.value(QStringLiteral("kid")).toString(), newKid);
        QCOMPARE(rotatedTo.value(QStringLiteral("alg")).toString(), QStringLiteral("EdDSA"));
        QCOMPARE(rotatedTo.value(QStringLiteral("state")).toString(), QStringLiteral("active"));
    }

    void perUserLimitsAnswer429WithRetryAfter()
    {
        QCOMPARE(admin("PUT", "/api/v1/trust",
                       QJsonObject{{QStringLiteral("limits"),
                                    QJsonObject{{QStringLiteral("per_user"), QJsonObject{{QStringLiteral("requests_per_minute"), 2}}}}}})
                     .status,
                 200);
        const QByteArray a = issue({QStringLiteral("complete_code")}, QStringLiteral("limited"));
        const QByteArray b = issue({QStringLiteral("complete_code")}, QStringLiteral("limited")); // same user, other token
        QCOMPARE(chat(a).status, 200);
        QCOMPARE(chat(b).status, 200);
        const HttpResponse r = chat(a);
        verifyOpenAiError(r, 429, QStringLiteral("rate_limited"));
        const int retry = r.header("retry-after").toInt();
        QVERIFY2(retry >= 1 && retry <= 120, r.header("retry-after").constData());
        QCOMPARE(chat(issue({QStringLiteral("complete_code")}, QStringLiteral("other-user"))).status, 200);
    }

    void perTokenConcurrencyCap()
    {
        QCOMPARE(admin("PUT", "/api/v1/trust",
                       QJsonObject{{QStringLiteral("limits"),
                                    QJsonObject{{QStringLiteral("per_token"), QJsonObject{{QStringLiteral("concurrent"), 1}}}}}})
                     .status,
                 200);
        const QByteArray token = issue({QStringLiteral("complete_code")});
        FakeBehavior held = FakeBehavior::answer();
        held.holdUntilReleased = true;
        m_fake->setDefaultBehavior(held);
        TestHttpClient first(m_gw->port());
        first.sendRequest(HttpRequest::post("/v1/chat/completions", chatBody("code_completions")).withBearer(token));
        QVERIFY(waitUntil([&] { return m_fake->requestCount() == 1; }, 5000));
        const HttpResponse second = chat(token);
        verifyOpenAiError(second, 429, QStringLiteral("rate_limited"));
        QCOMPARE(second.header("retry-after"), QByteArray("1"));
        m_fake->releaseHeld();
        QVERIFY(first.waitForResponses(1, 5000));
        m_fake->setDefaultBehavior(FakeBehavior::answer());
        QVERIFY(eventually([&] { return chat(token).status == 200; })); // the lease went back
    }

    void adminTokenIsHashedAndBacksOff()
    {
        QCOMPARE(admin("GET", "/api/v1/info", {}, "").status, 401);
        for (int i = 0; i < 5; ++i)
            QCOMPARE(admin("GET", "/api/v1/info", {}, "wrong-" + QByteArray::number(i)).status, 401);
        QElapsedTimer sinceFifth;
        sinceFifth.start();
        const HttpResponse blocked = admin("GET", "/api/v1/info"); // even the right token must wait now
        if (blocked.status == 200) {
            // Only on a machine so slow that the 1 s block had already run out.
            QVERIFY2(sinceFifth.elapsed() >= 900, qPrintable(QString::number(sinceFifth.elapsed())));
        } else {
            QCOMPARE(blocked.status, 429);
            const int retry = blocked.header("retry-after").toInt();
            QVERIFY(retry >= 1 && retry <= 2);
            spinFor(retry * 1000); // what Retry-After asks for
            QCOMPARE(admin("GET", "/api/v1/info").status, 200);
        }
        // Nothing on disk holds the token in plain text.
        QVERIFY(!QFile::exists(m_gw->m_dir.filePath(QStringLiteral("admin-token"))));
    }

    void configChangesAreAudited()
    {
        GatewayConfig config = m_gw->standardConfig(m_fake->baseUrl());
        config.models[0].apiKey = QStringLiteral("sk-rotated-secret");
        QByteArray body = serializeGatewayConfig(config, Secrets::Include);
        HttpRequest put = HttpRequest::post("/api/v1/config", body);
        put.method = "PUT";
        put.withBearer(kAdmin);
        QCOMPARE(TestHttpClient::fetch(m_gw->adminPort(), put).status, 200);
        const HttpResponse audit = admin("GET", "/api/v1/audit");
        QCOMPARE(audit.status, 200);
        const QJsonObject entry = audit.json().value(QStringLiteral("entries")).toArray().at(0).toObject();
        QCOMPARE(entry.value(QStringLiteral("action")).toString(), QStringLiteral("config.replace"));
        QVERIFY(entry.value(QStringLiteral("actor")).toString().startsWith(QStringLiteral("admin@127.0.0.1")));
        QVERIFY(entry.value(QStringLiteral("before")).isObject());
        QVERIFY(entry.value(QStringLiteral("after")).isObject());
        QVERIFY(!entry.value(QStringLiteral("at")).toString().isEmpty());
        QVERIFY(!audit.body.contains("sk-rotated-secret"));
        QVERIFY(!audit.body.contains("sk-upstream-secret"));
    }

    void logSettingsChangesAreAudited()
    {
        const HttpResponse current = admin("GET", "/api/v1/logs/settings");
        QCOMPARE(current.status, 200);
        QCOMPARE(current.json().value(QStringLiteral("capture_bodies")).toBool(), false);
        const QJsonObject change{{QStringLiteral("capture_bodies"), true}, {QStringLiteral("retention_days"), 7}};
        const HttpResponse put = admin("PUT", "/api/v1/logs/settings", change);
        QCOMPARE(put.status, 200);
        const QJsonArray entries = auditEntries();
        const QJsonObject entry = entries.at(0).toObject();
        QCOMPARE(entry.value(QStringLiteral("action")).toString(), QStringLiteral("logs.settings.update"));
        QCOMPARE(entry.value(QStringLiteral("target")).toString(), QStringLiteral("request_log"));
        QVERIFY(entry.value(QStringLiteral("actor")).toString().startsWith(QStringLiteral("admin@127.0.0.1")));
        QVERIFY(!entry.value(QStringLiteral("at")).toString().isEmpty());
        QCOMPARE(entry.value(QStringLiteral("before")).toObject(), current.json());
        QCOMPARE(entry.value(QStringLiteral("after")).toObject(), put.json());
        QCOMPARE(entry.value(QStringLiteral("after")).toObject().value(QStringLiteral("capture_bodies")).toBool(), true);
        QCOMPARE(entry.value(QStringLiteral("after")).toObject().value(QStringLiteral("retention_days")).toDouble(), 7.0);
        // A refused change changes nothing and is not audited.
        QCOMPARE(admin("PUT", "/api/v1/logs/settings", QJsonObject{{QStringLiteral("retention_days"), -1}}).status, 400);
        QCOMPARE(auditEntries().size(), entries.size());
    }

    void promptOverridesAreAudited()
    {
        const QByteArray path = "/api/v1/prompts/overrides/fake/code_completions";
        const QString first = QStringLiteral("<fim_prefix>{prefix}<fim_suffix>{suffix}<fim_middle>");
        const QString second = QStringLiteral("[SUFFIX]{suffix}[PREFIX]{prefix}");
        const auto target = QStringLiteral("fake/code_completions");
        const auto verifyEntry = [&](const QJsonObject &entry, const QString &action, const QJsonValue &before,
                                     const QJsonObject &after) {
            QCOMPARE(entry.value(QStringLiteral("action")).toString(), action);
            QCOMPARE(entry.value(QStringLiteral("target")).toString(), target);
            QVERIFY(entry.value(QStringLiteral("actor")).toString().startsWith(QStringLiteral("admin@127.0.0.1")));
            QVERIFY(!entry.value(QStringLiteral("at")).toString().isEmpty());
            QCOMPARE(entry.value(QStringLiteral("before")), before);
            QCOMPARE(entry.value(QStringLiteral("after")).toObject(), after);
        };

        // First override: before is the built-in template (null).
        const HttpResponse set1 = admin("PUT", path, QJsonObject{{QStringLiteral("template"), first}});
        QCOMPARE(set1.status, 200);
        QCOMPARE(set1.json().value(QStringLiteral("template")).toString(), first);
        verifyEntry(auditEntries().at(0).toObject(), QStringLiteral("prompt.override"), QJsonValue(QJsonValue::Null), set1.json());
        if (QTest::currentTestFailed())
            return;

        // Second override: before is the first.
        const HttpResponse set2 = admin("PUT", path, QJsonObject{{QStringLiteral("template"), second}});
        QCOMPARE(set2.status, 200);
        verifyEntry(auditEntries().at(0).toObject(), QStringLiteral("prompt.override"), set1.json(), set2.json());
        if (QTest::currentTestFailed())
            return;

        // Revert to the built-in template: before is the second, after a built-in revision.
        HttpRequest revert = HttpRequest::postJson(path + "/revert", QJsonObject{{QStringLiteral("revision"), 0}});
        revert.withBearer(kAdmin);
        const HttpResponse reverted = TestHttpClient::fetch(m_gw->adminPort(), revert);
        QCOMPARE(reverted.status, 200);
        QVERIFY(reverted.json().value(QStringLiteral("built_in")).toBool());
        verifyEntry(auditEntries().at(0).toObject(), QStringLiteral("prompt.revert"), set2.json(), reverted.json());
        if (QTest::currentTestFailed())
            return;

        // A refused template changes nothing and is not audited.
        const int count = int(auditEntries().size());
        QCOMPARE(admin("PUT", path, QJsonObject{{QStringLiteral("template"), QStringLiteral("no prefix here")}}).status, 400);
        QCOMPARE(int(auditEntries().size()), count);
    }

    void renamedModelKeepsItsPromptTemplates()
    {
        const QString text = QStringLiteral("<fim_prefix>{prefix}<fim_suffix>{suffix}<fim_middle>");
        QCOMPARE(admin("PUT", "/api/v1/prompts/overrides/fake/code_completions",
                       QJsonObject{{QStringLiteral("template"), text}}).status, 200);
        const auto render = [this](const QString &model) {
            return admin("POST", "/api/v1/prompts/render",
                         QJsonObject{{QStringLiteral("feature"), QStringLiteral("code_completions")},
                                     {QStringLiteral("model"), model},
                                     {QStringLiteral("prefix"), QStringLiteral("def f():")},
                                     {QStringLiteral("suffix"), QStringLiteral("")}});
        };
        QCOMPARE(render(QStringLiteral("fake")).json().value(QStringLiteral("template_source")).toString(), QStringLiteral("override"));

        // Renamed as the console does it: the new name, "renamed_from", the features pointing at it.
        QJsonObject config = admin("GET", "/api/v1/config").json();
        QJsonArray models = config.value(QStringLiteral("models")).toArray();
        QJsonObject model = models.at(0).toObject();
        model.insert(QStringLiteral("name"), QStringLiteral("fake-renamed"));
        model.insert(QStringLiteral("renamed_from"), QStringLiteral("fake"));
        models[0] = model;
        config.insert(QStringLiteral("models"), models);
        QJsonObject features = config.value(QStringLiteral("features")).toObject();
        features.insert(QStringLiteral("code_completions"), QStringLiteral("fake-renamed"));
        config.insert(QStringLiteral("features"), features);
        const HttpResponse put = admin("PUT", "/api/v1/config", config);
        QCOMPARE(put.status, 200);

        const HttpResponse carried = admin("GET", "/api/v1/prompts/overrides/fake-renamed/code_completions");
        QCOMPARE(carried.status, 200);
        const QJsonObject current = carried.json().value(QStringLiteral("current")).toObject();
        QCOMPARE(current.value(QStringLiteral("template")).toString(), text);
        QVERIFY(current.value(QStringLiteral("author")).toString().startsWith(QStringLiteral("admin@127.0.0.1")));
        const HttpResponse rendered = render(QStringLiteral("fake-renamed"));
        QCOMPARE(rendered.status, 200);
        QCOMPARE(rendered.json().value(QStringLiteral("template_source")).toString(), QStringLiteral("override"));
        QVERIFY2(rendered.json().value(QStringLiteral("prompt")).toString().startsWith(QStringLiteral("<fim_prefix>")),
                 qPrintable(rendered.json().value(QStringLiteral("prompt")).toString()));
        const QJsonObject entry = auditEntries().at(0).toObject(); // newest first: after config.replace
        QCOMPARE(entry.value(QStringLiteral("action")).toString(), QStringLiteral("prompt.rename"));
        QCOMPARE(entry.value(QStringLiteral("target")).toString(), QStringLiteral("fake-renamed/code_completions"));
        QCOMPARE(auditEntries().at(1).toObject().value(QStringLiteral("action")).toString(), QStringLiteral("config.replace"));

        // A new name without "renamed_from" is a new model: it starts from the built-in template.
        model.remove(QStringLiteral("renamed_from"));
        model.insert(QStringLiteral("name"), QStringLiteral("fake-new"));
        models[0] = model;
        config.insert(QStringLiteral("models"), models);
        features.insert(QStringLiteral("code_completions"), QStringLiteral("fake-new"));
        config.insert(QStringLiteral("features"), features);
        QCOMPARE(admin("PUT", "/api/v1/config", config).status, 200);
        QCOMPARE(render(QStringLiteral("fake-new")).json().value(QStringLiteral("template_source")).toString(), QStringLiteral("built_in"));
    }

    void tlsOnBothListenersWithReload()
    {
        QTemporaryDir dir;
        const SelfSigned first = makeSelfSigned();
        auto write = [&](const QString &name, const QByteArray &bytes) {
            QFile f(dir.filePath(name));
            QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
            f.write(bytes);
        };
        write(QStringLiteral("cert.pem"), first.certPem);
        write(QStringLiteral("key.pem"), first.keyPem);
        m_gw.reset();
        start([&](GatewayOptions &o) {
            enableAuth(o);
            o.tlsCertFile = o.adminTlsCertFile = dir.filePath(QStringLiteral("cert.pem"));
            o.tlsKeyFile = o.adminTlsKeyFile = dir.filePath(QStringLiteral("key.pem"));
        });
        const QByteArray token = issue({QStringLiteral("complete_code")}); // (over HTTPS? no: fixture client is plain)
        QVERIFY(token.isEmpty()); // the admin listener speaks TLS only now
        const QByteArray issueBody = "{\"subject\":\"tls-user\",\"scopes\":[\"complete_code\"]}";
        const QByteArray issueRequest = "POST /api/v1/tokens HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + kAdmin
            + "\r\nContent-Type: application/json\r\nContent-Length: " + QByteArray::number(issueBody.size())
            + "\r\n\r\n" + issueBody;
        const TlsResult issued = tlsFetch(m_gw->adminPort(), first.certPem, issueRequest);
        QVERIFY2(issued.status == 201, qPrintable(QString::number(issued.status) + issued.error + QString::fromUtf8(issued.body)));
        const QByteArray userToken = QJsonDocument::fromJson(issued.body).object().value(QStringLiteral("token")).toString().toLatin1();
        const QByteArray body = chatBody("code_completions");
        const QByteArray chatRequest = "POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + userToken
            + "\r\nContent-Type: application/json\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body;
        const TlsResult served = tlsFetch(m_gw->port(), first.certPem, chatRequest);
        QVERIFY2(served.status == 200, qPrintable(served.error));
        QCOMPARE(served.peer, QSslCertificate::fromData(first.certPem).first());
        // Plain HTTP on the TLS port gets nothing useful.
        QVERIFY(chat(userToken).status != 200);

        // New certificate, reloaded without restart: new connections see it.
        const SelfSigned second = makeSelfSigned();
        write(QStringLiteral("cert.pem"), second.certPem);
        write(QStringLiteral("key.pem"), second.keyPem);
        const QByteArray reload = "POST /api/v1/tls/reload HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + kAdmin
            + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        QCOMPARE(tlsFetch(m_gw->adminPort(), first.certPem, reload).status, 200);
        const QByteArray auditRequest = "GET /api/v1/audit HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + kAdmin
            + "\r\nConnection: close\r\n\r\n";
        const TlsResult audit = tlsFetch(m_gw->adminPort(), second.certPem, auditRequest);
        QCOMPARE(audit.status, 200);
        const QJsonObject reloaded = QJsonDocument::fromJson(audit.body).object().value(QStringLiteral("entries")).toArray().at(0).toObject();
        QCOMPARE(reloaded.value(QStringLiteral("action")).toString(), QStringLiteral("tls.reload"));
        QCOMPARE(reloaded.value(QStringLiteral("after")).toObject().value(QStringLiteral("gateway")).toBool(), true);
        const TlsResult afterReload = tlsFetch(m_gw->port(), second.certPem, chatRequest);
        QVERIFY2(afterReload.status == 200, qPrintable(afterReload.error));
        QCOMPARE(afterReload.peer, QSslCertificate::fromData(second.certPem).first());
        QCOMPARE(tlsFetch(m_gw->port(), first.certPem, chatRequest).status, 0); // the old CA no longer matches

        // A broken file is refused by reload and the running certificate stays.
        write(QStringLiteral("key.pem"), first.keyPem); // does not match the certificate
        QCOMPARE(m_gw->gateway->reloadTls().error().code, QStringLiteral("tls_key_mismatch"));
        QCOMPARE(tlsFetch(m_gw->port(), second.certPem, chatRequest).status, 200);
    }

    void disabledModeIsAnnounced()
    {
        m_gw.reset();
        LogCapture logs;
        start([](GatewayOptions &o) { o.authMode = QStringLiteral("disabled"); });
        QVERIFY(logs.text().contains("AUTHENTICATION IS DISABLED"));
        QCOMPARE(chat({}).status, 200);
        const QJsonObject info = admin("GET", "/api/v1/info").json();
        QCOMPARE(info.value(QStringLiteral("auth")).toObject().value(QStringLiteral("mode")).toString(), QStringLiteral("disabled"));
        QVERIFY(info.value(QStringLiteral("auth")).toObject().contains(QStringLiteral("warning")));
        const HttpResponse ready = TestHttpClient::fetch(m_gw->port(), HttpRequest::get("/monitoring/ready"));
        const QJsonObject auth = ready.json().value(QStringLiteral("auth")).toObject();
        QCOMPARE(auth.value(QStringLiteral("mode")).toString(), QStringLiteral("disabled"));
        QVERIFY(auth.value(QStringLiteral("warning")).toString().contains(QStringLiteral("disabled")));
    }

    // The admin listener binds 127.0.0.1 unless told otherwise (airlockd's own default: tst_airlockd).
    void adminListenerIsLoopbackByDefault()
    {
        QCOMPARE(GatewayOptions{}.adminListen.host, QHostAddress(QHostAddress::LocalHost));
        m_gw.reset();
        start([](GatewayOptions &o) {
            enableAuth(o);
            o.adminListen.host = GatewayOptions{}.adminListen.host; // the default host, any free port
        });
        QCOMPARE(m_gw->gateway->adminAddress().host, QHostAddress(QHostAddress::LocalHost));
        QCOMPARE(admin("GET", "/api/v1/info").status, 200);
        const QHostAddress other = nonLoopbackIPv4Address();
        AIRLOCK_REQUIRE(!other.isNull(), "a non-loopback IPv4 address on this machine (QNetworkInterface)");
        QTcpServer everywhere; // proves the address is reachable at all
        QVERIFY(everywhere.listen(QHostAddress::AnyIPv4, 0));
        QVERIFY(accepts(other, everywhere.serverPort()));
        QVERIFY(!accepts(other, m_gw->adminPort()));
    }

    void readinessShowsAuthRequired()
    {
        const HttpResponse ready = TestHttpClient::fetch(m_gw->port(), HttpRequest::get("/monitoring/ready"));
        QCOMPARE(ready.json().value(QStringLiteral("auth")).toObject().value(QStringLiteral("mode")).toString(),
                 QStringLiteral("required"));
    }
};

QTEST_MAIN(tst_AuthGateway)
#include "tst_authgateway.moc"
