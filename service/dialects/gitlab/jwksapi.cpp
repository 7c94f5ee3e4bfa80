#include "jwksapi.h"

#include "auth/authmodule.h"
#include "http/gatewayserver.h"

namespace airlock::gitlab {

void registerJwksRoute(http::GatewayServer &server, const auth::AuthModule &authModule)
{
    server.addRoute("GET", "/.well-known/jwks.json", [&authModule](std::unique_ptr<http::HttpExchange> e) {
        e->respond(200, "application/json", authModule.jwksJson(), {{"Cache-Control", "public, max-age=300"}});
    });
}

} // namespace airlock::gitlab
