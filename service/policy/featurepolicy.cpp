#include "featurepolicy.h"

namespace airlock::policy {

Status checkFeatureAllowed(const FeatureFlags &flags, const Feature &feature,
                           const QList<qint64> &namespaceIdsFromHeader)
{
    if (!feature.servedByGateway) {
        return Error::make(QStringLiteral("feature_not_served"),
                           QStringLiteral("%1 runs on GitLab's own models, not on an AI gateway").arg(feature.id));
    }
    const bool switchOn = feature.chat ? flags.duoChatSwitch : flags.globalSwitch;
    if (!switchOn) {
        const QString flag = feature.chat ? QString(kDuoChatSwitchFlag) : QString(kGlobalSwitchFlag);
        return Error::make(QStringLiteral("flag_disabled"),
                           QStringLiteral("the feature flag %1 is disabled").arg(flag), flag);
    }
    if (!flags.flagEnabled(feature.flag)) {
        return Error::make(QStringLiteral("flag_disabled"),
                           QStringLiteral("the feature flag %1 is disabled").arg(feature.flag), feature.flag);
    }
    if (feature.stage == FeatureStage::Ga || flags.experimentsEnabled)
        return {};
    for (qint64 id : namespaceIdsFromHeader) {
        if (flags.experimentNamespaceIds.contains(id))
            return {};
    }
    return Error::make(QStringLiteral("stage_not_enabled"),
                       QStringLiteral("%1 is a %2 feature and experiment and beta features are not enabled "
                                      "for this namespace")
                           .arg(feature.id, stageName(feature.stage)),
                       QStringLiteral("stage"));
}

QList<qint64> parseNamespaceIdsHeader(QByteArrayView value)
{
    QList<qint64> ids;
    const QList<QByteArray> tokens = value.toByteArray().split(',');
    for (const QByteArray &token : tokens) {
        bool ok = false;
        const qint64 id = token.trimmed().toLongLong(&ok);
        if (ok && id > 0 && !ids.contains(id))
            ids.append(id);
    }
    return ids;
}

} // namespace airlock::policy
