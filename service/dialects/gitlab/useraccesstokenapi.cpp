#include "useraccesstokenapi.h"

#include "auth/authenticator.h"
#include "auth/authmodule.h"
#include "auth/jwt.h"
#include "http/gatewayserver.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace airlock::gitlab {

namespace {

void writeJson(http::HttpExchange &e, int status, const QJsonObject &o)
{
    e.respond(status, "application/json", QJsonDocument(o).toJson(QJsonDocument::Compact));
}

void writeDetail(http::HttpExchange &e, int status, const QString &detail)
{
    writeJson(e, status, QJsonObject{{QStringLiteral("detail"), detail}});
}

} // namespace

void registerUserAccessTokenRoute(http::GatewayServer &server, auth::AuthModule &authModule)
{
    server.addRoute("POST", "/v1/code/user_access_token", [&authModule](std::unique_ptr<http::HttpExchange> e) {
        e->setProcessTimeHeader(true);
        const http::HttpRequest &request = e->request();
        for (const char *name : {"X-Gitlab-Global-User-Id", "X-Gitlab-Instance-Id", "X-Gitlab-Realm"}) {
            if (request.header(name).isEmpty())
                return writeDetail(*e, 400, QStringLiteral("Missing %1 header").arg(QLatin1String(name)));
        }
        Principal principal;
        principal.anonymous = true;
        if (auth::Authenticator *authenticator = authModule.authenticator()) {
            auto verified = authenticator->authenticate(request, auth::Dialect::GitLab);
            if (!verified) {
                const int status = auth::statusFor(verified.error());
                if (status == 429)
                    e->addResponseHeader("Retry-After", QByteArray::number(auth::retryAfterSeconds(verified.error())));
                return writeJson(*e, status, QJsonObject{{QStringLiteral("error"), verified.error().message}});
            }
            principal = *verified;
        }
        if (!principal.anonymous && principal.issuer == auth::kSelfIssuer) {
            return writeDetail(*e, 403, QStringLiteral("Forbidden: a token issued by this gateway cannot create user access tokens"));
        }
        if (!principal.hasScope(u"complete_code"))
            return writeDetail(*e, 403, QStringLiteral("Unauthorized to create user access token"));
        auto token = authModule.mintUserAccessToken(QString::fromUtf8(request.header("x-gitlab-global-user-id")),
                                                    QString::fromUtf8(request.header("x-gitlab-realm")),
                                                    QString::fromUtf8(request.header("x-gitlab-instance-id")),
                                                    principal.duoSeatCount);
        if (!token)
            return writeDetail(*e, 500, token.error().message);
        e->record().userId = principal.subject;
        e->addResponseHeader("Cache-Control", "no-store");
        writeJson(*e, 200, QJsonObject{{QStringLiteral("token"), QString::fromLatin1(token->token)},
                                       {QStringLiteral("expires_at"), token->expiresAt}});
    });
}

} // namespace airlock::gitlab
