#pragma once

// Airlock's own signing keys, on disk under <data dir>/keys/ (directory 0700, files 0600):
//   <kid>.pem   the private key (PKCS#8 PEM)
//   keys.json   {"active": kid, "keys": [{"kid","alg","created_at","retired_at","verify_until"}]}
//
// Lifecycle: open() loads the keys or, at first start, creates one (ES256 by default). rotate() makes a
// new key active; the old one stops signing at once but keeps verifying until verify_until, which the
// caller sets to the expiry of the last token it signed (so no valid token is orphaned). prune() deletes
// retired keys past verify_until. The published JWKS lists every key that still verifies.
//
// Thread-safety: active() and verificationKeys() may be called from any thread (copies under a mutex);
// rotate/prune/reload are control-plane calls (file I/O).

#include "crypto.h"
#include "result.h"

#include <QJsonObject>
#include <QList>

#include <functional>
#include <memory>
#include <mutex>

namespace airlock::auth {

struct SigningKeyInfo
{
    QString kid;
    KeyAlg alg = KeyAlg::ES256;
    qint64 createdAt = 0;
    qint64 retiredAt = 0;   // 0: active
    qint64 verifyUntil = 0; // retired keys: last second a token signed by it can be valid
    QJsonObject toJson(bool active) const;
};

class SigningKeyStore
{
public:
    // `nowSeconds`: epoch seconds (tests pass a fake clock).
    static Result<std::unique_ptr<SigningKeyStore>> open(const QString &dataDir, KeyAlg newKeyAlg = KeyAlg::ES256,
                                                         std::function<qint64()> nowSeconds = {});

    QString directory() const { return m_dir; }
    SigningKey active() const;
    QList<SigningKeyInfo> keys() const;
    // The keys that still verify (active first).
    QList<PublicKey> verificationKeys() const;
    // {"keys":[JWK...]}
    QJsonObject jwks() const;

    // New active key; the previous one verifies until `previousVerifyUntil` (epoch seconds).
    Result<SigningKeyInfo> rotate(KeyAlg alg, qint64 previousVerifyUntil);
    // Deletes retired keys past verify_until; returns how many.
    int prune();
    // Re-reads the directory (another process rotated, SIGHUP).
    Status reload();

private:
    SigningKeyStore() = default;
    Status load();
    Status saveIndex() const;
    Status writeKey(const SigningKey &key) const;

    QString m_dir;
    std::function<qint64()> m_now;
    mutable std::mutex m_mutex; // std: visible to TSan
    QString m_activeKid;
    QList<SigningKeyInfo> m_info;
    QHash<QString, SigningKey> m_keys;
};

// Writes `bytes` to `path` atomically with mode 0600.
Status writePrivateFile(const QString &path, const QByteArray &bytes);

} // namespace airlock::auth
