#pragma once

// Who a request acts for, as established by the Authenticator, and the interface the dialect adapters
// call. Verification must be cheap on the hot path (cached) and must never block.

#include "result.h"

#include <QByteArray>
#include <QString>
#include <QStringList>

namespace airlock::http {
struct HttpRequest;
}

namespace airlock::auth {

struct Principal
{
    QString subject;       // token `sub`
    QString issuer;        // token `iss`
    QString tokenId;       // `jti`
    QStringList scopes;    // `scopes`
    QString realm;         // `gitlab_realm`
    QString instanceId;    // `gitlab_instance_id`
    QString globalUserId;  // X-Gitlab-Global-User-Id (GitLab requests)
    qint64 expiresAt = 0;  // epoch seconds
    bool anonymous = false; // auth mode "disabled"

    bool hasScope(QStringView scope) const { return anonymous || scopes.contains(scope); }
};

enum class Dialect { OpenAi, GitLab };

class Authenticator
{
public:
    virtual ~Authenticator() = default;
    // Error codes are stable ("missing_token", "expired", "bad_signature", "insufficient_scope", ...);
    // the message never contains the token. statusFor() gives the HTTP status to answer.
    virtual Result<Principal> authenticate(const http::HttpRequest &request, Dialect dialect) = 0;
};

// 403 for a valid identity that may not do this, 401 for everything else.
inline int statusFor(const Error &error)
{
    return error.code == QLatin1String("insufficient_scope") || error.code == QLatin1String("forbidden") ? 403 : 401;
}

} // namespace airlock::auth
