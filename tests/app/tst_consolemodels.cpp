// The console's list models under QAbstractItemModelTester, and the pure logic of its controllers
// (form validation, SSE parsing, cursor split, metrics folding, gateway address).

#include "chartseries.h"
#include "configcontroller.h"
#include "configmodels.h"
#include "consolecore.h"
#include "featurecatalog.h"
#include "jsonrowsmodel.h"
#include "metricscontroller.h"
#include "playgroundcontroller.h"
#include "replicahealth.h"
#include "routeforms.h"

#include <QAbstractItemModelTester>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPainter>
#include <QSignalSpy>
#include <QTest>

using namespace airlock;
using namespace Qt::StringLiterals;

namespace {

GatewayConfig sampleConfig()
{
    GatewayConfig c;
    ModelEndpoint a;
    a.name = u"codestral-a"_s;
    a.family = ModelFamily::Codestral;
    a.baseUrl = QUrl(u"http://127.0.0.1:8000/v1"_s);
    a.identifier = u"codestral-22b"_s;
    a.apiKey = u"secret"_s;
    ModelEndpoint b = a;
    b.name = u"gemma"_s;
    b.family = ModelFamily::CodeGemma;
    b.apiKey.clear();
    c.models = {a, b};
    c.features.insert(u"code_completions"_s, u"codestral-a"_s);
    c.features.insert(u"duo_chat"_s, u"gemma"_s);
    c.flags = QJsonObject{{u"flags"_s, QJsonObject{{u"ai_code_generations"_s, false}}}};
    return c;
}

QJsonArray catalogJson()
{
    QJsonArray features;
    for (const Feature &f : FeatureCatalog::instance().features()) {
        QJsonArray families;
        for (ModelFamily family : f.families)
            families.append(familyName(family));
        features.append(QJsonObject{{u"id"_s, f.id}, {u"name_en"_s, f.nameEn}, {u"name_ko"_s, f.nameKo},
                                    {u"stage"_s, stageName(f.stage)}, {u"flag"_s, f.flag}, {u"chat"_s, f.chat},
                                    {u"served_by_gateway"_s, f.servedByGateway}, {u"families"_s, families}});
    }
    return features;
}

int rowOf(const QAbstractItemModel &model, int role, const QVariant &value)
{
    for (int i = 0; i < model.rowCount(); ++i) {
        if (model.data(model.index(i, 0), role) == value)
            return i;
    }
    return -1;
}

} // namespace

class tst_ConsoleModels : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void modelList();
    void featureList();
    void routesAndReplicas();
    void routeForms();
    void replicaHealthRows();
    void tokenList();
    void logListCap();
    void testSteps();
    void chartSeries();
    void metricsFolding();
    void endpointHealth_data();
    void endpointHealth();
    void endpointFromFields_data();
    void endpointFromFields();
    void splitAtCursor_data();
    void splitAtCursor();
    void sseStreaming();
    void gatewayUrl_data();
    void gatewayUrl();
};

void tst_ConsoleModels::modelList()
{
    ModelListModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy count(&model, &ModelListModel::countChanged);
    model.setConfig(sampleConfig());
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(count.count(), 1);
    const QVariantMap a = model.get(0).toMap();
    QCOMPARE(a.value(u"name"_s).toString(), u"codestral-a"_s);
    QCOMPARE(a.value(u"family"_s).toString(), u"codestral"_s);
    QCOMPARE(a.value(u"hasApiKey"_s).toBool(), true);
    QCOMPARE(a.value(u"assignedFeatures"_s).toStringList(), QStringList{u"code_completions"_s});
    QCOMPARE(model.get(1).toMap().value(u"hasApiKey"_s).toBool(), false);
    QCOMPARE(model.indexOf(u"gemma"_s), 1);
    QCOMPARE(model.indexOf(u"nope"_s), -1);
    QVERIFY(model.get(7).toMap().isEmpty());
    // The key itself is never a role.
    for (const QByteArray &role : model.roleNames())
        QVERIFY(!role.toLower().contains("apikey") || role == "hasApiKey");
    model.setConfig({});
    QCOMPARE(model.rowCount(), 0);
}

