// airlockd under a service manager (systemd's Type=notify, spoken through $NOTIFY_SOCKET): READY=1
// once every listener accepts, WATCHDOG=1 only while every worker thread answers, STOPPING=1 on
// SIGTERM and a graceful drain (servicemonitor.h, platform/servicenotifier.h,
// platform/threadheartbeat.h); log priorities for the journal (platform/journallog.h).

#include "airlockdprocess.h"
#include "fakeservicemanager.h"
#include "gatewayfixture.h"
#include "platform/servicenotifier.h"
#include "platform/threadheartbeat.h"
#include "servicemonitor.h"
#include "testtiming.h"

#include <QFile>
#include <QProcess>
#include <QSemaphore>
#include <QTest>

#include <csignal>
#include <sys/types.h>

using namespace airlock;
using namespace airlock::test;
using namespace std::chrono_literals;

class tst_ServiceNotify : public QObject
{
    Q_OBJECT

private:
    // Reads messages until one contains `what`; the messages read on the way are appended to `seen`.
    static bool readUntil(FakeServiceManager &manager, const QByteArray &what, QList<QByteArray> *seen, int maxMessages = 50)
    {
        for (int i = 0; i < maxMessages; ++i) {
            const auto message = manager.nextMessage(20000);
            if (!message)
                return false;
            seen->append(*message);
            if (message->contains(what))
                return true;
        }
        return false;
    }

private Q_SLOTS:
    void environmentGivesSocketAndWatchdog()
    {
        qputenv("NOTIFY_SOCKET", "@airlock-test");
        qputenv("WATCHDOG_USEC", "3000000");
        qunsetenv("WATCHDOG_PID");
        ServiceNotifier n = ServiceNotifier::fromEnvironment();
        QVERIFY(n.enabled());
        QCOMPARE(n.socketPath(), QByteArray("@airlock-test"));
        QCOMPARE(n.watchdogInterval(), 3s);
        // The watchdog was meant for another process (a shell that started airlockd): no pings.
        qputenv("WATCHDOG_PID", QByteArray::number(qint64(QCoreApplication::applicationPid()) + 1));
        QCOMPARE(ServiceNotifier::fromEnvironment().watchdogInterval(), 0us);
        qputenv("WATCHDOG_PID", QByteArray::number(QCoreApplication::applicationPid()));
        QCOMPARE(ServiceNotifier::fromEnvironment().watchdogInterval(), 3s);
        qunsetenv("NOTIFY_SOCKET");
        qunsetenv("WATCHDOG_USEC");
        qunsetenv("WATCHDOG_PID");
        QVERIFY(!ServiceNotifier::fromEnvironment().enabled());
        QVERIFY(ServiceNotifier::fromEnvironment().notify("READY=1")); // no manager: a no-op
        // A relative path is not a notify socket.
        QVERIFY(!ServiceNotifier("relative/path", 0us).notify("READY=1"));
    }

    void heartbeatSeesAStuckThread()
    {
        QThread thread;
        thread.start();
        QObject context;
        context.moveToThread(&thread);
        ThreadHeartbeat heartbeat({&context});
        QVERIFY(heartbeat.allAnswered());
        heartbeat.beat();
        QVERIFY(QTest::qWaitFor([&] { return heartbeat.allAnswered(); }, 10000));

        QSemaphore release;
        QMetaObject::invokeMethod(&context, [&release] { release.acquire(); }, Qt::QueuedConnection);
        heartbeat.beat(); // queued behind the stuck call
        QCOMPARE(heartbeat.silentCount(), 1);
        QVERIFY(!heartbeat.allAnswered());
        release.release();
        QVERIFY(QTest::qWaitFor([&] { return heartbeat.allAnswered(); }, 10000));
        thread.quit();
        thread.wait();
    }

