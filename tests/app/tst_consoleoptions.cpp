// airlock-admin's command line (consoleoptions.h), and the colour arithmetic behind --color-scheme and the
// UI test's contrast check (colorscheme.h).

#include "colorscheme.h"
#include "consoleoptions.h"

#include <QTest>

using namespace airlock;
using namespace Qt::StringLiterals;

class tst_ConsoleOptions : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void valid_data();
    void valid();
    void invalid_data();
    void invalid();
    void colorScheme_data();
    void colorScheme();
    void contrast_data();
    void contrast();
    void readablePalettes();
};

void tst_ConsoleOptions::valid_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<int>("mode");
    QTest::addColumn<QString>("url");
    QTest::addColumn<QString>("tokenEnv");
    QTest::addColumn<QString>("dataDir");
    QTest::addColumn<int>("quitAfter");

    using M = ConsoleOptions::Mode;
    QTest::newRow("none") << QStringList{} << int(M::Interactive) << QString() << QString() << QString() << -1;
    QTest::newRow("connect default env")
        << QStringList{u"--connect"_s, u"http://h:5053"_s} << int(M::Connect) << u"http://h:5053"_s
        << u"AIRLOCK_ADMIN_TOKEN"_s << QString() << -1;
    QTest::newRow("connect own env")
        << QStringList{u"--connect"_s, u"h:1"_s, u"--token-env"_s, u"MY_TOKEN"_s} << int(M::Connect) << u"h:1"_s
        << u"MY_TOKEN"_s << QString() << -1;
    QTest::newRow("embedded") << QStringList{u"--embedded"_s} << int(M::Embedded) << QString() << QString()
                              << QString() << -1;
    QTest::newRow("embedded data dir")
        << QStringList{u"--embedded"_s, u"--data-dir"_s, u"/tmp/x"_s} << int(M::Embedded) << QString() << QString()
        << u"/tmp/x"_s << -1;
    QTest::newRow("screenshot")
        << QStringList{u"--screenshot"_s, u"a.png"_s, u"--quit-after"_s, u"500"_s} << int(M::Interactive)
        << QString() << QString() << QString() << 500;
}

void tst_ConsoleOptions::valid()
{
    QFETCH(QStringList, args);
    QFETCH(int, mode);
    QFETCH(QString, url);
    QFETCH(QString, tokenEnv);
    QFETCH(QString, dataDir);
    QFETCH(int, quitAfter);

    args.prepend(u"airlock-admin"_s);
    const Result<ConsoleOptions> options = parseConsoleOptions(args);
    QVERIFY2(options.ok(), options.ok() ? "" : qPrintable(options.error().message));
    QCOMPARE(int(options->mode), mode);
    QCOMPARE(options->connectUrl, url);
    QCOMPARE(options->tokenEnv, tokenEnv);
    QCOMPARE(options->dataDir, dataDir);
    QCOMPARE(options->quitAfterMs, quitAfter);
}

void tst_ConsoleOptions::invalid_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("mentions");
    QTest::newRow("connect and embedded")
        << QStringList{u"--connect"_s, u"h:1"_s, u"--embedded"_s} << u"--embedded"_s;
    QTest::newRow("token-env alone") << QStringList{u"--token-env"_s, u"X"_s} << u"--token-env"_s;
    QTest::newRow("data-dir alone") << QStringList{u"--data-dir"_s, u"/x"_s} << u"--data-dir"_s;
    QTest::newRow("screenshot without quit") << QStringList{u"--screenshot"_s, u"a.png"_s} << u"--screenshot"_s;
    QTest::newRow("quit-after not a number") << QStringList{u"--quit-after"_s, u"soon"_s} << u"--quit-after"_s;
    QTest::newRow("unknown option") << QStringList{u"--token"_s, u"secret"_s} << u"token"_s;
    QTest::newRow("positional") << QStringList{u"extra"_s} << u"extra"_s;
    QTest::newRow("unknown colour scheme") << QStringList{u"--color-scheme"_s, u"purple"_s} << u"--color-scheme"_s;
}

void tst_ConsoleOptions::invalid()
{
    QFETCH(QStringList, args);
    QFETCH(QString, mentions);
    args.prepend(u"airlock-admin"_s);
    const Result<ConsoleOptions> options = parseConsoleOptions(args);
    QVERIFY(!options.ok());
    QVERIFY2(options.error().message.contains(mentions), qPrintable(options.error().message));
}

