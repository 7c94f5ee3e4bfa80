#pragma once

// Feature flags and stages: whether a GitLab Duo feature may be served for a request.
//
// Rules (GitLab's own, see the AI feature development guide):
// - chat features need `ai_duo_chat_switch`, every other feature `ai_global_switch`;
// - each feature needs its own flag (Feature::flag); flags are on unless the admin turned them off;
// - experiment and beta features are served only where experiment features are enabled: globally
//   (experimentsEnabled), or for a namespace the admin listed that also appears in the request's
//   `X-Gitlab-Feature-Enabled-By-Namespace-Ids` header;
// - features GitLab serves with its own non-LLM models are never served by the gateway.
// Dialect-free: the GitLab adapter maps the error codes to 403 bodies.

#include "featurecatalog.h"
#include "result.h"

#include <QByteArrayView>
#include <QJsonObject>
#include <QMap>
#include <QSet>

namespace airlock::routing {

inline constexpr QLatin1StringView kGlobalSwitchFlag{"ai_global_switch"};
inline constexpr QLatin1StringView kDuoChatSwitchFlag{"ai_duo_chat_switch"};

struct FeatureFlags
{
    bool globalSwitch = true;          // ai_global_switch: every non-chat feature
    bool duoChatSwitch = true;         // ai_duo_chat_switch: every chat feature
    QMap<QString, bool> flags;         // per-feature flag name -> on/off; a flag not listed is on
    bool experimentsEnabled = false;   // experiment and beta features for everyone
    QSet<qint64> experimentNamespaceIds; // ... or for these namespaces only

    bool flagEnabled(const QString &flag) const { return flags.value(flag, true); }

    friend bool operator==(const FeatureFlags &, const FeatureFlags &) = default;
};

// Success, or one of:
//   "flag_disabled"      the message and Error::field name the flag (a switch or the feature's own flag)
//   "stage_not_enabled"  the message names the stage ("beta") and Error::field is "stage"
//   "feature_not_served" the feature runs on GitLab's own non-LLM models
Status checkFeatureAllowed(const FeatureFlags &flags, const Feature &feature,
                           const QList<qint64> &namespaceIdsFromHeader);

// Parses `X-Gitlab-Feature-Enabled-By-Namespace-Ids` ("12,34, 56"). Tokens that are not positive
// integers are skipped: the header only ever widens access, so dropping a malformed id is the safe side.
QList<qint64> parseNamespaceIdsHeader(QByteArrayView value);

// JSON form, for the declarative config:
//   {"ai_global_switch":true,"ai_duo_chat_switch":true,"flags":{"ai_summarize_review":false},
//    "experiment_features_enabled":false,"experiment_namespace_ids":[9970]}
// Every key is optional (defaults as in FeatureFlags). Unknown keys and flags that are not a catalog
// feature's flag are errors naming the key ("flags.ai_nope"), code "invalid_feature_flags".
Result<FeatureFlags> featureFlagsFromJson(const QJsonObject &object);
QJsonObject featureFlagsToJson(const FeatureFlags &flags);

} // namespace airlock::routing
