#pragma once

// The GitLab dialect: GitLab's AI gateway API, so a GitLab Self-Managed instance (AI_GATEWAY_URL) and
// its IDE extensions work against Airlock unchanged, served by the organisation's own models.
// Wire contract: shared/reference/gitlab-ai-gateway.md.
//
//   POST /v2/code/completions, /v2/completions   code completion (JSON, or raw text chunks when streamed)
//   POST /v2/code/generations                     code generation
//   POST /v3/code/completions                     code suggestions, prompt_components body (JSON or raw text)
//   POST /v4/code/suggestions                     the same, streamed as SSE events (also the /v2 body)
//   POST /v1/chat/{invokable}                     chat features (JSON, or raw text chunks)
//   POST /v2/chat/agent                           Duo Chat ReAct step as NDJSON lines
//   POST /v1/prompts/{prompt_id}                  prompt registry (incl. model_configuration/check)
//   POST /v1/x-ray/libraries                      Repository X-Ray: a manifest's libraries, described
//   GET  /monitoring/healthz, /monitoring/ready   liveness; readiness = every assigned model answers
//
// Every response carries X-Process-Time. Errors: 422 {"detail":[...]} for schema problems, 401
// {"error": ...}, 403/404/421 {"detail": ...}, 503 {"detail":"Inference failed"} for model failures.

#include "dialects/common/workerservices.h"
#include "http/gatewayserver.h"
#include "routing/proxyoperation.h"

#include <memory>

namespace airlock::prompts {
class PromptBuilder;
}
namespace airlock::routing {
class CompletionCache;
class SupersedeRegistry;
}

namespace airlock::gitlab {

// State the GitLab dialect shares across workers (all thread-safe).
struct GitLabShared
{
    const prompts::PromptBuilder *prompts = nullptr;
    routing::CompletionCache *cache = nullptr;        // null: no completion cache
    routing::SupersedeRegistry *supersede = nullptr;  // null: no supersede-cancellation
    int burstDebounceMs = 0;  // completion requests inside a typing burst wait this long before going upstream
    int burstWindowMs = 300;  // ... when the previous request for the same user and file came this recently
};

class GitLabApi
{
public:
    GitLabApi(const dialects::WorkerServices &services, const GitLabShared &shared);
    ~GitLabApi();
    void registerRoutes(http::GatewayServer &server);

private:
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace airlock::gitlab
