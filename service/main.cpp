// airlockd: the gateway service. See README.md for the command line.

#include "auth/authmodule.h"
#include "http/tlscontext.h"
#include "auth/signingkeys.h"
#include "auth/tokenstore.h"
#include "gateway.h"
#include "platform/crashhandler.h"
#include "platform/datadir.h"
#include "platform/signalhandler.h"
#include "storage/configstore.h"
#include "storage/database.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDateTime>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
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

// airlockd token issue|list|revoke: works on the store and the key directory directly, so it needs no
// running gateway. A running gateway sees new tokens at once (they are self-contained JWTs) and a
// revocation from the next request it handles after `token revoke` returns (the store bumps a counter
// the gateway maps, see auth/tokenstore.h), like the admin API's DELETE.
int tokenCommand(const QStringList &positional, const QString &dataDirOption, const QString &subject,
                 const QString &scopes, const QString &ttl, const QString &description)
{
    const QString dataDir = dataDirOption.isEmpty() ? defaultDataDir() : dataDirOption;
    if (auto st = ensurePrivateDir(dataDir); !st)
        return fail(st.error().message);
    auto database = Database::open(dataDir);
    if (!database)
        return fail(database.error().message);
    auth::TokenStore store(**database);
    const QString verb = positional.value(1);
    const QString actor = QStringLiteral("cli@") + qEnvironmentVariable("USER", QStringLiteral("unknown"));
    if (verb == QLatin1String("issue")) {
        auth::TokenRequest request;
        request.subject = subject;
        request.scopes = scopes.split(QLatin1Char(','), Qt::SkipEmptyParts);
        for (QString &s : request.scopes)
            s = s.trimmed();
        request.description = description;
        if (!ttl.isEmpty()) {
            auto parsed = auth::parseTtl(ttl);
            if (!parsed)
                return fail(QStringLiteral("--ttl: ") + parsed.error().message);
            request.ttlSeconds = *parsed;
        }
        if (auto st = request.validate(); !st)
            return fail(st.error().message + QStringLiteral(" (use --subject, --scopes a,b and --ttl)"));
        auto keys = auth::SigningKeyStore::open(dataDir);
        if (!keys)
            return fail(keys.error().message);
        auto issued = auth::issueClientToken(**keys, store, request, actor, QDateTime::currentSecsSinceEpoch());
        if (!issued)
            return fail(issued.error().message);
        (void)auth::AuditLog(**database).record(actor, QStringLiteral("token.issue"), issued->record.id, {},
                                                QJsonDocument(issued->record.toJson()).toJson(QJsonDocument::Compact));
        QTextStream out(stdout);
        out << issued->token << '\n';
        QTextStream(stderr) << "airlockd: token " << issued->record.id << " for " << issued->record.subject << " (scopes "
                            << issued->record.scopes.join(QLatin1Char(',')) << ") expires "
                            << QDateTime::fromSecsSinceEpoch(issued->record.expiresAt, Qt::UTC).toString(Qt::ISODate)
                            << "; it is shown only now.\n";
        return 0;
    }
    if (verb == QLatin1String("list")) {
        auto list = store.list();
        if (!list)
            return fail(list.error().message);
        QJsonArray tokens;
        for (const auth::IssuedToken &t : *list)
            tokens.append(t.toJson());
        const QByteArray json = QJsonDocument(tokens).toJson(QJsonDocument::Indented);
        std::fwrite(json.constData(), 1, size_t(json.size()), stdout);
        return 0;
    }
    if (verb == QLatin1String("revoke") && positional.size() == 3) {
        auto done = store.revoke(positional.at(2), QDateTime::currentSecsSinceEpoch());
        const bool announced = done || done.error().code != QLatin1String("revocation_not_announced");
        if (!done && announced)
            return fail(done.error().message);
        if (!announced) { // stored, but a running gateway only sees it within 5 s
            (void)auth::AuditLog(**database).record(actor, QStringLiteral("token.revoke"), positional.at(2), {}, {});
            QTextStream(stderr) << "airlockd: " << done.error().message << '\n';
            return 1;
        }
        if (!*done)
            return fail(QStringLiteral("no token with id \"%1\"").arg(positional.at(2)));
        (void)auth::AuditLog(**database).record(actor, QStringLiteral("token.revoke"), positional.at(2), {}, {});
        QTextStream(stderr) << "airlockd: token " << positional.at(2) << " revoked\n";
        return 0;
    }
    return fail(QStringLiteral("usage: airlockd token issue --subject S --scopes a,b [--ttl 30d] | token list | token revoke ID"));
}

} // namespace

