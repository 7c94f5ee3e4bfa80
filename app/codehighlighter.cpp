#include "codehighlighter.h"

#include "consolelog.h"

#include <QCache>
#include <QFileInfo>
#include <QProcess>
#include <QStandardPaths>

namespace airlock {

using namespace Qt::StringLiterals;

namespace {

QString &toolOverride()
{
    static QString path;
    return path;
}

QCache<QString, QString> &cache()
{
    static QCache<QString, QString> c(64);
    return c;
}

constexpr qsizetype kMaxHighlightBytes = 512 * 1024;

} // namespace

CodeHighlighter::CodeHighlighter(QObject *parent)
    : QObject(parent)
{
    m_debounce.setSingleShot(true);
    m_debounce.setInterval(100);
    connect(&m_debounce, &QTimer::timeout, this, &CodeHighlighter::run);
}

CodeHighlighter::~CodeHighlighter()
{
    if (m_process) {
        m_process->disconnect(this);
        m_process->kill();
        m_process->waitForFinished(1000);
        delete m_process;
    }
}

void CodeHighlighter::setToolPath(const QString &path)
{
    toolOverride() = path;
    clearCache();
}

QString CodeHighlighter::toolPath()
{
    if (!toolOverride().isNull())
        return toolOverride();
    static const QString found = QStandardPaths::findExecutable(u"kate-syntax-highlighter"_s);
    return found;
}

void CodeHighlighter::clearCache()
{
    cache().clear();
}

bool CodeHighlighter::isAvailable() const
{
    const QString path = toolPath();
    return !path.isEmpty() && QFileInfo(path).isExecutable();
}

QString CodeHighlighter::plainHtml(const QString &text)
{
    return u"<pre>"_s + text.toHtmlEscaped() + u"</pre>"_s;
}

QString CodeHighlighter::syntaxFor(const QString &languageOrFileName)
{
    static const QHash<QString, QString> names{
        {u"python"_s, u"Python"_s}, {u"py"_s, u"Python"_s},         {u"cpp"_s, u"C++"_s},
        {u"c++"_s, u"C++"_s},       {u"h"_s, u"C++"_s},             {u"hpp"_s, u"C++"_s},
        {u"c"_s, u"C"_s},           {u"go"_s, u"Go"_s},             {u"rust"_s, u"Rust"_s},
        {u"rs"_s, u"Rust"_s},       {u"java"_s, u"Java"_s},         {u"javascript"_s, u"JavaScript"_s},
        {u"js"_s, u"JavaScript"_s}, {u"typescript"_s, u"TypeScript"_s}, {u"ts"_s, u"TypeScript"_s},
        {u"ruby"_s, u"Ruby"_s},     {u"rb"_s, u"Ruby"_s},           {u"json"_s, u"JSON"_s},
        {u"markdown"_s, u"Markdown"_s}, {u"md"_s, u"Markdown"_s},   {u"qml"_s, u"QML"_s},
        {u"sh"_s, u"Bash"_s},       {u"bash"_s, u"Bash"_s},         {u"kotlin"_s, u"Kotlin"_s},
        {u"kt"_s, u"Kotlin"_s},     {u"php"_s, u"PHP/PHP"_s},       {u"csharp"_s, u"C#"_s},
        {u"cs"_s, u"C#"_s},         {u"yaml"_s, u"YAML"_s},         {u"sql"_s, u"SQL"_s},
    };
    const QString key = languageOrFileName.trimmed().toLower();
    if (const auto it = names.constFind(key); it != names.cend())
        return *it;
    const QString suffix = QFileInfo(key).suffix();
    return names.value(suffix, u"Plain"_s);
}

void CodeHighlighter::setText(const QString &text)
{
    if (m_text == text)
        return;
    m_text = text;
    Q_EMIT textChanged();
    schedule();
}

void CodeHighlighter::setSyntax(const QString &syntax)
{
    if (m_syntax == syntax)
        return;
    m_syntax = syntax;
    Q_EMIT textChanged();
    schedule();
}

void CodeHighlighter::setDark(bool dark)
{
    if (m_dark == dark)
        return;
    m_dark = dark;
    Q_EMIT textChanged();
    schedule();
}

void CodeHighlighter::setHtml(const QString &html, bool highlighted)
{
    if (m_html == html && m_highlighted == highlighted)
        return;
    m_html = html;
    m_highlighted = highlighted;
    Q_EMIT htmlChanged();
}

void CodeHighlighter::schedule()
{
    const QString key = m_syntax + u'\n' + (m_dark ? u"d"_s : u"l"_s) + u'\n' + m_text;
    if (const QString *cached = cache().object(key)) {
        m_debounce.stop();
        setHtml(*cached, true);
        return;
    }
    // Show the text at once; colours follow when the tool answers.
    setHtml(plainHtml(m_text), false);
    if (isAvailable() && !m_syntax.isEmpty() && m_syntax != "Plain"_L1 && m_text.size() <= kMaxHighlightBytes)
        m_debounce.start();
}

void CodeHighlighter::run()
{
    if (m_process) {
        m_process->disconnect(this);
        m_process->kill();
        m_process->deleteLater();
    }
    const QString text = m_text;
    const QString key = m_syntax + u'\n' + (m_dark ? u"d"_s : u"l"_s) + u'\n' + text;
    QStringList args{u"--stdin"_s, u"-s"_s, m_syntax, u"-f"_s, u"html"_s, u"-t"_s,
                     m_dark ? u"Breeze Dark"_s : u"Breeze Light"_s};
    auto *process = new QProcess(this);
    m_process = process;
    connect(process, &QProcess::finished, this, [this, process, key](int exitCode, QProcess::ExitStatus status) {
        process->deleteLater();
        if (m_process == process)
            m_process = nullptr;
        if (status != QProcess::NormalExit || exitCode != 0) {
            qCDebug(lcConsole).noquote() << "kate-syntax-highlighter failed:" << process->readAllStandardError().trimmed();
            return; // the plain text stays
        }
        QString html = QString::fromUtf8(process->readAllStandardOutput());
        // The tool prints a whole page; RichText shows the <pre> block and its inline styles.
        const qsizetype pre = html.indexOf(u"<pre"_s);
        const qsizetype end = html.lastIndexOf(u"</pre>"_s);
        if (pre >= 0 && end > pre)
            html = html.mid(pre, end - pre + 6);
        cache().insert(key, new QString(html));
        if (key.endsWith(m_text) && key == m_syntax + u'\n' + (m_dark ? u"d"_s : u"l"_s) + u'\n' + m_text)
            setHtml(html, true);
    });
    connect(process, &QProcess::errorOccurred, this, [this, process](QProcess::ProcessError error) {
        if (error != QProcess::FailedToStart)
            return;
        qCInfo(lcConsole).noquote() << "kate-syntax-highlighter could not start:" << process->errorString();
        process->deleteLater();
        if (m_process == process)
            m_process = nullptr;
    });
    process->start(toolPath(), args);
    process->write(text.toUtf8());
    process->closeWriteChannel();
}

} // namespace airlock
