// The completion cache's start-up settings: the declarative file's "completion_cache" section read
// strictly (errors name the key), the command line over the file, user scope by default; and the cache
// keeping what it was given.

#include "routing/completioncache.h"
#include "routing/completioncachesettings.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace airlock::routing;

namespace {

QJsonValue section(const char *json)
{
    return QJsonDocument::fromJson(json).object().value(QLatin1String("completion_cache"));
}

} // namespace

class tst_CompletionCacheSettings : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void defaultsArePrivate()
    {
        const auto s = resolveCompletionCacheSettings({});
        QVERIFY(s);
        QCOMPARE(s->scope, CacheScope::User);
        QCOMPARE(s->entries, 4096);
        QCOMPARE(s->ttlMs, 600000);
        QVERIFY(s->enabled());
    }

    void fileSection()
    {
        const auto s = resolveCompletionCacheSettings(
            {}, section(R"({"completion_cache": {"scope": "shared", "entries": 10, "ttl_seconds": 30}})"));
        QVERIFY(s);
        QCOMPARE(s->scope, CacheScope::Shared);
        QCOMPARE(s->entries, 10);
        QCOMPARE(s->ttlMs, 30000);
    }

    void commandLineWinsOverTheFile()
    {
        CompletionCacheOptions o;
        o.scope = CacheScope::User;
        o.entries = 7;
        const auto s = resolveCompletionCacheSettings(o, section(R"({"completion_cache": {"scope": "shared", "entries": 10}})"));
        QVERIFY(s);
        QCOMPARE(s->scope, CacheScope::User);
        QCOMPARE(s->entries, 7);
    }

    void zeroEntriesIsOff()
    {
        CompletionCacheOptions o;
        o.entries = 0;
        const auto s = resolveCompletionCacheSettings(o, section(R"({"completion_cache": {"scope": "shared"}})"));
        QVERIFY(s);
        QCOMPARE(s->scope, CacheScope::Off);
        QVERIFY(!s->enabled());
        const auto off = resolveCompletionCacheSettings({}, section(R"({"completion_cache": {"scope": "off"}})"));
        QVERIFY(off && !off->enabled());
    }

    void badSectionsNameTheKey_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("field");
        QTest::newRow("not an object") << QByteArray(R"({"completion_cache": 5})") << QStringLiteral("completion_cache");
        QTest::newRow("unknown key") << QByteArray(R"({"completion_cache": {"size": 5}})")
                                     << QStringLiteral("completion_cache.size");
        QTest::newRow("unknown scope") << QByteArray(R"({"completion_cache": {"scope": "everyone"}})")
                                       << QStringLiteral("completion_cache.scope");
        QTest::newRow("scope not a string") << QByteArray(R"({"completion_cache": {"scope": true}})")
                                            << QStringLiteral("completion_cache.scope");
        QTest::newRow("entries a string") << QByteArray(R"({"completion_cache": {"entries": "many"}})")
                                          << QStringLiteral("completion_cache.entries");
        QTest::newRow("entries negative") << QByteArray(R"({"completion_cache": {"entries": -1}})")
                                          << QStringLiteral("completion_cache.entries");
        QTest::newRow("entries fractional") << QByteArray(R"({"completion_cache": {"entries": 1.5}})")
                                            << QStringLiteral("completion_cache.entries");
        QTest::newRow("ttl zero") << QByteArray(R"({"completion_cache": {"ttl_seconds": 0}})")
                                  << QStringLiteral("completion_cache.ttl_seconds");
    }
    void badSectionsNameTheKey()
    {
        QFETCH(QByteArray, json);
        QFETCH(QString, field);
        const auto s = resolveCompletionCacheSettings({}, section(json.constData()));
        QVERIFY(!s);
        QCOMPARE(s.error().field, field);
        QVERIFY2(s.error().message.startsWith(field), qPrintable(s.error().message));
    }

    void scopeNames()
    {
        for (CacheScope scope : {CacheScope::Off, CacheScope::User, CacheScope::Shared})
            QCOMPARE(cacheScopeFromName(cacheScopeName(scope)), scope);
        QVERIFY(!cacheScopeFromName(u"User"));
    }

    void entriesKeepTheAnswerAsGiven()
    {
        CompletionCache cache(2, std::chrono::minutes(1), CacheScope::User);
        QCOMPARE(cache.scope(), CacheScope::User);
        const QByteArray key = CompletionCache::KeyBuilder().add(u"owner").add(QByteArrayView("body")).result();
        QVERIFY(!cache.find(key));
        cache.insert(key, {QByteArrayLiteral("{\"x\":1}"), QByteArrayLiteral("application/json"), 3, 4});
        const auto hit = cache.find(key);
        QVERIFY(hit);
        QCOMPARE(hit->body, QByteArray("{\"x\":1}"));
        QCOMPARE(hit->contentType, QByteArray("application/json"));
        QCOMPARE(hit->promptTokens, 3);
        QCOMPARE(hit->completionTokens, 4);
        // Owners are part of the key: another owner, same body, another key.
        QVERIFY(CompletionCache::KeyBuilder().add(u"other").add(QByteArrayView("body")).result() != key);
        // Text and bytes of the same content are different parts.
        QVERIFY(CompletionCache::KeyBuilder().add(u"owner").add(u"body").result() != key);
    }

    void offScopeStoresNothing()
    {
        CompletionCache cache(10, std::chrono::minutes(1), CacheScope::Off);
        cache.insert("k", {"b", "application/json", 1, 1});
        QCOMPARE(cache.size(), 0);
    }
};

QTEST_GUILESS_MAIN(tst_CompletionCacheSettings)
#include "tst_completioncachesettings.moc"
