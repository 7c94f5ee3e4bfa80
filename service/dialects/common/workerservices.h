#pragma once

// What a dialect's handlers on one worker thread work with. The config holder and the observer are
// shared by all workers (thread-safe); the upstream client belongs to the worker.

#include <QJsonObject>

namespace airlock {
class RequestObserver;
}
namespace airlock::auth {
class Authenticator;
}
namespace airlock::logging {
class ChatHistory;
}
namespace airlock::routing {
class CompletionCache;
class ConfigHolder;
}
namespace airlock::upstream {
class UpstreamClient;
}

namespace airlock::dialects {

struct WorkerServices
{
    const routing::ConfigHolder *config = nullptr;
    upstream::UpstreamClient *client = nullptr;
    auth::Authenticator *auth = nullptr;   // null: authentication is off (auth mode "disabled")
    RequestObserver *observer = nullptr;   // null: no request log / metrics
    logging::ChatHistory *chatHistory = nullptr; // null: no chat history (request log off)
    routing::CompletionCache *completionCache = nullptr; // null: no completion cache (OpenAI /v1/completions)
    // The auth state for /monitoring/ready ({"mode":"required"|"disabled", ...}); fixed per process.
    QJsonObject authStatus;
};

} // namespace airlock::dialects
