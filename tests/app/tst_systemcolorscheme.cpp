// SystemColorScheme (systemcolorscheme.h): light and dark follow the desktop through the XDG desktop portal.
// The test plays the portal itself: a second connection of its own to the session bus owns
// org.freedesktop.portal.Desktop and answers Settings.Read and sends SettingChanged as the real one does.
// It needs a session bus without a portal on it: ctest runs it under a dbus-run-session of its own
// (tests/app/CMakeLists.txt), so that the consoles of tests running in parallel never see the fake.

#include "colorscheme.h"
#include "prerequisite.h"
#include "systemcolorscheme.h"

#include <QDBusConnection>
#include <QDBusConnectionInterface>
#include <QDBusMessage>
#include <QDBusPendingCallWatcher>
#include <QDBusVariant>
#include <QDBusVirtualObject>
#include <QGuiApplication>
#include <QQmlComponent>
#include <QQmlEngine>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTest>

#include <atomic>
#include <memory>

using namespace airlock;
using namespace Qt::StringLiterals;

namespace {

constexpr int kTimeoutMs = 15000;
const QString kService = u"org.freedesktop.portal.Desktop"_s;
const QString kPath = u"/org/freedesktop/portal/desktop"_s;
const QString kSettings = u"org.freedesktop.portal.Settings"_s;
const QString kAppearance = u"org.freedesktop.appearance"_s;
const QString kColorScheme = u"color-scheme"_s;
constexpr uint kNoPreference = 0;
constexpr uint kPreferDark = 1;
constexpr uint kPreferLight = 2;

using Preference = SystemColorScheme::Preference;

// org.freedesktop.portal.Settings with one setting, org.freedesktop.appearance color-scheme. (Atomics: the
// test does not rely on QtDBus calling handleMessage in the test's thread.)
class FakePortal : public QDBusVirtualObject
{
public:
    std::atomic<uint> colorScheme = kPreferDark;
    std::atomic<bool> hasSetting = true;
    // The real Read wraps the value twice; answering it once checks that both are accepted.
    std::atomic<bool> wrapTwice = true;
    std::atomic<int> reads = 0;

    QString introspect(const QString &) const override
    {
        return u"<interface name=\"org.freedesktop.portal.Settings\">"
               "<method name=\"Read\"><arg type=\"s\" name=\"namespace\" direction=\"in\"/>"
               "<arg type=\"s\" name=\"key\" direction=\"in\"/>"
               "<arg type=\"v\" name=\"value\" direction=\"out\"/>"
               "</method><signal name=\"SettingChanged\"><arg type=\"s\" name=\"namespace\"/>"
               "<arg type=\"s\" name=\"key\"/><arg type=\"v\" name=\"value\"/></signal></interface>"_s;
    }

    bool handleMessage(const QDBusMessage &message, const QDBusConnection &connection) override
    {
        if (message.interface() != kSettings || message.member() != "Read"_L1)
            return false;
        ++reads;
        const QVariantList args = message.arguments();
        const bool known = args.value(0) == kAppearance && args.value(1) == kColorScheme;
        if (!hasSetting || !known) {
            connection.send(message.createErrorReply(u"org.freedesktop.portal.Error.NotFound"_s,
                                                     u"Requested setting not found"_s));
            return true;
        }
        QVariant value = QVariant::fromValue(QDBusVariant(QVariant::fromValue(uint(colorScheme))));
        if (wrapTwice)
            value = QVariant::fromValue(QDBusVariant(value));
        connection.send(message.createReply(value));
        return true;
    }
};

QColor window()
{
    return QGuiApplication::palette().color(QPalette::Active, QPalette::Window);
}

bool isDark()
{
    return window().lightnessF() < 0.5;
}

} // namespace

class tst_SystemColorScheme : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanup();
    void cleanupTestCase();
    void followsTheDesktop_data();
    void followsTheDesktop();
    void qmlFollows();
    void noSetting();
    void explicitSchemeIgnoresThePortal_data();
    void explicitSchemeIgnoresThePortal();

private:
    void change(const QString &group, const QString &key, uint value);
    void roundTrip();

    FakePortal m_portal;
    std::unique_ptr<QDBusConnection> m_portalBus;
    QPalette m_platformPalette;
    QColor m_platformWindow;
};

