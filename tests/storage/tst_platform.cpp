#include "platform/datadir.h"
#include "platform/signalhandler.h"

#include <QFile>
#include <QFileInfo>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

using namespace airlock;

class tst_Platform : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void chooseDataDir_data();
    void chooseDataDir();
    void defaultDataDirHonoursEnvironment();
    void ensurePrivateDir();
    void ensurePrivateDirRefusesAFile();
    void ensurePrivateDirKeepsExisting();

    void terminationSignals_data();
    void terminationSignals();
    void hangupRequestsReload();
    void severalSignalsAtOnce();
    void secondHandlerIsRefused();
    void destructorRestoresDisposition();
};

void tst_Platform::chooseDataDir_data()
{
    QTest::addColumn<QString>("stateDirectory");
    QTest::addColumn<bool>("invocationId");
    QTest::addColumn<bool>("airlockService");
    QTest::addColumn<bool>("root");
    QTest::addColumn<QString>("expected");
    const QString user = QStringLiteral("/home/ana/.local/share/airlock");
    QTest::newRow("interactive user") << QString() << false << false << false << user;
    QTest::newRow("interactive root")
        << QString() << false << false << true << QStringLiteral("/home/ana/.local/share/airlock");
    QTest::newRow("systemd StateDirectory") << QStringLiteral("/var/lib/airlock-x") << true << false << true
                                            << QStringLiteral("/var/lib/airlock-x");
    QTest::newRow("StateDirectory list takes the first")
        << QStringLiteral("/var/lib/a:/var/lib/b") << true << false << false << QStringLiteral("/var/lib/a");
    QTest::newRow("StateDirectory wins over AIRLOCK_SERVICE")
        << QStringLiteral("/srv/state/") << false << true << false << QStringLiteral("/srv/state");
#ifndef Q_OS_WIN
    QTest::newRow("systemd system service as root")
        << QString() << true << false << true << QStringLiteral("/var/lib/airlock");
    QTest::newRow("AIRLOCK_SERVICE=1")
        << QString() << false << true << false << QStringLiteral("/var/lib/airlock");
#endif
    QTest::newRow("systemd user service / desktop terminal") << QString() << true << false << false << user;
}

void tst_Platform::chooseDataDir()
{
    QFETCH(QString, stateDirectory);
    QFETCH(bool, invocationId);
    QFETCH(bool, airlockService);
    QFETCH(bool, root);
    QFETCH(QString, expected);
    DataDirContext c;
    c.stateDirectory = stateDirectory;
    c.systemdService = invocationId;
    c.airlockService = airlockService;
    c.root = root;
    c.userDataLocation = QStringLiteral("/home/ana/.local/share");
    QCOMPARE(airlock::chooseDataDir(c), expected);
}

void tst_Platform::defaultDataDirHonoursEnvironment()
{
    QTemporaryDir tmp;
    qunsetenv("STATE_DIRECTORY");
    qunsetenv("INVOCATION_ID");
    qunsetenv("AIRLOCK_SERVICE");
    qputenv("XDG_DATA_HOME", tmp.path().toLocal8Bit());
#ifdef Q_OS_LINUX
    QCOMPARE(defaultDataDir(), tmp.path() + QStringLiteral("/airlock"));
#endif
    qputenv("STATE_DIRECTORY", QByteArray("/var/lib/from-systemd"));
    QCOMPARE(defaultDataDir(), QStringLiteral("/var/lib/from-systemd"));
    qunsetenv("STATE_DIRECTORY");
#ifndef Q_OS_WIN
    qputenv("AIRLOCK_SERVICE", QByteArray("1"));
    QCOMPARE(defaultDataDir(), QStringLiteral("/var/lib/airlock"));
    qunsetenv("AIRLOCK_SERVICE");
#endif
    qunsetenv("XDG_DATA_HOME");
}

void tst_Platform::ensurePrivateDir()
{
    QTemporaryDir tmp;
    const QString path = tmp.filePath(QStringLiteral("a/b/state"));
    const auto st = airlock::ensurePrivateDir(path);
    QVERIFY2(st.ok(), qPrintable(st.ok() ? QString() : st.error().message));
    QVERIFY(QFileInfo(path).isDir());
#ifndef Q_OS_WIN
    QCOMPARE(QFileInfo(path).permissions() & 0x0777, QFile::ReadUser | QFile::WriteUser | QFile::ExeUser);
#endif
    QVERIFY(airlock::ensurePrivateDir(path).ok()); // idempotent
}