void tst_ConsoleModels::featureList()
{
    FeatureListModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy namesChanged(&model, &FeatureListModel::namesChanged);
    model.setCatalog(catalogJson());
    QCOMPARE(namesChanged.count(), 1);
    QCOMPARE(model.rowCount(), FeatureCatalog::instance().gatewayFeatureIds().size());
    model.setConfig(sampleConfig());

    const int completion = rowOf(model, FeatureListModel::IdRole, u"code_completions"_s);
    QVERIFY(completion >= 0);
    const QModelIndex c = model.index(completion);
    QCOMPARE(c.data(FeatureListModel::AssignedModelRole).toString(), u"codestral-a"_s);
    QCOMPARE(c.data(FeatureListModel::SuitsRole).toBool(), true);
    QCOMPARE(c.data(FeatureListModel::NameRole).toString(), u"Code completion"_s);
    QCOMPARE(c.data(FeatureListModel::StageRole).toString(), u"ga"_s);

    // codegemma is not known to suit Duo Chat: the warning role says so.
    const QModelIndex chat = model.index(rowOf(model, FeatureListModel::IdRole, u"duo_chat"_s));
    QCOMPARE(chat.data(FeatureListModel::AssignedModelRole).toString(), u"gemma"_s);
    QCOMPARE(chat.data(FeatureListModel::SuitsRole).toBool(), false);
    QCOMPARE(chat.data(FeatureListModel::AssignedFamilyRole).toString(), u"codegemma"_s);

    // Unassigned shows as disabled; flags default on; a flag turned off reads off.
    const QModelIndex generation = model.index(rowOf(model, FeatureListModel::IdRole, u"code_generations"_s));
    QCOMPARE(generation.data(FeatureListModel::AssignedModelRole).toString(), QString(kDisabled));
    QCOMPARE(generation.data(FeatureListModel::FlagEnabledRole).toBool(), false);
    QCOMPARE(c.data(FeatureListModel::FlagEnabledRole).toBool(), true);

    // The names as QML's bindings read them (names[id]): in the language in force, announced when it
    // changes, so that a drop-down's text follows a language switch.
    QCOMPARE(model.property("names").toMap().value(u"code_completions"_s).toString(), u"Code completion"_s);
    QCOMPARE(model.names().size(), model.rowCount());
    namesChanged.clear();
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    model.setLanguage(u"ko"_s);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(namesChanged.count(), 1);
    QCOMPARE(c.data(FeatureListModel::NameRole).toString(), u"코드 완성"_s);
    QCOMPARE(model.featureName(u"code_completions"_s), u"코드 완성"_s);
    QCOMPARE(model.property("names").toMap().value(u"code_completions"_s).toString(), u"코드 완성"_s);
    QCOMPARE(model.featureName(u"unknown"_s), u"unknown"_s);
    model.setLanguage(u"ko"_s); // no change, no signal
    QCOMPARE(namesChanged.count(), 1);
    QVERIFY(model.featureIds().contains(u"code_completions"_s));
}

// A routed feature shows its split and fallbacks; a model lists its replicas' URLs and the features
// whose route names it.
void tst_ConsoleModels::routesAndReplicas()
{
    GatewayConfig config = sampleConfig();
    config.models[1].replicas = {ModelReplica{QUrl(u"http://127.0.0.1:8000/v1"_s), 1},
                                 ModelReplica{QUrl(u"http://127.0.0.1:8001/v1"_s), 3}};
    ModelRoute route;
    route.tiers = {{RouteTarget{u"codestral-a"_s, 70}, RouteTarget{u"gemma"_s, 30}}, {RouteTarget{u"gemma"_s, 1}}};
    config.routes.insert(u"code_completions"_s, route);
    QVERIFY(validateGatewayConfig(config));

    FeatureListModel features;
    QAbstractItemModelTester tester(&features, QAbstractItemModelTester::FailureReportingMode::QtTest);
    features.setCatalog(catalogJson());
    features.setConfig(config);
    const QModelIndex c = features.index(rowOf(features, FeatureListModel::IdRole, u"code_completions"_s));
    QCOMPARE(c.data(FeatureListModel::AssignedModelRole).toString(), u"codestral-a"_s);
    QCOMPARE(c.data(FeatureListModel::RouteSummaryRole).toString(), u"codestral-a 70 % · gemma 30 % → gemma"_s);
    const QModelIndex chat = features.index(rowOf(features, FeatureListModel::IdRole, u"duo_chat"_s));
    QCOMPARE(chat.data(FeatureListModel::RouteSummaryRole).toString(), QString());
    QCOMPARE(features.roleNames().value(FeatureListModel::RouteSummaryRole), QByteArray("routeSummary"));

    ModelRoute single;
    single.tiers = {{RouteTarget{u"gemma"_s, 5}}};
    QCOMPARE(routeSummary(single), QString());

    ModelListModel models;
    QAbstractItemModelTester modelTester(&models, QAbstractItemModelTester::FailureReportingMode::QtTest);
    models.setConfig(config);
    const QVariantMap gemma = models.get(1).toMap();
    QCOMPARE(gemma.value(u"replicaUrls"_s).toStringList(),
             (QStringList{u"http://127.0.0.1:8000/v1"_s, u"http://127.0.0.1:8001/v1"_s}));
    QCOMPARE(gemma.value(u"assignedFeatures"_s).toStringList(), (QStringList{u"code_completions"_s, u"duo_chat"_s}));
    QCOMPARE(models.get(0).toMap().value(u"replicaUrls"_s).toStringList(), QStringList{u"http://127.0.0.1:8000/v1"_s});
}

