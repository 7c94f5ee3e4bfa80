#include "featurecatalog.h"
#include "featureids.h"

#include <QTest>

using namespace airlock;

class tst_FeatureCatalog : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void loadsFromResource();
    void gitlabEnumIdsPresent();
    void productIdsPresent();
    void namesAndStages();
    void nonGatewayFeatures();
    void embeddingsFeature();
    void promptedMustBeABoolean();
    void flagsDistinct();
    void chatFeatures();
    void findByRoute_data();
    void findByRoute();
    void familiesFromCompatibilityTable();
    void errors_data();
    void errors();
};

namespace {

QStringList gitlabEnumIds()
{
    return {QStringLiteral("code_generations"), QStringLiteral("code_completions"), QStringLiteral("duo_chat"),
            QStringLiteral("duo_chat_explain_code"), QStringLiteral("duo_chat_write_tests"),
            QStringLiteral("duo_chat_refactor_code"), QStringLiteral("duo_chat_fix_code"),
            QStringLiteral("duo_chat_troubleshoot_job"), QStringLiteral("generate_commit_message"),
            QStringLiteral("summarize_new_merge_request"), QStringLiteral("duo_chat_explain_vulnerability"),
            QStringLiteral("resolve_vulnerability"), QStringLiteral("summarize_review"),
            QStringLiteral("glab_ask_git_command"), QStringLiteral("duo_chat_summarize_comments"),
            QStringLiteral("review_merge_request")};
}

bool hasHangul(const QString &text)
{
    for (QChar c : text) {
        if (c.unicode() >= 0xAC00 && c.unicode() <= 0xD7A3)
            return true;
    }
    return false;
}

QByteArray oneFeature(const QByteArray &fields)
{
    return QByteArray("{\"features\":[{") + fields + "}]}";
}

const QByteArray kValid = "\"id\":\"x\",\"name_en\":\"X\",\"name_ko\":\"엑스\",\"stage\":\"ga\",\"flag\":\"ai_x\","
                          "\"routes\":[{\"endpoint\":\"/v1/x\",\"invokable\":\"\"}],\"families\":[\"gpt\"]";

} // namespace

void tst_FeatureCatalog::loadsFromResource()
{
    QFile file(FeatureCatalog::resourcePath());
    QVERIFY(file.open(QIODevice::ReadOnly));
    auto parsed = FeatureCatalog::fromJson(file.readAll());
    QVERIFY2(parsed.ok(), qPrintable(parsed.ok() ? QString() : parsed.error().message));
    QCOMPARE(parsed->features().size(), FeatureCatalog::instance().features().size());
    QVERIFY(FeatureCatalog::instance().features().size() >= 21);
}

void tst_FeatureCatalog::gitlabEnumIdsPresent()
{
    for (const QString &id : gitlabEnumIds()) {
        const Feature *feature = FeatureCatalog::instance().find(id);
        QVERIFY2(feature, qPrintable(id));
        QVERIFY2(feature->servedByGateway, qPrintable(id));
        QVERIFY2(isKnownFeature(id), qPrintable(id));
        QVERIFY2(!feature->endpoint.isEmpty(), qPrintable(id));
        QVERIFY2(!feature->families.isEmpty(), qPrintable(id));
    }
}

void tst_FeatureCatalog::productIdsPresent()
{
    // The ids featureids.cpp listed before the catalog existed: still known.
    const QStringList ids{QStringLiteral("fill_merge_request_template"), QStringLiteral("generate_issue_description"),
                          QStringLiteral("root_cause_analysis"), QStringLiteral("openai_api")};
    for (const QString &id : ids)
        QVERIFY2(isKnownFeature(id), qPrintable(id));
    // The Duo Chat tools GitLab asks for through /v1/prompts/chat/<tool> (no self-hosted feature setting of their own).
    const QStringList chatTools{QStringLiteral("duo_chat_issue_reader"), QStringLiteral("duo_chat_epic_reader"),
                                QStringLiteral("duo_chat_merge_request_reader"), QStringLiteral("duo_chat_build_reader"),
                                QStringLiteral("duo_chat_commit_reader"), QStringLiteral("duo_chat_ci_editor_assistant")};
    for (const QString &id : chatTools) {
        QVERIFY2(isKnownFeature(id), qPrintable(id));
        QVERIFY2(FeatureCatalog::instance().find(id)->chat, qPrintable(id));
    }
    // + embeddings (OpenAI API only) and repository_xray (GitLab's AI gateway API, no self-hosted feature setting)
    QCOMPARE(knownFeatureIds().size(), gitlabEnumIds().size() + ids.size() + chatTools.size() + 2);
    QVERIFY(isKnownFeature(u"repository_xray"));
    QCOMPARE(knownFeatureIds(), FeatureCatalog::instance().gatewayFeatureIds());
    QVERIFY(!isKnownFeature(u"no_such_feature"));
}

