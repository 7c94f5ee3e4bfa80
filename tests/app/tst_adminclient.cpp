// AdminClient against a fake admin API (QHttpServer in this process, port 0): success, the
// server's error shape, transport errors, malformed answers, no redirects, abort semantics.

#include "adminclient.h"

#include <QHttpServer>
#include <QHttpServerResponse>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTest>

using namespace airlock;
using namespace Qt::StringLiterals;


namespace {

const QByteArray kToken = "s3cret-token";

QHttpServerResponse errorResponse(QHttpServerResponder::StatusCode status, const QString &code, const QString &message)
{
    return QHttpServerResponse(QJsonObject{{u"error"_s, QJsonObject{{u"code"_s, code}, {u"message"_s, message}}}},
                               status);
}

} // namespace

class tst_AdminClient : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void fetchInfo();
    void wrongToken_data();
    void wrongToken();
    void malformedInfo_data();
    void malformedInfo();
    void connectionRefused();
    void redirectNotFollowed();
    void fetchConfig();
    void putConfigRejected();
    void putConfigStored();
    void abortAllIsSilent();
    void baseUrlWithPrefix();

private:
    QUrl url(QStringView path = {}) const
    {
        return QUrl(u"http://127.0.0.1:%1%2"_s.arg(m_port).arg(path));
    }

    QHttpServer m_server;
    quint16 m_port = 0;
    QByteArray m_infoBody;
    QByteArray m_lastPutBody;
    QByteArray m_lastAuthorization;
};

void tst_AdminClient::initTestCase()
{
    qRegisterMetaType<GatewayInfo>();
    qRegisterMetaType<AdminError>();

    const auto authorized = [this](const QHttpServerRequest &request) {
        m_lastAuthorization = request.value("Authorization");
        return m_lastAuthorization == "Bearer " + kToken;
    };
    m_server.route(u"/api/v1/info"_s, [this, authorized](const QHttpServerRequest &request) {
        if (!authorized(request))
            return errorResponse(QHttpServerResponder::StatusCode::Unauthorized, u"unauthorized"_s,
                                 u"missing or wrong admin token"_s);
        return QHttpServerResponse("application/json", m_infoBody);
    });
    m_server.route(u"/prefix/api/v1/info"_s, [](const QHttpServerRequest &) {
        return QHttpServerResponse(
            "application/json",
            R"({"name":"airlockd","version":"9.9.9","gateway_listen":"a:1","admin_listen":"b:2","workers":1})");
    });
    m_server.route(u"/api/v1/config"_s, QHttpServerRequest::Method::Get, [authorized](const QHttpServerRequest &request) {
        if (!authorized(request))
            return errorResponse(QHttpServerResponder::StatusCode::Unauthorized, u"unauthorized"_s, u"no"_s);
        return QHttpServerResponse("application/json",
                                   R"({"models":[{"name":"m1","family":"codestral","base_url":"http://127.0.0.1:8000/v1",)"
                                   R"("identifier":"codestral-22b"}],"features":{"code_completions":"m1"}})");
    });
    m_server.route(u"/api/v1/config"_s, QHttpServerRequest::Method::Put, [this](const QHttpServerRequest &request) {
        m_lastPutBody = request.body();
        if (QJsonDocument::fromJson(request.body()).object().value("models"_L1).toArray().isEmpty())
            return errorResponse(QHttpServerResponder::StatusCode::BadRequest, u"invalid_config"_s,
                                 u"models: at least one model is required"_s);
        return QHttpServerResponse(QHttpServerResponder::StatusCode::Ok);
    });
    m_server.route(u"/moved/api/v1/info"_s, [this](const QHttpServerRequest &) {
        QHttpServerResponse response(QHttpServerResponder::StatusCode::Found);
        response.addHeader("Location", url(u"/api/v1/info").toEncoded());
        return response;
    });
    m_port = m_server.listen(QHostAddress::LocalHost, 0);
    QVERIFY(m_port != 0);
}