    // A worker whose event loop is stuck stops the watchdog pings; they resume when it answers again.
    void blockedWorkerStopsThePings()
    {
        FakeServiceManager manager;
        QVERIFY2(manager.isListening(), qPrintable(manager.errorMessage()));
        GatewayFixture fixture({}, 2);
        ServiceMonitor monitor(*fixture.gateway, ServiceNotifier(manager.socketPath(), 200ms));
        monitor.started();
        QList<QByteArray> seen;
        QVERIFY(readUntil(manager, "READY=1", &seen));
        QVERIFY(readUntil(manager, "WATCHDOG=1", &seen));
        QVERIFY(readUntil(manager, "WATCHDOG=1", &seen));

        QSemaphore release;
        QObject *worker = fixture.gateway->workerContexts().at(1);
        QMetaObject::invokeMethod(worker, [&release] { release.acquire(); }, Qt::QueuedConnection);
        // The round posted before the block may still have been answered: one more ping at most. Then
        // every message says a worker is not responding, and none pings.
        seen.clear();
        QVERIFY(readUntil(manager, "1 not responding", &seen));
        for (int i = 0; i < 3; ++i) {
            const auto message = manager.nextMessage(20000);
            QVERIFY(message);
            QVERIFY2(!message->contains("WATCHDOG=1"), message->constData());
            QVERIFY2(message->contains("STATUS=") && message->contains("1 not responding"), message->constData());
        }
        release.release();
        seen.clear();
        QVERIFY(readUntil(manager, "WATCHDOG=1", &seen));
        QVERIFY2(seen.constLast().contains("all responsive"), seen.constLast().constData());
        monitor.stopping();
        QVERIFY(readUntil(manager, "STOPPING=1", &seen));
    }

    // The whole program: READY=1 after the listeners accept (a request right then is served), pings,
    // and STOPPING=1 on SIGTERM before a clean exit.
    void airlockdTellsTheServiceManager()
    {
        FakeServiceManager manager;
        QVERIFY2(manager.isListening(), qPrintable(manager.errorMessage()));
        QTemporaryDir dir;
        AirlockdProcess airlockd;
        AirlockdProcess::Options o;
        o.dataDir = dir.filePath(QStringLiteral("data"));
        o.workers = 2;
        o.args = {QStringLiteral("--auth"), QStringLiteral("disabled")};
        o.env.insert(QStringLiteral("NOTIFY_SOCKET"), QString::fromLocal8Bit(manager.socketPath()));
        o.env.insert(QStringLiteral("WATCHDOG_USEC"), QStringLiteral("400000"));
        o.env.insert(QStringLiteral("AIRLOCK_ADMIN_TOKEN"), QStringLiteral("notify-admin-token"));
        QVERIFY2(airlockd.start(o), qPrintable(airlockd.errorMessage()));

        const auto first = manager.nextMessage(30000);
        QVERIFY2(first, "no message from airlockd");
        QVERIFY2(first->startsWith("READY=1\n"), first->constData());
        QVERIFY2(first->contains("STATUS=") && first->contains("2 workers"), first->constData());
        QCOMPARE(TestHttpClient::fetch(airlockd.port(), HttpRequest::get("/monitoring/healthz")).status, 200);

        QList<QByteArray> seen;
        QVERIFY(readUntil(manager, "WATCHDOG=1", &seen));
        QVERIFY(readUntil(manager, "WATCHDOG=1", &seen));
        for (const QByteArray &m : std::as_const(seen))
            QVERIFY2(!m.contains("READY=1"), m.constData()); // once

        QVERIFY2(airlockd.stop(), airlockd.standardError().constData()); // SIGTERM, exit code 0
        QVERIFY(readUntil(manager, "STOPPING=1", &seen));
    }

