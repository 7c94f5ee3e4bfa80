#include "replicastate.h"

#include <QElapsedTimer>
#include <QLoggingCategory>

#include <algorithm>
#include <cmath>

Q_LOGGING_CATEGORY(lcHealth, "airlock.routing.health", QtInfoMsg)

namespace airlock::routing {

qint64 routingNowMs()
{
    static const QElapsedTimer clock = [] {
        QElapsedTimer t;
        t.start();
        return t;
    }();
    // Offset by a day so that 0 ("never ejected") is always in the past.
    return clock.elapsed() + 86400000;
}

ReplicaState::ReplicaState(QString endpoint, QUrl apiRoot)
    : m_endpoint(std::move(endpoint))
    , m_apiRoot(std::move(apiRoot))
    , m_key(m_endpoint + QLatin1Char(' ') + m_apiRoot.toString())
{
}

bool ReplicaState::ejected(qint64 nowMs) const
{
    QMutexLocker lock(&m_mutex);
    return m_ejectedUntilMs > nowMs;
}

qint64 ReplicaState::ejectedUntilMs() const
{
    QMutexLocker lock(&m_mutex);
    return m_ejectedUntilMs;
}

int ReplicaState::consecutiveFailures() const
{
    QMutexLocker lock(&m_mutex);
    return m_consecutiveFailures;
}

bool ReplicaState::available(qint64 nowMs) const
{
    const auto verdict = probe();
    if (verdict == ProbeVerdict::NotReady || verdict == ProbeVerdict::Down)
        return false;
    return !ejected(nowMs);
}

void ReplicaState::recordSuccess(double ttfbMs)
{
    QMutexLocker lock(&m_mutex);
    m_consecutiveFailures = 0;
    m_ejectionStreak = 0;
    m_ejectedUntilMs = 0;
    if (ttfbMs >= 0) {
        m_ttfb[std::size_t(m_ttfbNext)] = float(ttfbMs);
        m_ttfbNext = (m_ttfbNext + 1) % int(m_ttfb.size());
        m_ttfbCount = qMin(m_ttfbCount + 1, int(m_ttfb.size()));
    }
}

bool ReplicaState::recordFailure(qint64 nowMs, const EjectionSettings &settings, bool mayEject)
{
    failures.fetch_add(1, std::memory_order_relaxed);
    QMutexLocker lock(&m_mutex);
    ++m_consecutiveFailures;
    if (m_ejectedUntilMs > nowMs || m_consecutiveFailures < settings.consecutiveFailures || !mayEject)
        return false;
    const qint64 duration = qMin<qint64>(qint64(settings.baseMs) << qMin(m_ejectionStreak, 20), settings.maxMs);
    m_ejectedUntilMs = nowMs + duration;
    ++m_ejectionStreak;
    m_consecutiveFailures = 0;
    ejections.fetch_add(1, std::memory_order_relaxed);
    qCWarning(lcHealth).noquote() << "replica" << m_key << "ejected for" << duration << "ms after"
                                  << settings.consecutiveFailures << "consecutive failures";
    return true;
}

void ReplicaState::setProbe(ProbeVerdict verdict, const QString &detail)
{
    const auto previous = ProbeVerdict(m_probe.exchange(int(verdict), std::memory_order_relaxed));
    QMutexLocker lock(&m_mutex);
    m_probeDetail = detail;
    const bool probeSawItDown = previous == ProbeVerdict::NotReady || previous == ProbeVerdict::Down;
    if (verdict == ProbeVerdict::Ready && probeSawItDown && m_ejectedUntilMs > 0) {
        // The health check saw the server fail and now answers again: back in rotation now, not when the
        // ejection ends. A check that never failed proves nothing (a server can answer /health and fail
        // every completion): its ejection runs its course.
        m_ejectedUntilMs = 0;
        m_consecutiveFailures = 0;
    }
}

QString ReplicaState::probeDetail() const
{
    QMutexLocker lock(&m_mutex);
    return m_probeDetail;
}

double ReplicaState::ttfbP95() const
{
    std::array<float, 64> copy;
    int n;
    {
        QMutexLocker lock(&m_mutex);
        n = m_ttfbCount;
        copy = m_ttfb;
    }
    if (n < 8)
        return -1;
    auto end = copy.begin() + n;
    auto at = copy.begin() + std::min<int>(n - 1, int(std::ceil(0.95 * n)) - 1);
    std::nth_element(copy.begin(), at, end);
    return *at;
}

} // namespace airlock::routing
