import QtQml
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Airlock.Console
import Airlock.Console.Components

// Live request log: new records stream in at the top (pause holds them back), filters apply on the
// gateway, and the detail pane shows the selected request and answer, highlighted.
Page {
    id: page

    property bool active: false
    readonly property LogsController logs: Console.logs
    readonly property var modelChoices: Util.prepend("", Console.config.modelNames)
    // count is read so the list follows the catalog.
    readonly property var featureChoices: Console.config.features.count >= 0
                                          ? Util.prepend("", Console.config.features.featureIds()) : [""]
    // The selected record as plain JSON (keys as the admin API names them).
    readonly property var selected: logs.selected

    function pretty(text: string): string {
        try {
            return JSON.stringify(JSON.parse(text), null, 2)
        } catch (e) {
            return text
        }
    }

    title: qsTr("Logs")
    onActiveChanged: active ? logs.start() : logs.stop()
    Component.onCompleted: if (active) logs.start()

    CodeHighlighter {
        id: requestHighlighter
        syntax: "JSON"
        dark: Theme.dark
        text: page.pretty(page.selected.prompt_body ?? "")
    }
    CodeHighlighter {
        id: answerHighlighter
        syntax: "JSON"
        dark: Theme.dark
        text: page.pretty(page.selected.answer_body ?? "")
    }

    ColumnLayout {
        anchors.fill: parent
        anchors.margins: Theme.margin
        spacing: Theme.spacing

        PageHeader {
            title: page.title
            StatusBadge {
                tone: page.logs.live ? (page.logs.paused ? "busy" : "ok") : "neutral"
                text: !page.logs.live ? qsTr("Not live") : page.logs.paused
                      ? qsTr("Paused (%n new)", "", page.logs.heldBack) : qsTr("Live")
            }
            Button {
                text: page.logs.paused ? qsTr("Resume") : qsTr("Pause")
                onClicked: page.logs.paused = !page.logs.paused
            }
        }

        RowLayout {
            spacing: Theme.spacing
            Layout.fillWidth: true
            FieldLabel { text: qsTr("Feature") }
            ComboBox {
                id: featureFilter
                objectName: "logsFeatureFilter"
                model: page.featureChoices
                // names, not featureName(): the binding follows a language switch whichever branch it took.
                displayText: currentIndex <= 0 ? qsTr("All features") : Console.config.features.names[currentText] ?? currentText
                Accessible.name: qsTr("Feature filter")
                Layout.preferredWidth: 220
                onActivated: (i) => page.logs.featureFilter = page.featureChoices[i]
            }
            FieldLabel { text: qsTr("Model") }
            ComboBox {
                id: modelFilter
                model: page.modelChoices
                displayText: currentIndex <= 0 ? qsTr("All models") : currentText
                Accessible.name: qsTr("Model filter")
                Layout.preferredWidth: 200
                onActivated: (i) => page.logs.modelFilter = page.modelChoices[i]
            }
            CheckBox {
                text: qsTr("Errors only")
                checked: page.logs.errorsOnly
                onToggled: page.logs.errorsOnly = checked
            }
            Item { Layout.fillWidth: true }
        }

        ErrorBanner {
            text: page.logs.errorMessage
            Layout.fillWidth: true
        }

        SplitView {
            Layout.fillWidth: true
            Layout.fillHeight: true

            ColumnLayout {
                SplitView.preferredWidth: 640
                SplitView.minimumWidth: 360
                spacing: 0

                RowLayout {
                    spacing: Theme.spacing
                    Layout.fillWidth: true
                    Layout.leftMargin: Theme.spacing
                    FieldLabel { text: qsTr("Time"); Layout.preferredWidth: 70 }
                    FieldLabel { text: qsTr("Status"); Layout.preferredWidth: 50 }
                    FieldLabel { text: qsTr("Feature"); Layout.preferredWidth: 150 }
                    FieldLabel { text: qsTr("Model"); Layout.preferredWidth: 130 }
                    FieldLabel { text: qsTr("Time (ms)"); Layout.fillWidth: true }
                }
                Label {
                    text: qsTr("No requests yet. They appear here as clients use the gateway.")
                    visible: page.logs.records.count === 0
                    opacity: 0.7
                    wrapMode: Text.Wrap
                    Layout.fillWidth: true
                    Layout.margins: Theme.spacing
                }
                ListView {
                    id: recordList
                    model: page.logs.records
                    clip: true
                    activeFocusOnTab: true
                    keyNavigationEnabled: true
                    currentIndex: -1
                    Layout.fillWidth: true
                    Layout.fillHeight: true
                    Accessible.role: Accessible.List
                    Accessible.name: qsTr("Requests")
                    ScrollBar.vertical: ScrollBar {}
                    onCurrentIndexChanged: if (currentIndex >= 0) page.logs.select(page.logs.records.get(currentIndex)["id"])
                    delegate: ItemDelegate {
                        id: recordRow
                        required property int index
                        required property string time
                        required property int status
                        required property string feature
                        required property string model
                        required property int totalMs
                        required property string error
                        width: ListView.view.width
                        highlighted: ListView.isCurrentItem
                        onClicked: recordRow.ListView.view.currentIndex = index
                        contentItem: RowLayout {
                            spacing: Theme.spacing
                            Label { text: recordRow.time; Layout.preferredWidth: 70 }
                            Label {
                                text: recordRow.status
                                color: recordRow.status >= 400 ? Theme.error : Theme.ok
                                font.bold: true
                                Layout.preferredWidth: 50
                            }
                            Label {
                                text: Console.config.features.names[recordRow.feature] ?? recordRow.feature
                                elide: Text.ElideRight
                                Layout.preferredWidth: 150
                            }
                            Label { text: recordRow.model; elide: Text.ElideRight; Layout.preferredWidth: 130 }
                            Label {
                                text: (recordRow.totalMs >= 0 ? recordRow.totalMs : "–") + (recordRow.error.length > 0 ? "  " + recordRow.error : "")
                                elide: Text.ElideRight
                                Layout.fillWidth: true
                            }
                        }
                    }
                }
            }

            ColumnLayout {
                SplitView.fillWidth: true
                SplitView.minimumWidth: 300
                spacing: Theme.spacing

                Label {
                    text: qsTr("Select a request to see it in full.")
                    visible: page.selected.id === undefined
                    opacity: 0.7
                    Layout.margins: Theme.spacing
                }
                GridLayout {
                    visible: page.selected.id !== undefined
                    columns: 2
                    columnSpacing: Theme.spacing * 2
                    Layout.leftMargin: Theme.spacing
                    FieldLabel { text: qsTr("Request") }
                    Label { text: (page.selected.method ?? "") + " " + (page.selected.path ?? ""); elide: Text.ElideRight }
                    FieldLabel { text: qsTr("User") }
                    Label { text: page.selected.user_id ?? "–" }
                    FieldLabel { text: qsTr("Tokens") }
                    Label { text: qsTr("%1 in, %2 out").arg(page.selected.prompt_tokens ?? "–").arg(page.selected.answer_tokens ?? "–") }
                    FieldLabel { text: qsTr("Time to first byte") }
                    Label { text: page.selected.first_byte_ms !== undefined ? qsTr("%1 ms").arg(Math.round(page.selected.first_byte_ms)) : "–" }
                }
                WarningBanner {
                    text: page.selected.id !== undefined && !page.selected.has_bodies
                          ? qsTr("Bodies were not captured for this request (Settings → Request log).") : ""
                    Layout.fillWidth: true
                }
                FieldLabel { text: qsTr("Request body"); visible: page.selected.has_bodies === true; Layout.leftMargin: Theme.spacing }
                CodeView {
                    visible: page.selected.has_bodies === true
                    text: requestHighlighter.html
                    accessibleName: qsTr("Request body")
                    Layout.fillWidth: true
                    Layout.fillHeight: true
                }
                FieldLabel { text: qsTr("Answer"); visible: page.selected.has_bodies === true; Layout.leftMargin: Theme.spacing }
                CodeView {
                    visible: page.selected.has_bodies === true
                    text: answerHighlighter.html
                    accessibleName: qsTr("Answer")
                    Layout.fillWidth: true
                    Layout.fillHeight: true
                }
            }
        }
    }
}
