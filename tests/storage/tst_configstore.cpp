#include "storage/configstore.h"

#include <QTemporaryDir>
#include <QTest>

#include <algorithm>

using namespace airlock;

Q_DECLARE_METATYPE(airlock::GatewayConfig)

class tst_ConfigStore : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void emptyStoreLoadsEmpty();
    void replaceLoadRoundTrip();
    void roundTripSurvivesReopen();
    void replaceIsExact();
    void replaceWritesEmptyApiKeyAsGiven();
    void replaceValidatesFirst_data();
    void replaceValidatesFirst();
    void upsertModel();
    void upsertKeepsCreatedAt();
    void upsertValidates();
    void removeModel();
    void removeModelRefusedWhileAssigned_data();
    void removeModelRefusedWhileAssigned();
    void removeUnknownModel();
    void assignFeature();
    void assignFeatureErrors_data();
    void assignFeatureErrors();
    void settings();

private:
    static ModelEndpoint model(const QString &name, const QString &apiKey = {});
    static GatewayConfig fullConfig();

    std::unique_ptr<QTemporaryDir> m_tmp;
    std::unique_ptr<Database> m_db;
    std::unique_ptr<ConfigStore> m_store;
};

ModelEndpoint tst_ConfigStore::model(const QString &name, const QString &apiKey)
{
    ModelEndpoint m;
    m.name = name;
    m.family = ModelFamily::Codestral;
    m.baseUrl = QUrl(QStringLiteral("http://10.0.0.5:8000/v1"));
    m.identifier = QStringLiteral("codestral-22b");
    m.apiKey = apiKey;
    return m;
}

GatewayConfig tst_ConfigStore::fullConfig()
{
    GatewayConfig c;
    ModelEndpoint a = model(QStringLiteral("codestral-a"), QStringLiteral("sk-secret-a"));
    a.maxConcurrency = 128;
    a.timeouts = { 1500, 25000, 20000, 90000 };
    ModelEndpoint b;
    b.name = QStringLiteral("qwen.chat:7b");
    b.family = ModelFamily::QwenCoder;
    b.baseUrl = QUrl(QStringLiteral("https://gpu.internal"));
    b.identifier = QStringLiteral("Qwen/Qwen2.5-Coder-7B-Instruct");
    b.maxConcurrency = 1;
    b.server = ServerKind::Vllm; // a non-default server kind round-trips (column "server")
    ModelEndpoint c3 = model(QStringLiteral("zz-llama"));
    c3.family = ModelFamily::Llama3;
    c3.baseUrl = QUrl(QStringLiteral("http://[::1]:11434/api/"));
    c.models = { a, b, c3 }; // name order: load() returns models ordered by name
    c.features.insert(QStringLiteral("code_completions"), QStringLiteral("codestral-a"));
    c.features.insert(QStringLiteral("code_generations"), QStringLiteral("codestral-a"));
    c.features.insert(QStringLiteral("duo_chat"), QStringLiteral("qwen.chat:7b"));
    c.features.insert(QStringLiteral("generate_commit_message"), QString(kDisabled));
    return c;
}

void tst_ConfigStore::init()
{
    m_tmp = std::make_unique<QTemporaryDir>();
    QVERIFY(m_tmp->isValid());
    auto db = Database::open(m_tmp->path());
    QVERIFY2(db.ok(), qPrintable(db.ok() ? QString() : db.error().message));
    m_db = std::move(db).value();
    m_store = std::make_unique<ConfigStore>(*m_db);
}

void tst_ConfigStore::cleanup()
{
    m_store.reset();
    m_db.reset();
    m_tmp.reset();
}

void tst_ConfigStore::emptyStoreLoadsEmpty()
{
    auto loaded = m_store->load();
    QVERIFY(loaded.ok());
    QCOMPARE(*loaded, GatewayConfig());
}

