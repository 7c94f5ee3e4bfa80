#pragma once

// OpenSSL (libcrypto) underneath the JWT code: public keys read from JWKs, Airlock's own signing keys,
// and the primitives the admin credential needs. Nothing here knows about HTTP or Qt's event loop.
//
// Algorithms are bound to keys, never taken from a token: an RSA key verifies RS256 only (2048 bits or
// more), a P-256 key ES256 only, an Ed25519 key EdDSA only. HMAC and `none` do not exist here, so a
// token cannot talk a verifier into treating a public key as a shared secret.
//
// Thread-safety: PublicKey and SigningKey are immutable values sharing an EVP_PKEY; verify() and sign()
// may run on any thread at the same time (each call uses its own EVP_MD_CTX).

#include "result.h"

#include <QByteArray>
#include <QJsonObject>
#include <QString>

#include <memory>
#include <optional>

typedef struct evp_pkey_st EVP_PKEY;

namespace airlock::auth {

enum class KeyAlg { RS256, ES256, EdDSA };
QString algName(KeyAlg alg);
// Only the three names above; anything else (none, HS256, PS256, ...) is refused by the caller.
std::optional<KeyAlg> algFromName(QStringView name);

// base64url without padding (RFC 7515 §2). decode() is strict: only the url alphabet, no padding,
// no whitespace, no impossible lengths, no non-zero trailing bits.
QByteArray base64UrlEncode(QByteArrayView bytes);
std::optional<QByteArray> base64UrlDecode(QByteArrayView text);

QByteArray randomBytes(int count);
QByteArray sha256(QByteArrayView bytes);
// PBKDF2-HMAC-SHA256.
QByteArray pbkdf2Sha256(QByteArrayView secret, QByteArrayView salt, int iterations, int length = 32);
// Constant-time comparison (the time depends on the lengths only).
bool constantTimeEquals(QByteArrayView a, QByteArrayView b);

class PublicKey
{
public:
    PublicKey() = default;
    // A JWK (RFC 7517): kty RSA (n, e), EC with crv P-256 (x, y), OKP with crv Ed25519 (x). A JWK's own
    // `alg`, when present, must agree with the key type; `use`, when present, must be "sig".
    // Error codes: "invalid_jwk", "unsupported_key".
    static Result<PublicKey> fromJwk(const QJsonObject &jwk);

    bool isNull() const { return !m_key; }
    KeyAlg alg() const { return m_alg; }
    QString kid() const { return m_kid; }
    // The public JWK, with kid, alg and use.
    QJsonObject toJwk() const;
    // RFC 7638 thumbprint, base64url.
    QString thumbprint() const;

    bool verify(QByteArrayView signingInput, QByteArrayView signature) const;

private:
    friend class SigningKey;
    std::shared_ptr<EVP_PKEY> m_key;
    KeyAlg m_alg = KeyAlg::RS256;
    QString m_kid;
};

class SigningKey
{
public:
    SigningKey() = default;
    // A new key; kid = its RFC 7638 thumbprint. RS256 keys are 2048 bits (tests; GitLab's kind).
    static Result<SigningKey> generate(KeyAlg alg);
    // PKCS#8 PEM, unencrypted (the file is protected by its mode).
    static Result<SigningKey> fromPem(QByteArrayView pem);
    QByteArray toPem() const;

    bool isNull() const { return !m_key; }
    KeyAlg alg() const { return m_alg; }
    QString kid() const { return m_kid; }
    PublicKey publicKey() const;
    // JWS signature of signingInput (ES256: raw r||s, 64 bytes).
    QByteArray sign(QByteArrayView signingInput) const;

private:
    std::shared_ptr<EVP_PKEY> m_key;
    KeyAlg m_alg = KeyAlg::ES256;
    QString m_kid;
};

} // namespace airlock::auth
