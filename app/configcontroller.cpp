#include "configcontroller.h"

#include "adminclient.h"
#include "configedits.h"
#include "consolelog.h"
#include "routeforms.h"

#include <QJsonArray>
#include <QJsonObject>

#include <algorithm>

namespace airlock {

using namespace Qt::StringLiterals;

ConfigController::ConfigController(AdminClient *client, QObject *parent)
    : QObject(parent)
    , m_client(client)
{
}

QStringList ConfigController::families() const
{
    return allFamilyNames();
}

QStringList ConfigController::modelNames() const
{
    QStringList names;
    for (const ModelEndpoint &m : m_config.models)
        names << m.name;
    return names;
}

void ConfigController::begin()
{
    if (m_pending++ == 0)
        Q_EMIT busyChanged();
}

void ConfigController::end()
{
    if (--m_pending == 0)
        Q_EMIT busyChanged();
}

void ConfigController::reload()
{
    begin();
    m_client->call("GET", u"api/v1/catalog"_s, {}, this, [this](const AdminError *error, const QJsonDocument &answer) {
        end();
        if (error) {
            setErrorMessage(LiveText([detail = error->toString()] { return tr("Cannot read the feature catalog: %1").arg(detail); }));
            return;
        }
        m_features.setCatalog(answer.object().value("features"_L1).toArray());
    });
    begin();
    m_client->call("GET", u"api/v1/config"_s, {}, this, [this](const AdminError *error, const QJsonDocument &answer) {
        end();
        if (error) {
            setErrorMessage(LiveText([detail = error->toString()] { return tr("Cannot read the configuration: %1").arg(detail); }));
            return;
        }
        auto config = parseGatewayConfig(answer.toJson(QJsonDocument::Compact));
        if (!config) {
            setErrorMessage(LiveText([detail = config.error().message] {
                return tr("The gateway sent a configuration the console cannot read: %1").arg(detail);
            }));
            return;
        }
        setConfig(*config);
    });
}

void ConfigController::clear()
{
    m_loaded = false;
    m_config = {};
    m_models.setConfig({});
    m_features.setCatalog({});
    m_features.setConfig({});
    m_testSteps.clear();
    m_testResult = NotRun;
    m_testRunning = false;
    setErrorMessage({});
    Q_EMIT testChanged();
    Q_EMIT configChanged();
}

void ConfigController::setConfig(const GatewayConfig &config)
{
    m_config = config;
    m_loaded = true;
    m_models.setConfig(config);
    m_features.setConfig(config);
    Q_EMIT configChanged();
}

void ConfigController::setErrorMessage(const LiveText &message)
{
    if (m_errorMessage.text() == message.text())
        return;
    m_errorMessage = message;
    Q_EMIT errorMessageChanged();
}

void ConfigController::retranslate()
{
    Q_EMIT errorMessageChanged();
}

LiveText ConfigController::fieldsError(const QVariantMap &fields)
{
    // endpointFromFields() depends on the fields alone, so running it again gives its message in the
    // language in force (its own checks are tr(); the shared validation's are English). The API key plays
    // no part in the checks and is not kept.
    QVariantMap checked = fields;
    checked.remove(u"apiKey"_s);
    return LiveText([checked] {
        const auto endpoint = endpointFromFields(checked);
        return endpoint ? QString() : endpoint.error().message;
    });
}

Result<ModelEndpoint> ConfigController::endpointFromFields(const QVariantMap &fields)
{
    ModelEndpoint m;
    m.name = fields.value(u"name"_s).toString().trimmed();
    const auto family = familyFromName(fields.value(u"family"_s).toString());
    if (!family)
        return Error::make(u"invalid_value"_s, tr("Choose a model family."), u"family"_s);
    m.family = *family;
    if (fields.contains(u"replicas"_s)) {
        // The form's servers: one of weight 1 is a plain base_url, anything more a replica list.
        const QList<ModelReplica> replicas = replicasFromList(fields.value(u"replicas"_s).toList());
        if (replicas.isEmpty())
            return Error::make(u"invalid_value"_s, tr("Give the base URL of at least one server."), u"replicas"_s);
        m.baseUrl = replicas.constFirst().baseUrl;
        if (replicas.size() > 1 || replicas.constFirst().weight != 1)
            m.replicas = replicas;
    } else {
        m.baseUrl = QUrl(fields.value(u"baseUrl"_s).toString().trimmed(), QUrl::StrictMode);
    }
    m.identifier = fields.value(u"identifier"_s).toString().trimmed();
    m.apiKey = fields.value(u"apiKey"_s).toString();
    const auto number = [&fields](const QString &key, int fallback) {
        bool ok = false;
        const int value = fields.value(key).toInt(&ok);
        return ok ? value : fallback;
    };
    m.maxConcurrency = number(u"maxConcurrency"_s, m.maxConcurrency);
    m.timeouts.connectMs = number(u"connectTimeoutMs"_s, m.timeouts.connectMs);
    m.timeouts.firstByteMs = number(u"firstByteTimeoutMs"_s, m.timeouts.firstByteMs);
    m.timeouts.idleMs = number(u"idleTimeoutMs"_s, m.timeouts.idleMs);
    m.timeouts.totalMs = number(u"totalTimeoutMs"_s, m.timeouts.totalMs);
    if (auto st = validateEndpoint(m, u"model"_s); !st)
        return st.error();
    return m;
}

bool ConfigController::saveModel(const QString &originalName, const QVariantMap &fields)
{
    auto endpoint = endpointFromFields(fields);
    if (!endpoint) {
        setErrorMessage(fieldsError(fields));
        return false;
    }
    GatewayConfig next = m_config;
    const qsizetype existing = std::find_if(next.models.cbegin(), next.models.cend(),
                                            [&](const ModelEndpoint &m) { return m.name == originalName; })
        - next.models.cbegin();
    if (!originalName.isEmpty() && existing < next.models.size()) {
        // The server kind is not in the form: it stays as it is. Fields with "replicas" give the whole
        // list; fields with only "baseUrl" edit the first replica's URL and keep the others.
        endpoint->server = next.models.at(existing).server;
        if (const QList<ModelReplica> replicas = next.models.at(existing).replicas;
            !fields.contains(u"replicas"_s) && !replicas.isEmpty()) {
            endpoint->replicas = replicas;
            endpoint->replicas.first().baseUrl = endpoint->baseUrl;
        }
        next.models[existing] = *endpoint;
        if (originalName != endpoint->name)
            renameModelReferences(next, originalName, endpoint->name);
    } else {
        if (next.findModel(endpoint->name)) {
            setErrorMessage(LiveText([name = endpoint->name] { return tr("A model endpoint named \"%1\" exists already.").arg(name); }));
            return false;
        }
        next.models.append(*endpoint);
    }
    // The gateway never sends keys back, so a renamed model names its previous name: the stored key
    // follows it unless a new one was typed.
    const bool renamed = !originalName.isEmpty() && originalName != endpoint->name;
    return put(next, endpoint->name, endpoint->apiKey, renamed ? originalName : QString());
}

bool ConfigController::removeModel(const QString &name)
{
    GatewayConfig next = m_config;
    next.models.removeIf([&](const ModelEndpoint &m) { return m.name == name; });
    // Routes lose it; features served by it alone go back to "disabled" rather than failing the whole
    // change.
    removeModelReferences(next, name);
    return put(next, {}, {});
}

bool ConfigController::assignFeature(const QString &feature, const QString &model)
{
    GatewayConfig next = m_config;
    assignFeatureModel(next, feature, model.isEmpty() ? QString(kDisabled) : model);
    return put(next, {}, {});
}

bool ConfigController::saveRoute(const QString &feature, const QVariantList &tiers)
{
    const ModelRoute route = routeFromTiers(tiers);
    if (route.tiers.isEmpty()) {
        setErrorMessage(LiveText([] { return tr("A route needs at least one tier with a model."); }));
        return false;
    }
    for (qsizetype i = 0; i < route.tiers.size(); ++i) {
        const QList<RouteTarget> &tier = route.tiers.at(i);
        const bool unnamed = std::any_of(tier.cbegin(), tier.cend(), [](const RouteTarget &t) { return t.model.isEmpty(); });
        if (tier.isEmpty() || unnamed) {
            setErrorMessage(LiveText([n = i + 1] { return tr("Tier %1: choose a model for every target.").arg(n); }));
            return false;
        }
    }
    GatewayConfig next = m_config;
    if (isSingleModel(route)) {
        // One model alone is the plain assignment, as before routes existed.
        assignFeatureModel(next, feature, route.tiers.constFirst().constFirst().model);
    } else {
        next.routes.insert(feature, route);
        next.features.insert(feature, route.primaryModel());
    }
    return put(next, {}, {});
}

bool ConfigController::setFlagEnabled(const QString &flag, bool enabled)
{
    GatewayConfig next = m_config;
    QJsonObject flags = next.flags.value("flags"_L1).toObject();
    if (enabled)
        flags.remove(flag);
    else
        flags.insert(flag, false);
    next.flags.insert(u"flags"_s, flags);
    return put(next, {}, {});
}

bool ConfigController::put(GatewayConfig config, const QString &keyForModel, const QString &apiKey,
                           const QString &renamedFrom)
{
    for (ModelEndpoint &m : config.models)
        m.apiKey = m.name == keyForModel ? apiKey : QString();
    if (auto st = validateGatewayConfig(config); !st) {
        setErrorMessage(LiveText::fixed(st.error().message)); // the shared validation's English
        return false;
    }
    setErrorMessage({});
    QJsonObject root = QJsonDocument::fromJson(serializeGatewayConfig(config, Secrets::Include)).object();
    if (!renamedFrom.isEmpty()) {
        QJsonArray models = root.value("models"_L1).toArray();
        for (QJsonValueRef model : models) {
            QJsonObject o = model.toObject();
            if (o.value("name"_L1).toString() == keyForModel) {
                o.insert(u"renamed_from"_s, renamedFrom);
                model = o;
            }
        }
        root.insert(u"models"_s, models);
    }
    const QJsonDocument body(root);
    begin();
    m_client->call("PUT", u"api/v1/config"_s, body, this, [this](const AdminError *error, const QJsonDocument &answer) {
        end();
        if (error) {
            const LiveText message([detail = error->message] { return tr("The gateway refused the change: %1").arg(detail); });
            setErrorMessage(message);
            Q_EMIT failed(message.text());
            return;
        }
        auto stored = parseGatewayConfig(answer.toJson(QJsonDocument::Compact));
        if (stored)
            setConfig(*stored);
        else
            reload();
        qCInfo(lcConsole) << "configuration stored";
        Q_EMIT saved();
    });
    return true;
}

void ConfigController::testModel(const QVariantMap &fields, const QString &storedName)
{
    auto endpoint = endpointFromFields(fields);
    if (!endpoint) {
        setErrorMessage(fieldsError(fields));
        return;
    }
    // Without a typed key the gateway uses the key stored under the name sent: the stored model's, even
    // when the form renames it.
    if (endpoint->apiKey.isEmpty() && !storedName.isEmpty())
        endpoint->name = storedName;
    QJsonObject body = modelEndpointToJson(*endpoint, Secrets::Include);
    m_testSteps.clear();
    m_testRunning = true;
    m_testResult = NotRun;
    Q_EMIT testChanged();
    m_client->call("POST", u"api/v1/models/test"_s, QJsonDocument(body), this,
                   [this](const AdminError *error, const QJsonDocument &answer) {
                       m_testRunning = false;
                       if (error) {
                           m_testSteps.setRows(QJsonArray{QJsonObject{{u"name"_s, u"request"_s},
                                                                      {u"ok"_s, false},
                                                                      {u"detail"_s, error->toString()}}});
                           m_testResult = Failed;
                       } else {
                           m_testSteps.setRows(answer.object().value("steps"_L1).toArray());
                           m_testResult = answer.object().value("ok"_L1).toBool() ? Passed : Failed;
                       }
                       Q_EMIT testChanged();
                   });
}

} // namespace airlock