void tst_SystemColorScheme::initTestCase()
{
    AIRLOCK_REQUIRE(QDBusConnection::sessionBus().isConnected(),
                    "a D-Bus session bus: run the test under dbus-run-session (as ctest does)");
    m_portalBus = std::make_unique<QDBusConnection>(
        QDBusConnection::connectToBus(QDBusConnection::SessionBus, u"tst_systemcolorscheme_portal"_s));
    QVERIFY(m_portalBus->isConnected());
    AIRLOCK_REQUIRE(!QDBusConnection::sessionBus().interface()->isServiceRegistered(kService),
                    "a session bus without a desktop portal: run the test under dbus-run-session");
    QVERIFY(m_portalBus->registerVirtualObject(kPath, &m_portal, QDBusConnection::SingleNode));
    QVERIFY2(m_portalBus->registerService(kService), qPrintable(m_portalBus->lastError().message()));

    m_platformPalette = QGuiApplication::palette();
    m_platformWindow = window();
    // The test's premise: the platform palette (offscreen) is light, the dark one is dark.
    QVERIFY(!isDark());
    QVERIFY(readablePalette(darkPalette()).color(QPalette::Window).lightnessF() < 0.5);
}

void tst_SystemColorScheme::cleanup()
{
    QGuiApplication::setPalette(m_platformPalette);
    m_portal.colorScheme = kPreferDark;
    m_portal.hasSetting = true;
    m_portal.wrapTwice = true;
    m_portal.reads = 0;
}

void tst_SystemColorScheme::cleanupTestCase()
{
    if (!m_portalBus)
        return;
    m_portalBus->unregisterService(kService);
    m_portalBus->unregisterObject(kPath);
    QDBusConnection::disconnectFromBus(m_portalBus->name());
}

// SettingChanged as the portal sends it: the value wrapped once.
void tst_SystemColorScheme::change(const QString &group, const QString &key, uint value)
{
    QDBusMessage signal = QDBusMessage::createSignal(kPath, kSettings, u"SettingChanged"_s);
    signal << group << key << QVariant::fromValue(QDBusVariant(QVariant::fromValue(value)));
    QVERIFY(m_portalBus->send(signal));
}

// A Read of the test's own over the connection SystemColorScheme uses. The bus keeps each connection's
// messages in order, so once it is answered, every earlier Read of SystemColorScheme has reached the fake
// portal and every signal the portal sent before has been handled.
void tst_SystemColorScheme::roundTrip()
{
    QDBusMessage read = QDBusMessage::createMethodCall(kService, kPath, kSettings, u"Read"_s);
    read << kAppearance << kColorScheme;
    QDBusPendingCallWatcher watcher(QDBusConnection::sessionBus().asyncCall(read));
    QTRY_VERIFY_WITH_TIMEOUT(watcher.isFinished(), kTimeoutMs);
    QCoreApplication::processEvents(); // the signals handled before the reply was delivered
}

void tst_SystemColorScheme::followsTheDesktop_data()
{
    QTest::addColumn<bool>("wrapTwice");
    QTest::newRow("Read wraps the value twice, as the portal does") << true;
    QTest::newRow("Read wraps the value once") << false;
}

void tst_SystemColorScheme::followsTheDesktop()
{
    QFETCH(bool, wrapTwice);
    m_portal.wrapTwice = wrapTwice;
    m_portal.colorScheme = kPreferDark;

    SystemColorScheme scheme(ColorScheme::System);
    QSignalSpy changed(&scheme, &SystemColorScheme::preferenceChanged);
    // Start does not wait for the portal: the platform palette until it answers.
    QCOMPARE(window(), m_platformWindow);

    QTRY_VERIFY_WITH_TIMEOUT(isDark(), kTimeoutMs);
    QCOMPARE(scheme.preference(), Preference::Dark);
    QCOMPARE(window(), readablePalette(darkPalette()).color(QPalette::Window));
    QCOMPARE(changed.count(), 1);

    QTest::ignoreMessage(QtInfoMsg, QRegularExpression(u"the desktop now prefers light colours"_s));
    change(kAppearance, kColorScheme, kPreferLight);
    QTRY_VERIFY_WITH_TIMEOUT(!isDark(), kTimeoutMs);
    QCOMPARE(scheme.preference(), Preference::Light);
    QCOMPARE(window(), readablePalette(lightPalette()).color(QPalette::Window));
    QCOMPARE(changed.count(), 2);

    change(kAppearance, kColorScheme, kPreferDark);
    QTRY_VERIFY_WITH_TIMEOUT(isDark(), kTimeoutMs);
    QCOMPARE(scheme.preference(), Preference::Dark);
    QCOMPARE(changed.count(), 3);

    // Other settings, and the same key in another namespace, change nothing.
    change(kAppearance, u"contrast"_s, kPreferLight);
    change(u"org.gnome.desktop.interface"_s, kColorScheme, kPreferLight);
    roundTrip();
    QVERIFY(isDark());
    QCOMPARE(scheme.preference(), Preference::Dark);
    QCOMPARE(changed.count(), 3);

    // No preference: back to the platform palette.
    change(kAppearance, kColorScheme, kNoPreference);
    QTRY_COMPARE_WITH_TIMEOUT(window(), m_platformWindow, kTimeoutMs);
    QCOMPARE(scheme.preference(), Preference::None);
    QCOMPARE(changed.count(), 4);
    QCOMPARE(changed.last().value(0).value<Preference>(), Preference::None);
}

