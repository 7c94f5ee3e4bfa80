// The console's routes and replicas against a real in-process gateway (reached over its admin API) and a
// fake model server: a model endpoint's replica list edited and read back, the replicas' live health and
// time to first byte, a route of weighted tiers edited, stored and read back, and the gateway's refusal
// of a bad one shown as it gave it.

#include "consolecore.h"
#include "consoletestsupport.h"
#include "gateway.h"
#include "testgateway.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTest>

using namespace airlock;
using namespace Qt::StringLiterals;

namespace {
constexpr int kTimeoutMs = test::kConsoleTimeoutMs;
const QString kAdminToken = u"console-routes-admin-token"_s;
using Answer = test::HttpAnswer;
} // namespace

class tst_ConsoleRoutes : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // Connected, with "codestral-a" (API key "key-one") at the fake server serving code completion and
    // generation.
    void initTestCase();
    void cleanupTestCase();
    void editReplicas();
    void replicaHealth();
    void editRoute();
    void routeRefusedByGateway();
    void replicaTimeToFirstByte();

private:
    Answer admin(const QByteArray &verb, const QString &path, const QJsonObject &body = {})
    {
        return m_env->admin(verb, path, body, kTimeoutMs);
    }
    QVariantMap modelFields(const QString &apiKey = {}) const { return test::consoleModelFields(*m_fake, apiKey); }
    QString issueToken(const QString &subject) { return test::issueConsoleToken(*m_core, subject); }

    std::unique_ptr<test::TestGateway> m_env;
    test::FakeModelServer *m_fake = nullptr;
    Gateway *m_gateway = nullptr;
    std::unique_ptr<ConsoleCore> m_core;
};

