// airlock-admin: the QML admin console. See consoleoptions.h for the command line.

#include "consoleadapter.h"
#include "consolecore.h"
#include "consolelog.h"
#include "consoleoptions.h"
#include "systemcolorscheme.h"
#include "uitour.h"

#include <QGuiApplication>
#include <QQmlApplicationEngine>
#include <QQuickStyle>
#include <QQuickWindow>
#include <QTimer>
#include <QtQml/QQmlExtensionPlugin>

#include <cstdio>

// The QML modules are static libraries; their plugins must be pulled in by name.
Q_IMPORT_QML_PLUGIN(Airlock_ConsolePlugin)
Q_IMPORT_QML_PLUGIN(Airlock_Console_ComponentsPlugin)

using namespace Qt::StringLiterals;

namespace {

// --screenshot/--quit-after: once nothing is incubating, save the window, then quit; a non-zero exit
// code when QML warned, so the UI smoke test fails on any QML warning even if the log is not inspected.
void scheduleAutomation(QGuiApplication &app, QQmlApplicationEngine &engine, const airlock::ConsoleOptions &options,
                        const int &qmlWarnings)
{
    QTimer::singleShot(options.quitAfterMs, &app, [&app, &engine, options, &qmlWarnings] {
        airlock::whenIncubated(&engine, &app, [&app, &engine, options, &qmlWarnings] {
            int exitCode = qmlWarnings > 0 ? 3 : 0;
            if (!options.screenshotFile.isEmpty()) {
                auto *window = qobject_cast<QQuickWindow *>(engine.rootObjects().value(0));
                const QImage image = window ? window->grabWindow() : QImage();
                if (image.isNull() || !image.save(options.screenshotFile, "PNG")) {
                    qCCritical(airlock::lcConsole).noquote() << "cannot save screenshot" << options.screenshotFile;
                    exitCode = 4;
                } else {
                    qCInfo(airlock::lcConsole).noquote() << "screenshot saved:" << options.screenshotFile;
                }
            }
            if (qmlWarnings > 0)
                qCCritical(airlock::lcConsole) << qmlWarnings << "QML warning(s)";
            app.exit(exitCode);
        });
    });
}

} // namespace

int main(int argc, char *argv[])
{
    QGuiApplication app(argc, argv);
    QGuiApplication::setOrganizationName(u"Airlock"_s);
    QGuiApplication::setApplicationName(u"airlock-admin"_s);
    QGuiApplication::setApplicationDisplayName(u"Airlock"_s);
    QGuiApplication::setApplicationVersion(QStringLiteral(AIRLOCK_VERSION));

    const airlock::Result<airlock::ConsoleOptions> parsed = airlock::parseConsoleOptions(app.arguments());
    if (!parsed) {
        std::fprintf(stderr, "airlock-admin: %s\n\n%s", qPrintable(parsed.error().message),
                     qPrintable(airlock::consoleHelpText()));
        return 2;
    }
    const airlock::ConsoleOptions &options = *parsed;
    if (options.showHelp) {
        std::fputs(qPrintable(airlock::consoleHelpText()), stdout);
        return 0;
    }
    if (options.showVersion) {
        std::printf("airlock-admin %s\n", AIRLOCK_VERSION);
        return 0;
    }

    // Fusion looks at home on every desktop; QT_QUICK_CONTROLS_STYLE still overrides it.
    if (qEnvironmentVariableIsEmpty("QT_QUICK_CONTROLS_STYLE"))
        QQuickStyle::setStyle(u"Fusion"_s);

    // System: the platform's palette now, then the desktop's light or dark preference as it changes.
    airlock::SystemColorScheme colorScheme(options.colorScheme);

    airlock::ConsoleCore core;
    airlock::ConnectionController &connection = *core.connection();
    airlock::ConsoleAdapter adapter(&core);
    airlock::ConsoleAdapter::setInstance(&adapter);

    QQmlApplicationEngine engine;
    // qt_add_translations embeds airlock_<lang>.qm under :/i18n; the system locale unless the admin
    // chose a language in Settings.
    core.language()->setEngine(&engine);
    core.language()->initialize();
    int qmlWarnings = 0;
    QObject::connect(&engine, &QQmlEngine::warnings, &app,
                     [&qmlWarnings](const QList<QQmlError> &warnings) { qmlWarnings += int(warnings.size()); });
    engine.addImportPath(u"qrc:/qt/qml"_s);
    engine.load(QUrl(u"qrc:/qt/qml/Airlock/Console/Main.qml"_s));
    if (engine.rootObjects().isEmpty())
        return 1;

    switch (options.mode) {
    case airlock::ConsoleOptions::Mode::Interactive:
        break;
    case airlock::ConsoleOptions::Mode::Connect:
        if (!qEnvironmentVariableIsSet(qPrintable(options.tokenEnv)))
            qCInfo(airlock::lcConsole).noquote() << "environment variable" << options.tokenEnv << "is not set";
        connection.connectTo(options.connectUrl, qEnvironmentVariable(qPrintable(options.tokenEnv)));
        break;
    case airlock::ConsoleOptions::Mode::Embedded:
        connection.startEmbedded(options.dataDir);
        break;
    }

    if (options.quitAfterMs >= 0)
        scheduleAutomation(app, engine, options, qmlWarnings);
    airlock::UiTour tour(&core, &adapter, &engine, options.tourDir, &qmlWarnings);
    tour.setFilePrefix(options.colorScheme == airlock::ColorScheme::Dark ? u"dark-"_s : QString());
    if (!options.tourDir.isEmpty()) {
        QObject::connect(&tour, &airlock::UiTour::finished, &app, [&app](int code) { app.exit(code); });
        tour.start();
    }

    return QGuiApplication::exec();
}
