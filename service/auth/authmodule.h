#pragma once

// Everything auth the gateway runs, assembled in one place so that gateway.cpp only starts it and hands
// out its parts:
//   - the Authenticator the workers call (null when auth mode is "disabled"),
//   - Airlock's signing keys (keys/ in the data dir), client tokens and their revocation, the audit log,
//   - trust in a GitLab instance (JWKS fetched on this thread, published to workers as a snapshot),
//   - TLS configurations of both listeners (reloadable),
//   - the published key set (jwksJson(), served by dialects/gitlab/jwksapi.h) and the signing of GitLab
//     user access tokens (dialects/gitlab/useraccesstokenapi.h); its admin routes are
//     dialects/admin/authadminapi.h. Auth registers no routes itself.
//
// Settings ("auth" in the declarative file, stored in the settings table, changed with PUT /api/v1/trust):
//   {"mode":"required"|"disabled", "leeway_s":30, "gitlab_url":"https://gitlab.example.com",
//    "limits":{"per_user":{"requests_per_minute":0,"concurrent":0},"per_token":{...}}}
//
// Lifecycle: start() on the gateway's control thread (which must run an event loop); destroy after the
// workers have stopped. Gateway route handlers run on worker threads and touch only thread-safe parts.

#include "admingate.h"
#include "crypto.h"
#include "gitlabtrust.h"
#include "ratelimiter.h"
#include "result.h"
#include "signingkeys.h"
#include "tlsfiles.h"
#include "tokenstore.h"

#include <QJsonObject>
#include <QObject>
#include <QTimer>
#include <QUrl>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>

namespace airlock {
class Database;
}
namespace airlock::http {
class TlsContext;
}

namespace airlock::auth {

class Authenticator;
class TokenAuthenticator;

struct AuthSettings
{
    enum class Mode { Required, Disabled };
    Mode mode = Mode::Required;
    int leewaySeconds = 30;
    QUrl gitlabUrl;
    RateLimits perUser;
    RateLimits perToken;

    // `where` prefixes field paths in errors ("auth.limits.per_user.concurrent").
    static Result<AuthSettings> fromJson(const QJsonObject &json, const QString &where = QStringLiteral("auth"));
    QJsonObject toJson() const;
    static Result<Mode> parseMode(const QString &text);
    static QString modeName(Mode mode);
};

struct AuthStartOptions
{
    QString dataDir;
    std::optional<QJsonObject> fileSection; // "auth" of the declarative file: replaces the stored settings
    QString modeOverride;                   // --auth: "required" / "disabled" / empty (not stored)
    TlsFiles gatewayTls;
    TlsFiles adminTls;
    std::function<qint64()> nowMs;          // tests: a fake clock (epoch ms)
    GitLabTrust::Options trust;
};

// A client token request (CLI, admin API).
struct TokenRequest
{
    QString subject;
    QStringList scopes;
    qint64 ttlSeconds = 30 * 86400;
    QString description;
    // Parses {"subject","scopes":[...] or "a,b","ttl": seconds or "30d"/"12h"/"90m","description"}.
    static Result<TokenRequest> fromJson(const QJsonObject &json);
    Status validate() const;
};
// "3600", "90m", "12h", "30d" -> seconds (60 s .. 365 d).
Result<qint64> parseTtl(const QString &text);

struct UserAccessToken
{
    QByteArray token;
    qint64 expiresAt = 0; // epoch seconds
};

struct IssuedSecret
{
    IssuedToken record;
    QByteArray token; // shown once
};

// A new token id (its jti): 22 base64url characters from 16 random bytes, never starting with '-', so
// that `airlockd token revoke ID` cannot mistake it for an option.
QString newTokenId();

// Issues a client token signed with the active key and records it (no running gateway needed: the CLI
// uses this with the store opened directly).
Result<IssuedSecret> issueClientToken(SigningKeyStore &keys, TokenStore &store, const TokenRequest &request,
                                      const QString &actor, qint64 now);

class AuthModule : public QObject, public AuditSink
{
    Q_OBJECT
public:
    static Result<std::unique_ptr<AuthModule>> start(Database &db, AuthStartOptions options);
    ~AuthModule() override;

    // Null when auth is disabled. Thread-safe; outlives nothing: stop the workers first.
    Authenticator *authenticator() const;
    TokenAuthenticator *tokenAuthenticator() const { return m_authenticator.get(); }
    bool enabled() const { return m_settings.mode == AuthSettings::Mode::Required; }
    AuthSettings settings() const { return m_settings; }

    std::shared_ptr<http::TlsContext> gatewayTls() const { return m_gatewayTls; }
    std::shared_ptr<http::TlsContext> adminTls() const { return m_adminTls; }
    Status reloadTls();
    // SIGHUP: signing keys from disk, revocations, TLS. Errors are logged; the previous state stays.
    void reload();

    // The signing keys' public halves as a JWK set, compact JSON ({"keys":[]} before any key is published);
    // updated with each publication (keysPublished). Thread-safe: worker threads read it.
    QByteArray jwksJson() const;
    // A user access token for a GitLab user (dialects/gitlab/useraccesstokenapi.h): iss = aud =
    // gitlab-ai-gateway, sub = the global user id, scopes [complete_code], valid 1 h; duo_seat_count
    // carried over from the instance token that asked for it (`duoSeatCount`, left out when blank), as
    // GitLab's gateway issues it. Thread-safe.
    Result<UserAccessToken> mintUserAccessToken(const QString &globalUserId, const QString &realm,
                                                const QString &instanceId, const QString &duoSeatCount = {});

    // {"mode":"required"|"disabled", ...} for readiness and info.
    QJsonObject status() const;

    Result<IssuedSecret> issue(const TokenRequest &request, const QString &actor);
    Result<bool> revoke(const QString &id, const QString &actor);
    Result<SigningKeyInfo> rotateKeys(KeyAlg alg, const QString &actor);
    Status updateSettings(const AuthSettings &settings, const QString &actor);
    GitLabTrust &trust() { return *m_trust; }
    SigningKeyStore &signingKeys() { return *m_keys; }

    TokenStore &tokenStore() { return *m_store; }
    AuditLog &auditLog() { return *m_audit; }
    qint64 nowSeconds() const { return m_nowMs() / 1000; }
    // Records an admin change in the audit log.
    void audit(const QString &actor, const QString &action, const QString &target, const QByteArray &before,
               const QByteArray &after);

    void record(const AdminCaller &caller, const QString &action, const QString &target, const QByteArray &before,
                const QByteArray &after) override;

Q_SIGNALS:
    void keysPublished();

private:
    AuthModule(Database &db);
    void publishKeys();
    void refreshRevocations();
    void applySettings();

    Database &m_db;
    AuthStartOptions m_options;
    AuthSettings m_settings;
    std::function<qint64()> m_nowMs;
    std::unique_ptr<TokenStore> m_store;
    std::unique_ptr<AuditLog> m_audit;
    std::unique_ptr<SigningKeyStore> m_keys;
    std::unique_ptr<TokenAuthenticator> m_authenticator;
    std::shared_ptr<StoreRevocationFeed> m_revocationFeed; // shared with m_authenticator
    GitLabTrust *m_trust = nullptr;
    std::shared_ptr<http::TlsContext> m_gatewayTls;
    std::shared_ptr<http::TlsContext> m_adminTls;
    mutable std::mutex m_jwksMutex; // guards m_jwksBody (read by worker threads)
    std::shared_ptr<const QByteArray> m_jwksBody;
    QTimer m_housekeeping;
    quint64 m_generation = 0;
};

} // namespace airlock::auth
