#include "settingscontroller.h"

#include "adminclient.h"

namespace airlock {

using namespace Qt::StringLiterals;

SettingsController::SettingsController(AdminClient *client, QObject *parent)
    : QObject(parent)
    , m_client(client)
{
}

bool SettingsController::gatewayTls() const
{
    return m_info.value("auth"_L1).toObject().value("tls"_L1).toObject().value("gateway"_L1).toBool();
}

bool SettingsController::adminTls() const
{
    return m_info.value("auth"_L1).toObject().value("tls"_L1).toObject().value("admin"_L1).toBool();
}

QString SettingsController::authMode() const
{
    return m_info.value("auth"_L1).toObject().value("mode"_L1).toString();
}

void SettingsController::setMessages(const LiveText &status, const LiveText &error)
{
    m_status = status;
    m_error = error;
    Q_EMIT changed();
}

void SettingsController::retranslate()
{
    Q_EMIT changed();
}

void SettingsController::reload()
{
    m_client->call("GET", u"api/v1/logs/settings"_s, {}, this, [this](const AdminError *error, const QJsonDocument &answer) {
        if (error) {
            const QString detail = error->toString();
            return setMessages({}, LiveText([detail] { return tr("Cannot read the request log settings: %1").arg(detail); }));
        }
        m_logs = answer.object();
        Q_EMIT changed();
    });
    m_client->call("GET", u"api/v1/info"_s, {}, this, [this](const AdminError *error, const QJsonDocument &answer) {
        if (error)
            return;
        m_info = answer.object();
        Q_EMIT changed();
    });
}

void SettingsController::clear()
{
    m_logs = {};
    m_info = {};
    setMessages({}, {});
}

void SettingsController::saveLogSettings(bool captureBodies, double retentionDays)
{
    const QJsonObject body{{u"capture_bodies"_s, captureBodies}, {u"retention_days"_s, retentionDays}};
    m_client->call("PUT", u"api/v1/logs/settings"_s, QJsonDocument(body), this,
                   [this](const AdminError *error, const QJsonDocument &answer) {
                       if (error) {
                           return setMessages({}, LiveText([detail = error->detail()] { return tr("The settings were not saved: %1").arg(detail); }));
                       }
                       if (answer.isObject() && !answer.object().isEmpty())
                           m_logs = answer.object();
                       setMessages(LiveText([] { return tr("Saved."); }), {});
                       reload();
                   });
}

void SettingsController::reloadTls()
{
    m_client->call("POST", u"api/v1/tls/reload"_s, {}, this, [this](const AdminError *error, const QJsonDocument &) {
        if (error) {
            return setMessages({}, LiveText([detail = error->detail()] { return tr("The certificates were not reloaded: %1").arg(detail); }));
        }
        setMessages(LiveText([] { return tr("TLS certificates reloaded."); }), {});
        reload();
    });
}

} // namespace airlock
