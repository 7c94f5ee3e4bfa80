#include "routeconfig.h"

#include "configjson.h"
#include "featureids.h"

#include <QJsonArray>
#include <QSet>

#include <optional>

namespace airlock {

using namespace configjson;

QString ModelRoute::primaryModel() const
{
    return tiers.isEmpty() || tiers.constFirst().isEmpty() ? QString() : tiers.constFirst().constFirst().model;
}

QStringList ModelRoute::models() const
{
    QStringList names;
    for (const auto &tier : tiers) {
        for (const RouteTarget &t : tier) {
            if (!names.contains(t.model))
                names.append(t.model);
        }
    }
    return names;
}

Result<ModelRoute> parseModelRoute(const QJsonValue &value, const QString &path)
{
    if (!value.isObject())
        return wrongType(path, "a model name, \"disabled\" or a route object {\"tiers\": [...]}");
    const QJsonObject o = value.toObject();
    if (auto st = checkKeys(o, path, {"tiers"}); !st)
        return st.error();
    const QString tiersPath = join(path, "tiers");
    const QJsonValue tiers = o.value(QLatin1String("tiers"));
    if (tiers.isUndefined())
        return Error::make(QStringLiteral("missing_field"), QStringLiteral("%1 is required").arg(tiersPath), tiersPath);
    if (!tiers.isArray())
        return wrongType(tiersPath, "an array of tiers");
    const QJsonArray list = tiers.toArray();
    if (list.isEmpty() || list.size() > 8)
        return invalidValue(tiersPath, QStringLiteral("must list 1 to 8 tiers"));
    ModelRoute route;
    QSet<QString> seen;
    for (qsizetype i = 0; i < list.size(); ++i) {
        const QString tierPath = tiersPath + QStringLiteral("[%1]").arg(i);
        if (!list.at(i).isArray())
            return wrongType(tierPath, "an array of {\"model\": ..., \"weight\": ...}");
        const QJsonArray targets = list.at(i).toArray();
        if (targets.isEmpty() || targets.size() > 16)
            return invalidValue(tierPath, QStringLiteral("must list 1 to 16 models"));
        QList<RouteTarget> tier;
        for (qsizetype j = 0; j < targets.size(); ++j) {
            const QString at = tierPath + QStringLiteral("[%1]").arg(j);
            if (!targets.at(j).isObject())
                return wrongType(at, "an object {\"model\": ..., \"weight\": ...}");
            const QJsonObject t = targets.at(j).toObject();
            if (auto st = checkKeys(t, at, {"model", "weight"}); !st)
                return st.error();
            auto model = readString(t, "model", at, true);
            if (!model)
                return model.error();
            if (model->isEmpty() || *model == QLatin1String("disabled"))
                return invalidValue(join(at, "model"), QStringLiteral("must name a registered model"));
            if (seen.contains(*model))
                return invalidValue(join(at, "model"), QStringLiteral("names \"%1\" a second time in this route").arg(*model));
            seen.insert(*model);
            auto weight = readIntIn(t, "weight", at, 1, 1, 1000);
            if (!weight)
                return weight.error();
            tier.append(RouteTarget{*model, *weight});
        }
        route.tiers.append(std::move(tier));
    }
    return route;
}

QJsonObject modelRouteToJson(const ModelRoute &route)
{
    QJsonArray tiers;
    for (const auto &tier : route.tiers) {
        QJsonArray targets;
        for (const RouteTarget &t : tier)
            targets.append(QJsonObject{{QStringLiteral("model"), t.model}, {QStringLiteral("weight"), t.weight}});
        tiers.append(targets);
    }
    return QJsonObject{{QStringLiteral("tiers"), tiers}};
}

int ResilienceConfig::deadlineMsFor(const QString &feature) const
{
    const auto it = deadlinesMs.constFind(feature);
    if (it != deadlinesMs.cend())
        return it.value();
    // Built in: a completion nobody waits for after a few seconds, generation and chat that may take minutes.
    if (feature == QLatin1String("code_completions"))
        return qMin(8000, defaultDeadlineMs);
    return defaultDeadlineMs;
}

namespace {

// Reads an optional sub-object of the resilience section; an absent one is an empty object.
Result<QJsonObject> section(const QJsonObject &root, const char *key, std::initializer_list<const char *> allowed)
{
    const QString path = join(QStringLiteral("resilience"), key);
    const QJsonValue v = root.value(QLatin1String(key));
    if (v.isUndefined())
        return QJsonObject();
    if (!v.isObject())
        return wrongType(path, "an object");
    if (auto st = checkKeys(v.toObject(), path, allowed); !st)
        return st.error();
    return v.toObject();
}

// An optional list of feature ids at `sectionObject[key]`; nullopt when absent.
Result<std::optional<QStringList>> featureList(const QJsonObject &sectionObject, const QString &sectionPath)
{
    const QJsonValue features = sectionObject.value(QLatin1String("features"));
    if (features.isUndefined())
        return std::optional<QStringList>();
    const QString path = join(sectionPath, "features");
    if (!features.isArray())
        return wrongType(path, "an array of feature ids");
    QStringList ids;
    const QJsonArray list = features.toArray();
    for (qsizetype i = 0; i < list.size(); ++i) {
        const QString at = path + QStringLiteral("[%1]").arg(i);
        if (!list.at(i).isString())
            return wrongType(at, "a feature id");
        if (!isKnownFeature(list.at(i).toString()))
            return Error::make(QStringLiteral("unknown_feature"),
                               QStringLiteral("%1: unknown feature \"%2\"").arg(at, list.at(i).toString()), at);
        ids.append(list.at(i).toString());
    }
    return std::optional<QStringList>(ids);
}

} // namespace

Result<ResilienceConfig> parseResilienceConfig(const QJsonValue &value)
{
    const QString root = QStringLiteral("resilience");
    if (!value.isObject())
        return wrongType(root, "an object");
    const QJsonObject o = value.toObject();
    if (auto st = checkKeys(o, root, {"deadlines_ms", "retries", "hedging", "ejection", "affinity", "probes"}); !st)
        return st.error();
    ResilienceConfig c;

    const QJsonValue deadlines = o.value(QLatin1String("deadlines_ms"));
    if (!deadlines.isUndefined()) {
        const QString path = join(root, "deadlines_ms");
        if (!deadlines.isObject())
            return wrongType(path, "an object of feature id -> milliseconds");
        const QJsonObject d = deadlines.toObject();
        for (auto it = d.begin(); it != d.end(); ++it) {
            if (it.key() != QLatin1String("default") && !isKnownFeature(it.key()))
                return Error::make(QStringLiteral("unknown_feature"),
                                   QStringLiteral("%1.%2: unknown feature \"%2\"").arg(path, it.key()),
                                   path + QLatin1Char('.') + it.key());
            auto ms = readIntIn(d, it.key().toUtf8().constData(), path, 0, 100, 3600000);
            if (!ms)
                return ms.error();
            if (it.key() == QLatin1String("default"))
                c.defaultDeadlineMs = *ms;
            else
                c.deadlinesMs.insert(it.key(), *ms);
        }
    }

    auto retries = section(o, "retries", {"max_attempts", "budget_percent", "budget_min_concurrent"});
    if (!retries)
        return retries.error();
    const QString rp = join(root, "retries");
    auto attempts = readIntIn(*retries, "max_attempts", rp, c.maxAttempts, 1, 10);
    auto percent = readIntIn(*retries, "budget_percent", rp, c.retryBudgetPercent, 0, 100);
    auto minConcurrent = readIntIn(*retries, "budget_min_concurrent", rp, c.retryBudgetMinConcurrent, 0, 10000);
    for (const auto *r : {&attempts, &percent, &minConcurrent}) {
        if (!*r)
            return r->error();
    }
    c.maxAttempts = *attempts;
    c.retryBudgetPercent = *percent;
    c.retryBudgetMinConcurrent = *minConcurrent;

    auto hedging = section(o, "hedging", {"features", "min_delay_ms", "max_delay_ms"});
    if (!hedging)
        return hedging.error();
    const QString hp = join(root, "hedging");
    auto hedged = featureList(*hedging, hp);
    if (!hedged)
        return hedged.error();
    if (*hedged)
        c.hedgedFeatures = **hedged;
    auto minDelay = readIntIn(*hedging, "min_delay_ms", hp, c.hedgeMinDelayMs, 1, 600000);
    if (!minDelay)
        return minDelay.error();
    auto maxDelay = readIntIn(*hedging, "max_delay_ms", hp, qMax(c.hedgeMaxDelayMs, *minDelay), *minDelay, 600000);
    if (!maxDelay)
        return maxDelay.error();
    c.hedgeMinDelayMs = *minDelay;
    c.hedgeMaxDelayMs = *maxDelay;

    auto ejection = section(o, "ejection", {"consecutive_failures", "base_ms", "max_ms", "max_ejected_percent",
                                                  "failure_rate_percent", "window_ms", "min_requests"});
    if (!ejection)
        return ejection.error();
    const QString ep = join(root, "ejection");
    auto failures = readIntIn(*ejection, "consecutive_failures", ep, c.ejectConsecutiveFailures, 1, 1000);
    auto base = readIntIn(*ejection, "base_ms", ep, c.ejectBaseMs, 100, 3600000);
    if (!failures)
        return failures.error();
    if (!base)
        return base.error();
    auto cap = readIntIn(*ejection, "max_ms", ep, qMax(c.ejectMaxMs, *base), *base, 86400000);
    auto share = readIntIn(*ejection, "max_ejected_percent", ep, c.maxEjectedPercent, 0, 100);
    if (!cap)
        return cap.error();
    if (!share)
        return share.error();
    c.ejectConsecutiveFailures = *failures;
    c.ejectBaseMs = *base;
    c.ejectMaxMs = *cap;
    c.maxEjectedPercent = *share;
    auto rate = readIntIn(*ejection, "failure_rate_percent", ep, c.ejectFailureRatePercent, 0, 100);
    if (!rate)
        return rate.error();
    auto window = readIntIn(*ejection, "window_ms", ep, c.ejectWindowMs, 1000, 3600000);
    if (!window)
        return window.error();
    auto minRequests = readIntIn(*ejection, "min_requests", ep, c.ejectMinRequests, 1, 1000000);
    if (!minRequests)
        return minRequests.error();
    c.ejectFailureRatePercent = *rate;
    c.ejectWindowMs = *window;
    c.ejectMinRequests = *minRequests;

    auto affinity = section(o, "affinity", {"features", "max_load_percent"});
    if (!affinity)
        return affinity.error();
    const QString ap = join(root, "affinity");
    auto affine = featureList(*affinity, ap);
    if (!affine)
        return affine.error();
    if (*affine)
        c.affinityFeatures = **affine;
    auto maxLoad = readIntIn(*affinity, "max_load_percent", ap, c.affinityMaxLoadPercent, 100, 1000);
    if (!maxLoad)
        return maxLoad.error();
    c.affinityMaxLoadPercent = *maxLoad;

    auto probes = section(o, "probes", {"interval_ms", "timeout_ms"});
    if (!probes)
        return probes.error();
    const QString pp = join(root, "probes");
    auto interval = readIntIn(*probes, "interval_ms", pp, c.probeIntervalMs, 50, 3600000);
    auto timeout = readIntIn(*probes, "timeout_ms", pp, c.probeTimeoutMs, 10, 600000);
    if (!interval)
        return interval.error();
    if (!timeout)
        return timeout.error();
    c.probeIntervalMs = *interval;
    c.probeTimeoutMs = *timeout;
    return c;
}

QJsonObject resilienceConfigToJson(const ResilienceConfig &c)
{
    const ResilienceConfig d;
    QJsonObject o;
    QJsonObject deadlines;
    for (auto it = c.deadlinesMs.begin(); it != c.deadlinesMs.end(); ++it)
        deadlines.insert(it.key(), it.value());
    if (c.defaultDeadlineMs != d.defaultDeadlineMs)
        deadlines.insert(QStringLiteral("default"), c.defaultDeadlineMs);
    if (!deadlines.isEmpty())
        o.insert(QStringLiteral("deadlines_ms"), deadlines);
    const auto put = [&o](const char *sectionKey, const char *key, int value, int fallback) {
        if (value == fallback)
            return;
        QJsonObject s = o.value(QLatin1String(sectionKey)).toObject();
        s.insert(QLatin1String(key), value);
        o.insert(QLatin1String(sectionKey), s);
    };
    put("retries", "max_attempts", c.maxAttempts, d.maxAttempts);
    put("retries", "budget_percent", c.retryBudgetPercent, d.retryBudgetPercent);
    put("retries", "budget_min_concurrent", c.retryBudgetMinConcurrent, d.retryBudgetMinConcurrent);
    if (c.hedgedFeatures != d.hedgedFeatures) {
        QJsonObject s = o.value(QLatin1String("hedging")).toObject();
        s.insert(QStringLiteral("features"), QJsonArray::fromStringList(c.hedgedFeatures));
        o.insert(QStringLiteral("hedging"), s);
    }
    put("hedging", "min_delay_ms", c.hedgeMinDelayMs, d.hedgeMinDelayMs);
    put("hedging", "max_delay_ms", c.hedgeMaxDelayMs, d.hedgeMaxDelayMs);
    put("ejection", "consecutive_failures", c.ejectConsecutiveFailures, d.ejectConsecutiveFailures);
    put("ejection", "base_ms", c.ejectBaseMs, d.ejectBaseMs);
    put("ejection", "max_ms", c.ejectMaxMs, d.ejectMaxMs);
    put("ejection", "max_ejected_percent", c.maxEjectedPercent, d.maxEjectedPercent);
    put("ejection", "failure_rate_percent", c.ejectFailureRatePercent, d.ejectFailureRatePercent);
    put("ejection", "window_ms", c.ejectWindowMs, d.ejectWindowMs);
    put("ejection", "min_requests", c.ejectMinRequests, d.ejectMinRequests);
    if (c.affinityFeatures != d.affinityFeatures) {
        QJsonObject s = o.value(QLatin1String("affinity")).toObject();
        s.insert(QStringLiteral("features"), QJsonArray::fromStringList(c.affinityFeatures));
        o.insert(QStringLiteral("affinity"), s);
    }
    put("affinity", "max_load_percent", c.affinityMaxLoadPercent, d.affinityMaxLoadPercent);
    put("probes", "interval_ms", c.probeIntervalMs, d.probeIntervalMs);
    put("probes", "timeout_ms", c.probeTimeoutMs, d.probeTimeoutMs);
    return o;
}

} // namespace airlock
