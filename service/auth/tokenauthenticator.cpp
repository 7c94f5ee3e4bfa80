#include "tokenauthenticator.h"

#include "authlog.h"
#include "http/httpexchange.h"

#include <QDateTime>

namespace airlock::auth {

namespace {

constexpr int kMaxEntriesPerShard = 4096;

Error mismatch(const char *header, const char *claim)
{
    return Error::make(QStringLiteral("claim_mismatch"),
                       QStringLiteral("the %1 header does not match the token's %2").arg(QLatin1String(header), QLatin1String(claim)));
}

// GitLab's header-to-claim rules (see the header comment).
Status checkGitLabHeaders(const JwtClaims &claims, const http::HttpRequest &request)
{
    const bool selfIssued = claims.issuer == kSelfIssuer;
    const bool gitlabToken = !selfIssued || !claims.realm.isEmpty() || !claims.instanceId.isEmpty();
    if (!gitlabToken)
        return {}; // an Airlock client token
    if (request.header("x-gitlab-authentication-type") != "oidc") {
        return Error::make(QStringLiteral("claim_mismatch"),
                           QStringLiteral("the X-Gitlab-Authentication-Type header must be \"oidc\""));
    }
    if (!claims.realm.isEmpty() && QString::fromUtf8(request.header("x-gitlab-realm")) != claims.realm)
        return mismatch("X-Gitlab-Realm", "gitlab_realm");
    if (!claims.instanceId.isEmpty() && QString::fromUtf8(request.header("x-gitlab-instance-id")) != claims.instanceId)
        return mismatch("X-Gitlab-Instance-Id", "gitlab_instance_id");
    // The seat count GitLab bought: a request that names one must name the token's. A request without
    // the header passes (GitLab's gateway logs it and serves it: older instances do not send it).
    const QByteArray seats = request.header("x-gitlab-duo-seat-count");
    if (!claims.duoSeatCount.isEmpty() && !seats.isEmpty() && QString::fromUtf8(seats) != claims.duoSeatCount)
        return mismatch("X-Gitlab-Duo-Seat-Count", "duo_seat_count");
    if (selfIssued) {
        if (QString::fromUtf8(request.header("x-gitlab-global-user-id")) != claims.subject)
            return mismatch("X-Gitlab-Global-User-Id", "sub");
    } else if (QString::fromUtf8(request.header("x-gitlab-instance-id")) != claims.subject) {
        return mismatch("X-Gitlab-Instance-Id", "sub");
    }
    return {};
}

} // namespace

TokenAuthenticator::TokenAuthenticator(std::function<qint64()> nowMs)
    : m_now(nowMs ? std::move(nowMs) : [] { return QDateTime::currentMSecsSinceEpoch(); })
    , m_keys(std::make_shared<const KeySet>())
    , m_revoked(std::make_shared<const RevokedSet>(RevokedSet{std::make_shared<const QSet<QString>>(), 0}))
    , m_limiter(m_now)
{
}

TokenAuthenticator::~TokenAuthenticator() = default;

void TokenAuthenticator::setKeySet(std::shared_ptr<const KeySet> keys)
{
    m_keys.store(keys ? std::move(keys) : std::make_shared<const KeySet>());
}

std::shared_ptr<const KeySet> TokenAuthenticator::keySet() const
{
    return m_keys.load();
}

void TokenAuthenticator::setRevoked(std::shared_ptr<const QSet<QString>> tokenIds, quint64 generation)
{
    auto set = std::make_shared<const RevokedSet>(
        RevokedSet{tokenIds ? std::move(tokenIds) : std::make_shared<const QSet<QString>>(), generation});
    // A reader on another thread may already have published a newer read.
    m_revoked.storeUnless(std::move(set), [generation](const RevokedSet &current) { return current.generation > generation; });
}

void TokenAuthenticator::setRevocationFeed(std::shared_ptr<RevocationFeed> feed)
{
    m_feed = std::move(feed);
}

Result<std::shared_ptr<const TokenAuthenticator::RevokedSet>> TokenAuthenticator::currentRevocations()
{
    auto snapshot = m_revoked.load();
    if (!m_feed || m_feed->generation() == snapshot->generation)
        return snapshot; // the hot path: one atomic load from the shared mapping
    std::lock_guard lock(m_revocationReload);
    // Read the generation before the store: a revocation committed after this read bumps it again.
    const quint64 generation = m_feed->generation();
    snapshot = m_revoked.load();
    if (snapshot->generation == generation)
        return snapshot; // another thread re-read it while this one waited
    auto ids = m_feed->revokedIds();
    if (!ids) {
        qCWarning(lcAuth).noquote() << "cannot re-read revocations from the store:" << ids.error().message;
        return Error::make(QStringLiteral("revocations_unavailable"),
                           QStringLiteral("revocations could not be checked; try again shortly"));
    }
    ++m_revocationReloads;
    setRevoked(std::make_shared<const QSet<QString>>(std::move(ids).value()), generation);
    return m_revoked.load();
}

void TokenAuthenticator::setLeewaySeconds(int seconds)
{
    m_leeway = std::clamp(seconds, 0, 600);
}

void TokenAuthenticator::setUnknownKidHandler(std::function<void(const QString &)> handler)
{
    m_unknownKid = std::move(handler);
}

TokenAuthenticator::Shard &TokenAuthenticator::shardFor(QByteArrayView token)
{
    return m_cache[qHash(token) % m_cache.size()];
}

Result<JwtClaims> TokenAuthenticator::claimsFor(QByteArrayView token, qint64 now)
{
    const auto keys = m_keys.load();
    const int leeway = m_leeway.load();
    Shard &shard = shardFor(token);
    {
        std::unique_lock lock(shard.mutex);
        // fromRawData: the lookup needs no copy of the token.
        const auto it = shard.entries.constFind(QByteArray::fromRawData(token.data(), token.size()));
        if (it != shard.entries.cend() && it->generation == keys->generation) {
            JwtClaims claims = it->claims;
            lock.unlock();
            ++m_hits;
            if (auto st = TokenVerifier::checkTimes(claims, now, leeway); !st)
                return st.error();
            return claims;
        }
    }
    ++m_misses;
    QString unknownKidIssuer;
    auto claims = TokenVerifier::verify(token, *keys, now, VerifyOptions{leeway, QString(kAudience)}, &unknownKidIssuer);
    if (!claims) {
        if (!unknownKidIssuer.isEmpty() && m_unknownKid)
            m_unknownKid(unknownKidIssuer);
        return claims.error();
    }
    std::lock_guard lock(shard.mutex);
    if (shard.entries.size() >= kMaxEntriesPerShard) {
        for (auto it = shard.entries.begin(); it != shard.entries.end();) {
            if (it->claims.expiresAt + leeway <= now || it->generation != keys->generation)
                it = shard.entries.erase(it);
            else
                ++it;
        }
        if (shard.entries.size() >= kMaxEntriesPerShard)
            shard.entries.clear(); // a flood of distinct valid tokens: start over rather than grow
    }
    shard.entries.insert(token.toByteArray(), Entry{*claims, keys->generation});
    return claims;
}

Result<Principal> TokenAuthenticator::verifyToken(QByteArrayView token, Dialect dialect, const http::HttpRequest *request)
{
    const qint64 now = m_now() / 1000;
    if (token.size() > kMaxTokenBytes) {
        return Error::make(QStringLiteral("token_too_large"),
                           QStringLiteral("the token is larger than %1 bytes").arg(kMaxTokenBytes));
    }
    auto claims = claimsFor(token, now);
    if (!claims)
        return claims.error();
    if (!claims->tokenId.isEmpty() && claims->issuer == kSelfIssuer) {
        auto revoked = currentRevocations();
        if (!revoked)
            return revoked.error();
        if ((*revoked)->ids->contains(claims->tokenId))
            return Error::make(QStringLiteral("revoked"), QStringLiteral("the token has been revoked"));
    }
    if (dialect == Dialect::GitLab && request) {
        if (auto st = checkGitLabHeaders(*claims, *request); !st)
            return st.error();
    }
    Principal p;
    p.subject = claims->subject;
    p.issuer = claims->issuer;
    p.tokenId = claims->tokenId;
    p.scopes = claims->scopes;
    p.realm = claims->realm;
    p.instanceId = claims->instanceId;
    p.duoSeatCount = claims->duoSeatCount;
    p.expiresAt = claims->expiresAt;
    if (request)
        p.globalUserId = QString::fromUtf8(request->header("x-gitlab-global-user-id"));
    return p;
}

Result<Principal> TokenAuthenticator::authenticate(const http::HttpRequest &request, Dialect dialect)
{
    const QByteArray header = request.header("authorization");
    if (header.isEmpty()) {
        return Error::make(QStringLiteral("missing_token"),
                           QStringLiteral("authentication required: send Authorization: Bearer <token>"));
    }
    QByteArrayView value(header);
    if (value.size() < 7 || QByteArrayView(value.first(7)).compare("Bearer ", Qt::CaseInsensitive) != 0)
        return Error::make(QStringLiteral("missing_token"), QStringLiteral("the Authorization header must use the Bearer scheme"));
    QByteArrayView token = value.sliced(7).trimmed();
    if (token.isEmpty())
        return Error::make(QStringLiteral("missing_token"), QStringLiteral("the bearer token is empty"));
    auto principal = verifyToken(token, dialect, &request);
    if (!principal) {
        qCDebug(lcAuth).noquote() << "refused token" << fingerprint(token) << "from" << request.peer.toString() << ":"
                                  << principal.error().code;
        return principal;
    }
    if (!m_limiter.perUser().enabled() && !m_limiter.perToken().enabled())
        return principal; // no limits: build no keys
    // Per user: GitLab instance tokens are shared by the instance's users, so the global user id
    // (when GitLab sends it) identifies the user.
    const QString user = principal->globalUserId.isEmpty() ? QString(principal->issuer + QLatin1Char('|') + principal->subject)
                                                           : QString(QStringLiteral("gitlab|") + principal->globalUserId);
    const QString tokenKey = principal->tokenId.isEmpty()
        ? QString(QStringLiteral("tok|") + QString::fromLatin1(base64UrlEncode(sha256(token))))
        : QString(QStringLiteral("jti|") + principal->tokenId);
    auto lease = m_limiter.admit(QStringLiteral("user|") + user, tokenKey);
    if (!lease)
        return lease.error();
    principal->lease = std::move(lease).value();
    return principal;
}

} // namespace airlock::auth
