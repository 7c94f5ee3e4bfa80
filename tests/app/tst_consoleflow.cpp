// The console's whole admin flow against a real in-process gateway (reached as a remote one over its
// admin API) and a fake model server: connect, add a model endpoint, test it, assign it to code
// completion, issue a token, watch the request arrive in the live log and the metrics; rotate the signing
// keys and set the GitLab instance Airlock trusts (a fake one, then one that cannot be reached); the prompt
// playground's render, run and template override; the admin routes behind them (catalog, model test,
// render, overrides, write-only API keys that survive a rename). Routes and replicas: tst_consoleroutes.

#include "auth/jwt.h"
#include "consolecore.h"
#include "consoletestsupport.h"
#include "fakegitlab.h" // tests/auth
#include "gateway.h"
#include "testgateway.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTest>

using namespace airlock;
using namespace Qt::StringLiterals;

namespace {
constexpr int kTimeoutMs = test::kConsoleTimeoutMs;
const QString kAdminToken = u"console-flow-admin-token"_s;
using Answer = test::HttpAnswer;
} // namespace

class tst_ConsoleFlow : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void connectAndLoad();
    void addModel();
    void testConnection();
    void testConnectionFailures_data();
    void testConnectionFailures();
    void writeOnlyApiKey();
    void renameKeepsApiKey();
    void formKeepsReplicasAndServerKind();
    void assignFeatureAndFlag();
    void tokenAndLiveLog();
    void rotateKeys();
    void gitlabTrust();
    void metrics();
    void renderRoute_data();
    void renderRoute();
    void playground();
    void templateOverride();
    void removeModel();

private:
    Answer admin(const QByteArray &verb, const QString &path, const QJsonObject &body = {});
    QVariantMap modelFields(const QString &apiKey = {}) const;
    // Issues a token through the console and returns it (empty on failure).
    QString issueToken(const QString &subject);
    // A completion on the data path with `token`: the HTTP status.
    int complete(const QString &token);

    std::unique_ptr<test::TestGateway> m_env;
    test::FakeModelServer *m_fake = nullptr;
    Gateway *m_gateway = nullptr;
    std::unique_ptr<ConsoleCore> m_core;
    QString m_clientToken;
};

Answer tst_ConsoleFlow::admin(const QByteArray &verb, const QString &path, const QJsonObject &body)
{
    return m_env->admin(verb, path, body, kTimeoutMs);
}

QVariantMap tst_ConsoleFlow::modelFields(const QString &apiKey) const
{
    return test::consoleModelFields(*m_fake, apiKey);
}

void tst_ConsoleFlow::initTestCase()
{
    qunsetenv("AIRLOCK_ADMIN_TOKEN");
    m_env = std::make_unique<test::TestGateway>(kAdminToken);
    QVERIFY2(m_env->start(), qPrintable(m_env->errorMessage()));
    m_fake = m_env->fake();
    m_gateway = m_env->gateway();
    m_core = std::make_unique<ConsoleCore>();
}

void tst_ConsoleFlow::cleanupTestCase()
{
    m_core.reset();
    m_env.reset();
}

