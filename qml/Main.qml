import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Airlock.Console
import Airlock.Console.Components

// The console's window: a header with the connection status, and the page for the state the
// connection is in (WelcomePage until connected, then OverviewPage).
ApplicationWindow {
    id: appWindow

    readonly property ConnectionController connection: Console.connection
    readonly property bool connected: connection.state === ConnectionController.Connected

    width: 1280
    height: 800
    minimumWidth: 720
    minimumHeight: 520
    visible: true
    title: connected ? qsTr("Airlock — %1").arg(connection.adminUrl) : qsTr("Airlock")

    header: ToolBar {
        RowLayout {
            anchors.fill: parent
            anchors.leftMargin: Theme.margin / 2
            anchors.rightMargin: Theme.margin / 2
            spacing: Theme.spacing * 2

            Label {
                text: qsTr("Airlock")
                font.pixelSize: Theme.headingSize
                font.bold: true
            }
            Label {
                text: qsTr("Admin console")
                opacity: 0.7
                Layout.fillWidth: true
            }
            StatusBadge {
                tone: {
                    switch (appWindow.connection.state) {
                    case ConnectionController.Connected: return "ok"
                    case ConnectionController.Connecting: return "busy"
                    case ConnectionController.Error: return "error"
                    default: return "neutral"
                    }
                }
                text: {
                    switch (appWindow.connection.state) {
                    case ConnectionController.Connected:
                        return appWindow.connection.embedded ? qsTr("Connected (embedded gateway)")
                                                          : qsTr("Connected")
                    case ConnectionController.Connecting: return qsTr("Connecting…")
                    case ConnectionController.Error: return qsTr("Not connected")
                    default: return qsTr("Disconnected")
                    }
                }
            }
            ToolButton {
                text: appWindow.connection.embedded ? qsTr("Stop gateway") : qsTr("Disconnect")
                visible: appWindow.connection.state === ConnectionController.Connected
                         || appWindow.connection.state === ConnectionController.Connecting
                onClicked: appWindow.connection.disconnectFrom()
            }
        }
    }

    Loader {
        id: pageLoader
        anchors.fill: parent
        focus: true
        sourceComponent: appWindow.connected ? overviewPage : welcomePage
    }

    Component {
        id: welcomePage
        WelcomePage {
            connection: Console.connection
            focus: true
        }
    }
    Component {
        id: overviewPage
        OverviewPage {
            connection: Console.connection
        }
    }
}
