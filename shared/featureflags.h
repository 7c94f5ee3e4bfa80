#pragma once

// The admin's feature flags and stage gate, as configured (the "flags" block of the declarative
// file). service/policy/featurepolicy.h decides with them whether a request's feature may be served.

#include "result.h"

#include <QJsonObject>
#include <QMap>
#include <QSet>
#include <QString>

namespace airlock {

inline constexpr QLatin1StringView kGlobalSwitchFlag{"ai_global_switch"};
inline constexpr QLatin1StringView kDuoChatSwitchFlag{"ai_duo_chat_switch"};

struct FeatureFlags
{
    bool globalSwitch = true;          // ai_global_switch: every non-chat feature
    bool duoChatSwitch = true;         // ai_duo_chat_switch: every chat feature
    QMap<QString, bool> flags;         // per-feature flag name -> on/off; a flag not listed is on
    bool experimentsEnabled = false;   // experiment and beta features for everyone
    QSet<qint64> experimentNamespaceIds; // ... or for these namespaces only
    // model_features: model endpoint name -> the feature an OpenAI request naming that endpoint directly
    // is checked as (service/policy/requestpolicy.h); an endpoint not listed maps to the features it serves.
    QMap<QString, QString> modelFeatures;

    bool flagEnabled(const QString &flag) const { return flags.value(flag, true); }

    friend bool operator==(const FeatureFlags &, const FeatureFlags &) = default;
};

// JSON form, for the declarative config:
//   {"ai_global_switch":true,"ai_duo_chat_switch":true,"flags":{"ai_summarize_review":false},
//    "experiment_features_enabled":false,"experiment_namespace_ids":[9970],
//    "model_features":{"codestral-a":"code_generations"}}
// Every key is optional (defaults as in FeatureFlags). Unknown keys, wrong types, flags that are not a
// catalog feature's flag and model_features values that are not a gateway feature are errors naming the
// key relative to the block ("ai_nope", "flags.ai_nope", "model_features.m1"), code
// "invalid_feature_flags". Whether model_features names registered endpoints is checked with the whole
// configuration (validateGatewayConfig).
Result<FeatureFlags> featureFlagsFromJson(const QJsonObject &object);
QJsonObject featureFlagsToJson(const FeatureFlags &flags);

} // namespace airlock
