#pragma once

// The QML face of the console: a thin singleton ("Console" in module Airlock.Console) that hands
// the core objects, owned by main() (or a test), to QML. The core classes stay free of QML macros;
// their QML type names are declared here with QML_FOREIGN.
//
// Lifecycle: create the core objects and a ConsoleAdapter, call ConsoleAdapter::setInstance(),
// then load QML. The adapter must outlive every engine that used it (the engine never owns it).

#include "chartseries.h"
#include "consolecore.h"

#include <QObject>
#include <QtQml/qqml.h>

QT_BEGIN_NAMESPACE
class QQmlEngine;
class QJSEngine;
QT_END_NAMESPACE

namespace airlock {

class ConsoleAdapter : public QObject
{
    Q_OBJECT
    QML_NAMED_ELEMENT(Console)
    QML_SINGLETON
    Q_PROPERTY(airlock::ConnectionController *connection READ connection CONSTANT)
    Q_PROPERTY(airlock::SavedConnections *connections READ connections CONSTANT)
    Q_PROPERTY(airlock::ConfigController *config READ config CONSTANT)
    Q_PROPERTY(airlock::ReplicaHealthController *replicaHealth READ replicaHealth CONSTANT)
    Q_PROPERTY(airlock::TokensController *tokens READ tokens CONSTANT)
    Q_PROPERTY(airlock::LogsController *logs READ logs CONSTANT)
    Q_PROPERTY(airlock::MetricsController *metrics READ metrics CONSTANT)
    Q_PROPERTY(airlock::PlaygroundController *playground READ playground CONSTANT)
    Q_PROPERTY(airlock::SettingsController *settings READ settings CONSTANT)
    Q_PROPERTY(airlock::LanguageController *language READ language CONSTANT)
    Q_PROPERTY(bool highlighterAvailable READ highlighterAvailable CONSTANT)
    Q_PROPERTY(QString consoleVersion READ consoleVersion CONSTANT)
    // The page shown while connected, an index into pageNames (the sidebar, Ctrl+1…7 and the UI test).
    Q_PROPERTY(int pageIndex READ pageIndex WRITE setPageIndex NOTIFY pageIndexChanged)
    Q_PROPERTY(QStringList pageNames READ pageNames CONSTANT)

public:
    explicit ConsoleAdapter(ConsoleCore *core, QObject *parent = nullptr);
    ~ConsoleAdapter() override;

    ConnectionController *connection() const { return m_core->connection(); }
    SavedConnections *connections() const { return m_core->connections(); }
    ConfigController *config() const { return m_core->config(); }
    ReplicaHealthController *replicaHealth() const { return m_core->replicaHealth(); }
    TokensController *tokens() const { return m_core->tokens(); }
    LogsController *logs() const { return m_core->logs(); }
    MetricsController *metrics() const { return m_core->metrics(); }
    PlaygroundController *playground() const { return m_core->playground(); }
    SettingsController *settings() const { return m_core->settings(); }
    LanguageController *language() const { return m_core->language(); }
    bool highlighterAvailable() const { return CodeHighlighter().isAvailable(); }
    QString consoleVersion() const;
    int pageIndex() const { return m_pageIndex; }
    void setPageIndex(int index);
    // Shows page `index` and asks the view to move the keyboard focus to its first control (Ctrl+1…7).
    Q_INVOKABLE void showPage(int index);
    static QStringList pageNames();

    // Connects with the admin token stored in the keychain for `url`.
    Q_INVOKABLE void connectSaved(const QString &url) { m_core->connectSaved(url); }

