// JWT verification and the Authenticator the workers call: algorithms bound to keys, every bad-token
// case with its stable code, leeway, the verified-token cache, revocation, GitLab's header rules,
// scope-to-feature mapping, and many threads at once (run under TSan too).

#include "authtestutil.h"

#include "auth/tokenauthenticator.h"
#include "http/httpexchange.h"

#include <QTest>
#include <QThread>

#include <atomic>
#include <thread>
#include <vector>

using namespace airlock;
using namespace airlock::auth;
using namespace airlock::test;

namespace {

struct Keys
{
    SigningKey gitlabRsa = *SigningKey::generate(KeyAlg::RS256);
    SigningKey selfEc = *SigningKey::generate(KeyAlg::ES256);
    SigningKey selfEd = *SigningKey::generate(KeyAlg::EdDSA);
    SigningKey stranger = *SigningKey::generate(KeyAlg::ES256); // trusted by nobody

    std::shared_ptr<const KeySet> set(quint64 generation = 1) const
    {
        auto s = std::make_shared<KeySet>();
        s->generation = generation;
        s->byIssuer[kGitLabIssuer].insert(gitlabRsa.kid(), gitlabRsa.publicKey());
        s->byIssuer[QString(kSelfIssuer)].insert(selfEc.kid(), selfEc.publicKey());
        s->byIssuer[QString(kSelfIssuer)].insert(selfEd.kid(), selfEd.publicKey());
        return s;
    }
};

Keys &keys()
{
    static Keys k;
    return k;
}

http::HttpRequest gitlabRequest(const QByteArray &token, const QString &realm = QStringLiteral("self-managed"),
                                const QString &instance = kInstanceId, const QString &user = kGlobalUserId)
{
    http::HttpRequest r;
    r.method = "POST";
    r.path = "/v2/code/completions";
    r.headers = {{"Authorization", "Bearer " + token},
                 {"X-Gitlab-Authentication-Type", "oidc"},
                 {"X-Gitlab-Realm", realm.toUtf8()},
                 {"X-Gitlab-Instance-Id", instance.toUtf8()},
                 {"X-Gitlab-Global-User-Id", user.toUtf8()}};
    r.peer = QHostAddress::LocalHost;
    return r;
}

http::HttpRequest bearer(const QByteArray &token)
{
    http::HttpRequest r;
    r.method = "POST";
    r.path = "/v1/chat/completions";
    r.headers = {{"Authorization", "Bearer " + token}};
    r.peer = QHostAddress::LocalHost;
    return r;
}

} // namespace

class tst_Jwt : public QObject
{
    Q_OBJECT

    qint64 m_now = 1'750'000'000;
    std::unique_ptr<TokenAuthenticator> m_auth;

private Q_SLOTS:
    void init()
    {
        m_auth = std::make_unique<TokenAuthenticator>([this] { return m_now * 1000; });
        m_auth->setKeySet(keys().set());
    }

