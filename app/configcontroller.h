#pragma once

// Models, feature assignments and flags of the connected gateway, as the console edits them.
//
// Every edit changes a copy of the configuration in force, checks it with the same validation the
// gateway uses (so most mistakes are reported at once, naming the field), and sends the whole
// configuration with PUT /api/v1/config; the gateway's answer becomes the new state. API keys are
// write-only: a model is sent with "api_key" only when the admin typed a new one (the gateway keeps the
// stored key otherwise). "Test connection" runs POST /api/v1/models/test on the gateway.
//
// Lifecycle: reload() after each connection (ConsoleAdapter does it); everything is cleared when the
// connection drops. Plain QObject; QML sees it through Console.config. errorMessage is a LiveText:
// retranslate() announces it again after a language switch.

#include "configmodels.h"
#include "jsonrowsmodel.h"
#include "livetext.h"

#include <QObject>

namespace airlock {

class AdminClient;
struct AdminError;

class ConfigController : public QObject
{
    Q_OBJECT
    Q_PROPERTY(airlock::ModelListModel *models READ models CONSTANT)
    Q_PROPERTY(airlock::FeatureListModel *features READ features CONSTANT)
    Q_PROPERTY(airlock::TestStepModel *testSteps READ testSteps CONSTANT)
    Q_PROPERTY(QStringList families READ families CONSTANT)
    Q_PROPERTY(QStringList modelNames READ modelNames NOTIFY configChanged)
    Q_PROPERTY(bool loaded READ isLoaded NOTIFY configChanged)
    Q_PROPERTY(bool busy READ isBusy NOTIFY busyChanged)
    Q_PROPERTY(QString errorMessage READ errorMessage NOTIFY errorMessageChanged)
    Q_PROPERTY(bool testRunning READ isTestRunning NOTIFY testChanged)
    Q_PROPERTY(int testResult READ testResult NOTIFY testChanged)

public:
    enum TestResult { NotRun, Passed, Failed };
    Q_ENUM(TestResult)

    explicit ConfigController(AdminClient *client, QObject *parent = nullptr);

    ModelListModel *models() { return &m_models; }
    FeatureListModel *features() { return &m_features; }
    TestStepModel *testSteps() { return &m_testSteps; }
    QStringList families() const;
    QStringList modelNames() const;
    bool isLoaded() const { return m_loaded; }
    bool isBusy() const { return m_pending > 0; }
    QString errorMessage() const { return m_errorMessage.text(); }
    bool isTestRunning() const { return m_testRunning; }
    int testResult() const { return m_testResult; }
    const GatewayConfig &config() const { return m_config; }

    Q_INVOKABLE void reload();
    void clear();
    void setLanguage(const QString &language) { m_features.setLanguage(language); }
    // After a language switch: emits errorMessageChanged() so the message is read again.
    void retranslate();

    // `fields`: name, family, replicas (routeforms.h: [{baseUrl, weight}], the whole list) or baseUrl
    // (the first replica's URL alone; the others are kept), identifier, apiKey (empty: keep the stored one), maxConcurrency,
    // connectTimeoutMs, firstByteTimeoutMs, idleTimeoutMs, totalTimeoutMs. `originalName` is the model
    // being edited (empty: a new one); renaming moves its feature assignments along and keeps its stored
    // API key unless a new one is typed ("renamed_from" in PUT /api/v1/config). Returns false (and
    // sets errorMessage) when the fields are invalid; the outcome otherwise arrives as saved()/failed().
    Q_INVOKABLE bool saveModel(const QString &originalName, const QVariantMap &fields);
    Q_INVOKABLE bool removeModel(const QString &name);
    // `model`: a model name or "disabled".
    Q_INVOKABLE bool assignFeature(const QString &feature, const QString &model);
    // Routes `feature` over `tiers` (routeforms.h: fallback order, each a list of {model, weight}). A
    // single model with no fallback is saved as the plain assignment; weights, duplicates and limits are
    // checked by the gateway, whose refusal names the field (errorMessage, failed()).
    Q_INVOKABLE bool saveRoute(const QString &feature, const QVariantList &tiers);
    Q_INVOKABLE bool setFlagEnabled(const QString &flag, bool enabled);
    // Tests the endpoint described by `fields` (as saveModel) on the gateway; results in testSteps. With no
    // key typed, the gateway uses the one stored for `storedName` (the model being edited), else for
    // fields' name.
    Q_INVOKABLE void testModel(const QVariantMap &fields, const QString &storedName = {});
    Q_INVOKABLE void clearError() { setErrorMessage({}); }

    // Builds an endpoint from form fields; the error names the field.
    static Result<ModelEndpoint> endpointFromFields(const QVariantMap &fields);

Q_SIGNALS:
    void configChanged();
    void busyChanged();
    void errorMessageChanged();
    void testChanged();
    void saved();
    void failed(const QString &message);

private:
    // Sends `config`; only the model named keyForModel carries a key (apiKey, when not empty), and
    // "renamed_from" when renamedFrom is not empty.
    bool put(GatewayConfig config, const QString &keyForModel, const QString &apiKey, const QString &renamedFrom = {});
    void setConfig(const GatewayConfig &config);
    void setErrorMessage(const LiveText &message);
    // The error of endpointFromFields(fields), rendered again in the language in force.
    static LiveText fieldsError(const QVariantMap &fields);
    void begin();
    void end();

    AdminClient *m_client;
    GatewayConfig m_config;
    ModelListModel m_models;
    FeatureListModel m_features;
    TestStepModel m_testSteps;
    bool m_loaded = false;
    int m_pending = 0;
    LiveText m_errorMessage;
    bool m_testRunning = false;
    int m_testResult = NotRun;
};

} // namespace airlock