void tst_AdminClient::fetchInfo()
{
    m_infoBody = R"({"name":"airlockd","version":"0.1.0","gateway_listen":"0.0.0.0:5052",)"
                 R"("admin_listen":"127.0.0.1:5053","workers":2})";
    AdminClient client;
    client.setBaseUrl(url());
    client.setToken(QString::fromLatin1(kToken));
    QSignalSpy received(&client, &AdminClient::infoReceived);
    QSignalSpy failed(&client, &AdminClient::requestFailed);
    client.fetchInfo();
    QVERIFY(received.wait());
    QCOMPARE(failed.count(), 0);
    QCOMPARE(m_lastAuthorization, "Bearer " + kToken);
    const auto info = received.at(0).at(0).value<GatewayInfo>();
    QCOMPARE(info.name, u"airlockd"_s);
    QCOMPARE(info.version, u"0.1.0"_s);
    QCOMPARE(info.gatewayListen, u"0.0.0.0:5052"_s);
    QCOMPARE(info.adminListen, u"127.0.0.1:5053"_s);
    QCOMPARE(info.workers, 2);
    QCOMPARE(client.pendingRequests(), 0);
}

void tst_AdminClient::wrongToken_data()
{
    QTest::addColumn<QString>("token");
    QTest::newRow("wrong") << u"nope"_s;
    QTest::newRow("missing") << QString();
}

void tst_AdminClient::wrongToken()
{
    QFETCH(QString, token);
    AdminClient client;
    client.setBaseUrl(url());
    client.setToken(token);
    QSignalSpy failed(&client, &AdminClient::requestFailed);
    client.fetchInfo();
    QVERIFY(failed.wait());
    QCOMPARE(failed.at(0).at(0).value<AdminClient::Operation>(), AdminClient::Operation::FetchInfo);
    const auto error = failed.at(0).at(1).value<AdminError>();
    QCOMPARE(error.httpStatus, 401);
    QCOMPARE(error.code, u"unauthorized"_s);
    QCOMPARE(error.message, u"missing or wrong admin token"_s);
    QCOMPARE(error.toString(), u"HTTP 401: missing or wrong admin token"_s);
}

void tst_AdminClient::malformedInfo_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("mentions");
    QTest::newRow("not json") << QByteArray("<html>") << u"JSON"_s;
    QTest::newRow("array") << QByteArray("[]") << u"JSON"_s;
    QTest::newRow("version missing")
        << QByteArray(R"({"name":"airlockd","gateway_listen":"a","admin_listen":"b","workers":2})") << u"version"_s;
    QTest::newRow("workers string")
        << QByteArray(R"({"name":"n","version":"v","gateway_listen":"a","admin_listen":"b","workers":"2"})")
        << u"workers"_s;
}

void tst_AdminClient::malformedInfo()
{
    QFETCH(QByteArray, body);
    QFETCH(QString, mentions);
    m_infoBody = body;
    AdminClient client;
    client.setBaseUrl(url());
    client.setToken(QString::fromLatin1(kToken));
    QSignalSpy failed(&client, &AdminClient::requestFailed);
    client.fetchInfo();
    QVERIFY(failed.wait());
    const auto error = failed.at(0).at(1).value<AdminError>();
    QCOMPARE(error.httpStatus, 200);
    QCOMPARE(error.code, u"invalid_response"_s);
    QVERIFY2(error.message.contains(mentions), qPrintable(error.message));
}

void tst_AdminClient::connectionRefused()
{
    QTcpServer closed; // take a free port, then release it
    QVERIFY(closed.listen(QHostAddress::LocalHost, 0));
    const quint16 port = closed.serverPort();
    closed.close();

    AdminClient client;
    client.setBaseUrl(QUrl(u"http://127.0.0.1:%1"_s.arg(port)));
    client.setToken(u"t"_s);
    QSignalSpy failed(&client, &AdminClient::requestFailed);
    client.fetchInfo();
    QVERIFY(failed.wait());
    const auto error = failed.at(0).at(1).value<AdminError>();
    QCOMPARE(error.httpStatus, 0);
    QCOMPARE(error.code, u"network_error"_s);
    QVERIFY(!error.message.isEmpty());
}

