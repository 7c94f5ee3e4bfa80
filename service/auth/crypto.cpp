#include "crypto.h"

#include <QJsonDocument>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

namespace airlock::auth {

namespace {

struct PkeyFree { void operator()(EVP_PKEY *p) const { EVP_PKEY_free(p); } };
struct CtxFree { void operator()(EVP_PKEY_CTX *p) const { EVP_PKEY_CTX_free(p); } };
struct MdCtxFree { void operator()(EVP_MD_CTX *p) const { EVP_MD_CTX_free(p); } };
struct BnFree { void operator()(BIGNUM *p) const { BN_free(p); } };
struct BldFree { void operator()(OSSL_PARAM_BLD *p) const { OSSL_PARAM_BLD_free(p); } };
struct ParamFree { void operator()(OSSL_PARAM *p) const { OSSL_PARAM_free(p); } };
struct SigFree { void operator()(ECDSA_SIG *p) const { ECDSA_SIG_free(p); } };
struct BioFree { void operator()(BIO *p) const { BIO_free(p); } };

std::shared_ptr<EVP_PKEY> adopt(EVP_PKEY *key)
{
    return std::shared_ptr<EVP_PKEY>(key, PkeyFree());
}

Error jwkError(const QString &message)
{
    return Error::make(QStringLiteral("invalid_jwk"), message);
}

std::unique_ptr<BIGNUM, BnFree> toBn(const QByteArray &bytes)
{
    return std::unique_ptr<BIGNUM, BnFree>(
        BN_bin2bn(reinterpret_cast<const unsigned char *>(bytes.constData()), int(bytes.size()), nullptr));
}

QByteArray fromBn(const BIGNUM *bn, int padTo = 0)
{
    const int size = std::max(BN_num_bytes(bn), padTo);
    QByteArray out(size, '\0');
    BN_bn2binpad(bn, reinterpret_cast<unsigned char *>(out.data()), size);
    return out;
}

EVP_PKEY *fromData(const char *type, OSSL_PARAM *params)
{
    std::unique_ptr<EVP_PKEY_CTX, CtxFree> ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
    EVP_PKEY *key = nullptr;
    if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) <= 0
        || EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params) <= 0) {
        return nullptr;
    }
    return key;
}

std::optional<QByteArray> member(const QJsonObject &jwk, const char *name)
{
    const QJsonValue v = jwk.value(QLatin1String(name));
    if (!v.isString())
        return std::nullopt;
    return base64UrlDecode(v.toString().toLatin1());
}

std::optional<KeyAlg> algOfKey(EVP_PKEY *key)
{
    switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA:
        return EVP_PKEY_get_bits(key) >= 2048 ? std::optional(KeyAlg::RS256) : std::nullopt;
    case EVP_PKEY_EC: {
        char group[64] = {};
        size_t len = 0;
        if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &len) <= 0)
            return std::nullopt;
        const QByteArray name(group, qsizetype(len));
        return name == "prime256v1" || name == "P-256" ? std::optional(KeyAlg::ES256) : std::nullopt;
    }
    case EVP_PKEY_ED25519:
        return KeyAlg::EdDSA;
    default:
        return std::nullopt;
    }
}

QJsonObject publicJwk(EVP_PKEY *key, KeyAlg alg)
{
    QJsonObject jwk;
    switch (alg) {
    case KeyAlg::RS256: {
        BIGNUM *n = nullptr;
        BIGNUM *e = nullptr;
        EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &n);
        EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &e);
        std::unique_ptr<BIGNUM, BnFree> nn(n), ee(e);
        if (!n || !e)
            return {};
        jwk.insert(QStringLiteral("kty"), QStringLiteral("RSA"));
        jwk.insert(QStringLiteral("n"), QString::fromLatin1(base64UrlEncode(fromBn(n))));
        jwk.insert(QStringLiteral("e"), QString::fromLatin1(base64UrlEncode(fromBn(e))));
        break;
    }
    case KeyAlg::ES256: {
        BIGNUM *x = nullptr;
        BIGNUM *y = nullptr;
        EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_X, &x);
        EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_Y, &y);
        std::unique_ptr<BIGNUM, BnFree> xx(x), yy(y);
        if (!x || !y)
            return {};
        jwk.insert(QStringLiteral("kty"), QStringLiteral("EC"));
        jwk.insert(QStringLiteral("crv"), QStringLiteral("P-256"));
        jwk.insert(QStringLiteral("x"), QString::fromLatin1(base64UrlEncode(fromBn(x, 32))));
        jwk.insert(QStringLiteral("y"), QString::fromLatin1(base64UrlEncode(fromBn(y, 32))));
        break;
    }
    case KeyAlg::EdDSA: {
        unsigned char raw[32];
        size_t len = sizeof raw;
        if (EVP_PKEY_get_raw_public_key(key, raw, &len) <= 0)
            return {};
        jwk.insert(QStringLiteral("kty"), QStringLiteral("OKP"));
        jwk.insert(QStringLiteral("crv"), QStringLiteral("Ed25519"));
        jwk.insert(QStringLiteral("x"),
                   QString::fromLatin1(base64UrlEncode(QByteArrayView(reinterpret_cast<const char *>(raw), qsizetype(len)))));
        break;
    }
    }
    return jwk;
}

