#include "gitlabtrust.h"

#include "authlog.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>

namespace airlock::auth {

namespace {

QList<PublicKey> parseJwks(const QJsonObject &jwks, QStringList *skipped)
{
    QList<PublicKey> keys;
    for (const QJsonValue &v : jwks.value(QLatin1String("keys")).toArray()) {
        auto key = PublicKey::fromJwk(v.toObject());
        if (key)
            keys.append(*key);
        else if (skipped)
            *skipped << v.toObject().value(QLatin1String("kid")).toString() + QStringLiteral(": ") + key.error().message;
    }
    return keys;
}

qint64 monotonicMs()
{
    static QElapsedTimer timer = [] {
        QElapsedTimer t;
        t.start();
        return t;
    }();
    return timer.elapsed() + 1;
}

} // namespace

GitLabTrust::GitLabTrust(Options options, QObject *parent)
    : QObject(parent)
    , m_options(options)
    , m_nam(new QNetworkAccessManager(this))
{
    m_nam->setRedirectPolicy(QNetworkRequest::SameOriginRedirectPolicy);
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &GitLabTrust::refresh);
}

GitLabTrust::~GitLabTrust()
{
    if (m_reply)
        m_reply->abort();
}

void GitLabTrust::setInstanceUrl(const QUrl &url)
{
    QUrl normalized = url.adjusted(QUrl::StripTrailingSlash | QUrl::RemoveQuery | QUrl::RemoveFragment);
    if (normalized == m_url && !m_url.isEmpty())
        return refresh();
    if (m_reply)
        m_reply->abort();
    m_url = normalized;
    m_issuer.clear();
    m_jwksUri.clear();
    m_keys.clear();
    m_jwks = {};
    m_fetchedAt = 0;
    m_lastError.clear();
    m_retryMs = 0;
    m_timer.stop();
    Q_EMIT keysChanged();
    if (!m_url.isEmpty())
        refresh();
}

void GitLabTrust::restore(const QJsonObject &cached)
{
    if (cached.value(QLatin1String("url")).toString() != m_url.toString() || m_url.isEmpty())
        return;
    m_issuer = cached.value(QLatin1String("issuer")).toString();
    m_jwksUri = QUrl(cached.value(QLatin1String("jwks_uri")).toString());
    m_jwks = cached.value(QLatin1String("jwks")).toObject();
    m_fetchedAt = qint64(cached.value(QLatin1String("fetched_at")).toDouble());
    m_keys = parseJwks(m_jwks, nullptr);
    qCInfo(lcAuth).noquote() << "restored" << m_keys.size() << "cached keys of GitLab instance" << m_url.toString();
    Q_EMIT keysChanged();
}

QJsonObject GitLabTrust::cacheJson() const
{
    return QJsonObject{{QStringLiteral("url"), m_url.toString()},
                       {QStringLiteral("issuer"), m_issuer},
                       {QStringLiteral("jwks_uri"), m_jwksUri.toString()},
                       {QStringLiteral("jwks"), m_jwks},
                       {QStringLiteral("fetched_at"), m_fetchedAt}};
}

QJsonObject GitLabTrust::state() const
{
    QJsonArray kids;
    for (const PublicKey &k : m_keys)
        kids.append(QJsonObject{{QStringLiteral("kid"), k.kid()}, {QStringLiteral("alg"), algName(k.alg())}});
    QJsonObject o{{QStringLiteral("url"), m_url.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(m_url.toString())},
                  {QStringLiteral("issuer"), m_issuer},
                  {QStringLiteral("jwks_uri"), m_jwksUri.toString()},
                  {QStringLiteral("keys"), kids},
                  {QStringLiteral("fetching"), bool(m_reply)}};
    o.insert(QStringLiteral("fetched_at"),
             m_fetchedAt ? QJsonValue(QDateTime::fromMSecsSinceEpoch(m_fetchedAt, Qt::UTC).toString(Qt::ISODateWithMs))
                         : QJsonValue(QJsonValue::Null));
    o.insert(QStringLiteral("last_error"), m_lastError.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(m_lastError));
    return o;
}

QNetworkReply *GitLabTrust::get(const QUrl &url)
{
    QNetworkRequest request(url);
    request.setTransferTimeout(m_options.timeoutMs);
    request.setRawHeader("Accept", "application/json");
    request.setHeader(QNetworkRequest::UserAgentHeader, QStringLiteral("airlockd/" AIRLOCK_VERSION));
    return m_nam->get(request);
}

void GitLabTrust::refresh()
{
    if (m_url.isEmpty() || m_reply)
        return;
    ++m_fetches;
    fetchDiscovery();
}

