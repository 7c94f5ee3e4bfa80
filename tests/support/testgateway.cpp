#include "testgateway.h"

#include "adminclient.h"
#include "gateway.h"

#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QTest>

namespace airlock::test {

using namespace Qt::StringLiterals;

TestGateway::TestGateway(QString adminToken)
    : m_adminToken(std::move(adminToken))
{
}

TestGateway::~TestGateway()
{
    m_gateway.reset();
    m_fake.reset();
}

bool TestGateway::start()
{
    if (!m_dir.isValid()) {
        m_error = u"cannot create a temporary directory"_s;
        return false;
    }
    m_fake = std::make_unique<FakeModelServer>();
    if (!m_fake->isListening()) {
        m_error = u"the fake model server does not listen"_s;
        return false;
    }
    GatewayOptions options;
    options.dataDir = dataDir();
    options.listen = ListenAddress{QHostAddress(QHostAddress::LocalHost), 0};
    options.adminListen = ListenAddress{QHostAddress(QHostAddress::LocalHost), 0};
    options.adminToken = m_adminToken;
    options.workers = 1;
    m_gateway = std::make_unique<Gateway>(options);
    const Status started = m_gateway->start();
    if (!started) {
        m_error = started.error().message;
        return false;
    }
    return true;
}

QString TestGateway::dataDir() const
{
    return m_dir.filePath(u"gateway"_s);
}

QUrl TestGateway::adminUrl() const
{
    return QUrl(u"http://"_s + m_gateway->adminAddress().toString());
}

QUrl TestGateway::gatewayUrl() const
{
    return QUrl(u"http://"_s + m_gateway->gatewayAddress().toString());
}

HttpAnswer TestGateway::admin(const QByteArray &verb, const QString &path, const QJsonObject &body, int timeoutMs) const
{
    AdminClient client;
    client.setBaseUrl(adminUrl());
    client.setToken(m_adminToken);
    HttpAnswer answer;
    bool done = false;
    QObject context;
    client.call(verb, path, body.isEmpty() && verb == "GET" ? QJsonDocument() : QJsonDocument(body), &context,
                [&](const AdminError *error, const QJsonDocument &json) {
                    answer.status = error ? error->httpStatus : 200;
                    answer.json = error ? QJsonObject{{u"code"_s, error->code}, {u"message"_s, error->message}}
                                        : json.object();
                    done = true;
                });
    if (!QTest::qWaitFor([&] { return done; }, timeoutMs))
        qWarning().noquote() << "admin call timed out:" << verb << path;
    return answer;
}

HttpAnswer TestGateway::post(const QString &path, const QString &token, const QJsonObject &body, int timeoutMs) const
{
    QNetworkAccessManager network;
    QUrl url = gatewayUrl();
    url.setPath(path);
    QNetworkRequest request(url);
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    if (!token.isEmpty())
        request.setRawHeader("Authorization", "Bearer " + token.toUtf8());
    QNetworkReply *reply = network.post(request, QJsonDocument(body).toJson(QJsonDocument::Compact));
    HttpAnswer answer;
    if (!QTest::qWaitFor([reply] { return reply->isFinished(); }, timeoutMs)) {
        qWarning().noquote() << "request timed out:" << path;
        reply->abort();
    } else {
        answer.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        answer.body = reply->readAll();
        answer.json = QJsonDocument::fromJson(answer.body).object();
    }
    delete reply;
    return answer;
}

} // namespace airlock::test
