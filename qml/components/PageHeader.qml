import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

// A page's title row: the title, an optional subtitle, and actions (children) on the right.
RowLayout {
    id: header

    property string title
    property string subtitle
    default property alias actions: actionRow.data

    spacing: Theme.spacing
    Layout.fillWidth: true

    ColumnLayout {
        spacing: 2
        Layout.fillWidth: true
        Label {
            text: header.title
            font.pixelSize: Theme.titleSize
            font.bold: true
            Accessible.role: Accessible.Heading
        }
        Label {
            text: header.subtitle
            visible: text.length > 0
            opacity: 0.7
            wrapMode: Text.Wrap
            Layout.fillWidth: true
        }
    }
    Item {
        Layout.fillWidth: true
    }
    RowLayout {
        id: actionRow
        spacing: Theme.spacing
    }
}