    static void setInstance(ConsoleAdapter *adapter);
    // Called by the QML engine the first time a document uses Console.
    static ConsoleAdapter *create(QQmlEngine *qmlEngine, QJSEngine *jsEngine);

Q_SIGNALS:
    void pageIndexChanged();
    void pageFocusRequested();

private:
    ConsoleCore *m_core;
    int m_pageIndex = 0;
};

// QML names for core types: ConnectionController.Connected etc., and typed properties.
struct ConnectionControllerForeign
{
    Q_GADGET
    QML_FOREIGN(airlock::ConnectionController)
    QML_NAMED_ELEMENT(ConnectionController)
    QML_UNCREATABLE("ConnectionController is provided by Console.connection")
};

struct SavedConnectionsForeign
{
    Q_GADGET
    QML_FOREIGN(airlock::SavedConnections)
    QML_NAMED_ELEMENT(SavedConnections)
    QML_UNCREATABLE("provided by Console.connections")
};
struct ConfigControllerForeign
{
    Q_GADGET
    QML_FOREIGN(airlock::ConfigController)
    QML_NAMED_ELEMENT(ConfigController)
    QML_UNCREATABLE("provided by Console.config")
};
struct ReplicaHealthControllerForeign
{
    Q_GADGET
    QML_FOREIGN(airlock::ReplicaHealthController)
    QML_NAMED_ELEMENT(ReplicaHealthController)
    QML_UNCREATABLE("provided by Console.replicaHealth")
};
struct TokensControllerForeign
{
    Q_GADGET
    QML_FOREIGN(airlock::TokensController)
    QML_NAMED_ELEMENT(TokensController)
    QML_UNCREATABLE("provided by Console.tokens")
};
struct LogsControllerForeign
{
    Q_GADGET
    QML_FOREIGN(airlock::LogsController)
    QML_NAMED_ELEMENT(LogsController)
    QML_UNCREATABLE("provided by Console.logs")
};
struct MetricsControllerForeign
{
    Q_GADGET
    QML_FOREIGN(airlock::MetricsController)
    QML_NAMED_ELEMENT(MetricsController)
    QML_UNCREATABLE("provided by Console.metrics")
};
struct PlaygroundControllerForeign
{
    Q_GADGET
    QML_FOREIGN(airlock::PlaygroundController)
    QML_NAMED_ELEMENT(PlaygroundController)
    QML_UNCREATABLE("provided by Console.playground")
};
struct PlaygroundSideForeign
{
    Q_GADGET
    QML_FOREIGN(airlock::PlaygroundSide)
    QML_NAMED_ELEMENT(PlaygroundSide)
    QML_UNCREATABLE("provided by Console.playground")
};
struct SettingsControllerForeign
{
    Q_GADGET
    QML_FOREIGN(airlock::SettingsController)
    QML_NAMED_ELEMENT(SettingsController)
    QML_UNCREATABLE("provided by Console.settings")
};
struct LanguageControllerForeign
{
    Q_GADGET
    QML_FOREIGN(airlock::LanguageController)
    QML_NAMED_ELEMENT(LanguageController)
    QML_UNCREATABLE("provided by Console.language")
};
struct ModelListModelForeign
{
    Q_GADGET
    QML_FOREIGN(airlock::ModelListModel)
    QML_NAMED_ELEMENT(ModelListModel)
    QML_UNCREATABLE("provided by Console.config.models")
};
struct FeatureListModelForeign
{
    Q_GADGET
    QML_FOREIGN(airlock::FeatureListModel)
    QML_NAMED_ELEMENT(FeatureListModel)
    QML_UNCREATABLE("provided by Console.config.features")
};
struct TestStepModelForeign
{
    Q_GADGET
    QML_FOREIGN(airlock::TestStepModel)
    QML_NAMED_ELEMENT(TestStepModel)
    QML_UNCREATABLE("provided by Console.config.testSteps")
};
struct JsonRowsModelForeign
{
    Q_GADGET
    QML_FOREIGN(airlock::JsonRowsModel)
    QML_NAMED_ELEMENT(JsonRowsModel)
    QML_UNCREATABLE("a base class")
};
struct TokenListModelForeign
{
    Q_GADGET
    QML_FOREIGN(airlock::TokenListModel)
    QML_NAMED_ELEMENT(TokenListModel)
    QML_UNCREATABLE("provided by Console.tokens.tokens")
};
struct SigningKeyListModelForeign
{
    Q_GADGET
    QML_FOREIGN(airlock::SigningKeyListModel)
    QML_NAMED_ELEMENT(SigningKeyListModel)
    QML_UNCREATABLE("provided by Console.tokens.keys")
};
struct LogListModelForeign
{
    Q_GADGET
    QML_FOREIGN(airlock::LogListModel)
    QML_NAMED_ELEMENT(LogListModel)
    QML_UNCREATABLE("provided by Console.logs.records")
};
struct EndpointHealthModelForeign
{
    Q_GADGET
    QML_FOREIGN(airlock::EndpointHealthModel)
    QML_NAMED_ELEMENT(EndpointHealthModel)
    QML_UNCREATABLE("provided by Console.metrics.endpoints")
};
struct ReplicaHealthModelForeign
{
    Q_GADGET
    QML_FOREIGN(airlock::ReplicaHealthModel)
    QML_NAMED_ELEMENT(ReplicaHealthModel)
    QML_UNCREATABLE("provided by Console.replicaHealth.replicas")
};
struct ChartSeriesForeign
{
    Q_GADGET
    QML_FOREIGN(airlock::ChartSeries)
    QML_NAMED_ELEMENT(ChartSeries)
    QML_UNCREATABLE("provided by Console.metrics")
};
// Creatable: pages instantiate these.
struct LineChartForeign
{
    Q_GADGET
    QML_FOREIGN(airlock::LineChart)
    QML_NAMED_ELEMENT(LineChart)
};
struct CodeHighlighterForeign
{
    Q_GADGET
    QML_FOREIGN(airlock::CodeHighlighter)
    QML_NAMED_ELEMENT(CodeHighlighter)
};

} // namespace airlock
