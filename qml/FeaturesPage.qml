import QtQml
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Airlock.Console
import Airlock.Console.Components

// The feature catalog as a table: per feature the model endpoint that serves it (or Disabled), its
// stage, its flag, and a warning when the assigned model's family is not known to suit it. The drop-down's
// last choice opens the route editor: tiers in fallback order, each a weighted split over models.
// Keyboard: Tab reaches the table (arrow keys move the highlighted row), then each row's drop-down (Space
// opens it, arrows choose, Enter applies) and flag switch (Space toggles).
Page {
    id: page

    readonly property ConfigController config: Console.config

    title: qsTr("Features")

    ColumnLayout {
        anchors.fill: parent
        anchors.margins: Theme.margin
        spacing: Theme.spacing

        PageHeader {
            title: page.title
            subtitle: qsTr("Choose the model endpoint that serves each GitLab Duo feature. Changes apply to new requests at once.")
        }
        ErrorBanner {
            text: page.config.errorMessage
            Layout.fillWidth: true
        }
        WarningBanner {
            text: page.config.loaded && page.config.modelNames.length === 0
                  ? qsTr("Add a model endpoint on the Models page first.") : ""
            Layout.fillWidth: true
        }

        RowLayout {
            spacing: Theme.spacing
            Layout.fillWidth: true
            Layout.leftMargin: Theme.spacing
            Layout.rightMargin: Theme.spacing
            FieldLabel { text: qsTr("Feature"); Layout.preferredWidth: 300; Layout.maximumWidth: 300 }
            FieldLabel { text: qsTr("Stage"); Layout.preferredWidth: 100 }
            FieldLabel { text: qsTr("Model endpoint"); Layout.preferredWidth: 240 }
            FieldLabel { text: qsTr("Flag"); Layout.preferredWidth: 80 }
            FieldLabel { text: qsTr("Notes"); Layout.fillWidth: true }
        }

        ListView {
            id: table
            model: page.config.features
            clip: true
            spacing: 2
            // Every row stays instantiated (the catalog has a few dozen features), so that Tab reaches
            // each row's controls, not only those of the rows in view.
            cacheBuffer: 100000
            activeFocusOnTab: true
            keyNavigationEnabled: true
            Layout.fillWidth: true
            Layout.fillHeight: true
            Accessible.role: Accessible.Table
            Accessible.name: qsTr("Features")
            ScrollBar.vertical: ScrollBar {}

            delegate: Rectangle {
                id: featureRow
                required property int index
                required property string featureId
                required property string name
                required property string stage
                required property string flag
                required property bool flagEnabled
                required property string assignedModel
                required property string assignedFamily
                required property bool suits
                required property string routeSummary
                required property var routeTiers
                // "disabled", the models, and "" for the route editor (no model has an empty name).
                readonly property var choices: Util.prepend("disabled", Console.config.modelNames).concat([""])

                width: ListView.view.width
                implicitHeight: rowLayout.implicitHeight + Theme.spacing
                color: featureRow.ListView.isCurrentItem && featureRow.ListView.view.activeFocus ? Qt.rgba(Theme.accent.r, Theme.accent.g, Theme.accent.b, 0.12)
                     : index % 2 ? "transparent" : Qt.rgba(Theme.neutral.r, Theme.neutral.g, Theme.neutral.b, 0.06)
                radius: Theme.radius

                RowLayout {
                    id: rowLayout
                    anchors.fill: parent
                    anchors.leftMargin: Theme.spacing
                    anchors.rightMargin: Theme.spacing
                    spacing: Theme.spacing

                    ColumnLayout {
                        spacing: 0
                        Layout.fillWidth: false
                        Layout.preferredWidth: 300
                        Layout.maximumWidth: 300
                        Label { text: featureRow.name; font.bold: true; elide: Text.ElideRight; Layout.fillWidth: true }
                        Label { text: featureRow.featureId; opacity: 0.6; font.pixelSize: Theme.smallSize; elide: Text.ElideRight; Layout.fillWidth: true }
                    }
                    Item {
                        Layout.preferredWidth: 100
                        implicitHeight: stageBadge.implicitHeight
                        StageBadge { id: stageBadge; stage: featureRow.stage }
                    }
                    ComboBox {
                        id: modelBox
                        objectName: "featureModelBox-" + featureRow.featureId
                        model: featureRow.choices
                        currentIndex: Math.max(0, featureRow.choices.indexOf(featureRow.assignedModel))
                        displayText: currentIndex <= 0 ? qsTr("Disabled")
                                   : featureRow.routeSummary.length > 0 ? qsTr("%1 + route").arg(currentText) : currentText
                        Accessible.name: qsTr("Model endpoint for %1").arg(featureRow.name)
                        Layout.preferredWidth: 240
                        delegate: ItemDelegate {
                            id: choiceDelegate
                            required property int index
                            required property string modelData
                            width: choiceDelegate.ListView.view.width
                            text: index === 0 ? qsTr("Disabled")
                                : modelData.length === 0 ? qsTr("Route: split and fallbacks…") : modelData
                            highlighted: choiceDelegate.ListView.isCurrentItem
                        }
                        onActivated: (choice) => {
                            if (featureRow.choices[choice].length > 0) {
                                Console.config.assignFeature(featureRow.featureId, featureRow.choices[choice])
                                return
                            }
                            modelBox.currentIndex = Qt.binding(() => Math.max(0, featureRow.choices.indexOf(featureRow.assignedModel)))
                            routeDialog.openFor(featureRow.featureId, featureRow.name, featureRow.routeTiers)
                        }
                    }
                    Switch {
                        checked: featureRow.flagEnabled
                        Accessible.name: qsTr("Flag %1").arg(featureRow.flag)
                        ToolTip.visible: hovered
                        ToolTip.text: featureRow.flag
                        Layout.preferredWidth: 80
                        onToggled: Console.config.setFlagEnabled(featureRow.flag, checked)
                    }
                    Label {
                        // the split and fallbacks of a route; the box shows its first model
                        objectName: "featureRoute-" + featureRow.featureId
                        visible: featureRow.routeSummary.length > 0
                        text: featureRow.routeSummary
                        font.pixelSize: Theme.smallSize
                        elide: Text.ElideRight
                        Layout.maximumWidth: 320
                    }
                    Label {
                        text: !featureRow.suits
                              ? qsTr("⚠ The %1 family is not known to suit this feature.").arg(featureRow.assignedFamily)
                              : !featureRow.flagEnabled ? qsTr("Turned off by its flag.") : ""
                        color: !featureRow.suits ? Theme.warning : Theme.neutral
                        wrapMode: Text.Wrap
                        Layout.fillWidth: true
                    }
                }
            }
        }
    }
    Dialog {
        id: routeDialog
        objectName: "routeDialog"

        property string featureId
        property string featureName

        function openFor(id: string, name: string, tiers: var) {
            featureId = id
            featureName = name
            routeEditor.tiers = tiers
            routeEditor.reset()
            page.config.clearError()
            open()
        }

        anchors.centerIn: parent
        focus: true // the keyboard moves into it when it opens
        width: Math.min(page.width - 2 * Theme.margin, 720)
        height: Math.min(page.height - 2 * Theme.margin, 640)
        modal: true
        title: qsTr("Route of %1").arg(featureName)

        Connections {
            target: page.config
            enabled: routeDialog.opened
            function onSaved() { routeDialog.close() }
        }

        ColumnLayout {
            anchors.fill: parent
            spacing: Theme.spacing
            Label {
                text: qsTr("The first tier takes the traffic, split by weight. A later tier is used only when no model of the tiers before it can take a request. A single model with no fallback is saved as a plain assignment.")
                wrapMode: Text.Wrap
                opacity: 0.8
                Layout.fillWidth: true
            }
            ScrollView {
                id: routeScroll
                contentWidth: availableWidth
                clip: true
                Layout.fillWidth: true
                Layout.fillHeight: true
                RouteEditor {
                    id: routeEditor
                    objectName: "routeEditor"
                    width: routeScroll.availableWidth
                    modelNames: page.config.modelNames
                }
            }
            ErrorBanner {
                objectName: "routeError"
                text: page.config.errorMessage
                Layout.fillWidth: true
            }
        }

        footer: Pane {
            RowLayout {
                anchors.right: parent.right
                spacing: Theme.spacing
                Button {
                    objectName: "saveRouteButton"
                    text: qsTr("Save route")
                    highlighted: true
                    enabled: !page.config.busy
                    onClicked: page.config.saveRoute(routeDialog.featureId, routeEditor.draft)
                }
                Button {
                    text: qsTr("Cancel")
                    onClicked: routeDialog.close()
                }
            }
        }
    }
}