void tst_ConfigStore::replaceLoadRoundTrip()
{
    const GatewayConfig config = fullConfig();
    auto st = m_store->replace(config);
    QVERIFY2(st.ok(), qPrintable(st.ok() ? QString() : st.error().message));
    auto loaded = m_store->load();
    QVERIFY(loaded.ok());
    QCOMPARE(loaded->models.size(), config.models.size());
    for (qsizetype i = 0; i < config.models.size(); ++i)
        QVERIFY2(loaded->models.at(i) == config.models.at(i), qPrintable(config.models.at(i).name));
    QCOMPARE(loaded->features, config.features);
    QVERIFY(*loaded == config);
    // Disabled is stored as NULL, not as a model named "disabled".
    auto q = m_db->run(QStringLiteral(
        "SELECT model_name FROM feature_assignments WHERE feature = 'generate_commit_message'"));
    QVERIFY(q.ok() && q->next());
    QVERIFY(q->value(0).isNull());
    // The default server kind is stored as NULL, another one by its wire name.
    auto kinds = m_db->run(QStringLiteral("SELECT name, server FROM model_endpoints ORDER BY name"));
    QVERIFY(kinds.ok());
    QHash<QString, QVariant> server;
    while (kinds->next())
        server.insert(kinds->value(0).toString(), kinds->value(1));
    QVERIFY(server.value(QStringLiteral("codestral-a")).isNull());
    QCOMPARE(server.value(QStringLiteral("qwen.chat:7b")).toString(), QStringLiteral("vllm"));
}

void tst_ConfigStore::roundTripSurvivesReopen()
{
    QVERIFY(m_store->replace(fullConfig()).ok());
    m_store.reset();
    m_db.reset();
    auto db = Database::open(m_tmp->path());
    QVERIFY(db.ok());
    ConfigStore store(**db);
    auto loaded = store.load();
    QVERIFY(loaded.ok());
    QCOMPARE(*loaded, fullConfig());
}

void tst_ConfigStore::replaceIsExact()
{
    QVERIFY(m_store->replace(fullConfig()).ok());
    GatewayConfig smaller;
    smaller.models = { model(QStringLiteral("other")) };
    smaller.features.insert(QStringLiteral("duo_chat"), QStringLiteral("other"));
    QVERIFY(m_store->replace(smaller).ok());
    auto loaded = m_store->load();
    QVERIFY(loaded.ok());
    QCOMPARE(*loaded, smaller);

    QVERIFY(m_store->replace(GatewayConfig()).ok());
    loaded = m_store->load();
    QVERIFY(loaded.ok());
    QCOMPARE(*loaded, GatewayConfig());
}

void tst_ConfigStore::replaceWritesEmptyApiKeyAsGiven()
{
    QVERIFY(m_store->replace(fullConfig()).ok());
    GatewayConfig noKeys = fullConfig();
    for (ModelEndpoint &m : noKeys.models)
        m.apiKey.clear();
    QVERIFY(m_store->replace(noKeys).ok());
    auto loaded = m_store->load();
    QVERIFY(loaded.ok());
    QCOMPARE(loaded->findModel(u"codestral-a")->apiKey, QString());
}

void tst_ConfigStore::replaceValidatesFirst_data()
{
    QTest::addColumn<GatewayConfig>("config");
    QTest::addColumn<QString>("code");
    QTest::addColumn<QString>("field");

    GatewayConfig dup;
    dup.models = { model(QStringLiteral("m")), model(QStringLiteral("m")) };
    QTest::newRow("duplicate model") << dup << QStringLiteral("duplicate_name")
                                     << QStringLiteral("models[1].name");

    GatewayConfig unknownFeature;
    unknownFeature.models = { model(QStringLiteral("m")) };
    unknownFeature.features.insert(QStringLiteral("make_coffee"), QStringLiteral("m"));
    QTest::newRow("unknown feature") << unknownFeature << QStringLiteral("unknown_feature")
                                     << QStringLiteral("features.make_coffee");

    GatewayConfig unknownModel;
    unknownModel.models = { model(QStringLiteral("m")) };
    unknownModel.features.insert(QStringLiteral("duo_chat"), QStringLiteral("ghost"));
    QTest::newRow("unknown model") << unknownModel << QStringLiteral("unknown_model")
                                   << QStringLiteral("features.duo_chat");

    GatewayConfig badUrl;
    badUrl.models = { model(QStringLiteral("m")) };
    badUrl.models[0].baseUrl = QUrl(QStringLiteral("ftp://x"));
    QTest::newRow("bad url") << badUrl << QStringLiteral("invalid_value")
                             << QStringLiteral("models[0].base_url");
}

