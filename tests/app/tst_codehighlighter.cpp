// CodeHighlighter: the kate-syntax-highlighter path (when installed) and the plain-text fallback (tool
// missing or failing), the cache, and syntax names.

#include "codehighlighter.h"
#include "prerequisite.h"

#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace airlock;
using namespace Qt::StringLiterals;

class tst_CodeHighlighter : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanupTestCase();
    void highlightsWithTool();
    void cachedSecondTime();
    void fallbackWithoutTool();
    void fallbackWhenToolFails();
    void plainSyntaxIsNotHighlighted();
    void syntaxFor_data();
    void syntaxFor();
};

void tst_CodeHighlighter::init()
{
    CodeHighlighter::setToolPath(QString()); // null: back to PATH lookup
    CodeHighlighter::clearCache();
}

void tst_CodeHighlighter::cleanupTestCase()
{
    CodeHighlighter::setToolPath(QString());
}

void tst_CodeHighlighter::highlightsWithTool()
{
    AIRLOCK_REQUIRE(!QStandardPaths::findExecutable(u"kate-syntax-highlighter"_s).isEmpty(),
                    "kate-syntax-highlighter (package libkf5syntaxhighlighting-tools)");
    CodeHighlighter h;
    QVERIFY(h.isAvailable());
    QSignalSpy html(&h, &CodeHighlighter::htmlChanged);
    h.setSyntax(u"Python"_s);
    h.setText(u"def f(x):\n    return \"<b>\" + x\n"_s);
    // At once: the escaped plain text.
    QVERIFY(!h.isHighlighted());
    QVERIFY(h.html().contains(u"&lt;b&gt;"_s));
    QTRY_VERIFY_WITH_TIMEOUT(h.isHighlighted(), 10000);
    QVERIFY(h.html().startsWith(u"<pre"_s));
    QVERIFY(h.html().contains(u"<span style="_s)); // coloured
    QVERIFY(h.html().contains(u"&lt;b&gt;"_s));    // still escaped
    QVERIFY(!h.html().contains(u"<html"_s));       // only the <pre> block

    // Dark theme: different colours.
    const QString light = h.html();
    h.setDark(true);
    QTRY_VERIFY_WITH_TIMEOUT(h.isHighlighted() && h.html() != light, 10000);
}

void tst_CodeHighlighter::cachedSecondTime()
{
    AIRLOCK_REQUIRE(!QStandardPaths::findExecutable(u"kate-syntax-highlighter"_s).isEmpty(),
                    "kate-syntax-highlighter (package libkf5syntaxhighlighting-tools)");
    {
        CodeHighlighter first;
        first.setSyntax(u"JSON"_s);
        first.setText(u"{\"a\": 1}"_s);
        QTRY_VERIFY_WITH_TIMEOUT(first.isHighlighted(), 10000);
    }
    CodeHighlighter second;
    second.setSyntax(u"JSON"_s);
    second.setText(u"{\"a\": 1}"_s);
    QVERIFY(second.isHighlighted()); // synchronously, from the cache
}

void tst_CodeHighlighter::fallbackWithoutTool()
{
    CodeHighlighter::setToolPath(u"/nonexistent/kate-syntax-highlighter"_s);
    CodeHighlighter h;
    QVERIFY(!h.isAvailable());
    h.setSyntax(u"Python"_s);
    h.setText(u"x = 1 < 2"_s);
    QCOMPARE(h.html(), u"<pre>x = 1 &lt; 2</pre>"_s);
    QTest::qWait(300);
    QVERIFY(!h.isHighlighted());
    QCOMPARE(h.html(), u"<pre>x = 1 &lt; 2</pre>"_s);
}

void tst_CodeHighlighter::fallbackWhenToolFails()
{
    QTemporaryDir dir;
    const QString tool = dir.filePath(u"kate-syntax-highlighter"_s);
    QFile script(tool);
    QVERIFY(script.open(QIODevice::WriteOnly));
    script.write("#!/bin/sh\necho 'unknown syntax' >&2\nexit 1\n");
    script.close();
    QVERIFY(script.setPermissions(QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner));
    CodeHighlighter::setToolPath(tool);
    CodeHighlighter h;
    QVERIFY(h.isAvailable());
    h.setSyntax(u"Python"_s);
    h.setText(u"a & b"_s);
    QTest::qWait(800);
    QVERIFY(!h.isHighlighted());
    QCOMPARE(h.html(), u"<pre>a &amp; b</pre>"_s);
}

void tst_CodeHighlighter::plainSyntaxIsNotHighlighted()
{
    CodeHighlighter h;
    h.setSyntax(u"Plain"_s);
    h.setText(u"text"_s);
    QTest::qWait(300);
    QVERIFY(!h.isHighlighted());
    QCOMPARE(h.html(), u"<pre>text</pre>"_s);
}

void tst_CodeHighlighter::syntaxFor_data()
{
    QTest::addColumn<QString>("input");
    QTest::addColumn<QString>("syntax");
    QTest::newRow("language id") << u"python"_s << u"Python"_s;
    QTest::newRow("case") << u"TypeScript"_s << u"TypeScript"_s;
    QTest::newRow("file name") << u"src/main.cpp"_s << u"C++"_s;
    QTest::newRow("unknown") << u"cobol-2030"_s << u"Plain"_s;
}

void tst_CodeHighlighter::syntaxFor()
{
    QFETCH(QString, input);
    QFETCH(QString, syntax);
    QCOMPARE(CodeHighlighter::syntaxFor(input), syntax);
}

QTEST_MAIN(tst_CodeHighlighter)
#include "tst_codehighlighter.moc"
