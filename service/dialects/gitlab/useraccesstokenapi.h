#pragma once

// GitLab's POST /v1/code/user_access_token: a GitLab instance asks for a short-lived token that one of
// its users' IDEs then presents directly to /v2/code/completions.
//   headers X-Gitlab-Global-User-Id, X-Gitlab-Instance-Id, X-Gitlab-Realm   (missing: 400 "Missing <name> header")
//   the caller's token needs scope complete_code (403); a token this gateway issued is refused (403)
//   200 {"token":"<jwt>","expires_at":<epoch s>}  (auth::AuthModule::mintUserAccessToken signs it; the
//   caller's duo_seat_count claim is carried over)
//   every answer carries X-Process-Time; a refused token is 401 {"error": reason}, as on every GitLab route
// Handlers run on the worker thread that owns `server`.

namespace airlock::auth {
class AuthModule;
}
namespace airlock::http {
class GatewayServer;
}

namespace airlock::gitlab {

void registerUserAccessTokenRoute(http::GatewayServer &server, auth::AuthModule &auth);

} // namespace airlock::gitlab
