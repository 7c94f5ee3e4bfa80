#pragma once

// GET /.well-known/jwks.json: the public halves of the keys this gateway signs user access tokens with
// (useraccesstokenapi.h), as a JWK set (auth::AuthModule::jwksJson), for GitLab and other verifiers.
//   200 application/json, Cache-Control: public, max-age=300; no authentication.
// Handlers run on the worker thread that owns `server`.

namespace airlock::auth {
class AuthModule;
}
namespace airlock::http {
class GatewayServer;
}

namespace airlock::gitlab {

void registerJwksRoute(http::GatewayServer &server, const auth::AuthModule &auth);

} // namespace airlock::gitlab
