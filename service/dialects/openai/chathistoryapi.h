#pragma once

// A user reads their own chat history, on the gateway listener, behind client authentication:
//
//   GET /v1/chat/history
//   200 {"messages":[{"role":"user"|"assistant","content":"...","created_at":"2025-05-01T09:30:12.345Z"}, ...]}
//
// oldest first: the last 50 messages (questions and answers) of the authenticated user, whose key is
// dialects::chatHistoryOwner(principal) - the same key the chat endpoints write under. The route takes no
// parameter naming a user: there is no way to read another user's history. GitLab's AI gateway contract
// has no history endpoint (GitLab keeps Duo Chat history in its own Redis), so this is an Airlock route;
// it sits next to the chat routes and answers in the OpenAI error shape like Airlock's other routes:
//   401 missing / invalid token (WWW-Authenticate: Bearer)
//   403 insufficient_scope    the token has no chat scope (duo_chat or a narrower chat scope)
//   403 no_user_identity      auth is disabled on this gateway (there is no identity to read for), or the
//                             token identifies no user (a GitLab instance token without X-Gitlab-Global-User-Id)
//   404 chat_history_off      the request log, which feeds the history, is off
//   503 chat_history_unavailable   the history's store (Redis) did not answer
// Responses carry Cache-Control: no-store.
//
// One per worker thread (created, used and destroyed there). The read is asynchronous: the exchange
// waits in this object until the history answers on this thread.

#include <memory>

namespace airlock::auth {
class Authenticator;
}
namespace airlock::http {
class GatewayServer;
}

namespace airlock::logging {
class ChatHistory;
}

namespace airlock::openai {

class ChatHistoryApi
{
public:
    // `auth` null: auth is disabled (every read is refused); `history` null: chat history is off.
    ChatHistoryApi(auth::Authenticator *auth, logging::ChatHistory *history);
    ~ChatHistoryApi();
    void registerRoutes(http::GatewayServer &server);

private:
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace airlock::openai
