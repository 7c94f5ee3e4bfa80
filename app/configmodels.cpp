#include "configmodels.h"

#include "routeforms.h"

#include <QJsonObject>

namespace airlock {

using namespace Qt::StringLiterals;

namespace {
bool flagOn(const QJsonObject &flags, const QString &flag)
{
    return flags.value("flags"_L1).toObject().value(flag).toBool(true);
}
} // namespace

ModelListModel::ModelListModel(QObject *parent)
    : QAbstractListModel(parent)
{
}

int ModelListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_models.size());
}

QVariant ModelListModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const ModelEndpoint &m = m_models.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
    case NameRole: return m.name;
    case FamilyRole: return familyName(m.family);
    case BaseUrlRole: return m.baseUrl.toString();
    case IdentifierRole: return m.identifier;
    case HasApiKeyRole: return !m.apiKey.isEmpty();
    case MaxConcurrencyRole: return m.maxConcurrency;
    case ConnectTimeoutRole: return m.timeouts.connectMs;
    case FirstByteTimeoutRole: return m.timeouts.firstByteMs;
    case IdleTimeoutRole: return m.timeouts.idleMs;
    case TotalTimeoutRole: return m.timeouts.totalMs;
    case AssignedFeaturesRole: {
        // Features it serves alone, and those whose route names it.
        QStringList features;
        for (auto it = m_features.cbegin(); it != m_features.cend(); ++it) {
            const auto route = m_routes.constFind(it.key());
            if (route != m_routes.cend() ? route->models().contains(m.name) : it.value() == m.name)
                features << it.key();
        }
        return features;
    }
    case ReplicaUrlsRole: {
        QStringList urls;
        for (const ModelReplica &replica : m.servers())
            urls << replica.baseUrl.toString();
        return urls;
    }
    case ReplicasRole: return replicasToList(m.servers());
    default: return {};
    }
}

QHash<int, QByteArray> ModelListModel::roleNames() const
{
    return {{NameRole, "name"},
            {FamilyRole, "family"},
            {BaseUrlRole, "baseUrl"},
            {IdentifierRole, "identifier"},
            {HasApiKeyRole, "hasApiKey"},
            {MaxConcurrencyRole, "maxConcurrency"},
            {ConnectTimeoutRole, "connectTimeoutMs"},
            {FirstByteTimeoutRole, "firstByteTimeoutMs"},
            {IdleTimeoutRole, "idleTimeoutMs"},
            {TotalTimeoutRole, "totalTimeoutMs"},
            {AssignedFeaturesRole, "assignedFeatures"},
            {ReplicaUrlsRole, "replicaUrls"},
            {ReplicasRole, "replicas"}};
}

void ModelListModel::setConfig(const GatewayConfig &config)
{
    beginResetModel();
    m_models = config.models;
    m_features = config.features;
    m_routes = config.routes;
    endResetModel();
    Q_EMIT countChanged();
}

QVariant ModelListModel::get(int row) const
{
    QVariantMap map;
    if (row < 0 || row >= m_models.size())
        return map;
    const QHash<int, QByteArray> names = roleNames();
    for (auto it = names.cbegin(); it != names.cend(); ++it)
        map.insert(QString::fromLatin1(it.value()), data(index(row), it.key()));
    return map;
}

int ModelListModel::indexOf(const QString &name) const
{
    for (int i = 0; i < m_models.size(); ++i) {
        if (m_models.at(i).name == name)
            return i;
    }
    return -1;
}

FeatureListModel::FeatureListModel(QObject *parent)
    : QAbstractListModel(parent)
{
}

QString routeSummary(const ModelRoute &route)
{
    if (route.tiers.isEmpty() || (route.tiers.size() == 1 && route.tiers.constFirst().size() == 1))
        return {};
    QStringList tiers;
    for (const QList<RouteTarget> &tier : route.tiers) {
        const QList<int> percents = tierPercents(tier);
        QStringList targets;
        for (qsizetype i = 0; i < tier.size(); ++i) {
            const QString &model = tier.at(i).model;
            targets << (tier.size() == 1 ? model : QStringLiteral("%1 %2 %").arg(model).arg(percents.at(i)));
        }
        tiers << targets.join(QStringLiteral(" · "));
    }
    return tiers.join(QStringLiteral(" → "));
}

int FeatureListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_catalog.size());
}

