#pragma once

// Light and dark that follow the desktop while the console runs (--color-scheme system, the default).
// Qt 6.4 cannot do it alone: it has no QStyleHints::colorScheme, its Linux platform themes report no
// switch between light and dark at run time, and the application palette the console sets explicitly
// (applyColorScheme, to make the platform's colours readable) hides any later platform palette change.
// So this class asks the desktop itself, through the XDG desktop portal's Settings interface
// (org.freedesktop.appearance / color-scheme: 0 no preference, 1 prefer dark, 2 prefer light), and sets the
// application palette to match; SystemPalette (the QML Theme) and Qt Quick Controls follow the application
// palette, so the whole window switches.
//
// Lifecycle: construct once, after the QGuiApplication, before loading QML; keep it alive as long as the
// window. In System mode the constructor sets the platform palette (made readable), subscribes to
// SettingChanged, then reads the setting asynchronously: start never waits for the portal. Prefer dark
// gives readablePalette(darkPalette()), prefer light readablePalette(lightPalette()); no preference, no
// portal or no session bus keep the platform palette as at start. In Light or Dark mode (chosen on the
// command line) it sets that palette once and never looks at the portal.

#include "colorscheme.h"

#include <QObject>
#include <QPalette>

class QDBusPendingCallWatcher;
class QDBusVariant;

namespace airlock {

class SystemColorScheme : public QObject
{
    Q_OBJECT
public:
    // The portal's org.freedesktop.appearance color-scheme values.
    enum class Preference : uint { None = 0, Dark = 1, Light = 2 };
    Q_ENUM(Preference)

    explicit SystemColorScheme(ColorScheme scheme, QObject *parent = nullptr);

    ColorScheme scheme() const { return m_scheme; }
    // The desktop's preference as last read or announced; None until the portal answers, and always in
    // Light or Dark mode.
    Preference preference() const { return m_preference; }

Q_SIGNALS:
    // System mode only: the desktop's preference changed and the application palette has been set for it.
    void preferenceChanged(airlock::SystemColorScheme::Preference preference);

private Q_SLOTS:
    void settingChanged(const QString &group, const QString &key, const QDBusVariant &value);

private:
    void readFinished(QDBusPendingCallWatcher *watcher);
    void follow(const QVariant &value, bool announced);

    ColorScheme m_scheme;
    Preference m_preference = Preference::None;
    QPalette m_platformPalette;
};

} // namespace airlock
