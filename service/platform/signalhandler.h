#pragma once

// Turns the process's termination and reload signals into Qt signals on the thread that owns the
// SignalHandler.
//
// Contract
// - install() takes over SIGINT, SIGTERM (-> terminationRequested(signal)) and SIGHUP
//   (-> reloadRequested()). The POSIX handler only writes the signal number to a socketpair
//   (async-signal-safe); a QSocketNotifier on the other end emits the Qt signals from the event loop.
// - One installed SignalHandler per process at a time: a second install() fails ("already_installed").
// - The destructor restores the previous dispositions and closes the socketpair.
// - Windows: install() succeeds and does nothing yet (console control events and the service control
//   manager are the Windows counterparts; see installer/).

#include "result.h"

#include <QObject>

class QSocketNotifier;

namespace airlock {

class SignalHandler : public QObject {
    Q_OBJECT

public:
    explicit SignalHandler(QObject *parent = nullptr);
    ~SignalHandler() override;

    Status install();
    bool isInstalled() const { return m_installed; }

Q_SIGNALS:
    void terminationRequested(int signal); // SIGINT or SIGTERM
    void reloadRequested(); // SIGHUP

private:
    void readSignals();

    int m_fds[2] = { -1, -1 }; // [0] read end (notifier), [1] write end (handler)
    QSocketNotifier *m_notifier = nullptr;
    bool m_installed = false;
};

} // namespace airlock
