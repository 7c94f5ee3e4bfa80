#include "gatewayconfig.h"

#include "configjson.h"
#include "featureflags.h"
#include "featureids.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QSet>

namespace airlock {

using namespace configjson;

const ModelEndpoint *GatewayConfig::findModel(QStringView name) const
{
    for (const ModelEndpoint &m : models) {
        if (m.name == name)
            return &m;
    }
    return nullptr;
}

Result<ModelEndpoint> parseModelEndpoint(const QJsonObject &o, const QString &where)
{
    if (auto st = checkKeys(o, where, {"name", "family", "base_url", "replicas", "identifier", "api_key",
                                       "max_concurrency", "timeouts_ms", "server"});
        !st) {
        return st.error();
    }
    ModelEndpoint e;
    auto name = readString(o, "name", where, true);
    if (!name)
        return name.error();
    e.name = *name;

    auto family = readString(o, "family", where, true);
    if (!family)
        return family.error();
    const auto f = familyFromName(*family);
    if (!f) {
        const QString path = where + QStringLiteral(".family");
        return Error::make(QStringLiteral("invalid_value"),
                           QStringLiteral("%1: unknown model family \"%2\" (known: %3)")
                               .arg(path, *family, allFamilyNames().join(QStringLiteral(", "))),
                           path);
    }
    e.family = *f;

    const QJsonValue replicas = o.value(QLatin1String("replicas"));
    if (replicas.isUndefined()) {
        auto baseUrl = readString(o, "base_url", where, true);
        if (!baseUrl)
            return baseUrl.error();
        e.baseUrl = QUrl(*baseUrl, QUrl::StrictMode);
    } else {
        const QString rp = join(where, "replicas");
        if (o.contains(QLatin1String("base_url")))
            return invalidValue(join(where, "base_url"), QStringLiteral("and replicas exclude each other: give one of them"));
        if (!replicas.isArray() || replicas.toArray().isEmpty())
            return wrongType(rp, "a non-empty array of {\"base_url\": ..., \"weight\": ...}");
        const QJsonArray list = replicas.toArray();
        for (qsizetype i = 0; i < list.size(); ++i) {
            const QString at = rp + QStringLiteral("[%1]").arg(i);
            if (!list.at(i).isObject())
                return wrongType(at, "an object {\"base_url\": ..., \"weight\": ...}");
            const QJsonObject r = list.at(i).toObject();
            if (auto st = checkKeys(r, at, {"base_url", "weight"}); !st)
                return st.error();
            auto url = readString(r, "base_url", at, true);
            if (!url)
                return url.error();
            auto weight = readInt(r, "weight", at, 1);
            if (!weight)
                return weight.error();
            e.replicas.append(ModelReplica{QUrl(*url, QUrl::StrictMode), *weight});
        }
        e.baseUrl = e.replicas.constFirst().baseUrl;
    }

    auto server = readString(o, "server", where, false);
    if (!server)
        return server.error();
    if (!server->isNull()) {
        const auto kind = serverKindFromName(*server);
        if (!kind) {
            const QString path = join(where, "server");
            return Error::make(QStringLiteral("invalid_value"),
                               QStringLiteral("%1: unknown server kind \"%2\" (known: %3)")
                                   .arg(path, *server, allServerKindNames().join(QStringLiteral(", "))),
                               path);
        }
        e.server = *kind;
    }

    auto identifier = readString(o, "identifier", where, true);
    if (!identifier)
        return identifier.error();
    e.identifier = *identifier;

    auto apiKey = readString(o, "api_key", where, false);
    if (!apiKey)
        return apiKey.error();
    e.apiKey = *apiKey;

    auto cap = readInt(o, "max_concurrency", where, e.maxConcurrency);
    if (!cap)
        return cap.error();
    e.maxConcurrency = *cap;

    const QJsonValue timeouts = o.value(QLatin1String("timeouts_ms"));
    if (!timeouts.isUndefined()) {
        const QString tw = where + QStringLiteral(".timeouts_ms");
        if (!timeouts.isObject())
            return wrongType(tw, "an object");
        const QJsonObject t = timeouts.toObject();
        if (auto st = checkKeys(t, tw, {"connect", "first_byte", "idle", "total"}); !st)
            return st.error();
        std::array<std::pair<const char *, int *>, 4> fields{{{"connect", &e.timeouts.connectMs},
                                                              {"first_byte", &e.timeouts.firstByteMs},
                                                              {"idle", &e.timeouts.idleMs},
                                                              {"total", &e.timeouts.totalMs}}};
        for (auto &[key, target] : fields) {
            auto v = readInt(t, key, tw, *target);
            if (!v)
                return v.error();
            *target = *v;
        }
    }
    if (auto st = validateEndpoint(e, where); !st)
        return st.error();
    return e;
}

Result<GatewayConfig> parseGatewayConfig(const QByteArray &json)
{
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        return Error::make(QStringLiteral("invalid_json"),
                           QStringLiteral("the configuration is not valid JSON: %1 at offset %2")
                               .arg(parseError.errorString())
                               .arg(parseError.offset));
    }
    if (!doc.isObject())
        return Error::make(QStringLiteral("invalid_type"), QStringLiteral("the configuration must be a JSON object"));
    const QJsonObject root = doc.object();
    if (auto st = checkKeys(root, QString(), {"models", "features", "flags", "resilience"}); !st)
        return st.error();

