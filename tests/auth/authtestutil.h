#pragma once

// Helpers for the auth tests (no Q_OBJECT here, so moc never reads this file): token crafting, key
// sets, a self-signed TLS certificate made with OpenSSL.

#include "auth/crypto.h"
#include "auth/jwt.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

namespace airlock::test {

inline const QString kGitLabIssuer = QStringLiteral("https://gitlab.example.com");
inline const QString kInstanceId = QStringLiteral("5b0e8c0a-instance");
inline const QString kGlobalUserId = QStringLiteral("global-user-42");

inline QByteArray b64(const QByteArray &bytes)
{
    return auth::base64UrlEncode(bytes);
}

inline QByteArray json(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

// Claims of a valid token of `issuer` at `now`.
inline QJsonObject claimsAt(qint64 now, const QString &issuer, const QString &subject, const QStringList &scopes)
{
    return QJsonObject{{QStringLiteral("iss"), issuer},
                       {QStringLiteral("aud"), QStringLiteral("gitlab-ai-gateway")},
                       {QStringLiteral("sub"), subject},
                       {QStringLiteral("scopes"), QJsonArray::fromStringList(scopes)},
                       {QStringLiteral("jti"), QString(QStringLiteral("jti-") + QString::number(now) + subject)},
                       {QStringLiteral("iat"), now},
                       {QStringLiteral("nbf"), now - 5},
                       {QStringLiteral("exp"), now + 3600}};
}

// A GitLab instance token (RS256): sub = instance id, realm and instance claims.
inline QJsonObject gitlabClaims(qint64 now, const QStringList &scopes = {QStringLiteral("complete_code")})
{
    QJsonObject c = claimsAt(now, kGitLabIssuer, kInstanceId, scopes);
    c.insert(QStringLiteral("gitlab_realm"), QStringLiteral("self-managed"));
    c.insert(QStringLiteral("gitlab_instance_id"), kInstanceId);
    return c;
}

// Signs header+claims as given (header used verbatim), for tokens a real issuer would never make.
inline QByteArray craft(const auth::SigningKey &key, const QJsonObject &header, const QJsonObject &claims)
{
    const QByteArray input = b64(json(header)) + '.' + b64(json(claims));
    return input + '.' + b64(key.sign(input));
}

inline QJsonObject headerFor(const auth::SigningKey &key)
{
    return QJsonObject{{QStringLiteral("alg"), auth::algName(key.alg())},
                       {QStringLiteral("typ"), QStringLiteral("JWT")},
                       {QStringLiteral("kid"), key.kid()}};
}

struct SelfSigned
{
    QByteArray certPem;
    QByteArray keyPem;
};

// A self-signed EC P-256 certificate for CN=localhost / 127.0.0.1, valid for a day.
inline SelfSigned makeSelfSigned(const char *cn = "localhost")
{
    SelfSigned out;
    EVP_PKEY *key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
    X509 *cert = X509_new();
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), long(QDateTime::currentSecsSinceEpoch() & 0x7fffffff));
    X509_gmtime_adj(X509_getm_notBefore(cert), -60);
    X509_gmtime_adj(X509_getm_notAfter(cert), 86400);
    X509_set_pubkey(cert, key);
    X509_NAME *name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char *>(cn), -1, -1, 0);
    X509_set_issuer_name(cert, name);
    X509_sign(cert, key, EVP_sha256());
    BIO *bio = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(bio, cert);
    char *data = nullptr;
    long len = BIO_get_mem_data(bio, &data);
    out.certPem = QByteArray(data, int(len));
    BIO_free(bio);
    bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
    len = BIO_get_mem_data(bio, &data);
    out.keyPem = QByteArray(data, int(len));
    BIO_free(bio);
    X509_free(cert);
    EVP_PKEY_free(key);
    return out;
}

} // namespace airlock::test
