#include "modelendpointmatch.h"

#include "routing/router.h"

#include <QUrl>

namespace airlock::gitlab {

QString normalizedApiRoot(const QString &url)
{
    ModelEndpoint e;
    e.baseUrl = QUrl(url);
    QUrl root = e.apiRoot();
    root.setHost(root.host().toLower());
    return root.toString(QUrl::StripTrailingSlash | QUrl::NormalizePathSegments);
}

bool identifierMatches(const QString &given, const QString &registered)
{
    if (given == registered)
        return true;
    // GitLab prefixes the served model with the provider route: "custom_openai/Mixtral-8x7B".
    const qsizetype slash = given.indexOf(QLatin1Char('/'));
    return slash > 0 && given.mid(slash + 1) == registered;
}

Routed routeFeature(
    const routing::ConfigSnapshot &snapshot, const QString &feature, const ModelDetails &details)
{
    const routing::EndpointRuntime *named = nullptr;
    if (details.present()) {
        // Served only when the details match an endpoint the admin registered: a request can never make
        // the gateway call a URL of its own choosing.
        for (const ModelEndpoint &m : snapshot.config().models) {
            // Any replica's URL names the endpoint.
            bool endpointOk = details.endpoint.isEmpty();
            if (!endpointOk) {
                const QString given = normalizedApiRoot(details.endpoint);
                for (const ModelReplica &replica : m.servers())
                    endpointOk = endpointOk || given == normalizedApiRoot(replica.baseUrl.toString());
            }
            const bool identifierOk
                = details.identifier.isEmpty() || identifierMatches(details.identifier, m.identifier);
            if (endpointOk && identifierOk) {
                named = snapshot.endpoint(m.name);
                break;
            }
        }
        if (!named) {
            return Routed { nullptr, 403,
                QStringLiteral("The model endpoint in the request (%1) is not registered with this gateway")
                    .arg(details.endpoint.isEmpty() ? details.identifier : details.endpoint),
                QStringLiteral("unregistered_model_endpoint") };
        }
    }
    auto route = routing::resolveFeature(snapshot, feature);
    if (route)
        return Routed { route->endpoint, 0, {}, {} };
    if (route.error().code == QLatin1String("feature_unassigned") && named)
        return Routed { named, 0, {}, {} };
    return Routed { nullptr, 403, route.error().message, route.error().code };
}

} // namespace airlock::gitlab
