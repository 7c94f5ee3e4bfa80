import QtQml
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Airlock.Console
import Airlock.Console.Components

// Settings: the gateway's listeners and TLS (fixed when airlockd starts: shown with the airlockd options
// that change them at the next start, and a certificate reload), the request log's retention and body
// capture (saved through the admin API at once), and the console's language.
Page {
    id: page

    required property ConnectionController connection
    readonly property SettingsController settings: Console.settings
    readonly property LanguageController language: Console.language

    title: qsTr("Settings")

    // airlockd's options for what it runs with now: a starting point for changing them.
    readonly property string startOptions: {
        let options = "--listen " + connection.gatewayListen + " --admin-listen " + connection.gatewayAdminListen
        if (settings.gatewayTls)
            options += " --tls-cert FILE --tls-key FILE"
        if (settings.adminTls)
            options += " --admin-tls-cert FILE --admin-tls-key FILE"
        if (settings.authMode === "disabled")
            options += " --auth disabled"
        return options
    }

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

                WarningBanner {
                    text: qsTr("Fixed when the gateway starts: change them with airlockd's options below, then restart it (for the service: sudo systemctl edit airlockd, then sudo systemctl restart airlockd). They apply at the next start.")
                    Layout.fillWidth: true
                }
                GridLayout {
                    columns: 3
                    columnSpacing: Theme.margin
                    rowSpacing: Theme.spacing
                    Layout.fillWidth: true
                    FieldLabel { text: qsTr("Setting") }
                    FieldLabel { text: qsTr("Now") }
                    FieldLabel { text: qsTr("airlockd option") }

                    Label { text: qsTr("Client address") }
                    Label { text: page.connection.gatewayListen + "  ·  " + (page.settings.gatewayTls ? qsTr("TLS on") : qsTr("plain HTTP")) }
                    Label { text: "--listen HOST:PORT"; font.family: Theme.monoFont }
                    Label { text: qsTr("Client TLS") }
                    Label { text: page.settings.gatewayTls ? qsTr("TLS on") : qsTr("plain HTTP") }
                    Label { text: "--tls-cert FILE --tls-key FILE"; font.family: Theme.monoFont }
                    Label { text: qsTr("Admin API") }
                    Label { text: page.connection.gatewayAdminListen + "  ·  " + (page.settings.adminTls ? qsTr("TLS on") : qsTr("plain HTTP")) }
                    Label { text: "--admin-listen HOST:PORT"; font.family: Theme.monoFont }
                    Label { text: qsTr("Admin API TLS") }
                    Label { text: page.settings.adminTls ? qsTr("TLS on") : qsTr("plain HTTP") }
                    Label { text: "--admin-tls-cert FILE --admin-tls-key FILE"; font.family: Theme.monoFont }
                    Label { text: qsTr("Client authentication") }
                    Label { text: page.settings.authMode === "disabled" ? qsTr("Disabled: any client may use the gateway") : qsTr("Required") }
                    Label { text: "--auth required|disabled"; font.family: Theme.monoFont }
                }
                FieldLabel {
                    text: qsTr("The options it runs with now")
                    Layout.topMargin: Theme.spacing
                }
                RowLayout {
                    spacing: Theme.spacing
                    Layout.fillWidth: true
                    TextField {
                        id: startOptionsField
                        objectName: "startOptionsField"
                        text: page.startOptions
                        readOnly: true
                        selectByMouse: true
                        font.family: Theme.monoFont
                        Accessible.name: qsTr("The options it runs with now")
                        Layout.fillWidth: true
                    }
                    Button {
                        text: qsTr("Copy")
                        Accessible.name: qsTr("Copy the options")
                        onClicked: Console.tokens.copyToClipboard(startOptionsField.text)
                    }
                }
                Label {
                    text: qsTr("Certificates renewed in the same files can be loaded without a restart:")
                    wrapMode: Text.Wrap
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
                    objectName: "captureBodiesSwitch"
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
                        objectName: "retentionBox"
                        from: 0
                        to: 36500
                        editable: true
                        value: Math.round(page.settings.retentionDays)
                        Accessible.name: qsTr("Retention in days")
                    }
                }
                Button {
                    objectName: "saveLogSettingsButton"
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
                    objectName: "languageBox"
                    model: page.language.languages
                    textRole: "name"
                    valueRole: "code"
                    Accessible.name: qsTr("Language")
                    // The list is rebuilt in each language; the choice stays selected.
                    currentIndex: page.language.languages.length > 0 ? indexOfValue(page.language.choice) : -1
                    onActivated: page.language.setChoice(currentValue)
                    Layout.preferredWidth: 260
                }
            }
            Item { implicitHeight: Theme.spacing }
        }
    }
}
