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
#include "featureflags.h"
#include "result.h"

#include <QByteArrayView>

namespace airlock::policy {

// Success, or one of:
//   "flag_disabled"      the message and Error::field name the flag (a switch or the feature's own flag)
//   "stage_not_enabled"  the message names the stage ("beta") and Error::field is "stage"
//   "feature_not_served" the feature runs on GitLab's own non-LLM models
Status checkFeatureAllowed(const FeatureFlags &flags, const Feature &feature,
                           const QList<qint64> &namespaceIdsFromHeader);

// Parses `X-Gitlab-Feature-Enabled-By-Namespace-Ids` ("12,34, 56"). Tokens that are not positive
// integers are skipped: the header only ever widens access, so dropping a malformed id is the safe side.
QList<qint64> parseNamespaceIdsHeader(QByteArrayView value);

} // namespace airlock::policy
