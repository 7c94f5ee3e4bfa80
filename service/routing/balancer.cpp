#include "balancer.h"

#include <QRandomGenerator>

#include <random>

namespace airlock::routing {

namespace {

std::minstd_rand &rng()
{
    thread_local std::minstd_rand engine(QRandomGenerator::global()->generate());
    return engine;
}

// Uniform in [0, n).
quint32 below(quint32 n)
{
    return quint32(std::uniform_int_distribution<quint32>(0, n - 1)(rng()));
}

bool contains(const TriedReplicas &tried, const ReplicaState *s)
{
    return std::find(tried.cbegin(), tried.cend(), s) != tried.cend();
}

// Outstanding requests per unit of weight, compared without division.
bool lessLoaded(const ReplicaRuntime &a, const ReplicaRuntime &b)
{
    return qint64(a.state->outstanding.load(std::memory_order_relaxed)) * b.weight
        < qint64(b.state->outstanding.load(std::memory_order_relaxed)) * a.weight;
}

} // namespace

bool hasAvailableReplica(const EndpointRuntime &endpoint, const TriedReplicas &tried, qint64 nowMs)
{
    for (const ReplicaRuntime &r : endpoint.replicas) {
        if (!contains(tried, r.state.get()) && r.state->available(nowMs))
            return true;
    }
    return false;
}

const ReplicaRuntime *pickReplica(const EndpointRuntime &endpoint, const TriedReplicas &tried, qint64 nowMs)
{
    const qsizetype n = endpoint.replicas.size();
    if (n == 1) // the common case: no choice to make
        return tried.isEmpty() ? &endpoint.replicas.constFirst() : nullptr;

    QVarLengthArray<const ReplicaRuntime *, 8> candidates;
    quint32 totalWeight = 0;
    bool anyAvailable = false;
    for (const ReplicaRuntime &r : endpoint.replicas)
        anyAvailable = anyAvailable || r.state->available(nowMs);
    for (const ReplicaRuntime &r : endpoint.replicas) {
        if (contains(tried, r.state.get()))
            continue;
        if (anyAvailable && !r.state->available(nowMs))
            continue;
        candidates.append(&r);
        totalWeight += quint32(r.weight);
    }
    if (candidates.isEmpty())
        return nullptr;
    if (candidates.size() == 1)
        return candidates.front();
    // Two distinct candidates drawn by weight; the less loaded one wins.
    const auto draw = [&](const ReplicaRuntime *skip, quint32 weight) {
        quint32 at = below(weight);
        for (const ReplicaRuntime *c : candidates) {
            if (c == skip)
                continue;
            if (at < quint32(c->weight))
                return c;
            at -= quint32(c->weight);
        }
        return candidates.back();
    };
    const ReplicaRuntime *first = draw(nullptr, totalWeight);
    const ReplicaRuntime *second = draw(first, totalWeight - quint32(first->weight));
    return lessLoaded(*second, *first) ? second : first;
}

const EndpointRuntime *pickEndpoint(const RoutePlan &plan, const ExhaustedEndpoints &exhausted, qint64 nowMs)
{
    const auto isExhausted = [&](const EndpointRuntime *e) {
        return std::find(exhausted.cbegin(), exhausted.cend(), e) != exhausted.cend();
    };
    const TriedReplicas none;
    // One target of `tier` by weight, among those not tried yet (and in rotation, if `inRotation`).
    const auto pickIn = [&](const auto &tier, bool inRotation) -> const EndpointRuntime * {
        QVarLengthArray<const PlanTarget *, 8> open;
        quint32 total = 0;
        for (const PlanTarget &t : tier) {
            if (!isExhausted(t.endpoint) && (!inRotation || hasAvailableReplica(*t.endpoint, none, nowMs))) {
                open.append(&t);
                total += quint32(t.weight);
            }
        }
        if (open.isEmpty())
            return nullptr;
        if (open.size() == 1)
            return open.front()->endpoint;
        quint32 at = below(total);
        for (const PlanTarget *t : open) {
            if (at < quint32(t->weight))
                return t->endpoint;
            at -= quint32(t->weight);
        }
        return open.back()->endpoint;
    };
    for (const auto &tier : plan.tiers) {
        if (const EndpointRuntime *e = pickIn(tier, true))
            return e;
    }
    // Nothing in rotation anywhere (every replica ejected or failing its probe): the first tier with a
    // target not tried yet, by its weights, as if all were healthy; a request is never refused on the
    // health signals alone.
    for (const auto &tier : plan.tiers) {
        if (const EndpointRuntime *e = pickIn(tier, false))
            return e;
    }
    return nullptr;
}

} // namespace airlock::routing