void tst_ConsoleOptions::colorScheme_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<int>("scheme");
    QTest::newRow("default: the system's") << QStringList{} << int(ColorScheme::System);
    QTest::newRow("system") << QStringList{u"--color-scheme"_s, u"system"_s} << int(ColorScheme::System);
    QTest::newRow("light") << QStringList{u"--color-scheme"_s, u"light"_s} << int(ColorScheme::Light);
    QTest::newRow("dark") << QStringList{u"--color-scheme=dark"_s, u"--embedded"_s} << int(ColorScheme::Dark);
}

void tst_ConsoleOptions::colorScheme()
{
    QFETCH(QStringList, args);
    QFETCH(int, scheme);
    args.prepend(u"airlock-admin"_s);
    const Result<ConsoleOptions> options = parseConsoleOptions(args);
    QVERIFY2(options.ok(), options.ok() ? "" : qPrintable(options.error().message));
    QCOMPARE(int(options->colorScheme), scheme);
}

void tst_ConsoleOptions::contrast_data()
{
    // Reference values of the WCAG 2 formula.
    QTest::addColumn<QColor>("a");
    QTest::addColumn<QColor>("b");
    QTest::addColumn<double>("ratio");
    QTest::newRow("black on white") << QColor(Qt::black) << QColor(Qt::white) << 21.0;
    QTest::newRow("same colour") << QColor(0x77, 0x77, 0x77) << QColor(0x77, 0x77, 0x77) << 1.0;
    QTest::newRow("#777 on white, just below 4.5") << QColor(0x77, 0x77, 0x77) << QColor(Qt::white) << 4.48;
    QTest::newRow("white on Qt's default highlight") << QColor(Qt::white) << QColor(0x30, 0x8c, 0xc6) << 3.69;
}

void tst_ConsoleOptions::contrast()
{
    QFETCH(QColor, a);
    QFETCH(QColor, b);
    QFETCH(double, ratio);
    QVERIFY2(qAbs(contrastRatio(a, b) - ratio) < 0.01, qPrintable(QString::number(contrastRatio(a, b))));
    QVERIFY(qAbs(contrastRatio(b, a) - ratio) < 0.01);
    // Half-transparent black over white is drawn as mid grey.
    QCOMPARE(blend(QColor(Qt::black), QColor(Qt::white), 0.5).name(), u"#808080"_s);
}

void tst_ConsoleOptions::readablePalettes()
{
    // Qt's built-in light palette has white on #308cc6 (3.7:1) and a half-transparent placeholder (4:1).
    QPalette qtDefault;
    qtDefault.setColor(QPalette::Highlight, QColor(0x30, 0x8c, 0xc6));
    qtDefault.setColor(QPalette::HighlightedText, Qt::white);
    qtDefault.setColor(QPalette::Base, Qt::white);
    qtDefault.setColor(QPalette::Text, Qt::black);
    qtDefault.setColor(QPalette::Window, QColor(0xef, 0xef, 0xef));
    qtDefault.setColor(QPalette::WindowText, Qt::black);
    qtDefault.setColor(QPalette::PlaceholderText, QColor(0, 0, 0, 128));
    for (const QPalette &palette : {readablePalette(qtDefault), readablePalette(lightPalette()), readablePalette(darkPalette())}) {
        QVERIFY(contrastRatio(palette.color(QPalette::Highlight), palette.color(QPalette::HighlightedText)) >= 4.5);
        QVERIFY(contrastRatio(palette.color(QPalette::PlaceholderText), palette.color(QPalette::Base)) >= 4.5);
        QVERIFY(contrastRatio(palette.color(QPalette::WindowText), palette.color(QPalette::Window)) >= 7);
        QVERIFY(contrastRatio(palette.color(QPalette::Text), palette.color(QPalette::Base)) >= 7);
    }
    // Pairs that are readable already stay as they are.
    QCOMPARE(readablePalette(darkPalette()).color(QPalette::Highlight), darkPalette().color(QPalette::Highlight));
    QVERIFY(relativeLuminance(darkPalette().color(QPalette::Window)) < 0.05);
    QVERIFY(relativeLuminance(lightPalette().color(QPalette::Window)) > 0.8);
}

QTEST_GUILESS_MAIN(tst_ConsoleOptions)
#include "tst_consoleoptions.moc"
