#include "fakeservicemanager.h"

#include <QCoreApplication>
#include <QFile>
#include <QDeadlineTimer>
#include <QThread>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace airlock::test {

FakeServiceManager::FakeServiceManager()
{
    m_path = QFile::encodeName(m_dir.filePath(QStringLiteral("notify")));
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (!m_dir.isValid() || m_path.size() >= qsizetype(sizeof address.sun_path)) {
        m_error = QStringLiteral("no short temporary path for the notify socket");
        return;
    }
    std::memcpy(address.sun_path, m_path.constData(), size_t(m_path.size()));
    m_fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (m_fd < 0 || ::bind(m_fd, reinterpret_cast<const sockaddr *>(&address), sizeof address) != 0) {
        m_error = QStringLiteral("cannot bind %1: %2").arg(QString::fromLocal8Bit(m_path), QString::fromLocal8Bit(std::strerror(errno)));
        if (m_fd >= 0)
            ::close(m_fd);
        m_fd = -1;
    }
}

FakeServiceManager::~FakeServiceManager()
{
    if (m_fd >= 0)
        ::close(m_fd);
}

std::optional<QByteArray> FakeServiceManager::nextMessage(int timeoutMs)
{
    if (m_fd < 0)
        return std::nullopt;
    const QDeadlineTimer deadline(timeoutMs);
    char buffer[4096];
    for (;;) {
        const ssize_t n = ::recv(m_fd, buffer, sizeof buffer, 0);
        if (n >= 0) {
            m_received.append(QByteArray(buffer, qsizetype(n)));
            return m_received.constLast();
        }
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            return std::nullopt;
        if (deadline.hasExpired())
            return std::nullopt;
        QCoreApplication::processEvents(QEventLoop::AllEvents, 10);
        QThread::msleep(5);
    }
}

} // namespace airlock::test
