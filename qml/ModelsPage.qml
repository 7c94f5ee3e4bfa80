import QtQml
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Airlock.Console
import Airlock.Console.Components

// Model endpoints: the list on the left; the form on the right edits the selected one or adds a new one,
// with its replicas (base URL and weight each). While the page is visible the replicas' health (state,
// last probe error, requests in flight, time to first byte) is read from the gateway every few seconds.
// "Test connection" runs the checks on the gateway (reachable, TLS, /v1/models, one tiny completion) and
// shows each step. API keys are write-only: an empty key field keeps the stored key (also across a rename).
// Keyboard: Tab walks the list and the form; Enter in a text field saves.
Page {
    id: page

    readonly property ConfigController config: Console.config
    readonly property ReplicaHealthController health: Console.replicaHealth
    // The page is on screen (Main.qml): the replicas' health is polled while it is and a gateway is connected.
    property bool active: false
    readonly property bool polling: active && Console.connection.state === ConnectionController.Connected
    property string editing: ""      // name of the model being edited; "" = a new one

    title: qsTr("Models")

    function fields(): var {
        return {
            name: nameField.text, family: familyBox.currentText, replicas: replicaEditor.draft,
            identifier: identifierField.text, apiKey: keyField.text,
            maxConcurrency: concurrencyBox.value, connectTimeoutMs: connectBox.value,
            firstByteTimeoutMs: firstByteBox.value, idleTimeoutMs: idleBox.value, totalTimeoutMs: totalBox.value
        }
    }
    function edit(row: int) {
        const m = config.models.get(row)
        editing = m["name"]
        nameField.text = m["name"]
        familyBox.currentIndex = familyBox.indexOfValue(m["family"])
        replicaEditor.replicas = m["replicas"]
        identifierField.text = m["identifier"]
        keyField.text = ""
        concurrencyBox.value = m["maxConcurrency"]
        connectBox.value = m["connectTimeoutMs"]
        firstByteBox.value = m["firstByteTimeoutMs"]
        idleBox.value = m["idleTimeoutMs"]
        totalBox.value = m["totalTimeoutMs"]
        config.clearError()
    }
    function save() {
        if (config.busy)
            return
        savedLabel.visible = false
        config.saveModel(editing, fields())
    }
    function addNew() {
        editing = ""
        modelList.currentIndex = -1
        nameField.text = ""
        familyBox.currentIndex = familyBox.indexOfValue("codestral")
        replicaEditor.replicas = [{ baseUrl: "http://127.0.0.1:8000/v1", weight: 1 }]
        identifierField.text = ""
        keyField.text = ""
        concurrencyBox.value = 64
        connectBox.value = 2000
        firstByteBox.value = 30000
        idleBox.value = 30000
        totalBox.value = 120000
        config.clearError()
        nameField.forceActiveFocus()
    }

    Component.onCompleted: {
        addNew()
        if (polling)
            health.start()
    }
    onPollingChanged: polling ? health.start() : health.stop()

    Connections {
        target: page.config
        function onSaved() {
            page.editing = nameField.text.trim()
            keyField.text = ""
            modelList.currentIndex = page.config.models.indexOf(page.editing)
            savedLabel.visible = true
        }
    }

    RowLayout {
        anchors.fill: parent
        anchors.margins: Theme.margin
        spacing: Theme.margin

        ColumnLayout {
            Layout.preferredWidth: 300
            Layout.maximumWidth: 300
            Layout.fillHeight: true
            spacing: Theme.spacing

            PageHeader {
                title: page.title
                Button {
                    objectName: "addModelButton"
                    text: qsTr("Add")
                    onClicked: page.addNew()
                }
            }
            Label {
                text: qsTr("No model endpoint yet. Fill in the form to add your first one.")
                visible: page.config.models.count === 0
                wrapMode: Text.Wrap
                opacity: 0.7
                Layout.fillWidth: true
            }
            ListView {
                id: modelList
                objectName: "modelList"
                model: page.config.models
                clip: true
                currentIndex: -1
                activeFocusOnTab: true
                keyNavigationEnabled: true
                Layout.fillWidth: true
                Layout.fillHeight: true
                Accessible.role: Accessible.List
                Accessible.name: qsTr("Model endpoints")
                onCurrentIndexChanged: if (currentIndex >= 0) page.edit(currentIndex)
                delegate: ItemDelegate {
                    id: modelDelegate
                    required property int index
                    required property string name
                    required property string family
                    required property string baseUrl
                    required property var replicaUrls
                    width: ListView.view.width
                    highlighted: ListView.isCurrentItem
                    onClicked: modelDelegate.ListView.view.currentIndex = index
                    FocusFrame {
                        shown: modelDelegate.ListView.isCurrentItem && modelDelegate.ListView.view.activeFocus
                    }
                    contentItem: ColumnLayout {
                        spacing: 0
                        Label { text: modelDelegate.name; font.bold: true; elide: Text.ElideRight; Layout.fillWidth: true }
                        Label {
                            text: modelDelegate.family + " · " + modelDelegate.replicaUrls.join(" · ")
                            opacity: 0.7
                            font.pixelSize: Theme.smallSize
                            elide: Text.ElideMiddle
                            Layout.fillWidth: true
                        }
                    }
                }
            }
        }

        ScrollView {
            id: formScroll
            Layout.fillWidth: true
            Layout.fillHeight: true
            Layout.preferredWidth: 600
            contentWidth: availableWidth

            ColumnLayout {
                width: formScroll.availableWidth
                spacing: Theme.spacing

                Label {
                    text: page.editing.length > 0 ? qsTr("Edit %1").arg(page.editing) : qsTr("New model endpoint")
                    font.pixelSize: Theme.headingSize
                    font.bold: true
                }

                GridLayout {
                    columns: 2
                    columnSpacing: Theme.margin
                    rowSpacing: Theme.spacing
                    Layout.fillWidth: true

                    FieldLabel { text: qsTr("Name") }
                    TextField {
                        id: nameField
                        objectName: "modelNameField"
                        placeholderTextColor: Theme.systemPalette.placeholderText
                        placeholderText: qsTr("codestral-a")
                        selectByMouse: true
                        Accessible.name: qsTr("Name")
                        Layout.fillWidth: true
                        onAccepted: page.save()
                    }
                    FieldLabel { text: qsTr("Family") }
                    ComboBox {
                        id: familyBox
                        objectName: "modelFamilyBox"
                        model: page.config.families
                        Accessible.name: qsTr("Family")
                        Layout.fillWidth: true
                    }
                    FieldLabel {
                        text: replicaEditor.draft.length > 1 ? qsTr("Replicas (base URL, weight)") : qsTr("Base URL")
                        Layout.alignment: Qt.AlignTop
                        Layout.topMargin: Theme.spacing
                    }
                    ReplicaListEditor {
                        id: replicaEditor
                        objectName: "replicaEditor"
                        firstUrlObjectName: "modelUrlField"
                        Layout.fillWidth: true
                        onAccepted: page.save()
                    }
                    FieldLabel { text: qsTr("Served identifier") }
                    TextField {
                        id: identifierField
                        objectName: "modelIdentifierField"
                        placeholderTextColor: Theme.systemPalette.placeholderText
                        placeholderText: qsTr("The model id the server serves, e.g. codestral-22b")
                        selectByMouse: true
                        Accessible.name: qsTr("Served identifier")
                        Layout.fillWidth: true
                        onAccepted: page.save()
                    }
                    FieldLabel { text: qsTr("API key") }
                    TextField {
                        id: keyField
                        objectName: "modelKeyField"
                        placeholderTextColor: Theme.systemPalette.placeholderText
                        echoMode: TextInput.Password
                        // The gateway never tells whether a key is stored; an empty field keeps whatever is.
                        placeholderText: page.editing.length > 0 ? qsTr("Leave empty to keep the stored key")
                                                                 : qsTr("Optional; never shown again")
                        selectByMouse: true
                        Accessible.name: qsTr("API key")
                        Layout.fillWidth: true
                        onAccepted: page.save()
                    }
                    FieldLabel { text: qsTr("Concurrent requests") }
                    SpinBox {
                        id: concurrencyBox
                        from: 1
                        to: 100000
                        editable: true
                        Accessible.name: qsTr("Concurrent requests")
                    }
                    FieldLabel { text: qsTr("Connect timeout (ms)") }
                    SpinBox { id: connectBox; from: 100; to: 600000; stepSize: 500; editable: true; Accessible.name: qsTr("Connect timeout (ms)") }
                    FieldLabel { text: qsTr("First byte timeout (ms)") }
                    SpinBox { id: firstByteBox; from: 100; to: 600000; stepSize: 1000; editable: true; Accessible.name: qsTr("First byte timeout (ms)") }
                    FieldLabel { text: qsTr("Idle timeout (ms)") }
                    SpinBox { id: idleBox; from: 100; to: 600000; stepSize: 1000; editable: true; Accessible.name: qsTr("Idle timeout (ms)") }
                    FieldLabel { text: qsTr("Total timeout (ms)") }
                    SpinBox { id: totalBox; from: 100; to: 3600000; stepSize: 1000; editable: true; Accessible.name: qsTr("Total timeout (ms)") }
                }

                ErrorBanner {
                    text: page.config.errorMessage
                    Layout.fillWidth: true
                }

                RowLayout {
                    spacing: Theme.spacing
                    Button {
                        objectName: "saveModelButton"
                        text: page.editing.length > 0 ? qsTr("Save") : qsTr("Add model")
                        highlighted: true
                        enabled: !page.config.busy
                        onClicked: page.save()
                    }
                    Button {
                        objectName: "testConnectionButton"
                        text: qsTr("Test connection")
                        enabled: !page.config.testRunning
                        onClicked: page.config.testModel(page.fields(), page.editing)
                    }
                    Button {
                        text: qsTr("Remove")
                        visible: page.editing.length > 0
                        onClicked: removeDialog.open()
                    }
                    BusyIndicator {
                        running: page.config.busy || page.config.testRunning
                        visible: running
                        implicitHeight: 32
                        implicitWidth: 32
                    }
                    Label {
                        id: savedLabel
                        visible: false
                        text: qsTr("Saved.")
                        color: Theme.ok
                    }
                }

                SectionCard {
                    title: qsTr("Connection test")
                    visible: page.config.testRunning || page.config.testSteps.count > 0
                    Layout.fillWidth: true

                    Label {
                        text: qsTr("Testing…")
                        visible: page.config.testRunning
                    }
                    Repeater {
                        model: page.config.testSteps
                        delegate: RowLayout {
                            id: stepRow
                            required property string name
                            required property string status
                            required property string message
                            required property int ms
                            spacing: Theme.spacing
                            Layout.fillWidth: true
                            Accessible.role: Accessible.StaticText
                            Accessible.name: Texts.testStep(name) + ": " + Texts.testOutcome(status) + ". " + message
                            Label {
                                objectName: "testStepMark"
                                text: stepRow.status === "ok" ? "✓" : stepRow.status === "warning" ? "!"
                                    : stepRow.status === "skipped" ? "–" : "✗"
                                color: stepRow.status === "ok" ? Theme.ok : stepRow.status === "warning" ? Theme.warning
                                    : stepRow.status === "skipped" ? Theme.neutral : Theme.error
                                font.bold: true
                                Layout.preferredWidth: 20
                            }
                            Label {
                                objectName: "testStepLabel"
                                text: Texts.testStep(stepRow.name)
                                font.bold: true
                                Layout.preferredWidth: 260
                            }
                            Label {
                                objectName: "testStepOutcome"
                                text: Texts.testOutcome(stepRow.status)
                                color: stepRow.status === "ok" ? Theme.ok : stepRow.status === "warning" ? Theme.warning
                                    : stepRow.status === "skipped" ? Theme.neutral : Theme.error
                                Layout.preferredWidth: 90
                            }
                            Label {
                                objectName: "testStepMessage"
                                text: stepRow.message
                                wrapMode: Text.Wrap
                                Layout.fillWidth: true
                            }
                            Label {
                                text: stepRow.ms >= 0 ? qsTr("%1 ms").arg(stepRow.ms) : ""
                                opacity: 0.7
                            }
                        }
                    }
                    Label {
                        visible: page.config.testResult !== ConfigController.NotRun && !page.config.testRunning
                        text: page.config.testResult === ConfigController.Passed ? qsTr("All checks passed.")
                                                                                  : qsTr("The endpoint is not usable yet.")
                        color: page.config.testResult === ConfigController.Passed ? Theme.ok : Theme.error
                        font.bold: true
                    }
                }

                SectionCard {
                    id: healthCard
                    objectName: "replicaHealthCard"
                    // The stored endpoint's replicas as routing sees them (a new one has none yet).
                    readonly property var rows: { page.health.revision; return page.health.replicas.rowsFor(page.editing) }
                    title: qsTr("Replica health")
                    visible: page.editing.length > 0
                    Layout.fillWidth: true

                    ErrorBanner {
                        text: page.health.errorMessage
                        Layout.fillWidth: true
                    }
                    Label {
                        text: qsTr("The gateway reports no replica of this endpoint yet.")
                        visible: healthCard.rows.length === 0 && page.health.errorMessage.length === 0
                        opacity: 0.7
                        wrapMode: Text.Wrap
                        Layout.fillWidth: true
                    }
                    Repeater {
                        model: healthCard.rows
                        delegate: RowLayout {
                            id: healthRow
                            required property var modelData
                            readonly property string state: modelData["state"]
                            readonly property string probe: modelData["probe"]
                            readonly property string tone: state === "ejected" || state === "dead" ? "error"
                                                         : state === "not_ready" ? "busy"
                                                         : probe === "unknown" ? "neutral" : "ok"
                            spacing: Theme.spacing
                            Layout.fillWidth: true
                            Accessible.role: Accessible.StaticText
                            Accessible.name: modelData["replica"] + ": " + stateBadge.text

                            StatusBadge {
                                id: stateBadge
                                objectName: "replicaState"
                                text: Texts.replicaState(healthRow.state, healthRow.probe)
                                tone: healthRow.tone
                                Layout.preferredWidth: 130
                            }
                            ColumnLayout {
                                spacing: 0
                                Layout.fillWidth: true
                                Label {
                                    text: healthRow.modelData["replica"]
                                    font.family: Theme.monoFont
                                    elide: Text.ElideMiddle
                                    Layout.fillWidth: true
                                }
                                Label {
                                    objectName: "replicaProbeError"
                                    visible: text.length > 0
                                    text: healthRow.modelData["error"]
                                    color: Theme.error
                                    wrapMode: Text.Wrap
                                    font.pixelSize: Theme.smallSize
                                    Layout.fillWidth: true
                                }
                            }
                            Label {
                                objectName: "replicaNumbers"
                                text: {
                                    const parts = [qsTr("%1 in flight").arg(healthRow.modelData["outstanding"])]
                                    if (healthRow.modelData["ttfbMs"] >= 0)
                                        parts.push(qsTr("first byte %1 ms").arg(healthRow.modelData["ttfbMs"]))
                                    if (healthRow.modelData["ejectedForMs"] >= 0)
                                        parts.push(qsTr("back in %1 s").arg(Math.ceil(healthRow.modelData["ejectedForMs"] / 1000)))
                                    return parts.join(" · ")
                                }
                                opacity: 0.8
                            }
                        }
                    }
                }
            }
        }
    }

    Dialog {
        id: removeDialog
        anchors.centerIn: parent
        width: 480
        modal: true
        title: qsTr("Remove %1?").arg(page.editing)
        standardButtons: Dialog.Ok | Dialog.Cancel
        Label {
            width: removeDialog.availableWidth
            text: qsTr("Features assigned to it are disabled.")
            wrapMode: Text.Wrap
        }
        onAccepted: {
            page.config.removeModel(page.editing)
            page.addNew()
        }
    }
}
