#include "authmodule.h"

#include "authlog.h"
#include "http/tlscontext.h"
#include "jwt.h"
#include "signingkeys.h"
#include "storage/database.h"
#include "tokenauthenticator.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>

namespace airlock::auth {

namespace {

const QString kSettingsKey = QStringLiteral("auth.settings");
const QString kJwksCacheKey = QStringLiteral("auth.gitlab_jwks");
constexpr qint64 kUserAccessTokenTtl = 3600;
constexpr int kHousekeepingMs = 5000;

Error fieldError(const QString &code, const QString &field, const QString &message)
{
    return Error::make(code, QStringLiteral("%1: %2").arg(field, message), field);
}

Result<RateLimits> limitsFromJson(const QJsonValue &value, const QString &where)
{
    RateLimits limits;
    if (value.isUndefined() || value.isNull())
        return limits;
    if (!value.isObject())
        return fieldError(QStringLiteral("invalid_type"), where, QStringLiteral("must be an object"));
    const QJsonObject o = value.toObject();
    for (auto it = o.begin(); it != o.end(); ++it) {
        const QString path = where + QLatin1Char('.') + it.key();
        int *target = it.key() == QLatin1String("requests_per_minute") ? &limits.requestsPerMinute
            : it.key() == QLatin1String("concurrent")                  ? &limits.concurrent
                                                                       : nullptr;
        if (!target)
            return fieldError(QStringLiteral("unknown_key"), path, QStringLiteral("unknown key \"%1\"").arg(it.key()));
        const double d = it.value().toDouble(-1);
        if (!it.value().isDouble() || d < 0 || d > 1e7 || d != std::floor(d))
            return fieldError(QStringLiteral("invalid_value"), path, QStringLiteral("must be a whole number from 0 (unlimited) up"));
        *target = int(d);
    }
    return limits;
}

QJsonObject limitsToJson(const RateLimits &l)
{
    return QJsonObject{{QStringLiteral("requests_per_minute"), l.requestsPerMinute}, {QStringLiteral("concurrent"), l.concurrent}};
}

QByteArray toJson(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

} // namespace

// ---------------------------------------------------------------- settings

Result<AuthSettings::Mode> AuthSettings::parseMode(const QString &text)
{
    if (text == QLatin1String("required"))
        return Mode::Required;
    if (text == QLatin1String("disabled"))
        return Mode::Disabled;
    return Error::make(QStringLiteral("invalid_value"),
                       QStringLiteral("auth mode must be \"required\" or \"disabled\", got \"%1\"").arg(text));
}

QString AuthSettings::modeName(Mode mode)
{
    return mode == Mode::Required ? QStringLiteral("required") : QStringLiteral("disabled");
}

Result<AuthSettings> AuthSettings::fromJson(const QJsonObject &json, const QString &where)
{
    AuthSettings s;
    for (auto it = json.begin(); it != json.end(); ++it) {
        const QString path = where + QLatin1Char('.') + it.key();
        const QString key = it.key();
        if (key == QLatin1String("mode")) {
            if (!it.value().isString())
                return fieldError(QStringLiteral("invalid_type"), path, QStringLiteral("must be \"required\" or \"disabled\""));
            auto mode = parseMode(it.value().toString());
            if (!mode)
                return fieldError(QStringLiteral("invalid_value"), path, mode.error().message);
            s.mode = *mode;
        } else if (key == QLatin1String("leeway_s")) {
            const double d = it.value().toDouble(-1);
            if (!it.value().isDouble() || d < 0 || d > 600 || d != std::floor(d))
                return fieldError(QStringLiteral("invalid_value"), path, QStringLiteral("must be whole seconds from 0 to 600"));
            s.leewaySeconds = int(d);
        } else if (key == QLatin1String("gitlab_url")) {
            if (it.value().isNull() || (it.value().isString() && it.value().toString().isEmpty()))
                continue;
            if (!it.value().isString())
                return fieldError(QStringLiteral("invalid_type"), path, QStringLiteral("must be a string (an http(s) URL)"));
            const QUrl url(it.value().toString(), QUrl::StrictMode);
            if (!it.value().isString() || !url.isValid() || url.host().isEmpty()
                || (url.scheme() != QLatin1String("https") && url.scheme() != QLatin1String("http")) || !url.userInfo().isEmpty()) {
                return fieldError(QStringLiteral("invalid_value"), path, QStringLiteral("must be an http(s) URL of the GitLab instance"));
            }
            s.gitlabUrl = url;
        } else if (key == QLatin1String("limits")) {
            if (!it.value().isObject())
                return fieldError(QStringLiteral("invalid_type"), path, QStringLiteral("must be an object"));
            const QJsonObject limits = it.value().toObject();
            for (auto l = limits.begin(); l != limits.end(); ++l) {
                const QString lpath = path + QLatin1Char('.') + l.key();
                if (l.key() != QLatin1String("per_user") && l.key() != QLatin1String("per_token"))
                    return fieldError(QStringLiteral("unknown_key"), lpath, QStringLiteral("unknown key \"%1\"").arg(l.key()));
                auto parsed = limitsFromJson(l.value(), lpath);
                if (!parsed)
                    return parsed.error();
                (l.key() == QLatin1String("per_user") ? s.perUser : s.perToken) = *parsed;
            }
        } else {
            return fieldError(QStringLiteral("unknown_key"), path, QStringLiteral("unknown key \"%1\"").arg(key));
        }
    }
    return s;
}

QJsonObject AuthSettings::toJson() const
{
    return QJsonObject{{QStringLiteral("mode"), modeName(mode)},
                       {QStringLiteral("leeway_s"), leewaySeconds},
                       {QStringLiteral("gitlab_url"), gitlabUrl.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(gitlabUrl.toString())},
                       {QStringLiteral("limits"), QJsonObject{{QStringLiteral("per_user"), limitsToJson(perUser)},
                                                               {QStringLiteral("per_token"), limitsToJson(perToken)}}}};
}

// ---------------------------------------------------------------- client tokens

Result<qint64> parseTtl(const QString &text)
{
    static const QRegularExpression re(QStringLiteral("^(\\d{1,9})([smhd]?)$"));
    const auto m = re.match(text.trimmed());
    if (!m.hasMatch())
        return Error::make(QStringLiteral("invalid_value"), QStringLiteral("ttl must be seconds or a number with s, m, h or d (\"30d\")"), QStringLiteral("ttl"));
    qint64 n = m.captured(1).toLongLong();
    const QString unit = m.captured(2);
    n *= unit == QLatin1String("m") ? 60 : unit == QLatin1String("h") ? 3600 : unit == QLatin1String("d") ? 86400 : 1;
    if (n < 60 || n > 365 * 86400)
        return Error::make(QStringLiteral("invalid_value"), QStringLiteral("ttl must be from 60 s to 365 d"), QStringLiteral("ttl"));
    return n;
}

Result<TokenRequest> TokenRequest::fromJson(const QJsonObject &json)
{
    TokenRequest r;
    for (auto it = json.begin(); it != json.end(); ++it) {
        const QString &key = it.key();
        if (key == QLatin1String("subject")) {
            r.subject = it.value().toString();
        } else if (key == QLatin1String("description")) {
            r.description = it.value().toString();
        } else if (key == QLatin1String("scopes")) {
            if (it.value().isString()) {
                r.scopes = it.value().toString().split(QRegularExpression(QStringLiteral("[,\\s]+")), Qt::SkipEmptyParts);
            } else if (it.value().isArray()) {
                for (const QJsonValue &v : it.value().toArray())
                    r.scopes << v.toString();
            } else {
                return Error::make(QStringLiteral("invalid_type"), QStringLiteral("scopes must be a list of strings"), QStringLiteral("scopes"));
            }
        } else if (key == QLatin1String("ttl")) {
            auto ttl = parseTtl(it.value().isDouble() ? QString::number(qint64(it.value().toDouble())) : it.value().toString());
            if (!ttl)
                return ttl.error();
            r.ttlSeconds = *ttl;
        } else {
            return Error::make(QStringLiteral("unknown_key"), QStringLiteral("unknown key \"%1\"").arg(key), key);
        }
    }
    if (auto st = r.validate(); !st)
        return st.error();
    return r;
}

Status TokenRequest::validate() const
{
    if (subject.trimmed().isEmpty() || subject.size() > 255)
        return Error::make(QStringLiteral("invalid_value"), QStringLiteral("subject is required (at most 255 characters)"), QStringLiteral("subject"));
    if (scopes.isEmpty())
        return Error::make(QStringLiteral("invalid_value"), QStringLiteral("at least one scope is required (e.g. complete_code)"), QStringLiteral("scopes"));
    static const QRegularExpression scopeRe(QStringLiteral("^[a-z][a-z0-9_]{0,63}$"));
    for (const QString &s : scopes) {
        if (!scopeRe.match(s).hasMatch())
            return Error::make(QStringLiteral("invalid_value"), QStringLiteral("scope \"%1\" is not a valid scope name").arg(s), QStringLiteral("scopes"));
    }
    if (description.size() > 1000)
        return Error::make(QStringLiteral("invalid_value"), QStringLiteral("description is limited to 1000 characters"), QStringLiteral("description"));
    if (ttlSeconds < 60 || ttlSeconds > 365 * 86400)
        return Error::make(QStringLiteral("invalid_value"), QStringLiteral("ttl must be from 60 s to 365 d"), QStringLiteral("ttl"));
    return {};
}

QString newTokenId()
{
    QByteArray id;
    do {
        id = base64UrlEncode(randomBytes(16));
    } while (id.startsWith('-'));
    return QString::fromLatin1(id);
}

Result<IssuedSecret> issueClientToken(SigningKeyStore &keys, TokenStore &store, const TokenRequest &request,
                                      const QString &actor, qint64 now)
{
    if (auto st = request.validate(); !st)
        return st.error();
    const SigningKey key = keys.active();
    if (key.isNull())
        return Error::make(QStringLiteral("no_signing_key"), QStringLiteral("there is no active signing key"));
    IssuedSecret out;
    IssuedToken &t = out.record;
    t.id = newTokenId();
    t.subject = request.subject.trimmed();
    t.scopes = request.scopes;
    t.scopes.removeDuplicates();
    t.description = request.description;
    t.kid = key.kid();
    t.createdBy = actor;
    t.issuedAt = now;
    t.expiresAt = now + request.ttlSeconds;
    const QJsonObject claims{{QStringLiteral("iss"), QString(kSelfIssuer)},
                             {QStringLiteral("aud"), QString(kAudience)},
                             {QStringLiteral("sub"), t.subject},
                             {QStringLiteral("scopes"), QJsonArray::fromStringList(t.scopes)},
                             {QStringLiteral("jti"), t.id},
                             {QStringLiteral("iat"), now},
                             {QStringLiteral("nbf"), now - 5},
                             {QStringLiteral("exp"), t.expiresAt}};
    out.token = signJwt(key, claims);
    if (out.token.isEmpty())
        return Error::make(QStringLiteral("signing_failed"), QStringLiteral("the token could not be signed"));
    if (auto st = store.insert(t); !st)
        return st.error();
    return out;
}

// ---------------------------------------------------------------- module

AuthModule::AuthModule(Database &db)
    : m_db(db)
{
}

AuthModule::~AuthModule() = default;

Result<std::unique_ptr<AuthModule>> AuthModule::start(Database &db, AuthStartOptions options)
{
    std::unique_ptr<AuthModule> m(new AuthModule(db));
    m->m_nowMs = options.nowMs ? options.nowMs : [] { return QDateTime::currentMSecsSinceEpoch(); };
    m->m_options = std::move(options);
    m->m_store = std::make_unique<TokenStore>(db);
    m->m_audit = std::make_unique<AuditLog>(db);

    // Settings: stored, replaced by the declarative file's section, mode overridden by --auth.
    auto stored = m->m_store->setting(kSettingsKey);
    if (!stored)
        return stored.error();
    if (*stored) {
        auto parsed = AuthSettings::fromJson(QJsonDocument::fromJson(**stored).object());
        if (parsed)
            m->m_settings = *parsed;
        else
            qCWarning(lcAuth).noquote() << "ignoring stored auth settings:" << parsed.error().message;
    }
    if (m->m_options.fileSection) {
        auto parsed = AuthSettings::fromJson(*m->m_options.fileSection);
        if (!parsed)
            return parsed.error();
        if (auto st = m->m_store->setSetting(kSettingsKey, toJson(parsed->toJson())); !st)
            return st.error();
        m->m_settings = *parsed;
    }
    if (!m->m_options.modeOverride.isEmpty()) {
        auto mode = AuthSettings::parseMode(m->m_options.modeOverride);
        if (!mode)
            return mode.error();
        m->m_settings.mode = *mode;
    }

    const auto nowMs = m->m_nowMs;
    auto keys = SigningKeyStore::open(m->m_options.dataDir, KeyAlg::ES256, [nowMs] { return nowMs() / 1000; });
    if (!keys)
        return keys.error();
    m->m_keys = std::move(keys).value();
    m->m_keys->prune();

    m->m_authenticator = std::make_unique<TokenAuthenticator>(m->m_nowMs);
    auto feed = StoreRevocationFeed::open(m->m_options.dataDir, [nowMs] { return nowMs() / 1000; });
    if (!feed)
        return feed.error();
    m->m_revocationFeed = *feed;
    m->m_authenticator->setRevocationFeed(std::move(feed).value());
    m->m_trust = new GitLabTrust(m->m_options.trust, m.get());
    m->m_authenticator->setUnknownKidHandler([trust = QPointer<GitLabTrust>(m->m_trust)](const QString &issuer) {
        Q_UNUSED(issuer);
        if (trust)
            trust->requestRefetch(); // thread-safe
    });
    AuthModule *self = m.get();
    connect(m->m_trust, &GitLabTrust::keysChanged, self, [self] {
        self->publishKeys();
        if (!self->m_trust->keys().isEmpty())
            (void)self->m_store->setSetting(kJwksCacheKey, toJson(self->m_trust->cacheJson()));
    });

    m->m_gatewayTls = std::make_shared<http::TlsContext>();
    m->m_adminTls = std::make_shared<http::TlsContext>();
    if (auto st = m->reloadTls(); !st)
        return st.error();

    m->applySettings();
    if (!m->m_settings.gitlabUrl.isEmpty()) {
        if (auto cached = m->m_store->setting(kJwksCacheKey); cached && *cached)
            m->m_trust->restore(QJsonDocument::fromJson(**cached).object());
    }
    m->publishKeys();
    m->refreshRevocations();

    connect(&m->m_housekeeping, &QTimer::timeout, self, [self] {
        self->refreshRevocations();
        if (self->m_keys->prune())
            self->publishKeys();
    });
    m->m_housekeeping.start(kHousekeepingMs);

    if (!m->enabled()) {
        qCWarning(lcAuth).noquote()
            << "\n*** AUTHENTICATION IS DISABLED (auth mode \"disabled\"): every client can use every model without a token."
            << "\n*** Use this only in a lab. /monitoring/ready reports it.";
    }
    return m;
}

Authenticator *AuthModule::authenticator() const
{
    return enabled() ? m_authenticator.get() : nullptr;
}

void AuthModule::applySettings()
{
    m_authenticator->setLeewaySeconds(m_settings.leewaySeconds);
    m_authenticator->limiter().setLimits(m_settings.perUser, m_settings.perToken);
    if (m_trust->instanceUrl() != m_settings.gitlabUrl.adjusted(QUrl::StripTrailingSlash | QUrl::RemoveQuery | QUrl::RemoveFragment))
        m_trust->setInstanceUrl(m_settings.gitlabUrl);
}

void AuthModule::publishKeys()
{
    auto set = std::make_shared<KeySet>();
    set->generation = ++m_generation;
    QHash<QString, PublicKey> own;
    for (const PublicKey &k : m_keys->verificationKeys())
        own.insert(k.kid(), k);
    set->byIssuer.insert(QString(kSelfIssuer), own);
    if (!m_trust->issuer().isEmpty() && m_trust->issuer() != kSelfIssuer) {
        QHash<QString, PublicKey> gitlab;
        for (const PublicKey &k : m_trust->keys())
            gitlab.insert(k.kid(), k);
        set->byIssuer.insert(m_trust->issuer(), gitlab);
    }
    m_authenticator->setKeySet(std::move(set));
    auto body = std::make_shared<const QByteArray>(toJson(m_keys->jwks()));
    {
        std::lock_guard lock(m_jwksMutex);
        m_jwksBody.swap(body);
    }
    Q_EMIT keysPublished();
}

void AuthModule::refreshRevocations()
{
    // The generation first: a revocation committed after it was read bumps it again, so workers re-read.
    const quint64 generation = m_revocationFeed ? m_revocationFeed->generation() : 0;
    auto ids = m_store->revokedIds(nowSeconds());
    if (!ids) {
        qCWarning(lcAuth).noquote() << "cannot read revocations:" << ids.error().message;
        return;
    }
    m_authenticator->setRevoked(std::make_shared<const QSet<QString>>(std::move(ids).value()), generation);
}

Status AuthModule::reloadTls()
{
    auto load = [](const TlsFiles &files) -> Result<std::shared_ptr<const QSslConfiguration>> {
        if (!files.enabled())
            return std::shared_ptr<const QSslConfiguration>();
        auto config = loadTlsConfiguration(files);
        if (!config)
            return config.error();
        return std::make_shared<const QSslConfiguration>(*config);
    };
    auto gateway = load(m_options.gatewayTls);
    if (!gateway)
        return gateway.error();
    auto adminConfig = load(m_options.adminTls);
    if (!adminConfig)
        return adminConfig.error();
    m_gatewayTls->set(*gateway);
    m_adminTls->set(*adminConfig);
    if (*gateway || *adminConfig)
        qCInfo(lcAuth).noquote() << "TLS loaded:" << (*gateway ? m_options.gatewayTls.certificateFile : QStringLiteral("gateway plain"))
                                 << "/" << (*adminConfig ? m_options.adminTls.certificateFile : QStringLiteral("admin plain"));
    return {};
}

void AuthModule::reload()
{
    if (auto st = m_keys->reload(); !st)
        qCWarning(lcAuth).noquote() << "reloading signing keys failed:" << st.error().message;
    publishKeys();
    refreshRevocations();
    if (auto st = reloadTls(); !st)
        qCWarning(lcAuth).noquote() << "reloading TLS failed (keeping the previous certificates):" << st.error().message;
}

QJsonObject AuthModule::status() const
{
    QJsonObject o{{QStringLiteral("mode"), AuthSettings::modeName(m_settings.mode)}};
    if (!enabled())
        o.insert(QStringLiteral("warning"), QStringLiteral("authentication is disabled: any client may use the gateway"));
    o.insert(QStringLiteral("gitlab_instance"), m_settings.gitlabUrl.isEmpty() ? QJsonValue(QJsonValue::Null)
                                                                               : QJsonValue(m_settings.gitlabUrl.toString()));
    o.insert(QStringLiteral("gitlab_keys"), int(m_trust->keys().size()));
    o.insert(QStringLiteral("tls"), QJsonObject{{QStringLiteral("gateway"), m_gatewayTls->enabled()},
                                                {QStringLiteral("admin"), m_adminTls->enabled()}});
    return o;
}

void AuthModule::audit(const QString &actor, const QString &action, const QString &target, const QByteArray &before,
                       const QByteArray &after)
{
    if (auto st = m_audit->record(actor, action, target, before, after); !st)
        qCWarning(lcAuth).noquote() << "cannot write the audit log:" << st.error().message;
}

void AuthModule::record(const AdminCaller &caller, const QString &action, const QString &target,
                        const QByteArray &before, const QByteArray &after)
{
    audit(caller.actor, action, target, before, after);
}

Result<IssuedSecret> AuthModule::issue(const TokenRequest &request, const QString &actor)
{
    auto issued = issueClientToken(*m_keys, *m_store, request, actor, nowSeconds());
    if (!issued)
        return issued;
    audit(actor, QStringLiteral("token.issue"), issued->record.id, {}, toJson(issued->record.toJson()));
    qCInfo(lcAuth).noquote() << "issued token" << issued->record.id << "for" << issued->record.subject << "scopes"
                             << issued->record.scopes.join(QLatin1Char(',')) << "by" << actor;
    return issued;
}

Result<bool> AuthModule::revoke(const QString &id, const QString &actor)
{
    auto before = m_store->find(id);
    if (!before)
        return before.error();
    if (!*before)
        return false;
    auto done = m_store->revoke(id, nowSeconds());
    if (!done && done.error().code != QLatin1String("revocation_not_announced"))
        return done.error();
    if (!done) // stored; this process applies it now, another one sharing the data dir within 5 s
        qCWarning(lcAuth).noquote() << done.error().message;
    refreshRevocations(); // effective for the next request
    auto after = m_store->find(id);
    audit(actor, QStringLiteral("token.revoke"), id, toJson((*before)->toJson()),
          after && *after ? toJson((*after)->toJson()) : QByteArray());
    return true;
}

Result<SigningKeyInfo> AuthModule::rotateKeys(KeyAlg alg, const QString &actor)
{
    const QString oldKid = m_keys->active().kid();
    auto latest = m_store->latestExpiry(oldKid);
    if (!latest)
        return latest.error();
    // The old key verifies until its last client token expires, and at least as long as a user access
    // token it may have signed (1 h) could live.
    const qint64 verifyUntil = std::max(*latest, nowSeconds() + kUserAccessTokenTtl) + m_settings.leewaySeconds;
    auto info = m_keys->rotate(alg, verifyUntil);
    if (!info)
        return info;
    publishKeys();
    audit(actor, QStringLiteral("keys.rotate"), info->kid,
          toJson(QJsonObject{{QStringLiteral("active"), oldKid}, {QStringLiteral("old_verify_until"), verifyUntil}}),
          toJson(info->toJson(true)));
    return info;
}

Status AuthModule::updateSettings(const AuthSettings &settings, const QString &actor)
{
    AuthSettings next = settings;
    next.mode = m_settings.mode; // the mode is fixed for the process (workers hold the authenticator)
    const QByteArray before = toJson(m_settings.toJson());
    if (auto st = m_store->setSetting(kSettingsKey, toJson(next.toJson())); !st)
        return st;
    m_settings = next;
    applySettings();
    publishKeys();
    audit(actor, QStringLiteral("trust.update"), QStringLiteral("auth"), before, toJson(m_settings.toJson()));
    return {};
}

// ---------------------------------------------------------------- read by worker threads

QByteArray AuthModule::jwksJson() const
{
    std::shared_ptr<const QByteArray> body;
    {
        std::lock_guard lock(m_jwksMutex);
        body = m_jwksBody;
    }
    return body ? *body : QByteArrayLiteral("{\"keys\":[]}");
}

Result<UserAccessToken> AuthModule::mintUserAccessToken(const QString &globalUserId, const QString &realm,
                                                        const QString &instanceId, const QString &duoSeatCount)
{
    const SigningKey key = m_keys->active();
    const qint64 now = nowSeconds();
    const qint64 expiresAt = now + kUserAccessTokenTtl;
    QJsonObject claims{{QStringLiteral("iss"), QString(kSelfIssuer)},
                             {QStringLiteral("aud"), QString(kAudience)},
                             {QStringLiteral("sub"), globalUserId},
                             {QStringLiteral("gitlab_realm"), realm},
                             {QStringLiteral("gitlab_instance_id"), instanceId},
                             {QStringLiteral("scopes"), QJsonArray{QStringLiteral("complete_code")}},
                             {QStringLiteral("jti"), QString::fromLatin1(base64UrlEncode(randomBytes(16)))},
                             {QStringLiteral("iat"), now},
                             {QStringLiteral("nbf"), now - 5},
                             {QStringLiteral("exp"), expiresAt}};
    if (!duoSeatCount.trimmed().isEmpty())
        claims.insert(QStringLiteral("duo_seat_count"), duoSeatCount);
    const QByteArray token = signJwt(key, claims);
    if (token.isEmpty())
        return Error::make(QStringLiteral("signing_failed"), QStringLiteral("Token could not be signed"));
    return UserAccessToken{token, expiresAt};
}

} // namespace airlock::auth
