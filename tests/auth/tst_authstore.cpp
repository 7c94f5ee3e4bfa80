// What auth keeps on disk and in the store: signing keys (owner-only files, rotation with overlap,
// pruning), the admin credential (salted slow hash stored off the start path, bootstrap/env/migration,
// cache, back-off), issued tokens and the audit log (redacted), revocations made through another
// connection (another process) in force on the next check, the shared counter behind that, and the
// settings/TTL parsers.

#include "authtestutil.h"

#include "auth/admincredential.h"
#include "auth/authlog.h"
#include "auth/authmodule.h"
#include "auth/signingkeys.h"
#include "auth/tokenstore.h"
#include "auth/tokenauthenticator.h"
#include "http/httpexchange.h"
#include "platform/sharedcounter.h"
#include "storage/database.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

#include <atomic>
#include <thread>

#include <sys/stat.h>

using namespace airlock;
using namespace airlock::auth;
using namespace airlock::test;

namespace {

int modeOf(const QString &path)
{
    struct stat st {};
    if (::stat(QFile::encodeName(path).constData(), &st) != 0)
        return -1;
    return int(st.st_mode & 0777);
}

http::HttpRequest adminRequest(const QByteArray &token, const char *peer = "127.0.0.1")
{
    http::HttpRequest r;
    r.headers = {{"Authorization", "Bearer " + token}};
    r.peer = QHostAddress(QLatin1String(peer));
    return r;
}

} // namespace

