import QtQml
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Airlock.Console
import Airlock.Console.Components

// Tokens & trust: the GitLab instance Airlock trusts and its keys; Airlock's signing keys (rotate);
// issuing a client token (shown once, with a copy button); the issued tokens (revoke).
Page {
    id: page

    readonly property TokensController tokens: Console.tokens

    title: qsTr("Tokens & trust")

    readonly property bool canIssue: subjectField.text.trim().length > 0
                                     && (completeBox.checked || generateBox.checked || chatBox.checked)

    function issue() {
        if (!canIssue)
            return
        let scopes = ""
        if (completeBox.checked) scopes += ",complete_code"
        if (generateBox.checked) scopes += ",generate_code"
        if (chatBox.checked) scopes += ",duo_chat"
        tokens.issue(subjectField.text, scopes.substring(1), ttlBox.currentText, descriptionField.text)
    }

    // The new token is shown once: the focus goes to its Copy button, so Space (or Enter) copies it.
    Connections {
        target: page.tokens
        function onIssuedTokenChanged() {
            copyButton.copied = false
            if (page.tokens.issuedToken.length > 0)
                copyFocusTimer.restart()
        }
    }
    Timer {
        id: copyFocusTimer
        interval: 0 // once the token's pane is visible
        onTriggered: copyButton.forceActiveFocus(Qt.TabFocusReason)
    }

    function gitlabStateText(state: string): string {
        switch (state) {
        case "ok": return qsTr("Keys fetched")
        case "fetching": return qsTr("Fetching keys…")
        case "error": return qsTr("Cannot fetch its keys")
        case "no_keys": return qsTr("No keys yet")
        default: return qsTr("Not configured")
        }
    }

    ScrollView {
        anchors.fill: parent
        contentWidth: availableWidth

        ColumnLayout {
            x: Theme.margin
            width: parent.width - 2 * Theme.margin
            spacing: Theme.margin * 0.75

            Item { implicitHeight: Theme.spacing }
            PageHeader {
                title: page.title
                Button {
                    text: qsTr("Refresh")
                    onClicked: page.tokens.reload()
                }
            }
            ErrorBanner {
                text: page.tokens.errorMessage
                Layout.fillWidth: true
            }

            RowLayout {
                spacing: Theme.margin * 0.75
                Layout.fillWidth: true

                SectionCard {
                    title: qsTr("GitLab instance")
                    Layout.fillWidth: true
                    Layout.preferredWidth: 1
                    Layout.alignment: Qt.AlignTop

                    StatusBadge {
                        objectName: "gitlabStateBadge"
                        tone: page.tokens.gitlabState === "ok" ? "ok" : page.tokens.gitlabState === "error" ? "error"
                            : page.tokens.gitlabState === "fetching" ? "busy" : "neutral"
                        text: page.gitlabStateText(page.tokens.gitlabState)
                    }
                    Label {
                        objectName: "gitlabDetailLabel"
                        text: page.tokens.gitlabDetail
                        visible: text.length > 0
                        wrapMode: Text.Wrap
                        opacity: 0.8
                        Layout.fillWidth: true
                    }
                    RowLayout {
                        spacing: Theme.spacing
                        Layout.fillWidth: true
                        TextField {
                            id: gitlabField
                            objectName: "gitlabUrlField"
                            placeholderTextColor: Theme.systemPalette.placeholderText
                            text: page.tokens.gitlabUrl
                            placeholderText: "https://gitlab.example.com"
                            selectByMouse: true
                            Accessible.name: qsTr("GitLab instance URL")
                            Layout.fillWidth: true
                            onAccepted: page.tokens.setGitlabUrl(text)
                        }
                        Button {
                            text: qsTr("Save")
                            onClicked: page.tokens.setGitlabUrl(gitlabField.text)
                        }
                    }
                }

                SectionCard {
                    title: qsTr("Airlock's signing keys")
                    Layout.fillWidth: true
                    Layout.preferredWidth: 1
                    Layout.alignment: Qt.AlignTop

                    Repeater {
                        model: page.tokens.keys
                        delegate: RowLayout {
                            id: keyRow
                            required property string kid
                            required property string alg
                            required property string createdAt
                            required property bool active
                            spacing: Theme.spacing
                            Layout.fillWidth: true
                            StatusBadge {
                                tone: keyRow.active ? "ok" : "neutral"
                                text: keyRow.active ? qsTr("Active") : qsTr("Retired")
                                Layout.preferredWidth: 90
                            }
                            Label { text: keyRow.alg; Layout.preferredWidth: 60 }
                            Label { text: keyRow.kid; elide: Text.ElideMiddle; font.family: Theme.monoFont; Layout.fillWidth: true }
                            Label { text: keyRow.createdAt; opacity: 0.7 }
                        }
                    }
                    Button {
                        text: qsTr("Rotate keys")
                        onClicked: rotateDialog.open()
                    }
                }
            }

            SectionCard {
                title: qsTr("Issue a client token")
                Layout.fillWidth: true

                GridLayout {
                    columns: 4
                    columnSpacing: Theme.margin
                    rowSpacing: Theme.spacing
                    Layout.fillWidth: true

                    FieldLabel { text: qsTr("Subject") }
                    TextField {
                        id: subjectField
                        objectName: "tokenSubjectField"
                        placeholderTextColor: Theme.systemPalette.placeholderText
                        placeholderText: qsTr("Who uses it, e.g. alice or ci-bot")
                        selectByMouse: true
                        Accessible.name: qsTr("Subject")
                        Layout.fillWidth: true
                        onAccepted: page.issue()
                    }
                    FieldLabel { text: qsTr("Expires in") }
                    ComboBox {
                        id: ttlBox
                        objectName: "tokenExpiryBox"
                        // The codes, named by Texts.ttlNames: a model rebuilt with the translations (on a language
                        // switch) would reset the choice to the first entry.
                        model: ["1d", "7d", "30d", "90d", "365d"]
                        currentIndex: 2
                        displayText: Texts.ttlNames[currentText] ?? currentText
                        delegate: ItemDelegate {
                            id: ttlChoice
                            required property string modelData
                            required property int index
                            width: ListView.view ? ListView.view.width : implicitWidth
                            text: Texts.ttlNames[ttlChoice.modelData] ?? ttlChoice.modelData
                            highlighted: ttlChoice.ListView.isCurrentItem
                        }
                        Accessible.name: qsTr("Expires in")
                        Layout.fillWidth: true
                    }
                    FieldLabel { text: qsTr("Scopes") }
                    RowLayout {
                        spacing: Theme.spacing
                        Layout.fillWidth: true
                        CheckBox { id: completeBox; text: qsTr("Code completion"); checked: true }
                        CheckBox { id: generateBox; text: qsTr("Code generation"); checked: true }
                        CheckBox { id: chatBox; text: qsTr("Chat") }
                    }
                    FieldLabel { text: qsTr("Description") }
                    TextField {
                        id: descriptionField
                        placeholderTextColor: Theme.systemPalette.placeholderText
                        placeholderText: qsTr("Optional")
                        selectByMouse: true
                        Accessible.name: qsTr("Description")
                        Layout.fillWidth: true
                        onAccepted: page.issue()
                    }
                }
                Button {
                    objectName: "issueTokenButton"
                    text: qsTr("Issue token")
                    highlighted: true
                    enabled: page.canIssue
                    onClicked: page.issue()
                }
                Pane {
                    visible: page.tokens.issuedToken.length > 0
                    Layout.fillWidth: true
                    background: Rectangle {
                        color: Theme.warningBackground
                        border.color: Theme.warning
                        radius: Theme.radius
                    }
                    ColumnLayout {
                        anchors.left: parent.left
                        anchors.right: parent.right
                        spacing: Theme.spacing
                        Label {
                            text: qsTr("Copy the token now: it is shown only once.")
                            font.bold: true
                            color: Theme.warning
                        }
                        RowLayout {
                            spacing: Theme.spacing
                            Layout.fillWidth: true
                            TextField {
                                id: issuedField
                                objectName: "issuedTokenField"
                                placeholderTextColor: Theme.systemPalette.placeholderText
                                text: page.tokens.issuedToken
                                readOnly: true
                                selectByMouse: true
                                font.family: Theme.monoFont
                                Accessible.name: qsTr("New token")
                                Layout.fillWidth: true
                            }
                            Button {
                                id: copyButton
                                objectName: "copyTokenButton"
                                // A binding, not a text assigned on click: it follows a language switch.
                                property bool copied: false
                                text: copied ? qsTr("Copied") : qsTr("Copy")
                                onClicked: {
                                    page.tokens.copyToClipboard(page.tokens.issuedToken)
                                    copied = true
                                }
                            }
                            Button {
                                text: qsTr("Done")
                                onClicked: {
                                    page.tokens.dismissIssuedToken()
                                    copyButton.copied = false
                                }
                            }
                        }
                    }
                }
            }

            SectionCard {
                title: qsTr("Issued tokens")
                Layout.fillWidth: true

                Label {
                    text: qsTr("No tokens issued yet.")
                    visible: page.tokens.tokens.count === 0
                    opacity: 0.7
                }
                Repeater {
                    model: page.tokens.tokens
                    delegate: RowLayout {
                        id: tokenRow
                        required property string tokenId
                        required property string subject
                        required property string scopes
                        required property string description
                        required property string expiresAt
                        required property bool revoked
                        required property bool expired
                        spacing: Theme.spacing
                        Layout.fillWidth: true
                        StatusBadge {
                            tone: tokenRow.revoked || tokenRow.expired ? "neutral" : "ok"
                            text: tokenRow.revoked ? qsTr("Revoked") : tokenRow.expired ? qsTr("Expired") : qsTr("Valid")
                            Layout.preferredWidth: 90
                        }
                        Label { text: tokenRow.subject; font.bold: true; Layout.preferredWidth: 160; elide: Text.ElideRight }
                        Label { text: tokenRow.scopes; Layout.preferredWidth: 240; elide: Text.ElideRight }
                        Label { text: qsTr("until %1").arg(tokenRow.expiresAt); Layout.preferredWidth: 170 }
                        Label { text: tokenRow.description; opacity: 0.7; elide: Text.ElideRight; Layout.fillWidth: true }
                        Button {
                            text: qsTr("Revoke")
                            visible: !tokenRow.revoked && !tokenRow.expired
                            Accessible.name: qsTr("Revoke the token of %1").arg(tokenRow.subject)
                            onClicked: Console.tokens.revoke(tokenRow.tokenId)
                        }
                    }
                }
            }
            Item { implicitHeight: Theme.spacing }
        }
    }

    Dialog {
        id: rotateDialog
        anchors.centerIn: parent
        width: 480
        modal: true
        title: qsTr("Rotate the signing keys?")
        standardButtons: Dialog.Ok | Dialog.Cancel
        Label {
            text: qsTr("New tokens are signed with a new key; tokens signed with the old one stay valid until they expire.")
            wrapMode: Text.Wrap
            width: rotateDialog.availableWidth
        }
        onAccepted: page.tokens.rotateKeys()
    }
}
