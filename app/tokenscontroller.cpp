#include "tokenscontroller.h"

#include "adminclient.h"
#include "consolelog.h"

#include <QClipboard>
#include <QDateTime>
#include <QGuiApplication>
#include <QJsonArray>

namespace airlock {

using namespace Qt::StringLiterals;

TokensController::TokensController(AdminClient *client, QObject *parent)
    : QObject(parent)
    , m_client(client)
{
    m_trustPoll.setSingleShot(true);
    m_trustPoll.setInterval(kTrustPollMs);
    connect(&m_trustPoll, &QTimer::timeout, this, &TokensController::reloadTrust);
}

QString TokensController::gitlabUrl() const
{
    const QJsonObject gitlab = m_trust.value("gitlab"_L1).toObject();
    const QString url = gitlab.value("url"_L1).toString();
    return url.isEmpty() ? m_trust.value("gitlab_url"_L1).toString() : url;
}

QString TokensController::gitlabState() const
{
    // "none" (no GitLab instance configured), "fetching", "error", "ok" or "no_keys".
    const QJsonObject gitlab = m_trust.value("gitlab"_L1).toObject();
    if (gitlabUrl().isEmpty())
        return u"none"_s;
    if (gitlab.value("fetching"_L1).toBool())
        return u"fetching"_s;
    if (!gitlab.value("last_error"_L1).toString().isEmpty())
        return u"error"_s;
    return gitlab.value("keys"_L1).toArray().isEmpty() ? u"no_keys"_s : u"ok"_s;
}

QString TokensController::gitlabDetail() const
{
    const QJsonObject gitlab = m_trust.value("gitlab"_L1).toObject();
    QStringList parts;
    if (gitlab.contains("keys"_L1))
        parts << tr("%n key(s)", nullptr, int(gitlab.value("keys"_L1).toArray().size()));
    const QJsonValue fetched = gitlab.value("fetched_at"_L1);
    if (fetched.isDouble() && fetched.toDouble() > 0)
        parts << tr("fetched %1").arg(QDateTime::fromSecsSinceEpoch(qint64(fetched.toDouble())).toLocalTime().toString(u"yyyy-MM-dd HH:mm"_s));
    else if (fetched.isString())
        parts << tr("fetched %1").arg(fetched.toString());
    const QString lastError = gitlab.value("last_error"_L1).toString();
    if (!lastError.isEmpty())
        parts << lastError;
    return parts.join(u" · "_s);
}

void TokensController::setErrorMessage(const QString &message)
{
    if (m_errorMessage == message)
        return;
    m_errorMessage = message;
    Q_EMIT errorMessageChanged();
}

void TokensController::request(const QByteArray &verb, const QString &path, const QJsonObject &body,
                               std::function<void(const QJsonObject &)> done)
{
    if (m_pending++ == 0)
        Q_EMIT busyChanged();
    m_client->call(verb, path, body.isEmpty() ? QJsonDocument() : QJsonDocument(body), this,
                   [this, done = std::move(done)](const AdminError *error, const QJsonDocument &answer) {
                       if (--m_pending == 0)
                           Q_EMIT busyChanged();
                       if (error) {
                           setErrorMessage(error->detail());
                           return;
                       }
                       done(answer.object());
                   });
}

void TokensController::reload()
{
    request("GET", u"api/v1/tokens"_s, {}, [this](const QJsonObject &o) {
        m_tokens.setRows(o.value("tokens"_L1).toArray());
    });
    request("GET", u"api/v1/keys"_s, {}, [this](const QJsonObject &o) {
        QJsonArray keys = o.value("keys"_L1).toArray();
        const QString active = o.value("active"_L1).toString();
        for (qsizetype i = 0; i < keys.size(); ++i) {
            QJsonObject key = keys.at(i).toObject();
            key.insert(u"active"_s, key.value("kid"_L1).toString() == active);
            keys[i] = key;
        }
        m_keys.setRows(keys);
    });
    reloadTrust();
}

void TokensController::reloadTrust()
{
    request("GET", u"api/v1/trust"_s, {}, [this](const QJsonObject &o) { setTrust(o); });
}

void TokensController::setTrust(const QJsonObject &trust)
{
    m_trust = trust;
    Q_EMIT trustChanged();
    Q_EMIT gitlabDetailChanged();
    // The gateway is fetching the instance's keys: read the outcome when it is there.
    if (gitlabState() == "fetching"_L1)
        m_trustPoll.start();
    else
        m_trustPoll.stop();
}

void TokensController::retranslate()
{
    Q_EMIT gitlabDetailChanged();
}

void TokensController::clear()
{
    m_tokens.clear();
    m_keys.clear();
    m_trustPoll.stop();
    dismissIssuedToken();
    setErrorMessage({});
    setTrust({});
}

void TokensController::issue(const QString &subject, const QString &scopes, const QString &ttl, const QString &description)
{
    setErrorMessage({});
    QJsonObject body{{u"subject"_s, subject.trimmed()}, {u"scopes"_s, scopes}};
    if (!ttl.trimmed().isEmpty())
        body.insert(u"ttl"_s, ttl.trimmed());
    if (!description.trimmed().isEmpty())
        body.insert(u"description"_s, description.trimmed());
    request("POST", u"api/v1/tokens"_s, body, [this](const QJsonObject &o) {
        m_issuedToken = o.value("token"_L1).toString();
        Q_EMIT issuedTokenChanged();
        qCInfo(lcConsole).noquote() << "token issued:" << o.value("id"_L1).toString();
        reload();
    });
}

void TokensController::dismissIssuedToken()
{
    if (m_issuedToken.isEmpty())
        return;
    m_issuedToken.clear();
    Q_EMIT issuedTokenChanged();
}

void TokensController::revoke(const QString &id)
{
    request("DELETE", u"api/v1/tokens/"_s + QString::fromLatin1(QUrl::toPercentEncoding(id)), {},
            [this](const QJsonObject &) { reload(); });
}

void TokensController::rotateKeys()
{
    request("POST", u"api/v1/keys/rotate"_s, {}, [this](const QJsonObject &) { reload(); });
}

void TokensController::setGitlabUrl(const QString &url)
{
    request("PUT", u"api/v1/trust"_s, QJsonObject{{u"gitlab_url"_s, url.trimmed()}},
            [this](const QJsonObject &o) { setTrust(o); });
}

void TokensController::copyToClipboard(const QString &text) const
{
    if (QClipboard *clipboard = QGuiApplication::clipboard())
        clipboard->setText(text);
}

} // namespace airlock
