#include "featureflags.h"

#include "featurecatalog.h"
#include "featureids.h"

#include <QJsonArray>

#include <algorithm>

namespace airlock {

namespace {

Error flagsError(const QString &field, const QString &message)
{
    return Error::make(QStringLiteral("invalid_feature_flags"), field + QStringLiteral(": ") + message, field);
}

bool isCatalogFlag(const QString &flag)
{
    for (const Feature &feature : FeatureCatalog::instance().features()) {
        if (feature.flag == flag)
            return true;
    }
    return false;
}

} // namespace

Result<FeatureFlags> featureFlagsFromJson(const QJsonObject &object)
{
    FeatureFlags flags;
    for (auto it = object.begin(); it != object.end(); ++it) {
        const QString key = it.key();
        const QJsonValue value = it.value();
        if (key == kGlobalSwitchFlag || key == kDuoChatSwitchFlag
            || key == QLatin1StringView("experiment_features_enabled")) {
            if (!value.isBool())
                return flagsError(key, QStringLiteral("must be a boolean"));
            if (key == kGlobalSwitchFlag)
                flags.globalSwitch = value.toBool();
            else if (key == kDuoChatSwitchFlag)
                flags.duoChatSwitch = value.toBool();
            else
                flags.experimentsEnabled = value.toBool();
        } else if (key == QLatin1StringView("flags")) {
            if (!value.isObject())
                return flagsError(key, QStringLiteral("must be an object of flag name to boolean"));
            const QJsonObject map = value.toObject();
            for (auto f = map.begin(); f != map.end(); ++f) {
                const QString field = QStringLiteral("flags.") + f.key();
                if (!isCatalogFlag(f.key()))
                    return flagsError(field, QStringLiteral("is not the flag of a known feature"));
                if (!f.value().isBool())
                    return flagsError(field, QStringLiteral("must be a boolean"));
                flags.flags.insert(f.key(), f.value().toBool());
            }
        } else if (key == QLatin1StringView("experiment_namespace_ids")) {
            if (!value.isArray())
                return flagsError(key, QStringLiteral("must be an array of namespace ids"));
            const QJsonArray ids = value.toArray();
            for (qsizetype i = 0; i < ids.size(); ++i) {
                const double number = ids.at(i).toDouble(-1);
                const qint64 id = qint64(number);
                if (!ids.at(i).isDouble() || number != double(id) || id <= 0)
                    return flagsError(QStringLiteral("%1[%2]").arg(key).arg(i), QStringLiteral("must be a positive integer"));
                flags.experimentNamespaceIds.insert(id);
            }
        } else if (key == QLatin1StringView("model_features")) {
            if (!value.isObject())
                return flagsError(key, QStringLiteral("must be an object of model endpoint name to feature id"));
            const QJsonObject map = value.toObject();
            for (auto m = map.begin(); m != map.end(); ++m) {
                const QString field = QStringLiteral("model_features.") + m.key();
                if (!m.value().isString())
                    return flagsError(field, QStringLiteral("must be a feature id (a string)"));
                if (!isKnownFeature(m.value().toString())) {
                    return flagsError(field, QStringLiteral("\"%1\" is not a feature the gateway serves")
                                                 .arg(m.value().toString()));
                }
                flags.modelFeatures.insert(m.key(), m.value().toString());
            }
        } else {
            const bool featureFlag = isCatalogFlag(key);
            return flagsError(key, featureFlag ? QStringLiteral("unknown key (a feature's own flag goes under \"flags\": "
                                                                "{\"flags\": {\"%1\": false}})").arg(key)
                                               : QStringLiteral("unknown key"));
        }
    }
    return flags;
}

QJsonObject featureFlagsToJson(const FeatureFlags &flags)
{
    QJsonObject object;
    object.insert(kGlobalSwitchFlag, flags.globalSwitch);
    object.insert(kDuoChatSwitchFlag, flags.duoChatSwitch);
    QJsonObject map;
    for (auto it = flags.flags.begin(); it != flags.flags.end(); ++it)
        map.insert(it.key(), it.value());
    object.insert(QStringLiteral("flags"), map);
    object.insert(QStringLiteral("experiment_features_enabled"), flags.experimentsEnabled);
    QList<qint64> ids(flags.experimentNamespaceIds.begin(), flags.experimentNamespaceIds.end());
    std::sort(ids.begin(), ids.end());
    QJsonArray array;
    for (qint64 id : ids)
        array.append(id);
    object.insert(QStringLiteral("experiment_namespace_ids"), array);
    if (!flags.modelFeatures.isEmpty()) {
        QJsonObject models;
        for (auto it = flags.modelFeatures.begin(); it != flags.modelFeatures.end(); ++it)
            models.insert(it.key(), it.value());
        object.insert(QStringLiteral("model_features"), models);
    }
    return object;
}

} // namespace airlock