class tst_AuthStore : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // `airlockd token revoke ID` must never read an id as an option: base64url draws '-' first in one
    // id of 64, so 4000 ids without one cannot be luck.
    void tokenIdsNeverStartWithADash()
    {
        QSet<QString> seen;
        for (int i = 0; i < 4000; ++i) {
            const QString id = newTokenId();
            QCOMPARE(id.size(), 22);
            QVERIFY2(!id.startsWith(QLatin1Char('-')), qPrintable(id));
            seen.insert(id);
        }
        QCOMPARE(seen.size(), 4000);
    }

    void signingKeysAreOwnerOnly()
    {
        QTemporaryDir dir;
        auto store = SigningKeyStore::open(dir.path());
        QVERIFY(store.ok());
        const QString keys = dir.filePath(QStringLiteral("keys"));
        QCOMPARE(modeOf(keys), 0700);
        const SigningKey active = (*store)->active();
        QCOMPARE(active.alg(), KeyAlg::ES256);
        QCOMPARE(modeOf(keys + QStringLiteral("/") + active.kid() + QStringLiteral(".pem")), 0600);
        QCOMPARE(modeOf(keys + QStringLiteral("/keys.json")), 0600);
        // A second open loads the same key.
        auto again = SigningKeyStore::open(dir.path());
        QCOMPARE((*again)->active().kid(), active.kid());
        QVERIFY(!(*again)->jwks().value(QStringLiteral("keys")).toArray().at(0).toObject().contains(QStringLiteral("d")));
    }

    void rotationOverlapsUntilTheLastTokenExpires()
    {
        QTemporaryDir dir;
        qint64 now = 1'750'000'000;
        auto store = std::move(SigningKeyStore::open(dir.path(), KeyAlg::EdDSA, [&] { return now; })).value();
        const SigningKey first = store->active();
        const QByteArray token = signJwt(first, claimsAt(now, QString(kSelfIssuer), QStringLiteral("u"), {}));
        auto info = store->rotate(KeyAlg::ES256, now + 7200);
        QVERIFY(info.ok());
        QVERIFY(store->active().kid() != first.kid());
        QCOMPARE(store->verificationKeys().size(), 2);
        QCOMPARE(store->prune(), 0);
        now += 7200;
        QCOMPARE(store->prune(), 0); // still the last second
        now += 1;
        QCOMPARE(store->prune(), 1);
        QCOMPARE(store->verificationKeys().size(), 1);
        QVERIFY(!QFile::exists(dir.filePath(QStringLiteral("keys/")) + first.kid() + QStringLiteral(".pem")));
        // Reopened from disk: the rotated state is what was saved.
        auto reopened = SigningKeyStore::open(dir.path(), KeyAlg::EdDSA, [&] { return now; });
        QCOMPARE((*reopened)->active().kid(), store->active().kid());
        QCOMPARE((*reopened)->keys().size(), 1);
        Q_UNUSED(token);
    }

    void adminCredentialSources_data()
    {
        QTest::addColumn<QByteArray>("given");
        QTest::addColumn<QByteArray>("env");
        QTest::addColumn<QByteArray>("legacy");
        QTest::addColumn<QString>("source");
        QTest::newRow("bootstrap") << QByteArray() << QByteArray() << QByteArray() << QStringLiteral("bootstrap");
        QTest::newRow("environment") << QByteArray() << QByteArray("env-token-123") << QByteArray() << QStringLiteral("environment");
        QTest::newRow("option (embedded console)") << QByteArray("console-token") << QByteArray("ignored") << QByteArray()
                                                   << QStringLiteral("option");
        QTest::newRow("plain file from older versions") << QByteArray() << QByteArray() << QByteArray("legacy-token-xyz")
                                                        << QStringLiteral("migrated");
    }
    void adminCredentialSources()
    {
        QFETCH(QByteArray, given);
        QFETCH(QByteArray, env);
        QFETCH(QByteArray, legacy);
        QFETCH(QString, source);
        QTemporaryDir dir;
        const QString legacyFile = dir.filePath(QStringLiteral("admin-token"));
        if (!legacy.isEmpty()) {
            QFile f(legacyFile);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(legacy + '\n');
        }
        // The slow hash runs off the start path: hold the background job back to see the state before it.
        QList<std::function<void()>> jobs;
        auto resolved = AdminCredential::resolve(dir.path(), given, env, [&](std::function<void()> job) { jobs.append(std::move(job)); });
        QVERIFY(resolved.ok());
        QCOMPARE(resolved->source, source);
        const QByteArray token = !given.isEmpty() ? given : !env.isEmpty() ? env : !legacy.isEmpty() ? legacy : resolved->bootstrapToken;
        QCOMPARE(resolved->bootstrapToken.isEmpty(), source != QLatin1String("bootstrap"));
        const QString hashFile = dir.filePath(QStringLiteral("admin-token.hash"));
        QVERIFY(!QFile::exists(hashFile)); // nothing hashed or written yet
        // The admin API works at once, without any PBKDF2 run.
        AdminCredential &c = *resolved->credential;
        QVERIFY(c.verify(token));
        QVERIFY(!c.verify(QByteArray(token + "x")));
        QCOMPARE(c.pbkdf2Runs(), 0);
        if (source == QLatin1String("option")) {
            QVERIFY(jobs.isEmpty()); // the console's own token is not stored
            QVERIFY(c.stored());
            return;
        }
        QCOMPARE(jobs.size(), 1);
        QVERIFY(!c.stored());
        QCOMPARE(c.waitUntilStored().error().code, QStringLiteral("admin_token_not_stored"));
        if (!legacy.isEmpty())
            QVERIFY(QFile::exists(legacyFile)); // the plain file goes only once its hash replaces it
        jobs.takeFirst()();
        QVERIFY(c.stored());
        QVERIFY(c.waitUntilStored().ok());
        QVERIFY(c.verify(token));

        QCOMPARE(modeOf(hashFile), 0600);
        QFile f(hashFile);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray stored = f.readAll();
        QVERIFY(stored.startsWith("pbkdf2-sha256$200000$"));
        QVERIFY(!stored.contains(token));
        QVERIFY(!QFile::exists(legacyFile)); // no plain copy anywhere
        // Later starts (no env, no option) accept the same token from the stored hash.
        auto later = AdminCredential::resolve(dir.path(), {}, {});
        QCOMPARE(later->source, QStringLiteral("stored"));
        QVERIFY(later->bootstrapToken.isEmpty());
        QVERIFY(later->credential->stored());
        QVERIFY(later->credential->verify(token));
        QCOMPARE(later->credential->pbkdf2Runs(), 1);
    }

    void adminCredentialStoredByItsOwnThread()
    {
        // The default background: a thread the credential owns; destroying the credential waits for it.
        QTemporaryDir dir;
        QByteArray token;
        {
            auto resolved = AdminCredential::resolve(dir.path(), {}, {});
            QVERIFY(resolved.ok());
            token = resolved->bootstrapToken;
            QVERIFY(resolved->credential->verify(token));
        }
        auto later = AdminCredential::resolve(dir.path(), {}, {});
        QVERIFY(later.ok());
        QCOMPARE(later->source, QStringLiteral("stored"));
        QVERIFY(later->credential->verify(token));
        // waitUntilStored() reports a failed store (the hash path is a directory).
        QTemporaryDir broken;
        auto resolved = AdminCredential::resolve(broken.filePath(QStringLiteral("no-such-dir")), {}, QByteArray("env"));
        QVERIFY(resolved.ok());
        QVERIFY(resolved->credential->verify("env"));
        QVERIFY(!resolved->credential->waitUntilStored().ok());
    }

    void slowHashRunsOncePerDistinctToken()
    {
        QTemporaryDir dir;
        {
            auto first = AdminCredential::resolve(dir.path(), {}, QByteArray("the-token"));
            QVERIFY(first->credential->waitUntilStored().ok());
        }
        auto resolved = AdminCredential::resolve(dir.path(), {}, {});
        QCOMPARE(resolved->source, QStringLiteral("stored"));
        AdminCredential &c = *resolved->credential;
        for (int i = 0; i < 20; ++i)
            QVERIFY(c.verify("the-token"));
        QCOMPARE(c.pbkdf2Runs(), 1);
        for (int i = 0; i < 5; ++i)
            QVERIFY(!c.verify("wrong"));
        QCOMPARE(c.pbkdf2Runs(), 2);
        QVERIFY(!AdminCredential::fromHash("pbkdf2-sha256$1000$AAAA$AAAA").ok()); // too few iterations
    }

    void backOffAfterFailures()
    {
        QTemporaryDir dir;
        auto resolved = AdminCredential::resolve(dir.path(), {}, QByteArray("right"));
        AdminCredential &c = *resolved->credential;
        qint64 now = 1'000'000;
        c.setClock([&] { return now; });
        for (int i = 0; i < 5; ++i)
            QCOMPARE(c.admit(adminRequest("wrong")).error().code, QStringLiteral("unauthorized"));
        auto blocked = c.admit(adminRequest("right"));
        QCOMPARE(blocked.error().code, QStringLiteral("too_many_attempts"));
        QCOMPARE(blocked.error().field, QStringLiteral("1"));
        QVERIFY(c.admit(adminRequest("right", "127.0.0.2")).ok()); // per client address
        now += 1000;
        QVERIFY(c.admit(adminRequest("right")).ok());
        // Doubling: after 5 more failures 1 s, then 2 s, ...
        for (int i = 0; i < 6; ++i) {
            now += 10'000;
            (void)c.admit(adminRequest("wrong"));
        }
        QCOMPARE(c.admit(adminRequest("right")).error().field, QStringLiteral("2"));
    }

    void tokensAndAuditInTheStore()
    {
        QTemporaryDir dir;
        auto db = Database::open(dir.path());
        QVERIFY(db.ok());
        TokenStore store(**db);
        auto keys = SigningKeyStore::open(dir.path());
        TokenRequest request;
        request.subject = QStringLiteral("ci-bot");
        request.scopes = {QStringLiteral("complete_code"), QStringLiteral("complete_code")};
        request.ttlSeconds = 3600;
        auto issued = issueClientToken(**keys, store, request, QStringLiteral("cli@test"), 1'750'000'000);
        QVERIFY(issued.ok());
        QCOMPARE(issued->record.scopes, QStringList{QStringLiteral("complete_code")});
        auto parsed = parseJwt(issued->token);
        QCOMPARE(parsed->claims.tokenId, issued->record.id);
        QCOMPARE(parsed->claims.expiresAt, qint64(1'750'003'600));
        QCOMPARE((*store.list()).size(), 1);
        QCOMPARE(*store.latestExpiry(parsed->kid), qint64(1'750'003'600));
        QVERIFY(*store.revoke(issued->record.id, 1'750'000'100));
        QVERIFY(!*store.revoke(QStringLiteral("nope"), 1));
        QCOMPARE(*store.revokedIds(1'750'000'200), QSet<QString>{issued->record.id});
        QVERIFY((*store.revokedIds(1'750'100'000)).isEmpty()); // long expired: no longer carried

        AuditLog audit(**db);
        QVERIFY(audit.record(QStringLiteral("admin@127.0.0.1"), QStringLiteral("config.replace"), QStringLiteral("config"),
                             "{\"models\":[{\"name\":\"a\",\"api_key\":\"sk-live-123\"}]}", "{\"token\":\"abc\",\"keep\":1}").ok());
        const QJsonArray entries = *audit.list();
        QCOMPARE(entries.size(), 1);
        const QByteArray text = json(entries.at(0).toObject());
        QVERIFY(!text.contains("sk-live-123"));
        QVERIFY(!text.contains("abc"));
        QVERIFY(text.contains("\"keep\":1"));
    }

    void sharedCounterIsSharedBetweenMappings()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("c.counter"));
        auto a = SharedCounter::open(path);
        QVERIFY2(a.ok(), a ? "" : qPrintable(a.error().message));
        auto b = SharedCounter::open(path); // another mapping of the same file, as another process has
        QVERIFY(b.ok());
        QCOMPARE(modeOf(path), 0600);
        QCOMPARE((*a)->value(), quint64(0));
        QCOMPARE((*b)->bump(), quint64(1));
        QCOMPARE((*a)->value(), quint64(1));
        QCOMPARE((*a)->bump(), quint64(2));
        QCOMPARE((*b)->value(), quint64(2));
        b->reset();
        a->reset();
        auto again = SharedCounter::open(path);
        QCOMPARE((*again)->value(), quint64(2)); // kept in the file
        QVERIFY(!SharedCounter::open(dir.filePath(QStringLiteral("no/such/dir/c"))).ok());
    }

    // Two connections to one store stand for the gateway and `airlockd token revoke` (tst_authcli runs
    // the real processes).
    void revocationThroughAnotherConnectionIsInForceOnTheNextCheck()
    {
        QTemporaryDir dir;
        auto gatewayDb = Database::open(dir.path());
        QVERIFY(gatewayDb.ok());
        TokenStore gatewayStore(**gatewayDb);
        auto keys = SigningKeyStore::open(dir.path());
        const qint64 now = QDateTime::currentSecsSinceEpoch();
        TokenRequest request;
        request.subject = QStringLiteral("ide");
        request.scopes = {QStringLiteral("complete_code")};
        request.ttlSeconds = 3600;
        auto a = issueClientToken(**keys, gatewayStore, request, QStringLiteral("t"), now);
        auto b = issueClientToken(**keys, gatewayStore, request, QStringLiteral("t"), now);
        QVERIFY(a.ok() && b.ok());

        TokenAuthenticator auth;
        auto set = std::make_shared<KeySet>();
        set->generation = 1;
        for (const PublicKey &k : (*keys)->verificationKeys())
            set->byIssuer[QString(kSelfIssuer)].insert(k.kid(), k);
        auth.setKeySet(set);
        auto feed = StoreRevocationFeed::open(dir.path());
        QVERIFY(feed.ok());
        auth.setRevocationFeed(*feed);
        auth.setRevoked(std::make_shared<const QSet<QString>>(*gatewayStore.revokedIds(now)), (*feed)->generation());
        QVERIFY(auth.verifyToken(a->token).ok()); // verified and cached
        QVERIFY(auth.verifyToken(b->token).ok());
        QCOMPARE(auth.revocationReloads(), quint64(0));

        auto cliDb = Database::open(dir.path());
        QVERIFY(cliDb.ok());
        TokenStore cli(**cliDb);
        QVERIFY(*cli.revoke(a->record.id, now));

        auto refused = auth.verifyToken(a->token);
        QVERIFY(!refused.ok());
        QCOMPARE(refused.error().code, QStringLiteral("revoked"));
        QCOMPARE(statusFor(refused.error()), 401);
        QVERIFY(auth.verifyToken(b->token).ok());
        QCOMPARE(auth.revocationReloads(), quint64(1)); // once per change, not per request
        for (int i = 0; i < 10; ++i)
            QVERIFY(!auth.verifyToken(a->token).ok());
        QCOMPARE(auth.revocationReloads(), quint64(1));
        // The gateway's own periodic read (generation read first) does not undo it.
        auth.setRevoked(std::make_shared<const QSet<QString>>(), 0);
        QCOMPARE(auth.verifyToken(a->token).error().code, QStringLiteral("revoked"));
    }

    void revocationUnderConcurrentChecks()
    {
        QTemporaryDir dir;
        auto db = Database::open(dir.path());
        TokenStore store(**db);
        auto keys = SigningKeyStore::open(dir.path());
        const qint64 now = QDateTime::currentSecsSinceEpoch();
        TokenRequest request;
        request.subject = QStringLiteral("ide");
        request.scopes = {QStringLiteral("complete_code")};
        request.ttlSeconds = 3600;
        auto issued = issueClientToken(**keys, store, request, QStringLiteral("t"), now);
        TokenAuthenticator auth;
        auto set = std::make_shared<KeySet>();
        set->generation = 1;
        for (const PublicKey &k : (*keys)->verificationKeys())
            set->byIssuer[QString(kSelfIssuer)].insert(k.kid(), k);
        auth.setKeySet(set);
        auth.setRevocationFeed(*StoreRevocationFeed::open(dir.path()));
        QVERIFY(auth.verifyToken(issued->token).ok());

        std::atomic<bool> revokedReturned{false};
        std::atomic<int> acceptedAfterRevoke{0}, refusedChecks{0}, otherErrors{0};
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t) {
            threads.emplace_back([&] {
                while (refusedChecks.load() < 400 && acceptedAfterRevoke.load() < 100) {
                    const bool after = revokedReturned.load();
                    auto p = auth.verifyToken(issued->token);
                    if (p.ok() && after)
                        ++acceptedAfterRevoke;
                    else if (!p.ok() && p.error().code == QLatin1String("revoked"))
                        ++refusedChecks;
                    else if (!p.ok())
                        ++otherErrors;
                }
            });
        }
        QTest::qWait(20);
        QVERIFY(*store.revoke(issued->record.id, now));
        revokedReturned = true;
        for (auto &t : threads)
            t.join();
        QCOMPARE(acceptedAfterRevoke.load(), 0);
        QCOMPARE(otherErrors.load(), 0);
        QCOMPARE(auth.revocationReloads(), quint64(1)); // the others waited for the one reader
    }

    void settingsParse_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<QString>("errorField"); // empty: valid
        QTest::newRow("empty") << QByteArray("{}") << QString();
        QTest::newRow("full") << QByteArray("{\"mode\":\"disabled\",\"leeway_s\":60,\"gitlab_url\":\"https://gitlab.example.com\","
                                            "\"limits\":{\"per_user\":{\"requests_per_minute\":60,\"concurrent\":4}}}")
                              << QString();
        QTest::newRow("bad mode") << QByteArray("{\"mode\":\"off\"}") << QStringLiteral("auth.mode");
        QTest::newRow("unknown key") << QByteArray("{\"moda\":\"required\"}") << QStringLiteral("auth.moda");
        QTest::newRow("bad url") << QByteArray("{\"gitlab_url\":\"ftp://x\"}") << QStringLiteral("auth.gitlab_url");
        QTest::newRow("negative limit") << QByteArray("{\"limits\":{\"per_token\":{\"concurrent\":-1}}}")
                                        << QStringLiteral("auth.limits.per_token.concurrent");
    }
    void settingsParse()
    {
        QFETCH(QByteArray, text);
        QFETCH(QString, errorField);
        auto s = AuthSettings::fromJson(QJsonDocument::fromJson(text).object());
        QCOMPARE(s.ok(), errorField.isEmpty());
        if (!s.ok()) {
            QCOMPARE(s.error().field, errorField);
            QVERIFY(s.error().message.contains(errorField));
        } else {
            auto round = AuthSettings::fromJson(s->toJson());
            QVERIFY(round.ok());
            QCOMPARE(round->toJson(), s->toJson());
        }
    }

    void ttl_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<qint64>("seconds"); // -1: refused
        QTest::newRow("seconds") << QStringLiteral("3600") << qint64(3600);
        QTest::newRow("minutes") << QStringLiteral("90m") << qint64(5400);
        QTest::newRow("hours") << QStringLiteral("12h") << qint64(43200);
        QTest::newRow("days") << QStringLiteral("30d") << qint64(30 * 86400);
        QTest::newRow("too short") << QStringLiteral("10") << qint64(-1);
        QTest::newRow("too long") << QStringLiteral("400d") << qint64(-1);
        QTest::newRow("garbage") << QStringLiteral("1w") << qint64(-1);
    }
    void ttl()
    {
        QFETCH(QString, text);
        QFETCH(qint64, seconds);
        auto r = parseTtl(text);
        QCOMPARE(r.ok(), seconds >= 0);
        if (r.ok())
            QCOMPARE(*r, seconds);
    }

    void fingerprintsRevealNothing()
    {
        const QString f = fingerprint("secret-token-value");
        QVERIFY(f.startsWith(QStringLiteral("sha256:")));
        QVERIFY(!f.contains(QStringLiteral("secret")));
        QCOMPARE(f.size(), 15);
    }
};

QTEST_GUILESS_MAIN(tst_AuthStore)
#include "tst_authstore.moc"