void tst_ConsoleRoutes::initTestCase()
{
    qunsetenv("AIRLOCK_ADMIN_TOKEN");
    m_env = std::make_unique<test::TestGateway>(kAdminToken);
    QVERIFY2(m_env->start(), qPrintable(m_env->errorMessage()));
    m_fake = m_env->fake();
    m_gateway = m_env->gateway();
    m_core = std::make_unique<ConsoleCore>();
    ConfigController *config = m_core->config();
    m_core->connection()->connectTo(m_gateway->adminAddress().toString(), kAdminToken);
    QTRY_COMPARE_WITH_TIMEOUT(m_core->connection()->state(), ConnectionController::State::Connected, kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(config->isLoaded() && config->features()->rowCount() > 0, kTimeoutMs);
    QSignalSpy saved(config, &ConfigController::saved);
    QVERIFY(config->saveModel({}, modelFields(u"key-one"_s)));
    QVERIFY(saved.wait(kTimeoutMs));
    for (const QString &feature : {u"code_completions"_s, u"code_generations"_s}) {
        QVERIFY(config->assignFeature(feature, u"codestral-a"_s));
        QVERIFY(saved.wait(kTimeoutMs));
    }
    QCOMPARE(m_gateway->config().features.value(u"code_completions"_s), u"codestral-a"_s);
}

void tst_ConsoleRoutes::cleanupTestCase()
{
    m_core.reset();
    m_env.reset();
}

namespace {
QVariantMap target(const QString &model, int weight)
{
    return {{u"model"_s, model}, {u"weight"_s, weight}};
}
QVariantMap replica(const QString &url, int weight)
{
    return {{u"baseUrl"_s, url}, {u"weight"_s, weight}};
}
} // namespace

// The form's replica list is the endpoint's: two servers with weights are stored as "replicas", a single
// one of weight 1 as the plain base_url again; invalid lists are refused naming the replica.
void tst_ConsoleRoutes::editReplicas()
{
    ConfigController *console = m_core->config();
    QSignalSpy saved(console, &ConfigController::saved);
    const QString fake = m_fake->baseUrl().toString();
    const QString dead = u"http://127.0.0.1:9/v1"_s; // nothing listens on the discard port

    QVariantMap fields = modelFields();
    fields.remove(u"baseUrl"_s);
    fields.insert(u"replicas"_s, QVariantList{replica(fake, 1), replica(dead, 3)});
    QVERIFY(console->saveModel(u"codestral-a"_s, fields));
    QVERIFY(saved.wait(kTimeoutMs));
    QVERIFY2(console->errorMessage().isEmpty(), qPrintable(console->errorMessage()));
    QJsonObject stored = admin("GET", u"api/v1/config"_s).json.value("models"_L1).toArray().first().toObject();
    QVERIFY(!stored.contains("base_url"_L1));
    QCOMPARE(stored.value("replicas"_L1).toArray(),
             (QJsonArray{QJsonObject{{u"base_url"_s, fake}, {u"weight"_s, 1}}, QJsonObject{{u"base_url"_s, dead}, {u"weight"_s, 3}}}));
    QCOMPARE(m_gateway->config().models.first().apiKey, u"key-one"_s); // no key typed: the stored one stays
    // The form reads them back as it shows them.
    const QVariantList shown = console->models()->get(0).toMap().value(u"replicas"_s).toList();
    QCOMPARE(shown.size(), 2);
    QCOMPARE(shown.at(1).toMap().value(u"baseUrl"_s).toString(), dead);
    QCOMPARE(shown.at(1).toMap().value(u"weight"_s).toInt(), 3);

    // Refused before anything is sent: no server, the same server twice, a weight out of range.
    fields.insert(u"replicas"_s, QVariantList{});
    QVERIFY(!console->saveModel(u"codestral-a"_s, fields));
    QVERIFY(!console->errorMessage().isEmpty());
    fields.insert(u"replicas"_s, QVariantList{replica(fake, 1), replica(fake, 2)});
    QVERIFY(!console->saveModel(u"codestral-a"_s, fields));
    QVERIFY2(console->errorMessage().contains("model.replicas[1].base_url"_L1), qPrintable(console->errorMessage()));
    fields.insert(u"replicas"_s, QVariantList{replica(fake, 1), replica(dead, 0)});
    QVERIFY(!console->saveModel(u"codestral-a"_s, fields));
    QVERIFY2(console->errorMessage().contains("model.replicas[1].weight"_L1), qPrintable(console->errorMessage()));
    QCOMPARE(admin("GET", u"api/v1/config"_s).json.value("models"_L1).toArray().first().toObject().value("replicas"_L1).toArray().size(), 2);
    console->clearError();
}

// GET /api/v1/replicas as the Models page shows it: one row per replica of the endpoint, the dead one
// with its probe error, refreshed while started.
void tst_ConsoleRoutes::replicaHealth()
{
    ReplicaHealthController *health = m_core->replicaHealth();
    const QString dead = u"http://127.0.0.1:9/v1"_s;
    QSignalSpy updated(health, &ReplicaHealthController::updated);
    health->setIntervalMs(200);
    health->start();
    QVERIFY(health->isRunning());
    QVERIFY(updated.wait(kTimeoutMs));
    QVERIFY2(health->errorMessage().isEmpty(), qPrintable(health->errorMessage()));
    const auto row = [health](int i) { return health->replicas()->rowsFor(u"codestral-a"_s).value(i).toMap(); };
    QCOMPARE(health->replicas()->rowsFor(u"codestral-a"_s).size(), 2);
    QCOMPARE(row(0).value(u"replica"_s).toString(), m_fake->baseUrl().toString());
    QCOMPARE(row(1).value(u"replica"_s).toString(), dead);
    QCOMPARE(row(0).value(u"server"_s).toString(), u"openai"_s);
    QCOMPARE(row(0).value(u"outstanding"_s).toInt(), 0);
    QCOMPARE(row(0).value(u"ttfbMs"_s).toLongLong(), -1); // no answer relayed yet
    // code_completions routes to it, so both are probed: the fake answers, the discard port does not.
    QTRY_VERIFY_WITH_TIMEOUT(row(1).value(u"state"_s).toString() == "dead"_L1, kTimeoutMs);
    QVERIFY(!row(1).value(u"error"_s).toString().isEmpty());
    QCOMPARE(row(1).value(u"probe"_s).toString(), u"down"_s);
    QTRY_COMPARE_WITH_TIMEOUT(row(0).value(u"probe"_s).toString(), u"ready"_s, kTimeoutMs);
    QCOMPARE(row(0).value(u"state"_s).toString(), u"ready"_s);
    QVERIFY(row(0).value(u"error"_s).toString().isEmpty());
    // What the page shows is what the gateway says.
    const QJsonArray endpoints = admin("GET", u"api/v1/replicas"_s).json.value("endpoints"_L1).toArray();
    QCOMPARE(endpoints.first().toObject().value("replicas"_L1).toArray().at(1).toObject().value("state"_L1).toString(),
             u"dead"_s);
    // Polling goes on while started, and stops.
    const int seen = int(updated.size());
    QTRY_VERIFY_WITH_TIMEOUT(updated.size() >= seen + 2, kTimeoutMs);
    health->stop();
    QVERIFY(!health->isRunning());

    // Back to the single server the following steps use: saved as the plain base_url.
    ConfigController *console = m_core->config();
    QSignalSpy saved(console, &ConfigController::saved);
    QVariantMap fields = modelFields();
    fields.remove(u"baseUrl"_s);
    fields.insert(u"replicas"_s, QVariantList{replica(m_fake->baseUrl().toString(), 1)});
    QVERIFY(console->saveModel(u"codestral-a"_s, fields));
    QVERIFY(saved.wait(kTimeoutMs));
    const QJsonObject stored = admin("GET", u"api/v1/config"_s).json.value("models"_L1).toArray().first().toObject();
    QCOMPARE(stored.value("base_url"_L1).toString(), m_fake->baseUrl().toString());
    QVERIFY(!stored.contains("replicas"_L1));
    health->refresh();
    QTRY_COMPARE_WITH_TIMEOUT(health->replicas()->rowsFor(u"codestral-a"_s).size(), 1, kTimeoutMs);
}

// A route of two tiers with weights, through the controller: stored by the gateway as the route object,
// read back by the Features page's model (tiers, percents, summary); tiers reordered; a single model
// saved as the plain name again.
void tst_ConsoleRoutes::editRoute()
{
    ConfigController *console = m_core->config();
    QSignalSpy saved(console, &ConfigController::saved);
    for (const QString &name : {u"codestral-b"_s, u"codestral-c"_s}) {
        QVariantMap fields = modelFields();
        fields.insert(u"name"_s, name);
        QVERIFY(console->saveModel({}, fields));
        QVERIFY(saved.wait(kTimeoutMs));
    }
    const QVariantList tiers{QVariantList{target(u"codestral-a"_s, 90), target(u"codestral-b"_s, 10)},
                             QVariantList{target(u"codestral-c"_s, 1)}};
    QVERIFY(console->saveRoute(u"code_completions"_s, tiers));
    QVERIFY(saved.wait(kTimeoutMs));
    QVERIFY2(console->errorMessage().isEmpty(), qPrintable(console->errorMessage()));

    const auto storedRoute = [this] {
        return admin("GET", u"api/v1/config"_s).json.value("features"_L1).toObject().value("code_completions"_L1);
    };
    const auto t = [](const QString &model, int weight) { return QJsonObject{{u"model"_s, model}, {u"weight"_s, weight}}; };
    QCOMPARE(storedRoute(), QJsonValue(QJsonObject{{u"tiers"_s, QJsonArray{QJsonArray{t(u"codestral-a"_s, 90), t(u"codestral-b"_s, 10)},
                                                                           QJsonArray{t(u"codestral-c"_s, 1)}}}}));
    const ModelRoute route = m_gateway->config().routes.value(u"code_completions"_s);
    QCOMPARE(route.tiers.size(), 2);
    QCOMPARE(m_gateway->config().features.value(u"code_completions"_s), u"codestral-a"_s);
    // Other features keep their plain assignment.
    QCOMPARE(admin("GET", u"api/v1/config"_s).json.value("features"_L1).toObject().value("code_generations"_L1).toString(),
             u"codestral-a"_s);

    FeatureListModel *features = console->features();
    const QModelIndex row = features->index(int(features->featureIds().indexOf(u"code_completions"_s)));
    const QVariantList shown = row.data(FeatureListModel::RouteTiersRole).toList();
    QCOMPARE(shown.size(), 2);
    const QVariantList first = shown.at(0).toList();
    QCOMPARE(first.size(), 2);
    QCOMPARE(first.at(0).toMap().value(u"model"_s).toString(), u"codestral-a"_s);
    QCOMPARE(first.at(0).toMap().value(u"weight"_s).toInt(), 90);
    QCOMPARE(first.at(0).toMap().value(u"percent"_s).toInt(), 90);
    QCOMPARE(first.at(1).toMap().value(u"percent"_s).toInt(), 10);
    QCOMPARE(shown.at(1).toList().at(0).toMap().value(u"percent"_s).toInt(), 100);
    QCOMPARE(row.data(FeatureListModel::RouteSummaryRole).toString(), u"codestral-a 90 % · codestral-b 10 % → codestral-c"_s);
    QCOMPARE(row.data(FeatureListModel::AssignedModelRole).toString(), u"codestral-a"_s);
    // The models page knows which features a model serves through a route.
    QVERIFY(console->models()->get(console->models()->indexOf(u"codestral-c"_s)).toMap().value(u"assignedFeatures"_s)
                .toStringList().contains(u"code_completions"_s));

    // Fallback first (tiers moved): the primary model follows.
    QVERIFY(console->saveRoute(u"code_completions"_s, QVariantList{tiers.at(1), tiers.at(0)}));
    QVERIFY(saved.wait(kTimeoutMs));
    QCOMPARE(m_gateway->config().features.value(u"code_completions"_s), u"codestral-c"_s);
    QCOMPARE(m_gateway->config().routes.value(u"code_completions"_s).tiers.constFirst(), (QList<RouteTarget>{{u"codestral-c"_s, 1}}));

    // A single model, whatever its weight, is the plain assignment: the file stays as before routes.
    QVERIFY(console->saveRoute(u"code_completions"_s, QVariantList{QVariantList{target(u"codestral-a"_s, 7)}}));
    QVERIFY(saved.wait(kTimeoutMs));
    QCOMPARE(storedRoute(), QJsonValue(u"codestral-a"_s));
    QVERIFY(!m_gateway->config().routes.contains(u"code_completions"_s));
    const QVariantList single = row.data(FeatureListModel::RouteTiersRole).toList();
    QCOMPARE(single.size(), 1);
    QCOMPARE(single.at(0).toList().at(0).toMap().value(u"model"_s).toString(), u"codestral-a"_s);
    QVERIFY(row.data(FeatureListModel::RouteSummaryRole).toString().isEmpty());

    // Refused before anything is sent: no tier, a target without a model.
    QVERIFY(!console->saveRoute(u"code_completions"_s, QVariantList{}));
    QVERIFY(!console->errorMessage().isEmpty());
    QVERIFY(!console->saveRoute(u"code_completions"_s, QVariantList{QVariantList{target(u"codestral-a"_s, 1), target({}, 1)}}));
    QVERIFY(!console->errorMessage().isEmpty());
    console->clearError();
}

// The gateway checks what the console cannot: its refusal names the field and the console shows it;
// nothing changes on the gateway.
void tst_ConsoleRoutes::routeRefusedByGateway()
{
    ConfigController *console = m_core->config();
    QSignalSpy saved(console, &ConfigController::saved);
    QSignalSpy failed(console, &ConfigController::failed);
    const auto before = m_gateway->config();

    QVERIFY(console->saveRoute(u"code_completions"_s, QVariantList{QVariantList{target(u"codestral-a"_s, 1)},
                                                                  QVariantList{target(u"codestral-a"_s, 1)}}));
    QVERIFY(failed.wait(kTimeoutMs));
    QVERIFY2(console->errorMessage().contains("features.code_completions.tiers[1][0].model"_L1), qPrintable(console->errorMessage()));
    QCOMPARE(failed.takeFirst().at(0).toString(), console->errorMessage());

    QVERIFY(console->saveRoute(u"code_completions"_s, QVariantList{QVariantList{target(u"codestral-a"_s, 1), target(u"codestral-b"_s, 5000)}}));
    QVERIFY(failed.wait(kTimeoutMs));
    QVERIFY2(console->errorMessage().contains("features.code_completions.tiers[0][1].weight"_L1), qPrintable(console->errorMessage()));
    QCOMPARE(saved.size(), 0);
    QCOMPARE(m_gateway->config(), before);

    // The models of this test go; code_completions stays on codestral-a.
    for (const QString &name : {u"codestral-b"_s, u"codestral-c"_s}) {
        QVERIFY(console->removeModel(name));
        QVERIFY(saved.wait(kTimeoutMs));
    }
    QCOMPARE(m_gateway->config().models.size(), 1);
    QCOMPARE(m_gateway->config().features.value(u"code_completions"_s), u"codestral-a"_s);
}

// Once a replica has answered enough requests, its time to first byte shows beside its state.
void tst_ConsoleRoutes::replicaTimeToFirstByte()
{
    const QString token = issueToken(u"replica-health"_s);
    QVERIFY(!token.isEmpty());
    // Each prompt its own, so that none is answered from the completion cache.
    for (int i = 0; i < 8; ++i) {
        const QJsonObject body{{u"model"_s, u"code_completions"_s}, {u"prompt"_s, u"def f%1():"_s.arg(i)}, {u"max_tokens"_s, 8}};
        QCOMPARE(m_env->post(u"/v1/completions"_s, token, body, kTimeoutMs).status, 200);
    }
    ReplicaHealthController *health = m_core->replicaHealth();
    const auto ttfb = [health] {
        return health->replicas()->rowsFor(u"codestral-a"_s).value(0).toMap().value(u"ttfbMs"_s).toLongLong();
    };
    QTRY_VERIFY_WITH_TIMEOUT((health->refresh(), ttfb() >= 0), kTimeoutMs);
    const QJsonObject reported =
        admin("GET", u"api/v1/replicas"_s).json.value("endpoints"_L1).toArray().first().toObject().value("replicas"_L1).toArray().first().toObject();
    QVERIFY(reported.contains("ttfb_p95_ms"_L1));
    QVERIFY(ttfb() < kTimeoutMs);
}

QTEST_MAIN(tst_ConsoleRoutes)
#include "tst_consoleroutes.moc"
