#pragma once

// The UI test's driver (airlock-admin --tour DIR): waits for the connection, then for each language
// (English, Korean) shows every page in turn (the `pageIndex` property of `pages`, the QML adapter,
// page names from its `pageNames`), lets it settle, and saves a screenshot
// DIR/<lang>-<nn>-<page>.png. The welcome page is shot first when the tour starts unconnected.
// Each screenshot's text is checked for contrast (colorscheme.h: 4.5:1 for body text, 3:1 for large);
// every text below it is logged as a warning.
// Emits finished(exitCode): 0, 3 when the QML engine warned, 4 when a screenshot failed, 5 when the
// connection failed, 6 when a text's contrast was too low.

#include <QObject>
#include <QPointer>
#include <QStringList>

#include <functional>

class QQmlApplicationEngine;
class QQmlEngine;
class QQuickWindow;

namespace airlock {

// Calls `then` once the engine incubates no object any more (a view's delegates or a Loader's page are
// still being created asynchronously after a page switch), polling every 20 ms for at most 10 s (then it
// logs and calls `then` anyway). A screenshot then shows the finished page, and quitting does not
// destroy the engine under an incubating object (Qt: "items in the process of being created at engine
// destruction", which leaks that object).
void whenIncubated(QQmlEngine *engine, QObject *context, std::function<void()> then);

class ConsoleCore;

class UiTour : public QObject
{
    Q_OBJECT
public:
    UiTour(ConsoleCore *core, QObject *pages, QQmlApplicationEngine *engine, QString directory,
           const int *qmlWarnings, QObject *parent = nullptr);
    void start();
    // Put before every file name ("dark-").
    void setFilePrefix(const QString &prefix) { m_prefix = prefix; }

Q_SIGNALS:
    void finished(int exitCode);

private:
    void next();
    bool shoot(const QString &name);
    QQuickWindow *window() const;

    ConsoleCore *m_core;
    QObject *m_pages;
    QQmlApplicationEngine *m_engine;
    QString m_dir;
    QString m_prefix;
    const int *m_qmlWarnings;
    QStringList m_languages{QStringLiteral("en"), QStringLiteral("ko")};
    int m_language = 0;
    int m_page = 0;
    int m_exitCode = 0;
};

} // namespace airlock
