import QtQml
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Airlock.Console
import Airlock.Console.Components

// Settings: the gateway's listeners and TLS (set at start; read-only here, with a certificate reload),
// the request log's retention and body capture, and the console's language.
Page {
    id: page

    required property ConnectionController connection
    readonly property SettingsController settings: Console.settings
    readonly property LanguageController language: Console.language

    title: qsTr("Settings")

    ScrollView {
        anchors.fill: parent
        contentWidth: availableWidth

        ColumnLayout {
            x: Theme.margin
            width: Math.min(parent.width - 2 * Theme.margin, 860)
            spacing: Theme.margin * 0.75

            Item { implicitHeight: Theme.spacing }
            PageHeader { title: page.title }
            ErrorBanner {
                text: page.settings.errorMessage
                Layout.fillWidth: true
            }
            Label {
                text: page.settings.statusMessage
                visible: text.length > 0
                color: Theme.ok
            }

            SectionCard {
                title: qsTr("Listeners and TLS")
                Layout.fillWidth: true

                GridLayout {
                    columns: 2
                    columnSpacing: Theme.margin
                    rowSpacing: Theme.spacing
                    FieldLabel { text: qsTr("Client address") }
                    Label { text: page.connection.gatewayListen + "  ·  " + (page.settings.gatewayTls ? qsTr("TLS on") : qsTr("plain HTTP")) }
                    FieldLabel { text: qsTr("Admin API") }
                    Label { text: page.connection.gatewayAdminListen + "  ·  " + (page.settings.adminTls ? qsTr("TLS on") : qsTr("plain HTTP")) }
                    FieldLabel { text: qsTr("Client authentication") }
                    Label { text: page.settings.authMode === "disabled" ? qsTr("Disabled: any client may use the gateway") : qsTr("Required") }
                }
                Label {
                    text: qsTr("Addresses and certificates are set when the gateway starts (airlockd options or its configuration file).")
                    wrapMode: Text.Wrap
                    opacity: 0.7
                    Layout.fillWidth: true
                }
                Button {
                    text: qsTr("Reload TLS certificates")
                    enabled: page.settings.gatewayTls || page.settings.adminTls
                    onClicked: page.settings.reloadTls()
                }
            }

            SectionCard {
                title: qsTr("Request log")
                Layout.fillWidth: true

                Switch {
                    id: captureSwitch
                    text: qsTr("Keep request and answer bodies")
                    checked: page.settings.captureBodies
                }
                Label {
                    text: qsTr("Bodies hold source code: keep them only where your policy allows.")
                    wrapMode: Text.Wrap
                    opacity: 0.7
                    Layout.fillWidth: true
                }
                RowLayout {
                    spacing: Theme.spacing
                    FieldLabel { text: qsTr("Keep records for (days, 0 = forever)") }
                    SpinBox {
                        id: retentionBox
                        from: 0
                        to: 36500
                        editable: true
                        value: Math.round(page.settings.retentionDays)
                        Accessible.name: qsTr("Retention in days")
                    }
                }
                Button {
                    text: qsTr("Save")
                    enabled: page.settings.loaded
                    onClicked: page.settings.saveLogSettings(captureSwitch.checked, retentionBox.value)
                }
            }

            SectionCard {
                title: qsTr("Language")
                Layout.fillWidth: true

                ComboBox {
                    id: languageBox
                    model: page.language.languages
                    textRole: "name"
                    valueRole: "code"
                    Accessible.name: qsTr("Language")
                    Component.onCompleted: currentIndex = indexOfValue(page.language.choice)
                    onActivated: page.language.setChoice(currentValue)
                    Layout.preferredWidth: 260
                }
            }
            Item { implicitHeight: Theme.spacing }
        }
    }
}
