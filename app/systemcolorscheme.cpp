#include "systemcolorscheme.h"

#include "consolelog.h"

#include <QDBusConnection>
#include <QDBusError>
#include <QDBusMessage>
#include <QDBusPendingCallWatcher>
#include <QDBusVariant>
#include <QGuiApplication>

namespace airlock {

using namespace Qt::StringLiterals;

namespace {

// https://flatpak.github.io/xdg-desktop-portal/docs/doc-org.freedesktop.portal.Settings.html
constexpr auto kService = "org.freedesktop.portal.Desktop"_L1;
constexpr auto kPath = "/org/freedesktop/portal/desktop"_L1;
constexpr auto kSettings = "org.freedesktop.portal.Settings"_L1;
constexpr auto kAppearance = "org.freedesktop.appearance"_L1;
constexpr auto kColorScheme = "color-scheme"_L1;

// Read answers the value wrapped in one variant more than SettingChanged passes it (a quirk the portal
// keeps for compatibility; ReadOne, which does not wrap twice, is missing from portals before 1.15, such as
// Debian 12's). Unwrapping every level accepts both.
QVariant unwrap(QVariant value)
{
    while (value.metaType() == QMetaType::fromType<QDBusVariant>())
        value = qvariant_cast<QDBusVariant>(value).variant();
    return value;
}

const char *describe(SystemColorScheme::Preference preference)
{
    switch (preference) {
    case SystemColorScheme::Preference::Dark: return "prefers dark colours";
    case SystemColorScheme::Preference::Light: return "prefers light colours";
    case SystemColorScheme::Preference::None: break;
    }
    return "has no colour preference";
}

} // namespace

SystemColorScheme::SystemColorScheme(ColorScheme scheme, QObject *parent)
    : QObject(parent)
    , m_scheme(scheme)
{
    applyColorScheme(scheme);
    if (scheme != ColorScheme::System)
        return;
    // What "no preference" goes back to: the platform's, as at start.
    m_platformPalette = QGuiApplication::palette();

    QDBusConnection bus = QDBusConnection::sessionBus();
    if (!bus.isConnected()) {
        qCDebug(lcConsole) << "no D-Bus session bus: light and dark stay the platform's";
        return;
    }
    // Subscribe before reading, so that no change falls between the two. The portal sends both on one
    // connection in order, so whichever arrives last is the newer.
    // QtDBus finds the slot's argument types by name, which Qt 6 knows only for registered metatypes: until
    // something registers QDBusVariant, connect fails without an error (seen with 6.4.2, and what
    // tst_systemcolorscheme's first test catches; cf. https://bugreports.qt.io/browse/QTBUG-108822).
    qRegisterMetaType<QDBusVariant>();
    if (!bus.connect(kService, kPath, kSettings, u"SettingChanged"_s, this,
                     SLOT(settingChanged(QString, QString, QDBusVariant)))) {
        qCWarning(lcConsole).noquote() << "cannot follow the desktop's colour scheme:"
                                       << bus.lastError().message();
    }
    QDBusMessage read = QDBusMessage::createMethodCall(kService, kPath, kSettings, u"Read"_s);
    read << QString(kAppearance) << QString(kColorScheme);
    auto *watcher = new QDBusPendingCallWatcher(bus.asyncCall(read), this);
    connect(watcher, &QDBusPendingCallWatcher::finished, this, &SystemColorScheme::readFinished);
}

void SystemColorScheme::readFinished(QDBusPendingCallWatcher *watcher)
{
    watcher->deleteLater();
    const QDBusMessage reply = watcher->reply();
    if (reply.type() != QDBusMessage::ReplyMessage) {
        // No portal (ServiceUnknown), or one without the setting (org.freedesktop.portal.Error.NotFound).
        qCDebug(lcConsole).noquote() << "the desktop portal gives no colour scheme:" << reply.errorName()
                                     << reply.errorMessage();
        return;
    }
    follow(unwrap(reply.arguments().value(0)), false);
}

void SystemColorScheme::settingChanged(const QString &group, const QString &key, const QDBusVariant &value)
{
    if (group == kAppearance && key == kColorScheme)
        follow(unwrap(value.variant()), true);
}

void SystemColorScheme::follow(const QVariant &value, bool announced)
{
    bool ok = false;
    const uint raw = value.toUInt(&ok);
    // Values added to the setting later read as no preference.
    const Preference preference = ok && raw <= uint(Preference::Light) ? Preference(raw) : Preference::None;
    if (preference == m_preference)
        return;
    m_preference = preference;
    switch (preference) {
    case Preference::Dark: QGuiApplication::setPalette(readablePalette(darkPalette())); break;
    case Preference::Light: QGuiApplication::setPalette(readablePalette(lightPalette())); break;
    case Preference::None: QGuiApplication::setPalette(m_platformPalette); break;
    }
    if (announced)
        qCInfo(lcConsole) << "the desktop now" << describe(preference) << "- the console follows";
    else
        qCInfo(lcConsole) << "the desktop" << describe(preference);
    Q_EMIT preferenceChanged(preference);
}

} // namespace airlock