void tst_ConsoleFlow::connectAndLoad()
{
    ConfigController *config = m_core->config();
    m_core->connection()->connectTo(m_gateway->adminAddress().toString(), kAdminToken);
    QTRY_COMPARE_WITH_TIMEOUT(m_core->connection()->state(), ConnectionController::State::Connected, kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(config->isLoaded() && config->features()->rowCount() > 0, kTimeoutMs);
    QVERIFY2(config->errorMessage().isEmpty(), qPrintable(config->errorMessage()));
    QCOMPARE(config->models()->rowCount(), 0);
    QVERIFY(config->features()->featureIds().contains(u"code_completions"_s));
    QVERIFY(m_core->playground()->gatewayUrl().isValid());
    QCOMPARE(m_core->playground()->gatewayUrl().port(), m_gateway->gatewayAddress().port);

    const Answer catalog = admin("GET", u"api/v1/catalog"_s);
    QCOMPARE(catalog.status, 200);
    const QJsonObject first = catalog.json.value("features"_L1).toArray().first().toObject();
    QCOMPARE(first.value("id"_L1).toString(), u"code_completions"_s);
    QCOMPARE(first.value("name_ko"_L1).toString(), u"코드 완성"_s);
    QVERIFY(catalog.json.value("families"_L1).toArray().contains(u"codestral"_s));
}

void tst_ConsoleFlow::addModel()
{
    ConfigController *config = m_core->config();
    QSignalSpy saved(config, &ConfigController::saved);
    // Invalid fields are refused before anything is sent, naming the problem.
    QVariantMap bad = modelFields();
    bad[u"baseUrl"_s] = u"not a url"_s;
    QVERIFY(!config->saveModel({}, bad));
    QVERIFY(!config->errorMessage().isEmpty());

    QVERIFY(config->saveModel({}, modelFields(u"key-one"_s)));
    QVERIFY(saved.wait(kTimeoutMs));
    QVERIFY2(config->errorMessage().isEmpty(), qPrintable(config->errorMessage()));
    QCOMPARE(config->models()->rowCount(), 1);
    QCOMPARE(config->models()->get(0).toMap().value(u"hasApiKey"_s).toBool(), false); // the gateway never returns keys
    QCOMPARE(m_gateway->config().models.size(), 1);
    QCOMPARE(m_gateway->config().models.first().apiKey, u"key-one"_s);
    QVERIFY(!config->saveModel({}, modelFields())); // a second one with the same name
}

void tst_ConsoleFlow::testConnection()
{
    ConfigController *config = m_core->config();
    m_fake->resetRecords();
    QSignalSpy test(config, &ConfigController::testChanged);
    config->testModel(modelFields()); // no key typed: the gateway uses the stored one
    QTRY_VERIFY_WITH_TIMEOUT(!config->isTestRunning(), kTimeoutMs);
    QCOMPARE(config->testResult(), int(ConfigController::Passed));
    TestStepModel *steps = config->testSteps();
    QCOMPARE(steps->rowCount(), 3); // reachable, models, completion (no TLS over http)
    QStringList names;
    for (int i = 0; i < steps->rowCount(); ++i) {
        names << steps->index(i).data(TestStepModel::NameRole).toString();
        QVERIFY2(steps->index(i).data(TestStepModel::OkRole).toBool(), qPrintable(steps->index(i).data(TestStepModel::DetailRole).toString()));
        QVERIFY(steps->index(i).data(TestStepModel::MsRole).toInt() >= 0);
    }
    QCOMPARE(names, (QStringList{u"reachable"_s, u"models"_s, u"completion"_s}));
    QVERIFY(steps->index(2).data(TestStepModel::DetailRole).toString().contains(u"answered in"_s));
    const QList<test::RecordedRequest> requests = m_fake->requests();
    QCOMPARE(requests.size(), 2);
    QCOMPARE(requests.at(0).path, u"/v1/models"_s);
    QCOMPARE(requests.at(1).path, u"/v1/completions"_s); // codestral completes over /v1/completions
    for (const test::RecordedRequest &r : requests)
        QCOMPARE(r.header("Authorization"), QByteArray("Bearer key-one"));
}

void tst_ConsoleFlow::testConnectionFailures_data()
{
    QTest::addColumn<QString>("baseUrl");
    QTest::addColumn<QString>("identifier");
    QTest::addColumn<QStringList>("statuses"); // reachable, models, completion
    QTest::addColumn<int>("result");
    // The fake lists only fake-model but serves any name: a warning, and the completion decides.
    QTest::newRow("identifier not listed") << QString() << u"other-model"_s
                                           << QStringList{u"ok"_s, u"warning"_s, u"ok"_s} << int(ConfigController::Passed);
    QTest::newRow("nothing listening") << u"http://127.0.0.1:9/v1"_s << u"fake-model"_s
                                       << QStringList{u"failed"_s, u"skipped"_s, u"skipped"_s} << int(ConfigController::Failed);
    // The admin API answers JSON 404s: no model list (skipped, as for llama.cpp), and the completion fails.
    QTest::newRow("not a model server") << u"http://127.0.0.1:%1/v1"_s << u"fake-model"_s
                                        << QStringList{u"ok"_s, u"skipped"_s, u"failed"_s} << int(ConfigController::Failed);
}

void tst_ConsoleFlow::testConnectionFailures()
{
    QFETCH(QString, baseUrl);
    QFETCH(QString, identifier);
    QFETCH(QStringList, statuses);
    QFETCH(int, result);
    ConfigController *config = m_core->config();
    QVariantMap fields = modelFields();
    fields[u"name"_s] = u"candidate"_s;
    if (baseUrl.contains(u"%1"_s))
        baseUrl = baseUrl.arg(m_gateway->adminAddress().port); // answers, but 404 on /v1/*
    if (!baseUrl.isEmpty())
        fields[u"baseUrl"_s] = baseUrl;
    fields[u"identifier"_s] = identifier;
    config->testModel(fields);
    QTRY_VERIFY_WITH_TIMEOUT(!config->isTestRunning(), kTimeoutMs);
    QCOMPARE(config->testResult(), result);
    TestStepModel *steps = config->testSteps();
    QStringList seen;
    for (int i = 0; i < steps->rowCount(); ++i) {
        const QModelIndex step = steps->index(i);
        seen << step.data(TestStepModel::StatusRole).toString();
        QVERIFY(!step.data(TestStepModel::MessageRole).toString().isEmpty()); // the reason, for every step
        // The older fields agree with the status.
        QCOMPARE(step.data(TestStepModel::SkippedRole).toBool(), seen.last() == u"skipped"_s);
        QCOMPARE(step.data(TestStepModel::OkRole).toBool(), seen.last() == u"ok"_s || seen.last() == u"warning"_s);
    }
    QCOMPARE(seen, statuses);
}

void tst_ConsoleFlow::writeOnlyApiKey()
{
    // PUT /api/v1/config as any client sends it after GET: no api_key -> the stored key stays.
    Answer current = admin("GET", u"api/v1/config"_s);
    QCOMPARE(current.status, 200);
    QVERIFY(!current.json.value("models"_L1).toArray().first().toObject().contains("api_key"_L1));
    QJsonObject config = current.json;
    QJsonArray models = config.value("models"_L1).toArray();
    QJsonObject model = models.first().toObject();
    model.insert(u"max_concurrency"_s, 9);
    models[0] = model;
    config.insert(u"models"_s, models);
    QCOMPARE(admin("PUT", u"api/v1/config"_s, config).status, 200);
    QCOMPARE(m_gateway->config().models.first().maxConcurrency, 9);
    QCOMPARE(m_gateway->config().models.first().apiKey, u"key-one"_s);

    // A new key replaces it; the console's edit form without a key keeps it too.
    ConfigController *console = m_core->config();
    QSignalSpy saved(console, &ConfigController::saved);
    QVERIFY(console->saveModel(u"codestral-a"_s, modelFields(u"key-two"_s)));
    QVERIFY(saved.wait(kTimeoutMs));
    QCOMPARE(m_gateway->config().models.first().apiKey, u"key-two"_s);
    QVERIFY(console->saveModel(u"codestral-a"_s, modelFields()));
    QVERIFY(saved.wait(kTimeoutMs));
    QCOMPARE(m_gateway->config().models.first().apiKey, u"key-two"_s);
    QCOMPARE(m_gateway->config().models.first().maxConcurrency, 8);

    // An explicit empty key removes it.
    model.insert(u"api_key"_s, QString());
    models[0] = model;
    config.insert(u"models"_s, models);
    QCOMPARE(admin("PUT", u"api/v1/config"_s, config).status, 200);
    QVERIFY(m_gateway->config().models.first().apiKey.isEmpty());
}

void tst_ConsoleFlow::renameKeepsApiKey()
{
    ConfigController *console = m_core->config();
    QSignalSpy saved(console, &ConfigController::saved);
    QVERIFY(console->saveModel(u"codestral-a"_s, modelFields(u"key-three"_s)));
    QVERIFY(saved.wait(kTimeoutMs));
    QVERIFY(console->assignFeature(u"duo_chat"_s, u"codestral-a"_s));
    QVERIFY(saved.wait(kTimeoutMs));

    // Before saving, "Test connection" on the renamed form uses the stored key.
    QVariantMap renamed = modelFields();
    renamed[u"name"_s] = u"codestral-b"_s;
    m_fake->resetRecords();
    console->testModel(renamed, u"codestral-a"_s);
    QTRY_VERIFY_WITH_TIMEOUT(!console->isTestRunning() && console->testResult() != ConfigController::NotRun, kTimeoutMs);
    QCOMPARE(console->testResult(), int(ConfigController::Passed));
    QCOMPARE(m_fake->lastRequest().header("Authorization"), QByteArray("Bearer key-three"));

    // Renamed from the console's form with the key field left empty: the stored key stays.
    QVERIFY(console->saveModel(u"codestral-a"_s, renamed));
    QVERIFY(saved.wait(kTimeoutMs));
    const Answer after = admin("GET", u"api/v1/config"_s);
    const QJsonArray models = after.json.value("models"_L1).toArray();
    QCOMPARE(models.size(), 1);
    QCOMPARE(models.first().toObject().value("name"_L1).toString(), u"codestral-b"_s);
    QCOMPARE(after.json.value("features"_L1).toObject().value("duo_chat"_L1).toString(), u"codestral-b"_s);
    // The model server still gets the key: a test of the stored model under its new name.
    m_fake->resetRecords();
    console->testModel(renamed);
    QTRY_VERIFY_WITH_TIMEOUT(!console->isTestRunning() && console->testResult() != ConfigController::NotRun, kTimeoutMs);
    QCOMPARE(console->testResult(), int(ConfigController::Passed));
    QCOMPARE(m_fake->requestCount(), 2);
    for (const test::RecordedRequest &r : m_fake->requests())
        QCOMPARE(r.header("Authorization"), QByteArray("Bearer key-three"));
    QCOMPARE(m_gateway->config().models.first().apiKey, u"key-three"_s);

    // Over the admin API: "renamed_from" keeps the key; without it a new name is a new model (no key);
    // it is not stored; a key typed with the rename wins.
    QJsonObject config = after.json;
    const auto renameTo = [&config](const QString &name, const QJsonObject &extra) {
        QJsonObject model = config.value("models"_L1).toArray().first().toObject();
        model.insert(u"name"_s, name);
        for (auto it = extra.begin(); it != extra.end(); ++it)
            model.insert(it.key(), it.value());
        QJsonObject next = config;
        next.insert(u"models"_s, QJsonArray{model});
        next.insert(u"features"_s, QJsonObject{});
        return next;
    };
    QCOMPARE(admin("PUT", u"api/v1/config"_s, renameTo(u"codestral-c"_s, {{u"renamed_from"_s, u"codestral-b"_s}})).status, 200);
    QCOMPARE(m_gateway->config().models.first().name, u"codestral-c"_s);
    QCOMPARE(m_gateway->config().models.first().apiKey, u"key-three"_s);
    QVERIFY(!admin("GET", u"api/v1/config"_s).json.value("models"_L1).toArray().first().toObject().contains("renamed_from"_L1));
    QCOMPARE(admin("PUT", u"api/v1/config"_s, renameTo(u"codestral-d"_s, {{u"renamed_from"_s, 7}})).status, 400);
    QCOMPARE(admin("PUT", u"api/v1/config"_s, renameTo(u"codestral-d"_s, {{u"renamed_from"_s, u"codestral-c"_s},
                                                                          {u"api_key"_s, u"key-four"_s}})).status, 200);
    QCOMPARE(m_gateway->config().models.first().apiKey, u"key-four"_s);
    QCOMPARE(admin("PUT", u"api/v1/config"_s, renameTo(u"codestral-e"_s, {})).status, 200);
    QVERIFY(m_gateway->config().models.first().apiKey.isEmpty());

    // Back to the name and key the following steps use.
    QJsonObject restore = renameTo(u"codestral-a"_s, {{u"api_key"_s, u"key-one"_s}});
    restore.insert(u"features"_s, QJsonObject{});
    QCOMPARE(admin("PUT", u"api/v1/config"_s, restore).status, 200);
    console->reload();
    QTRY_VERIFY_WITH_TIMEOUT(console->modelNames() == QStringList{u"codestral-a"_s}, kTimeoutMs);
}

// The model form edits one URL and has no server kind: saving it keeps the other replicas and the kind
// the file gave.
void tst_ConsoleFlow::formKeepsReplicasAndServerKind()
{
    ConfigController *console = m_core->config();
    const QJsonObject before = admin("GET", u"api/v1/config"_s).json;
    QJsonObject model = before.value("models"_L1).toArray().first().toObject();
    const QString first = model.value("base_url"_L1).toString();
    QVERIFY(!first.isEmpty());
    model.remove(u"base_url"_s);
    model.insert(u"replicas"_s, QJsonArray{QJsonObject{{u"base_url"_s, first}},
                                           QJsonObject{{u"base_url"_s, u"http://127.0.0.1:9/v1"_s}, {u"weight"_s, 3}}});
    model.insert(u"server"_s, u"vllm"_s);
    model.insert(u"api_key"_s, u"key-one"_s);
    QJsonObject replicated = before;
    replicated.insert(u"models"_s, QJsonArray{model});
    QCOMPARE(admin("PUT", u"api/v1/config"_s, replicated).status, 200);
    console->reload();
    QTRY_VERIFY_WITH_TIMEOUT(console->models()->get(0).toMap().value(u"replicaUrls"_s).toStringList().size() == 2, kTimeoutMs);

    QSignalSpy saved(console, &ConfigController::saved);
    QVERIFY(console->saveModel(u"codestral-a"_s, modelFields()));
    QVERIFY(saved.wait(kTimeoutMs));
    const QJsonObject stored = admin("GET", u"api/v1/config"_s).json.value("models"_L1).toArray().first().toObject();
    QCOMPARE(stored.value("server"_L1).toString(), u"vllm"_s);
    const QJsonArray replicas = stored.value("replicas"_L1).toArray();
    QCOMPARE(replicas.size(), 2);
    QCOMPARE(replicas.at(1).toObject().value("base_url"_L1).toString(), u"http://127.0.0.1:9/v1"_s);
    QCOMPARE(replicas.at(1).toObject().value("weight"_L1).toInt(), 3);
    QCOMPARE(m_gateway->config().models.first().apiKey, u"key-one"_s);

    // Back to the single server the following steps use.
    QJsonObject single = before.value("models"_L1).toArray().first().toObject();
    single.insert(u"api_key"_s, u"key-one"_s);
    QJsonObject restore = before;
    restore.insert(u"models"_s, QJsonArray{single});
    QCOMPARE(admin("PUT", u"api/v1/config"_s, restore).status, 200);
    console->reload();
    QTRY_VERIFY_WITH_TIMEOUT(console->models()->get(0).toMap().value(u"replicaUrls"_s).toStringList().size() == 1, kTimeoutMs);
}

void tst_ConsoleFlow::assignFeatureAndFlag()
{
    ConfigController *config = m_core->config();
    QSignalSpy saved(config, &ConfigController::saved);
    QVERIFY(config->assignFeature(u"code_completions"_s, u"codestral-a"_s));
    QVERIFY(saved.wait(kTimeoutMs));
    QCOMPARE(m_gateway->config().features.value(u"code_completions"_s), u"codestral-a"_s);
    QVERIFY(config->assignFeature(u"code_generations"_s, u"codestral-a"_s));
    QVERIFY(saved.wait(kTimeoutMs));

    FeatureListModel *features = config->features();
    const int row = int(features->featureIds().indexOf(u"code_completions"_s));
    QCOMPARE(features->index(row).data(FeatureListModel::AssignedModelRole).toString(), u"codestral-a"_s);
    QCOMPARE(features->index(row).data(FeatureListModel::SuitsRole).toBool(), true);

    QVERIFY(config->setFlagEnabled(u"ai_code_generations"_s, false));
    QVERIFY(saved.wait(kTimeoutMs));
    QCOMPARE(m_gateway->config().flags.value("flags"_L1).toObject().value("ai_code_generations"_L1).toBool(true), false);
    QVERIFY(config->setFlagEnabled(u"ai_code_generations"_s, true));
    QVERIFY(saved.wait(kTimeoutMs));
    QVERIFY(!m_gateway->config().flags.value("flags"_L1).toObject().contains("ai_code_generations"_L1));

    // A model that does not exist is refused locally.
    QVERIFY(!config->assignFeature(u"code_completions"_s, u"nope"_s));
}






void tst_ConsoleFlow::tokenAndLiveLog()
{
    TokensController *tokens = m_core->tokens();
    QTRY_VERIFY_WITH_TIMEOUT(tokens->keys()->rowCount() > 0, kTimeoutMs);
    QSignalSpy issued(tokens, &TokensController::issuedTokenChanged);
    tokens->issue(u"alice"_s, u"complete_code,generate_code"_s, u"30d"_s, u"IDE"_s);
    QVERIFY(issued.wait(kTimeoutMs));
    m_clientToken = tokens->issuedToken();
    QVERIFY(!m_clientToken.isEmpty());
    QTRY_VERIFY_WITH_TIMEOUT(tokens->tokens()->rowCount() == 1, kTimeoutMs);
    QCOMPARE(tokens->tokens()->index(0).data(TokenListModel::SubjectRole).toString(), u"alice"_s);
    tokens->dismissIssuedToken();
    QVERIFY(tokens->issuedToken().isEmpty());

    LogsController *logs = m_core->logs();
    logs->start();
    QTRY_VERIFY_WITH_TIMEOUT(logs->isLive(), kTimeoutMs);

    // A client request with the token arrives in the live log.
    QNetworkAccessManager network;
    QNetworkRequest request(QUrl(u"http://"_s + m_gateway->gatewayAddress().toString() + u"/v1/completions"_s));
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    request.setRawHeader("Authorization", "Bearer " + m_clientToken.toUtf8());
    QNetworkReply *reply = network.post(request, "{\"model\":\"code_completions\",\"prompt\":\"def f():\",\"max_tokens\":8}");
    QTRY_VERIFY_WITH_TIMEOUT(reply->isFinished(), kTimeoutMs);
    QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
    reply->deleteLater();
    QTRY_VERIFY_WITH_TIMEOUT(logs->records()->rowCount() >= 1, kTimeoutMs);
    const QModelIndex newest = logs->records()->index(0);
    QCOMPARE(newest.data(LogListModel::ModelRole).toString(), u"codestral-a"_s);
    QCOMPARE(newest.data(LogListModel::UserRole).toString(), u"alice"_s);
    QCOMPARE(newest.data(LogListModel::StatusRole).toInt(), 200);

    // Paused: new records are held back, then shown on resume.
    logs->setPaused(true);
    const int before = logs->records()->rowCount();
    reply = network.post(request, "{\"model\":\"code_completions\",\"prompt\":\"x\",\"max_tokens\":8}");
    QTRY_VERIFY_WITH_TIMEOUT(logs->heldBack() == 1, kTimeoutMs);
    QCOMPARE(logs->records()->rowCount(), before);
    logs->setPaused(false);
    QCOMPARE(logs->records()->rowCount(), before + 1);
    reply->deleteLater();

    // The detail of a record.
    QSignalSpy selected(logs, &LogsController::selectedChanged);
    logs->select(newest.data(LogListModel::IdRole).toLongLong());
    QVERIFY(selected.wait(kTimeoutMs));
    QCOMPARE(logs->selected().value(u"model_endpoint"_s).toString(), u"codestral-a"_s);

    // Filters apply on the server: errors only hides the successful ones.
    logs->setErrorsOnly(true);
    QTRY_COMPARE_WITH_TIMEOUT(logs->records()->rowCount(), 0, kTimeoutMs);
    logs->setErrorsOnly(false);
    QTRY_VERIFY_WITH_TIMEOUT(logs->records()->rowCount() >= 2, kTimeoutMs);
    logs->stop();
    QVERIFY(!logs->isLive());

    // Revoking the token.
    const QString id = tokens->tokens()->index(0).data(TokenListModel::IdRole).toString();
    tokens->revoke(id);
    QTRY_VERIFY_WITH_TIMEOUT(tokens->tokens()->index(0).data(TokenListModel::RevokedRole).toBool(), kTimeoutMs);
}

QString tst_ConsoleFlow::issueToken(const QString &subject)
{
    return test::issueConsoleToken(*m_core, subject);
}

int tst_ConsoleFlow::complete(const QString &token)
{
    return m_env->post(u"/v1/completions"_s, token,
                       QJsonObject{{u"model"_s, u"code_completions"_s}, {u"prompt"_s, u"def f():"_s}, {u"max_tokens"_s, 8}},
                       kTimeoutMs).status;
}


void tst_ConsoleFlow::rotateKeys()
{
    TokensController *tokens = m_core->tokens();
    SigningKeyListModel *keys = tokens->keys();
    const auto column = [keys](int role) {
        QStringList values;
        for (int i = 0; i < keys->rowCount(); ++i)
            values << keys->index(i).data(role).toString();
        return values;
    };
    const auto activeKids = [keys] {
        QStringList kids;
        for (int i = 0; i < keys->rowCount(); ++i) {
            if (keys->index(i).data(SigningKeyListModel::ActiveRole).toBool())
                kids << keys->index(i).data(SigningKeyListModel::KidRole).toString();
        }
        return kids;
    };
    QTRY_VERIFY_WITH_TIMEOUT(keys->rowCount() > 0, kTimeoutMs);
    const QStringList before = column(SigningKeyListModel::KidRole);
    QCOMPARE(activeKids().size(), 1);
    const QString oldKid = activeKids().constFirst();

    // A token signed with the key in force.
    const QString oldToken = issueToken(u"bob"_s);
    QVERIFY2(!oldToken.isEmpty(), qPrintable(tokens->errorMessage()));
    QCOMPARE(auth::parseJwt(oldToken.toLatin1())->kid, oldKid);

    tokens->rotateKeys();
    // A new key appears and signs from now on; the old one stays listed (retired) while its tokens live.
    QTRY_COMPARE_WITH_TIMEOUT(keys->rowCount(), before.size() + 1, kTimeoutMs);
    QVERIFY2(tokens->errorMessage().isEmpty(), qPrintable(tokens->errorMessage()));
    const QStringList after = column(SigningKeyListModel::KidRole);
    for (const QString &kid : before)
        QVERIFY2(after.contains(kid), qPrintable(kid));
    QCOMPARE(activeKids().size(), 1);
    const QString newKid = activeKids().constFirst();
    QVERIFY(!before.contains(newKid));
    const int oldRow = int(after.indexOf(oldKid));
    QCOMPARE(keys->index(oldRow).data(SigningKeyListModel::ActiveRole).toBool(), false);
    QCOMPARE(keys->index(oldRow).data(SigningKeyListModel::StateRole).toString(), u"retired"_s);
    // The gateway agrees: the new key is the active one.
    QCOMPARE(admin("GET", u"api/v1/keys"_s).json.value("active"_L1).toString(), newKid);

    // The overlap: the old token is still accepted; a new one is signed with the new key.
    QCOMPARE(complete(oldToken), 200);
    const QString newToken = issueToken(u"carol"_s);
    QVERIFY2(!newToken.isEmpty(), qPrintable(tokens->errorMessage()));
    QCOMPARE(auth::parseJwt(newToken.toLatin1())->kid, newKid);
    QCOMPARE(complete(newToken), 200);
}

void tst_ConsoleFlow::gitlabTrust()
{
    TokensController *tokens = m_core->tokens();
    QTRY_COMPARE_WITH_TIMEOUT(tokens->gitlabState(), u"none"_s, kTimeoutMs); // none configured yet
    QVERIFY(tokens->gitlabUrl().isEmpty());

    // A GitLab instance with one key: the console shows the fetch's outcome without being asked to reload.
    test::FakeGitLab gitlab;
    gitlab.keys << *auth::SigningKey::generate(auth::KeyAlg::RS256);
    tokens->setGitlabUrl(gitlab.url());
    QTRY_COMPARE_WITH_TIMEOUT(tokens->gitlabUrl(), gitlab.url(), kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(tokens->gitlabState(), u"ok"_s, kTimeoutMs);
    QVERIFY2(tokens->errorMessage().isEmpty(), qPrintable(tokens->errorMessage()));
    const auto tokensTr = [](const char *text, int n = -1) { return QCoreApplication::translate("airlock::TokensController", text, nullptr, n); };
    QVERIFY2(tokens->gitlabDetail().startsWith(tokensTr("%n key(s)", 1) + u" · "_s), qPrintable(tokens->gitlabDetail()));
    QVERIFY2(tokens->gitlabDetail().contains(tokensTr("fetched %1").arg(QString())), qPrintable(tokens->gitlabDetail()));
    QCOMPARE(gitlab.jwksHits, 1);

    // The detail is built in C++ with tr(): a language switch announces it again.
    QSignalSpy detail(tokens, &TokensController::gitlabDetailChanged);
    m_core->language()->apply(u"en"_s);
    QCOMPARE(detail.count(), 1);

    // An instance that cannot be reached (a port nothing listens on): the state says so, with the reason.
    quint16 closedPort = 0;
    {
        QTcpServer probe;
        QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
        closedPort = probe.serverPort();
    }
    const QString unreachable = u"http://127.0.0.1:%1"_s.arg(closedPort);
    tokens->setGitlabUrl(unreachable);
    QTRY_COMPARE_WITH_TIMEOUT(tokens->gitlabUrl(), unreachable, kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(tokens->gitlabState(), u"error"_s, kTimeoutMs);
    const QString lastError = admin("GET", u"api/v1/trust"_s).json.value("gitlab"_L1).toObject().value("last_error"_L1).toString();
    QVERIFY(!lastError.isEmpty());
    QVERIFY2(tokens->gitlabDetail().endsWith(lastError), qPrintable(tokens->gitlabDetail()));

    // None again.
    tokens->setGitlabUrl(QString());
    QTRY_COMPARE_WITH_TIMEOUT(tokens->gitlabState(), u"none"_s, kTimeoutMs);
    QVERIFY(tokens->gitlabUrl().isEmpty());
    QVERIFY2(tokens->errorMessage().isEmpty(), qPrintable(tokens->errorMessage()));
}

void tst_ConsoleFlow::metrics()
{
    MetricsController *metrics = m_core->metrics();
    QSignalSpy updated(metrics, &MetricsController::updated);
    metrics->refresh();
    QTRY_VERIFY_WITH_TIMEOUT(metrics->totalRequests() >= 1, kTimeoutMs);
    QVERIFY2(metrics->errorMessage().isEmpty(), qPrintable(metrics->errorMessage()));
    QVERIFY(metrics->rps()->rowCount() >= 30 && metrics->rps()->rowCount() <= 31); // minutes of the window
    EndpointHealthModel *endpoints = metrics->endpoints();
    QVERIFY(endpoints->rowCount() >= 1);
    QCOMPARE(endpoints->index(0).data(EndpointHealthModel::NameRole).toString(), u"codestral-a"_s);
    QCOMPARE(endpoints->index(0).data(EndpointHealthModel::HealthRole).toString(), u"ok"_s);
}

void tst_ConsoleFlow::renderRoute_data()
{
    QTest::addColumn<QJsonObject>("body");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("code");
    const QJsonObject good{{u"feature"_s, u"code_completions"_s}, {u"model"_s, u"codestral-a"_s},
                           {u"file_name"_s, u"a.py"_s}, {u"language"_s, u"python"_s},
                           {u"prefix"_s, u"def add(a, b):\n    "_s}, {u"suffix"_s, u"\n"_s}};
    QTest::newRow("completion") << good << 200 << QString();
    QJsonObject chat = good;
    chat.insert(u"feature"_s, u"duo_chat_explain_code"_s);
    chat.insert(u"instruction"_s, u"Explain this"_s);
    QTest::newRow("chat feature") << chat << 200 << QString();
    QJsonObject unknownFeature = good;
    unknownFeature.insert(u"feature"_s, u"nope"_s);
    QTest::newRow("unknown feature") << unknownFeature << 400 << u"unknown_feature"_s;
    QJsonObject unknownModel = good;
    unknownModel.insert(u"model"_s, u"nope"_s);
    QTest::newRow("unknown model") << unknownModel << 400 << u"unknown_model"_s;
    QJsonObject extra = good;
    extra.insert(u"colour"_s, u"blue"_s);
    QTest::newRow("unknown key") << extra << 400 << u"unknown_key"_s;
    QJsonObject badTemplate = good;
    badTemplate.insert(u"template"_s, u"no placeholders"_s);
    QTest::newRow("invalid preview template") << badTemplate << 400 << u"invalid_template"_s;
}

void tst_ConsoleFlow::renderRoute()
{
    QFETCH(QJsonObject, body);
    QFETCH(int, status);
    QFETCH(QString, code);
    const Answer answer = admin("POST", u"api/v1/prompts/render"_s, body);
    QCOMPARE(answer.status, status);
    if (status != 200) {
        QCOMPARE(answer.json.value("code"_L1).toString(), code);
        return;
    }
    const QJsonObject &o = answer.json;
    if (body.value("feature"_L1).toString() == "code_completions"_L1) {
        QCOMPARE(o.value("api"_L1).toString(), u"completions"_s);
        // Codestral's FIM format, exactly as the gateway sends it.
        QCOMPARE(o.value("prompt"_L1).toString(), u"<s>[SUFFIX]\n[PREFIX]def add(a, b):\n    "_s);
        QCOMPARE(o.value("body"_L1).toObject().value("model"_L1).toString(), u"fake-model"_s);
        QCOMPARE(o.value("template_source"_L1).toString(), u"built_in"_s);
        QCOMPARE(o.value("template"_L1).toString(), o.value("built_in_template"_L1).toString());
        QVERIFY(o.value("template"_L1).toString().contains(u"{prefix}"_s));
    } else {
        QCOMPARE(o.value("api"_L1).toString(), u"chat"_s);
        const QJsonArray messages = o.value("messages"_L1).toArray();
        QVERIFY(!messages.isEmpty());
        QVERIFY(QJsonDocument(messages).toJson().contains("Explain this"));
        QVERIFY(!o.value("built_in_template"_L1).toString().isEmpty()); // the system prompt
    }
}

void tst_ConsoleFlow::playground()
{
    PlaygroundController *playground = m_core->playground();
    playground->setFeature(u"code_completions"_s);
    playground->setLanguage(u"python"_s);
    playground->setCode(u"def add(a, b):\n    "_s + PlaygroundController::cursorMarker() + u"\n"_s);
    playground->left()->setModel(u"codestral-a"_s);
    QSignalSpy templ(playground, &PlaygroundController::templateChanged);
    playground->render();
    QVERIFY(templ.wait(kTimeoutMs));
    QCOMPARE(playground->left()->prompt(), u"<s>[SUFFIX]\n[PREFIX]def add(a, b):\n    "_s);
    QCOMPARE(playground->templateSource(), u"built_in"_s);
    QVERIFY(playground->left()->requestBody().contains(u"\"stream\""_s));

    // Two models side by side: the same model twice is enough to see both sides run.
    playground->setCompare(true);
    playground->right()->setModel(u"codestral-a"_s);
    playground->render();
    QTRY_VERIFY_WITH_TIMEOUT(!playground->right()->prompt().isEmpty(), kTimeoutMs);

    test::FakeBehavior slow = test::FakeBehavior::answer(3, 20);
    slow.chunkTexts = {u"return"_s, u" a"_s, u" + b"_s};
    m_fake->setDefaultBehavior(slow);
    playground->run();
    QTRY_VERIFY_WITH_TIMEOUT((playground->left()->isFinished() && playground->right()->isFinished())
                                 || !playground->errorMessage().isEmpty() || !playground->left()->errorMessage().isEmpty(),
                             kTimeoutMs);
    QVERIFY2(playground->left()->errorMessage().isEmpty(), qPrintable(playground->left()->errorMessage()));
    QCOMPARE(playground->left()->answer(), u"return a + b"_s);
    QCOMPARE(playground->right()->answer(), u"return a + b"_s);
    QVERIFY(playground->left()->firstTokenMs() >= 0);
    QVERIFY(playground->left()->totalMs() >= playground->left()->firstTokenMs());
    QVERIFY(playground->left()->tokensPerSecond() > 0);
    QCOMPARE(playground->statusMessage(), tr("Done."));
    // The run went through the gateway with the endpoint's identifier, streaming.
    const test::RecordedRequest last = m_fake->lastRequest();
    QCOMPARE(last.model, u"fake-model"_s);
    QVERIFY(last.stream);
    QVERIFY(last.body.contains("[PREFIX]def add(a, b):"));
    m_fake->setDefaultBehavior(test::FakeBehavior::answer());
    playground->setCompare(false);
}

void tst_ConsoleFlow::templateOverride()
{
    PlaygroundController *playground = m_core->playground();
    QSignalSpy saved(playground, &PlaygroundController::templateSaved);
    playground->saveTemplate(u"<fim_prefix>{prefix}<fim_suffix>{suffix}<fim_middle>"_s);
    QVERIFY2(saved.wait(kTimeoutMs), qPrintable(playground->errorMessage()));
    QTRY_COMPARE_WITH_TIMEOUT(playground->templateSource(), u"override"_s, kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(playground->left()->prompt(), u"<fim_prefix>def add(a, b):\n    <fim_suffix>\n<fim_middle>"_s, kTimeoutMs);

    const Answer history = admin("GET", u"api/v1/prompts/overrides/codestral-a/code_completions"_s);
    QCOMPARE(history.status, 200);
    QCOMPARE(history.json.value("history"_L1).toArray().size(), 1);
    QCOMPARE(history.json.value("current"_L1).toObject().value("author"_L1).toString().isEmpty(), false);
    QVERIFY(history.json.value("built_in"_L1).toString().contains(u"[PREFIX]"_s));

    // Invalid templates are refused with the validator's reason.
    const Answer invalid = admin("PUT", u"api/v1/prompts/overrides/codestral-a/code_completions"_s,
                                 QJsonObject{{u"template"_s, u"no prefix here"_s}});
    QCOMPARE(invalid.status, 400);
    QCOMPARE(invalid.json.value("code"_L1).toString(), u"invalid_template"_s);
    QCOMPARE(admin("GET", u"api/v1/prompts/overrides/codestral-a/nope"_s).status, 404);

    playground->revertTemplate();
    QTRY_COMPARE_WITH_TIMEOUT(playground->templateSource(), u"built_in"_s, kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(playground->left()->prompt(), u"<s>[SUFFIX]\n[PREFIX]def add(a, b):\n    "_s, kTimeoutMs);
    QCOMPARE(admin("GET", u"api/v1/prompts/overrides/codestral-a/code_completions"_s).json.value("history"_L1).toArray().size(), 2);
}

void tst_ConsoleFlow::removeModel()
{
    ConfigController *config = m_core->config();
    QSignalSpy saved(config, &ConfigController::saved);
    QVERIFY(config->removeModel(u"codestral-a"_s));
    QVERIFY(saved.wait(kTimeoutMs));
    QCOMPARE(m_gateway->config().models.size(), 0);
    QCOMPARE(m_gateway->config().features.value(u"code_completions"_s), QString(kDisabled));

    m_core->connection()->disconnectFrom();
    QVERIFY(!config->isLoaded());
    QCOMPARE(config->models()->rowCount(), 0);
    QCOMPARE(m_core->tokens()->tokens()->rowCount(), 0);
}

QTEST_MAIN(tst_ConsoleFlow)
#include "tst_consoleflow.moc"
