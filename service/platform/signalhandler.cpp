#include "signalhandler.h"

#include <QLoggingCategory>
#include <QSocketNotifier>

#ifndef Q_OS_WIN
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>
#endif

#include <atomic>

namespace airlock {

namespace {

Q_LOGGING_CATEGORY(lcPlatform, "airlock.platform")

#ifndef Q_OS_WIN

constexpr int kSignals[] = { SIGINT, SIGTERM, SIGHUP };
struct sigaction s_previous[std::size(kSignals)];

// Read by the signal handler: must be lock-free to be async-signal-safe.
std::atomic<int> s_writeFd { -1 };
static_assert(std::atomic<int>::is_always_lock_free);

extern "C" void onSignal(int signal)
{
    const int savedErrno = errno; // write() may change it under the interrupted code's feet
    const int fd = s_writeFd.load(std::memory_order_relaxed);
    if (fd >= 0) {
        const unsigned char byte = static_cast<unsigned char>(signal);
        // Non-blocking: if the pipe is full, enough wake-ups are already queued.
        [[maybe_unused]] const ssize_t written = ::write(fd, &byte, 1);
    }
    errno = savedErrno;
}

bool makeNonBlockingCloexec(int fd)
{
    const int flags = ::fcntl(fd, F_GETFL);
    const int fdFlags = ::fcntl(fd, F_GETFD);
    return flags >= 0 && fdFlags >= 0 && ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0
        && ::fcntl(fd, F_SETFD, fdFlags | FD_CLOEXEC) == 0;
}

#endif

} // namespace

SignalHandler::SignalHandler(QObject *parent) : QObject(parent) { }

SignalHandler::~SignalHandler()
{
#ifndef Q_OS_WIN
    if (m_installed) {
        for (std::size_t i = 0; i < std::size(kSignals); ++i)
            ::sigaction(kSignals[i], &s_previous[i], nullptr);
        s_writeFd.store(-1);
    }
    delete m_notifier;
    for (int &fd : m_fds) {
        if (fd >= 0)
            ::close(fd);
        fd = -1;
    }
#endif
}

Status SignalHandler::install()
{
    if (m_installed)
        return {};
#ifdef Q_OS_WIN
    m_installed = true;
    return {};
#else
    if (s_writeFd.load() >= 0) {
        return Error::make(QStringLiteral("already_installed"),
            QStringLiteral("another SignalHandler already handles this process's signals"));
    }
    auto closeFds = [this] {
        for (int &fd : m_fds) {
            if (fd >= 0)
                ::close(fd);
            fd = -1;
        }
    };
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, m_fds) != 0 || !makeNonBlockingCloexec(m_fds[0])
        || !makeNonBlockingCloexec(m_fds[1])) {
        const QString reason = QString::fromLocal8Bit(std::strerror(errno));
        closeFds();
        return Error::make(QStringLiteral("io_error"),
            QStringLiteral("cannot create the signal socketpair: %1").arg(reason));
    }
    int expected = -1;
    if (!s_writeFd.compare_exchange_strong(expected, m_fds[1])) { // lost a race with another install()
        closeFds();
        return Error::make(QStringLiteral("already_installed"),
            QStringLiteral("another SignalHandler already handles this process's signals"));
    }
    m_notifier = new QSocketNotifier(m_fds[0], QSocketNotifier::Read, this);
    connect(m_notifier, &QSocketNotifier::activated, this, &SignalHandler::readSignals);

    struct sigaction action;
    std::memset(&action, 0, sizeof action);
    action.sa_handler = onSignal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART; // do not make unrelated blocking calls fail with EINTR
    for (std::size_t i = 0; i < std::size(kSignals); ++i) {
        if (::sigaction(kSignals[i], &action, &s_previous[i]) != 0) {
            const QString reason = QString::fromLocal8Bit(std::strerror(errno));
            for (std::size_t j = 0; j < i; ++j)
                ::sigaction(kSignals[j], &s_previous[j], nullptr);
            s_writeFd.store(-1);
            delete m_notifier;
            m_notifier = nullptr;
            closeFds();
            return Error::make(QStringLiteral("io_error"),
                QStringLiteral("cannot install the handler for signal %1: %2").arg(kSignals[i]).arg(reason));
        }
    }
    m_installed = true;
    return {};
#endif
}

void SignalHandler::readSignals()
{
#ifndef Q_OS_WIN
    unsigned char buffer[64];
    for (;;) {
        const ssize_t n = ::read(m_fds[0], buffer, sizeof buffer);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        for (ssize_t i = 0; i < n; ++i) {
            const int signal = buffer[i];
            if (signal == SIGHUP) {
                qCInfo(lcPlatform) << "SIGHUP: reload requested";
                Q_EMIT reloadRequested();
            } else {
                qCInfo(lcPlatform) << "signal" << signal << ": termination requested";
                Q_EMIT terminationRequested(signal);
            }
        }
    }
#endif
}

} // namespace airlock