// The route editor's and the replica list's values: round trips, percents per tier, what is kept as
// typed for the gateway to judge.
void tst_ConsoleModels::routeForms()
{
    ModelRoute route;
    route.tiers = {{RouteTarget{u"a"_s, 2}, RouteTarget{u"b"_s, 1}}, {RouteTarget{u"c"_s, 7}}};
    QCOMPARE(tierPercents(route.tiers.at(0)), (QList<int>{67, 33}));
    QCOMPARE(tierPercents({RouteTarget{u"a"_s, 0}, RouteTarget{u"b"_s, 0}}), (QList<int>{0, 0}));
    const QVariantList tiers = routeToTiers(route);
    QCOMPARE(tiers.size(), 2);
    QCOMPARE(tiers.at(0).toList().at(1).toMap().value(u"percent"_s).toInt(), 33);
    QCOMPARE(tiers.at(1).toList().at(0).toMap().value(u"percent"_s).toInt(), 100);
    QCOMPARE(routeFromTiers(tiers), route);
    QVERIFY(!isSingleModel(route));
    QVERIFY(isSingleModel(routeFromTiers(QVariantList{QVariantList{QVariantMap{{u"model"_s, u" a "_s}, {u"weight"_s, 4}}}})));
    // As QML hands them: numbers as doubles, a weight that is not a number (0: the gateway refuses it).
    const ModelRoute typed = routeFromTiers(QVariantList{QVariantList{QVariantMap{{u"model"_s, u"a"_s}, {u"weight"_s, 3.0}},
                                                                      QVariantMap{{u"model"_s, u"b"_s}, {u"weight"_s, u"x"_s}}}});
    QCOMPARE(typed.tiers.at(0), (QList<RouteTarget>{{u"a"_s, 3}, {u"b"_s, 0}}));

    const QList<ModelReplica> replicas{{QUrl(u"http://h1:8000/v1"_s), 1}, {QUrl(u"http://h2:8000"_s), 5}};
    QCOMPARE(replicasFromList(replicasToList(replicas)), replicas);
    QCOMPARE(replicasFromList(QVariantList{QVariantMap{{u"baseUrl"_s, u" http://h3:1/v1 "_s}}}),
             (QList<ModelReplica>{{QUrl(u"http://h3:1/v1"_s), 1}}));

    // The model form's replicas: one of weight 1 is the plain base URL, more a replica list; none is refused.
    QVariantMap fields{{u"name"_s, u"m"_s}, {u"family"_s, u"codestral"_s}, {u"identifier"_s, u"id"_s},
                       {u"replicas"_s, replicasToList({replicas.at(0)})}};
    auto endpoint = ConfigController::endpointFromFields(fields);
    QVERIFY2(endpoint, qPrintable(endpoint ? QString() : endpoint.error().message));
    QCOMPARE(endpoint->baseUrl, QUrl(u"http://h1:8000/v1"_s));
    QVERIFY(endpoint->replicas.isEmpty());
    fields.insert(u"replicas"_s, replicasToList(replicas));
    endpoint = ConfigController::endpointFromFields(fields);
    QVERIFY(endpoint);
    QCOMPARE(endpoint->replicas, replicas);
    QCOMPARE(endpoint->baseUrl, replicas.at(0).baseUrl);
    fields.insert(u"replicas"_s, QVariantList{});
    endpoint = ConfigController::endpointFromFields(fields);
    QVERIFY(!endpoint);
    QCOMPARE(endpoint.error().field, u"replicas"_s);
}

