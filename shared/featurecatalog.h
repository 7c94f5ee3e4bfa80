#pragma once

// The GitLab Duo feature catalog: every feature of GitLab's feature table and feature enum, with its
// display names (English, Korean), stage, feature flag, the GitLab AI gateway routes that carry it and
// the model families known to suit it.
//
// Contract
// - The catalog is data, not code: resources/features.json, compiled into airlock_shared as
//   ":/airlock/features.json". FeatureCatalog::instance() loads and validates it once (thread-safe,
//   on first use) and is immutable afterwards; a malformed compiled-in catalog is a build defect and
//   aborts with the validation error (tst_featurecatalog loads it on every build).
// - fromJson() parses any catalog text with the same validation (tests, tools). Errors name the
//   feature and field: "features[3].stage".
// - Features GitLab serves with its own non-LLM models (suggested reviewers, value stream forecasting)
//   are listed with servedByGateway = false and no routes; knownFeatureIds() leaves them out.

#include "modelendpoint.h"
#include "result.h"

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>

#include <memory>

namespace airlock {

enum class FeatureStage { Experiment, Beta, Ga };

// "experiment", "beta", "ga".
QString stageName(FeatureStage stage);
std::optional<FeatureStage> stageFromName(QStringView name);

// One GitLab AI gateway route: a route pattern as GitLab's gateway spells it ("/v2/code/completions",
// "/v1/chat/{invokable}", "/v1/prompts/{prompt_id}") and the invokable or prompt id it takes there
// (empty for routes without one).
struct FeatureRoute
{
    QString endpoint;
    QString invokable;

    friend bool operator==(const FeatureRoute &, const FeatureRoute &) = default;
};

struct Feature
{
    QString id;            // GitLab's feature enum value ("duo_chat_explain_code")
    QString nameEn;
    QString nameKo;
    FeatureStage stage = FeatureStage::Ga;
    QString flag;          // the feature's own flag ("ai_duo_chat_explain_code")
    bool chat = false;     // governed by ai_duo_chat_switch; otherwise by ai_global_switch
    QString endpoint;      // primary route (routes.first()), empty when not served by a gateway
    QString invokable;
    QList<FeatureRoute> routes;
    QList<ModelFamily> families; // known to suit the feature
    bool servedByGateway = true;
    // false: the gateway relays the client's body as it is, with no prompt of its own (embeddings)
    bool prompted = true;

    bool suits(ModelFamily family) const { return families.contains(family); }
};

class FeatureCatalog
{
public:
    // The compiled-in catalog (":/airlock/features.json").
    static const FeatureCatalog &instance();
    static QString resourcePath() { return QStringLiteral(":/airlock/features.json"); }

    static Result<FeatureCatalog> fromJson(const QByteArray &json);

    const QList<Feature> &features() const { return m_features; }
    const Feature *find(QStringView id) const;
    // The feature a GitLab route carries: `endpoint` is the route pattern (see FeatureRoute) and
    // `invokable` the invokable / prompt id, empty for routes without one. nullptr when none.
    const Feature *findByRoute(QStringView endpoint, QStringView invokable) const;
    // Ids of the features a gateway serves, in catalog order.
    QStringList gatewayFeatureIds() const;

private:
    QList<Feature> m_features;
};

} // namespace airlock