void tst_ConfigStore::replaceValidatesFirst()
{
    QFETCH(GatewayConfig, config);
    QFETCH(QString, code);
    QFETCH(QString, field);
    QVERIFY(m_store->replace(fullConfig()).ok());
    auto st = m_store->replace(config);
    QVERIFY(!st.ok());
    QCOMPARE(st.error().code, code);
    QCOMPARE(st.error().field, field);
    auto loaded = m_store->load();
    QVERIFY(loaded.ok());
    QCOMPARE(*loaded, fullConfig()); // untouched
}

void tst_ConfigStore::upsertModel()
{
    QVERIFY(m_store->upsertModel(model(QStringLiteral("b"), QStringLiteral("k1"))).ok());
    QVERIFY(m_store->upsertModel(model(QStringLiteral("a"))).ok());
    ModelEndpoint changed = model(QStringLiteral("b"), QStringLiteral("k2"));
    changed.family = ModelFamily::DeepSeekCoder;
    changed.maxConcurrency = 3;
    changed.timeouts.idleMs = 7;
    QVERIFY(m_store->upsertModel(changed).ok());
    auto loaded = m_store->load();
    QVERIFY(loaded.ok());
    QCOMPARE(loaded->models.size(), 2);
    QCOMPARE(loaded->models.at(0).name, QStringLiteral("a"));
    QVERIFY(loaded->models.at(1) == changed);
}

void tst_ConfigStore::upsertKeepsCreatedAt()
{
    auto stamps = [&] {
        auto q = m_db->run(
            QStringLiteral("SELECT created_at, updated_at FROM model_endpoints WHERE name = 'codestral-a'"));
        return q.ok() && q->next() ? q->value(0).toString() + QLatin1Char('|') + q->value(1).toString()
                                   : QString();
    };
    const QString old = QStringLiteral("2001-01-01T00:00:00.000Z");
    QVERIFY(m_store->upsertModel(model(QStringLiteral("codestral-a"))).ok());
    QVERIFY(
        m_db->exec(QStringLiteral("UPDATE model_endpoints SET created_at = ?, updated_at = ?"), { old, old })
            .ok());
    QVERIFY(m_store->upsertModel(model(QStringLiteral("codestral-a"), QStringLiteral("k"))).ok());
    QVERIFY(stamps().startsWith(old + QLatin1Char('|')));
    QVERIFY(!stamps().endsWith(old));

    // replace() keeps it too for models that stay.
    QVERIFY(
        m_db->exec(QStringLiteral("UPDATE model_endpoints SET created_at = ?, updated_at = ?"), { old, old })
            .ok());
    QVERIFY(m_store->replace(fullConfig()).ok());
    QVERIFY(stamps().startsWith(old + QLatin1Char('|')));
    QVERIFY(!stamps().endsWith(old));
}

void tst_ConfigStore::upsertValidates()
{
    ModelEndpoint bad = model(QStringLiteral("m"));
    bad.maxConcurrency = 0;
    auto st = m_store->upsertModel(bad);
    QVERIFY(!st.ok());
    QCOMPARE(st.error().field, QStringLiteral("model.max_concurrency"));
    QCOMPARE(m_store->load()->models.size(), 0);
}

void tst_ConfigStore::removeModel()
{
    QVERIFY(m_store->replace(fullConfig()).ok());
    QVERIFY(m_store->removeModel(QStringLiteral("zz-llama")).ok());
    auto loaded = m_store->load();
    QVERIFY(loaded.ok());
    QVERIFY(!loaded->findModel(u"zz-llama"));
    QCOMPARE(loaded->models.size(), 2);
}

void tst_ConfigStore::removeModelRefusedWhileAssigned_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QStringList>("features");
    QTest::newRow("one feature") << QStringLiteral("qwen.chat:7b")
                                 << QStringList { QStringLiteral("duo_chat") };
    QTest::newRow("two features") << QStringLiteral("codestral-a")
                                  << QStringList { QStringLiteral("code_completions"),
                                         QStringLiteral("code_generations") };
}

void tst_ConfigStore::removeModelRefusedWhileAssigned()
{
    QFETCH(QString, name);
    QFETCH(QStringList, features);
    QVERIFY(m_store->replace(fullConfig()).ok());
    auto st = m_store->removeModel(name);
    QVERIFY(!st.ok());
    QCOMPARE(st.error().code, QStringLiteral("model_in_use"));
    QVERIFY2(st.error().message.contains(name), qPrintable(st.error().message));
    for (const QString &f : features)
        QVERIFY2(st.error().message.contains(f), qPrintable(st.error().message));
    QVERIFY(m_store->load()->findModel(name));

    // Once the features move elsewhere, the model can go.
    for (const QString &f : features)
        QVERIFY(m_store->assignFeature(f, QString(kDisabled)).ok());
    QVERIFY(m_store->removeModel(name).ok());
}

