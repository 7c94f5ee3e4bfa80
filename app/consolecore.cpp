#include "consolecore.h"

#include "consolelog.h"

namespace airlock {

using namespace Qt::StringLiterals;

ConsoleCore::ConsoleCore(QObject *parent)
    : QObject(parent)
    , m_config(m_connection.client())
    , m_replicaHealth(m_connection.client())
    , m_tokens(m_connection.client())
    , m_logs(m_connection.client())
    , m_metrics(m_connection.client())
    , m_playground(m_connection.client())
    , m_settings(m_connection.client())
{
    connect(&m_connection, &ConnectionController::stateChanged, this, &ConsoleCore::onStateChanged);
    connect(&m_connection, &ConnectionController::gatewayInfoChanged, this, [this] {
        m_playground.setGatewayUrl(gatewayUrlFor(m_connection.gatewayListen(), QUrl(m_connection.adminUrl()), false));
    });
    connect(&m_config, &ConfigController::configChanged, this, [this] { m_metrics.setModelNames(m_config.modelNames()); });
    // Texts the controllers build (feature names, tr() in C++) follow a language switch: their messages
    // are LiveText, rendered in the language in force whenever QML reads them again.
    connect(&m_language, &LanguageController::languageChanged, this, [this] {
        m_config.setLanguage(m_language.language());
        m_tokens.retranslate();
        m_connection.retranslate();
        m_saved.retranslate();
        m_config.retranslate();
        m_replicaHealth.retranslate();
        m_logs.retranslate();
        m_metrics.retranslate();
        m_playground.retranslate();
        m_settings.retranslate();
    });
    connect(&m_saved, &SavedConnections::tokenRead, this, [this](const QString &url, const QString &token) {
        if (url == m_pendingSavedUrl)
            m_connection.connectTo(url, token);
        m_pendingSavedUrl.clear();
    });
    m_config.setLanguage(m_language.language());
}

ConsoleCore::~ConsoleCore()
{
    m_logs.stop();
    m_metrics.stop();
    m_replicaHealth.stop();
    m_playground.stop();
}

void ConsoleCore::connectSaved(const QString &url)
{
    m_pendingSavedUrl = url;
    m_saved.readToken(url);
}

QUrl ConsoleCore::gatewayUrlFor(const QString &gatewayListen, const QUrl &adminUrl, bool tls)
{
    if (gatewayListen.isEmpty())
        return {};
    QUrl url(u"%1://%2"_s.arg(tls ? u"https"_s : u"http"_s, gatewayListen));
    if (!url.isValid())
        return {};
    const QString host = url.host();
    if (host == "0.0.0.0"_L1 || host == "::"_L1 || host.isEmpty())
        url.setHost(adminUrl.host());
    return url;
}

void ConsoleCore::onStateChanged()
{
    switch (m_connection.state()) {
    case ConnectionController::State::Connected:
        m_config.reload();
        m_tokens.reload();
        m_settings.reload();
        break;
    case ConnectionController::State::Connecting:
        break;
    case ConnectionController::State::Disconnected:
    case ConnectionController::State::Error:
        m_logs.stop();
        m_logs.records()->clear();
        m_metrics.clear();
        m_config.clear();
        m_replicaHealth.clear();
        m_tokens.clear();
        m_settings.clear();
        m_playground.clear();
        break;
    }
}

} // namespace airlock
