#include "jwt.h"

#include <QJsonArray>
#include <QJsonDocument>

#include <cmath>

namespace airlock::auth {

namespace {

Error malformed(const QString &why)
{
    return Error::make(QStringLiteral("malformed_token"), QStringLiteral("the token is malformed: %1").arg(why));
}

std::optional<QJsonObject> decodeObject(QByteArrayView segment)
{
    const auto bytes = base64UrlDecode(segment);
    if (!bytes)
        return std::nullopt;
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(*bytes, &error);
    if (error.error != QJsonParseError::NoError || !doc.isObject())
        return std::nullopt;
    return doc.object();
}

// NumericDate: a JSON number of seconds. Fractions are truncated; absurd values are refused rather
// than cast (a double outside qint64 is undefined behaviour).
std::optional<qint64> numericDate(const QJsonObject &claims, const char *name, bool *present)
{
    const QJsonValue v = claims.value(QLatin1String(name));
    *present = !v.isUndefined() && !v.isNull();
    if (!*present)
        return 0;
    if (!v.isDouble())
        return std::nullopt;
    const double d = v.toDouble();
    if (!std::isfinite(d) || d < 0 || d > 253402300799.0) // year 9999
        return std::nullopt;
    return qint64(d);
}

Error invalidClaim(const char *name, const char *what)
{
    return Error::make(QStringLiteral("invalid_claims"),
                       QStringLiteral("the token's \"%1\" claim %2").arg(QLatin1String(name), QLatin1String(what)));
}

} // namespace

Result<ParsedJwt> parseJwt(QByteArrayView token)
{
    if (token.isEmpty())
        return malformed(QStringLiteral("it is empty"));
    if (token.size() > kMaxTokenBytes) {
        return Error::make(QStringLiteral("token_too_large"),
                           QStringLiteral("the token is larger than %1 bytes").arg(kMaxTokenBytes));
    }
    const qsizetype dot1 = token.indexOf('.');
    const qsizetype dot2 = dot1 < 0 ? -1 : token.indexOf('.', dot1 + 1);
    if (dot1 <= 0 || dot2 < 0 || token.indexOf('.', dot2 + 1) >= 0)
        return malformed(QStringLiteral("a JWT has exactly three dot-separated parts"));
    const QByteArrayView headerPart = token.first(dot1);
    const QByteArrayView payloadPart = token.sliced(dot1 + 1, dot2 - dot1 - 1);
    const QByteArrayView signaturePart = token.sliced(dot2 + 1);
    if (payloadPart.isEmpty())
        return malformed(QStringLiteral("the payload is empty"));

    ParsedJwt jwt;
    const auto header = decodeObject(headerPart);
    if (!header)
        return malformed(QStringLiteral("the header is not base64url-encoded JSON object"));
    jwt.header = *header;
    const auto payload = decodeObject(payloadPart);
    if (!payload)
        return malformed(QStringLiteral("the payload is not a base64url-encoded JSON object"));
    const auto signature = base64UrlDecode(signaturePart);
    if (!signature)
        return malformed(QStringLiteral("the signature is not base64url"));
    jwt.signature = *signature;
    jwt.signingInput = token.first(dot2).toByteArray();

    const QJsonValue alg = jwt.header.value(QLatin1String("alg"));
    if (!alg.isString())
        return malformed(QStringLiteral("the header has no \"alg\""));
    jwt.alg = alg.toString();
    const QJsonValue kid = jwt.header.value(QLatin1String("kid"));
    if (!kid.isUndefined() && !kid.isString())
        return malformed(QStringLiteral("the header's \"kid\" is not a string"));
    jwt.kid = kid.toString();
    const QJsonValue typ = jwt.header.value(QLatin1String("typ"));
    if (!typ.isUndefined() && typ.toString().compare(QLatin1String("JWT"), Qt::CaseInsensitive) != 0)
        return malformed(QStringLiteral("the header's \"typ\" is not JWT"));
    if (jwt.header.contains(QLatin1String("crit")))
        return malformed(QStringLiteral("critical header extensions are not supported"));

    const QJsonObject &c = *payload;
    JwtClaims &claims = jwt.claims;
    claims.raw = c;
    auto stringClaim = [&c](const char *name, QString *out) {
        const QJsonValue v = c.value(QLatin1String(name));
        if (v.isUndefined() || v.isNull())
            return true;
        if (!v.isString())
            return false;
        *out = v.toString();
        return true;
    };
    if (!stringClaim("iss", &claims.issuer))
        return invalidClaim("iss", "is not a string");
    if (!stringClaim("sub", &claims.subject))
        return invalidClaim("sub", "is not a string");
    if (!stringClaim("jti", &claims.tokenId))
        return invalidClaim("jti", "is not a string");
    if (!stringClaim("gitlab_realm", &claims.realm))
        return invalidClaim("gitlab_realm", "is not a string");
    if (!stringClaim("gitlab_instance_id", &claims.instanceId))
        return invalidClaim("gitlab_instance_id", "is not a string");
    const QJsonValue seats = c.value(QLatin1String("duo_seat_count"));
    if (seats.isString())
        claims.duoSeatCount = seats.toString();
    else if (seats.isDouble() && seats.toDouble() == double(seats.toInteger()))
        claims.duoSeatCount = QString::number(seats.toInteger());
    else if (!seats.isUndefined() && !seats.isNull())
        return invalidClaim("duo_seat_count", "is not a string or an integer");
    const QJsonValue aud = c.value(QLatin1String("aud"));
    if (aud.isString()) {
        claims.audience << aud.toString();
    } else if (aud.isArray()) {
        for (const QJsonValue &a : aud.toArray()) {
            if (!a.isString())
                return invalidClaim("aud", "has a member that is not a string");
            claims.audience << a.toString();
        }
    } else if (!aud.isUndefined()) {
        return invalidClaim("aud", "is neither a string nor an array");
    }
    const QJsonValue scopes = c.value(QLatin1String("scopes"));
    if (scopes.isArray()) {
        for (const QJsonValue &s : scopes.toArray()) {
            if (!s.isString())
                return invalidClaim("scopes", "has a member that is not a string");
            claims.scopes << s.toString();
        }
    } else if (!scopes.isUndefined() && !scopes.isNull()) {
        return invalidClaim("scopes", "is not an array");
    }
    const QJsonValue scope = c.value(QLatin1String("scope")); // OAuth style: space-separated
    if (scope.isString())
        claims.scopes << scope.toString().split(QLatin1Char(' '), Qt::SkipEmptyParts);
    bool present = false;
    const auto exp = numericDate(c, "exp", &present);
    if (!exp)
        return invalidClaim("exp", "is not a valid NumericDate");
    if (!present)
        return invalidClaim("exp", "is missing");
    claims.expiresAt = *exp;
    const auto nbf = numericDate(c, "nbf", &present);
    if (!nbf)
        return invalidClaim("nbf", "is not a valid NumericDate");
    claims.notBefore = *nbf;
    const auto iat = numericDate(c, "iat", &present);
    if (!iat)
        return invalidClaim("iat", "is not a valid NumericDate");
    claims.issuedAt = *iat;
    return jwt;
}

QByteArray signJwt(const SigningKey &key, const QJsonObject &claims)
{
    const QJsonObject header{{QStringLiteral("alg"), algName(key.alg())},
                             {QStringLiteral("typ"), QStringLiteral("JWT")},
                             {QStringLiteral("kid"), key.kid()}};
    QByteArray input = base64UrlEncode(QJsonDocument(header).toJson(QJsonDocument::Compact));
    input += '.';
    input += base64UrlEncode(QJsonDocument(claims).toJson(QJsonDocument::Compact));
    const QByteArray signature = key.sign(input);
    if (signature.isEmpty())
        return {};
    return input + '.' + base64UrlEncode(signature);
}

const PublicKey *KeySet::find(const QString &issuer, const QString &kid) const
{
    const auto it = byIssuer.constFind(issuer);
    if (it == byIssuer.cend())
        return nullptr;
    const auto k = it->constFind(kid);
    return k == it->cend() ? nullptr : &*k;
}

Status TokenVerifier::checkTimes(const JwtClaims &claims, qint64 now, int leeway)
{
    if (claims.expiresAt + leeway <= now)
        return Error::make(QStringLiteral("expired"), QStringLiteral("the token has expired"));
    if (claims.notBefore && claims.notBefore - leeway > now)
        return Error::make(QStringLiteral("not_yet_valid"), QStringLiteral("the token is not valid yet (nbf)"));
    if (claims.issuedAt && claims.issuedAt - leeway > now)
        return Error::make(QStringLiteral("not_yet_valid"), QStringLiteral("the token was issued in the future (iat)"));
    return {};
}

Result<JwtClaims> TokenVerifier::verify(QByteArrayView token, const KeySet &keys, qint64 now,
                                        const VerifyOptions &options, QString *unknownKidIssuer)
{
    auto parsed = parseJwt(token);
    if (!parsed)
        return parsed.error();
    ParsedJwt &jwt = *parsed;
    const auto alg = algFromName(jwt.alg);
    if (!alg) {
        return Error::make(QStringLiteral("unsupported_alg"),
                           jwt.alg.compare(QLatin1String("none"), Qt::CaseInsensitive) == 0
                               ? QStringLiteral("unsigned tokens (alg none) are refused")
                               : QStringLiteral("the token's algorithm is not accepted (RS256, ES256, EdDSA only)"));
    }
    if (!keys.trusts(jwt.claims.issuer))
        return Error::make(QStringLiteral("wrong_issuer"), QStringLiteral("the token's issuer is not trusted"));
    const auto &issuerKeys = keys.byIssuer.value(jwt.claims.issuer);
    const PublicKey *key = nullptr;
    if (!jwt.kid.isEmpty()) {
        const auto it = issuerKeys.constFind(jwt.kid);
        if (it == issuerKeys.cend()) {
            if (unknownKidIssuer)
                *unknownKidIssuer = jwt.claims.issuer;
            return Error::make(QStringLiteral("unknown_kid"), QStringLiteral("the token names a signing key (kid) that is not known"));
        }
        key = &*it;
        if (key->alg() != *alg) {
            return Error::make(QStringLiteral("alg_mismatch"),
                               QStringLiteral("the token's algorithm %1 does not match its key (%2)").arg(jwt.alg, algName(key->alg())));
        }
        if (!key->verify(jwt.signingInput, jwt.signature))
            return Error::make(QStringLiteral("bad_signature"), QStringLiteral("the token's signature is not valid"));
    } else {
        // No kid: only a key of the token's algorithm may verify it.
        bool verified = false;
        bool anyOfAlg = false;
        for (const PublicKey &candidate : issuerKeys) {
            if (candidate.alg() != *alg)
                continue;
            anyOfAlg = true;
            if (candidate.verify(jwt.signingInput, jwt.signature)) {
                verified = true;
                break;
            }
        }
        if (!anyOfAlg)
            return Error::make(QStringLiteral("alg_mismatch"), QStringLiteral("no key of the issuer uses the token's algorithm"));
        if (!verified)
            return Error::make(QStringLiteral("bad_signature"), QStringLiteral("the token's signature is not valid"));
    }
    if (!jwt.claims.audience.contains(options.audience))
        return Error::make(QStringLiteral("wrong_audience"), QStringLiteral("the token is not meant for this gateway (aud)"));
    if (auto st = checkTimes(jwt.claims, now, options.leewaySeconds); !st)
        return st.error();
    if (jwt.claims.subject.isEmpty())
        return invalidClaim("sub", "is missing");
    return std::move(jwt.claims);
}

} // namespace airlock::auth