void tst_FeatureCatalog::namesAndStages()
{
    for (const Feature &feature : FeatureCatalog::instance().features()) {
        QVERIFY2(!feature.nameEn.isEmpty(), qPrintable(feature.id));
        QVERIFY2(hasHangul(feature.nameKo), qPrintable(feature.id + QStringLiteral(": ") + feature.nameKo));
        QVERIFY(stageFromName(stageName(feature.stage)) == feature.stage);
    }
    QCOMPARE(FeatureCatalog::instance().find(u"code_completions")->nameKo, QStringLiteral("코드 완성"));
    QCOMPARE(FeatureCatalog::instance().find(u"code_completions")->stage, FeatureStage::Ga);
    QCOMPARE(FeatureCatalog::instance().find(u"summarize_review")->stage, FeatureStage::Experiment);
    QCOMPARE(FeatureCatalog::instance().find(u"summarize_new_merge_request")->stage, FeatureStage::Beta);
    QVERIFY(!stageFromName(u"alpha"));
}

void tst_FeatureCatalog::nonGatewayFeatures()
{
    for (const char *id : {"suggested_reviewers", "value_stream_forecasting"}) {
        const Feature *feature = FeatureCatalog::instance().find(QString::fromLatin1(id));
        QVERIFY2(feature, id);
        QVERIFY(!feature->servedByGateway);
        QVERIFY(feature->routes.isEmpty());
        QVERIFY(!isKnownFeature(QString::fromLatin1(id)));
        QVERIFY(!knownFeatureIds().contains(QLatin1StringView(id)));
    }
}

void tst_FeatureCatalog::embeddingsFeature()
{
    // Served through the OpenAI API's /v1/embeddings: assignable, with its own flag, and no prompt.
    const Feature *feature = FeatureCatalog::instance().find(u"embeddings");
    QVERIFY(feature);
    QVERIFY(feature->servedByGateway);
    QVERIFY(!feature->prompted);
    QVERIFY(!feature->chat);
    QCOMPARE(feature->flag, QStringLiteral("ai_embeddings"));
    QCOMPARE(feature->stage, FeatureStage::Ga);
    QVERIFY(isKnownFeature(u"embeddings"));
    for (const Feature &other : FeatureCatalog::instance().features()) {
        if (other.id != feature->id && other.id != QLatin1String("openai_api")) // a pass-through too
            QVERIFY2(other.prompted, qPrintable(other.id));
    }
}

void tst_FeatureCatalog::promptedMustBeABoolean()
{
    const auto parsed = FeatureCatalog::fromJson(R"({"features":[{"id":"a","name_en":"A","name_ko":"가","stage":"ga",
        "flag":"ai_a","prompted":"no","routes":[{"endpoint":"/x"}],"families":[]}]})");
    QVERIFY(!parsed.ok());
    QCOMPARE(parsed.error().field, QStringLiteral("features[0].prompted"));
}

void tst_FeatureCatalog::flagsDistinct()
{
    QSet<QString> flags;
    for (const Feature &feature : FeatureCatalog::instance().features()) {
        QVERIFY(!feature.flag.isEmpty());
        QVERIFY(feature.flag != feature.id);
        QVERIFY(!flags.contains(feature.flag));
        QVERIFY(feature.flag != QLatin1StringView("ai_global_switch") && feature.flag != QLatin1StringView("ai_duo_chat_switch"));
        flags.insert(feature.flag);
    }
}

void tst_FeatureCatalog::chatFeatures()
{
    for (const Feature &feature : FeatureCatalog::instance().features()) {
        const bool duoChat = feature.id.startsWith(QLatin1StringView("duo_chat"));
        QCOMPARE(feature.chat, duoChat);
    }
}

void tst_FeatureCatalog::findByRoute_data()
{
    QTest::addColumn<QString>("endpoint");
    QTest::addColumn<QString>("invokable");
    QTest::addColumn<QString>("feature");
    QTest::newRow("completions") << QStringLiteral("/v2/code/completions") << QString() << QStringLiteral("code_completions");
    QTest::newRow("completions alias") << QStringLiteral("/v2/completions") << QString() << QStringLiteral("code_completions");
    QTest::newRow("generations") << QStringLiteral("/v2/code/generations") << QString() << QStringLiteral("code_generations");
    QTest::newRow("agent v2") << QStringLiteral("/v2/chat/agent") << QString() << QStringLiteral("duo_chat");
    QTest::newRow("agent v1") << QStringLiteral("/v1/chat/{invokable}") << QStringLiteral("agent") << QStringLiteral("duo_chat");
    QTest::newRow("explain code") << QStringLiteral("/v1/chat/{invokable}") << QStringLiteral("explain_code")
                                  << QStringLiteral("duo_chat_explain_code");
    QTest::newRow("troubleshoot") << QStringLiteral("/v1/chat/{invokable}") << QStringLiteral("troubleshoot_job")
                                  << QStringLiteral("duo_chat_troubleshoot_job");
    QTest::newRow("commit message") << QStringLiteral("/v1/prompts/{prompt_id}") << QStringLiteral("generate_commit_message")
                                    << QStringLiteral("generate_commit_message");
    QTest::newRow("chat tool prompt") << QStringLiteral("/v1/prompts/{prompt_id}") << QStringLiteral("chat/explain_code")
                                      << QStringLiteral("duo_chat_explain_code");
    QTest::newRow("reader prompt") << QStringLiteral("/v1/prompts/{prompt_id}") << QStringLiteral("chat/issue_reader")
                                   << QStringLiteral("duo_chat_issue_reader");
    QTest::newRow("tool name without chat/") << QStringLiteral("/v1/prompts/{prompt_id}") << QStringLiteral("explain_code")
                                             << QString();
    QTest::newRow("unknown invokable") << QStringLiteral("/v1/chat/{invokable}") << QStringLiteral("nope") << QString();
    QTest::newRow("invokable on plain route") << QStringLiteral("/v2/code/completions") << QStringLiteral("x") << QString();
}