QVariant FeatureListModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const QJsonObject f = m_catalog.at(index.row()).toObject();
    const QString id = f.value("id"_L1).toString();
    const QString assigned = m_config.features.value(id);
    const ModelEndpoint *model = assigned.isEmpty() || assigned == kDisabled ? nullptr : m_config.findModel(assigned);
    QStringList families;
    for (const QJsonValue &v : f.value("families"_L1).toArray())
        families << v.toString();
    switch (role) {
    case IdRole: return id;
    case Qt::DisplayRole:
    case NameRole:
        return m_language == "ko"_L1 ? f.value("name_ko"_L1).toString() : f.value("name_en"_L1).toString();
    case NameEnRole: return f.value("name_en"_L1).toString();
    case NameKoRole: return f.value("name_ko"_L1).toString();
    case StageRole: return f.value("stage"_L1).toString();
    case FlagRole: return f.value("flag"_L1).toString();
    case FlagEnabledRole: return flagOn(m_config.flags, f.value("flag"_L1).toString());
    case ChatRole: return f.value("chat"_L1).toBool();
    case AssignedModelRole: return assigned.isEmpty() ? QString(kDisabled) : assigned;
    case AssignedFamilyRole: return model ? familyName(model->family) : QString();
    case SuitsRole: return !model || families.contains(familyName(model->family));
    case FamiliesRole: return families;
    case RouteSummaryRole: return routeSummary(m_config.routes.value(id));
    case RouteTiersRole: {
        if (const auto route = m_config.routes.constFind(id); route != m_config.routes.cend())
            return routeToTiers(*route);
        if (assigned.isEmpty() || assigned == kDisabled)
            return QVariantList();
        return routeToTiers(ModelRoute{{{RouteTarget{assigned, 1}}}});
    }
    default: return {};
    }
}

QHash<int, QByteArray> FeatureListModel::roleNames() const
{
    return {{IdRole, "featureId"},         {NameRole, "name"},
            {NameEnRole, "nameEn"},        {NameKoRole, "nameKo"},
            {StageRole, "stage"},          {FlagRole, "flag"},
            {FlagEnabledRole, "flagEnabled"}, {ChatRole, "chat"},
            {AssignedModelRole, "assignedModel"}, {AssignedFamilyRole, "assignedFamily"},
            {SuitsRole, "suits"},          {FamiliesRole, "families"},
            {RouteSummaryRole, "routeSummary"}, {RouteTiersRole, "routeTiers"}};
}

void FeatureListModel::setCatalog(const QJsonArray &catalog)
{
    beginResetModel();
    m_catalog = {};
    for (const QJsonValue &v : catalog) {
        if (v.toObject().value("served_by_gateway"_L1).toBool(true))
            m_catalog.append(v);
    }
    endResetModel();
    Q_EMIT countChanged();
    Q_EMIT namesChanged();
}

void FeatureListModel::setConfig(const GatewayConfig &config)
{
    m_config = config;
    if (!m_catalog.isEmpty())
        Q_EMIT dataChanged(index(0), index(rowCount() - 1));
}

void FeatureListModel::setLanguage(const QString &language)
{
    if (m_language == language)
        return;
    m_language = language;
    if (!m_catalog.isEmpty())
        Q_EMIT dataChanged(index(0), index(rowCount() - 1), {NameRole, Qt::DisplayRole});
    Q_EMIT namesChanged();
}

QVariantMap FeatureListModel::names() const
{
    QVariantMap names;
    for (const QJsonValue &v : m_catalog) {
        const QJsonObject f = v.toObject();
        names.insert(f.value("id"_L1).toString(),
                     m_language == "ko"_L1 ? f.value("name_ko"_L1).toString() : f.value("name_en"_L1).toString());
    }
    return names;
}

QString FeatureListModel::featureName(const QString &id) const
{
    for (const QJsonValue &v : m_catalog) {
        const QJsonObject f = v.toObject();
        if (f.value("id"_L1).toString() == id)
            return m_language == "ko"_L1 ? f.value("name_ko"_L1).toString() : f.value("name_en"_L1).toString();
    }
    return id;
}

QStringList FeatureListModel::featureIds() const
{
    QStringList ids;
    for (const QJsonValue &v : m_catalog)
        ids << v.toObject().value("id"_L1).toString();
    return ids;
}

} // namespace airlock
