import QtQuick
import QtQuick.Controls

// A warning or information message in a tinted box; hidden while text is empty.
Pane {
    id: banner

    property string text

    visible: text.length > 0
    padding: Theme.spacing
    background: Rectangle {
        color: Theme.warningBackground
        border.color: Theme.warning
        radius: Theme.radius
    }
    Accessible.role: Accessible.StaticText
    Accessible.name: banner.text

    Label {
        anchors.left: parent.left
        anchors.right: parent.right
        text: banner.text
        color: Theme.warning
        wrapMode: Text.Wrap
    }
}
