#pragma once

// JSON Web Tokens as Airlock accepts and issues them (RFC 7519 over compact JWS, RFC 7515).
//
// parseJwt() only takes the token apart (strict base64url, JSON objects, size cap); it trusts nothing.
// TokenVerifier::verify() then decides: the issuer must be trusted, the header's alg must be the
// algorithm of the key named by kid (never none, never HMAC), the signature must hold, and exp, nbf,
// iat and aud must pass with the configured leeway. Every refusal has a stable code:
//   malformed_token, token_too_large, unsupported_alg, alg_mismatch, wrong_issuer, unknown_kid,
//   bad_signature, expired, not_yet_valid, wrong_audience, invalid_claims
// and a message that never contains the token.
//
// Thread-safety: pure functions and an immutable KeySet; verify() may run on any thread.

#include "crypto.h"
#include "result.h"

#include <QByteArray>
#include <QHash>
#include <QJsonObject>
#include <QStringList>

#include <memory>

namespace airlock::auth {

inline constexpr QLatin1StringView kAudience{"gitlab-ai-gateway"};
// The issuer of every token Airlock signs (as GitLab's own AI gateway does for user access tokens).
inline constexpr QLatin1StringView kSelfIssuer{"gitlab-ai-gateway"};
inline constexpr qsizetype kMaxTokenBytes = 8192;

struct JwtClaims
{
    QString issuer;
    QString subject;
    QStringList audience;
    QString tokenId;
    QStringList scopes;
    QString realm;      // gitlab_realm
    QString instanceId; // gitlab_instance_id
    QString duoSeatCount; // duo_seat_count (GitLab sends a string; a number is read as its digits); empty: absent
    qint64 expiresAt = 0;
    qint64 notBefore = 0; // 0: absent
    qint64 issuedAt = 0;  // 0: absent
    QJsonObject raw;
};

struct ParsedJwt
{
    QByteArray signingInput; // header.payload as received
    QByteArray signature;
    QJsonObject header;
    QString alg;
    QString kid;
    JwtClaims claims;
};

Result<ParsedJwt> parseJwt(QByteArrayView token);

// Serializes and signs (header alg/kid/typ from the key). `claims` is the whole payload.
QByteArray signJwt(const SigningKey &key, const QJsonObject &claims);

// Verification keys by issuer, then by kid. Immutable once built; swapped whole when keys change.
struct KeySet
{
    QHash<QString, QHash<QString, PublicKey>> byIssuer;
    quint64 generation = 0;

    const PublicKey *find(const QString &issuer, const QString &kid) const;
    bool trusts(const QString &issuer) const { return byIssuer.contains(issuer); }
};

struct VerifyOptions
{
    int leewaySeconds = 30;
    QString audience = kAudience;
};

struct VerifyFailure
{
    Error error;
    QString issuer; // set for unknown_kid: whose key set may need refreshing
};

class TokenVerifier
{
public:
    // `now` in epoch seconds. On unknown_kid, *unknownKidIssuer (if given) names the issuer.
    static Result<JwtClaims> verify(QByteArrayView token, const KeySet &keys, qint64 now, const VerifyOptions &options,
                                    QString *unknownKidIssuer = nullptr);
    // The time checks alone (also run again for cached tokens).
    static Status checkTimes(const JwtClaims &claims, qint64 now, int leewaySeconds);
};

} // namespace airlock::auth
