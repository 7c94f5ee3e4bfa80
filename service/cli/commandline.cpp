#include "commandline.h"

#include <QCommandLineParser>
#include <QCoreApplication>

namespace airlock::cli {

namespace {

Error cliError(const QString &message)
{
    return Error::make(QStringLiteral("invalid_argument"), message);
}

} // namespace

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

Result<CommandLine> parseCommandLine(const QCoreApplication &app)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Airlock gateway: serves GitLab's AI gateway API and the OpenAI API from your own model servers.\n"
        "Subcommands:\n"
        "  config export [--output FILE]   write the stored configuration (secrets left out)\n"
        "  token issue --subject S --scopes a,b [--ttl 30d] [--description D]\n"
        "                                  issue a client token (printed once) for IDEs and OpenAI clients\n"
        "  token list                      list issued tokens (id, subject, scopes, expiry; never the token)\n"
        "  token revoke ID                 revoke a token (token revoke -- ID for an ID that starts with '-')"));
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
    const QCommandLineOption shutdownGraceOption(
        QStringLiteral("shutdown-grace"),
        QStringLiteral("On SIGTERM: seconds the requests in flight may take to finish after the listeners close (default 25)."),
        QStringLiteral("SECONDS"), QStringLiteral("25"));
    const QCommandLineOption maxRequestOption(QStringLiteral("max-request-bytes"),
                                              QStringLiteral("Largest request body accepted (default 1048576)."),
                                              QStringLiteral("BYTES"), QStringLiteral("1048576"));
    const QCommandLineOption noSupersedeOption(
        QStringLiteral("no-supersede"),
        QStringLiteral("Let older completion requests run when a newer one for the same user and file arrives."));
    const QCommandLineOption cacheOption(QStringLiteral("completion-cache"),
                                         QStringLiteral("Entries of the exact-match completion cache (default 4096, 0: off)."),
                                         QStringLiteral("N"));
    const QCommandLineOption cacheScopeOption(
        QStringLiteral("completion-cache-scope"),
        QStringLiteral("Whose cached completions a request may get: user (default: only the same user's), shared "
                       "(anyone's; users can learn what others sent), or off."),
        QStringLiteral("user|shared|off"));
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
    parser.addOptions({configOption, dataDirOption, listenOption, adminListenOption, workersOption, shutdownGraceOption, maxRequestOption,
                       outputOption, authOption, tlsCertOption, tlsKeyOption, adminTlsCertOption, adminTlsKeyOption,
                       subjectOption, scopesOption, ttlOption, descriptionOption, noSupersedeOption, cacheOption, cacheScopeOption,
                       requestLogOption, chatHistoryOption, chatRedisOption, chatRedisPasswordOption, metricsTokenOption});
    parser.process(app);

    CommandLine command;
    command.positional = parser.positionalArguments();
    command.allowCoreDumps = parser.isSet(allowCoreDumpsOption);
    command.dataDir = parser.value(dataDirOption);
    command.output = parser.value(outputOption);
    command.token = TokenArguments{command.positional, command.dataDir, parser.value(subjectOption),
                                   parser.value(scopesOption), parser.value(ttlOption), parser.value(descriptionOption)};
    if (!command.positional.isEmpty())
        return command; // a subcommand: the gateway options do not apply

    GatewayOptions &options = command.options;
    options.configFile = parser.value(configOption);
    options.dataDir = parser.value(dataDirOption);
    options.authMode = parser.value(authOption);
    if (!options.authMode.isEmpty() && options.authMode != QLatin1String("required") && options.authMode != QLatin1String("disabled"))
        return cliError(QStringLiteral("--auth must be \"required\" or \"disabled\""));
    options.tlsCertFile = parser.value(tlsCertOption);
    options.tlsKeyFile = parser.value(tlsKeyOption);
    options.adminTlsCertFile = parser.value(adminTlsCertOption);
    options.adminTlsKeyFile = parser.value(adminTlsKeyOption);
    auto listen = parseListen(parser.value(listenOption), "listen");
    if (!listen)
        return cliError(listen.error().message);
    options.listen = *listen;
    auto adminListen = parseListen(parser.value(adminListenOption), "admin-listen");
    if (!adminListen)
        return cliError(adminListen.error().message);
    options.adminListen = *adminListen;
    bool ok = false;
    options.workers = parser.value(workersOption).toInt(&ok);
    if (!ok || options.workers < 0 || options.workers > 1024)
        return cliError(QStringLiteral("--workers must be a number from 0 (one per core) to 1024"));
    const int graceSeconds = parser.value(shutdownGraceOption).toInt(&ok);
    if (!ok || graceSeconds < 0 || graceSeconds > 3600)
        return cliError(QStringLiteral("--shutdown-grace must be a number of seconds from 0 to 3600"));
    command.shutdownGraceMs = graceSeconds * 1000;
    options.limits.maxRequestBytes = parser.value(maxRequestOption).toLongLong(&ok);
    if (!ok || options.limits.maxRequestBytes < 1024)
        return cliError(QStringLiteral("--max-request-bytes must be a number of at least 1024"));

    options.completion.supersede = !parser.isSet(noSupersedeOption);
    if (parser.isSet(cacheOption)) {
        options.completion.cacheEntries = parser.value(cacheOption).toInt(&ok);
        if (!ok || *options.completion.cacheEntries < 0)
            return cliError(QStringLiteral("--completion-cache must be a number of entries (0 turns the cache off)"));
    }
    if (parser.isSet(cacheScopeOption)) {
        const QString value = parser.value(cacheScopeOption);
        options.completion.cacheScope = routing::cacheScopeFromName(value);
        if (!options.completion.cacheScope) {
            return cliError(
                QStringLiteral("--completion-cache-scope must be \"user\", \"shared\" or \"off\", not \"%1\"").arg(value));
        }
    }

    // Logging settings; what is not given here comes from the --config file's "logging" section, then
    // the environment (the gateway checks the rest and names the option in its errors).
    if (parser.isSet(requestLogOption)) {
        const QString value = parser.value(requestLogOption);
        if (value != QLatin1String("on") && value != QLatin1String("off"))
            return cliError(QStringLiteral("--request-log must be \"on\" or \"off\", not \"%1\"").arg(value));
        options.logging.requestLog = value == QLatin1String("on");
    }
    options.logging.chatBackend = parser.value(chatHistoryOption);
    options.logging.chatRedis = parser.value(chatRedisOption);
    options.logging.chatRedisPasswordFile = parser.value(chatRedisPasswordOption);
    options.logging.metricsTokenFile = parser.value(metricsTokenOption);
    return command;
}

} // namespace airlock::cli
