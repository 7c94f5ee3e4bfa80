#include "policy/featurepolicy.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace airlock;
using namespace airlock::policy;

class tst_FeaturePolicy : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void gating_data();
    void gating();
    void everyGatewayFeatureAllowedByDefaultWhenGa();
    void namespaceHeader_data();
    void namespaceHeader();
    void jsonRoundTrip();
    void jsonDefaults();
    void jsonErrors_data();
    void jsonErrors();
};

namespace {

FeatureFlags flagsFrom(const QByteArray &json)
{
    auto flags = featureFlagsFromJson(QJsonDocument::fromJson(json).object());
    if (!flags)
        qFatal("bad test flags %s: %s", json.constData(), qPrintable(flags.error().message));
    return *flags;
}

} // namespace

void tst_FeaturePolicy::gating_data()
{
    QTest::addColumn<QString>("feature");
    QTest::addColumn<QByteArray>("flags");
    QTest::addColumn<QByteArray>("header");
    QTest::addColumn<QString>("code");    // empty: allowed
    QTest::addColumn<QString>("mention"); // the message names this

    const QString flagDisabled = QStringLiteral("flag_disabled");
    const QString stage = QStringLiteral("stage_not_enabled");
    QTest::newRow("ga feature, defaults") << "code_completions" << QByteArray("{}") << QByteArray() << QString() << QString();
    QTest::newRow("global switch off blocks non-chat")
        << "code_completions" << QByteArray("{\"ai_global_switch\":false}") << QByteArray() << flagDisabled << "ai_global_switch";
    QTest::newRow("global switch off blocks prompts feature")
        << "generate_commit_message" << QByteArray("{\"ai_global_switch\":false}") << QByteArray() << flagDisabled << "ai_global_switch";
    QTest::newRow("global switch off leaves chat")
        << "duo_chat" << QByteArray("{\"ai_global_switch\":false}") << QByteArray() << QString() << QString();
    QTest::newRow("chat switch off blocks chat")
        << "duo_chat_explain_code" << QByteArray("{\"ai_duo_chat_switch\":false}") << QByteArray() << flagDisabled << "ai_duo_chat_switch";
    QTest::newRow("chat switch off leaves non-chat")
        << "code_generations" << QByteArray("{\"ai_duo_chat_switch\":false}") << QByteArray() << QString() << QString();
    QTest::newRow("feature flag off")
        << "duo_chat_fix_code" << QByteArray("{\"flags\":{\"ai_duo_chat_fix_code\":false}}") << QByteArray() << flagDisabled
        << "ai_duo_chat_fix_code";
    QTest::newRow("feature flag explicitly on")
        << "duo_chat_fix_code" << QByteArray("{\"flags\":{\"ai_duo_chat_fix_code\":true}}") << QByteArray() << QString() << QString();
    QTest::newRow("another feature's flag off")
        << "code_generations" << QByteArray("{\"flags\":{\"ai_duo_chat_fix_code\":false}}") << QByteArray() << QString() << QString();
    QTest::newRow("experiment refused by default")
        << "summarize_review" << QByteArray("{}") << QByteArray() << stage << "experiment";
    QTest::newRow("beta refused by default")
        << "review_merge_request" << QByteArray("{}") << QByteArray() << stage << "beta";
    QTest::newRow("experiments enabled globally")
        << "summarize_review" << QByteArray("{\"experiment_features_enabled\":true}") << QByteArray() << QString() << QString();
    QTest::newRow("beta enabled globally")
        << "summarize_new_merge_request" << QByteArray("{\"experiment_features_enabled\":true}") << QByteArray() << QString() << QString();
    QTest::newRow("namespace listed")
        << "glab_ask_git_command" << QByteArray("{\"experiment_namespace_ids\":[42]}") << QByteArray("7, 42") << QString() << QString();
    QTest::newRow("namespace not listed")
        << "glab_ask_git_command" << QByteArray("{\"experiment_namespace_ids\":[42]}") << QByteArray("7,8") << stage << "experiment";
    QTest::newRow("namespace configured, no header")
        << "fill_merge_request_template" << QByteArray("{\"experiment_namespace_ids\":[42]}") << QByteArray() << stage << "experiment";
    QTest::newRow("header without configured namespaces")
        << "generate_issue_description" << QByteArray("{}") << QByteArray("42") << stage << "experiment";
    QTest::newRow("flag checked before stage")
        << "summarize_review" << QByteArray("{\"flags\":{\"ai_summarize_review\":false},\"experiment_features_enabled\":true}")
        << QByteArray() << flagDisabled << "ai_summarize_review";
    QTest::newRow("switch checked before feature flag")
        << "code_completions" << QByteArray("{\"ai_global_switch\":false,\"flags\":{\"ai_code_completions\":false}}")
        << QByteArray() << flagDisabled << "ai_global_switch";
    QTest::newRow("not served by a gateway")
        << "suggested_reviewers" << QByteArray("{}") << QByteArray() << "feature_not_served" << "suggested_reviewers";
}

