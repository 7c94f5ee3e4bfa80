#pragma once

// The OpenAI dialect: POST /v1/chat/completions, POST /v1/completions, GET /v1/models.
// A request's `model` names a feature (routed to the model the admin assigned) or a registered model
// endpoint; the request goes upstream with the endpoint's served identifier in `model`, everything else
// untouched. Errors use OpenAI's JSON shape.

#include "dialects/common/workerservices.h"
#include "http/gatewayserver.h"
#include "routing/configsnapshot.h"
#include "routing/proxyoperation.h"
#include "upstream/upstreamclient.h"

namespace airlock::openai {

class OpenAiApi
{
public:
    explicit OpenAiApi(const dialects::WorkerServices &services);
    void registerRoutes(http::GatewayServer &server);

    enum class Kind { ChatCompletions, Completions };
    // The adapter's validation, policy step (policy/requestpolicy.h: `model` as a feature or a model
    // endpoint mapped to one; refusals are 403 naming the flag, 404 for an unknown model) and rewrite,
    // exposed for tests and fuzzing: on success the job's body has the served identifier in `model` and
    // `clearance` (when given) holds the policy's clearance.
    static Result<routing::ProxyJob> adapt(const http::HttpRequest &request, Kind kind,
                                  std::shared_ptr<const routing::ConfigSnapshot> snapshot, http::ApiError *error,
                                  std::optional<routing::PolicyClearance> *clearance = nullptr);

private:
    void proxy(std::unique_ptr<http::HttpExchange> exchange, Kind kind);
    void listModels(std::unique_ptr<http::HttpExchange> exchange);

    dialects::WorkerServices m_services;
};

} // namespace airlock::openai
