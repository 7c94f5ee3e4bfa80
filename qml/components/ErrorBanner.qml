import QtQuick
import QtQuick.Controls

// An error message in a tinted box; hidden while text is empty. Screen readers announce it.
Pane {
    id: banner

    property string text

    visible: text.length > 0
    padding: Theme.spacing * 1.5
    background: Rectangle {
        color: Theme.errorBackground
        border.color: Theme.error
        radius: Theme.radius
    }
    Accessible.role: Accessible.AlertMessage
    Accessible.name: banner.text

    Label {
        anchors.left: parent.left
        anchors.right: parent.right
        text: banner.text
        color: Theme.error
        wrapMode: Text.Wrap
    }
}
