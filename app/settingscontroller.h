#pragma once

// Settings: what the gateway listens on and whether TLS is on (GET /api/v1/info; listeners are set at
// start, so read-only here), the request log's retention and body capture (GET/PUT
// /api/v1/logs/settings), reloading TLS certificates (POST /api/v1/tls/reload). The console's language
// is LanguageController's. The status and error messages are LiveText: retranslate() (on a language
// switch) emits changed() so they are read again in the new language.

#include "livetext.h"

#include <QJsonObject>
#include <QObject>

namespace airlock {

class AdminClient;

class SettingsController : public QObject
{
    Q_OBJECT
    Q_PROPERTY(bool captureBodies READ captureBodies NOTIFY changed)
    Q_PROPERTY(double retentionDays READ retentionDays NOTIFY changed)
    Q_PROPERTY(double maxRows READ maxRowsAsDouble NOTIFY changed)
    Q_PROPERTY(bool gatewayTls READ gatewayTls NOTIFY changed)
    Q_PROPERTY(bool adminTls READ adminTls NOTIFY changed)
    Q_PROPERTY(QString authMode READ authMode NOTIFY changed)
    Q_PROPERTY(bool loaded READ isLoaded NOTIFY changed)
    Q_PROPERTY(QString statusMessage READ statusMessage NOTIFY changed)
    Q_PROPERTY(QString errorMessage READ errorMessage NOTIFY changed)
public:
    explicit SettingsController(AdminClient *client, QObject *parent = nullptr);

    bool captureBodies() const { return m_logs.value(QLatin1String("capture_bodies")).toBool(); }
    double retentionDays() const { return m_logs.value(QLatin1String("retention_days")).toDouble(); }
    qint64 maxRows() const { return m_logs.value(QLatin1String("max_rows")).toInteger(); }
    double maxRowsAsDouble() const { return double(maxRows()); }
    bool gatewayTls() const;
    bool adminTls() const;
    QString authMode() const;
    bool isLoaded() const { return !m_logs.isEmpty(); }
    QString statusMessage() const { return m_status.text(); }
    QString errorMessage() const { return m_error.text(); }

    Q_INVOKABLE void reload();
    void clear();
    Q_INVOKABLE void saveLogSettings(bool captureBodies, double retentionDays);
    Q_INVOKABLE void reloadTls();
    // After a language switch: emits changed() so the messages are read again.
    void retranslate();

Q_SIGNALS:
    void changed();

private:
    void setMessages(const LiveText &status, const LiveText &error);

    AdminClient *m_client;
    QJsonObject m_logs;
    QJsonObject m_info;
    LiveText m_status;
    LiveText m_error;
};

} // namespace airlock
