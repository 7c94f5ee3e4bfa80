#pragma once

// What airlockd tells the service manager (platform/servicenotifier.h; systemd's Type=notify):
// - READY=1 once started() is called, which main does only after every listener accepts;
// - WATCHDOG=1 at half the manager's watchdog interval, and only while every worker thread's event
//   loop answers (platform/threadheartbeat.h): a stuck worker stops the pings and the manager
//   restarts the service;
// - STATUS=<requests/s, workers> with each ping (every 5 s without a watchdog);
// - STOPPING=1 when termination starts (pings end there).
// Nothing happens without $NOTIFY_SOCKET. Failures to notify are logged once, never fatal.

#include "platform/servicenotifier.h"
#include "platform/threadheartbeat.h"

#include <QBasicTimer>
#include <QElapsedTimer>
#include <QObject>

#include <memory>

namespace airlock {

class Gateway;

class ServiceMonitor : public QObject
{
    Q_OBJECT
public:
    ServiceMonitor(Gateway &gateway, ServiceNotifier notifier, QObject *parent = nullptr);

    void started();
    void stopping();

    // The STATUS= text of the last message sent (for logs and tests).
    QString lastStatus() const { return m_lastStatus; }

protected:
    void timerEvent(QTimerEvent *event) override;

private:
    void tick();
    void send(const QByteArray &message);
    QString statusText(int silentWorkers);

    Gateway &m_gateway;
    ServiceNotifier m_notifier;
    std::unique_ptr<ThreadHeartbeat> m_heartbeat;
    QBasicTimer m_timer;
    QElapsedTimer m_sinceLastTick;
    quint64 m_requestsAtLastTick = 0;
    QString m_lastStatus;
    bool m_warned = false;
    bool m_stopping = false;
};

} // namespace airlock
