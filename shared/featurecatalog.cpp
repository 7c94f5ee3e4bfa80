#include "featurecatalog.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>

namespace airlock {

namespace {

Error catalogError(const QString &field, const QString &message)
{
    return Error::make(QStringLiteral("invalid_catalog"), field + QStringLiteral(": ") + message, field);
}

const QSet<QString> &knownFeatureKeys()
{
    static const QSet<QString> keys{
        QStringLiteral("id"), QStringLiteral("name_en"), QStringLiteral("name_ko"),
        QStringLiteral("stage"), QStringLiteral("flag"), QStringLiteral("chat"),
        QStringLiteral("routes"), QStringLiteral("families"), QStringLiteral("served_by_gateway"),
        QStringLiteral("note"), QStringLiteral("prompted"),
    };
    return keys;
}

Result<QString> requiredString(const QJsonObject &object, const QString &key, const QString &where)
{
    const QJsonValue value = object.value(key);
    if (!value.isString() || value.toString().trimmed().isEmpty())
        return catalogError(where + QLatin1Char('.') + key, QStringLiteral("must be a non-empty string"));
    return value.toString();
}

Result<Feature> parseFeature(const QJsonObject &object, const QString &where)
{
    for (auto it = object.begin(); it != object.end(); ++it) {
        if (!knownFeatureKeys().contains(it.key()))
            return catalogError(where + QLatin1Char('.') + it.key(), QStringLiteral("unknown key"));
    }
    Feature feature;
    for (const auto &[key, target] : {std::pair{QStringLiteral("id"), &feature.id},
                                      std::pair{QStringLiteral("name_en"), &feature.nameEn},
                                      std::pair{QStringLiteral("name_ko"), &feature.nameKo},
                                      std::pair{QStringLiteral("flag"), &feature.flag}}) {
        auto value = requiredString(object, key, where);
        if (!value)
            return value.error();
        *target = *value;
    }
    auto stageText = requiredString(object, QStringLiteral("stage"), where);
    if (!stageText)
        return stageText.error();
    const auto stage = stageFromName(*stageText);
    if (!stage) {
        return catalogError(where + QStringLiteral(".stage"),
                            QStringLiteral("\"%1\" is not experiment, beta or ga").arg(*stageText));
    }
    feature.stage = *stage;
    if (object.contains(QStringLiteral("chat")) && !object.value(QStringLiteral("chat")).isBool())
        return catalogError(where + QStringLiteral(".chat"), QStringLiteral("must be a boolean"));
    feature.chat = object.value(QStringLiteral("chat")).toBool(false);
    const QJsonValue served = object.value(QStringLiteral("served_by_gateway"));
    if (!served.isUndefined() && !served.isBool())
        return catalogError(where + QStringLiteral(".served_by_gateway"), QStringLiteral("must be a boolean"));
    feature.servedByGateway = served.toBool(true);
    const QJsonValue prompted = object.value(QStringLiteral("prompted"));
    if (!prompted.isUndefined() && !prompted.isBool())
        return catalogError(where + QStringLiteral(".prompted"), QStringLiteral("must be a boolean"));
    feature.prompted = prompted.toBool(true);

    const QJsonValue routes = object.value(QStringLiteral("routes"));
    if (!routes.isArray())
        return catalogError(where + QStringLiteral(".routes"), QStringLiteral("must be an array"));
    const QJsonArray routeArray = routes.toArray();
    for (qsizetype i = 0; i < routeArray.size(); ++i) {
        const QString routeWhere = where + QStringLiteral(".routes[%1]").arg(i);
        const QJsonObject route = routeArray.at(i).toObject();
        const QJsonValue endpoint = route.value(QStringLiteral("endpoint"));
        const QJsonValue invokable = route.value(QStringLiteral("invokable"));
        if (!endpoint.isString() || !endpoint.toString().startsWith(QLatin1Char('/')))
            return catalogError(routeWhere + QStringLiteral(".endpoint"), QStringLiteral("must be a path"));
        if (!invokable.isUndefined() && !invokable.isString())
            return catalogError(routeWhere + QStringLiteral(".invokable"), QStringLiteral("must be a string"));
        feature.routes.append(FeatureRoute{endpoint.toString(), invokable.toString()});
    }
    if (feature.servedByGateway && feature.routes.isEmpty()) {
        return catalogError(where + QStringLiteral(".routes"),
                            QStringLiteral("a feature served by the gateway needs at least one route"));
    }
    if (!feature.routes.isEmpty()) {
        feature.endpoint = feature.routes.constFirst().endpoint;
        feature.invokable = feature.routes.constFirst().invokable;
    }

    const QJsonValue families = object.value(QStringLiteral("families"));
    if (!families.isArray())
        return catalogError(where + QStringLiteral(".families"), QStringLiteral("must be an array"));
    const QJsonArray familyArray = families.toArray();
    for (qsizetype i = 0; i < familyArray.size(); ++i) {
        const auto family = familyFromName(familyArray.at(i).toString());
        if (!family) {
            return catalogError(where + QStringLiteral(".families[%1]").arg(i),
                                QStringLiteral("unknown model family \"%1\"").arg(familyArray.at(i).toString()));
        }
        feature.families.append(*family);
    }
    return feature;
}

} // namespace

QString stageName(FeatureStage stage)
{
    switch (stage) {
    case FeatureStage::Experiment:
        return QStringLiteral("experiment");
    case FeatureStage::Beta:
        return QStringLiteral("beta");
    case FeatureStage::Ga:
        break;
    }
    return QStringLiteral("ga");
}

std::optional<FeatureStage> stageFromName(QStringView name)
{
    for (FeatureStage stage : {FeatureStage::Experiment, FeatureStage::Beta, FeatureStage::Ga}) {
        if (name == stageName(stage))
            return stage;
    }
    return std::nullopt;
}

Result<FeatureCatalog> FeatureCatalog::fromJson(const QByteArray &json)
{
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &parseError);
    if (doc.isNull() || !doc.isObject()) {
        return Error::make(QStringLiteral("invalid_catalog"),
                           QStringLiteral("the feature catalog is not a JSON object: %1").arg(parseError.errorString()));
    }
    const QJsonValue features = doc.object().value(QStringLiteral("features"));
    if (!features.isArray())
        return catalogError(QStringLiteral("features"), QStringLiteral("must be an array"));

