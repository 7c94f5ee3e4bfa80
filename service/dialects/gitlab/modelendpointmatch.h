#pragma once

// Which registered model endpoint serves a GitLab request, for the GitLab handlers. GitLab may name
// the model it chose (endpoint URL, identifier); that is only ever checked against the endpoints the
// admin registered, never used to call a URL: a request can never make the gateway call a URL of its
// own choosing.

#include "routing/configsnapshot.h"

#include <QString>

namespace airlock::gitlab {

// What GitLab passes about the model it chose (as Self-Managed sends it).
struct ModelDetails {
    QString endpoint;
    QString name;
    QString identifier;
    bool present() const { return !endpoint.isEmpty() || !identifier.isEmpty(); }
};

// The API root of a model endpoint URL in a comparable form: lower-case host, no trailing slash,
// normalised path segments.
QString normalizedApiRoot(const QString &url);
// Whether the identifier GitLab sent names the registered one, also with GitLab's provider-route
// prefix ("custom_openai/Mixtral-8x7B").
bool identifierMatches(const QString &given, const QString &registered);

// The endpoint, or the refusal (status, detail, code) when there is none.
struct Routed {
    const routing::EndpointRuntime *endpoint = nullptr;
    int status = 0;
    QString detail;
    QString code;
};

// The model `feature` needs, from Airlock's assignment, after checking what the request carries:
// 403 "unregistered_model_endpoint" when the details match no registered endpoint; the named endpoint
// when the feature is unassigned; else the routing error as a 403.
Routed routeFeature(
    const routing::ConfigSnapshot &snapshot, const QString &feature, const ModelDetails &details);

} // namespace airlock::gitlab
