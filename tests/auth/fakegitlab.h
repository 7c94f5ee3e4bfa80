#pragma once

// A fake GitLab instance for trust tests: serves /.well-known/openid-configuration and the JWKS at
// /oauth/discovery/keys from keys the test controls, counts fetches, and can play "unreachable".
// No Q_OBJECT (moc never reads this file).

#include "auth/crypto.h"

#include <QHttpServer>
#include <QHttpServerResponse>
#include <QJsonArray>
#include <QJsonObject>
#include <QTcpServer>

#include <atomic>

namespace airlock::test {

class FakeGitLab
{
public:
    FakeGitLab()
    {
        m_server.route(QStringLiteral("/.well-known/openid-configuration"), [this] {
            ++discoveryHits;
            if (down)
                return QHttpServerResponse(QHttpServerResponse::StatusCode::ServiceUnavailable);
            return QHttpServerResponse(QJsonObject{{QStringLiteral("issuer"), issuer()},
                                                   {QStringLiteral("jwks_uri"), QString(url() + QStringLiteral("/oauth/discovery/keys"))}});
        });
        m_server.route(QStringLiteral("/oauth/discovery/keys"), [this] {
            ++jwksHits;
            if (down)
                return QHttpServerResponse(QHttpServerResponse::StatusCode::ServiceUnavailable);
            QJsonArray list;
            for (const auth::SigningKey &k : keys)
                list.append(k.publicKey().toJwk());
            return QHttpServerResponse(QJsonObject{{QStringLiteral("keys"), list}});
        });
        m_port = m_server.listen(QHostAddress::LocalHost, 0);
    }

    QString url() const { return QStringLiteral("http://127.0.0.1:%1").arg(m_port); }
    QString issuer() const { return url(); }

    QList<auth::SigningKey> keys;
    bool down = false;
    int discoveryHits = 0;
    int jwksHits = 0;

private:
    QHttpServer m_server;
    quint16 m_port = 0;
};

} // namespace airlock::test