void tst_FeaturePolicy::gating()
{
    QFETCH(QString, feature);
    QFETCH(QByteArray, flags);
    QFETCH(QByteArray, header);
    QFETCH(QString, code);
    QFETCH(QString, mention);
    const Feature *f = FeatureCatalog::instance().find(feature);
    QVERIFY(f);
    const Status st = checkFeatureAllowed(flagsFrom(flags), *f, parseNamespaceIdsHeader(header));
    if (code.isEmpty()) {
        QVERIFY2(st.ok(), qPrintable(st.ok() ? QString() : st.error().message));
        return;
    }
    QVERIFY(!st.ok());
    QCOMPARE(st.error().code, code);
    QVERIFY2(st.error().message.contains(mention), qPrintable(st.error().message));
    if (code == QLatin1StringView("flag_disabled"))
        QCOMPARE(st.error().field, mention);
}

void tst_FeaturePolicy::everyGatewayFeatureAllowedByDefaultWhenGa()
{
    const FeatureFlags defaults;
    for (const Feature &feature : FeatureCatalog::instance().features()) {
        const Status st = checkFeatureAllowed(defaults, feature, {});
        const bool expected = feature.servedByGateway && feature.stage == FeatureStage::Ga;
        QVERIFY2(st.ok() == expected, qPrintable(feature.id));
    }
}

void tst_FeaturePolicy::namespaceHeader_data()
{
    QTest::addColumn<QByteArray>("header");
    QTest::addColumn<QList<qint64>>("ids");
    QTest::newRow("empty") << QByteArray() << QList<qint64>{};
    QTest::newRow("one") << QByteArray("9970") << QList<qint64>{9970};
    QTest::newRow("several with spaces") << QByteArray(" 1, 2 ,3 ") << QList<qint64>{1, 2, 3};
    QTest::newRow("junk skipped") << QByteArray("1,,x,-3,0,2,2") << QList<qint64>{1, 2};
    QTest::newRow("big id") << QByteArray("9007199254740993") << QList<qint64>{Q_INT64_C(9007199254740993)};
}

void tst_FeaturePolicy::namespaceHeader()
{
    QFETCH(QByteArray, header);
    QFETCH(QList<qint64>, ids);
    QCOMPARE(parseNamespaceIdsHeader(header), ids);
}

void tst_FeaturePolicy::jsonRoundTrip()
{
    FeatureFlags flags;
    flags.globalSwitch = false;
    flags.duoChatSwitch = true;
    flags.flags.insert(QStringLiteral("ai_summarize_review"), false);
    flags.flags.insert(QStringLiteral("ai_duo_chat"), true);
    flags.experimentsEnabled = true;
    flags.experimentNamespaceIds = {42, 7};
    const QJsonObject json = featureFlagsToJson(flags);
    QCOMPARE(json.value(QStringLiteral("experiment_namespace_ids")).toArray().at(0).toInteger(), 7);
    auto back = featureFlagsFromJson(json);
    QVERIFY(back.ok());
    QVERIFY(*back == flags);
}

void tst_FeaturePolicy::jsonDefaults()
{
    auto flags = featureFlagsFromJson(QJsonObject());
    QVERIFY(flags.ok());
    QVERIFY(*flags == FeatureFlags());
    QVERIFY(flags->globalSwitch && flags->duoChatSwitch && !flags->experimentsEnabled);
    QVERIFY(flags->flagEnabled(QStringLiteral("ai_code_completions")));
}

void tst_FeaturePolicy::jsonErrors_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("field");
    QTest::newRow("unknown key") << QByteArray("{\"ai_switch\":true}") << QStringLiteral("ai_switch");
    QTest::newRow("switch not bool") << QByteArray("{\"ai_global_switch\":1}") << QStringLiteral("ai_global_switch");
    QTest::newRow("unknown flag") << QByteArray("{\"flags\":{\"ai_nope\":false}}") << QStringLiteral("flags.ai_nope");
    QTest::newRow("feature id is not a flag") << QByteArray("{\"flags\":{\"duo_chat\":false}}") << QStringLiteral("flags.duo_chat");
    QTest::newRow("flag not bool") << QByteArray("{\"flags\":{\"ai_duo_chat\":\"no\"}}") << QStringLiteral("flags.ai_duo_chat");
    QTest::newRow("flags not object") << QByteArray("{\"flags\":[]}") << QStringLiteral("flags");
    QTest::newRow("negative namespace") << QByteArray("{\"experiment_namespace_ids\":[1,-2]}")
                                        << QStringLiteral("experiment_namespace_ids[1]");
    QTest::newRow("fractional namespace") << QByteArray("{\"experiment_namespace_ids\":[1.5]}")
                                          << QStringLiteral("experiment_namespace_ids[0]");
    QTest::newRow("string namespace") << QByteArray("{\"experiment_namespace_ids\":[\"1\"]}")
                                      << QStringLiteral("experiment_namespace_ids[0]");
}

void tst_FeaturePolicy::jsonErrors()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, field);
    auto flags = featureFlagsFromJson(QJsonDocument::fromJson(json).object());
    QVERIFY(!flags.ok());
    QCOMPARE(flags.error().code, QStringLiteral("invalid_feature_flags"));
    QCOMPARE(flags.error().field, field);
}

QTEST_GUILESS_MAIN(tst_FeaturePolicy)
#include "tst_featurepolicy.moc"
