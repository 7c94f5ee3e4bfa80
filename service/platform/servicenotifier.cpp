#include "servicenotifier.h"

#include <QtGlobal>

#ifndef Q_OS_WIN
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>
#endif

namespace airlock {

ServiceNotifier ServiceNotifier::fromEnvironment()
{
    const QByteArray socketPath = qgetenv("NOTIFY_SOCKET");
    std::chrono::microseconds interval{0};
    bool ok = false;
    const qlonglong usec = qEnvironmentVariable("WATCHDOG_USEC").toLongLong(&ok);
    if (ok && usec > 0) {
        const QByteArray pid = qgetenv("WATCHDOG_PID");
#ifndef Q_OS_WIN
        const bool forUs = pid.isEmpty() || pid.toLongLong() == qlonglong(::getpid());
#else
        const bool forUs = pid.isEmpty();
#endif
        if (forUs)
            interval = std::chrono::microseconds(usec);
    }
    return ServiceNotifier(socketPath, interval);
}

ServiceNotifier::ServiceNotifier(QByteArray socketPath, std::chrono::microseconds watchdogInterval)
    : m_socketPath(std::move(socketPath))
    , m_watchdogInterval(watchdogInterval)
{
}

Status ServiceNotifier::notify(QByteArrayView message) const
{
    if (!enabled())
        return {};
#ifdef Q_OS_WIN
    Q_UNUSED(message);
    return {};
#else
    const auto fail = [this](const char *what) {
        return Error::make(QStringLiteral("notify_failed"),
                           QStringLiteral("cannot %1 the service manager's socket %2: %3")
                               .arg(QLatin1String(what), QString::fromLocal8Bit(m_socketPath),
                                    QString::fromLocal8Bit(std::strerror(errno))));
    };
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    const bool abstract = m_socketPath.startsWith('@');
    const size_t pathLength = std::min(size_t(m_socketPath.size()), sizeof address.sun_path);
    if (pathLength >= sizeof address.sun_path || (!m_socketPath.startsWith('/') && !abstract)) {
        errno = EINVAL;
        return fail("use");
    }
    std::memcpy(address.sun_path, m_socketPath.constData(), pathLength);
    if (abstract)
        address.sun_path[0] = '\0';
    const socklen_t length = socklen_t(offsetof(sockaddr_un, sun_path) + pathLength + (abstract ? 0 : 1));
    const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return fail("open");
    ssize_t sent;
    do {
        sent = ::sendto(fd, message.data(), size_t(message.size()), MSG_NOSIGNAL, reinterpret_cast<const sockaddr *>(&address),
                        length);
    } while (sent < 0 && errno == EINTR);
    const int sendErrno = errno;
    ::close(fd);
    if (sent < 0) {
        errno = sendErrno;
        return fail("write to");
    }
    return {};
#endif
}

} // namespace airlock
