#include "affinity.h"

#include <QHashFunctions>

#include <algorithm>
#include <cmath>

namespace airlock::routing {

namespace {

// splitmix64's finaliser: a well-mixed 64-bit value from a 64-bit one.
quint64 mix(quint64 x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

// FNV-1a: stable across processes and runs (qHash is seeded per process).
quint64 stableHash(QByteArrayView bytes)
{
    quint64 h = 0xcbf29ce484222325ULL;
    for (const char c : bytes) {
        h ^= quint8(c);
        h *= 0x100000001b3ULL;
    }
    return h;
}

// Weighted rendezvous score: higher wins; a replica of weight w wins w times as many keys.
double score(quint64 keyHash, const ReplicaRuntime &replica)
{
    const quint64 h = mix(keyHash ^ stableHash(replica.state->key().toUtf8()));
    // (0, 1), never 0 or 1
    const double u = (double(h >> 11) + 0.5) / double(1ULL << 53);
    return -double(replica.weight) / std::log(u);
}

} // namespace

const ReplicaRuntime *pickAffineReplica(const EndpointRuntime &endpoint, QByteArrayView key, int maxLoadPercent,
                                        const TriedReplicas &tried, qint64 nowMs)
{
    if (endpoint.replicas.size() < 2 || key.isEmpty())
        return nullptr;
    const quint64 keyHash = stableHash(key);
    qint64 outstanding = 1; // this request
    qint64 totalWeight = 0;
    for (const ReplicaRuntime &r : endpoint.replicas) {
        outstanding += r.state->outstanding.load(std::memory_order_relaxed);
        totalWeight += r.weight;
    }
    QVarLengthArray<std::pair<double, const ReplicaRuntime *>, 8> ranked;
    for (const ReplicaRuntime &r : endpoint.replicas) {
        if (std::find(tried.cbegin(), tried.cend(), r.state.get()) != tried.cend() || !r.state->available(nowMs))
            continue;
        ranked.append({score(keyHash, r), &r});
    }
    std::sort(ranked.begin(), ranked.end(), [](const auto &a, const auto &b) { return a.first > b.first; });
    for (const auto &[s, r] : ranked) {
        // bound = ceil(maxLoadPercent/100 × outstanding × weight/totalWeight), at least 1
        const qint64 bound
            = std::max<qint64>(1, (qint64(maxLoadPercent) * outstanding * r->weight + 100 * totalWeight - 1) / (100 * totalWeight));
        if (r->state->outstanding.load(std::memory_order_relaxed) < bound)
            return r;
    }
    return nullptr;
}

} // namespace airlock::routing
