#pragma once

// Tokens & trust: the GitLab instance Airlock trusts and the state of its keys (GET/PUT /api/v1/trust),
// Airlock's own signing keys (GET /api/v1/keys, POST /api/v1/keys/rotate), and the client tokens it
// issued (GET/POST /api/v1/tokens, DELETE /api/v1/tokens/{id}). A newly issued token is held in
// issuedToken until dismissIssuedToken(): it is shown once and never fetched again.
// While the gateway fetches the GitLab instance's keys (after a new URL, or a refetch) the state is polled
// until the fetch ends, so the page shows the outcome by itself. gitlabDetail is built with tr(): it is
// rebuilt (gitlabDetailChanged) when the language changes (retranslate()).

#include "jsonrowsmodel.h"

#include <QJsonObject>
#include <QObject>
#include <QTimer>

namespace airlock {

class AdminClient;

class TokensController : public QObject
{
    Q_OBJECT
    Q_PROPERTY(airlock::TokenListModel *tokens READ tokens CONSTANT)
    Q_PROPERTY(airlock::SigningKeyListModel *keys READ keys CONSTANT)
    Q_PROPERTY(QString gitlabUrl READ gitlabUrl NOTIFY trustChanged)
    Q_PROPERTY(QString gitlabState READ gitlabState NOTIFY trustChanged)
    Q_PROPERTY(QString gitlabDetail READ gitlabDetail NOTIFY gitlabDetailChanged)
    Q_PROPERTY(QString authMode READ authMode NOTIFY trustChanged)
    Q_PROPERTY(QString issuedToken READ issuedToken NOTIFY issuedTokenChanged)
    Q_PROPERTY(bool busy READ isBusy NOTIFY busyChanged)
    Q_PROPERTY(QString errorMessage READ errorMessage NOTIFY errorMessageChanged)

public:
    explicit TokensController(AdminClient *client, QObject *parent = nullptr);

    TokenListModel *tokens() { return &m_tokens; }
    SigningKeyListModel *keys() { return &m_keys; }
    QString gitlabUrl() const;
    QString gitlabState() const;
    QString gitlabDetail() const;
    QString authMode() const { return m_trust.value(QLatin1String("mode")).toString(); }
    QString issuedToken() const { return m_issuedToken; }
    bool isBusy() const { return m_pending > 0; }
    QString errorMessage() const { return m_errorMessage; }

    Q_INVOKABLE void reload();
    void clear();
    // `scopes`: comma or space separated; `ttl`: "30d", "12h", "90m" or seconds.
    Q_INVOKABLE void issue(const QString &subject, const QString &scopes, const QString &ttl, const QString &description);
    Q_INVOKABLE void dismissIssuedToken();
    Q_INVOKABLE void revoke(const QString &id);
    Q_INVOKABLE void rotateKeys();
    Q_INVOKABLE void setGitlabUrl(const QString &url);
    Q_INVOKABLE void copyToClipboard(const QString &text) const;
    // The language changed: texts built here are built again.
    void retranslate();

    // How often the trust state is read again while the gateway fetches the GitLab instance's keys.
    static constexpr int kTrustPollMs = 500;

Q_SIGNALS:
    void trustChanged();
    void gitlabDetailChanged();
    void issuedTokenChanged();
    void busyChanged();
    void errorMessageChanged();

private:
    void request(const QByteArray &verb, const QString &path, const QJsonObject &body,
                 std::function<void(const QJsonObject &)> done);
    void setErrorMessage(const QString &message);
    void reloadTrust();
    void setTrust(const QJsonObject &trust);

    AdminClient *m_client;
    TokenListModel m_tokens;
    SigningKeyListModel m_keys;
    QJsonObject m_trust;
    QTimer m_trustPoll;
    QString m_issuedToken;
    int m_pending = 0;
    QString m_errorMessage;
};

} // namespace airlock
