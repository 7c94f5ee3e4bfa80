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

void ReplicaState::recordSuccess(double ttfbMs, qint64 nowMs, const EjectionSettings &settings)
{
    if (ttfbMs >= 0) {
        std::size_t bucket = 0;
        const double seconds = ttfbMs / 1000.0;
        while (bucket < kTtfbBucketsSeconds.size() && seconds > kTtfbBucketsSeconds[bucket])
            ++bucket;
        m_ttfbBuckets[bucket].fetch_add(1, std::memory_order_relaxed);
        m_ttfbSumUs.fetch_add(quint64(std::llround(ttfbMs * 1000.0)), std::memory_order_relaxed);
        m_ttfbTotal.fetch_add(1, std::memory_order_relaxed);
    }
    QMutexLocker lock(&m_mutex);
    m_consecutiveFailures = 0;
    m_ejectionStreak = 0;
    m_ejectedUntilMs = 0;
    countInWindow(nowMs, settings, false);
    if (ttfbMs < 0)
        return;
    m_ttfb[std::size_t(m_ttfbNext)] = float(ttfbMs);
    m_ttfbNext = (m_ttfbNext + 1) % int(m_ttfb.size());
    m_ttfbCount = qMin(m_ttfbCount + 1, int(m_ttfb.size()));
    if (m_ttfbCount < 8)
        return;
    // The p95 is what every hedged request asks for; a partial sort of 64 floats here, once per answer,
    // is cheaper than one per hedged request.
    std::array<float, 64> copy = m_ttfb;
    const int n = m_ttfbCount;
    auto at = copy.begin() + std::min<int>(n - 1, int(std::ceil(0.95 * n)) - 1);
    std::nth_element(copy.begin(), at, copy.begin() + n);
    m_ttfbP95.store(*at, std::memory_order_relaxed);
}

void ReplicaState::countInWindow(qint64 nowMs, const EjectionSettings &settings, bool failed)
{
    if (settings.failureRatePercent <= 0)
        return;
    const qint64 width = qMax<qint64>(1, settings.windowMs / kWindowBuckets);
    if (width != m_windowBucketMs) {
        m_window.fill(WindowBucket{});
        m_windowBucketMs = width;
    }
    const qint64 slot = nowMs / width;
    WindowBucket &b = m_window[std::size_t(slot % kWindowBuckets)];
    if (b.slot != slot)
        b = WindowBucket{slot, 0, 0};
    ++b.total;
    b.failed += failed ? 1 : 0;
}

ReplicaState::WindowCounts ReplicaState::windowCountsLocked(qint64 nowMs, const EjectionSettings &settings) const
{
    WindowCounts counts;
    const qint64 width = qMax<qint64>(1, settings.windowMs / kWindowBuckets);
    if (settings.failureRatePercent <= 0 || width != m_windowBucketMs)
        return counts;
    const qint64 slot = nowMs / width;
    for (const WindowBucket &b : m_window) {
        if (b.slot > slot - kWindowBuckets && b.slot <= slot) {
            counts.total += b.total;
            counts.failed += b.failed;
        }
    }
    return counts;
}

ReplicaState::WindowCounts ReplicaState::windowCounts(qint64 nowMs, const EjectionSettings &settings) const
{
    QMutexLocker lock(&m_mutex);
    return windowCountsLocked(nowMs, settings);
}

void ReplicaState::ejectLocked(qint64 nowMs, const EjectionSettings &settings, const char *why)
{
    const qint64 duration = qMin<qint64>(qint64(settings.baseMs) << qMin(m_ejectionStreak, 20), settings.maxMs);
    m_ejectedUntilMs = nowMs + duration;
    ++m_ejectionStreak;
    m_consecutiveFailures = 0;
    // Back in rotation, the replica is judged on what it does from then on.
    m_window.fill(WindowBucket{});
    ejections.fetch_add(1, std::memory_order_relaxed);
    qCWarning(lcHealth).noquote() << "replica" << m_key << "ejected for" << duration << "ms after" << why;
}

bool ReplicaState::recordFailure(qint64 nowMs, const EjectionSettings &settings, bool mayEject)
{
    failures.fetch_add(1, std::memory_order_relaxed);
    QMutexLocker lock(&m_mutex);
    ++m_consecutiveFailures;
    countInWindow(nowMs, settings, true);
    if (m_ejectedUntilMs > nowMs || !mayEject)
        return false;
    if (m_consecutiveFailures >= settings.consecutiveFailures) {
        ejectLocked(nowMs, settings, QByteArray(QByteArray::number(settings.consecutiveFailures) + " consecutive failures").constData());
        return true;
    }
    if (settings.failureRatePercent > 0) {
        const WindowCounts w = windowCountsLocked(nowMs, settings);
        if (w.total >= settings.minRequests && qint64(w.failed) * 100 >= qint64(settings.failureRatePercent) * w.total) {
            const QByteArray why = QByteArray::number(w.failed) + " of " + QByteArray::number(w.total)
                                   + " tries failed in the window";
            ejectLocked(nowMs, settings, why.constData());
            return true;
        }
    }
    return false;
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

} // namespace airlock::routing