    // SIGTERM drains: the port stops accepting at once, the request in flight still gets its whole
    // answer, then airlockd exits 0.
    void sigtermDrainsTheRequestsInFlight()
    {
        FakeModelServer fake;
        FakeBehavior held = FakeBehavior::answer(3);
        held.holdUntilReleased = true;
        fake.setDefaultBehavior(held);
        FakeServiceManager manager;
        QVERIFY2(manager.isListening(), qPrintable(manager.errorMessage()));
        QTemporaryDir dir;
        QFile config(dir.filePath(QStringLiteral("airlock.json")));
        QVERIFY(config.open(QIODevice::WriteOnly));
        config.write("{\"models\":[{\"name\":\"m\",\"family\":\"codestral\",\"base_url\":\"" + fake.baseUrl().toEncoded()
                     + "\",\"identifier\":\"served\"}],\"features\":{\"duo_chat\":\"m\"}}");
        config.close();
        AirlockdProcess airlockd;
        AirlockdProcess::Options o;
        o.dataDir = dir.filePath(QStringLiteral("data"));
        o.config = config.fileName();
        o.args = {QStringLiteral("--auth"), QStringLiteral("disabled"), QStringLiteral("--shutdown-grace"), QStringLiteral("120")};
        o.env.insert(QStringLiteral("NOTIFY_SOCKET"), QString::fromLocal8Bit(manager.socketPath()));
        o.env.insert(QStringLiteral("AIRLOCK_ADMIN_TOKEN"), QStringLiteral("notify-admin-token"));
        QVERIFY2(airlockd.start(o), qPrintable(airlockd.errorMessage()));
        const quint16 port = airlockd.port();
        QList<QByteArray> seen;
        QVERIFY(readUntil(manager, "READY=1", &seen));

        TestHttpClient client(port);
        client.sendRequest(HttpRequest::post("/v1/chat/completions",
                                             "{\"model\":\"duo_chat\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"));
        QVERIFY(waitUntil([&] { return fake.heldCount() == 1; }, 20000));

        QCOMPARE(::kill(pid_t(airlockd.process()->processId()), SIGTERM), 0);
        QVERIFY(readUntil(manager, "STOPPING=1", &seen));
        // The listeners close right after STOPPING=1: a new connection is refused.
        bool refused = false;
        for (int i = 0; i < 100 && !refused; ++i) {
            TestHttpClient probe(port);
            probe.connectToServer();
            refused = !probe.waitForConnected(2000) && probe.connectionFailed();
            if (!refused)
                QTest::qWait(100); // the worker threads close their listeners one after the other
        }
        QVERIFY(refused);
        QCOMPARE(airlockd.process()->state(), QProcess::Running); // still serving the request in flight

        QCOMPARE(fake.releaseHeld(), 1);
        QVERIFY(client.waitForResponses(1, 20000));
        QCOMPARE(client.responses().first().status, 200);
        QVERIFY(client.responses().first().complete);
        QVERIFY(airlockd.process()->waitForFinished(30000));
        QCOMPARE(airlockd.process()->exitStatus(), QProcess::NormalExit);
        QCOMPARE(airlockd.process()->exitCode(), 0);
    }

    // With its journal on stderr ($JOURNAL_STREAM), every log line carries its priority for journald.
    void logLinesCarryJournalPriorities()
    {
        QTemporaryDir dir;
        AirlockdProcess airlockd;
        AirlockdProcess::Options o;
        o.dataDir = dir.filePath(QStringLiteral("data"));
        o.args = {QStringLiteral("--auth"), QStringLiteral("disabled")};
        o.env.insert(QStringLiteral("JOURNAL_STREAM"), QStringLiteral("8:12345"));
        o.env.remove(QStringLiteral("QT_MESSAGE_PATTERN"));
        o.env.insert(QStringLiteral("AIRLOCK_ADMIN_TOKEN"), QStringLiteral("journal-admin-token"));
        QVERIFY2(airlockd.start(o), qPrintable(airlockd.errorMessage()));
        // The start-up lines are enough (info, e.g. the completion cache's).
        QVERIFY2(airlockd.stop(), airlockd.standardError().constData());
        const QList<QByteArray> lines = airlockd.standardError().split('\n');
        int prefixed = 0;
        for (const QByteArray &line : lines) {
            if (line.isEmpty() || line.startsWith("airlockd: ") || !line.contains("airlock."))
                continue; // not from Qt's logging (the program's own messages, the bootstrap notice)
            QVERIFY2(line.size() > 3 && line.at(0) == '<' && line.at(2) == '>' && QByteArray("234567").contains(line.at(1)),
                     line.constData());
            ++prefixed;
        }
        QVERIFY2(prefixed > 0, airlockd.standardError().constData());
        QVERIFY2(airlockd.standardError().contains("<6>airlock."), airlockd.standardError().constData());
    }
};

QTEST_GUILESS_MAIN(tst_ServiceNotify)
#include "tst_servicenotify.moc"
