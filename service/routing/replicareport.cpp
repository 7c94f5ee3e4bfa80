#include "replicareport.h"

#include "metrics/prometheus.h"

#include <algorithm>
#include <array>

namespace airlock::routing {

namespace {

QString probeVerdictName(ProbeVerdict verdict)
{
    switch (verdict) {
    case ProbeVerdict::Ready:
        return QStringLiteral("ready");
    case ProbeVerdict::NotReady:
        return QStringLiteral("not_ready");
    case ProbeVerdict::Down:
        return QStringLiteral("down");
    case ProbeVerdict::Unknown:
        break;
    }
    return QStringLiteral("unknown");
}

const std::array<const char *, 4> kHealthStates{"ready", "not_ready", "dead", "ejected"};

} // namespace

QString replicaHealthName(const ReplicaState &replica, qint64 nowMs)
{
    switch (replica.probe()) {
    case ProbeVerdict::Down:
        return QStringLiteral("dead");
    case ProbeVerdict::NotReady:
        return QStringLiteral("not_ready");
    case ProbeVerdict::Ready:
    case ProbeVerdict::Unknown:
        break;
    }
    return replica.ejected(nowMs) ? QStringLiteral("ejected") : QStringLiteral("ready");
}

QJsonObject replicaJson(const ReplicaState &replica, qint64 nowMs)
{
    QJsonObject o{{QStringLiteral("replica"), replica.apiRoot().toString()},
                  {QStringLiteral("state"), replicaHealthName(replica, nowMs)},
                  {QStringLiteral("probe"), probeVerdictName(replica.probe())},
                  {QStringLiteral("outstanding"), replica.outstanding.load(std::memory_order_relaxed)}};
    const QString detail = replica.probeDetail();
    if (!detail.isEmpty())
        o.insert(QStringLiteral("error"), detail);
    const qint64 until = replica.ejectedUntilMs();
    if (until > nowMs)
        o.insert(QStringLiteral("ejected_for_ms"), double(until - nowMs));
    if (const double p95 = replica.ttfbP95(); p95 >= 0)
        o.insert(QStringLiteral("ttfb_p95_ms"), qRound64(p95));
    return o;
}

QJsonArray replicasJson(const EndpointRuntime &endpoint, qint64 nowMs)
{
    QJsonArray list;
    for (const ReplicaRuntime &r : endpoint.replicas)
        list.append(replicaJson(*r.state, nowMs));
    return list;
}

void writeReplicaMetrics(const ConfigSnapshot &snapshot, QByteArray &out)
{
    auto replicas = snapshot.replicas();
    std::sort(replicas.begin(), replicas.end(), [](const auto &a, const auto &b) {
        return std::pair(a->endpoint(), a->apiRoot().toString()) < std::pair(b->endpoint(), b->apiRoot().toString());
    });
    const qint64 now = routingNowMs();
    auto labels = [](const ReplicaState &r) {
        return metrics::Labels{{"endpoint", r.endpoint()}, {"replica", r.apiRoot().toString()}};
    };

    metrics::writeFamilyHeader(out, "airlock_replica_health", "gauge",
                               "1 for the replica's state (ready, not_ready, dead, ejected), 0 for the others");
    for (const auto &r : replicas) {
        const QString state = replicaHealthName(*r, now);
        for (const char *name : kHealthStates) {
            metrics::Labels l = labels(*r);
            l.append(std::pair<QByteArray, QString>("state", QString::fromLatin1(name)));
            metrics::writeSample(out, "airlock_replica_health", l, state == QLatin1String(name) ? 1 : 0);
        }
    }
    metrics::writeFamilyHeader(out, "airlock_replica_outstanding_requests", "gauge",
                               "Requests sent to the replica and not finished");
    for (const auto &r : replicas)
        metrics::writeSample(out, "airlock_replica_outstanding_requests", labels(*r),
                             r->outstanding.load(std::memory_order_relaxed));

    struct Counter
    {
        const char *name;
        const char *help;
        const std::atomic<quint64> ReplicaState::*field;
    };
    static const std::array<Counter, 6> counters{{
        {"airlock_replica_attempts_total", "Tries sent to the replica", &ReplicaState::attempts},
        {"airlock_replica_failures_total", "Tries at the replica that failed", &ReplicaState::failures},
        {"airlock_replica_ejections_total", "Times passive health ejected the replica", &ReplicaState::ejections},
        {"airlock_replica_retries_total", "Retries sent to the replica", &ReplicaState::retriesTo},
        {"airlock_replica_hedges_sent_total", "Hedged tries sent to the replica", &ReplicaState::hedgesSent},
        {"airlock_replica_hedges_won_total", "Hedged tries at the replica whose answer was used", &ReplicaState::hedgesWon},
    }};
    for (const Counter &c : counters) {
        metrics::writeFamilyHeader(out, c.name, "counter", c.help);
        for (const auto &r : replicas)
            metrics::writeSample(out, c.name, labels(*r), double(((*r).*c.field).load(std::memory_order_relaxed)));
    }

    metrics::writeFamilyHeader(out, "airlock_replica_ttfb_p95_seconds", "gauge",
                               "95th percentile of the replica's recent times to first byte");
    for (const auto &r : replicas) {
        const double p95 = r->ttfbP95();
        if (p95 >= 0)
            metrics::writeSample(out, "airlock_replica_ttfb_p95_seconds", labels(*r), p95 / 1000.0);
    }

    metrics::writeFamilyHeader(out, "airlock_replica_ttfb_seconds", "histogram",
                               "Time from sending a try to the replica to its answer's first byte, of the tries it answered");
    static const std::array<QString, kTtfbBucketsSeconds.size()> bounds = [] {
        std::array<QString, kTtfbBucketsSeconds.size()> b;
        for (std::size_t i = 0; i < b.size(); ++i)
            b[i] = QString::fromLatin1(metrics::formatValue(kTtfbBucketsSeconds[i]));
        return b;
    }();
    for (const auto &r : replicas) {
        const metrics::Labels l = labels(*r);
        quint64 cumulative = 0;
        for (std::size_t i = 0; i <= bounds.size(); ++i) {
            cumulative += r->ttfbBucket(i);
            metrics::Labels withLe = l;
            withLe.append({"le", i < bounds.size() ? bounds[i] : QStringLiteral("+Inf")});
            metrics::writeSample(out, "airlock_replica_ttfb_seconds_bucket", withLe, double(cumulative));
        }
        metrics::writeSample(out, "airlock_replica_ttfb_seconds_sum", l, r->ttfbSumSeconds());
        // The buckets were read one by one: the count is their sum, so that +Inf and _count agree.
        metrics::writeSample(out, "airlock_replica_ttfb_seconds_count", l, double(cumulative));
    }
}

} // namespace airlock::routing
