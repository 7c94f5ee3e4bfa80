#pragma once

// The OpenAI dialect: POST /v1/chat/completions, POST /v1/completions, GET /v1/models.
// A request's `model` names a feature (routed to the model the admin assigned) or a registered model
// endpoint; the request goes upstream with the endpoint's served identifier in `model`, everything else
// untouched. Errors use OpenAI's JSON shape.

#include "gatewayserver.h"
#include "proxyoperation.h"
#include "routing/configsnapshot.h"
#include "upstream/upstreamclient.h"
#include "workerservices.h"

namespace airlock::http {

class OpenAiApi
{
public:
    explicit OpenAiApi(const WorkerServices &services);
    void registerRoutes(GatewayServer &server);

    enum class Kind { ChatCompletions, Completions };
    // The adapter's validation and rewrite, exposed for tests and fuzzing: on success the job's body has
    // the served identifier in `model`.
    static Result<ProxyJob> adapt(const HttpRequest &request, Kind kind,
                                  std::shared_ptr<const routing::ConfigSnapshot> snapshot, ApiError *error);

private:
    void proxy(std::unique_ptr<HttpExchange> exchange, Kind kind);
    void listModels(std::unique_ptr<HttpExchange> exchange);

    WorkerServices m_services;
};

} // namespace airlock::http
