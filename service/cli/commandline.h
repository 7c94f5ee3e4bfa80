#pragma once

// airlockd's command line (README.md, "airlockd command line"): the options, --help/--version, and
// their translation into the gateway's start-up options. A value that does not parse is an error that
// names the option; nothing is started then.

#include "gatewayoptions.h"
#include "result.h"
#include "tokencommand.h"

#include <QStringList>

class QCoreApplication;

namespace airlock::cli {

struct CommandLine
{
    QStringList positional;      // a subcommand ("config export", "token ..."); empty: run the gateway
    bool allowCoreDumps = false; // --allow-core-dumps
    QString dataDir;             // --data-dir, for the subcommands
    QString output;              // --output of config export
    TokenArguments token;        // the token subcommand's arguments
    GatewayOptions options;      // what the gateway starts with (only when positional is empty)
    int shutdownGraceMs = 25000; // --shutdown-grace: how long SIGTERM waits for requests in flight
};

// Parses the application's arguments. --help and --version print and exit the process (QCommandLineParser).
Result<CommandLine> parseCommandLine(const QCoreApplication &app);

// "--listen" / "--admin-listen": HOST:PORT, [v6]:PORT, localhost; `option` names it in the error.
Result<ListenAddress> parseListen(const QString &text, const char *option);

} // namespace airlock::cli
