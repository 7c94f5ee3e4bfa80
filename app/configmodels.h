#pragma once

// List models over the gateway configuration the ConfigController holds.
//
// ModelListModel: the registered model endpoints (api keys are write-only: only whether one is stored);
// "replicas" is the form's list of servers (routeforms.h), one entry for an endpoint with just a base URL.
// FeatureListModel: the feature catalog (GET /api/v1/catalog) joined with the assignments and flags of
// the configuration: per feature its names, stage, flag state, assigned model and whether the assigned
// model's family is known to suit it, and its route as the route editor edits it (routeTiers,
// routeforms.h: a single model is one tier of one target, "disabled" no tier). Both are reset when the configuration or the catalog changes.

#include "gatewayconfig.h"

#include <QAbstractListModel>
#include <QJsonArray>

namespace airlock {

// A route's tiers with each target's share, as the Features page shows it: "m1 90 % · m2 10 % → m3".
// Empty for a route of a single model.
QString routeSummary(const ModelRoute &route);

class ModelListModel : public QAbstractListModel
{
    Q_OBJECT
    Q_PROPERTY(int count READ rowCount NOTIFY countChanged)
public:
    enum Role { NameRole = Qt::UserRole + 1, FamilyRole, BaseUrlRole, IdentifierRole, HasApiKeyRole,
                MaxConcurrencyRole, ConnectTimeoutRole, FirstByteTimeoutRole, IdleTimeoutRole, TotalTimeoutRole,
                AssignedFeaturesRole, ReplicaUrlsRole, ReplicasRole };
    Q_ENUM(Role)

    explicit ModelListModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    void setConfig(const GatewayConfig &config);
    // The row as a map with the role names as keys (for an edit form).
    Q_INVOKABLE QVariant get(int row) const; // a map: role name -> value
    Q_INVOKABLE int indexOf(const QString &name) const;

Q_SIGNALS:
    void countChanged();

private:
    QList<ModelEndpoint> m_models;
    QMap<QString, QString> m_features;
    QMap<QString, ModelRoute> m_routes;
};

class FeatureListModel : public QAbstractListModel
{
    Q_OBJECT
    Q_PROPERTY(int count READ rowCount NOTIFY countChanged)
    // Feature id -> its name in the language in force. For bindings (names[id]): unlike featureName(),
    // it notifies when the language or the catalog changes.
    Q_PROPERTY(QVariantMap names READ names NOTIFY namesChanged)
public:
    enum Role { IdRole = Qt::UserRole + 1, NameRole, NameEnRole, NameKoRole, StageRole, FlagRole, FlagEnabledRole,
                ChatRole, AssignedModelRole, AssignedFamilyRole, SuitsRole, FamiliesRole, RouteSummaryRole,
                RouteTiersRole };
    Q_ENUM(Role)

    explicit FeatureListModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    // `catalog`: the "features" array of GET /api/v1/catalog; features not served by a gateway are left out.
    void setCatalog(const QJsonArray &catalog);
    void setConfig(const GatewayConfig &config);
    // "ko" shows the Korean names in NameRole, anything else the English ones.
    void setLanguage(const QString &language);
    // The feature's name in the language in force (its id when the catalog does not have it). A binding
    // that calls it is not told when the language changes: QML reads names instead.
    Q_INVOKABLE QString featureName(const QString &id) const;
    QVariantMap names() const;
    Q_INVOKABLE QStringList featureIds() const;

Q_SIGNALS:
    void countChanged();
    void namesChanged();

private:
    QJsonArray m_catalog;
    GatewayConfig m_config;
    QString m_language;
};

} // namespace airlock
