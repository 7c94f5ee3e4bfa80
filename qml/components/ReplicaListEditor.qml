pragma ComponentBehavior: Bound
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

// The servers of a model endpoint: base URL and weight (relative share of the traffic) per replica. All
// serve the same model; the gateway balances requests over them.
//
// Pure: `replicas` comes in ([{baseUrl, weight}, ...], as Console.config.models' replicas), the edits go
// to a copy, `draft`, which the page saves. Setting `replicas` (or calling reset()) starts over. At
// least one replica stays; at most 64 (the gateway's limit). The first URL field is named
// `firstUrlObjectName` (tests find it).
ColumnLayout {
    id: editor

    property var replicas: []
    property var draft: []
    property int revision: 0
    property string firstUrlObjectName: "replicaUrl-0"
    readonly property int maxReplicas: 64

    // Enter in a URL field.
    signal accepted()
    signal edited()

    spacing: Theme.spacing

    function clone(list: var): var {
        const out = []
        for (let i = 0; i < list.length; ++i)
            out.push({ baseUrl: String(list[i].baseUrl), weight: Number(list[i].weight) })
        return out
    }
    function reset() {
        draft = clone(replicas)
        if (draft.length === 0)
            draft = [{ baseUrl: "", weight: 1 }]
        ++revision
    }
    function commit(next: var) {
        draft = next
        ++revision
        edited()
    }
    function addReplica() {
        if (draft.length >= maxReplicas)
            return
        const next = clone(draft)
        next.push({ baseUrl: "", weight: 1 })
        commit(next)
    }
    function removeReplica(row: int) {
        if (draft.length <= 1)
            return
        const next = clone(draft)
        next.splice(row, 1)
        commit(next)
    }
    function setUrl(row: int, url: string) {
        draft[row].baseUrl = url
        ++revision
        edited()
    }
    function setWeight(row: int, weight: int) {
        draft[row].weight = weight
        ++revision
        edited()
    }
    function percent(row: int): int {
        let total = 0
        for (let i = 0; i < draft.length; ++i)
            total += Math.max(0, draft[i].weight)
        return total > 0 ? Math.round(100 * Math.max(0, draft[row].weight) / total) : 0
    }

    onReplicasChanged: reset()
    Component.onCompleted: reset()

    Repeater {
        model: editor.draft.length
        delegate: RowLayout {
            id: replicaRow
            required property int index
            readonly property var replica: editor.draft[index] || ({ baseUrl: "", weight: 1 })
            spacing: Theme.spacing
            Layout.fillWidth: true

            TextField {
                objectName: replicaRow.index === 0 ? editor.firstUrlObjectName : "replicaUrl-" + replicaRow.index
                text: replicaRow.replica.baseUrl
                placeholderTextColor: Theme.systemPalette.placeholderText
                placeholderText: "http://gpu-1:8000/v1"
                selectByMouse: true
                Accessible.name: qsTr("Base URL of replica %1").arg(replicaRow.index + 1)
                Layout.fillWidth: true
                onTextEdited: editor.setUrl(replicaRow.index, text)
                onAccepted: editor.accepted()
            }
            SpinBox {
                objectName: "replicaWeight-" + replicaRow.index
                from: 1
                to: 1000
                editable: true
                value: replicaRow.replica.weight
                visible: editor.draft.length > 1
                Accessible.name: qsTr("Weight of replica %1").arg(replicaRow.index + 1)
                onValueModified: editor.setWeight(replicaRow.index, value)
            }
            Label {
                objectName: "replicaPercent-" + replicaRow.index
                visible: editor.draft.length > 1
                text: { editor.revision; return qsTr("%1 %").arg(editor.percent(replicaRow.index)) }
                horizontalAlignment: Text.AlignRight
                Layout.preferredWidth: 48
            }
            ToolButton {
                objectName: "removeReplica-" + replicaRow.index
                text: "✕"
                visible: editor.draft.length > 1
                Accessible.name: qsTr("Remove replica %1").arg(replicaRow.index + 1)
                ToolTip.visible: hovered
                ToolTip.text: Accessible.name
                onClicked: editor.removeReplica(replicaRow.index)
            }
        }
    }

    Button {
        objectName: "addReplica"
        text: qsTr("Add replica")
        flat: true
        enabled: editor.draft.length < editor.maxReplicas
        onClicked: editor.addReplica()
    }
}
