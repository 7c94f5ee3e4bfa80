// The console's single edits of a configuration with routes: each result is a configuration the
// gateway accepts (validateGatewayConfig), and the file it serializes to says what the admin meant.

#include "configedits.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace airlock;

namespace {

// m1, m2, m3; code_completions routed [[m1 90, m2 10], [m3]]; duo_chat on m2 alone.
GatewayConfig routed()
{
    const QByteArray json = R"({
      "models": [
        {"name": "m1", "family": "codestral", "base_url": "http://127.0.0.1:9001/v1", "identifier": "a"},
        {"name": "m2", "family": "mistral", "base_url": "http://127.0.0.1:9002/v1", "identifier": "b"},
        {"name": "m3", "family": "codellama", "base_url": "http://127.0.0.1:9003/v1", "identifier": "c"}],
      "features": {
        "code_completions": {"tiers": [[{"model": "m1", "weight": 90}, {"model": "m2", "weight": 10}],
                                       [{"model": "m3"}]]},
        "duo_chat": "m2"}})";
    auto config = parseGatewayConfig(json);
    if (!config)
        qFatal("fixture refused: %s", qPrintable(config.error().message));
    return *config;
}

QJsonObject featuresOf(const GatewayConfig &config)
{
    return QJsonDocument::fromJson(serializeGatewayConfig(config)).object().value(QStringLiteral("features")).toObject();
}

QJsonValue tiers(const char *json)
{
    return QJsonDocument::fromJson(QByteArray("{\"tiers\":") + json + "}").object();
}

} // namespace

class tst_ConfigEdits : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void assigningOneModelReplacesTheRoute()
    {
        GatewayConfig config = routed();
        assignFeatureModel(config, QStringLiteral("code_completions"), QStringLiteral("m3"));
        QVERIFY2(validateGatewayConfig(config), "refused");
        QVERIFY(!config.routes.contains(QStringLiteral("code_completions")));
        QCOMPARE(featuresOf(config).value(QStringLiteral("code_completions")).toString(), QStringLiteral("m3"));

        assignFeatureModel(config, QStringLiteral("duo_chat"), QString(kDisabled));
        QVERIFY(validateGatewayConfig(config));
        QCOMPARE(featuresOf(config).value(QStringLiteral("duo_chat")).toString(), QStringLiteral("disabled"));
    }

    void renamingFollowsIntoRoutes()
    {
        GatewayConfig config = routed();
        config.models[1].name = QStringLiteral("mistral-7b");
        renameModelReferences(config, QStringLiteral("m2"), QStringLiteral("mistral-7b"));
        QVERIFY2(validateGatewayConfig(config), "refused");
        const QJsonObject features = featuresOf(config);
        QCOMPARE(features.value(QStringLiteral("code_completions")),
                 tiers(R"([[{"model":"m1","weight":90},{"model":"mistral-7b","weight":10}],[{"model":"m3","weight":1}]])"));
        QCOMPARE(features.value(QStringLiteral("duo_chat")).toString(), QStringLiteral("mistral-7b"));
    }

    void removingTakesTheModelOutOfRoutes()
    {
        GatewayConfig config = routed();
        config.models.removeAt(0);
        removeModelReferences(config, QStringLiteral("m1"));
        QVERIFY2(validateGatewayConfig(config), "refused");
        // m2 is the first tier's only model now, and so the feature's primary model
        QCOMPARE(config.features.value(QStringLiteral("code_completions")), QStringLiteral("m2"));
        QCOMPARE(featuresOf(config).value(QStringLiteral("code_completions")),
                 tiers(R"([[{"model":"m2","weight":10}],[{"model":"m3","weight":1}]])"));
    }

    void removingATiersLastModelDropsTheTier()
    {
        GatewayConfig config = routed();
        config.models.removeAt(2);
        removeModelReferences(config, QStringLiteral("m3"));
        QVERIFY(validateGatewayConfig(config));
        QCOMPARE(config.routes.value(QStringLiteral("code_completions")).tiers.size(), 1);
        QCOMPARE(config.features.value(QStringLiteral("code_completions")), QStringLiteral("m1"));
    }

    void removingEveryModelOfARouteDisablesTheFeature()
    {
        GatewayConfig config = routed();
        config.models.clear();
        for (const char *name : {"m1", "m2", "m3"})
            removeModelReferences(config, QLatin1String(name));
        QVERIFY2(validateGatewayConfig(config), "refused");
        QVERIFY(config.routes.isEmpty());
        QCOMPARE(config.features.value(QStringLiteral("code_completions")), QString(kDisabled));
        QCOMPARE(config.features.value(QStringLiteral("duo_chat")), QString(kDisabled));
    }
};

QTEST_GUILESS_MAIN(tst_ConfigEdits)
#include "tst_configedits.moc"