    FeatureCatalog catalog;
    QSet<QString> ids;
    QSet<QString> flags;
    QSet<QPair<QString, QString>> routes;
    const QJsonArray array = features.toArray();
    for (qsizetype i = 0; i < array.size(); ++i) {
        const QString where = QStringLiteral("features[%1]").arg(i);
        if (!array.at(i).isObject())
            return catalogError(where, QStringLiteral("must be an object"));
        auto feature = parseFeature(array.at(i).toObject(), where);
        if (!feature)
            return feature.error();
        if (ids.contains(feature->id))
            return catalogError(where + QStringLiteral(".id"), QStringLiteral("duplicate id \"%1\"").arg(feature->id));
        if (feature->flag == feature->id) {
            // GitLab's rule: a feature's own flag is named differently from the feature.
            return catalogError(where + QStringLiteral(".flag"), QStringLiteral("must differ from the feature id"));
        }
        if (flags.contains(feature->flag))
            return catalogError(where + QStringLiteral(".flag"), QStringLiteral("duplicate flag \"%1\"").arg(feature->flag));
        for (const FeatureRoute &route : feature->routes) {
            const QPair<QString, QString> key{route.endpoint, route.invokable};
            if (routes.contains(key)) {
                return catalogError(where + QStringLiteral(".routes"),
                                    QStringLiteral("the route %1 %2 is already taken by another feature")
                                        .arg(route.endpoint, route.invokable));
            }
            routes.insert(key);
        }
        ids.insert(feature->id);
        flags.insert(feature->flag);
        catalog.m_features.append(std::move(feature).value());
    }
    if (catalog.m_features.isEmpty())
        return catalogError(QStringLiteral("features"), QStringLiteral("is empty"));
    return catalog;
}

const FeatureCatalog &FeatureCatalog::instance()
{
    static const FeatureCatalog catalog = [] {
        QFile file(resourcePath());
        if (!file.open(QIODevice::ReadOnly))
            qFatal("airlock: the compiled-in feature catalog %s is missing", qPrintable(resourcePath()));
        auto parsed = fromJson(file.readAll());
        if (!parsed)
            qFatal("airlock: the compiled-in feature catalog is invalid: %s", qPrintable(parsed.error().message));
        return std::move(parsed).value();
    }();
    return catalog;
}

const Feature *FeatureCatalog::find(QStringView id) const
{
    for (const Feature &feature : m_features) {
        if (feature.id == id)
            return &feature;
    }
    return nullptr;
}

const Feature *FeatureCatalog::findByRoute(QStringView endpoint, QStringView invokable) const
{
    for (const Feature &feature : m_features) {
        for (const FeatureRoute &route : feature.routes) {
            if (route.endpoint == endpoint && route.invokable == invokable)
                return &feature;
        }
    }
    return nullptr;
}

QStringList FeatureCatalog::gatewayFeatureIds() const
{
    QStringList ids;
    for (const Feature &feature : m_features) {
        if (feature.servedByGateway)
            ids.append(feature.id);
    }
    return ids;
}

} // namespace airlock
