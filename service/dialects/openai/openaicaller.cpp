#include "openaicaller.h"

#include "auth/authenticator.h"
#include "http/httpexchange.h"

#include <QElapsedTimer>

namespace airlock::openai {

std::optional<OpenAiCaller> authenticateCaller(http::HttpExchange &exchange, auth::Authenticator *auth)
{
    OpenAiCaller caller;
    if (!auth)
        return caller;
    QElapsedTimer authTimer;
    authTimer.start();
    auto principal = auth->authenticate(exchange.request(), auth::Dialect::OpenAi);
    exchange.record().authMs = authTimer.nsecsElapsed() / 1e6;
    if (!principal) {
        const Error &e = principal.error();
        exchange.record().errorCode = e.code;
        const int status = auth::statusFor(e);
        if (const int seconds = auth::retryAfterSeconds(e))
            exchange.addResponseHeader("Retry-After", QByteArray::number(seconds));
        else if (status == 401)
            exchange.addResponseHeader("WWW-Authenticate", "Bearer");
        exchange.respondError(http::ApiError::make(status, e.code, e.message));
        return std::nullopt;
    }
    exchange.record().userId = principal->subject;
    exchange.record().tokenIssuer = principal->issuer;
    exchange.record().tokenId = principal->tokenId;
    caller.lease = std::move(principal->lease);
    caller.principal = std::move(principal).value();
    return caller;
}

std::optional<http::ApiError> checkScope(const OpenAiCaller &caller, const QString &feature)
{
    if (!caller.principal || scopeAllows(*caller.principal, feature))
        return std::nullopt;
    const QString what = feature.isEmpty() ? QStringLiteral("a model endpoint by name") : feature;
    return http::ApiError::make(403, QStringLiteral("insufficient_scope"),
                                QStringLiteral("the token may not use %1: it needs the scope %2")
                                    .arg(what, scopesForFeature(feature).join(QStringLiteral(" or "))),
                                QStringLiteral("model"));
}

} // namespace airlock::openai
