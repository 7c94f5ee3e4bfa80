import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

// A titled, bordered group of content. Children go into a column under the title.
Frame {
    id: card

    property string title
    default property alias content: column.data

    padding: Theme.margin - Theme.spacing
    background: Rectangle {
        color: card.palette.base
        border.color: Theme.cardBorder
        radius: Theme.radius
    }

    ColumnLayout {
        id: column
        anchors.fill: parent
        spacing: Theme.spacing

        Label {
            text: card.title
            visible: card.title.length > 0
            font.pixelSize: Theme.headingSize
            font.bold: true
            Layout.bottomMargin: Theme.spacing
        }
    }
}