void tst_AdminClient::redirectNotFollowed()
{
    AdminClient client;
    client.setBaseUrl(url(u"/moved"));
    client.setToken(QString::fromLatin1(kToken));
    m_lastAuthorization.clear();
    QSignalSpy failed(&client, &AdminClient::requestFailed);
    QSignalSpy received(&client, &AdminClient::infoReceived);
    client.fetchInfo();
    QVERIFY(failed.wait());
    QCOMPARE(received.count(), 0);
    QCOMPARE(failed.at(0).at(1).value<AdminError>().httpStatus, 302);
    QVERIFY(m_lastAuthorization.isEmpty()); // the token never reached the redirect target
}

void tst_AdminClient::fetchConfig()
{
    AdminClient client;
    client.setBaseUrl(url());
    client.setToken(QString::fromLatin1(kToken));
    QSignalSpy received(&client, &AdminClient::configReceived);
    client.fetchConfig();
    QVERIFY(received.wait());
    const auto config = received.at(0).at(0).value<GatewayConfig>();
    QCOMPARE(config.models.size(), 1);
    QCOMPARE(config.models.at(0).name, u"m1"_s);
    QCOMPARE(config.features.value(u"code_completions"_s), u"m1"_s);
}

void tst_AdminClient::putConfigRejected()
{
    AdminClient client;
    client.setBaseUrl(url());
    client.setToken(QString::fromLatin1(kToken));
    QSignalSpy failed(&client, &AdminClient::requestFailed);
    QSignalSpy stored(&client, &AdminClient::configStored);
    client.putConfig(GatewayConfig{});
    QVERIFY(failed.wait());
    QCOMPARE(stored.count(), 0);
    QCOMPARE(failed.at(0).at(0).value<AdminClient::Operation>(), AdminClient::Operation::PutConfig);
    const auto error = failed.at(0).at(1).value<AdminError>();
    QCOMPARE(error.httpStatus, 400);
    QCOMPARE(error.code, u"invalid_config"_s);
    QCOMPARE(error.message, u"models: at least one model is required"_s);
}

void tst_AdminClient::putConfigStored()
{
    GatewayConfig config;
    ModelEndpoint model;
    model.name = u"m1"_s;
    model.baseUrl = QUrl(u"http://127.0.0.1:8000/v1"_s);
    model.identifier = u"codestral-22b"_s;
    model.apiKey = u"model-key"_s;
    config.models.append(model);

    AdminClient client;
    client.setBaseUrl(url());
    client.setToken(QString::fromLatin1(kToken));
    QSignalSpy stored(&client, &AdminClient::configStored);
    client.putConfig(config);
    QVERIFY(stored.wait());
    // The key the admin typed must reach the gateway.
    const QJsonObject sent = QJsonDocument::fromJson(m_lastPutBody).object();
    QCOMPARE(sent.value("models"_L1).toArray().at(0).toObject().value("api_key"_L1).toString(), u"model-key"_s);
}

void tst_AdminClient::abortAllIsSilent()
{
    m_infoBody = R"({"name":"n","version":"v","gateway_listen":"a","admin_listen":"b","workers":1})";
    AdminClient client;
    client.setBaseUrl(url());
    client.setToken(QString::fromLatin1(kToken));
    QSignalSpy received(&client, &AdminClient::infoReceived);
    QSignalSpy failed(&client, &AdminClient::requestFailed);
    client.fetchInfo();
    client.fetchConfig();
    QCOMPARE(client.pendingRequests(), 2);
    client.setToken(u"another"_s); // a new connection: what was in flight is dropped
    QCOMPARE(client.pendingRequests(), 0);
    QTest::qWait(200);
    QCOMPARE(received.count(), 0);
    QCOMPARE(failed.count(), 0);
}

void tst_AdminClient::baseUrlWithPrefix()
{
    AdminClient client;
    client.setBaseUrl(url(u"/prefix"));
    client.setToken(u"t"_s);
    QSignalSpy received(&client, &AdminClient::infoReceived);
    client.fetchInfo();
    QVERIFY(received.wait());
    QCOMPARE(received.at(0).at(0).value<GatewayInfo>().version, u"9.9.9"_s);
}

QTEST_GUILESS_MAIN(tst_AdminClient)
#include "tst_adminclient.moc"
