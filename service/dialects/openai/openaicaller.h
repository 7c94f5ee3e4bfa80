#pragma once

// Who an OpenAI-API call acts for: the authentication and token-scope step every /v1 route that relays
// to a model passes before the policy step (policy/requestpolicy.h).

#include "http/apierror.h"
#include "principal.h"

#include <QString>

#include <memory>
#include <optional>

namespace airlock::auth {
class Authenticator;
}
namespace airlock::http {
class HttpExchange;
}

namespace airlock::openai {

struct OpenAiCaller {
    std::shared_ptr<const void> lease;  // the token's hold (rate limit) until the answer ends
    std::optional<Principal> principal; // empty when authentication is off
};

// With `auth` null (auth mode "disabled") every call is an anonymous caller. Otherwise the token is
// verified and the request record gets the time it took, the subject, the issuer and the token id; a
// refusal is answered here in OpenAI's error shape (401 with WWW-Authenticate, 429 with Retry-After,
// 403, 503) and nullopt returned.
std::optional<OpenAiCaller> authenticateCaller(http::HttpExchange &exchange, auth::Authenticator *auth);

// The token's scope for `feature` (empty: a model endpoint named directly); nullopt: allowed.
std::optional<http::ApiError> checkScope(const OpenAiCaller &caller, const QString &feature);

} // namespace airlock::openai