QString thumbprintOf(const QJsonObject &jwk)
{
    // RFC 7638: the required members only, lexicographic order, no whitespace.
    QByteArray canonical;
    const QString kty = jwk.value(QLatin1String("kty")).toString();
    auto m = [&](const char *name) -> QByteArray {
        return QByteArray("\"") + name + "\":\"" + jwk.value(QLatin1String(name)).toString().toLatin1() + '"';
    };
    if (kty == QLatin1String("RSA"))
        canonical = '{' + m("e") + ',' + m("kty") + ',' + m("n") + '}';
    else if (kty == QLatin1String("EC"))
        canonical = '{' + m("crv") + ',' + m("kty") + ',' + m("x") + ',' + m("y") + '}';
    else
        canonical = '{' + m("crv") + ',' + m("kty") + ',' + m("x") + '}';
    return QString::fromLatin1(base64UrlEncode(sha256(canonical)));
}

// JWS ES256 signatures are r||s (32 bytes each); OpenSSL speaks DER.
QByteArray rawToDer(QByteArrayView raw)
{
    if (raw.size() != 64)
        return {};
    std::unique_ptr<ECDSA_SIG, SigFree> sig(ECDSA_SIG_new());
    BIGNUM *r = BN_bin2bn(reinterpret_cast<const unsigned char *>(raw.data()), 32, nullptr);
    BIGNUM *s = BN_bin2bn(reinterpret_cast<const unsigned char *>(raw.data()) + 32, 32, nullptr);
    if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
        BN_free(r);
        BN_free(s);
        return {};
    }
    unsigned char *der = nullptr;
    const int len = i2d_ECDSA_SIG(sig.get(), &der);
    if (len <= 0)
        return {};
    QByteArray out(reinterpret_cast<const char *>(der), len);
    OPENSSL_free(der);
    return out;
}

QByteArray derToRaw(QByteArrayView der)
{
    const unsigned char *p = reinterpret_cast<const unsigned char *>(der.data());
    std::unique_ptr<ECDSA_SIG, SigFree> sig(d2i_ECDSA_SIG(nullptr, &p, long(der.size())));
    if (!sig)
        return {};
    return fromBn(ECDSA_SIG_get0_r(sig.get()), 32) + fromBn(ECDSA_SIG_get0_s(sig.get()), 32);
}

} // namespace

QString algName(KeyAlg alg)
{
    switch (alg) {
    case KeyAlg::RS256: return QStringLiteral("RS256");
    case KeyAlg::ES256: return QStringLiteral("ES256");
    case KeyAlg::EdDSA: return QStringLiteral("EdDSA");
    }
    return {};
}

std::optional<KeyAlg> algFromName(QStringView name)
{
    if (name == QLatin1String("RS256"))
        return KeyAlg::RS256;
    if (name == QLatin1String("ES256"))
        return KeyAlg::ES256;
    if (name == QLatin1String("EdDSA"))
        return KeyAlg::EdDSA;
    return std::nullopt;
}

QByteArray base64UrlEncode(QByteArrayView bytes)
{
    return bytes.toByteArray().toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
}

std::optional<QByteArray> base64UrlDecode(QByteArrayView text)
{
    if (text.size() % 4 == 1)
        return std::nullopt;
    QByteArray out;
    out.reserve(text.size() * 3 / 4 + 1);
    quint32 buffer = 0;
    int bits = 0;
    for (const char c : text) {
        int v;
        if (c >= 'A' && c <= 'Z')
            v = c - 'A';
        else if (c >= 'a' && c <= 'z')
            v = c - 'a' + 26;
        else if (c >= '0' && c <= '9')
            v = c - '0' + 52;
        else if (c == '-')
            v = 62;
        else if (c == '_')
            v = 63;
        else
            return std::nullopt;
        buffer = (buffer << 6) | quint32(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.append(char((buffer >> bits) & 0xff));
        }
    }
    // Left-over bits must be zero, else two texts decode to the same bytes.
    if (bits > 0 && (buffer & ((1u << bits) - 1)) != 0)
        return std::nullopt;
    return out;
}

