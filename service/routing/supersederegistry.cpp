#include "supersederegistry.h"

namespace airlock::routing {

namespace {
// Arrival times older than this are forgotten: they say nothing about a typing burst.
constexpr qint64 kArrivalMemoryMs = 5000;
} // namespace

SupersedeRegistry::Entered SupersedeRegistry::enter(const QByteArray &key, QObject *context, Cancel cancel)
{
    Slot previous;
    Entered entered;
    {
        QMutexLocker lock(&m_mutex);
        if (!m_clock.isValid())
            m_clock.start();
        const qint64 now = m_clock.elapsed();
        const auto last = m_lastArrival.constFind(key);
        if (last != m_lastArrival.cend() && now - *last < kArrivalMemoryMs)
            entered.msSincePrevious = now - *last;
        if (m_lastArrival.size() > 4096) {
            for (auto it = m_lastArrival.begin(); it != m_lastArrival.end();)
                it = now - *it >= kArrivalMemoryMs ? m_lastArrival.erase(it) : std::next(it);
        }
        m_lastArrival.insert(key, now);
        entered.ticket = m_next++;
        const quint64 ticket = entered.ticket;
        Slot &slot = m_slots[key];
        previous = std::move(slot);
        slot = Slot{ticket, context, std::move(cancel)};
        if (previous.ticket)
            ++m_superseded;
    }
    if (previous.ticket && previous.cancel && previous.context)
        QMetaObject::invokeMethod(previous.context, std::move(previous.cancel), Qt::QueuedConnection);
    return entered;
}

void SupersedeRegistry::leave(const QByteArray &key, quint64 ticket)
{
    QMutexLocker lock(&m_mutex);
    const auto it = m_slots.find(key);
    if (it != m_slots.end() && it->ticket == ticket)
        m_slots.erase(it);
}

int SupersedeRegistry::size() const
{
    QMutexLocker lock(&m_mutex);
    return int(m_slots.size());
}

quint64 SupersedeRegistry::superseded() const
{
    QMutexLocker lock(&m_mutex);
    return m_superseded;
}

} // namespace airlock::routing
