#pragma once

// The service manager's side of the notification protocol (systemd's $NOTIFY_SOCKET): a datagram
// socket in a temporary directory that collects what a service sends, for tests of
// platform/servicenotifier.h and airlockd's READY/WATCHDOG/STOPPING messages.

#include <QByteArray>
#include <QList>
#include <QString>
#include <QTemporaryDir>

#include <optional>

namespace airlock::test {

class FakeServiceManager
{
public:
    FakeServiceManager();
    ~FakeServiceManager();
    FakeServiceManager(const FakeServiceManager &) = delete;
    FakeServiceManager &operator=(const FakeServiceManager &) = delete;

    bool isListening() const { return m_fd >= 0; }
    QString errorMessage() const { return m_error; }
    // The value for $NOTIFY_SOCKET.
    QByteArray socketPath() const { return m_path; }

    // The next message, waiting up to `timeoutMs` while the calling thread's event loop keeps running
    // (a service in this process needs it); nullopt when none came.
    std::optional<QByteArray> nextMessage(int timeoutMs = 10000);
    // Every message received so far, in order (nextMessage() included).
    QList<QByteArray> received() const { return m_received; }

private:
    QTemporaryDir m_dir;
    QByteArray m_path;
    int m_fd = -1;
    QString m_error;
    QList<QByteArray> m_received;
};

} // namespace airlock::test
