import QtQml
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Airlock.Console
import Airlock.Console.Components

// The connected gateway at a glance: live charts of the last 30 minutes (requests/s, latency p50/p95,
// error rate, tokens), the health of every model endpoint, and what the gateway is.
Page {
    id: page

    required property ConnectionController connection
    property bool active: false
    readonly property MetricsController metrics: Console.metrics

    title: qsTr("Overview")
    onActiveChanged: active ? metrics.start() : metrics.stop()
    Component.onCompleted: if (active) metrics.start()

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
                subtitle: qsTr("The last 30 minutes, updated every 5 seconds.")
                Button {
                    text: qsTr("Refresh")
                    onClicked: {
                        page.connection.refresh()
                        page.metrics.refresh()
                    }
                }
            }

            ErrorBanner {
                text: page.metrics.errorMessage
                Layout.fillWidth: true
            }

            GridLayout {
                columns: 5
                columnSpacing: Theme.spacing * 1.5
                rowSpacing: Theme.spacing * 1.5
                Layout.fillWidth: true

                StatTile {
                    label: qsTr("Requests/s")
                    value: page.metrics.totalRps.toFixed(2)
                    Layout.fillWidth: true
                    Layout.preferredHeight: 150
                    LineChart { anchors.fill: parent; series: page.metrics.rps; color: Theme.accent; gridColor: Theme.cardBorder }
                }
                StatTile {
                    label: qsTr("Latency p50")
                    value: qsTr("%1 ms").arg(Math.round(page.metrics.totalP50))
                    Layout.fillWidth: true
                    Layout.preferredHeight: 150
                    LineChart { anchors.fill: parent; series: page.metrics.p50; color: Theme.ok; gridColor: Theme.cardBorder; minimumMaximum: 100 }
                }
                StatTile {
                    label: qsTr("Latency p95")
                    value: qsTr("%1 ms").arg(Math.round(page.metrics.totalP95))
                    Layout.fillWidth: true
                    Layout.preferredHeight: 150
                    LineChart { anchors.fill: parent; series: page.metrics.p95; color: Theme.busy; gridColor: Theme.cardBorder; minimumMaximum: 100 }
                }
                StatTile {
                    label: qsTr("Error rate")
                    value: qsTr("%1 %").arg((page.metrics.totalErrorRate * 100).toFixed(1))
                    Layout.fillWidth: true
                    Layout.preferredHeight: 150
                    LineChart { anchors.fill: parent; series: page.metrics.errorRate; color: Theme.error; gridColor: Theme.cardBorder; minimumMaximum: 5 }
                }
                StatTile {
                    label: qsTr("Tokens")
                    value: page.metrics.totalTokens.toLocaleString(Qt.locale(), "f", 0)
                    Layout.fillWidth: true
                    Layout.preferredHeight: 150
                    LineChart { anchors.fill: parent; series: page.metrics.tokens; color: Theme.accent; gridColor: Theme.cardBorder; minimumMaximum: 10 }
                }
            }

            SectionCard {
                title: qsTr("Model endpoints")
                Layout.fillWidth: true

                Label {
                    text: qsTr("No model endpoint yet: add one on the Models page.")
                    visible: page.metrics.endpoints.count === 0
                    opacity: 0.7
                }
                Repeater {
                    model: page.metrics.endpoints
                    delegate: RowLayout {
                        id: endpointRow
                        required property string name
                        required property int requests
                        required property double errorRate
                        required property double p95
                        required property string health
                        spacing: Theme.margin
                        Layout.fillWidth: true
                        StatusBadge {
                            objectName: "endpointHealthBadge"
                            tone: endpointRow.health === "ok" ? "ok" : endpointRow.health === "idle" ? "neutral"
                                : endpointRow.health === "degraded" ? "busy" : "error"
                            text: Texts.health(endpointRow.health)
                            Layout.preferredWidth: 140
                        }
                        Label {
                            text: endpointRow.name
                            font.bold: true
                            Layout.preferredWidth: 220
                            elide: Text.ElideRight
                        }
                        Label {
                            text: qsTr("%n request(s)", "", endpointRow.requests)
                            Layout.preferredWidth: 140
                        }
                        Label {
                            text: qsTr("errors %1 %").arg((endpointRow.errorRate * 100).toFixed(1))
                            Layout.preferredWidth: 120
                        }
                        Label {
                            text: endpointRow.p95 >= 0 ? qsTr("p95 %1 ms").arg(Math.round(endpointRow.p95)) : ""
                            Layout.fillWidth: true
                        }
                    }
                }
            }

            SectionCard {
                title: qsTr("Gateway")
                Layout.fillWidth: true

                GridLayout {
                    columns: 4
                    columnSpacing: Theme.margin
                    rowSpacing: Theme.spacing
                    Layout.fillWidth: true

                    FieldLabel { text: qsTr("Version") }
                    Label {
                        objectName: "gatewayVersion"
                        text: page.connection.gatewayName + " " + page.connection.gatewayVersion
                        Layout.fillWidth: true
                    }
                    FieldLabel { text: qsTr("Client address") }
                    Label {
                        objectName: "gatewayListen"
                        text: page.connection.gatewayListen
                        Layout.fillWidth: true
                    }
                    FieldLabel { text: qsTr("Admin API") }
                    Label { text: page.connection.adminUrl }
                    FieldLabel { text: qsTr("Worker threads") }
                    Label { text: page.connection.gatewayWorkers }
                    FieldLabel { text: qsTr("Mode") }
                    Label {
                        text: page.connection.embedded ? qsTr("Embedded: runs inside this console")
                                                       : qsTr("Remote")
                    }
                    FieldLabel { text: qsTr("Console") }
                    Label { text: qsTr("Airlock console %1").arg(Console.consoleVersion) }
                }
            }
            Item { implicitHeight: Theme.spacing }
        }
    }
}