QByteArray randomBytes(int count)
{
    QByteArray out(count, Qt::Uninitialized);
    if (RAND_bytes(reinterpret_cast<unsigned char *>(out.data()), count) != 1)
        qFatal("airlock: the system random generator failed");
    return out;
}

QByteArray sha256(QByteArrayView bytes)
{
    unsigned char digest[32];
    unsigned int len = 0;
    EVP_Digest(bytes.data(), size_t(bytes.size()), digest, &len, EVP_sha256(), nullptr);
    return QByteArray(reinterpret_cast<const char *>(digest), int(len));
}

QByteArray pbkdf2Sha256(QByteArrayView secret, QByteArrayView salt, int iterations, int length)
{
    QByteArray out(length, '\0');
    if (PKCS5_PBKDF2_HMAC(secret.data(), int(secret.size()), reinterpret_cast<const unsigned char *>(salt.data()),
                          int(salt.size()), iterations, EVP_sha256(), length,
                          reinterpret_cast<unsigned char *>(out.data()))
        != 1) {
        return {};
    }
    return out;
}

bool constantTimeEquals(QByteArrayView a, QByteArrayView b)
{
    if (a.size() != b.size() || a.isEmpty())
        return false;
    return CRYPTO_memcmp(a.data(), b.data(), size_t(a.size())) == 0;
}

Result<PublicKey> PublicKey::fromJwk(const QJsonObject &jwk)
{
    const QString kty = jwk.value(QLatin1String("kty")).toString();
    const QJsonValue use = jwk.value(QLatin1String("use"));
    if (!use.isUndefined() && use.toString() != QLatin1String("sig"))
        return Error::make(QStringLiteral("unsupported_key"), QStringLiteral("the key is not for signatures (use)"));
    EVP_PKEY *raw = nullptr;
    if (kty == QLatin1String("RSA")) {
        const auto n = member(jwk, "n");
        const auto e = member(jwk, "e");
        if (!n || !e || n->isEmpty() || e->isEmpty())
            return jwkError(QStringLiteral("an RSA JWK needs base64url n and e"));
        auto nb = toBn(*n);
        auto eb = toBn(*e);
        std::unique_ptr<OSSL_PARAM_BLD, BldFree> bld(OSSL_PARAM_BLD_new());
        if (!nb || !eb || !bld || !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, nb.get())
            || !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, eb.get()))
            return jwkError(QStringLiteral("the RSA key cannot be built"));
        std::unique_ptr<OSSL_PARAM, ParamFree> params(OSSL_PARAM_BLD_to_param(bld.get()));
        raw = params ? fromData("RSA", params.get()) : nullptr;
    } else if (kty == QLatin1String("EC")) {
        if (jwk.value(QLatin1String("crv")).toString() != QLatin1String("P-256"))
            return Error::make(QStringLiteral("unsupported_key"), QStringLiteral("only the P-256 curve is supported"));
        const auto x = member(jwk, "x");
        const auto y = member(jwk, "y");
        if (!x || !y || x->size() != 32 || y->size() != 32)
            return jwkError(QStringLiteral("a P-256 JWK needs 32-byte x and y"));
        QByteArray point = QByteArray(1, '\x04') + *x + *y;
        OSSL_PARAM params[] = {
            OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, const_cast<char *>("prime256v1"), 0),
            OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point.data(), size_t(point.size())),
            OSSL_PARAM_construct_end(),
        };
        raw = fromData("EC", params); // fails for a point not on the curve
    } else if (kty == QLatin1String("OKP")) {
        if (jwk.value(QLatin1String("crv")).toString() != QLatin1String("Ed25519"))
            return Error::make(QStringLiteral("unsupported_key"), QStringLiteral("only the Ed25519 curve is supported"));
        const auto x = member(jwk, "x");
        if (!x || x->size() != 32)
            return jwkError(QStringLiteral("an Ed25519 JWK needs a 32-byte x"));
        raw = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr,
                                          reinterpret_cast<const unsigned char *>(x->constData()), size_t(x->size()));
    } else {
        return Error::make(QStringLiteral("unsupported_key"), QStringLiteral("unsupported key type \"%1\"").arg(kty));
    }
    if (!raw)
        return jwkError(QStringLiteral("the %1 key is not valid").arg(kty));
    PublicKey key;
    key.m_key = adopt(raw);
    const auto alg = algOfKey(raw);
    if (!alg)
        return Error::make(QStringLiteral("unsupported_key"), QStringLiteral("the key is too weak or of an unsupported kind"));
    key.m_alg = *alg;
    const QJsonValue declared = jwk.value(QLatin1String("alg"));
    if (!declared.isUndefined() && declared.toString() != algName(*alg)) {
        return Error::make(QStringLiteral("unsupported_key"),
                           QStringLiteral("the JWK declares alg \"%1\" but is a %2 key").arg(declared.toString(), algName(*alg)));
    }
    key.m_kid = jwk.value(QLatin1String("kid")).toString();
    if (key.m_kid.isEmpty())
        key.m_kid = key.thumbprint();
    return key;
}

