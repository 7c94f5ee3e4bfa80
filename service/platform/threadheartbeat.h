#pragma once

// Whether other threads' event loops still run: beat() posts a tiny task to an object living on each
// thread; allAnswered() tells whether every thread ran the task of the previous beat. A thread stuck
// in a long call (a deadlock, a runaway loop) stops answering, and the service watchdog stops pinging
// the service manager, which then restarts the service.
//
// Threads: beat() and allAnswered() on the owner's thread; the posted tasks on the targets' threads.
// A task that runs after the ThreadHeartbeat is gone touches only state it shares (no dangling use).

#include <QList>
#include <QPointer>
#include <QObject>

#include <atomic>
#include <memory>
#include <vector>

namespace airlock {

class ThreadHeartbeat
{
public:
    // Objects that live on the threads to watch (a thread's event loop runs their queued calls).
    explicit ThreadHeartbeat(const QList<QObject *> &targets);

    // Starts a new round: posts its task to every target.
    void beat();
    // True when every target ran the task of the latest beat() (true before the first one): call it
    // just before the next beat(), so that each round has a whole interval to run.
    bool allAnswered() const;
    // How many targets did not answer the last round.
    int silentCount() const;

private:
    struct Shared
    {
        explicit Shared(qsizetype n) : answered(size_t(n)) {}
        std::vector<std::atomic<quint64>> answered; // the last round each target ran
    };
    QList<QPointer<QObject>> m_targets;
    std::shared_ptr<Shared> m_shared;
    quint64 m_round = 0;
};

} // namespace airlock
