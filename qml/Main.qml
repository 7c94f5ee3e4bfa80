import QtQml
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Airlock.Console
import Airlock.Console.Components

// The console's window: a header with the connection status; the WelcomePage until connected, then a
// sidebar of pages (Console.pageIndex). Keyboard: Ctrl+1…Ctrl+7 open a page and put the focus on its first
// control; the sidebar takes arrow keys; Tab walks every control; Enter (or Space) presses a focused button.
ApplicationWindow {
    id: appWindow

    readonly property ConnectionController connection: Console.connection
    readonly property bool connected: connection.state === ConnectionController.Connected

    // Qt Quick Controls take their colours from the application palette: the system's light or dark one,
    // or the one --color-scheme chose, with readable highlight and placeholder colours (colorscheme.h).
    palette.window: Theme.systemPalette.window
    palette.windowText: Theme.systemPalette.windowText
    palette.base: Theme.systemPalette.base
    palette.alternateBase: Theme.systemPalette.alternateBase
    palette.text: Theme.systemPalette.text
    palette.button: Theme.systemPalette.button
    palette.buttonText: Theme.systemPalette.buttonText
    palette.light: Theme.systemPalette.light
    palette.midlight: Theme.systemPalette.midlight
    palette.mid: Theme.systemPalette.mid
    palette.dark: Theme.systemPalette.dark
    palette.shadow: Theme.systemPalette.shadow
    palette.highlight: Theme.systemPalette.highlight
    palette.highlightedText: Theme.systemPalette.highlightedText
    palette.placeholderText: Theme.systemPalette.placeholderText
    palette.disabled.windowText: Theme.disabledPalette.windowText
    palette.disabled.text: Theme.disabledPalette.text
    palette.disabled.buttonText: Theme.disabledPalette.buttonText

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
        // Qt Quick Controls press a focused button with Space only; Enter does it too here, as on most
        // desktops. Fields handle Enter themselves (onAccepted), so only unhandled presses arrive here.
        Keys.onReturnPressed: (event) => appWindow.pressFocusedButton(event)
        Keys.onEnterPressed: (event) => appWindow.pressFocusedButton(event)
    }
    // A control that gets the keyboard focus out of sight is scrolled into view.
    onActiveFocusItemChanged: Util.scrollIntoView(activeFocusItem, Theme.spacing * 2)

    function pressFocusedButton(event: KeyEvent) {
        const button = appWindow.activeFocusItem as Button
        if (button && button.enabled && !button.checkable) {
            button.clicked()
            event.accepted = true
        } else {
            event.accepted = false
        }
    }

    Shortcut {
        sequence: "Ctrl+1"
        enabled: appWindow.connected
        onActivated: Console.showPage(0)
    }
    Shortcut {
        sequence: "Ctrl+2"
        enabled: appWindow.connected
        onActivated: Console.showPage(1)
    }
    Shortcut {
        sequence: "Ctrl+3"
        enabled: appWindow.connected
        onActivated: Console.showPage(2)
    }
    Shortcut {
        sequence: "Ctrl+4"
        enabled: appWindow.connected
        onActivated: Console.showPage(3)
    }
    Shortcut {
        sequence: "Ctrl+5"
        enabled: appWindow.connected
        onActivated: Console.showPage(4)
    }
    Shortcut {
        sequence: "Ctrl+6"
        enabled: appWindow.connected
        onActivated: Console.showPage(5)
    }
    Shortcut {
        sequence: "Ctrl+7"
        enabled: appWindow.connected
        onActivated: Console.showPage(6)
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
            id: consoleRow
            spacing: 0

            // Console.showPage(): the first control of the page shown gets the focus, once the StackLayout
            // made the page visible (the next turn of the event loop).
            function focusPage() {
                const page = pages.children[pages.currentIndex] as Item
                const first = page ? page.nextItemInFocusChain(true) : null
                if (first && page.visible)
                    first.forceActiveFocus(Qt.TabFocusReason)
            }
            Connections {
                target: Console
                function onPageFocusRequested() { pageFocusTimer.restart() }
            }
            Timer {
                id: pageFocusTimer
                interval: 0
                onTriggered: consoleRow.focusPage()
            }

            Pane {
                Layout.fillHeight: true
                Layout.preferredWidth: Theme.sidebarWidth
                padding: 0
                background: Rectangle {
                    color: Theme.systemPalette.alternateBase
                    Rectangle {
                        anchors.right: parent.right
                        width: 1
                        height: parent.height
                        color: Theme.cardBorder
                    }
                }

                ListView {
                    id: sidebar
                    objectName: "pageList"
                    anchors.fill: parent
                    anchors.topMargin: Theme.spacing
                    // A count, not the titles: a new list of titles (on a language switch) would reset the
                    // view, and with it the page shown, to the first one. The delegates read Texts.pageTitles.
                    model: Console.pageNames.length
                    currentIndex: Console.pageIndex
                    focus: true
                    keyNavigationEnabled: true
                    activeFocusOnTab: true
                    Accessible.role: Accessible.PageTabList
                    Accessible.name: qsTr("Pages")
                    onCurrentIndexChanged: Console.pageIndex = currentIndex
                    delegate: ItemDelegate {
                        id: navItem
                        required property int index
                        width: ListView.view.width
                        text: Texts.pageTitles[navItem.index].replace("&", "&&") // not a mnemonic
                        highlighted: ListView.isCurrentItem
                        font.bold: ListView.isCurrentItem
                        Accessible.role: Accessible.PageTab
                        onClicked: navItem.ListView.view.currentIndex = index
                        FocusFrame {
                            shown: navItem.ListView.isCurrentItem && navItem.ListView.view.activeFocus
                        }
                    }
                }
            }

            StackLayout {
                id: pages
                currentIndex: Console.pageIndex
                Layout.fillWidth: true
                Layout.fillHeight: true

                OverviewPage {
                    connection: Console.connection
                    active: pages.currentIndex === 0
                }
                ModelsPage {
                    active: pages.currentIndex === 1
                }
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
