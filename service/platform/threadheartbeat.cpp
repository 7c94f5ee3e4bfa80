#include "threadheartbeat.h"

#include <QMetaObject>

namespace airlock {

ThreadHeartbeat::ThreadHeartbeat(const QList<QObject *> &targets)
    : m_shared(std::make_shared<Shared>(targets.size()))
{
    for (QObject *target : targets)
        m_targets.append(target);
}

void ThreadHeartbeat::beat()
{
    ++m_round;
    for (qsizetype i = 0; i < m_targets.size(); ++i) {
        if (!m_targets.at(i))
            continue; // a thread that is gone cannot hang
        QMetaObject::invokeMethod(
            m_targets.at(i).data(),
            [shared = m_shared, i, round = m_round] { shared->answered[size_t(i)].store(round, std::memory_order_release); },
            Qt::QueuedConnection);
    }
}

int ThreadHeartbeat::silentCount() const
{
    if (m_round == 0)
        return 0;
    int silent = 0;
    for (qsizetype i = 0; i < m_targets.size(); ++i) {
        if (m_targets.at(i) && m_shared->answered[size_t(i)].load(std::memory_order_acquire) < m_round)
            ++silent;
    }
    return silent;
}

bool ThreadHeartbeat::allAnswered() const
{
    return silentCount() == 0;
}

} // namespace airlock