void GitLabTrust::requestRefetch()
{
    const qint64 now = monotonicMs();
    qint64 last = m_lastRefetchRequest.load();
    if (last && now - last < m_options.minRefetchIntervalMs)
        return;
    if (!m_lastRefetchRequest.compare_exchange_strong(last, now))
        return; // another thread took this turn
    if (m_refetchQueued.exchange(true))
        return;
    QMetaObject::invokeMethod(
        this,
        [this] {
            m_refetchQueued = false;
            qCInfo(lcAuth).noquote() << "a token names an unknown key of" << m_url.toString() << "; refetching its keys";
            refresh();
        },
        Qt::QueuedConnection);
}

void GitLabTrust::fetchDiscovery()
{
    QUrl discovery = m_url;
    discovery.setPath(m_url.path() + QStringLiteral("/.well-known/openid-configuration"));
    QNetworkReply *reply = get(discovery);
    m_reply = reply;
    const QUrl instance = m_url;
    connect(reply, &QNetworkReply::finished, this, [this, reply, instance] {
        reply->deleteLater();
        if (instance != m_url)
            return;
        m_reply = nullptr;
        if (reply->error() != QNetworkReply::NoError) {
            fail(QStringLiteral("openid-configuration: %1").arg(reply->errorString()));
            return;
        }
        const QJsonObject doc = QJsonDocument::fromJson(reply->read(1024 * 1024)).object();
        const QUrl jwksUri(doc.value(QLatin1String("jwks_uri")).toString());
        if (!jwksUri.isValid() || jwksUri.isRelative()) {
            fail(QStringLiteral("openid-configuration has no valid jwks_uri"));
            return;
        }
        if (jwksUri.host().compare(m_url.host(), Qt::CaseInsensitive) != 0) {
            fail(QStringLiteral("jwks_uri %1 is not on the instance's host %2").arg(jwksUri.toString(), m_url.host()));
            return;
        }
        const QString issuer = doc.value(QLatin1String("issuer")).toString();
        m_pendingIssuer = issuer.isEmpty() ? m_url.toString() : issuer;
        fetchJwks(jwksUri);
    });
}

void GitLabTrust::fetchJwks(const QUrl &jwksUri)
{
    QNetworkReply *reply = get(jwksUri);
    m_reply = reply;
    const QUrl instance = m_url;
    connect(reply, &QNetworkReply::finished, this, [this, reply, instance, jwksUri] {
        reply->deleteLater();
        if (instance != m_url)
            return;
        m_reply = nullptr;
        if (reply->error() != QNetworkReply::NoError) {
            fail(QStringLiteral("jwks: %1").arg(reply->errorString()));
            return;
        }
        const QJsonObject jwks = QJsonDocument::fromJson(reply->read(1024 * 1024)).object();
        QStringList skipped;
        const QList<PublicKey> keys = parseJwks(jwks, &skipped);
        if (keys.isEmpty()) {
            fail(QStringLiteral("the instance's JWKS has no usable signing key"));
            return;
        }
        for (const QString &why : skipped)
            qCInfo(lcAuth).noquote() << "skipped a key of" << m_url.toString() << ":" << why;
        m_issuer = m_pendingIssuer;
        m_jwksUri = jwksUri;
        m_jwks = jwks;
        m_keys = keys;
        m_fetchedAt = QDateTime::currentMSecsSinceEpoch();
        m_lastError.clear();
        m_retryMs = 0;
        qCInfo(lcAuth).noquote() << "trusting" << keys.size() << "keys of GitLab instance" << m_url.toString() << "(issuer"
                                 << m_issuer << ")";
        scheduleRefresh(m_options.refreshIntervalMs);
        Q_EMIT keysChanged();
        Q_EMIT fetchFinished(true);
    });
}

void GitLabTrust::fail(const QString &message)
{
    m_lastError = message;
    m_retryMs = m_retryMs ? std::min(m_retryMs * 2, m_options.retryMaxMs) : m_options.retryMinMs;
    qCWarning(lcAuth).noquote() << "cannot fetch the keys of GitLab instance" << m_url.toString() << ":" << message
                                << (m_keys.isEmpty() ? QStringLiteral("(no keys held: its tokens are refused)")
                                                     : QStringLiteral("(keeping the %1 keys held)").arg(m_keys.size()))
                                << "; retrying in" << m_retryMs / 1000 << "s";
    scheduleRefresh(m_retryMs);
    Q_EMIT fetchFinished(false);
}

void GitLabTrust::scheduleRefresh(int ms)
{
    m_timer.start(ms);
}

} // namespace airlock::auth