// The QML side needs no help: Theme.qml's `dark` (a SystemPalette's window lightness) follows the
// application palette.
void tst_SystemColorScheme::qmlFollows()
{
    QQmlEngine engine;
    QQmlComponent component(&engine);
    component.setData("import QtQuick\n"
                      "QtObject {\n"
                      "    readonly property SystemPalette systemPalette: SystemPalette {}\n"
                      "    readonly property bool dark: systemPalette.window.hslLightness < 0.5\n"
                      "}\n",
                      QUrl(u"qrc:/tst_systemcolorscheme/Theme.qml"_s));
    std::unique_ptr<QObject> theme(component.create());
    QVERIFY2(theme, qPrintable(component.errorString()));
    QCOMPARE(theme->property("dark").toBool(), false);

    m_portal.colorScheme = kPreferDark;
    SystemColorScheme scheme(ColorScheme::System);
    QTRY_COMPARE_WITH_TIMEOUT(theme->property("dark").toBool(), true, kTimeoutMs);
    change(kAppearance, kColorScheme, kPreferLight);
    QTRY_COMPARE_WITH_TIMEOUT(theme->property("dark").toBool(), false, kTimeoutMs);
}

void tst_SystemColorScheme::noSetting()
{
    // A portal without the appearance setting (older backends) answers NotFound: the platform palette stays.
    m_portal.hasSetting = false;
    SystemColorScheme scheme(ColorScheme::System);
    QSignalSpy changed(&scheme, &SystemColorScheme::preferenceChanged);
    roundTrip();
    QCOMPARE(m_portal.reads.load(), 2); // SystemColorScheme's and the round trip's
    QCOMPARE(window(), m_platformWindow);
    QCOMPARE(scheme.preference(), Preference::None);
    QCOMPARE(changed.count(), 0);
}

void tst_SystemColorScheme::explicitSchemeIgnoresThePortal_data()
{
    QTest::addColumn<ColorScheme>("colorScheme");
    QTest::addColumn<uint>("portalScheme");
    QTest::addColumn<bool>("dark");
    QTest::newRow("light while the desktop prefers dark") << ColorScheme::Light << kPreferDark << false;
    QTest::newRow("dark while the desktop prefers light") << ColorScheme::Dark << kPreferLight << true;
}

void tst_SystemColorScheme::explicitSchemeIgnoresThePortal()
{
    QFETCH(ColorScheme, colorScheme);
    QFETCH(uint, portalScheme);
    QFETCH(bool, dark);
    m_portal.colorScheme = portalScheme;

    SystemColorScheme scheme(colorScheme);
    QSignalSpy changed(&scheme, &SystemColorScheme::preferenceChanged);
    const QColor expected = readablePalette(dark ? darkPalette() : lightPalette()).color(QPalette::Window);
    QCOMPARE(window(), expected);

    change(kAppearance, kColorScheme, portalScheme);
    roundTrip();
    QCOMPARE(m_portal.reads.load(), 1); // the round trip's only
    QCOMPARE(window(), expected);
    QCOMPARE(scheme.preference(), Preference::None);
    QCOMPARE(changed.count(), 0);
}

QTEST_MAIN(tst_SystemColorScheme)
#include "tst_systemcolorscheme.moc"
