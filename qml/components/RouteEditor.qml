pragma ComponentBehavior: Bound
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

// A feature's route: tiers in fallback order, each a weighted split over model endpoints. The first
// tier takes the traffic; a later tier only what no target of the tiers before it can take. Each
// target's share of its tier is shown in percent as the weights change.
//
// Pure: `tiers` comes in ([[{model, weight}, ...], ...], as Console.config.features' routeTiers), the
// edits go to a copy, `draft`, which the page saves. Setting `tiers` (or calling reset()) starts over.
// At most 8 tiers of 16 targets (the gateway's limits); removing a tier's last target removes the tier.
ColumnLayout {
    id: editor

    property var tiers: []
    property var modelNames: []
    // The edited route, in the shape of `tiers`.
    property var draft: []
    // Bumped by every edit, also those made in place (a weight): bindings on the draft depend on it.
    property int revision: 0
    readonly property int maxTiers: 8
    readonly property int maxTargets: 16

    signal edited()

    spacing: Theme.spacing

    function clone(list: var): var {
        const out = []
        for (let i = 0; i < list.length; ++i) {
            const tier = []
            for (let j = 0; j < list[i].length; ++j)
                tier.push({ model: String(list[i][j].model), weight: Number(list[i][j].weight) })
            out.push(tier)
        }
        return out
    }
    function reset() {
        draft = clone(tiers)
        ++revision
    }
    function commit(next: var) {
        draft = next
        ++revision
        edited()
    }
    // Whole percent per target of `tier` (weights below 1 count as 0), rounded.
    function percents(tier: var): var {
        let total = 0
        for (let j = 0; j < tier.length; ++j)
            total += Math.max(0, tier[j].weight)
        const out = []
        for (let j = 0; j < tier.length; ++j)
            out.push(total > 0 ? Math.round(100 * Math.max(0, tier[j].weight) / total) : 0)
        return out
    }
    // The first model the draft does not name yet ("" when every one is used).
    function unusedModel(): string {
        for (let k = 0; k < modelNames.length; ++k) {
            let used = false
            for (let i = 0; i < draft.length && !used; ++i)
                for (let j = 0; j < draft[i].length && !used; ++j)
                    used = draft[i][j].model === modelNames[k]
            if (!used)
                return modelNames[k]
        }
        return ""
    }
    function addTier() {
        if (draft.length >= maxTiers)
            return
        const next = clone(draft)
        next.push([{ model: unusedModel(), weight: 1 }])
        commit(next)
    }
    function removeTier(tier: int) {
        const next = clone(draft)
        next.splice(tier, 1)
        commit(next)
    }
    function moveTier(from: int, to: int) {
        if (to < 0 || to >= draft.length || from === to)
            return
        const next = clone(draft)
        const moved = next.splice(from, 1)[0]
        next.splice(to, 0, moved)
        commit(next)
    }
    function addTarget(tier: int) {
        if (draft[tier].length >= maxTargets)
            return
        const next = clone(draft)
        next[tier].push({ model: unusedModel(), weight: 1 })
        commit(next)
    }
    function removeTarget(tier: int, target: int) {
        const next = clone(draft)
        next[tier].splice(target, 1)
        if (next[tier].length === 0)
            next.splice(tier, 1)
        commit(next)
    }
    // In place: the controls stay (and keep the focus) while the admin types.
    function setModel(tier: int, target: int, model: string) {
        draft[tier][target].model = model
        ++revision
        edited()
    }
    function setWeight(tier: int, target: int, weight: int) {
        draft[tier][target].weight = weight
        ++revision
        edited()
    }

    onTiersChanged: reset()
    Component.onCompleted: reset()

    Label {
        objectName: "routeEmptyLabel"
        visible: editor.draft.length === 0
        text: qsTr("No tier: the feature is disabled. Add a tier to route it.")
        wrapMode: Text.Wrap
        opacity: 0.7
        Layout.fillWidth: true
    }

    Repeater {
        model: editor.draft.length
        delegate: Frame {
            id: tierFrame
            required property int index
            readonly property var targets: editor.draft[index] || []
            readonly property var shares: { editor.revision; return editor.percents(tierFrame.targets) }

            objectName: "routeTier-" + index
            Layout.fillWidth: true
            Accessible.role: Accessible.Grouping
            Accessible.name: tierTitle.text

            ColumnLayout {
                anchors.left: parent.left
                anchors.right: parent.right
                spacing: Theme.spacing

                RowLayout {
                    spacing: Theme.spacing
                    Layout.fillWidth: true
                    Label {
                        id: tierTitle
                        text: tierFrame.index === 0 ? qsTr("Tier %1 · takes the traffic").arg(tierFrame.index + 1)
                                                    : qsTr("Tier %1 · fallback").arg(tierFrame.index + 1)
                        font.bold: true
                        Layout.fillWidth: true
                    }
                    ToolButton {
                        objectName: "moveTierUp-" + tierFrame.index
                        text: "↑"
                        enabled: tierFrame.index > 0
                        Accessible.name: qsTr("Move tier %1 up").arg(tierFrame.index + 1)
                        ToolTip.visible: hovered
                        ToolTip.text: Accessible.name
                        onClicked: editor.moveTier(tierFrame.index, tierFrame.index - 1)
                    }
                    ToolButton {
                        objectName: "moveTierDown-" + tierFrame.index
                        text: "↓"
                        enabled: tierFrame.index < editor.draft.length - 1
                        Accessible.name: qsTr("Move tier %1 down").arg(tierFrame.index + 1)
                        ToolTip.visible: hovered
                        ToolTip.text: Accessible.name
                        onClicked: editor.moveTier(tierFrame.index, tierFrame.index + 1)
                    }
                    ToolButton {
                        objectName: "removeTier-" + tierFrame.index
                        text: "✕"
                        Accessible.name: qsTr("Remove tier %1").arg(tierFrame.index + 1)
                        ToolTip.visible: hovered
                        ToolTip.text: Accessible.name
                        onClicked: editor.removeTier(tierFrame.index)
                    }
                }

                Repeater {
                    model: tierFrame.targets.length
                    delegate: RowLayout {
                        id: targetRow
                        required property int index
                        readonly property int tier: tierFrame.index
                        readonly property var entry: tierFrame.targets[index] || ({ model: "", weight: 1 })
                        spacing: Theme.spacing
                        Layout.fillWidth: true

                        ComboBox {
                            id: modelBox
                            objectName: "routeModel-" + targetRow.tier + "-" + targetRow.index
                            model: editor.modelNames
                            currentIndex: editor.modelNames.indexOf(targetRow.entry.model)
                            displayText: currentIndex < 0 ? qsTr("Choose a model") : currentText
                            Accessible.name: qsTr("Model %1 of tier %2").arg(targetRow.index + 1).arg(targetRow.tier + 1)
                            Layout.fillWidth: true
                            onActivated: (choice) => editor.setModel(targetRow.tier, targetRow.index, editor.modelNames[choice])
                        }
                        SpinBox {
                            objectName: "routeWeight-" + targetRow.tier + "-" + targetRow.index
                            from: 1
                            to: 1000
                            editable: true
                            value: targetRow.entry.weight
                            Accessible.name: qsTr("Weight of model %1 of tier %2").arg(targetRow.index + 1).arg(targetRow.tier + 1)
                            onValueModified: editor.setWeight(targetRow.tier, targetRow.index, value)
                        }
                        Label {
                            objectName: "routePercent-" + targetRow.tier + "-" + targetRow.index
                            text: qsTr("%1 %").arg(tierFrame.shares[targetRow.index] ?? 0)
                            horizontalAlignment: Text.AlignRight
                            Layout.preferredWidth: 48
                        }
                        ToolButton {
                            objectName: "removeTarget-" + targetRow.tier + "-" + targetRow.index
                            text: "✕"
                            Accessible.name: qsTr("Remove model %1 of tier %2").arg(targetRow.index + 1).arg(targetRow.tier + 1)
                            ToolTip.visible: hovered
                            ToolTip.text: Accessible.name
                            onClicked: editor.removeTarget(targetRow.tier, targetRow.index)
                        }
                    }
                }

                Button {
                    objectName: "addTarget-" + tierFrame.index
                    text: qsTr("Add model to this tier")
                    enabled: tierFrame.targets.length < editor.maxTargets
                    flat: true
                    onClicked: editor.addTarget(tierFrame.index)
                }
            }
        }
    }

    Button {
        objectName: "addTier"
        text: editor.draft.length === 0 ? qsTr("Add tier") : qsTr("Add fallback tier")
        enabled: editor.draft.length < editor.maxTiers
        onClicked: editor.addTier()
    }
}
