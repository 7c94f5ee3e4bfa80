import QtQml
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Airlock.Console
import Airlock.Console.Components

// The feature catalog as a table: per feature the model endpoint that serves it (or Disabled), its
// stage, its flag, and a warning when the assigned model's family is not known to suit it.
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
                readonly property var choices: Util.prepend("disabled", Console.config.modelNames)

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
                        displayText: currentIndex <= 0 ? qsTr("Disabled") : currentText
                        Accessible.name: qsTr("Model endpoint for %1").arg(featureRow.name)
                        Layout.preferredWidth: 240
                        delegate: ItemDelegate {
                            id: choiceDelegate
                            required property int index
                            required property string modelData
                            width: choiceDelegate.ListView.view.width
                            text: index === 0 ? qsTr("Disabled") : modelData
                            highlighted: choiceDelegate.ListView.isCurrentItem
                        }
                        onActivated: (choice) => Console.config.assignFeature(featureRow.featureId, featureRow.choices[choice])
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
}
