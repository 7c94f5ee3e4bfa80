#pragma once

// "A newer completion request for the same user and file supersedes the older one": the registry keeps
// the newest request per key; entering a new one cancels the previous one at once, on the thread that
// owns it (requests of one user may arrive on different connections, hence different workers).
// Thread-safe; shared by every worker.

#include <QByteArray>
#include <QHash>
#include <QMutex>
#include <QElapsedTimer>
#include <QObject>

#include <functional>

namespace airlock::routing {

class SupersedeRegistry
{
public:
    using Cancel = std::function<void()>;

    struct Entered
    {
        quint64 ticket = 0;
        qint64 msSincePrevious = -1; // since the previous request for this key arrived; -1: none recently
    };

    // Makes this request the newest for `key` and returns its ticket. The previous request's `cancel`
    // is posted to its `context` (a long-lived object on its thread; cancel must itself check that the
    // request still exists).
    Entered enter(const QByteArray &key, QObject *context, Cancel cancel);
    // The request finished: forget it, unless a newer one already replaced it.
    void leave(const QByteArray &key, quint64 ticket);

    int size() const;
    quint64 superseded() const;

private:
    struct Slot
    {
        quint64 ticket = 0;
        QObject *context = nullptr;
        Cancel cancel;
    };
    mutable QMutex m_mutex;
    QHash<QByteArray, Slot> m_slots;
    QHash<QByteArray, qint64> m_lastArrival; // monotonic ms, for typing-burst detection
    QElapsedTimer m_clock;
    quint64 m_next = 1;
    quint64 m_superseded = 0;
};

} // namespace airlock::routing
