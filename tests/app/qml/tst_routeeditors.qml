import QtQuick
import QtTest
import Airlock.Console.Components

// Qt Quick Tests of the route editor (Features page) and the replica list editor (Models page): what
// they show for the route or replicas given, and what each control does to the draft the page saves.
Item {
    id: root
    width: 800
    height: 900

    readonly property var route: [[{ model: "m1", weight: 90 }, { model: "m2", weight: 10 }], [{ model: "m3", weight: 1 }]]

    RouteEditor {
        id: editor
        width: 700
        modelNames: ["m1", "m2", "m3", "m4"]
    }
    ReplicaListEditor {
        id: replicas
        y: 600
        width: 700
    }
    SignalSpy { id: edited; target: editor; signalName: "edited" }
    SignalSpy { id: replicaEdited; target: replicas; signalName: "edited" }

    TestCase {
        name: "RouteEditor"
        when: windowShown

        function init() {
            editor.tiers = root.route
            editor.reset()
            edited.clear()
            waitForRendering(editor)
        }
        // A structural edit replaces the delegates: let the old ones go before looking one up.
        function child(name) {
            wait(0)
            const item = findChild(editor, name)
            verify(item, name)
            return item
        }
        function models() {
            return editor.draft.map(tier => tier.map(t => t.model + ":" + t.weight).join(",")).join(" | ")
        }

        function test_showsTiersWithPercents() {
            compare(models(), "m1:90,m2:10 | m3:1")
            compare(child("routeModel-0-0").currentText, "m1")
            compare(child("routeModel-0-1").currentText, "m2")
            compare(child("routeModel-1-0").currentText, "m3")
            compare(child("routeWeight-0-0").value, 90)
            compare(child("routePercent-0-0").text, "90 %")
            compare(child("routePercent-0-1").text, "10 %")
            compare(child("routePercent-1-0").text, "100 %")
            // the first tier cannot move up, the last not down
            verify(!child("moveTierUp-0").enabled)
            verify(child("moveTierDown-0").enabled)
            verify(child("moveTierUp-1").enabled)
            verify(!child("moveTierDown-1").enabled)
        }

        function test_weightChangesPercents() {
            const weight = child("routeWeight-0-1")
            weight.forceActiveFocus()
            weight.value = 29
            weight.valueModified()
            compare(editor.draft[0][1].weight, 29)
            tryCompare(child("routePercent-0-0"), "text", "76 %") // 90 / 119
            compare(child("routePercent-0-1").text, "24 %")
            compare(edited.count, 1)
            // the control stays (and keeps the focus) while the admin types
            verify(weight.activeFocus)
            keyClick(Qt.Key_Up)
            compare(editor.draft[0][1].weight, 30)
            tryCompare(child("routePercent-0-1"), "text", "25 %")
        }

        function test_moveTiers() {
            mouseClick(child("moveTierDown-0"))
            compare(models(), "m3:1 | m1:90,m2:10")
            tryCompare(child("routeModel-0-0"), "currentText", "m3")
            mouseClick(child("moveTierUp-1"))
            compare(models(), "m1:90,m2:10 | m3:1")
            compare(edited.count, 2)
            // the input is untouched: Cancel starts over from it
            compare(root.route[0][0].model, "m1")
        }

        function test_addAndRemoveTargets() {
            mouseClick(child("addTarget-1"))
            compare(models(), "m1:90,m2:10 | m3:1,m4:1") // the first model not used yet
            tryCompare(child("routePercent-1-0"), "text", "50 %")
            mouseClick(child("removeTarget-0-0"))
            compare(models(), "m2:10 | m3:1,m4:1")
            // a tier's last target takes the tier with it
            mouseClick(child("removeTarget-0-0"))
            compare(models(), "m3:1,m4:1")
            compare(editor.draft.length, 1)
        }

        function test_addAndRemoveTiers() {
            mouseClick(child("addTier"))
            compare(models(), "m1:90,m2:10 | m3:1 | m4:1")
            tryVerify(() => findChild(editor, "routeTier-2") !== null)
            mouseClick(child("removeTier-0"))
            compare(models(), "m3:1 | m4:1")
            mouseClick(child("removeTier-0"))
            mouseClick(child("removeTier-0"))
            compare(editor.draft.length, 0)
            tryVerify(() => child("routeEmptyLabel").visible)
            compare(child("addTier").text, "Add tier")
        }

        function test_chooseModel() {
            const box = child("routeModel-1-0")
            box.currentIndex = 3
            box.activated(3)
            compare(editor.draft[1][0].model, "m4")
            compare(edited.count, 1)
        }

        function test_limits() {
            editor.tiers = [[{ model: "m1", weight: 1 }], [{ model: "m2", weight: 1 }], [{ model: "m3", weight: 1 }],
                            [{ model: "m4", weight: 1 }], [{ model: "m5", weight: 1 }], [{ model: "m6", weight: 1 }],
                            [{ model: "m7", weight: 1 }], [{ model: "m8", weight: 1 }]]
            tryVerify(() => findChild(editor, "routeTier-7") !== null)
            verify(!child("addTier").enabled)
            editor.addTier()
            compare(editor.draft.length, 8)
        }
    }

    TestCase {
        name: "ReplicaListEditor"
        when: windowShown

        function init() {
            replicas.replicas = [{ baseUrl: "http://gpu-1:8000/v1", weight: 1 }, { baseUrl: "http://gpu-2:8000/v1", weight: 3 }]
            replicaEdited.clear()
            waitForRendering(replicas)
        }
        function child(name) {
            wait(0)
            const item = findChild(replicas, name)
            verify(item, name)
            return item
        }

        function test_showsReplicas() {
            compare(child("replicaUrl-0").text, "http://gpu-1:8000/v1")
            compare(child("replicaUrl-1").text, "http://gpu-2:8000/v1")
            compare(child("replicaWeight-1").value, 3)
            compare(child("replicaPercent-0").text, "25 %")
            compare(child("replicaPercent-1").text, "75 %")
        }

        function test_editUrlAndWeight() {
            const url = child("replicaUrl-1")
            url.forceActiveFocus()
            url.selectAll()
            keyClick(Qt.Key_Delete)
            keyClick(Qt.Key_H)
            compare(replicas.draft[1].baseUrl, "h")
            verify(url.activeFocus)
            const weight = child("replicaWeight-0")
            weight.value = 3
            weight.valueModified()
            compare(replicas.draft[0].weight, 3)
            tryCompare(child("replicaPercent-0"), "text", "50 %")
            verify(replicaEdited.count >= 2)
        }

        function test_addAndRemove() {
            mouseClick(child("addReplica"))
            compare(replicas.draft.length, 3)
            compare(replicas.draft[2].baseUrl, "")
            compare(replicas.draft[2].weight, 1)
            tryVerify(() => findChild(replicas, "replicaUrl-2") !== null)
            mouseClick(child("removeReplica-0"))
            compare(replicas.draft.map(r => r.baseUrl), ["http://gpu-2:8000/v1", ""])
            mouseClick(child("removeReplica-0"))
            // the last one stays, without weight or remove button
            compare(replicas.draft.length, 1)
            replicas.removeReplica(0)
            compare(replicas.draft.length, 1)
            tryVerify(() => !child("removeReplica-0").visible)
            verify(!child("replicaWeight-0").visible)
        }

        function test_emptyInputGivesOneEmptyRow() {
            replicas.replicas = []
            compare(replicas.draft.length, 1)
            compare(replicas.draft[0].baseUrl, "")
        }
    }
}
