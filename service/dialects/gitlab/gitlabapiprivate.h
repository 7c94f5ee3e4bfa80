#pragma once

// Internal to the GitLab dialect: GitLabApi's per-worker state, the steps every GitLab request shares
// (requeststeps.cpp) and the handlers the route table in gitlabapi.cpp calls, each defined in the file of
// its API area (suggestionsapi.cpp, chatapi.cpp, promptsapi.cpp, monitoringapi.cpp). A handler owns
// the exchange: it answers it, or hands it to a ProxyOperation with the relay that will.

#include "gitlabapi.h"
#include "modelendpointmatch.h"
#include "principal.h"
#include "prompts/promptbuilder.h"
#include "routing/policyclearance.h"
#include "suggestionrelay.h"

#include <QJsonObject>
#include <QObject>

#include <functional>
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
        // Set by authorizeAndRoute() (or authorizeModelCheck()) when the policy allowed the request;
        // start() relays nothing without it.
        std::optional<routing::PolicyClearance> clearance;
    };

    // Common start of every GitLab request: headers into the record, authentication, body parsing
    // (when `parseBody`). Empty when it has answered the refusal itself.
    std::optional<Prelude> begin(http::HttpExchange &exchange, bool parseBody);
    // Scope, then the policy step (policy/requestpolicy.h: switches, flags, stage, assignment) for
    // `feature`, whose clearance it keeps in `prelude`, then the endpoint that serves it (routeFeature()):
    // the first try's endpoint of the feature's route. Null when it has answered the refusal itself.
    const routing::EndpointRuntime *authorizeAndRoute(http::HttpExchange &exchange, Prelude &prelude,
        const QString &feature, const QString &scopeMessage, const ModelDetails &details);
    // Whether the caller presents a user access token (/v1/code/user_access_token: issued by this gateway
    // for an IDE's direct connection, bound to a GitLab realm and instance). Airlock's own client tokens
    // have the same issuer but no realm or instance.
    static bool isUserAccessToken(const Principal &principal);
    // The admin's template override for `feature` on `endpoint`, if any.
    static std::optional<prompts::TemplateOverride> overrideFor(
        const routing::ConfigSnapshot &snapshot, const routing::EndpointRuntime &endpoint, const QString &feature);

    // What one endpoint of a route gets: its family's prompt and the relay for its answer.
    struct Prepared {
        prompts::BuiltRequest built;
        std::unique_ptr<routing::ResponseRelay> relay;
    };
    // Builds a request's Prepared for any endpoint of its route (the first one, and each fallback the
    // route tries when the earlier ones fail). Captures the request's input by value.
    using Builder = std::function<Result<Prepared>(const routing::EndpointRuntime &endpoint)>;
    // The first try's Prepared; answers 422 with the prompt builder's error itself when there is none.
    static std::optional<Prepared> prepareFirst(
        http::HttpExchange &exchange, const Builder &build, const routing::EndpointRuntime &endpoint);
    // Relays `first` to `endpoint`. `build` (may be empty: no fallback) prepares the route's other
    // endpoints. A non-empty `supersedeKey` (user and file) lets a newer request with the same key
    // cancel this one, and debounces requests inside a typing burst.
    void start(std::unique_ptr<http::HttpExchange> exchange, const Prelude &prelude,
        const routing::EndpointRuntime *endpoint, Prepared first, Builder build, bool stream,
        const QByteArray &supersedeKey = {});

    // suggestionsapi.cpp: /v2/code/completions, /v2/completions, /v2/code/generations, and
    // /v4/code/suggestions with the /v2 body (current_file).
    void suggestions(std::unique_ptr<http::HttpExchange> exchange, bool generation,
        SuggestionContext::Format streamFormat);
    // /v3/code/completions and /v4/code/suggestions with the prompt_components body
    // (suggestionrequest.h); `sse`: a streamed answer is GitLab's SSE events (v4), else raw text (v3).
    void componentSuggestions(std::unique_ptr<http::HttpExchange> exchange, bool sse);
    // What both body shapes ask, for relaySuggestion().
    struct SuggestionJob {
        bool generation = false;
        prompts::CodeContext input;
        ModelDetails details;
        SuggestionContext::Format format = SuggestionContext::Format::Json;
        bool componentsShape = false;
        QString scopeMessage;
    };
    // The policy step, the route, the cache and the relay of a code suggestion.
    void relaySuggestion(std::unique_ptr<http::HttpExchange> exchange, Prelude &prelude, SuggestionJob job);
    // chatapi.cpp: /v1/chat/{invokable} and /v2/chat/agent.
    void chat(std::unique_ptr<http::HttpExchange> exchange);
    void agent(std::unique_ptr<http::HttpExchange> exchange);
    // xrayapi.cpp: /v1/x-ray/libraries (Repository X-Ray).
    void xray(std::unique_ptr<http::HttpExchange> exchange);
    // promptsapi.cpp: /v1/prompts/{prompt_id}.
    void prompt(std::unique_ptr<http::HttpExchange> exchange);
    // monitoringapi.cpp: /monitoring/healthz, /monitoring/ready.
    void healthz(std::unique_ptr<http::HttpExchange> exchange);
    void ready(std::unique_ptr<http::HttpExchange> exchange);
};

} // namespace airlock::gitlab
