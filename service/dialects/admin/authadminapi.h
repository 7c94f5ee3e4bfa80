#pragma once

// The admin API of auth (auth/authmodule.h), behind the admin gate:
//   POST   /api/v1/tokens            issue a client token ({"subject","scopes","ttl","description"}); 201, shown once
//   GET    /api/v1/tokens            issued tokens (never the token itself), with "expired"
//   DELETE /api/v1/tokens/{id}       revoke (404 token_not_found)
//   GET    /api/v1/keys              signing keys, the active one, the JWKS
//   POST   /api/v1/keys/rotate       a new active key ({"alg":"ES256"|"EdDSA"}, default: the active key's)
//   GET    /api/v1/trust             auth settings and the GitLab instance's trust state
//   PUT    /api/v1/trust             change them (merged; the mode is set at start: 400 restart_required)
//   GET    /api/v1/audit             the audit log (?limit=, ?before=)
//   POST   /api/v1/tls/reload        re-read both listeners' certificates and keys
// Every admin change is audited: the module is the server's audit sink.

namespace airlock::auth {
class AuthModule;
}

namespace airlock::admin {

class AdminServer;

void registerAuthAdminRoutes(AdminServer &server, auth::AuthModule &auth);

} // namespace airlock::admin
