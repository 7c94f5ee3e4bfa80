#pragma once

// POST /v1/embeddings of the OpenAI dialect, relayed like the other OpenAI calls: the caller is
// authenticated (rate limits, scopes), `model` names the `embeddings` feature (routed to the model the
// admin assigned to it) or a registered model endpoint, the body is validated and goes upstream with
// the endpoint's served identifier in `model`, everything else untouched, through the route's tries
// (routing::ProxyOperation: retries, fallback). The model server's answer is relayed as it is; its
// `usage.prompt_tokens` goes into the request log record.
//
// Validated: `model` (required, a non-empty string), `input` (required: a non-empty string, or a
// non-empty array of non-empty strings, of token ids, or of non-empty token-id arrays), `encoding_format`
// ("float" or "base64"), `dimensions` (a positive integer). A bad one is a 400 naming the field.

#include "dialects/common/workerservices.h"
#include "http/gatewayserver.h"
#include "routing/configsnapshot.h"
#include "routing/proxyoperation.h"

namespace airlock::openai {

class EmbeddingsApi
{
public:
    explicit EmbeddingsApi(const dialects::WorkerServices &services);
    // Registers POST /v1/embeddings; the handler keeps the api alive.
    static void registerRoutes(http::GatewayServer &server, const dialects::WorkerServices &services);

    // The validation and rewrite, exposed for tests and fuzzing: on success the job's body has the
    // served identifier in `model`.
    static Result<routing::ProxyJob> adapt(const http::HttpRequest &request,
                                           std::shared_ptr<const routing::ConfigSnapshot> snapshot,
                                           http::ApiError *error);

    void handle(std::unique_ptr<http::HttpExchange> exchange);

private:
    dialects::WorkerServices m_services;
};

} // namespace airlock::openai
