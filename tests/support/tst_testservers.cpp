// The test-support fixtures for child servers: PostgreSQL 15 comes up and answers SELECT 1 through QPSQL,
// redis-server moves to a new port when its first one is taken, a ClosedPort refuses connections, and a
// missing prerequisite is a failure under CI.

#include "airlockdprocess.h"
#include "ports.h"
#include "postgresserver.h"
#include "prerequisite.h"
#include "redisserver.h"
#include "testtiming.h"

#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

using namespace airlock::test;

class tst_TestServers : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void postgresAnswersSelectOne()
    {
        AIRLOCK_REQUIRE(!PostgresServer::binDir().isEmpty(), "PostgreSQL 15 (/usr/lib/postgresql/15/bin)");
        AIRLOCK_REQUIRE(
            QSqlDatabase::isDriverAvailable(QStringLiteral("QPSQL")), "the QPSQL driver (libqt6sql6-psql)");
        PostgresServer server;
        QVERIFY2(server.start(), qPrintable(server.errorMessage()));
        QVERIFY(server.port() != 0);
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), QStringLiteral("fixture"));
            db.setHostName(server.host());
            db.setPort(server.port());
            db.setUserName(server.user());
            db.setDatabaseName(server.database());
            QVERIFY2(db.open(), qPrintable(db.lastError().text()));
            QSqlQuery q(db);
            QVERIFY2(q.exec(QStringLiteral("SELECT 1")), qPrintable(q.lastError().text()));
            QVERIFY(q.next());
            QCOMPARE(q.value(0).toInt(), 1);
            // Loopback only.
            QVERIFY(q.exec(QStringLiteral("SHOW listen_addresses")));
            QVERIFY(q.next());
            QCOMPARE(q.value(0).toString(), QStringLiteral("127.0.0.1"));
            db.close();
        }
        QSqlDatabase::removeDatabase(QStringLiteral("fixture"));
        server.stop();
        QVERIFY(!server.isRunning());
        QTcpSocket probe;
        probe.connectToHost(QHostAddress::LocalHost, server.port());
        QVERIFY(!probe.waitForConnected(5000));
    }

    void redisMovesOnWhenItsPortIsTaken()
    {
        AIRLOCK_REQUIRE(!RedisServer::executable().isEmpty(), "redis-server (package redis-server)");
        QTcpServer squatter; // holds the port redis-server is told to try first
        QVERIFY(squatter.listen(QHostAddress::LocalHost, 0));
        RedisServer redis;
        QVERIFY2(redis.start(squatter.serverPort()), qPrintable(redis.errorMessage()));
        QCOMPARE(redis.attemptsUsed(), 2);
        QVERIFY(redis.port() != squatter.serverPort());
        QCOMPARE(redis.command({ "PING" }), QByteArray("+PONG\r\n"));
        // No persistence.
        QCOMPARE(redis.command({ "CONFIG", "GET", "appendonly" }).contains("no"), true);
    }

    void closedPortRefusesConnections()
    {
        ClosedPort closed;
        QVERIFY(closed.port() != 0);
        QTcpSocket socket;
        socket.connectToHost(QHostAddress::LocalHost, closed.port());
        QVERIFY(!socket.waitForConnected(5000));
        QCOMPARE(socket.error(), QAbstractSocket::ConnectionRefusedError);
        QTcpServer other; // nobody else can take it meanwhile
        QVERIFY(!other.listen(QHostAddress::LocalHost, closed.port()));
    }

    void airlockdReportsThePortsItBound()
    {
        QTemporaryDir dir;
        AirlockdProcess airlockd;
        AirlockdProcess::Options options;
        options.dataDir = dir.filePath(QStringLiteral("data"));
        options.args = { QStringLiteral("--auth"), QStringLiteral("disabled") };
        QVERIFY2(airlockd.start(options), qPrintable(airlockd.errorMessage()));
        QVERIFY(airlockd.port() != 0 && airlockd.adminPort() != 0 && airlockd.port() != airlockd.adminPort());
        QCOMPARE(airlockd.adminHost(), QStringLiteral("127.0.0.1"));
        for (const quint16 port : { airlockd.port(), airlockd.adminPort() }) {
            QTcpSocket socket;
            socket.connectToHost(QHostAddress::LocalHost, port);
            QVERIFY(socket.waitForConnected(5000));
        }
        QVERIFY(airlockd.stop());
    }
};

QTEST_GUILESS_MAIN(tst_TestServers)
#include "tst_testservers.moc"
