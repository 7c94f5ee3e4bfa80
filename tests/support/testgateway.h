#pragma once

// The set-up the console's tests share: a fake model server and a real gateway in this process (data
// path and admin listener on 127.0.0.1, port 0, one worker, its data in a temporary directory, a known
// admin token), plus synchronous calls for assertions: the admin API as any client sees it, and a client
// request on the data path.
//
// Lifecycle: construct, start() (false with the reason in errorMessage() when a listener failed), use,
// destroy (the gateway stops, then the fake server). The calls spin the event loop until the answer
// arrives or timeoutMs passes (then status 0). Lives on the test's thread.

#include "fakemodelserver.h"

#include <QByteArray>
#include <QJsonObject>
#include <QString>
#include <QTemporaryDir>
#include <QUrl>

#include <memory>

namespace airlock {
class Gateway;
}

namespace airlock::test {

struct HttpAnswer
{
    int status = 0;   // 0: no answer in time, or a network error
    QJsonObject json; // admin API errors: {"code","message"} (the "error" object); otherwise the body as JSON
    QByteArray body;  // the raw body (data path calls)
};

class TestGateway
{
public:
    explicit TestGateway(QString adminToken);
    ~TestGateway();
    TestGateway(const TestGateway &) = delete;
    TestGateway &operator=(const TestGateway &) = delete;

    bool start();
    QString errorMessage() const { return m_error; }

    FakeModelServer *fake() const { return m_fake.get(); }
    Gateway *gateway() const { return m_gateway.get(); }
    QString adminToken() const { return m_adminToken; }
    QString dataDir() const;
    QUrl adminUrl() const;   // http://127.0.0.1:PORT
    QUrl gatewayUrl() const; // http://127.0.0.1:PORT

    // `path` relative to the admin URL ("api/v1/config"); a GET with an empty body sends none.
    HttpAnswer admin(const QByteArray &verb, const QString &path, const QJsonObject &body = {},
                     int timeoutMs = 15000) const;
    // POST `body` to `path` on the data path ("/v1/completions") with "Authorization: Bearer <token>".
    HttpAnswer post(const QString &path, const QString &token, const QJsonObject &body, int timeoutMs = 15000) const;

private:
    QString m_adminToken;
    QTemporaryDir m_dir;
    std::unique_ptr<FakeModelServer> m_fake;
    std::unique_ptr<Gateway> m_gateway;
    QString m_error;
};

} // namespace airlock::test
