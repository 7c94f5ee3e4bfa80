#include "servicemonitor.h"

#include "gateway.h"

#include <QLoggingCategory>
#include <QTimerEvent>

#include <algorithm>

Q_LOGGING_CATEGORY(lcService, "airlock.service")

namespace airlock {

namespace {

constexpr int kStatusOnlyIntervalMs = 5000;

} // namespace

ServiceMonitor::ServiceMonitor(Gateway &gateway, ServiceNotifier notifier, QObject *parent)
    : QObject(parent)
    , m_gateway(gateway)
    , m_notifier(std::move(notifier))
{
}

void ServiceMonitor::started()
{
    if (!m_notifier.enabled())
        return;
    m_heartbeat = std::make_unique<ThreadHeartbeat>(m_gateway.workerContexts());
    m_requestsAtLastTick = m_gateway.requestsServed();
    m_sinceLastTick.start();
    send("READY=1\nSTATUS=" + statusText(0).toUtf8());
    const auto watchdog = std::chrono::duration_cast<std::chrono::milliseconds>(m_notifier.watchdogInterval());
    const int interval = watchdog.count() > 0 ? int(std::max<qint64>(1, watchdog.count() / 2)) : kStatusOnlyIntervalMs;
    m_heartbeat->beat();
    m_timer.start(interval, Qt::PreciseTimer, this);
}

void ServiceMonitor::stopping()
{
    if (!m_notifier.enabled() || m_stopping)
        return;
    m_stopping = true;
    m_timer.stop();
    send("STOPPING=1\nSTATUS=stopping");
}

void ServiceMonitor::timerEvent(QTimerEvent *event)
{
    if (event->timerId() == m_timer.timerId())
        tick();
    else
        QObject::timerEvent(event);
}

void ServiceMonitor::tick()
{
    const int silent = m_heartbeat->silentCount();
    QByteArray message;
    if (silent == 0 && m_notifier.watchdogInterval().count() > 0)
        message = "WATCHDOG=1\n";
    else if (silent > 0)
        qCCritical(lcService) << silent << "worker thread(s) did not answer within a watchdog interval:"
                              << "not telling the service manager that airlockd is alive";
    message += "STATUS=" + statusText(silent).toUtf8();
    send(message);
    m_heartbeat->beat();
}

QString ServiceMonitor::statusText(int silentWorkers)
{
    const quint64 requests = m_gateway.requestsServed();
    const qint64 ms = std::max<qint64>(1, m_sinceLastTick.restart());
    const double perSecond = double(requests - std::min(requests, m_requestsAtLastTick)) * 1000.0 / double(ms);
    m_requestsAtLastTick = requests;
    const int workers = m_gateway.workerCount();
    QString text = QStringLiteral("%1 requests/s on %2, %3 workers")
                       .arg(perSecond, 0, 'f', 1)
                       .arg(m_gateway.gatewayAddress().toString())
                       .arg(workers);
    text += silentWorkers == 0 ? QStringLiteral(", all responsive")
                               : QStringLiteral(", %1 not responding").arg(silentWorkers);
    m_lastStatus = text;
    return text;
}

void ServiceMonitor::send(const QByteArray &message)
{
    if (auto st = m_notifier.notify(message); !st && !m_warned) {
        m_warned = true;
        qCWarning(lcService).noquote() << st.error().message << "(further failures are not logged)";
    }
}

} // namespace airlock
