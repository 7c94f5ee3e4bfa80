#include "configstore.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include "featureids.h"

#include <QUrl>

#include <algorithm>

namespace airlock {

namespace {
// The settings row that holds the declarative feature flags.
constexpr QLatin1StringView kFlagsSetting{"feature_flags"};
// The settings row that holds the declarative resilience section (routeconfig.h).
constexpr QLatin1StringView kResilienceSetting{"resilience"};
} // namespace


namespace {

QVariant modelColumn(const QString &modelNameOrDisabled)
{
    // NULL = disabled, so the foreign key to model_endpoints holds for every real model name.
    return modelNameOrDisabled == kDisabled ? QVariant(QMetaType(QMetaType::QString))
                                            : QVariant(modelNameOrDisabled);
}

// Qt Sql binds a null QString as SQL NULL; the text columns are NOT NULL and "" is what we mean.
QString text(const QString &value)
{
    return value.isNull() ? QStringLiteral("") : value;
}

// NULL for the default kind, so that a store written before "server" existed reads the same.
QVariant serverColumn(const ModelEndpoint &m)
{
    return m.server == ServerKind::OpenAi ? QVariant(QMetaType::fromType<QString>()) : QVariant(serverKindName(m.server));
}

QVariant replicasColumn(const ModelEndpoint &m)
{
    if (m.replicas.isEmpty())
        return QVariant(QMetaType::fromType<QString>()); // NULL
    QJsonArray list;
    for (const ModelReplica &r : m.replicas)
        list.append(QJsonObject{{QStringLiteral("base_url"), r.baseUrl.toString()}, {QStringLiteral("weight"), r.weight}});
    return QString::fromUtf8(QJsonDocument(list).toJson(QJsonDocument::Compact));
}

Error corrupt(const QString &what)
{
    return Error::make(QStringLiteral("corrupt_store"), what);
}

} // namespace

Result<GatewayConfig> ConfigStore::load()
{
    GatewayConfig config;
    auto models = m_db.run(QStringLiteral("SELECT name, family, base_url, identifier, api_key, "
                                          "max_concurrency, connect_ms, first_byte_ms, idle_ms, "
                                          "total_ms, replicas, server FROM model_endpoints"));
    if (!models)
        return models.error();
    while (models->next()) {
        const QSqlQuery &q = *models;
        ModelEndpoint m;
        m.name = q.value(0).toString();
        const auto family = familyFromName(q.value(1).toString());
        if (!family) {
            return corrupt(QStringLiteral("stored model \"%1\" has an unknown family \"%2\"")
                               .arg(m.name, q.value(1).toString()));
        }
        m.family = *family;
        m.baseUrl = QUrl(q.value(2).toString(), QUrl::StrictMode);
        m.identifier = q.value(3).toString();
        m.apiKey = q.value(4).toString();
        m.maxConcurrency = q.value(5).toInt();
        m.timeouts.connectMs = q.value(6).toInt();
        m.timeouts.firstByteMs = q.value(7).toInt();
        m.timeouts.idleMs = q.value(8).toInt();
        m.timeouts.totalMs = q.value(9).toInt();
        if (!q.value(10).isNull()) {
            const QJsonArray replicas = QJsonDocument::fromJson(q.value(10).toString().toUtf8()).array();
            for (const QJsonValue &r : replicas) {
                m.replicas.append(ModelReplica{QUrl(r[QLatin1String("base_url")].toString(), QUrl::StrictMode),
                                               r[QLatin1String("weight")].toInt(1)});
            }
            if (m.replicas.isEmpty())
                return corrupt(QStringLiteral("stored model \"%1\" has an unreadable replica list").arg(m.name));
            m.baseUrl = m.replicas.constFirst().baseUrl;
        }
        if (!q.value(11).isNull()) {
            const auto server = serverKindFromName(q.value(11).toString());
            if (!server) {
                return corrupt(QStringLiteral("stored model \"%1\" has an unknown server kind \"%2\"")
                                   .arg(m.name, q.value(11).toString()));
            }
            m.server = *server;
        }
        config.models.append(std::move(m));
    }
    models->finish();
    // Sorted here rather than with ORDER BY: collation differs between SQLite and PostgreSQL.
    std::sort(config.models.begin(), config.models.end(),
        [](const ModelEndpoint &a, const ModelEndpoint &b) { return a.name < b.name; });

    auto features = m_db.run(QStringLiteral("SELECT feature, model_name, route FROM feature_assignments"));
    if (!features)
        return features.error();
    while (features->next()) {
        const QString feature = features->value(0).toString();
        const QVariant model = features->value(1);
        config.features.insert(feature, model.isNull() ? QString(kDisabled) : model.toString());
        if (!features->value(2).isNull()) {
            auto route = parseModelRoute(QJsonDocument::fromJson(features->value(2).toString().toUtf8()).object(),
                                           QStringLiteral("features.") + feature);
            if (!route)
                return corrupt(QStringLiteral("stored route of \"%1\" is unreadable: %2").arg(feature, route.error().message));
            config.routes.insert(feature, std::move(route).value());
        }
    }
    features->finish();
    auto flags = m_db.run(QStringLiteral("SELECT value FROM settings WHERE key = ?"), { QString(kFlagsSetting) });
    if (!flags)
        return flags.error();
    if (flags->next())
        config.flags = QJsonDocument::fromJson(flags->value(0).toString().toUtf8()).object();
    flags->finish();
    auto resilience = m_db.run(QStringLiteral("SELECT value FROM settings WHERE key = ?"), { QString(kResilienceSetting) });
    if (!resilience)
        return resilience.error();
    if (resilience->next()) {
        auto parsed = parseResilienceConfig(QJsonDocument::fromJson(resilience->value(0).toString().toUtf8()).object());
        if (!parsed)
            return corrupt(QStringLiteral("stored resilience settings are unreadable: %1").arg(parsed.error().message));
        config.resilience = std::move(parsed).value();
    }
    return config;
}

Status ConfigStore::writeModel(const ModelEndpoint &m, const QString &now)
{
    // Portable upsert (SQLite >= 3.24, PostgreSQL >= 9.5); created_at survives an update.
    return m_db.exec(
        QStringLiteral(
            "INSERT INTO model_endpoints (name, family, base_url, identifier, api_key, max_concurrency, "
            "connect_ms, first_byte_ms, idle_ms, total_ms, replicas, server, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (name) DO UPDATE SET family = excluded.family, base_url = excluded.base_url, "
            "identifier = excluded.identifier, api_key = excluded.api_key, "
            "max_concurrency = excluded.max_concurrency, connect_ms = excluded.connect_ms, "
            "first_byte_ms = excluded.first_byte_ms, idle_ms = excluded.idle_ms, "
            "total_ms = excluded.total_ms, replicas = excluded.replicas, server = excluded.server, "
            "updated_at = excluded.updated_at"),
        { m.name, familyName(m.family), m.baseUrl.toString(), text(m.identifier), text(m.apiKey),
            m.maxConcurrency, m.timeouts.connectMs, m.timeouts.firstByteMs, m.timeouts.idleMs,
            m.timeouts.totalMs, replicasColumn(m), serverColumn(m), now, now });
}

Status ConfigStore::writeAssignment(const QString &feature, const QString &modelNameOrDisabled, const ModelRoute *route)
{
    // A plain assignment clears a route the feature had: the admin chose one model.
    const QVariant routeJson = route
        ? QVariant(QString::fromUtf8(QJsonDocument(modelRouteToJson(*route)).toJson(QJsonDocument::Compact)))
        : QVariant(QMetaType::fromType<QString>());
    return m_db.exec(QStringLiteral("INSERT INTO feature_assignments (feature, model_name, route) VALUES (?, ?, ?) "
                                    "ON CONFLICT (feature) DO UPDATE SET model_name = excluded.model_name, "
                                    "route = excluded.route"),
        { feature, modelColumn(modelNameOrDisabled), routeJson });
}

Result<bool> ConfigStore::modelExists(const QString &name)
{
    auto q = m_db.run(QStringLiteral("SELECT 1 FROM model_endpoints WHERE name = ?"), { name });
    if (!q)
        return q.error();
    return q->next();
}

Status ConfigStore::replace(const GatewayConfig &config)
{
    if (auto st = validateGatewayConfig(config); !st)
        return st;
    const QString now = Database::timestampNow();
    Status st = m_db.transaction([&]() -> Status {
        // Assignments first: they reference the models. Models that survive the import are upserted
        // rather than re-inserted so that their created_at is kept.
        if (auto s = m_db.exec(QStringLiteral("DELETE FROM feature_assignments")); !s)
            return s;
        QVariantList keep;
        QStringList placeholders;
        for (const ModelEndpoint &m : config.models) {
            keep << m.name;
            placeholders << QStringLiteral("?");
        }
        const QString deleteSql = keep.isEmpty()
            ? QStringLiteral("DELETE FROM model_endpoints")
            : QStringLiteral("DELETE FROM model_endpoints WHERE name NOT IN (%1)")
                  .arg(placeholders.join(QLatin1Char(',')));
        if (auto s = m_db.exec(deleteSql, keep); !s)
            return s;
        for (const ModelEndpoint &m : config.models) {
            if (auto s = writeModel(m, now); !s)
                return s;
        }
        for (auto it = config.features.begin(); it != config.features.end(); ++it) {
            const auto route = config.routes.constFind(it.key());
            if (auto s = writeAssignment(it.key(), it.value(), route == config.routes.cend() ? nullptr : &*route); !s)
                return s;
        }
        const QString resilience = QString::fromUtf8(
            QJsonDocument(resilienceConfigToJson(config.resilience)).toJson(QJsonDocument::Compact));
        if (auto s = m_db.exec(QStringLiteral("INSERT INTO settings (key, value) VALUES (?, ?) "
                                              "ON CONFLICT (key) DO UPDATE SET value = excluded.value"),
                               { QString(kResilienceSetting), resilience });
            !s)
            return s;
        // Feature flags are part of the declarative configuration: replaced with it.
        const QString flags = QString::fromUtf8(QJsonDocument(config.flags).toJson(QJsonDocument::Compact));
        return m_db.exec(QStringLiteral("INSERT INTO settings (key, value) VALUES (?, ?) "
                                        "ON CONFLICT (key) DO UPDATE SET value = excluded.value"),
                         { QString(kFlagsSetting), flags });
    });
    if (st) {
        qCInfo(lcStorage) << "configuration replaced:" << config.models.size() << "models,"
                          << config.features.size() << "feature assignments";
    }
    return st;
}

Status ConfigStore::upsertModel(const ModelEndpoint &model)
{
    if (auto st = validateEndpoint(model, QStringLiteral("model")); !st)
        return st;
    Status st = m_db.transaction([&] { return writeModel(model, Database::timestampNow()); });
    if (st)
        qCInfo(lcStorage) << "model saved:" << model.name;
    return st;
}

Status ConfigStore::removeModel(const QString &name)
{
    Status st = m_db.transaction([&]() -> Status {
        auto exists = modelExists(name);
        if (!exists)
            return exists.error();
        if (!*exists) {
            return Error::make(QStringLiteral("not_found"), QStringLiteral("no model named \"%1\"").arg(name),
                QStringLiteral("name"));
        }
        auto users = m_db.run(QStringLiteral("SELECT feature, model_name, route FROM feature_assignments ORDER BY feature"));
        if (!users)
            return users.error();
        QStringList features;
        while (users->next()) {
            bool named = users->value(1).toString() == name;
            if (!named && !users->value(2).isNull()) {
                const auto route = parseModelRoute(
                    QJsonDocument::fromJson(users->value(2).toString().toUtf8()).object(), QStringLiteral("route"));
                named = route && route->models().contains(name);
            }
            if (named)
                features << users->value(0).toString();
        }
        users->finish();
        if (!features.isEmpty()) {
            return Error::make(QStringLiteral("model_in_use"),
                QStringLiteral("model \"%1\" is still assigned to %2: %3; assign those features to "
                               "another model or disable them first")
                    .arg(name, features.size() == 1 ? QStringLiteral("feature") : QStringLiteral("features"),
                        features.join(QStringLiteral(", "))),
                QStringLiteral("name"));
        }
        return m_db.exec(QStringLiteral("DELETE FROM model_endpoints WHERE name = ?"), { name });
    });
    if (st)
        qCInfo(lcStorage) << "model removed:" << name;
    return st;
}

Status ConfigStore::assignFeature(const QString &feature, const QString &modelNameOrDisabled)
{
    if (!isKnownFeature(feature)) {
        return Error::make(QStringLiteral("unknown_feature"),
            QStringLiteral("unknown feature \"%1\"").arg(feature), QStringLiteral("feature"));
    }
    Status st = m_db.transaction([&]() -> Status {
        if (modelNameOrDisabled != kDisabled) {
            auto exists = modelExists(modelNameOrDisabled);
            if (!exists)
                return exists.error();
            if (!*exists) {
                return Error::make(QStringLiteral("unknown_model"),
                    QStringLiteral("feature \"%1\" cannot be assigned to unknown model \"%2\"")
                        .arg(feature, modelNameOrDisabled),
                    QStringLiteral("model"));
            }
        }
        return writeAssignment(feature, modelNameOrDisabled);
    });
    if (st)
        qCInfo(lcStorage) << "feature" << feature << "assigned to" << modelNameOrDisabled;
    return st;
}

Result<QString> ConfigStore::setting(const QString &key)
{
    auto q = m_db.run(QStringLiteral("SELECT value FROM settings WHERE key = ?"), { key });
    if (!q)
        return q.error();
    if (!q->next()) {
        return Error::make(
            QStringLiteral("not_found"), QStringLiteral("no setting \"%1\"").arg(key), QStringLiteral("key"));
    }
    return q->value(0).toString();
}

Status ConfigStore::setSetting(const QString &key, const QString &value)
{
    // The value is not logged: the settings registry decides what is sensitive, not the store.
    return m_db.exec(QStringLiteral("INSERT INTO settings (key, value) VALUES (?, ?) "
                                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value"),
        { text(key), text(value) });
}

} // namespace airlock