    void base64Url_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<bool>("valid");
        QTest::addColumn<QByteArray>("decoded");
        QTest::newRow("empty") << QByteArray() << true << QByteArray();
        QTest::newRow("two bytes") << QByteArray("AQI") << true << QByteArray("\x01\x02");
        QTest::newRow("url alphabet") << QByteArray("-_8") << true << QByteArray("\xfb\xff");
        QTest::newRow("padding refused") << QByteArray("AQI=") << false << QByteArray();
        QTest::newRow("standard alphabet refused") << QByteArray("+/8") << false << QByteArray();
        QTest::newRow("whitespace refused") << QByteArray("AQ I") << false << QByteArray();
        QTest::newRow("impossible length") << QByteArray("AQIDB") << false << QByteArray();
        QTest::newRow("non-zero trailing bits") << QByteArray("AQJ") << false << QByteArray();
    }
    void base64Url()
    {
        QFETCH(QByteArray, text);
        QFETCH(bool, valid);
        QFETCH(QByteArray, decoded);
        const auto out = base64UrlDecode(text);
        QCOMPARE(out.has_value(), valid);
        if (valid) {
            QCOMPARE(*out, decoded);
            QCOMPARE(base64UrlEncode(*out), text);
        }
    }

    void verifiesEachAlgorithm_data()
    {
        QTest::addColumn<int>("which");
        QTest::newRow("RS256 (GitLab)") << 0;
        QTest::newRow("ES256 (Airlock)") << 1;
        QTest::newRow("EdDSA (Airlock)") << 2;
    }
    void verifiesEachAlgorithm()
    {
        QFETCH(int, which);
        const SigningKey &key = which == 0 ? keys().gitlabRsa : which == 1 ? keys().selfEc : keys().selfEd;
        const QString issuer = which == 0 ? kGitLabIssuer : QString(kSelfIssuer);
        const QByteArray token = signJwt(key, claimsAt(m_now, issuer, QStringLiteral("alice"), {QStringLiteral("duo_chat")}));
        auto p = m_auth->authenticate(bearer(token), Dialect::OpenAi);
        QVERIFY2(p.ok(), p.ok() ? "" : qPrintable(p.error().message));
        QCOMPARE(p->subject, QStringLiteral("alice"));
        QCOMPARE(p->issuer, issuer);
        QCOMPARE(p->scopes, QStringList{QStringLiteral("duo_chat")});
        QCOMPARE(p->expiresAt, m_now + 3600);
        // The JWK round trip gives the same key (what /.well-known/jwks.json publishes).
        auto back = PublicKey::fromJwk(key.publicKey().toJwk());
        QVERIFY(back.ok());
        QCOMPARE(back->kid(), key.kid());
        QCOMPARE(back->alg(), key.alg());
        QVERIFY(back->verify("x", key.sign("x")));
        QVERIFY(!back->verify("y", key.sign("x")));
    }

    // Issue item 9: every bad token, with the code a client sees, its status, and no token in the message.
    void badTokens_data()
    {
        QTest::addColumn<QByteArray>("token");
        QTest::addColumn<bool>("gitlabDialect");
        QTest::addColumn<QString>("realmHeader");
        QTest::addColumn<QString>("code");
        QTest::addColumn<int>("status");

        const Keys &k = keys();
        const qint64 now = m_now;
        const QJsonObject good = claimsAt(now, QString(kSelfIssuer), QStringLiteral("bob"), {QStringLiteral("complete_code")});
        auto with = [&](const char *name, const QJsonValue &value) {
            QJsonObject c = good;
            if (value.isUndefined())
                c.remove(QLatin1String(name));
            else
                c.insert(QLatin1String(name), value);
            return c;
        };
        const QString sm = QStringLiteral("self-managed");
        QTest::newRow("expired") << signJwt(k.selfEc, with("exp", now - 120)) << false << sm << "expired" << 401;
        QTest::newRow("not yet valid (nbf)") << signJwt(k.selfEc, with("nbf", now + 600)) << false << sm << "not_yet_valid" << 401;
        QTest::newRow("issued in the future (iat)") << signJwt(k.selfEc, with("iat", now + 600)) << false << sm << "not_yet_valid" << 401;
        QTest::newRow("wrong audience") << signJwt(k.selfEc, with("aud", QStringLiteral("someone-else"))) << false << sm
                                        << "wrong_audience" << 401;
        QTest::newRow("no audience") << signJwt(k.selfEc, with("aud", QJsonValue::Undefined)) << false << sm
                                     << "wrong_audience" << 401;
        QTest::newRow("wrong issuer") << signJwt(k.selfEc, with("iss", QStringLiteral("https://evil.example")))
                                      << false << sm << "wrong_issuer" << 401;
        QTest::newRow("unknown kid") << signJwt(k.stranger, good) << false << sm << "unknown_kid" << 401;
        {
            QJsonObject h = headerFor(k.selfEc);
            QByteArray forged = craft(k.stranger, h, good); // claims the trusted kid, signed by another key
            QTest::newRow("bad signature (other key)") << forged << false << sm << "bad_signature" << 401;
            QByteArray tampered = signJwt(k.selfEc, good);
            const qsizetype dot = tampered.indexOf('.');
            tampered = tampered.left(dot + 1) + b64(json(with("sub", QStringLiteral("admin")))) + tampered.mid(tampered.lastIndexOf('.'));
            QTest::newRow("bad signature (payload changed)") << tampered << false << sm << "bad_signature" << 401;
        }
        {
            const QByteArray none = b64(json(QJsonObject{{QStringLiteral("alg"), QStringLiteral("none")}})) + '.' + b64(json(good)) + '.';
            QTest::newRow("alg none") << none << false << sm << "unsupported_alg" << 401;
            // HMAC with the public key as the secret: the classic confusion. HS256 does not exist here.
            QJsonObject h{{QStringLiteral("alg"), QStringLiteral("HS256")}, {QStringLiteral("kid"), k.gitlabRsa.kid()}};
            const QByteArray input = b64(json(h)) + '.' + b64(json(claimsAt(now, kGitLabIssuer, kInstanceId, {})));
            QTest::newRow("HS256 with the public key as secret") << QByteArray(input + '.' + b64(sha256(input))) << false << sm
                                                                 << "unsupported_alg" << 401;
            QJsonObject wrongAlg = headerFor(k.selfEc);
            wrongAlg.insert(QStringLiteral("alg"), QStringLiteral("RS256"));
            QTest::newRow("alg does not match the key") << craft(k.selfEc, wrongAlg, good) << false << sm << "alg_mismatch" << 401;
        }
        QTest::newRow("malformed base64") << QByteArray("eyJhbGciOiJFUzI1NiJ9.e$$$.c2ln") << false << sm << "malformed_token" << 401;
        QTest::newRow("two parts") << QByteArray("abc.def") << false << sm << "malformed_token" << 401;
        QTest::newRow("16 KiB token") << QByteArray(16 * 1024, 'A') << false << sm << "token_too_large" << 401;
        QTest::newRow("exp not a number") << signJwt(k.selfEc, with("exp", QStringLiteral("tomorrow"))) << false << sm
                                          << "invalid_claims" << 401;
        QTest::newRow("exp missing") << signJwt(k.selfEc, with("exp", QJsonValue::Undefined)) << false << sm << "invalid_claims" << 401;
        {
            QJsonObject h = headerFor(k.selfEc);
            h.insert(QStringLiteral("crit"), QJsonArray{QStringLiteral("b64")});
            QTest::newRow("critical header") << craft(k.selfEc, h, good) << false << sm << "malformed_token" << 401;
        }
        QTest::newRow("header/claim mismatch (realm)") << signJwt(k.gitlabRsa, gitlabClaims(now)) << true
                                                       << QStringLiteral("saas") << "claim_mismatch" << 401;
    }
    void badTokens()
    {
        QFETCH(QByteArray, token);
        QFETCH(bool, gitlabDialect);
        QFETCH(QString, realmHeader);
        QFETCH(QString, code);
        QFETCH(int, status);
        const http::HttpRequest request = gitlabDialect ? gitlabRequest(token, realmHeader) : bearer(token);
        auto p = m_auth->authenticate(request, gitlabDialect ? Dialect::GitLab : Dialect::OpenAi);
        QVERIFY(!p.ok());
        QCOMPARE(p.error().code, code);
        QCOMPARE(statusFor(p.error()), status);
        QVERIFY(!p.error().message.isEmpty());
        // Nothing of the token in the message (no segment of it either).
        for (const QByteArray &part : token.split('.')) {
            if (part.size() >= 8)
                QVERIFY2(!p.error().message.toUtf8().contains(part), qPrintable(p.error().message));
        }
    }

    void revokedTokenRefusedOnTheNextRequest()
    {
        const QByteArray token = signJwt(keys().selfEc, claimsAt(m_now, QString(kSelfIssuer), QStringLiteral("carol"), {QStringLiteral("complete_code")}));
        QVERIFY(m_auth->authenticate(bearer(token), Dialect::OpenAi).ok()); // now cached
        const QString jti = QStringLiteral("jti-") + QString::number(m_now) + QStringLiteral("carol");
        m_auth->setRevoked(std::make_shared<const QSet<QString>>(QSet<QString>{jti}));
        auto p = m_auth->authenticate(bearer(token), Dialect::OpenAi);
        QVERIFY(!p.ok());
        QCOMPARE(p.error().code, QStringLiteral("revoked"));
    }

    void onlyAirlockTokensConsultTheRevocationFeed()
    {
        struct CountingFeed : RevocationFeed
        {
            std::atomic<int> reads{0};
            quint64 generation() const override { return 1; }
            Result<QSet<QString>> revokedIds() override
            {
                ++reads;
                return Error::make(QStringLiteral("database_error"), QStringLiteral("unreadable"));
            }
        };
        auto feed = std::make_shared<CountingFeed>();
        m_auth->setRevocationFeed(feed);
        // GitLab's token: GitLab revokes it; the store is not consulted.
        QVERIFY(m_auth->authenticate(gitlabRequest(signJwt(keys().gitlabRsa, gitlabClaims(m_now))), Dialect::GitLab).ok());
        QCOMPARE(feed->reads.load(), 0);
        // Airlock's own: the generation moved and the store cannot be read: refused, 503, not let through.
        auto p = m_auth->authenticate(bearer(signJwt(keys().selfEc, claimsAt(m_now, QString(kSelfIssuer), QStringLiteral("dan"), {}))),
                                      Dialect::OpenAi);
        QVERIFY(!p.ok());
        QCOMPARE(p.error().code, QStringLiteral("revocations_unavailable"));
        QCOMPARE(statusFor(p.error()), 503);
        QCOMPARE(feed->reads.load(), 1);
    }

    void missingOrOtherScheme_data()
    {
        QTest::addColumn<QByteArray>("header");
        QTest::newRow("none") << QByteArray();
        QTest::newRow("basic") << QByteArray("Basic dXNlcjpwYXNz");
        QTest::newRow("empty bearer") << QByteArray("Bearer   ");
    }
    void missingOrOtherScheme()
    {
        QFETCH(QByteArray, header);
        http::HttpRequest r;
        if (!header.isEmpty())
            r.headers = {{"Authorization", header}};
        auto p = m_auth->authenticate(r, Dialect::OpenAi);
        QVERIFY(!p.ok());
        QCOMPARE(p.error().code, QStringLiteral("missing_token"));
        QCOMPARE(statusFor(p.error()), 401);
    }

    void leeway_data()
    {
        QTest::addColumn<int>("leeway");
        QTest::addColumn<int>("expiredBy");
        QTest::addColumn<bool>("accepted");
        QTest::newRow("within the default 30 s") << 30 << 20 << true;
        QTest::newRow("beyond it") << 30 << 31 << false;
        QTest::newRow("zero leeway") << 0 << 1 << false;
        QTest::newRow("two minutes") << 120 << 100 << true;
    }
    void leeway()
    {
        QFETCH(int, leeway);
        QFETCH(int, expiredBy);
        QFETCH(bool, accepted);
        m_auth->setLeewaySeconds(leeway);
        QJsonObject c = claimsAt(m_now, QString(kSelfIssuer), QStringLiteral("dave"), {});
        c.insert(QStringLiteral("exp"), m_now - expiredBy);
        QCOMPARE(m_auth->authenticate(bearer(signJwt(keys().selfEd, c)), Dialect::OpenAi).ok(), accepted);
    }

    void cacheServesRepeatsAndStillChecksExpiry()
    {
        QJsonObject c = claimsAt(m_now, kGitLabIssuer, kInstanceId, {QStringLiteral("complete_code")});
        c.insert(QStringLiteral("exp"), m_now + 60);
        const QByteArray token = signJwt(keys().gitlabRsa, c);
        for (int i = 0; i < 100; ++i)
            QVERIFY(m_auth->authenticate(bearer(token), Dialect::OpenAi).ok());
        QCOMPARE(m_auth->cacheMisses(), quint64(1));
        QCOMPARE(m_auth->cacheHits(), quint64(99));
        m_now += 60 + 31; // past exp + leeway: the cached entry must not keep it alive
        auto p = m_auth->authenticate(bearer(token), Dialect::OpenAi);
        QVERIFY(!p.ok());
        QCOMPARE(p.error().code, QStringLiteral("expired"));
        // A new key set (a key dropped) invalidates cached verifications.
        m_now -= 91;
        auto without = std::make_shared<KeySet>(*keys().set(2));
        without->byIssuer[kGitLabIssuer].clear();
        m_auth->setKeySet(without);
        p = m_auth->authenticate(bearer(token), Dialect::OpenAi);
        QVERIFY(!p.ok());
        QCOMPARE(p.error().code, QStringLiteral("unknown_kid"));
    }

    void unknownKidAsksForRefetch()
    {
        QStringList asked;
        m_auth->setUnknownKidHandler([&](const QString &issuer) { asked << issuer; });
        auto set = std::make_shared<KeySet>(*keys().set(3));
        set->byIssuer[kGitLabIssuer].clear();
        set->byIssuer[kGitLabIssuer].insert(keys().stranger.kid(), keys().stranger.publicKey());
        m_auth->setKeySet(set);
        QVERIFY(!m_auth->authenticate(bearer(signJwt(keys().gitlabRsa, gitlabClaims(m_now))), Dialect::OpenAi).ok());
        QCOMPARE(asked, QStringList{kGitLabIssuer});
    }

    void gitlabHeaderRules_data()
    {
        QTest::addColumn<int>("kind"); // 0 instance token, 1 user access token, 2 Airlock client token
        QTest::addColumn<QString>("realm");
        QTest::addColumn<QString>("instance");
        QTest::addColumn<QString>("user");
        QTest::addColumn<bool>("oidc");
        QTest::addColumn<QString>("code"); // empty: accepted
        const QString sm = QStringLiteral("self-managed");
        QTest::newRow("instance token, headers agree") << 0 << sm << kInstanceId << kGlobalUserId << true << QString();
        QTest::newRow("instance token, other realm") << 0 << QStringLiteral("saas") << kInstanceId << kGlobalUserId << true
                                                     << QStringLiteral("claim_mismatch");
        QTest::newRow("instance token, other instance") << 0 << sm << QStringLiteral("other") << kGlobalUserId << true
                                                        << QStringLiteral("claim_mismatch");
        QTest::newRow("instance token, no oidc type") << 0 << sm << kInstanceId << kGlobalUserId << false
                                                      << QStringLiteral("claim_mismatch");
        QTest::newRow("user access token, same user") << 1 << sm << kInstanceId << kGlobalUserId << true << QString();
        QTest::newRow("user access token, other user") << 1 << sm << kInstanceId << QStringLiteral("someone-else") << true
                                                       << QStringLiteral("claim_mismatch");
        QTest::newRow("client token needs no GitLab headers") << 2 << QString() << QString() << QString() << false << QString();
    }
    void gitlabHeaderRules()
    {
        QFETCH(int, kind);
        QFETCH(QString, realm);
        QFETCH(QString, instance);
        QFETCH(QString, user);
        QFETCH(bool, oidc);
        QFETCH(QString, code);
        QByteArray token;
        if (kind == 0) {
            token = signJwt(keys().gitlabRsa, gitlabClaims(m_now));
        } else if (kind == 1) {
            QJsonObject c = claimsAt(m_now, QString(kSelfIssuer), kGlobalUserId, {QStringLiteral("complete_code")});
            c.insert(QStringLiteral("gitlab_realm"), QStringLiteral("self-managed"));
            c.insert(QStringLiteral("gitlab_instance_id"), kInstanceId);
            token = signJwt(keys().selfEc, c);
        } else {
            token = signJwt(keys().selfEc, claimsAt(m_now, QString(kSelfIssuer), QStringLiteral("ide-user"), {QStringLiteral("complete_code")}));
        }
        http::HttpRequest r = gitlabRequest(token, realm, instance, user);
        if (!oidc)
            r.headers.removeIf([](const auto &h) { return h.first == "X-Gitlab-Authentication-Type"; });
        auto p = m_auth->authenticate(r, Dialect::GitLab);
        if (code.isEmpty()) {
            QVERIFY2(p.ok(), p.ok() ? "" : qPrintable(p.error().message));
            QCOMPARE(p->globalUserId, user);
        } else {
            QVERIFY(!p.ok());
            QCOMPARE(p.error().code, code);
        }
    }

    void scopesMapToFeatures_data()
    {
        QTest::addColumn<QStringList>("scopes");
        QTest::addColumn<QString>("feature");
        QTest::addColumn<bool>("allowed");
        QTest::newRow("complete_code -> completions") << QStringList{QStringLiteral("complete_code")} << QStringLiteral("code_completions") << true;
        QTest::newRow("complete_code !-> generations") << QStringList{QStringLiteral("complete_code")} << QStringLiteral("code_generations") << false;
        QTest::newRow("generate_code -> generations") << QStringList{QStringLiteral("generate_code")} << QStringLiteral("code_generations") << true;
        QTest::newRow("older code_suggestions -> completions") << QStringList{QStringLiteral("code_suggestions")} << QStringLiteral("code_completions") << true;
        QTest::newRow("older code_suggestions -> generations") << QStringList{QStringLiteral("code_suggestions")} << QStringLiteral("code_generations") << true;
        QTest::newRow("duo_chat -> chat") << QStringList{QStringLiteral("duo_chat")} << QStringLiteral("duo_chat") << true;
        QTest::newRow("duo_chat -> explain code") << QStringList{QStringLiteral("duo_chat")} << QStringLiteral("duo_chat_explain_code") << true;
        QTest::newRow("complete_code !-> chat") << QStringList{QStringLiteral("complete_code")} << QStringLiteral("duo_chat") << false;
        QTest::newRow("troubleshoot_job alone") << QStringList{QStringLiteral("troubleshoot_job")} << QStringLiteral("duo_chat_troubleshoot_job") << true;
        QTest::newRow("own-name scope") << QStringList{QStringLiteral("generate_commit_message")} << QStringLiteral("generate_commit_message") << true;
        QTest::newRow("endpoint by name needs direct_model_access") << QStringList{QStringLiteral("complete_code")} << QString() << false;
        QTest::newRow("direct_model_access") << QStringList{QStringLiteral("direct_model_access")} << QString() << true;
    }
    void scopesMapToFeatures()
    {
        QFETCH(QStringList, scopes);
        QFETCH(QString, feature);
        QFETCH(bool, allowed);
        Principal p;
        p.scopes = scopes;
        QCOMPARE(scopeAllows(p, feature), allowed);
        Principal anonymous;
        anonymous.anonymous = true;
        QVERIFY(scopeAllows(anonymous, feature));
    }

    // Many workers verifying, hitting the cache and swapping key sets at once (meant for TSan).
    void concurrentVerificationAndKeySwaps()
    {
        QList<QByteArray> tokens;
        for (int i = 0; i < 16; ++i)
            tokens << signJwt(keys().selfEc, claimsAt(m_now, QString(kSelfIssuer), QStringLiteral("user%1").arg(i), {QStringLiteral("complete_code")}));
        std::atomic<int> failures{0};
        std::atomic<bool> stop{false};
        // std::thread, not QThread: TSan must see the joins (this Qt is not instrumented).
        std::thread swapper([&] {
            quint64 g = 10;
            while (!stop.load()) {
                m_auth->setKeySet(keys().set(++g));
                m_auth->setRevoked(std::make_shared<const QSet<QString>>());
                std::this_thread::yield();
            }
        });
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t) {
            threads.emplace_back([&, t] {
                for (int i = 0; i < 400; ++i) {
                    if (!m_auth->authenticate(bearer(tokens.at((i + t) % tokens.size())), Dialect::OpenAi).ok())
                        ++failures;
                }
            });
        }
        for (std::thread &t : threads)
            t.join();
        stop = true;
        swapper.join();
        QCOMPARE(failures.load(), 0);
    }
};

QTEST_GUILESS_MAIN(tst_Jwt)
#include "tst_jwt.moc"