// GET /api/v1/replicas flattened into rows, per endpoint, with the optional fields' fallbacks.
void tst_ConsoleModels::replicaHealthRows()
{
    const QJsonObject answer = QJsonDocument::fromJson(R"({"endpoints": [
        {"name": "a", "server": "vllm", "replicas": [
            {"replica": "http://h1:8000/v1", "state": "ready", "probe": "ready", "outstanding": 2},
            {"replica": "http://h2:8000/v1", "state": "ejected", "probe": "down", "error": "connection refused",
             "outstanding": 0, "ejected_for_ms": 4200.4, "ttfb_p95_ms": 120}]},
        {"name": "b", "server": "openai", "replicas": [
            {"replica": "http://h3:8000/v1", "state": "ready", "probe": "unknown", "outstanding": 0}]}]})").object();
    ReplicaHealthController health(nullptr);
    QSignalSpy updated(&health, &ReplicaHealthController::updated);
    health.apply(answer);
    QCOMPARE(updated.size(), 1);
    ReplicaHealthModel *model = health.replicas();
    QAbstractItemModelTester tester(model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(model->rowCount(), 3);
    const QVariantList a = model->rowsFor(u"a"_s);
    QCOMPARE(a.size(), 2);
    QCOMPARE(a.at(0).toMap().value(u"server"_s).toString(), u"vllm"_s);
    QCOMPARE(a.at(0).toMap().value(u"outstanding"_s).toInt(), 2);
    QCOMPARE(a.at(0).toMap().value(u"error"_s).toString(), QString());
    QCOMPARE(a.at(0).toMap().value(u"ejectedForMs"_s).toLongLong(), -1);
    QCOMPARE(a.at(0).toMap().value(u"ttfbMs"_s).toLongLong(), -1);
    QCOMPARE(a.at(1).toMap().value(u"state"_s).toString(), u"ejected"_s);
    QCOMPARE(a.at(1).toMap().value(u"error"_s).toString(), u"connection refused"_s);
    QCOMPARE(a.at(1).toMap().value(u"ejectedForMs"_s).toLongLong(), 4200);
    QCOMPARE(a.at(1).toMap().value(u"ttfbMs"_s).toLongLong(), 120);
    QCOMPARE(model->rowsFor(u"b"_s).at(0).toMap().value(u"probe"_s).toString(), u"unknown"_s);
    QVERIFY(model->rowsFor(u"nope"_s).isEmpty());
    const int revision = health.revision();
    health.clear();
    QCOMPARE(model->rowCount(), 0);
    QCOMPARE(health.revision(), revision + 1);
}

void tst_ConsoleModels::tokenList()
{
    TokenListModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setRows(QJsonArray{
        QJsonObject{{u"id"_s, u"t1"_s}, {u"subject"_s, u"alice"_s}, {u"scopes"_s, QJsonArray{u"complete_code"_s, u"generate_code"_s}},
                    {u"issued_at"_s, 1700000000}, {u"expires_at"_s, 1800000000}, {u"revoked"_s, false}, {u"expired"_s, false}},
        QJsonObject{{u"id"_s, u"t2"_s}, {u"subject"_s, u"bob"_s}, {u"scopes"_s, QJsonArray{u"duo_chat"_s}},
                    {u"revoked"_s, true}, {u"revoked_at"_s, 1700000500}}});
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.index(0).data(TokenListModel::ScopesRole).toString(), u"complete_code, generate_code"_s);
    QVERIFY(!model.index(0).data(TokenListModel::ExpiresAtRole).toString().isEmpty());
    QCOMPARE(model.index(1).data(TokenListModel::RevokedRole).toBool(), true);
    QCOMPARE(model.index(0).data(TokenListModel::RevokedRole).toBool(), false);
    QCOMPARE(model.get(1).toMap().value(u"id"_s).toString(), u"t2"_s);
    QCOMPARE(model.roleNames().value(TokenListModel::IdRole), QByteArray("tokenId"));
    model.clear();
    QCOMPARE(model.rowCount(), 0);
}

