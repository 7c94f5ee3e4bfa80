#include "routeforms.h"

#include <QVariantMap>

namespace airlock {

using namespace Qt::StringLiterals;

namespace {
int intOf(const QVariant &value)
{
    bool ok = false;
    const int n = value.toInt(&ok);
    return ok ? n : 0;
}
} // namespace

QList<int> tierPercents(const QList<RouteTarget> &tier)
{
    qint64 total = 0;
    for (const RouteTarget &t : tier)
        total += qMax(0, t.weight);
    QList<int> percents;
    for (const RouteTarget &t : tier)
        percents << (total > 0 ? int(qRound64(100.0 * qMax(0, t.weight) / double(total))) : 0);
    return percents;
}

QVariantList routeToTiers(const ModelRoute &route)
{
    QVariantList tiers;
    for (const QList<RouteTarget> &tier : route.tiers) {
        const QList<int> percents = tierPercents(tier);
        QVariantList targets;
        for (qsizetype i = 0; i < tier.size(); ++i) {
            targets << QVariantMap{{u"model"_s, tier.at(i).model},
                                   {u"weight"_s, tier.at(i).weight},
                                   {u"percent"_s, percents.at(i)}};
        }
        tiers << QVariant(targets);
    }
    return tiers;
}

ModelRoute routeFromTiers(const QVariantList &tiers)
{
    ModelRoute route;
    for (const QVariant &tierValue : tiers) {
        QList<RouteTarget> tier;
        for (const QVariant &targetValue : tierValue.toList()) {
            const QVariantMap target = targetValue.toMap();
            tier.append(RouteTarget{target.value(u"model"_s).toString().trimmed(), intOf(target.value(u"weight"_s))});
        }
        route.tiers.append(tier);
    }
    return route;
}

bool isSingleModel(const ModelRoute &route)
{
    return route.tiers.size() == 1 && route.tiers.constFirst().size() == 1;
}

QVariantList replicasToList(const QList<ModelReplica> &replicas)
{
    QVariantList list;
    for (const ModelReplica &r : replicas)
        list << QVariantMap{{u"baseUrl"_s, r.baseUrl.toString()}, {u"weight"_s, r.weight}};
    return list;
}

QList<ModelReplica> replicasFromList(const QVariantList &replicas)
{
    QList<ModelReplica> list;
    for (const QVariant &value : replicas) {
        const QVariantMap r = value.toMap();
        list.append(ModelReplica{QUrl(r.value(u"baseUrl"_s).toString().trimmed(), QUrl::StrictMode),
                                 r.contains(u"weight"_s) ? intOf(r.value(u"weight"_s)) : 1});
    }
    return list;
}

} // namespace airlock
