-- Auth (service/auth/tokenstore.h): client tokens Airlock issued (never the token itself, only what
-- identifies it; id = the token's jti) and the audit log of admin changes.
CREATE TABLE auth_tokens (
    id TEXT NOT NULL PRIMARY KEY,
    subject TEXT NOT NULL,
    scopes TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    kid TEXT NOT NULL,
    created_by TEXT NOT NULL DEFAULT '',
    issued_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER NULL);
CREATE INDEX auth_tokens_revoked ON auth_tokens (revoked_at, expires_at);

CREATE TABLE audit_log (
    id INTEGER NOT NULL PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    before_json TEXT NULL,
    after_json TEXT NULL);
