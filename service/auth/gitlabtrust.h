#pragma once

// Trust in a GitLab instance's tokens: the admin registers the instance URL; this reads
// <url>/.well-known/openid-configuration, then its jwks_uri, and keeps the keys.
//
// - Keys are refreshed every 24 h; a fetch failing keeps the keys already held (also those restored
//   from the store at start), so the gateway keeps working while the instance is unreachable, and is
//   retried with back-off (1 min doubling to 1 h).
// - A token naming an unknown kid asks for an early refetch (requestRefetch(), callable from any
//   thread); at most one per minRefetchIntervalMs, coalesced.
// - The jwks_uri must be on the registered instance's host: a discovery document cannot send the
//   gateway elsewhere. Redirects are followed only to the same origin. 10 s timeout per request.
//
// Lives on the gateway's control thread (QNetworkAccessManager); emits keysChanged() there.

#include "crypto.h"

#include <QDateTime>
#include <QJsonObject>
#include <QObject>
#include <QPointer>
#include <QTimer>
#include <QUrl>

#include <atomic>

class QNetworkAccessManager;
class QNetworkReply;

namespace airlock::auth {

class GitLabTrust : public QObject
{
    Q_OBJECT
public:
    struct Options
    {
        int refreshIntervalMs = 24 * 3600 * 1000;
        int minRefetchIntervalMs = 60 * 1000;
        int timeoutMs = 10 * 1000;
        int retryMinMs = 60 * 1000;
        int retryMaxMs = 3600 * 1000;
    };
    explicit GitLabTrust(Options options, QObject *parent = nullptr);
    explicit GitLabTrust(QObject *parent = nullptr) : GitLabTrust(Options{}, parent) { }
    ~GitLabTrust() override;

    // Empty: trust no instance (keys dropped). A new URL drops the old instance's keys and fetches.
    void setInstanceUrl(const QUrl &url);
    QUrl instanceUrl() const { return m_url; }

    // What cacheJson() returned in an earlier run; used when its URL matches the registered one.
    void restore(const QJsonObject &cached);
    QJsonObject cacheJson() const;

    QString issuer() const { return m_issuer; }
    QList<PublicKey> keys() const { return m_keys; }
    // url, issuer, jwks_uri, kids, fetched_at, last_error, fetching.
    QJsonObject state() const;

    void refresh();
    // Thread-safe, rate-limited.
    void requestRefetch();
    quint64 fetchCount() const { return m_fetches; }

Q_SIGNALS:
    void keysChanged();
    void fetchFinished(bool ok);

private:
    void fetchDiscovery();
    void fetchJwks(const QUrl &jwksUri);
    void fail(const QString &message);
    void scheduleRefresh(int ms);
    QNetworkReply *get(const QUrl &url);

    Options m_options;
    QNetworkAccessManager *m_nam = nullptr;
    QTimer m_timer;
    QUrl m_url;
    QString m_issuer;
    QString m_pendingIssuer;
    QUrl m_jwksUri;
    QList<PublicKey> m_keys;
    QJsonObject m_jwks;
    qint64 m_fetchedAt = 0; // epoch ms of the last success
    QString m_lastError;
    qint64 m_lastErrorAt = 0;
    int m_retryMs = 0;
    QPointer<QNetworkReply> m_reply;
    quint64 m_fetches = 0;
    std::atomic<qint64> m_lastRefetchRequest{0};
    std::atomic<bool> m_refetchQueued{false};
};

} // namespace airlock::auth
