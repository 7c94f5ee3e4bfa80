#pragma once

// Models, feature assignments and settings as stored in a Database.
//
// Contract
// - ConfigStore does not own the Database; the Database must outlive it, and the thread rule of
//   Database applies (use both from the thread that opened the Database).
// - Every write validates first (validateGatewayConfig / validateEndpoint / the feature catalog) and
//   then runs in one transaction: it either happens completely or not at all.
// - Secrets: api keys are stored and returned as given. Nothing here logs them; what leaves the gateway
//   is the caller's business (serializeGatewayConfig omits them by default).
// - Feature assignments: a feature is either assigned to a model, explicitly "disabled" (kDisabled;
//   stored as a NULL model_name), or absent from GatewayConfig::features (unassigned: the router's
//   default applies).

#include "database.h"
#include "gatewayconfig.h"

namespace airlock {

class ConfigStore {
public:
    explicit ConfigStore(Database &database) : m_db(database) { }

    // The stored configuration. Models come back ordered by name (code-unit order, the
    // same on every database engine).
    Result<GatewayConfig> load();

    // The declarative import: afterwards the stored models and assignments are exactly `config`'s
    // (models and assignments not in it are deleted). Written as given, api keys included: a model
    // whose api_key is empty is stored without a key, it does not keep a previously stored one.
    // Settings are not touched.
    Status replace(const GatewayConfig &config);

    // Adds the model or overwrites every field of the one with the same name (api_key included, as given).
    Status upsertModel(const ModelEndpoint &model);
    // Refused with "not_found" when there is no such model and "model_in_use" (naming the features)
    // while features are assigned to it.
    Status removeModel(const QString &name);
    // `modelNameOrDisabled` is a registered model's name or kDisabled. Errors: "unknown_feature",
    // "unknown_model".
    Status assignFeature(const QString &feature, const QString &modelNameOrDisabled);

    // Free-form key/value settings. setting() fails with "not_found" for a key never set.
    Result<QString> setting(const QString &key);
    Status setSetting(const QString &key, const QString &value);

private:
    Status writeModel(const ModelEndpoint &model, const QString &now);
    // `route`: the feature's tiers when it has more than one model (stored as JSON), else nullptr.
    Status writeAssignment(const QString &feature, const QString &modelNameOrDisabled, const ModelRoute *route = nullptr);
    Result<bool> modelExists(const QString &name);

    Database &m_db;
};

} // namespace airlock