void tst_ConfigStore::removeUnknownModel()
{
    auto st = m_store->removeModel(QStringLiteral("ghost"));
    QVERIFY(!st.ok());
    QCOMPARE(st.error().code, QStringLiteral("not_found"));
    QVERIFY(st.error().message.contains(QStringLiteral("ghost")));
}

void tst_ConfigStore::assignFeature()
{
    QVERIFY(m_store->replace(fullConfig()).ok());
    QVERIFY(m_store->assignFeature(QStringLiteral("duo_chat"), QStringLiteral("zz-llama")).ok());
    QVERIFY(m_store->assignFeature(QStringLiteral("code_completions"), QString(kDisabled)).ok());
    QVERIFY(
        m_store->assignFeature(QStringLiteral("review_merge_request"), QStringLiteral("codestral-a")).ok());
    auto loaded = m_store->load();
    QVERIFY(loaded.ok());
    QCOMPARE(loaded->features.value(QStringLiteral("duo_chat")), QStringLiteral("zz-llama"));
    QCOMPARE(loaded->features.value(QStringLiteral("code_completions")), QString(kDisabled));
    QCOMPARE(loaded->features.value(QStringLiteral("review_merge_request")), QStringLiteral("codestral-a"));
    QCOMPARE(loaded->features.size(), 5);
}

void tst_ConfigStore::assignFeatureErrors_data()
{
    QTest::addColumn<QString>("feature");
    QTest::addColumn<QString>("model");
    QTest::addColumn<QString>("code");
    QTest::addColumn<QStringList>("mentions");
    QTest::newRow("unknown feature") << QStringLiteral("make_coffee") << QStringLiteral("codestral-a")
                                     << QStringLiteral("unknown_feature")
                                     << QStringList { QStringLiteral("make_coffee") };
    QTest::newRow("unknown model") << QStringLiteral("duo_chat") << QStringLiteral("ghost")
                                   << QStringLiteral("unknown_model")
                                   << QStringList { QStringLiteral("duo_chat"), QStringLiteral("ghost") };
    QTest::newRow("model name in wrong case")
        << QStringLiteral("duo_chat") << QStringLiteral("CODESTRAL-A") << QStringLiteral("unknown_model")
        << QStringList { QStringLiteral("CODESTRAL-A") };
    QTest::newRow("empty model") << QStringLiteral("duo_chat") << QString() << QStringLiteral("unknown_model")
                                 << QStringList { QStringLiteral("duo_chat") };
}

void tst_ConfigStore::assignFeatureErrors()
{
    QFETCH(QString, feature);
    QFETCH(QString, model);
    QFETCH(QString, code);
    QFETCH(QStringList, mentions);
    QVERIFY(m_store->replace(fullConfig()).ok());
    auto st = m_store->assignFeature(feature, model);
    QVERIFY(!st.ok());
    QCOMPARE(st.error().code, code);
    for (const QString &m : mentions)
        QVERIFY2(st.error().message.contains(m), qPrintable(st.error().message));
    QCOMPARE(*m_store->load(), fullConfig());
}

void tst_ConfigStore::settings()
{
    auto missing = m_store->setting(QStringLiteral("admin.listen"));
    QVERIFY(!missing.ok());
    QCOMPARE(missing.error().code, QStringLiteral("not_found"));
    QVERIFY(m_store->setSetting(QStringLiteral("admin.listen"), QStringLiteral("127.0.0.1:8081")).ok());
    QCOMPARE(*m_store->setting(QStringLiteral("admin.listen")), QStringLiteral("127.0.0.1:8081"));
    QVERIFY(m_store->setSetting(QStringLiteral("admin.listen"), QString()).ok());
    auto empty = m_store->setting(QStringLiteral("admin.listen"));
    QVERIFY(empty.ok());
    QCOMPARE(*empty, QString());
    // replace() leaves settings alone.
    QVERIFY(m_store->replace(GatewayConfig()).ok());
    QVERIFY(m_store->setting(QStringLiteral("admin.listen")).ok());
}

QTEST_GUILESS_MAIN(tst_ConfigStore)
#include "tst_configstore.moc"
