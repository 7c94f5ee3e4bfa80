import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

// A coloured dot and a short status text. tone: "neutral", "busy", "ok" or "error".
RowLayout {
    id: badge

    property string text
    property string tone: "neutral"

    spacing: Theme.spacing / 2

    Rectangle {
        implicitWidth: 10
        implicitHeight: 10
        radius: 5
        color: badge.tone === "ok" ? Theme.ok
             : badge.tone === "busy" ? Theme.busy
             : badge.tone === "error" ? Theme.error
             : Theme.neutral
    }
    Label {
        text: badge.text
    }
}
