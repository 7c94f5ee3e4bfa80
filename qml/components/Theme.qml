pragma Singleton
import QtQuick

// Sizes and colours shared by every page, so the console keeps one rhythm.
QtObject {
    readonly property int spacing: 8
    readonly property int margin: 24
    readonly property int radius: 6
    readonly property int formWidth: 520

    readonly property int titleSize: 22
    readonly property int headingSize: 16

    readonly property color accent: "#2f6fdb"
    readonly property color ok: "#2e9d57"
    readonly property color busy: "#d9a21b"
    readonly property color error: "#c8372d"
    readonly property color neutral: "#8a8f98"
    readonly property color errorBackground: "#fbe9e7"
    readonly property color cardBorder: "#d3d6db"
}
