// ConnectionController against a real in-process airlock::Gateway: embedded mode, connecting to it
// as a remote gateway with the right and a wrong token, and failures that never reach a server.

#include "connectioncontroller.h"
#include "gateway.h"

#include <QSignalSpy>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

using namespace airlock;
using namespace Qt::StringLiterals;

using State = ConnectionController::State;

namespace {
constexpr int kTimeoutMs = 15000;
} // namespace

class tst_ConnectionController : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void embedded();
    void remote();
    void wrongToken();
    void unreachable();
    void invalidInput_data();
    void invalidInput();
    void normalizeAdminUrl_data();
    void normalizeAdminUrl();

private:
    QTemporaryDir m_dataDir;
};

void tst_ConnectionController::initTestCase()
{
    QVERIFY(m_dataDir.isValid());
    qunsetenv("AIRLOCK_ADMIN_TOKEN"); // the gateway must create and report its own token
}

void tst_ConnectionController::embedded()
{
    ConnectionController controller;
    QSignalSpy states(&controller, &ConnectionController::stateChanged);
    controller.startEmbedded(m_dataDir.filePath(u"embedded"_s));
    QVERIFY(controller.isEmbedded());
    QTRY_COMPARE_WITH_TIMEOUT(controller.state(), State::Connected, kTimeoutMs);
    QVERIFY2(controller.errorMessage().isEmpty(), qPrintable(controller.errorMessage()));
    QCOMPARE(controller.gatewayVersion(), QStringLiteral(AIRLOCK_VERSION));
    QCOMPARE(controller.gatewayName(), u"airlockd"_s);
    QVERIFY(controller.gatewayListen().startsWith(u"127.0.0.1:"_s));
    QVERIFY(!controller.gatewayListen().endsWith(u":0"_s)); // the resolved port, not the requested 0
    QVERIFY(controller.adminUrl().startsWith(u"http://127.0.0.1:"_s));
    QVERIFY(controller.gatewayWorkers() > 0);
    QCOMPARE(states.count(), 2); // Connecting, Connected

    const QUrl adminUrl(controller.adminUrl());
    controller.disconnectFrom();
    QCOMPARE(controller.state(), State::Disconnected);
    QVERIFY(!controller.isEmbedded());
    QVERIFY(controller.gatewayVersion().isEmpty());

    // The embedded gateway is gone: its admin port no longer answers.
    ConnectionController again;
    again.connectTo(adminUrl.toString(), u"any"_s);
    QTRY_COMPARE_WITH_TIMEOUT(again.state(), State::Error, kTimeoutMs);
}

void tst_ConnectionController::remote()
{
    GatewayOptions options;
    options.dataDir = m_dataDir.filePath(u"remote"_s);
    options.listen = ListenAddress{QHostAddress(QHostAddress::LocalHost), 0};
    options.adminListen = ListenAddress{QHostAddress(QHostAddress::LocalHost), 0};
    options.adminToken = u"remote-admin-token"_s;
    options.workers = 1;
    Gateway gateway(options);
    const Status started = gateway.start();
    QVERIFY2(started.ok(), started.ok() ? "" : qPrintable(started.error().message));

    ConnectionController controller;
    controller.connectTo(gateway.adminAddress().toString(), u"remote-admin-token"_s); // bare host:port
    QCOMPARE(controller.state(), State::Connecting);
    QVERIFY(!controller.isEmbedded());
    QTRY_COMPARE_WITH_TIMEOUT(controller.state(), State::Connected, kTimeoutMs);
    QCOMPARE(controller.gatewayVersion(), QStringLiteral(AIRLOCK_VERSION));
    QCOMPARE(controller.gatewayAdminListen(), gateway.adminAddress().toString());
    QCOMPARE(controller.gatewayWorkers(), 1);

    controller.disconnectFrom();
    QCOMPARE(controller.state(), State::Disconnected);
    QVERIFY(gateway.isRunning()); // disconnecting from a remote gateway leaves it alone
}

void tst_ConnectionController::wrongToken()
{
    GatewayOptions options;
    options.dataDir = m_dataDir.filePath(u"wrongtoken"_s);
    options.listen = ListenAddress{QHostAddress(QHostAddress::LocalHost), 0};
    options.adminListen = ListenAddress{QHostAddress(QHostAddress::LocalHost), 0};
    options.adminToken = u"the-right-token"_s;
    options.workers = 1;
    Gateway gateway(options);
    QVERIFY(gateway.start().ok());

    ConnectionController controller;
    controller.connectTo(u"http://"_s + gateway.adminAddress().toString(), u"the-wrong-token"_s);
    QTRY_COMPARE_WITH_TIMEOUT(controller.state(), State::Error, kTimeoutMs);
    QVERIFY(!controller.errorMessage().isEmpty());
    QVERIFY(!controller.errorMessage().contains(u"the-wrong-token"_s)); // never echo a secret
    QVERIFY(controller.gatewayVersion().isEmpty());
}

void tst_ConnectionController::unreachable()
{
    QTcpServer closed;
    QVERIFY(closed.listen(QHostAddress::LocalHost, 0));
    const quint16 port = closed.serverPort();
    closed.close();

    ConnectionController controller;
    controller.connectTo(u"http://127.0.0.1:%1"_s.arg(port), u"t"_s);
    QTRY_COMPARE_WITH_TIMEOUT(controller.state(), State::Error, kTimeoutMs);
    QVERIFY(controller.errorMessage().contains(QString::number(port)));
}

void tst_ConnectionController::invalidInput_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<QString>("token");
    QTest::newRow("empty url") << QString() << u"t"_s;
    QTest::newRow("ftp") << u"ftp://h:1"_s << u"t"_s;
    QTest::newRow("no token") << u"http://127.0.0.1:5053"_s << QString();
}

void tst_ConnectionController::invalidInput()
{
    QFETCH(QString, url);
    QFETCH(QString, token);
    ConnectionController controller;
    controller.connectTo(url, token);
    QCOMPARE(controller.state(), State::Error); // at once: nothing was sent
    QVERIFY(!controller.errorMessage().isEmpty());
    QCOMPARE(controller.client()->pendingRequests(), 0);
}

void tst_ConnectionController::normalizeAdminUrl_data()
{
    QTest::addColumn<QString>("input");
    QTest::addColumn<QString>("expected"); // empty: rejected
    QTest::newRow("bare") << u"127.0.0.1:5053"_s << u"http://127.0.0.1:5053"_s;
    QTest::newRow("spaces") << u"  http://gw:5053 "_s << u"http://gw:5053"_s;
    QTest::newRow("https prefix") << u"https://gw.example/airlock"_s << u"https://gw.example/airlock"_s;
    QTest::newRow("ipv6") << u"http://[::1]:5053"_s << u"http://[::1]:5053"_s;
    QTest::newRow("credentials") << u"http://user:pw@gw:5053"_s << QString();
    QTest::newRow("query") << u"http://gw:5053/?x=1"_s << QString();
    QTest::newRow("scheme") << u"file:///etc/passwd"_s << QString();
    QTest::newRow("empty") << u" "_s << QString();
}

void tst_ConnectionController::normalizeAdminUrl()
{
    QFETCH(QString, input);
    QFETCH(QString, expected);
    const QUrl url = ConnectionController::normalizeAdminUrl(input);
    QCOMPARE(url.isValid() ? url.toString() : QString(), expected);
}

QTEST_GUILESS_MAIN(tst_ConnectionController)
#include "tst_connectioncontroller.moc"
