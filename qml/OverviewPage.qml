import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Airlock.Console
import Airlock.Console.Components

// The connected gateway at a glance: what it is and where it listens.
Page {
    id: page

    required property ConnectionController connection

    title: qsTr("Overview")

    ScrollView {
        anchors.fill: parent
        contentWidth: availableWidth

        ColumnLayout {
            x: Theme.margin
            width: parent.width - 2 * Theme.margin
            spacing: Theme.margin

            Item { implicitHeight: Theme.spacing }

            RowLayout {
                Layout.fillWidth: true
                Label {
                    text: page.title
                    font.pixelSize: Theme.titleSize
                    font.bold: true
                    Layout.fillWidth: true
                }
                Button {
                    text: qsTr("Refresh")
                    onClicked: page.connection.refresh()
                }
            }

            SectionCard {
                title: qsTr("Gateway")
                Layout.fillWidth: true
                Layout.maximumWidth: 760

                GridLayout {
                    columns: 2
                    columnSpacing: Theme.margin
                    rowSpacing: Theme.spacing
                    Layout.fillWidth: true

                    FieldLabel { text: qsTr("Version") }
                    Label {
                        objectName: "gatewayVersion"
                        text: page.connection.gatewayName + " " + page.connection.gatewayVersion
                        Layout.fillWidth: true
                    }
                    FieldLabel { text: qsTr("Client address") }
                    Label {
                        objectName: "gatewayListen"
                        text: page.connection.gatewayListen
                    }
                    FieldLabel { text: qsTr("Admin API") }
                    Label { text: page.connection.adminUrl }
                    FieldLabel { text: qsTr("Worker threads") }
                    Label { text: page.connection.gatewayWorkers }
                    FieldLabel { text: qsTr("Mode") }
                    Label {
                        text: page.connection.embedded ? qsTr("Embedded: runs inside this console")
                                                       : qsTr("Remote")
                    }
                }
            }

            Label {
                text: qsTr("Airlock console %1").arg(Console.consoleVersion)
                opacity: 0.6
            }
        }
    }
}