    GatewayConfig config;
    const QJsonValue models = root.value(QLatin1String("models"));
    if (!models.isUndefined()) {
        if (!models.isArray())
            return wrongType(QStringLiteral("models"), "an array");
        const QJsonArray list = models.toArray();
        for (qsizetype i = 0; i < list.size(); ++i) {
            const QString where = QStringLiteral("models[%1]").arg(i);
            if (!list.at(i).isObject())
                return wrongType(where, "an object");
            auto endpoint = parseModelEndpoint(list.at(i).toObject(), where);
            if (!endpoint)
                return endpoint.error();
            config.models.append(std::move(endpoint).value());
        }
    }
    const QJsonValue features = root.value(QLatin1String("features"));
    if (!features.isUndefined()) {
        if (!features.isObject())
            return wrongType(QStringLiteral("features"), "an object");
        const QJsonObject map = features.toObject();
        for (auto it = map.begin(); it != map.end(); ++it) {
            const QString path = QStringLiteral("features.") + it.key();
            if (it.value().isString()) {
                config.features.insert(it.key(), it.value().toString());
                continue;
            }
            auto route = parseModelRoute(it.value(), path);
            if (!route)
                return route.error();
            config.features.insert(it.key(), route->primaryModel());
            config.routes.insert(it.key(), std::move(route).value());
        }
    }
    const QJsonValue flags = root.value(QLatin1String("flags"));
    if (!flags.isUndefined()) {
        if (!flags.isObject())
            return wrongType(QStringLiteral("flags"), "an object");
        config.flags = flags.toObject();
    }
    const QJsonValue resilience = root.value(QLatin1String("resilience"));
    if (!resilience.isUndefined()) {
        auto parsed = parseResilienceConfig(resilience);
        if (!parsed)
            return parsed.error();
        config.resilience = std::move(parsed).value();
    }
    if (auto st = validateGatewayConfig(config); !st)
        return st.error();
    return config;
}