void tst_ConsoleModels::logListCap()
{
    LogListModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    auto record = [](int id, int status) {
        return QJsonObject{{u"id"_s, id}, {u"started_ms"_s, 1700000000000LL + id}, {u"status"_s, status},
                           {u"feature"_s, u"code_completions"_s}, {u"total_ms"_s, 12.6}};
    };
    model.setRows(QJsonArray{record(3, 200), record(2, 200)});
    // Live records arrive oldest first and go on top, newest first.
    model.prependRows(QJsonArray{record(4, 200), record(5, 502)}, 3);
    QCOMPARE(model.rowCount(), 3);
    QCOMPARE(model.index(0).data(LogListModel::IdRole).toLongLong(), 5);
    QCOMPARE(model.index(1).data(LogListModel::IdRole).toLongLong(), 4);
    QCOMPARE(model.index(2).data(LogListModel::IdRole).toLongLong(), 3);
    QCOMPARE(model.index(0).data(LogListModel::StatusRole).toInt(), 502);
    QCOMPARE(model.index(0).data(LogListModel::TotalMsRole).toInt(), 13);
    QCOMPARE(model.index(0).data(LogListModel::TokensRole).toInt(), -1);
    // More than the cap at once keeps the newest.
    model.prependRows(QJsonArray{record(6, 200), record(7, 200), record(8, 200), record(9, 200)}, 3);
    QCOMPARE(model.rowCount(), 3);
    QCOMPARE(model.index(0).data(LogListModel::IdRole).toLongLong(), 9);
    QCOMPARE(model.index(2).data(LogListModel::IdRole).toLongLong(), 7);
}

void tst_ConsoleModels::testSteps()
{
    TestStepModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setRows(QJsonArray{QJsonObject{{u"name"_s, u"reachable"_s}, {u"ok"_s, true}, {u"detail"_s, u"connected"_s}, {u"ms"_s, 3}},
                             QJsonObject{{u"name"_s, u"models"_s}, {u"ok"_s, false}, {u"skipped"_s, true}}});
    QCOMPARE(model.index(0).data(TestStepModel::OkRole).toBool(), true);
    QCOMPARE(model.index(0).data(TestStepModel::MsRole).toInt(), 3);
    QCOMPARE(model.index(1).data(TestStepModel::SkippedRole).toBool(), true);
    QCOMPARE(model.index(1).data(TestStepModel::MsRole).toInt(), -1);
    QCOMPARE(model.index(0).data(Qt::DisplayRole).toString(), u"reachable"_s);
}

