import QtQml
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Airlock.Console
import Airlock.Console.Components

// Choosing a gateway: a remote airlockd by admin URL and token, or one run inside the console.
// Keyboard: the URL field has focus; Tab walks the controls in reading order (saved gateways, URL, token,
// remember, Connect, Run locally); Enter in a field connects, Enter or Space on a button presses it.
Page {
    id: page

    required property ConnectionController connection
    readonly property bool busy: connection.state === ConnectionController.Connecting

    function connectToGateway() {
        if (busy)
            return
        if (rememberBox.checked && tokenField.text.length > 0)
            Console.connections.save(nameField.text, urlField.text.trim(), tokenField.text)
        connection.connectTo(urlField.text, tokenField.text)
    }

    title: qsTr("Connect to a gateway")

    ScrollView {
        anchors.fill: parent
        contentWidth: availableWidth
        focus: true // a focus scope: the URL field inside it starts with the focus

        ColumnLayout {
            width: Math.min(Theme.formWidth, parent.width - 2 * Theme.margin)
            x: (parent.width - width) / 2
            spacing: Theme.spacing

            Item { implicitHeight: Theme.margin * 2 }

            Label {
                text: qsTr("Saved gateways")
                font.pixelSize: Theme.headingSize
                font.bold: true
                visible: Console.connections.count > 0
            }
            Repeater {
                model: Console.connections
                delegate: RowLayout {
                    id: savedRow
                    required property string name
                    required property string url
                    spacing: Theme.spacing
                    Layout.fillWidth: true
                    Label {
                        text: savedRow.name === savedRow.url ? savedRow.url : savedRow.name + "  ·  " + savedRow.url
                        elide: Text.ElideMiddle
                        Layout.fillWidth: true
                    }
                    Button {
                        text: qsTr("Connect")
                        enabled: Console.connection.state !== ConnectionController.Connecting
                        Accessible.name: qsTr("Connect to %1").arg(savedRow.name)
                        onClicked: Console.connectSaved(savedRow.url)
                    }
                    Button {
                        text: qsTr("Forget")
                        flat: true
                        Accessible.name: qsTr("Forget %1").arg(savedRow.name)
                        onClicked: Console.connections.remove(savedRow.url)
                    }
                }
            }
            ErrorBanner {
                text: Console.connections.errorMessage
                Layout.fillWidth: true
            }
            MenuSeparator {
                visible: Console.connections.count > 0
                Layout.fillWidth: true
            }

            Label {
                text: page.title
                font.pixelSize: Theme.titleSize
                font.bold: true
            }
            Label {
                text: qsTr("Enter the address of the gateway's admin API and its admin token.")
                wrapMode: Text.Wrap
                Layout.fillWidth: true
                Layout.bottomMargin: Theme.spacing
            }

            FieldLabel {
                text: qsTr("Admin API URL")
            }
            TextField {
                id: urlField
                objectName: "adminUrlField"
                placeholderTextColor: Theme.systemPalette.placeholderText
                text: page.connection.adminUrl.length > 0 && !page.connection.embedded
                      ? page.connection.adminUrl : "http://127.0.0.1:5053"
                placeholderText: "http://127.0.0.1:5053"
                selectByMouse: true
                focus: true
                enabled: !page.busy
                Layout.fillWidth: true
                Accessible.name: qsTr("Admin API URL")
                onAccepted: page.connectToGateway()
            }

            FieldLabel {
                text: qsTr("Admin token")
                Layout.topMargin: Theme.spacing
            }
            TextField {
                id: tokenField
                objectName: "adminTokenField"
                placeholderTextColor: Theme.systemPalette.placeholderText
                placeholderText: qsTr("Bearer token from the gateway's data directory")
                echoMode: TextInput.Password
                selectByMouse: true
                enabled: !page.busy
                Layout.fillWidth: true
                Accessible.name: qsTr("Admin token")
                onAccepted: page.connectToGateway()
            }

            RowLayout {
                spacing: Theme.spacing
                Layout.fillWidth: true
                CheckBox {
                    id: rememberBox
                    objectName: "rememberBox"
                    text: qsTr("Remember this gateway (the token goes to the system keychain)")
                }
            }
            TextField {
                id: nameField
                placeholderTextColor: Theme.systemPalette.placeholderText
                visible: rememberBox.checked
                placeholderText: qsTr("Name, e.g. Production")
                Accessible.name: qsTr("Connection name")
                selectByMouse: true
                Layout.fillWidth: true
                onAccepted: page.connectToGateway()
            }

            ErrorBanner {
                text: page.connection.state === ConnectionController.Error ? page.connection.errorMessage : ""
                Layout.fillWidth: true
                Layout.topMargin: Theme.spacing
            }

            RowLayout {
                spacing: Theme.spacing
                Layout.topMargin: Theme.spacing

                Button {
                    id: connectButton
                    objectName: "connectButton"
                    text: qsTr("Connect")
                    highlighted: true
                    enabled: !page.busy
                    onClicked: page.connectToGateway()
                }
                BusyIndicator {
                    running: page.busy
                    visible: running
                    implicitWidth: connectButton.implicitHeight
                    implicitHeight: connectButton.implicitHeight
                }
                Label {
                    text: qsTr("Connecting to %1…").arg(page.connection.adminUrl)
                    visible: page.busy
                    elide: Text.ElideMiddle
                    Layout.fillWidth: true
                }
            }

            MenuSeparator {
                Layout.fillWidth: true
                Layout.topMargin: Theme.margin
                Layout.bottomMargin: Theme.spacing
            }

            Label {
                text: qsTr("No gateway yet?")
                font.pixelSize: Theme.headingSize
                font.bold: true
            }
            Label {
                text: qsTr("Run a gateway inside this console for a single machine. It listens on 127.0.0.1 only and stops when you close the console.")
                wrapMode: Text.Wrap
                Layout.fillWidth: true
            }
            Button {
                id: embeddedButton
                objectName: "embeddedButton"
                text: qsTr("Run gateway on this computer")
                enabled: !page.busy
                onClicked: page.connection.startEmbedded("")
                Layout.topMargin: Theme.spacing / 2
            }
        }
    }
}
