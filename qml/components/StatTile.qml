import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

// A number with its caption, and room for a chart (children) under it.
Frame {
    id: tile

    property string label
    property string value
    default property alias content: slot.data

    padding: Theme.spacing * 1.5
    background: Rectangle {
        color: tile.palette.base
        border.color: Theme.cardBorder
        radius: Theme.radius
    }
    Accessible.role: Accessible.StaticText
    Accessible.name: label + ": " + value

    ColumnLayout {
        anchors.fill: parent
        spacing: 2
        Label {
            text: tile.label
            opacity: 0.75
            elide: Text.ElideRight
            Layout.fillWidth: true
        }
        Label {
            text: tile.value
            font.pixelSize: Theme.titleSize
            font.bold: true
        }
        Item {
            id: slot
            Layout.fillWidth: true
            Layout.fillHeight: true
            Layout.minimumHeight: 48
        }
    }
}
