// libFuzzer target for the JWT parser and verifier (auth/jwt.h, auth/tokenauthenticator.h).
//
// Input: byte 0 picks the mode, the rest is data.
//   mode 0: the data is a bearer token, verified as is (parser, base64url, JSON, alg/kid handling).
//   mode 1: the data is "<header JSON>\0<payload JSON>": both are encoded and *signed with a trusted
//           key*, so the fuzzer reaches everything after the signature check (alg/key binding, claims,
//           times, GitLab header rules).
//   mode 2: the data is an Authorization header value, through authenticate() with GitLab headers.
// Invariants: no crash or UB; a refusal has a stable code and a message that never contains the token;
// an acceptance has a trusted issuer, our audience, an unexpired exp and an algorithm equal to the key's.

#include "auth/jwt.h"
#include "auth/tokenauthenticator.h"
#include "http/httpexchange.h"

#include <QCoreApplication>

#include <cstdint>
#include <cstdio>
#include <cstdlib>

using namespace airlock;
using namespace airlock::auth;

namespace {

constexpr qint64 kNow = 1'750'000'000;

void check(bool condition, const char *what)
{
    if (!condition) {
        std::fprintf(stderr, "fuzz_jwt: invariant violated: %s\n", what);
        std::abort();
    }
}

struct Fixture
{
    SigningKey rsa = *SigningKey::generate(KeyAlg::RS256);
    SigningKey ec = *SigningKey::generate(KeyAlg::ES256);
    SigningKey ed = *SigningKey::generate(KeyAlg::EdDSA);
    std::shared_ptr<KeySet> keys = [this] {
        auto set = std::make_shared<KeySet>();
        set->generation = 1;
        set->byIssuer[QStringLiteral("https://gitlab.example.com")].insert(rsa.kid(), rsa.publicKey());
        set->byIssuer[QString(kSelfIssuer)].insert(ec.kid(), ec.publicKey());
        set->byIssuer[QString(kSelfIssuer)].insert(ed.kid(), ed.publicKey());
        return set;
    }();
    TokenAuthenticator authenticator{[] { return kNow * 1000; }};
    Fixture() { authenticator.setKeySet(keys); }
};

Fixture &fixture()
{
    static Fixture *f = [] {
        static int argc = 1;
        static char name[] = "fuzz_jwt";
        static char *argv[] = {name, nullptr};
        static QCoreApplication app(argc, argv);
        return new Fixture;
    }();
    return *f;
}

void checkOutcome(const Result<Principal> &p, QByteArrayView token)
{
    if (!p.ok()) {
        check(!p.error().code.isEmpty(), "refusal without a code");
        check(!p.error().message.isEmpty(), "refusal without a message");
        if (token.size() >= 16)
            check(!p.error().message.toUtf8().contains(token.toByteArray()), "the message contains the token");
        return;
    }
    const auto parsed = parseJwt(token);
    check(parsed.ok(), "accepted a token the parser refuses");
    check(fixture().keys->trusts(p->issuer), "accepted an untrusted issuer");
    check(parsed->claims.audience.contains(QString(kAudience)), "accepted another audience");
    check(p->expiresAt + 30 > kNow, "accepted an expired token");
    const PublicKey *key = fixture().keys->find(p->issuer, parsed->kid);
    if (key)
        check(algName(key->alg()) == parsed->alg, "accepted an algorithm that is not the key's");
    check(parsed->alg == QLatin1String("RS256") || parsed->alg == QLatin1String("ES256") || parsed->alg == QLatin1String("EdDSA"),
          "accepted an algorithm outside RS256/ES256/EdDSA");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Fixture &f = fixture();
    if (size < 1)
        return 0;
    const int mode = data[0] % 3;
    const QByteArrayView input(reinterpret_cast<const char *>(data) + 1, qsizetype(size - 1));
    http::HttpRequest request;
    request.headers = {{"X-Gitlab-Authentication-Type", "oidc"},
                       {"X-Gitlab-Realm", "self-managed"},
                       {"X-Gitlab-Instance-Id", "instance"},
                       {"X-Gitlab-Global-User-Id", "user"}};
    if (mode == 0) {
        checkOutcome(f.authenticator.verifyToken(input, Dialect::GitLab, &request), input);
    } else if (mode == 1) {
        const qsizetype zero = input.indexOf('\0');
        if (zero < 0)
            return 0;
        const QByteArray headerJson = input.first(zero).toByteArray();
        const QByteArray payloadJson = input.sliced(zero + 1).toByteArray();
        const QByteArray signingInput = base64UrlEncode(headerJson) + '.' + base64UrlEncode(payloadJson);
        const SigningKey &key = headerJson.size() % 3 == 0 ? f.rsa : headerJson.size() % 3 == 1 ? f.ec : f.ed;
        const QByteArray token = signingInput + '.' + base64UrlEncode(key.sign(signingInput));
        checkOutcome(f.authenticator.verifyToken(token, Dialect::GitLab, &request), token);
    } else {
        request.headers.append({"Authorization", input.toByteArray()});
        const auto p = f.authenticator.authenticate(request, Dialect::OpenAi);
        if (!p.ok())
            check(!p.error().code.isEmpty(), "refusal without a code");
    }
    return 0;
}