void tst_ConsoleModels::chartSeries()
{
    ChartSeries series;
    QAbstractItemModelTester tester(&series, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy changed(&series, &ChartSeries::changed);
    series.setPoints({{1000, 1.5}, {2000, 4.0}, {3000, 2.0}});
    QCOMPARE(changed.count(), 1);
    QCOMPARE(series.rowCount(), 3);
    QCOMPARE(series.latest(), 2.0);
    QCOMPARE(series.maximum(), 4.0);
    QCOMPARE(series.index(1).data(ChartSeries::TimeRole).toLongLong(), 2000);

    LineChart chart;
    chart.setSeries(&series);
    chart.setSize(QSizeF(200, 80));
    QImage image(200, 80, QImage::Format_ARGB32);
    image.fill(Qt::white);
    QPainter painter(&image);
    chart.paint(&painter); // must not crash; draws the line in the series colour
    painter.end();
    bool coloured = false;
    for (int x = 0; x < image.width() && !coloured; ++x) {
        for (int y = 0; y < image.height() && !coloured; ++y)
            coloured = image.pixelColor(x, y).blue() > 150 && image.pixelColor(x, y).red() < 120;
    }
    QVERIFY(coloured);
}

void tst_ConsoleModels::metricsFolding()
{
    MetricsController metrics(nullptr);
    QAbstractItemModelTester tester(metrics.endpoints(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    metrics.setModelNames({u"codestral-a"_s, u"idle-one"_s});
    const qint64 from = 1700000040000LL / 60000 * 60000;
    metrics.apply(QJsonObject{
        {u"from_ms"_s, from}, {u"to_ms"_s, from + 5 * 60000},
        {u"series"_s, QJsonArray{QJsonObject{{u"t"_s, from + 60000}, {u"rps"_s, 0.5}, {u"p50_ms"_s, 40}, {u"p95_ms"_s, 90},
                                             {u"error_rate"_s, 0.1}, {u"prompt_tokens"_s, 100}, {u"answer_tokens"_s, 20}}}},
        {u"by_model"_s, QJsonArray{QJsonObject{{u"model"_s, u"codestral-a"_s}, {u"requests"_s, 30}, {u"error_rate"_s, 0.1}, {u"p95_ms"_s, 90}},
                                   QJsonObject{{u"model"_s, u"removed"_s}, {u"requests"_s, 2}, {u"error_rate"_s, 1.0}}}},
        {u"total"_s, QJsonObject{{u"requests"_s, 32}, {u"rps"_s, 0.1}, {u"p50_ms"_s, 40}, {u"p95_ms"_s, 90},
                                 {u"error_rate"_s, 0.15}, {u"prompt_tokens"_s, 100}, {u"answer_tokens"_s, 20}}}});
    // Missing minutes are zeros: 5 points for 5 minutes.
    QCOMPARE(metrics.rps()->rowCount(), 5);
    QCOMPARE(metrics.rps()->points().at(1).value, 0.5);
    QCOMPARE(metrics.rps()->points().at(0).value, 0.0);
    QCOMPARE(metrics.errorRate()->points().at(1).value, 10.0);
    QCOMPARE(metrics.tokens()->points().at(1).value, 120.0);
    QCOMPARE(metrics.totalTokens(), 120);
    QCOMPARE(metrics.totalRequests(), 32);
    // Registered models first (with or without traffic), then others seen in the log.
    EndpointHealthModel *endpoints = metrics.endpoints();
    QCOMPARE(endpoints->rowCount(), 3);
    QCOMPARE(endpoints->index(0).data(EndpointHealthModel::NameRole).toString(), u"codestral-a"_s);
    QCOMPARE(endpoints->index(0).data(EndpointHealthModel::HealthRole).toString(), u"degraded"_s);
    QCOMPARE(endpoints->index(1).data(EndpointHealthModel::HealthRole).toString(), u"idle"_s);
    QCOMPARE(endpoints->index(2).data(EndpointHealthModel::HealthRole).toString(), u"failing"_s);
}

void tst_ConsoleModels::endpointHealth_data()
{
    QTest::addColumn<qint64>("requests");
    QTest::addColumn<double>("errorRate");
    QTest::addColumn<QString>("health");
    QTest::newRow("no traffic") << qint64(0) << 0.0 << u"idle"_s;
    QTest::newRow("clean") << qint64(100) << 0.0 << u"ok"_s;
    QTest::newRow("just under 5 %") << qint64(100) << 0.049 << u"ok"_s;
    QTest::newRow("5 %") << qint64(100) << 0.05 << u"degraded"_s;
    QTest::newRow("half") << qint64(10) << 0.5 << u"failing"_s;
}

void tst_ConsoleModels::endpointHealth()
{
    QFETCH(qint64, requests);
    QFETCH(double, errorRate);
    QFETCH(QString, health);
    QCOMPARE(EndpointHealthModel::healthOf(requests, errorRate), health);
}

void tst_ConsoleModels::endpointFromFields_data()
{
    QTest::addColumn<QVariantMap>("fields");
    QTest::addColumn<QString>("errorField");
    const QVariantMap good{{u"name"_s, u" m1 "_s}, {u"family"_s, u"codestral"_s}, {u"baseUrl"_s, u"http://h:8000/v1"_s},
                           {u"identifier"_s, u"codestral-22b"_s}, {u"maxConcurrency"_s, 8}, {u"connectTimeoutMs"_s, 1500}};
    QTest::newRow("valid") << good << QString();
    QVariantMap noFamily = good;
    noFamily[u"family"_s] = u"nope"_s;
    QTest::newRow("unknown family") << noFamily << u"family"_s;
    QVariantMap badUrl = good;
    badUrl[u"baseUrl"_s] = u"ftp://h"_s;
    QTest::newRow("bad url") << badUrl << u"base_url"_s;
    QVariantMap noName = good;
    noName[u"name"_s] = u""_s;
    QTest::newRow("no name") << noName << u"name"_s;
    QVariantMap noIdentifier = good;
    noIdentifier[u"identifier"_s] = u""_s;
    QTest::newRow("no identifier") << noIdentifier << u"identifier"_s;
}

void tst_ConsoleModels::endpointFromFields()
{
    QFETCH(QVariantMap, fields);
    QFETCH(QString, errorField);
    const Result<ModelEndpoint> endpoint = ConfigController::endpointFromFields(fields);
    if (errorField.isEmpty()) {
        QVERIFY2(bool(endpoint), endpoint ? "" : qPrintable(endpoint.error().message));
        QCOMPARE(endpoint->name, u"m1"_s);
        QCOMPARE(endpoint->maxConcurrency, 8);
        QCOMPARE(endpoint->timeouts.connectMs, 1500);
        QCOMPARE(endpoint->timeouts.totalMs, EndpointTimeouts{}.totalMs);
    } else {
        QVERIFY(!bool(endpoint));
        QVERIFY2(endpoint.error().field.contains(errorField), qPrintable(endpoint.error().field));
    }
}

void tst_ConsoleModels::splitAtCursor_data()
{
    QTest::addColumn<QString>("code");
    QTest::addColumn<QString>("prefix");
    QTest::addColumn<QString>("suffix");
    const QString m = PlaygroundController::cursorMarker();
    QTest::newRow("middle") << u"def f():\n    "_s + m + u"\nf()"_s << u"def f():\n    "_s << u"\nf()"_s;
    QTest::newRow("no marker: cursor at the end") << u"abc"_s << u"abc"_s << QString();
    QTest::newRow("start") << m + u"abc"_s << QString() << u"abc"_s;
    QTest::newRow("second marker dropped") << u"a"_s + m + u"b"_s + m + u"c"_s << u"a"_s << u"bc"_s;
}

void tst_ConsoleModels::splitAtCursor()
{
    QFETCH(QString, code);
    QFETCH(QString, prefix);
    QFETCH(QString, suffix);
    const auto [p, s] = PlaygroundController::splitAtCursor(code);
    QCOMPARE(p, prefix);
    QCOMPARE(s, suffix);
}

void tst_ConsoleModels::sseStreaming()
{
    PlaygroundSide side;
    side.setModel(u"m"_s);
    side.beginRun();
    QVERIFY(side.isRunning());
    // Split across reads, chat deltas and completion texts, a role-only delta, then [DONE].
    side.feed("data: {\"choices\":[{\"delta\":{\"role\":\"assistant\"}}]}\n\ndata: {\"choices\":[{\"del");
    QCOMPARE(side.tokens(), 0);
    QTest::qWait(5);
    side.feed("ta\":{\"content\":\"Hel\"}}]}\n\n");
    QCOMPARE(side.answer(), u"Hel"_s);
    QVERIFY(side.firstTokenMs() >= 0);
    side.feed("data: {\"choices\":[{\"text\":\"lo\"}]}\n\ndata: [DONE]\n\n");
    side.finishRun({});
    QCOMPARE(side.answer(), u"Hello"_s);
    QCOMPARE(side.tokens(), 2);
    QVERIFY(side.isFinished());
    QVERIFY(!side.isRunning());
    QVERIFY(side.totalMs() >= side.firstTokenMs());
    QVERIFY(side.tokensPerSecond() > 0);

    side.beginRun();
    side.finishRun(LiveText::fixed(u"HTTP 403: no"_s));
    QVERIFY(!side.isFinished());
    QCOMPARE(side.errorMessage(), u"HTTP 403: no"_s);
    QCOMPARE(side.tokensPerSecond(), 0.0);
}

void tst_ConsoleModels::gatewayUrl_data()
{
    QTest::addColumn<QString>("listen");
    QTest::addColumn<QString>("admin");
    QTest::addColumn<QString>("expected");
    QTest::newRow("loopback") << u"127.0.0.1:5052"_s << u"http://127.0.0.1:5053"_s << u"http://127.0.0.1:5052"_s;
    QTest::newRow("wildcard v4") << u"0.0.0.0:5052"_s << u"http://gw.example:5053"_s << u"http://gw.example:5052"_s;
    QTest::newRow("wildcard v6") << u"[::]:5052"_s << u"http://10.1.2.3:5053"_s << u"http://10.1.2.3:5052"_s;
    QTest::newRow("unknown") << QString() << u"http://h:1"_s << QString();
}

void tst_ConsoleModels::gatewayUrl()
{
    QFETCH(QString, listen);
    QFETCH(QString, admin);
    QFETCH(QString, expected);
    QCOMPARE(ConsoleCore::gatewayUrlFor(listen, QUrl(admin), false).toString(), expected);
}

QTEST_MAIN(tst_ConsoleModels)
#include "tst_consolemodels.moc"
