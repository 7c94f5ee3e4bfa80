#pragma once

// The service manager's notification protocol (systemd's sd_notify, spoken directly: one datagram per
// message on the AF_UNIX socket named by $NOTIFY_SOCKET; a leading '@' is the abstract namespace). No
// libsystemd is linked; without $NOTIFY_SOCKET (started by hand, in a test, on Windows) every call is a
// no-op that succeeds.
//
// Messages are newline-separated "KEY=value" assignments: "READY=1", "STOPPING=1", "WATCHDOG=1",
// "RELOADING=1", "STATUS=<text>" (the one line `systemctl status` shows).
//
// The watchdog interval comes from $WATCHDOG_USEC (systemd sets it from WatchdogSec=), and applies
// only when $WATCHDOG_PID is unset or this process's pid. The manager restarts a service whose pings
// stop for that long; ping at half of it.

#include "result.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

#include <chrono>

namespace airlock {

class ServiceNotifier
{
public:
    // Reads $NOTIFY_SOCKET, $WATCHDOG_USEC and $WATCHDOG_PID.
    static ServiceNotifier fromEnvironment();
    // For tests: an explicit socket path ("@name" for the abstract namespace) and watchdog interval.
    ServiceNotifier(QByteArray socketPath, std::chrono::microseconds watchdogInterval);
    ServiceNotifier() = default;

    bool enabled() const { return !m_socketPath.isEmpty(); }
    QByteArray socketPath() const { return m_socketPath; }
    // 0 when the manager expects no pings.
    std::chrono::microseconds watchdogInterval() const { return m_watchdogInterval; }

    // Sends one message. Errors ("notify_failed") name the socket and the reason; a manager that is
    // gone is not fatal to the caller, which logs and goes on.
    Status notify(QByteArrayView message) const;

private:
    QByteArray m_socketPath;
    std::chrono::microseconds m_watchdogInterval{0};
};

} // namespace airlock
