#pragma once

// The interface the dialect adapters call to establish who a request acts for (principal.h).
// Verification must be cheap on the hot path (cached) and must never block.

#include "principal.h"
#include "result.h"

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <memory>

namespace airlock::http {
struct HttpRequest;
}

namespace airlock::auth {

enum class Dialect { OpenAi, GitLab };

class Authenticator
{
public:
    virtual ~Authenticator() = default;
    // Error codes are stable ("missing_token", "expired", "bad_signature", "insufficient_scope", ...);
    // the message never contains the token. statusFor() gives the HTTP status to answer.
    virtual Result<Principal> authenticate(const http::HttpRequest &request, Dialect dialect) = 0;
};

// 403 for a valid identity that may not do this, 429 for a rate limit, 503 when the gateway cannot
// check revocations, 401 for everything else.
inline int statusFor(const Error &error)
{
    if (error.code == QLatin1String("rate_limited"))
        return 429;
    if (error.code == QLatin1String("revocations_unavailable"))
        return 503;
    return error.code == QLatin1String("insufficient_scope") || error.code == QLatin1String("forbidden") ? 403 : 401;
}

// Seconds for the Retry-After header of a 429 ("rate_limited" carries them in Error::field); 0: none.
inline int retryAfterSeconds(const Error &error)
{
    return error.code == QLatin1String("rate_limited") ? error.field.toInt() : 0;
}

} // namespace airlock::auth
