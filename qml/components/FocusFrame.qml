import QtQuick

// The keyboard focus indication of a list row whose delegate does not take the focus itself (the list
// does): a frame in the accent colour over its parent, drawn while `shown`.
Rectangle {
    property bool shown

    anchors.fill: parent
    visible: shown
    z: 1
    color: "transparent"
    border.width: 2
    border.color: Theme.accent
    radius: Theme.radius / 2
}
