#include "consoleoptions.h"

#include <QCommandLineParser>
#include <QCoreApplication>

namespace airlock {

using namespace Qt::StringLiterals;

namespace {

struct Parser
{
    QCommandLineParser parser;
    QCommandLineOption connect{u"connect"_s, u"Connect to the gateway admin API at URL."_s, u"URL"_s};
    QCommandLineOption tokenEnv{u"token-env"_s,
                                u"Read the admin token from environment variable VAR (default %1)."_s.arg(
                                    kDefaultTokenEnv),
                                u"VAR"_s};
    QCommandLineOption embedded{u"embedded"_s, u"Run a gateway in this process and connect to it."_s};
    QCommandLineOption dataDir{u"data-dir"_s, u"Data directory of the embedded gateway."_s, u"DIR"_s};
    QCommandLineOption screenshot{u"screenshot"_s, u"Save the window to FILE (PNG) before quitting."_s, u"FILE"_s};
    QCommandLineOption quitAfter{u"quit-after"_s, u"Quit after MS milliseconds (automation)."_s, u"MS"_s};
    QCommandLineOption tour{u"tour"_s, u"Visit every page in each language, saving screenshots to DIR, then quit."_s, u"DIR"_s};
    QCommandLineOption colorScheme{u"color-scheme"_s,
                                   u"Colours: system (the desktop's light or dark palette), light or dark."_s,
                                   u"SCHEME"_s};
    QCommandLineOption help{{u"h"_s, u"help"_s}, u"Show this help."_s};
    QCommandLineOption version{{u"v"_s, u"version"_s}, u"Show the version."_s};

    Parser()
    {
        parser.setApplicationDescription(u"Airlock admin console"_s);
        parser.addOptions({connect, tokenEnv, embedded, dataDir, colorScheme, screenshot, quitAfter, tour, help, version});
    }
};

} // namespace

QString consoleHelpText()
{
    Parser p;
    return p.parser.helpText();
}

Result<ConsoleOptions> parseConsoleOptions(const QStringList &arguments)
{
    Parser p;
    if (!p.parser.parse(arguments))
        return Error::make(u"invalid_argument"_s, p.parser.errorText());
    if (!p.parser.positionalArguments().isEmpty())
        return Error::make(u"invalid_argument"_s,
                           u"unexpected argument: %1"_s.arg(p.parser.positionalArguments().constFirst()));

    ConsoleOptions options;
    options.showHelp = p.parser.isSet(p.help);
    options.showVersion = p.parser.isSet(p.version);

    const bool connect = p.parser.isSet(p.connect);
    const bool embedded = p.parser.isSet(p.embedded);
    if (connect && embedded)
        return Error::make(u"invalid_argument"_s, u"--connect and --embedded exclude each other"_s, u"--embedded"_s);
    if (p.parser.isSet(p.tokenEnv) && !connect)
        return Error::make(u"invalid_argument"_s, u"--token-env needs --connect"_s, u"--token-env"_s);
    if (p.parser.isSet(p.dataDir) && !embedded)
        return Error::make(u"invalid_argument"_s, u"--data-dir needs --embedded"_s, u"--data-dir"_s);
    if (connect) {
        options.mode = ConsoleOptions::Mode::Connect;
        options.connectUrl = p.parser.value(p.connect);
        options.tokenEnv = p.parser.isSet(p.tokenEnv) ? p.parser.value(p.tokenEnv) : QString(kDefaultTokenEnv);
        if (options.tokenEnv.isEmpty())
            return Error::make(u"invalid_argument"_s, u"--token-env needs a variable name"_s, u"--token-env"_s);
    } else if (embedded) {
        options.mode = ConsoleOptions::Mode::Embedded;
        options.dataDir = p.parser.value(p.dataDir);
    }

    if (p.parser.isSet(p.colorScheme)) {
        const Result<ColorScheme> scheme = colorSchemeFromName(p.parser.value(p.colorScheme));
        if (!scheme)
            return scheme.error();
        options.colorScheme = *scheme;
    }
    if (p.parser.isSet(p.quitAfter)) {
        bool ok = false;
        options.quitAfterMs = p.parser.value(p.quitAfter).toInt(&ok);
        if (!ok || options.quitAfterMs < 0)
            return Error::make(u"invalid_argument"_s, u"--quit-after needs milliseconds >= 0"_s, u"--quit-after"_s);
    }
    if (p.parser.isSet(p.screenshot)) {
        options.screenshotFile = p.parser.value(p.screenshot);
        if (options.quitAfterMs < 0)
            return Error::make(u"invalid_argument"_s, u"--screenshot needs --quit-after"_s, u"--screenshot"_s);
    }
    if (p.parser.isSet(p.tour)) {
        options.tourDir = p.parser.value(p.tour);
        if (options.tourDir.isEmpty() || options.quitAfterMs >= 0)
            return Error::make(u"invalid_argument"_s, u"--tour needs a directory and excludes --quit-after"_s, u"--tour"_s);
    }
    return options;
}

} // namespace airlock
