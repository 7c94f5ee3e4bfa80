#pragma once

// Internal to the GitLab dialect: GitLabApi's per-worker state, the steps every GitLab request shares
// (requeststeps.cpp) and the handlers the route table in gitlabapi.cpp calls, each defined in the file of
// its API area (suggestionsapi.cpp, chatapi.cpp, promptsapi.cpp, monitoringapi.cpp). A handler owns
// the exchange: it answers it, or hands it to a ProxyOperation with the relay that will.

#include "gitlabapi.h"
#include "modelendpointmatch.h"
#include "principal.h"
#include "prompts/promptbuilder.h"
#include "suggestionrelay.h"

#include <QJsonObject>
#include <QObject>

#include <memory>
#include <optional>

namespace airlock::gitlab {

struct GitLabApi::Private {
    dialects::WorkerServices services;
    GitLabShared shared;
    QObject context; // lives on this worker's thread: target of supersede cancellations

    struct Prelude {
        std::shared_ptr<const routing::ConfigSnapshot> snapshot;
        Principal principal;
        QJsonObject body;
    };

    // Common start of every GitLab request: headers into the record, authentication, body parsing
    // (when `parseBody`). Empty when it has answered the refusal itself.
    std::optional<Prelude> begin(http::HttpExchange &exchange, bool parseBody);
    // Scope, flags and stage for `feature`; answers the refusal itself.
    bool allowed(http::HttpExchange &exchange, const Prelude &prelude, const QString &feature,
        const QString &scopeMessage);
    // The endpoint that serves `feature` (routeFeature()); null when it has answered the refusal itself.
    const routing::EndpointRuntime *route(http::HttpExchange &exchange, const Prelude &prelude,
        const QString &feature, const ModelDetails &details);
    // Relays `built` to `endpoint` through `relay`. A non-empty `supersedeKey` (user and file) lets a
    // newer request with the same key cancel this one, and debounces requests inside a typing burst.
    void start(std::unique_ptr<http::HttpExchange> exchange, const Prelude &prelude,
        const routing::EndpointRuntime *endpoint, const prompts::BuiltRequest &built, bool stream,
        std::unique_ptr<routing::ResponseRelay> relay, const QByteArray &supersedeKey = {});

    // suggestionsapi.cpp: /v2/code/completions, /v2/completions, /v2/code/generations, /v4/code/suggestions.
    void suggestions(std::unique_ptr<http::HttpExchange> exchange, bool generation,
        SuggestionContext::Format streamFormat);
    // chatapi.cpp: /v1/chat/{invokable} and /v2/chat/agent.
    void chat(std::unique_ptr<http::HttpExchange> exchange);
    void agent(std::unique_ptr<http::HttpExchange> exchange);
    // promptsapi.cpp: /v1/prompts/{prompt_id}.
    void prompt(std::unique_ptr<http::HttpExchange> exchange);
    // monitoringapi.cpp: /monitoring/healthz, /monitoring/ready.
    void healthz(std::unique_ptr<http::HttpExchange> exchange);
    void ready(std::unique_ptr<http::HttpExchange> exchange);
};

} // namespace airlock::gitlab