void tst_Platform::ensurePrivateDirRefusesAFile()
{
    QTemporaryDir tmp;
    const QString path = tmp.filePath(QStringLiteral("file"));
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.close();
    const auto st = airlock::ensurePrivateDir(path);
    QVERIFY(!st.ok());
    QCOMPARE(st.error().code, QStringLiteral("not_a_directory"));
    QVERIFY(st.error().message.contains(path));
    QVERIFY(!airlock::ensurePrivateDir(QString()).ok());
}

void tst_Platform::ensurePrivateDirKeepsExisting()
{
    QTemporaryDir tmp;
    const auto before = QFileInfo(tmp.path()).permissions();
    QVERIFY(airlock::ensurePrivateDir(tmp.path()).ok());
    QCOMPARE(QFileInfo(tmp.path()).permissions(), before);
}

void tst_Platform::terminationSignals_data()
{
    QTest::addColumn<int>("signal");
    QTest::newRow("SIGTERM") << int(SIGTERM);
    QTest::newRow("SIGINT") << int(SIGINT);
}

void tst_Platform::terminationSignals()
{
    QFETCH(int, signal);
    SignalHandler handler;
    QVERIFY(handler.install().ok());
    QVERIFY(handler.isInstalled());
    QSignalSpy termination(&handler, &SignalHandler::terminationRequested);
    QSignalSpy reload(&handler, &SignalHandler::reloadRequested);
    QCOMPARE(::raise(signal), 0); // the process survives: our handler replaced the default action
    QVERIFY(termination.wait(5000));
    QCOMPARE(termination.size(), 1);
    QCOMPARE(termination.at(0).at(0).toInt(), signal);
    QCOMPARE(reload.size(), 0);
}

void tst_Platform::hangupRequestsReload()
{
#ifdef Q_OS_WIN
    QSKIP("no SIGHUP on Windows");
#else
    SignalHandler handler;
    QVERIFY(handler.install().ok());
    QSignalSpy termination(&handler, &SignalHandler::terminationRequested);
    QSignalSpy reload(&handler, &SignalHandler::reloadRequested);
    QCOMPARE(::raise(SIGHUP), 0);
    QVERIFY(reload.wait(5000));
    QCOMPARE(reload.size(), 1);
    QCOMPARE(termination.size(), 0);
#endif
}

void tst_Platform::severalSignalsAtOnce()
{
#ifndef Q_OS_WIN
    SignalHandler handler;
    QVERIFY(handler.install().ok());
    QSignalSpy termination(&handler, &SignalHandler::terminationRequested);
    QSignalSpy reload(&handler, &SignalHandler::reloadRequested);
    ::raise(SIGHUP);
    ::raise(SIGTERM);
    ::raise(SIGHUP);
    QTRY_COMPARE_WITH_TIMEOUT(reload.size() + termination.size(), 3, 5000);
    QCOMPARE(reload.size(), 2);
    QCOMPARE(termination.at(0).at(0).toInt(), int(SIGTERM));
#endif
}

void tst_Platform::secondHandlerIsRefused()
{
#ifndef Q_OS_WIN
    SignalHandler first;
    QVERIFY(first.install().ok());
    {
        SignalHandler second;
        const auto st = second.install();
        QVERIFY(!st.ok());
        QCOMPARE(st.error().code, QStringLiteral("already_installed"));
    }
    // The refused one did not disturb the first.
    QSignalSpy termination(&first, &SignalHandler::terminationRequested);
    ::raise(SIGTERM);
    QVERIFY(termination.wait(5000));
#endif
}

void tst_Platform::destructorRestoresDisposition()
{
#ifndef Q_OS_WIN
    struct sigaction before;
    QCOMPARE(::sigaction(SIGTERM, nullptr, &before), 0);
    {
        SignalHandler handler;
        QVERIFY(handler.install().ok());
        struct sigaction during;
        QCOMPARE(::sigaction(SIGTERM, nullptr, &during), 0);
        QVERIFY(during.sa_handler != before.sa_handler);
    }
    struct sigaction after;
    QCOMPARE(::sigaction(SIGTERM, nullptr, &after), 0);
    QVERIFY(after.sa_handler == before.sa_handler);
    // And a new handler can be installed again afterwards.
    SignalHandler again;
    QVERIFY(again.install().ok());
#endif
}

QTEST_GUILESS_MAIN(tst_Platform)
#include "tst_platform.moc"
