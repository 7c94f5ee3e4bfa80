// SavedConnections against the real Secret Service (gnome-keyring in a private D-Bus session; see
// tests/app/CMakeLists.txt): tokens go to the keychain, only names and URLs to the settings file.

#include "savedconnections.h"

#include <QAbstractItemModelTester>
#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTest>

using namespace airlock;
using namespace Qt::StringLiterals;

namespace {
constexpr int kTimeoutMs = 15000;
const QString kService = u"airlock-admin-test"_s;
} // namespace

class tst_SavedConnections : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void saveReadRemove();
    void survivesRestart();
    void missingToken();
};

void tst_SavedConnections::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(u"AirlockTest"_s);
    QCoreApplication::setApplicationName(u"tst_savedconnections"_s);
    QSettings().clear();
}

void tst_SavedConnections::saveReadRemove()
{
    SavedConnections saved(nullptr, kService);
    QAbstractItemModelTester tester(&saved, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy ok(&saved, &SavedConnections::saved);
    QSignalSpy failed(&saved, &SavedConnections::keychainFailed);
    saved.save(u"Production"_s, u"http://gw.example:5053"_s, u"secret-admin-token"_s);
    QVERIFY(ok.wait(kTimeoutMs) || !failed.isEmpty());
    QVERIFY2(failed.isEmpty(), failed.isEmpty() ? "" : qPrintable(failed.first().first().toString()));
    QCOMPARE(saved.rowCount(), 1);
    QCOMPARE(saved.index(0).data(SavedConnections::NameRole).toString(), u"Production"_s);
    QCOMPARE(saved.index(0).data(SavedConnections::UrlRole).toString(), u"http://gw.example:5053"_s);

    // Saving the same URL again renames it, no duplicate.
    saved.save(u"Prod"_s, u"http://gw.example:5053"_s, u"secret-admin-token-2"_s);
    QVERIFY(ok.wait(kTimeoutMs));
    QCOMPARE(saved.rowCount(), 1);
    QCOMPARE(saved.index(0).data(SavedConnections::NameRole).toString(), u"Prod"_s);

    QSignalSpy read(&saved, &SavedConnections::tokenRead);
    saved.readToken(u"http://gw.example:5053"_s);
    QVERIFY(read.wait(kTimeoutMs));
    QCOMPARE(read.first().at(1).toString(), u"secret-admin-token-2"_s);

    // The token is not in the settings file.
    QSettings settings;
    settings.sync();
    QFile file(settings.fileName());
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray contents = file.readAll();
    QVERIFY(contents.contains("gw.example"));
    QVERIFY(!contents.contains("secret-admin-token"));
}

void tst_SavedConnections::survivesRestart()
{
    SavedConnections saved(nullptr, kService);
    QCOMPARE(saved.rowCount(), 1);
    QSignalSpy read(&saved, &SavedConnections::tokenRead);
    saved.readToken(u"http://gw.example:5053"_s);
    QVERIFY(read.wait(kTimeoutMs));

    saved.remove(u"http://gw.example:5053"_s);
    QCOMPARE(saved.rowCount(), 0);
    QTRY_VERIFY_WITH_TIMEOUT(!saved.isBusy(), kTimeoutMs);
    SavedConnections again(nullptr, kService);
    QCOMPARE(again.rowCount(), 0);
}

void tst_SavedConnections::missingToken()
{
    SavedConnections saved(nullptr, kService);
    QSignalSpy failed(&saved, &SavedConnections::keychainFailed);
    saved.readToken(u"http://gw.example:5053"_s); // deleted above
    QVERIFY(failed.wait(kTimeoutMs));
    QVERIFY(failed.first().first().toString().contains(u"gw.example"_s));
}

QTEST_GUILESS_MAIN(tst_SavedConnections)
#include "tst_savedconnections.moc"