QJsonObject PublicKey::toJwk() const
{
    if (!m_key)
        return {};
    QJsonObject jwk = publicJwk(m_key.get(), m_alg);
    jwk.insert(QStringLiteral("kid"), m_kid);
    jwk.insert(QStringLiteral("alg"), algName(m_alg));
    jwk.insert(QStringLiteral("use"), QStringLiteral("sig"));
    return jwk;
}

QString PublicKey::thumbprint() const
{
    return m_key ? thumbprintOf(publicJwk(m_key.get(), m_alg)) : QString();
}

bool PublicKey::verify(QByteArrayView signingInput, QByteArrayView signature) const
{
    if (!m_key)
        return false;
    QByteArray der;
    QByteArrayView sig = signature;
    const EVP_MD *md = EVP_sha256();
    switch (m_alg) {
    case KeyAlg::RS256:
        if (signature.size() != EVP_PKEY_get_size(m_key.get()))
            return false;
        break;
    case KeyAlg::ES256:
        der = rawToDer(signature);
        if (der.isEmpty())
            return false;
        sig = der;
        break;
    case KeyAlg::EdDSA:
        if (signature.size() != 64)
            return false;
        md = nullptr;
        break;
    }
    std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
    if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, m_key.get()) != 1)
        return false;
    return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char *>(sig.data()), size_t(sig.size()),
                            reinterpret_cast<const unsigned char *>(signingInput.data()), size_t(signingInput.size()))
        == 1;
}

Result<SigningKey> SigningKey::generate(KeyAlg alg)
{
    EVP_PKEY *raw = nullptr;
    switch (alg) {
    case KeyAlg::RS256:
        raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t(2048));
        break;
    case KeyAlg::ES256:
        raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
        break;
    case KeyAlg::EdDSA:
        raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
        break;
    }
    if (!raw)
        return Error::make(QStringLiteral("keygen_failed"), QStringLiteral("OpenSSL could not generate a %1 key").arg(algName(alg)));
    SigningKey key;
    key.m_key = adopt(raw);
    key.m_alg = alg;
    key.m_kid = thumbprintOf(publicJwk(raw, alg));
    return key;
}

Result<SigningKey> SigningKey::fromPem(QByteArrayView pem)
{
    std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), int(pem.size())));
    EVP_PKEY *raw = bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr;
    if (!raw)
        return Error::make(QStringLiteral("invalid_key_file"), QStringLiteral("not a PEM private key"));
    SigningKey key;
    key.m_key = adopt(raw);
    const auto alg = algOfKey(raw);
    if (!alg)
        return Error::make(QStringLiteral("unsupported_key"), QStringLiteral("the private key is of an unsupported kind"));
    key.m_alg = *alg;
    key.m_kid = thumbprintOf(publicJwk(raw, *alg));
    return key;
}

QByteArray SigningKey::toPem() const
{
    std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
    if (!m_key || !bio || PEM_write_bio_PrivateKey(bio.get(), m_key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1)
        return {};
    char *data = nullptr;
    const long len = BIO_get_mem_data(bio.get(), &data);
    QByteArray out(data, int(len));
    return out;
}

PublicKey SigningKey::publicKey() const
{
    PublicKey key;
    key.m_key = m_key; // verification uses only the public half
    key.m_alg = m_alg;
    key.m_kid = m_kid;
    return key;
}

QByteArray SigningKey::sign(QByteArrayView signingInput) const
{
    if (!m_key)
        return {};
    std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
    const EVP_MD *md = m_alg == KeyAlg::EdDSA ? nullptr : EVP_sha256();
    if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, md, nullptr, m_key.get()) != 1)
        return {};
    size_t len = 0;
    const auto *in = reinterpret_cast<const unsigned char *>(signingInput.data());
    if (EVP_DigestSign(ctx.get(), nullptr, &len, in, size_t(signingInput.size())) != 1)
        return {};
    QByteArray out(qsizetype(len), '\0');
    if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char *>(out.data()), &len, in, size_t(signingInput.size())) != 1)
        return {};
    out.resize(qsizetype(len));
    return m_alg == KeyAlg::ES256 ? derToRaw(out) : out;
}

} // namespace airlock::auth
