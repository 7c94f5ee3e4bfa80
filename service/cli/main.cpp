// airlockd: the gateway service. See README.md for the command line.

#include "auth/authmodule.h"
#include "commandline.h"
#include "configexport.h"
#include "clioutput.h"
#include "gateway.h"
#include "http/tlscontext.h"
#include "platform/crashhandler.h"
#include "platform/journallog.h"
#include "platform/servicenotifier.h"
#include "platform/signalhandler.h"
#include "servicemonitor.h"
#include "tokencommand.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QTimer>
#include <QTextStream>

using namespace airlock;
using cli::fail;

int main(int argc, char *argv[])
{
    // Every thread's event loop (the workers' included) uses Qt's own poll()-based dispatcher rather than
    // GLib's: with GLib, each socket notifier switched on or off adds or removes a poll source and wakes
    // the context through its eventfd, a few syscalls per proxied request. Measured with the load of
    // scripts/bench.sh on one worker: about 40 % more requests/s. An admin's own QT_NO_GLIB setting wins.
    if (!qEnvironmentVariableIsSet("QT_NO_GLIB"))
        qputenv("QT_NO_GLIB", "1");
    QCoreApplication app(argc, argv);
    useJournalPriorities(); // under systemd: "<3>" etc. in front of each log line
    QCoreApplication::setApplicationName(QStringLiteral("airlockd"));
    QCoreApplication::setApplicationVersion(QStringLiteral(AIRLOCK_VERSION));

    auto command = cli::parseCommandLine(app);
    if (!command)
        return fail(command.error().message);
    // Before any secret is loaded: crash output carries no memory contents, and no core dump is written.
    if (auto st = installCrashHandler(); !st)
        return fail(st.error().message);
    if (!command->allowCoreDumps) {
        if (auto st = disableCoreDumps(); !st)
            return fail(st.error().message + QStringLiteral(" (--allow-core-dumps skips this)"));
    }

    const QStringList &positional = command->positional;
    if (!positional.isEmpty()) {
        if (positional == QStringList{QStringLiteral("config"), QStringLiteral("export")})
            return cli::exportConfig(command->dataDir, command->output);
        if (positional.first() == QLatin1String("token"))
            return cli::tokenCommand(command->token);
        return fail(QStringLiteral("unknown command \"%1\"; see --help").arg(positional.join(QLatin1Char(' '))));
    }
    const GatewayOptions &options = command->options;

    SignalHandler signalHandler;
    if (auto st = signalHandler.install(); !st)
        return fail(st.error().message);
    Gateway gateway(options);
    // Under systemd (Type=notify): READY=1 below, watchdog pings while every worker answers, STOPPING=1.
    ServiceMonitor service(gateway, ServiceNotifier::fromEnvironment());
    // SIGTERM: a graceful stop. The listeners close at once (a load balancer's next connection goes to
    // another instance), requests in flight may finish within the grace period, then the rest is cut.
    // A second signal stops at once.
    QTimer drainPoll;
    QElapsedTimer draining;
    const int graceMs = command->shutdownGraceMs;
    QObject::connect(&drainPoll, &QTimer::timeout, &app, [&] {
        if (gateway.liveRequests() == 0 || draining.elapsed() >= graceMs) {
            if (const int cut = gateway.liveRequests())
                QTextStream(stderr) << "airlockd: " << cut << " request(s) still in flight after the grace period: cut\n";
            QCoreApplication::quit();
        }
    });
    QObject::connect(&signalHandler, &SignalHandler::terminationRequested, &app, [&](int) {
        if (draining.isValid()) {
            QCoreApplication::quit();
            return;
        }
        service.stopping();
        gateway.stopAccepting();
        draining.start();
        drainPoll.start(50);
    });
    QObject::connect(&signalHandler, &SignalHandler::reloadRequested, &gateway, [&gateway] { gateway.reload(); });
    if (auto st = gateway.start(); !st)
        return fail(st.error().message);
    QTextStream(stdout) << "airlockd " << AIRLOCK_VERSION << " listening on " << gateway.gatewayAddress().toString()
                        << " (" << gateway.workerCount() << " workers), admin API on "
                        << gateway.adminAddress().toString() << ", data in " << gateway.dataDir() << ", auth "
                        << (gateway.auth()->enabled() ? QStringLiteral("required") : QStringLiteral("DISABLED (lab mode: no token needed)"))
                        << (gateway.auth()->gatewayTls()->enabled() ? QStringLiteral(", TLS") : QString()) << Qt::endl;
    service.started(); // every listener accepts by now
    const int rc = app.exec();
    gateway.stop();
    return rc;
}
