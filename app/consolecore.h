#pragma once

// Everything the console does, without QML: the connection and one controller per page, wired to the
// connection's state (loaded when it connects, cleared when it drops). main() and the tests create one;
// QML sees it through ConsoleAdapter (module Airlock.Console).

#include "codehighlighter.h"
#include "configcontroller.h"
#include "connectioncontroller.h"
#include "languagecontroller.h"
#include "logscontroller.h"
#include "metricscontroller.h"
#include "playgroundcontroller.h"
#include "replicahealth.h"
#include "savedconnections.h"
#include "settingscontroller.h"
#include "tokenscontroller.h"

#include <QObject>

namespace airlock {

class ConsoleCore : public QObject
{
    Q_OBJECT
public:
    explicit ConsoleCore(QObject *parent = nullptr);
    ~ConsoleCore() override;

    ConnectionController *connection() { return &m_connection; }
    SavedConnections *connections() { return &m_saved; }
    ConfigController *config() { return &m_config; }
    ReplicaHealthController *replicaHealth() { return &m_replicaHealth; }
    TokensController *tokens() { return &m_tokens; }
    LogsController *logs() { return &m_logs; }
    MetricsController *metrics() { return &m_metrics; }
    PlaygroundController *playground() { return &m_playground; }
    SettingsController *settings() { return &m_settings; }
    LanguageController *language() { return &m_language; }

    // Connects with the token stored in the keychain for `url` (SavedConnections).
    void connectSaved(const QString &url);

    // The gateway's data path URL from its info: the listen address, with a wildcard host replaced by
    // the admin URL's host (that is how this console reaches the machine).
    static QUrl gatewayUrlFor(const QString &gatewayListen, const QUrl &adminUrl, bool tls);

private:
    void onStateChanged();

    ConnectionController m_connection;
    SavedConnections m_saved;
    ConfigController m_config;
    ReplicaHealthController m_replicaHealth;
    TokensController m_tokens;
    LogsController m_logs;
    MetricsController m_metrics;
    PlaygroundController m_playground;
    SettingsController m_settings;
    LanguageController m_language;
    QString m_pendingSavedUrl;
};

} // namespace airlock
