#pragma once

// Syntax highlighting for the playground and the log detail, through KF5 SyntaxHighlighting's
// `kate-syntax-highlighter` tool (a Qt 6 process cannot link the KF5 library): QProcess
// `kate-syntax-highlighter --stdin -s <syntax> -f html [-t <theme>]`, asynchronous, results cached.
// Until the tool answers, and when it is not installed or fails, `html` is the text as plain
// preformatted HTML, so a TextArea with textFormat RichText can always show `html`.
//
// QML: CodeHighlighter { text: ...; syntax: "Python"; dark: Theme.dark } and bind html. Changes are
// debounced (100 ms); a newer text supersedes a run in progress (its process is killed).

#include <QObject>
#include <QPointer>
#include <QTimer>

class QProcess;

namespace airlock {

class CodeHighlighter : public QObject
{
    Q_OBJECT
    Q_PROPERTY(QString text READ text WRITE setText NOTIFY textChanged)
    Q_PROPERTY(QString syntax READ syntax WRITE setSyntax NOTIFY textChanged)
    Q_PROPERTY(bool dark READ isDark WRITE setDark NOTIFY textChanged)
    Q_PROPERTY(QString html READ html NOTIFY htmlChanged)
    Q_PROPERTY(bool highlighted READ isHighlighted NOTIFY htmlChanged)
    Q_PROPERTY(bool available READ isAvailable CONSTANT)

public:
    explicit CodeHighlighter(QObject *parent = nullptr);
    ~CodeHighlighter() override;

    QString text() const { return m_text; }
    void setText(const QString &text);
    QString syntax() const { return m_syntax; }
    void setSyntax(const QString &syntax);
    bool isDark() const { return m_dark; }
    void setDark(bool dark);
    QString html() const { return m_html; }
    bool isHighlighted() const { return m_highlighted; }
    bool isAvailable() const;

    // The tool to run; default: kate-syntax-highlighter from PATH. Tests point it elsewhere.
    static void setToolPath(const QString &path);
    static QString toolPath();
    static void clearCache();
    // Plain preformatted HTML of `text` (the fallback).
    static QString plainHtml(const QString &text);
    // The tool's syntax name for a language id or file name ("python", "main.cpp" -> "C++").
    Q_INVOKABLE static QString syntaxFor(const QString &languageOrFileName);

Q_SIGNALS:
    void textChanged();
    void htmlChanged();

private:
    void schedule();
    void run();
    void setHtml(const QString &html, bool highlighted);

    QString m_text;
    QString m_syntax;
    bool m_dark = false;
    QString m_html;
    bool m_highlighted = false;
    QTimer m_debounce;
    QPointer<QProcess> m_process;
};

} // namespace airlock
