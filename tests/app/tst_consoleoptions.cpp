// airlock-admin's command line (consoleoptions.h).

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

QTEST_GUILESS_MAIN(tst_ConsoleOptions)
#include "tst_consoleoptions.moc"
