#pragma once

// The policy step every dialect passes (GitLab, OpenAI, any later one): whether the admin lets this
// request's feature be served. It decides, in this order,
//   1. the switches: ai_duo_chat_switch for chat features, ai_global_switch for every other one;
//   2. the feature's own flag (flags.flags.<flag>);
//   3. the stage gate: experiment and beta features only where experiments are enabled (featurepolicy.h);
//   4. the feature assignment: a feature the admin set to "disabled" is refused.
// Success is a routing::PolicyClearance, which only this class can make and which
// routing::ProxyOperation::start() requires: a request that skipped the policy cannot be relayed.
//
// An OpenAI request may name a model endpoint instead of a feature. For the policy it is then the
// feature `flags.model_features` maps that endpoint to; without a mapping, every feature whose route
// uses the endpoint (each must be allowed: turning one of them off closes the direct path to its model
// too; a feature this namespace is not offered at all, an experiment with experiments off, does not
// count unless it is all the endpoint serves); an endpoint no feature uses is the `openai_api` feature
// (flag ai_openai_api).
//
// Error codes (Error::field names what decided):
//   "flag_disabled"      field: the switch or flag that is off ("ai_global_switch")
//   "stage_not_enabled"  field: "stage"
//   "feature_not_served" field: "model"; the feature runs on GitLab's own non-LLM models
//   "feature_disabled"   field: "features.<id>"; the admin's assignment is "disabled"
//   "unknown_feature"    field: "model"; not a catalog feature
//   "model_not_found"    field: "model"; (modelOrFeature only) neither a feature nor a registered endpoint
// Dialect-free: each dialect maps the codes to its statuses and bodies (403, 404 for model_not_found).

#include "featurecatalog.h"
#include "result.h"
#include "routing/configsnapshot.h"
#include "routing/policyclearance.h"

#include <QByteArrayView>
#include <QList>
#include <QStringList>

namespace airlock::policy {

inline constexpr QLatin1StringView kOpenAiApiFeature{"openai_api"};

class RequestPolicy
{
public:
    // `feature` is a feature id; `namespaceIds` from X-Gitlab-Feature-Enabled-By-Namespace-Ids.
    static Result<routing::PolicyClearance> authorize(const routing::ConfigSnapshot &snapshot,
                                                      const QString &feature, const QList<qint64> &namespaceIds);
    // An OpenAI `model`: a feature id, or a registered model endpoint's name (mapped as above).
    static Result<routing::PolicyClearance> authorizeModel(const routing::ConfigSnapshot &snapshot,
                                                           const QString &modelOrFeature,
                                                           const QList<qint64> &namespaceIds);
    // GitLab's "test model" call (/v1/prompts/model_configuration/check): no feature, but still a use
    // of a model: it needs ai_global_switch.
    static Result<routing::PolicyClearance> authorizeModelCheck(const routing::ConfigSnapshot &snapshot);

    // The features an endpoint named directly is checked as (see above); never empty.
    static QStringList featuresForEndpoint(const routing::ConfigSnapshot &snapshot, const QString &endpoint);
};

// Shorthands.
inline Result<routing::PolicyClearance> authorize(const routing::ConfigSnapshot &snapshot, const QString &feature,
                                                  const QList<qint64> &namespaceIds)
{
    return RequestPolicy::authorize(snapshot, feature, namespaceIds);
}

} // namespace airlock::policy
