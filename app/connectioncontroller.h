#pragma once

// The console's connection to one gateway: either a remote airlockd reached over its admin API, or
// a gateway this controller starts in-process ("embedded" mode) and then talks to over the same API
// on 127.0.0.1, so both modes exercise one code path.
//
// State machine:  Disconnected --connectTo/startEmbedded--> Connecting --info--> Connected
//                                                                 \--failure--> Error
// connectTo()/startEmbedded() may be called in any state: they drop the previous connection (and
// stop an embedded gateway) first. disconnectFrom() returns to Disconnected and clears the gateway
// fields; errorMessage is kept until the next attempt (a LiveText: retranslate() announces it again after
// a language switch). A plain QObject: QML sees it through the Airlock.Console module's adapter, it
// carries no QML macros.

#include "adminclient.h"
#include "livetext.h"

#include <QObject>
#include <QString>

#include <memory>

namespace airlock {

class Gateway;

class ConnectionController : public QObject
{
    Q_OBJECT
    Q_PROPERTY(State state READ state NOTIFY stateChanged)
    Q_PROPERTY(bool embedded READ isEmbedded NOTIFY embeddedChanged)
    Q_PROPERTY(QString adminUrl READ adminUrl NOTIFY adminUrlChanged)
    Q_PROPERTY(QString errorMessage READ errorMessage NOTIFY errorMessageChanged)
    Q_PROPERTY(QString gatewayName READ gatewayName NOTIFY gatewayInfoChanged)
    Q_PROPERTY(QString gatewayVersion READ gatewayVersion NOTIFY gatewayInfoChanged)
    Q_PROPERTY(QString gatewayListen READ gatewayListen NOTIFY gatewayInfoChanged)
    Q_PROPERTY(QString gatewayAdminListen READ gatewayAdminListen NOTIFY gatewayInfoChanged)
    Q_PROPERTY(int gatewayWorkers READ gatewayWorkers NOTIFY gatewayInfoChanged)

public:
    enum class State { Disconnected, Connecting, Connected, Error };
    Q_ENUM(State)

    explicit ConnectionController(QObject *parent = nullptr);
    ~ConnectionController() override;

    State state() const { return m_state; }
    bool isEmbedded() const { return m_gateway != nullptr; }
    QString adminUrl() const { return m_adminUrl; }
    QString errorMessage() const { return m_errorMessage.text(); }
    QString gatewayName() const { return m_info.name; }
    QString gatewayVersion() const { return m_info.version; }
    QString gatewayListen() const { return m_info.gatewayListen; }
    QString gatewayAdminListen() const { return m_info.adminListen; }
    int gatewayWorkers() const { return m_info.workers; }

    // The client of the current connection, for the other controllers (config, logs). Same object
    // for the controller's lifetime; re-pointed at each connection.
    AdminClient *client() const { return m_client; }

    // "http://host:port", "https://host:port/prefix" or a bare "host:port" (http assumed).
    Q_INVOKABLE void connectTo(const QString &url, const QString &token);
    // Starts a gateway in this process: data path and admin listener on 127.0.0.1, any free port.
    // An empty dataDir means <per-user app data>/gateway.
    Q_INVOKABLE void startEmbedded(const QString &dataDir = {});
    Q_INVOKABLE void disconnectFrom();
    // Asks the gateway for its info again (state stays Connected unless it fails).
    Q_INVOKABLE void refresh();
    // After a language switch: emits errorMessageChanged() so the message is read again.
    void retranslate();

    // The URL connectTo() would use for what a user typed; invalid when it cannot be one.
    static QUrl normalizeAdminUrl(const QString &input);

Q_SIGNALS:
    void stateChanged();
    void embeddedChanged();
    void adminUrlChanged();
    void errorMessageChanged();
    void gatewayInfoChanged();

private:
    void beginConnect(const QUrl &url, const QString &token);
    void stopEmbedded();
    void fail(const LiveText &message);
    void setState(State state);
    void setAdminUrl(const QString &url);
    void setErrorMessage(const LiveText &message);
    void setInfo(const GatewayInfo &info);

    AdminClient *m_client = nullptr;
    std::unique_ptr<Gateway> m_gateway;
    State m_state = State::Disconnected;
    QString m_adminUrl;
    LiveText m_errorMessage;
    GatewayInfo m_info;
};

} // namespace airlock
