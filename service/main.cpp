// airlockd: the gateway service. See README.md for the command line.

#include "gateway.h"
#include "platform/datadir.h"
#include "platform/signalhandler.h"
#include "storage/configstore.h"
#include "storage/database.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFile>
#include <QTextStream>

#include <cstdio>

using namespace airlock;

namespace {

Result<ListenAddress> parseListen(const QString &text, const char *option)
{
    const auto bad = [&] {
        return Error::make(QStringLiteral("invalid_argument"),
                           QStringLiteral("--%1 must be HOST:PORT (e.g. 0.0.0.0:5052, [::1]:5052), got \"%2\"")
                               .arg(QLatin1String(option), text));
    };
    const qsizetype colon = text.lastIndexOf(QLatin1Char(':'));
    if (colon < 0)
        return bad();
    QString host = text.left(colon);
    bool ok = false;
    const uint port = text.mid(colon + 1).toUInt(&ok);
    if (!ok || port > 65535)
        return bad();
    if (host.startsWith(QLatin1Char('[')) && host.endsWith(QLatin1Char(']')))
        host = host.mid(1, host.size() - 2);
    if (host.isEmpty())
        host = QStringLiteral("0.0.0.0");
    if (host == QLatin1String("localhost"))
        host = QStringLiteral("127.0.0.1");
    QHostAddress address;
    if (!address.setAddress(host))
        return bad();
    return ListenAddress{address, quint16(port)};
}

int fail(const QString &message)
{
    QTextStream(stderr) << "airlockd: " << message << '\n';
    return 2;
}

int exportConfig(const QString &dataDirOption, const QString &output)
{
    const QString dataDir = dataDirOption.isEmpty() ? defaultDataDir() : dataDirOption;
    auto database = Database::open(dataDir);
    if (!database)
        return fail(database.error().message);
    ConfigStore store(**database);
    auto config = store.load();
    if (!config)
        return fail(config.error().message);
    const QByteArray json = serializeGatewayConfig(*config, Secrets::Omit);
    if (output.isEmpty() || output == QLatin1String("-")) {
        std::fwrite(json.constData(), 1, size_t(json.size()), stdout);
        return 0;
    }
    QFile file(output);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(json) != json.size())
        return fail(QStringLiteral("cannot write %1: %2").arg(output, file.errorString()));
    return 0;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("airlockd"));
    QCoreApplication::setApplicationVersion(QStringLiteral(AIRLOCK_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Airlock gateway: serves GitLab's AI gateway API and the OpenAI API from your own model servers.\n"
        "Subcommands:\n"
        "  config export [--output FILE]   write the stored configuration (secrets left out)"));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption configOption(QStringLiteral("config"),
                                          QStringLiteral("Declarative configuration file to import at start."),
                                          QStringLiteral("FILE"));
    const QCommandLineOption dataDirOption(QStringLiteral("data-dir"),
                                           QStringLiteral("Data directory (default: the user's XDG data dir, or "
                                                          "/var/lib/airlock as a service)."),
                                           QStringLiteral("DIR"));
    const QCommandLineOption listenOption(QStringLiteral("listen"), QStringLiteral("Gateway address (default 0.0.0.0:5052)."),
                                          QStringLiteral("HOST:PORT"), QStringLiteral("0.0.0.0:5052"));
    const QCommandLineOption adminListenOption(QStringLiteral("admin-listen"),
                                               QStringLiteral("Admin API address (default 127.0.0.1:5053)."),
                                               QStringLiteral("HOST:PORT"), QStringLiteral("127.0.0.1:5053"));
    const QCommandLineOption workersOption(QStringLiteral("workers"),
                                           QStringLiteral("Worker threads serving the gateway port (default: one per core)."),
                                           QStringLiteral("N"), QStringLiteral("0"));
    const QCommandLineOption maxRequestOption(QStringLiteral("max-request-bytes"),
                                              QStringLiteral("Largest request body accepted (default 1048576)."),
                                              QStringLiteral("BYTES"), QStringLiteral("1048576"));
    const QCommandLineOption outputOption(QStringLiteral("output"), QStringLiteral("With config export: output file."),
                                          QStringLiteral("FILE"));
    parser.addOptions({configOption, dataDirOption, listenOption, adminListenOption, workersOption, maxRequestOption,
                       outputOption});
    parser.process(app);

    const QStringList positional = parser.positionalArguments();
    if (!positional.isEmpty()) {
        if (positional == QStringList{QStringLiteral("config"), QStringLiteral("export")})
            return exportConfig(parser.value(dataDirOption), parser.value(outputOption));
        return fail(QStringLiteral("unknown command \"%1\"; see --help").arg(positional.join(QLatin1Char(' '))));
    }

    GatewayOptions options;
    options.configFile = parser.value(configOption);
    options.dataDir = parser.value(dataDirOption);
    auto listen = parseListen(parser.value(listenOption), "listen");
    if (!listen)
        return fail(listen.error().message);
    options.listen = *listen;
    auto adminListen = parseListen(parser.value(adminListenOption), "admin-listen");
    if (!adminListen)
        return fail(adminListen.error().message);
    options.adminListen = *adminListen;
    bool ok = false;
    options.workers = parser.value(workersOption).toInt(&ok);
    if (!ok || options.workers < 0 || options.workers > 1024)
        return fail(QStringLiteral("--workers must be a number from 0 (one per core) to 1024"));
    options.limits.maxRequestBytes = parser.value(maxRequestOption).toLongLong(&ok);
    if (!ok || options.limits.maxRequestBytes < 1024)
        return fail(QStringLiteral("--max-request-bytes must be a number of at least 1024"));

    SignalHandler signalHandler;
    if (auto st = signalHandler.install(); !st)
        return fail(st.error().message);
    QObject::connect(&signalHandler, &SignalHandler::terminationRequested, &app, [](int) { QCoreApplication::quit(); });

    Gateway gateway(options);
    if (auto st = gateway.start(); !st)
        return fail(st.error().message);
    QTextStream(stdout) << "airlockd " << AIRLOCK_VERSION << " listening on " << gateway.gatewayAddress().toString()
                        << " (" << gateway.workerCount() << " workers), admin API on "
                        << gateway.adminAddress().toString() << ", data in " << gateway.dataDir() << Qt::endl;
    const int rc = app.exec();
    gateway.stop();
    return rc;
}
