import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Airlock.Console
import Airlock.Console.Components

// The console's window: a header with the connection status; the WelcomePage until connected, then a
// sidebar of pages. Keyboard: Ctrl+1…Ctrl+7 open the pages; the sidebar takes arrow keys.
ApplicationWindow {
    id: appWindow

    readonly property ConnectionController connection: Console.connection
    readonly property bool connected: connection.state === ConnectionController.Connected
    // The page shown while connected (the UI test sets it through this property).
    property int pageIndex: 0
    readonly property var pageNames: ["overview", "models", "features", "tokens", "logs", "playground", "settings"]
    readonly property var pageTitles: [qsTr("Overview"), qsTr("Models"), qsTr("Features"), qsTr("Tokens & trust"),
                                       qsTr("Logs"), qsTr("Playground"), qsTr("Settings")]

    width: 1280
    height: 800
    minimumWidth: 960
    minimumHeight: 600
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
                text: appWindow.connected ? appWindow.connection.adminUrl : qsTr("Admin console")
                opacity: 0.7
                elide: Text.ElideMiddle
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
        sourceComponent: appWindow.connected ? consoleView : welcomePage
    }

    Repeater {
        model: appWindow.pageNames.length
        delegate: Item {
            required property int index
            Shortcut {
                sequence: "Ctrl+" + (parent.index + 1)
                enabled: appWindow.connected
                onActivated: appWindow.pageIndex = parent.index
            }
        }
    }

    Component {
        id: welcomePage
        WelcomePage {
            connection: Console.connection
            focus: true
        }
    }

    Component {
        id: consoleView
        RowLayout {
            spacing: 0

            Pane {
                Layout.fillHeight: true
                Layout.preferredWidth: Theme.sidebarWidth
                padding: 0
                background: Rectangle {
                    color: appWindow.palette.alternateBase
                    Rectangle {
                        anchors.right: parent.right
                        width: 1
                        height: parent.height
                        color: Theme.cardBorder
                    }
                }

                ListView {
                    id: sidebar
                    anchors.fill: parent
                    anchors.topMargin: Theme.spacing
                    model: appWindow.pageTitles
                    currentIndex: appWindow.pageIndex
                    focus: true
                    keyNavigationEnabled: true
                    activeFocusOnTab: true
                    Accessible.role: Accessible.PageTabList
                    Accessible.name: qsTr("Pages")
                    onCurrentIndexChanged: appWindow.pageIndex = currentIndex
                    delegate: ItemDelegate {
                        required property int index
                        required property string modelData
                        width: ListView.view.width
                        text: modelData
                        highlighted: ListView.isCurrentItem
                        font.bold: ListView.isCurrentItem
                        focusPolicy: Qt.NoFocus
                        Accessible.role: Accessible.PageTab
                        onClicked: appWindow.pageIndex = index
                    }
                }
            }

            StackLayout {
                id: pages
                currentIndex: appWindow.pageIndex
                Layout.fillWidth: true
                Layout.fillHeight: true

                OverviewPage {
                    connection: Console.connection
                    active: pages.currentIndex === 0
                }
                ModelsPage {}
                FeaturesPage {}
                TokensPage {}
                LogsPage {
                    active: pages.currentIndex === 4
                }
                PlaygroundPage {}
                SettingsPage {
                    connection: Console.connection
                }
            }
        }
    }
}