int main(int argc, char *argv[])
{
    // Every thread's event loop (the workers' included) uses Qt's own poll()-based dispatcher rather than
    // GLib's: with GLib, each socket notifier switched on or off adds or removes a poll source and wakes
    // the context through its eventfd, a few syscalls per proxied request. Measured with the load of
    // scripts/bench.sh on one worker: about 40 % more requests/s. An admin's own QT_NO_GLIB setting wins.
    if (!qEnvironmentVariableIsSet("QT_NO_GLIB"))
        qputenv("QT_NO_GLIB", "1");
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("airlockd"));
    QCoreApplication::setApplicationVersion(QStringLiteral(AIRLOCK_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Airlock gateway: serves GitLab's AI gateway API and the OpenAI API from your own model servers.\n"
        "Subcommands:\n"
        "  config export [--output FILE]   write the stored configuration (secrets left out)\n"
        "  token issue --subject S --scopes a,b [--ttl 30d] [--description D]\n"
        "                                  issue a client token (printed once) for IDEs and OpenAI clients\n"
        "  token list                      list issued tokens (id, subject, scopes, expiry; never the token)\n"
        "  token revoke ID                 revoke a token"));
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
    const QCommandLineOption noSupersedeOption(
        QStringLiteral("no-supersede"),
        QStringLiteral("Let older completion requests run when a newer one for the same user and file arrives."));
    const QCommandLineOption cacheOption(QStringLiteral("completion-cache"),
                                         QStringLiteral("Entries of the exact-match completion cache (default 4096, 0: off)."),
                                         QStringLiteral("N"), QStringLiteral("4096"));
    const QCommandLineOption requestLogOption(QStringLiteral("request-log"),
                                              QStringLiteral("Request log on or off (default on; off also turns chat history off)."),
                                              QStringLiteral("on|off"));
    const QCommandLineOption chatHistoryOption(QStringLiteral("chat-history"),
                                               QStringLiteral("Where chat history is kept: store (default) or redis."),
                                               QStringLiteral("BACKEND"));
    const QCommandLineOption chatRedisOption(QStringLiteral("chat-redis"),
                                             QStringLiteral("Redis server for chat history (implies --chat-history redis)."),
                                             QStringLiteral("HOST:PORT"));
    const QCommandLineOption chatRedisPasswordOption(QStringLiteral("chat-redis-password-file"),
                                                     QStringLiteral("File holding the Redis password (or $AIRLOCK_CHAT_REDIS_PASSWORD)."),
                                                     QStringLiteral("FILE"));
    const QCommandLineOption metricsTokenOption(QStringLiteral("metrics-token-file"),
                                                QStringLiteral("File holding a bearer token that may read /metrics from any address "
                                                               "(or $AIRLOCK_METRICS_TOKEN)."),
                                                QStringLiteral("FILE"));
    const QCommandLineOption outputOption(QStringLiteral("output"), QStringLiteral("With config export: output file."),
                                          QStringLiteral("FILE"));
    const QCommandLineOption authOption(QStringLiteral("auth"),
                                        QStringLiteral("Authentication: required (default) or disabled (a lab only)."),
                                        QStringLiteral("MODE"));
    const QCommandLineOption tlsCertOption(QStringLiteral("tls-cert"), QStringLiteral("PEM certificate (chain) for the gateway port; enables TLS."),
                                           QStringLiteral("FILE"));
    const QCommandLineOption tlsKeyOption(QStringLiteral("tls-key"), QStringLiteral("PEM private key of --tls-cert."), QStringLiteral("FILE"));
    const QCommandLineOption adminTlsCertOption(QStringLiteral("admin-tls-cert"),
                                                QStringLiteral("PEM certificate (chain) for the admin API; enables TLS there."),
                                                QStringLiteral("FILE"));
    const QCommandLineOption adminTlsKeyOption(QStringLiteral("admin-tls-key"), QStringLiteral("PEM private key of --admin-tls-cert."),
                                               QStringLiteral("FILE"));
    const QCommandLineOption subjectOption(QStringLiteral("subject"), QStringLiteral("With token issue: who the token is for."),
                                           QStringLiteral("NAME"));
    const QCommandLineOption scopesOption(QStringLiteral("scopes"),
                                          QStringLiteral("With token issue: comma-separated scopes (complete_code, generate_code, duo_chat, ...)."),
                                          QStringLiteral("LIST"));
    const QCommandLineOption ttlOption(QStringLiteral("ttl"), QStringLiteral("With token issue: lifetime (3600, 90m, 12h, 30d; default 30d)."),
                                       QStringLiteral("TTL"));
    const QCommandLineOption descriptionOption(QStringLiteral("description"), QStringLiteral("With token issue: a note."),
                                               QStringLiteral("TEXT"));
    const QCommandLineOption allowCoreDumpsOption(
        QStringLiteral("allow-core-dumps"),
        QStringLiteral("Let the kernel write a core dump on a crash (off by default: a core holds model API keys and tokens)."));
    parser.addOption(allowCoreDumpsOption);
    parser.addOptions({configOption, dataDirOption, listenOption, adminListenOption, workersOption, maxRequestOption,
                       outputOption, authOption, tlsCertOption, tlsKeyOption, adminTlsCertOption, adminTlsKeyOption,
                       subjectOption, scopesOption, ttlOption, descriptionOption, noSupersedeOption, cacheOption,
                       requestLogOption, chatHistoryOption, chatRedisOption, chatRedisPasswordOption, metricsTokenOption});
    parser.process(app);
    // Before any secret is loaded: crash output carries no memory contents, and no core dump is written.
    if (auto st = installCrashHandler(); !st)
        return fail(st.error().message);
    if (!parser.isSet(allowCoreDumpsOption)) {
        if (auto st = disableCoreDumps(); !st)
            return fail(st.error().message + QStringLiteral(" (--allow-core-dumps skips this)"));
    }

    const QStringList positional = parser.positionalArguments();
    if (!positional.isEmpty()) {
        if (positional == QStringList{QStringLiteral("config"), QStringLiteral("export")})
            return exportConfig(parser.value(dataDirOption), parser.value(outputOption));
        if (positional.first() == QLatin1String("token")) {
            return tokenCommand(positional, parser.value(dataDirOption), parser.value(subjectOption),
                                parser.value(scopesOption), parser.value(ttlOption), parser.value(descriptionOption));
        }
        return fail(QStringLiteral("unknown command \"%1\"; see --help").arg(positional.join(QLatin1Char(' '))));
    }

    GatewayOptions options;
    options.configFile = parser.value(configOption);
    options.dataDir = parser.value(dataDirOption);
    options.authMode = parser.value(authOption);
    if (!options.authMode.isEmpty() && options.authMode != QLatin1String("required") && options.authMode != QLatin1String("disabled"))
        return fail(QStringLiteral("--auth must be \"required\" or \"disabled\""));
    options.tlsCertFile = parser.value(tlsCertOption);
    options.tlsKeyFile = parser.value(tlsKeyOption);
    options.adminTlsCertFile = parser.value(adminTlsCertOption);
    options.adminTlsKeyFile = parser.value(adminTlsKeyOption);
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

    options.completion.supersede = !parser.isSet(noSupersedeOption);
    options.completion.cacheEntries = parser.value(cacheOption).toInt(&ok);
    if (!ok || options.completion.cacheEntries < 0)
        return fail(QStringLiteral("--completion-cache must be a number of entries (0 turns the cache off)"));

    // Logging settings; what is not given here comes from the --config file's "logging" section, then
    // the environment (the gateway checks the rest and names the option in its errors).
    if (parser.isSet(requestLogOption)) {
        const QString value = parser.value(requestLogOption);
        if (value != QLatin1String("on") && value != QLatin1String("off"))
            return fail(QStringLiteral("--request-log must be \"on\" or \"off\", not \"%1\"").arg(value));
        options.logging.requestLog = value == QLatin1String("on");
    }
    options.logging.chatBackend = parser.value(chatHistoryOption);
    options.logging.chatRedis = parser.value(chatRedisOption);
    options.logging.chatRedisPasswordFile = parser.value(chatRedisPasswordOption);
    options.logging.metricsTokenFile = parser.value(metricsTokenOption);

    SignalHandler signalHandler;
    if (auto st = signalHandler.install(); !st)
        return fail(st.error().message);
    QObject::connect(&signalHandler, &SignalHandler::terminationRequested, &app, [](int) { QCoreApplication::quit(); });

    Gateway gateway(options);
    QObject::connect(&signalHandler, &SignalHandler::reloadRequested, &gateway, [&gateway] { gateway.reload(); });
    if (auto st = gateway.start(); !st)
        return fail(st.error().message);
    QTextStream(stdout) << "airlockd " << AIRLOCK_VERSION << " listening on " << gateway.gatewayAddress().toString()
                        << " (" << gateway.workerCount() << " workers), admin API on "
                        << gateway.adminAddress().toString() << ", data in " << gateway.dataDir() << ", auth "
                        << (gateway.auth()->enabled() ? QStringLiteral("required") : QStringLiteral("DISABLED (lab mode: no token needed)"))
                        << (gateway.auth()->gatewayTls()->enabled() ? QStringLiteral(", TLS") : QString()) << Qt::endl;
    const int rc = app.exec();
    gateway.stop();
    return rc;
}
