import QtQuick
import QtQuick.Controls

// A feature's stage as a small pill: "ga", "beta" or "experiment" (shown translated).
Label {
    id: badge

    property string stage: "ga"

    text: stage === "ga" ? qsTr("GA") : stage === "beta" ? qsTr("Beta") : qsTr("Experiment")
    font.pixelSize: Theme.smallSize
    font.bold: true
    color: stage === "ga" ? Theme.ok : stage === "beta" ? Theme.accent : Theme.warning
    leftPadding: 6
    rightPadding: 6
    topPadding: 2
    bottomPadding: 2
    background: Rectangle {
        radius: height / 2
        color: "transparent"
        border.color: badge.color
    }
    Accessible.name: qsTr("Stage: %1").arg(text)
}
