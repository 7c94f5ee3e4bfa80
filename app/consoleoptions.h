#pragma once

// The console's command line:
//   airlock-admin [--connect URL] [--token-env VAR] [--embedded] [--data-dir DIR]
//                 [--color-scheme system|light|dark] [--screenshot FILE --quit-after MS] [--tour DIR]
// The admin token is read from an environment variable (default AIRLOCK_ADMIN_TOKEN), never from
// the command line, where other users could read it. --screenshot/--quit-after drive the UI smoke
// test: save the window as PNG and quit after MS milliseconds. --tour drives the UI test: once connected
// it shows every page in English and then in Korean, saves each as DIR/<lang>-<nn>-<page>.png, and quits
// (exit code 3 when QML warned, 5 when the connection failed, 6 when a text's contrast was too low; with
// --color-scheme dark the files are DIR/dark-<lang>-<nn>-<page>.png). --color-scheme overrides the
// system's light or dark palette (colorscheme.h).

#include "colorscheme.h"
#include "result.h"

#include <QString>
#include <QStringList>

namespace airlock {

struct ConsoleOptions
{
    enum class Mode { Interactive, Connect, Embedded };
    Mode mode = Mode::Interactive;
    QString connectUrl;
    QString tokenEnv;       // variable holding the admin token for --connect
    QString dataDir;        // --embedded; empty: the console's default
    QString screenshotFile; // empty: none
    int quitAfterMs = -1;   // < 0: run until the user quits
    QString tourDir;        // empty: no tour
    ColorScheme colorScheme = ColorScheme::System;
    bool showHelp = false;
    bool showVersion = false;
};

inline constexpr QLatin1StringView kDefaultTokenEnv{"AIRLOCK_ADMIN_TOKEN"};

// arguments as QCoreApplication::arguments() (program name first). The error names the option.
Result<ConsoleOptions> parseConsoleOptions(const QStringList &arguments);
QString consoleHelpText();

} // namespace airlock