void tst_FeatureCatalog::findByRoute()
{
    QFETCH(QString, endpoint);
    QFETCH(QString, invokable);
    QFETCH(QString, feature);
    const Feature *found = FeatureCatalog::instance().findByRoute(endpoint, invokable);
    if (feature.isEmpty()) {
        QVERIFY(!found);
    } else {
        QVERIFY(found);
        QCOMPARE(found->id, feature);
    }
}

void tst_FeatureCatalog::familiesFromCompatibilityTable()
{
    const auto &catalog = FeatureCatalog::instance();
    for (ModelFamily f : {ModelFamily::CodeGemma, ModelFamily::CodeLlama, ModelFamily::Codestral, ModelFamily::DeepSeekCoder,
                          ModelFamily::Mistral, ModelFamily::Mixtral, ModelFamily::Llama3, ModelFamily::Claude3, ModelFamily::Gpt}) {
        QVERIFY(catalog.find(u"code_completions")->suits(f));
        QVERIFY(catalog.find(u"code_generations")->suits(f));
    }
    for (const char *id : {"duo_chat", "duo_chat_explain_code", "duo_chat_troubleshoot_job"}) {
        const Feature *feature = catalog.find(QString::fromLatin1(id));
        for (ModelFamily f : {ModelFamily::Mistral, ModelFamily::Mixtral, ModelFamily::Claude3, ModelFamily::Gpt})
            QVERIFY(feature->suits(f));
        QVERIFY(!feature->suits(ModelFamily::Codestral));
    }
    for (const char *id : {"duo_chat_write_tests", "duo_chat_refactor_code", "duo_chat_fix_code"})
        QVERIFY(catalog.find(QString::fromLatin1(id))->suits(ModelFamily::Codestral));
}

void tst_FeatureCatalog::errors_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("field");
    QTest::newRow("not json") << QByteArray("{") << QString();
    QTest::newRow("no features") << QByteArray("{}") << QStringLiteral("features");
    QTest::newRow("bad stage") << oneFeature(QByteArray(kValid).replace("\"ga\"", "\"alpha\"")) << QStringLiteral("features[0].stage");
    QTest::newRow("unknown key") << oneFeature(kValid + ",\"colour\":1") << QStringLiteral("features[0].colour");
    QTest::newRow("unknown family") << oneFeature(QByteArray(kValid).replace("\"gpt\"", "\"gpt5\"")) << QStringLiteral("features[0].families[0]");
    QTest::newRow("missing korean name") << oneFeature(QByteArray(kValid).replace("\"엑스\"", "\"\"")) << QStringLiteral("features[0].name_ko");
    QTest::newRow("flag equals id") << oneFeature(QByteArray(kValid).replace("\"ai_x\"", "\"x\"")) << QStringLiteral("features[0].flag");
    QTest::newRow("served without route") << oneFeature(QByteArray(kValid).replace("{\"endpoint\":\"/v1/x\",\"invokable\":\"\"}", ""))
                                          << QStringLiteral("features[0].routes");
    QTest::newRow("duplicate id") << QByteArray("{\"features\":[{" + kValid + "},{" + QByteArray(kValid).replace("ai_x", "ai_y") + "}]}")
                                  << QStringLiteral("features[1].id");
}

void tst_FeatureCatalog::errors()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, field);
    auto parsed = FeatureCatalog::fromJson(json);
    QVERIFY(!parsed.ok());
    QCOMPARE(parsed.error().code, QStringLiteral("invalid_catalog"));
    QCOMPARE(parsed.error().field, field);
    if (!field.isEmpty())
        QVERIFY2(parsed.error().message.contains(field), qPrintable(parsed.error().message));
}

QTEST_GUILESS_MAIN(tst_FeatureCatalog)
#include "tst_featurecatalog.moc"
