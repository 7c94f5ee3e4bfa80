pragma Singleton
import QtQuick

// Sizes and colours shared by every page, so the console keeps one rhythm. Light and dark follow the
// application palette (the system's, or the one airlock-admin --color-scheme chose; the window colour's
// lightness tells which). The text colours here keep 4.5:1 against the window, base and banner colours of
// either (the UI test measures it).
QtObject {
    id: theme

    readonly property SystemPalette systemPalette: SystemPalette { colorGroup: SystemPalette.Active }
    readonly property SystemPalette disabledPalette: SystemPalette { colorGroup: SystemPalette.Disabled }
    readonly property bool dark: systemPalette.window.hslLightness < 0.5

    readonly property int spacing: 8
    readonly property int margin: 24
    readonly property int radius: 6
    readonly property int formWidth: 520
    readonly property int sidebarWidth: 200

    readonly property int titleSize: 22
    readonly property int headingSize: 16
    readonly property int smallSize: 11

    readonly property color accent: dark ? "#6ea0f5" : "#1f5fbf"
    readonly property color ok: dark ? "#4cc276" : "#1a6b36"
    readonly property color busy: "#d9a21b"
    readonly property color error: dark ? "#ff7b72" : "#c8372d"
    readonly property color warning: dark ? "#e3b341" : "#7a5200"
    readonly property color neutral: dark ? "#9aa0a8" : "#5f646b"
    readonly property color errorBackground: dark ? "#3d1f1d" : "#fbe9e7"
    readonly property color warningBackground: dark ? "#3a3020" : "#fff4d6"
    readonly property color cardBorder: dark ? "#3c4048" : "#d3d6db"
    readonly property color codeBackground: dark ? "#232629" : "#f7f8fa"
    readonly property string monoFont: "monospace"
}