Status validateGatewayConfig(const GatewayConfig &config)
{
    QSet<QString> names;
    for (qsizetype i = 0; i < config.models.size(); ++i) {
        const ModelEndpoint &m = config.models.at(i);
        const QString where = QStringLiteral("models[%1]").arg(i);
        if (auto st = validateEndpoint(m, where); !st)
            return st;
        if (names.contains(m.name)) {
            return Error::make(QStringLiteral("duplicate_name"),
                               QStringLiteral("%1.name: model \"%2\" is defined twice").arg(where, m.name),
                               where + QStringLiteral(".name"));
        }
        names.insert(m.name);
    }
    for (auto it = config.features.begin(); it != config.features.end(); ++it) {
        const QString path = QStringLiteral("features.") + it.key();
        if (!isKnownFeature(it.key())) {
            return Error::make(QStringLiteral("unknown_feature"),
                               QStringLiteral("%1: unknown feature \"%2\"").arg(path, it.key()), path);
        }
        const auto route = config.routes.constFind(it.key());
        if (route != config.routes.cend()) {
            if (route->primaryModel() != it.value()) {
                return Error::make(QStringLiteral("invalid_value"),
                                   QStringLiteral("%1: the route's first model is \"%2\", the assignment says \"%3\"")
                                       .arg(path, route->primaryModel(), it.value()),
                                   path);
            }
            for (const QString &model : route->models()) {
                if (!names.contains(model)) {
                    return Error::make(QStringLiteral("unknown_model"),
                                       QStringLiteral("%1: feature \"%2\" routes to unknown model \"%3\"")
                                           .arg(path, it.key(), model),
                                       path);
                }
            }
            continue;
        }
        if (it.value() != kDisabled && !names.contains(it.value())) {
            return Error::make(QStringLiteral("unknown_model"),
                               QStringLiteral("%1: feature \"%2\" is assigned to unknown model \"%3\"")
                                   .arg(path, it.key(), it.value()),
                               path);
        }
    }
    // The flags are kept as JSON (the console edits them) but must read as FeatureFlags: a flag that
    // does not parse would otherwise fall back to its default, which is "on".
    auto flags = featureFlagsFromJson(config.flags);
    if (!flags) {
        const QString path = QStringLiteral("flags.") + flags.error().field;
        QString message = flags.error().message;
        if (message.startsWith(flags.error().field))
            message = QStringLiteral("flags.") + message;
        return Error::make(flags.error().code, message, path);
    }
    for (auto it = flags->modelFeatures.cbegin(); it != flags->modelFeatures.cend(); ++it) {
        if (!names.contains(it.key())) {
            const QString path = QStringLiteral("flags.model_features.") + it.key();
            return Error::make(QStringLiteral("unknown_model"),
                               QStringLiteral("%1: \"%2\" is not a registered model endpoint").arg(path, it.key()),
                               path);
        }
    }
    return {};
}

QJsonObject modelEndpointToJson(const ModelEndpoint &e, Secrets secrets)
{
    QJsonObject o{
        {QStringLiteral("name"), e.name},
        {QStringLiteral("family"), familyName(e.family)},
        {QStringLiteral("base_url"), e.baseUrl.toString()},
        {QStringLiteral("identifier"), e.identifier},
        {QStringLiteral("max_concurrency"), e.maxConcurrency},
        {QStringLiteral("timeouts_ms"),
         QJsonObject{{QStringLiteral("connect"), e.timeouts.connectMs},
                     {QStringLiteral("first_byte"), e.timeouts.firstByteMs},
                     {QStringLiteral("idle"), e.timeouts.idleMs},
                     {QStringLiteral("total"), e.timeouts.totalMs}}},
    };
    if (!e.replicas.isEmpty()) {
        o.remove(QStringLiteral("base_url"));
        QJsonArray replicas;
        for (const ModelReplica &r : e.replicas)
            replicas.append(QJsonObject{{QStringLiteral("base_url"), r.baseUrl.toString()}, {QStringLiteral("weight"), r.weight}});
        o.insert(QStringLiteral("replicas"), replicas);
    }
    if (e.server != ServerKind::OpenAi)
        o.insert(QStringLiteral("server"), serverKindName(e.server));
    if (secrets == Secrets::Include && !e.apiKey.isEmpty())
        o.insert(QStringLiteral("api_key"), e.apiKey);
    return o;
}

QByteArray serializeGatewayConfig(const GatewayConfig &config, Secrets secrets)
{
    QJsonArray models;
    for (const ModelEndpoint &m : config.models)
        models.append(modelEndpointToJson(m, secrets));
    QJsonObject features;
    for (auto it = config.features.begin(); it != config.features.end(); ++it) {
        const auto route = config.routes.constFind(it.key());
        if (route != config.routes.cend())
            features.insert(it.key(), modelRouteToJson(*route));
        else
            features.insert(it.key(), it.value());
    }
    QJsonObject root{{QStringLiteral("models"), models}, {QStringLiteral("features"), features}};
    if (!config.flags.isEmpty())
        root.insert(QStringLiteral("flags"), config.flags);
    if (const QJsonObject resilience = resilienceConfigToJson(config.resilience); !resilience.isEmpty())
        root.insert(QStringLiteral("resilience"), resilience);
    return QJsonDocument(root).toJson(QJsonDocument::Indented);
}

} // namespace airlock
