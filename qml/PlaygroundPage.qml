import QtQml
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Airlock.Console
import Airlock.Console.Components

// The prompt playground: a feature, a model (or two side by side), code with a cursor marker; the exact
// prompt Airlock would send, highlighted; a run through the gateway with the answer streaming in; the
// prompt template, editable and saved as the model's override.
Page {
    id: page

    readonly property PlaygroundController playground: Console.playground
    readonly property ConfigController config: Console.config
    readonly property var featureIds: config.features.count >= 0 ? config.features.featureIds() : []
    readonly property bool needsInstruction: playground.feature !== "code_completions"
    readonly property string syntax: Console.highlighterAvailable ? highlighterSyntax.syntaxFor(playground.language) : "Plain"

    title: qsTr("Playground")

    // Only for its syntaxFor() helper.
    CodeHighlighter { id: highlighterSyntax }

    // The prompt follows the inputs: re-rendered shortly after any change (rendering never calls the model).
    Timer {
        id: renderTimer
        interval: 400
        onTriggered: if (page.playground.left.model.length > 0) page.playground.render("")
    }
    Connections {
        target: page.playground
        function onInputChanged() { renderTimer.restart() }
    }
    Connections {
        target: page.playground.left
        function onChanged() {
            const side = page.playground.left
            if (side.prompt.length === 0 && !side.running && side.errorMessage.length === 0)
                renderTimer.restart()
        }
    }

    component SideResult: ColumnLayout {
        id: result
        required property PlaygroundSide side
        required property string syntax
        spacing: Theme.spacing

        CodeHighlighter {
            id: answerHighlighter
            syntax: result.syntax
            dark: Theme.dark
            text: result.side.finished ? result.side.answer : ""
        }
        RowLayout {
            spacing: Theme.margin
            Label { text: result.side.model; font.bold: true }
            Label {
                text: result.side.firstTokenMs >= 0 ? qsTr("first token %1 ms").arg(result.side.firstTokenMs) : ""
            }
            Label { text: result.side.totalMs >= 0 ? qsTr("total %1 ms").arg(result.side.totalMs) : "" }
            Label {
                text: result.side.totalMs >= 0 ? qsTr("%1 tokens/s").arg(result.side.tokensPerSecond.toFixed(1)) : ""
            }
            BusyIndicator {
                running: result.side.running
                visible: running
                implicitWidth: 24
                implicitHeight: 24
            }
        }
        ErrorBanner {
            text: result.side.errorMessage
            Layout.fillWidth: true
        }
        CodeView {
            text: result.side.finished && answerHighlighter.highlighted ? answerHighlighter.html : result.side.answer
            rich: result.side.finished && answerHighlighter.highlighted
            accessibleName: qsTr("Answer of %1").arg(result.side.model)
            Layout.fillWidth: true
            Layout.fillHeight: true
        }
    }

    component SidePrompt: ColumnLayout {
        id: prompt
        required property PlaygroundSide side
        required property string syntax
        spacing: Theme.spacing

        CodeHighlighter {
            id: promptHighlighter
            syntax: prompt.syntax
            dark: Theme.dark
            text: prompt.side.prompt
        }
        RowLayout {
            spacing: Theme.margin
            Label { text: prompt.side.model; font.bold: true }
            Label {
                text: prompt.side.api === "chat" ? qsTr("chat messages → /v1/chat/completions")
                                                 : prompt.side.api.length > 0 ? qsTr("prompt → /v1/completions") : ""
                opacity: 0.7
            }
            Label { text: prompt.side.api.length > 0 ? qsTr("≈ %n token(s)", "", prompt.side.promptTokens) : ""; opacity: 0.7 }
            Label {
                text: prompt.side.truncated ? qsTr("cut to the model's budget") : ""
                color: Theme.warning
            }
        }
        ErrorBanner {
            text: prompt.side.errorMessage
            Layout.fillWidth: true
        }
        CodeView {
            text: promptHighlighter.html
            accessibleName: qsTr("Prompt for %1").arg(prompt.side.model)
            Layout.fillWidth: true
            Layout.fillHeight: true
        }
    }

    SplitView {
        anchors.fill: parent
        anchors.margins: Theme.margin

        ColumnLayout {
            SplitView.preferredWidth: 440
            SplitView.minimumWidth: 340
            spacing: Theme.spacing

            PageHeader { title: page.title }

            GridLayout {
                columns: 2
                columnSpacing: Theme.spacing * 2
                rowSpacing: Theme.spacing
                Layout.fillWidth: true
                Layout.rightMargin: Theme.spacing

                FieldLabel { text: qsTr("Feature") }
                ComboBox {
                    objectName: "playgroundFeatureBox"
                    model: page.featureIds
                    currentIndex: page.featureIds.indexOf(page.playground.feature)
                    // names, not featureName(): the binding follows a language switch.
                    displayText: page.config.features.names[currentText] ?? currentText
                    Accessible.name: qsTr("Feature")
                    Layout.fillWidth: true
                    delegate: ItemDelegate {
                        id: featureChoice
                        required property string modelData
                        required property int index
                        width: ListView.view ? ListView.view.width : implicitWidth
                        text: Console.config.features.names[featureChoice.modelData] ?? featureChoice.modelData
                    }
                    onActivated: (i) => page.playground.feature = page.featureIds[i]
                }
                FieldLabel { text: qsTr("Model") }
                ComboBox {
                    id: modelBox
                    model: page.config.modelNames
                    Accessible.name: qsTr("Model")
                    Layout.fillWidth: true
                    onCurrentTextChanged: page.playground.left.model = currentText
                }
                CheckBox {
                    id: compareBox
                    text: qsTr("Compare with")
                    checked: page.playground.compare
                    onToggled: page.playground.compare = checked
                }
                ComboBox {
                    id: modelBBox
                    model: page.config.modelNames
                    enabled: compareBox.checked
                    Accessible.name: qsTr("Second model")
                    Layout.fillWidth: true
                    onCurrentTextChanged: page.playground.right.model = currentText
                }
                FieldLabel { text: qsTr("File name") }
                TextField {
                    placeholderTextColor: Theme.systemPalette.placeholderText
                    text: page.playground.fileName
                    selectByMouse: true
                    Accessible.name: qsTr("File name")
                    Layout.fillWidth: true
                    onTextEdited: page.playground.fileName = text
                }
                FieldLabel { text: qsTr("Language") }
                TextField {
                    placeholderTextColor: Theme.systemPalette.placeholderText
                    text: page.playground.language
                    selectByMouse: true
                    Accessible.name: qsTr("Language")
                    Layout.fillWidth: true
                    onTextEdited: page.playground.language = text
                }
                FieldLabel { text: qsTr("Instruction"); visible: page.needsInstruction }
                TextField {
                    placeholderTextColor: Theme.systemPalette.placeholderText
                    visible: page.needsInstruction
                    text: page.playground.instruction
                    placeholderText: qsTr("What the user asks for")
                    selectByMouse: true
                    Accessible.name: qsTr("Instruction")
                    Layout.fillWidth: true
                    onTextEdited: page.playground.instruction = text
                }
            }

            RowLayout {
                spacing: Theme.spacing
                Layout.fillWidth: true
                FieldLabel { text: qsTr("Code"); Layout.fillWidth: true }
                Button {
                    text: qsTr("Put the cursor marker here")
                    flat: true
                    onClicked: {
                        const marker = page.playground.cursorMarker
                        const at = codeArea.cursorPosition
                        const text = codeArea.text.replace(marker, "")
                        const pos = Math.min(at, text.length)
                        page.playground.code = text.slice(0, pos) + marker + text.slice(pos)
                        codeArea.forceActiveFocus()
                    }
                }
            }
            ScrollView {
                Layout.fillWidth: true
                Layout.fillHeight: true
                Layout.rightMargin: Theme.spacing
                TextArea {
                    id: codeArea
                    placeholderTextColor: Theme.systemPalette.placeholderText
                    text: page.playground.code
                    font.family: Theme.monoFont
                    selectByMouse: true
                    wrapMode: TextEdit.NoWrap
                    Accessible.name: qsTr("Code; %1 marks the cursor").arg(page.playground.cursorMarker)
                    onTextChanged: if (text !== page.playground.code) page.playground.code = text
                    background: Rectangle {
                        color: Theme.codeBackground
                        border.color: codeArea.activeFocus ? Theme.accent : Theme.cardBorder
                        radius: Theme.radius
                    }
                    KeyNavigation.priority: KeyNavigation.BeforeItem
                    KeyNavigation.tab: showButton
                }
            }
            Label {
                text: qsTr("%1 marks the cursor: the code above it is the prefix, below it the suffix.").arg(page.playground.cursorMarker)
                opacity: 0.7
                wrapMode: Text.Wrap
                font.pixelSize: Theme.smallSize
                Layout.fillWidth: true
            }
            RowLayout {
                spacing: Theme.spacing
                Button {
                    id: showButton
                    text: qsTr("Show prompt")
                    onClicked: {
                        page.playground.render("")
                        tabs.currentIndex = 0
                    }
                }
                Button {
                    text: qsTr("Run")
                    highlighted: true
                    enabled: !page.playground.left.running
                    onClicked: {
                        page.playground.run()
                        tabs.currentIndex = 1
                    }
                }
                Button {
                    text: qsTr("Stop")
                    enabled: page.playground.left.running || page.playground.right.running
                    onClicked: page.playground.stop()
                }
            }
            ErrorBanner {
                text: page.playground.errorMessage
                Layout.fillWidth: true
                Layout.rightMargin: Theme.spacing
            }
            Label {
                text: page.playground.statusMessage
                visible: text.length > 0
                opacity: 0.8
            }
        }

        ColumnLayout {
            SplitView.fillWidth: true
            spacing: Theme.spacing

            TabBar {
                id: tabs
                Layout.fillWidth: true
                TabButton { text: qsTr("Prompt") }
                TabButton { text: qsTr("Answer") }
                TabButton { text: qsTr("Template") }
            }
            Label {
                text: qsTr("Syntax highlighting is off: install kate-syntax-highlighter (package libkf5syntaxhighlighting-tools).")
                visible: !Console.highlighterAvailable
                opacity: 0.7
                font.pixelSize: Theme.smallSize
            }
            StackLayout {
                currentIndex: tabs.currentIndex
                Layout.fillWidth: true
                Layout.fillHeight: true

                RowLayout {
                    spacing: Theme.margin
                    SidePrompt { side: page.playground.left; syntax: page.syntax; Layout.fillWidth: true; Layout.fillHeight: true }
                    SidePrompt {
                        side: page.playground.right
                        syntax: page.syntax
                        visible: page.playground.compare
                        Layout.fillWidth: true
                        Layout.fillHeight: true
                    }
                }
                RowLayout {
                    spacing: Theme.margin
                    SideResult { side: page.playground.left; syntax: page.syntax; Layout.fillWidth: true; Layout.fillHeight: true }
                    SideResult {
                        side: page.playground.right
                        syntax: page.syntax
                        visible: page.playground.compare
                        Layout.fillWidth: true
                        Layout.fillHeight: true
                    }
                }
                ColumnLayout {
                    spacing: Theme.spacing
                    RowLayout {
                        spacing: Theme.margin
                        Label {
                            text: page.playground.templateSource === "override" ? qsTr("The override of %1 is in force.").arg(page.playground.left.model)
                                : page.playground.templateSource === "preview" ? qsTr("Previewing an unsaved template.")
                                : page.playground.templateSource.length > 0 ? qsTr("The built-in template is in force.")
                                : qsTr("Show the prompt to load the template.")
                            Layout.fillWidth: true
                        }
                    }
                    ScrollView {
                        Layout.fillWidth: true
                        Layout.fillHeight: true
                        TextArea {
                            id: templateArea
                            placeholderTextColor: Theme.systemPalette.placeholderText
                            text: page.playground.templateText
                            font.family: Theme.monoFont
                            selectByMouse: true
                            wrapMode: TextEdit.Wrap
                            Accessible.name: qsTr("Prompt template")
                            background: Rectangle {
                                color: Theme.codeBackground
                                border.color: templateArea.activeFocus ? Theme.accent : Theme.cardBorder
                                radius: Theme.radius
                            }
                        }
                    }
                    Label {
                        text: qsTr("Placeholders: {prefix} {suffix} {instruction} {language} {file_name} {system}")
                        opacity: 0.7
                        font.pixelSize: Theme.smallSize
                    }
                    RowLayout {
                        spacing: Theme.spacing
                        Button {
                            text: qsTr("Preview")
                            onClicked: {
                                page.playground.render(templateArea.text)
                                tabs.currentIndex = 0
                            }
                        }
                        Button {
                            text: qsTr("Save as override")
                            highlighted: true
                            enabled: templateArea.text.length > 0 && page.playground.left.model.length > 0
                            onClicked: page.playground.saveTemplate(templateArea.text)
                        }
                        Button {
                            text: qsTr("Back to built-in")
                            enabled: page.playground.templateSource === "override"
                            onClicked: page.playground.revertTemplate()
                        }
                        Button {
                            text: qsTr("Reset editor")
                            flat: true
                            onClicked: templateArea.text = page.playground.builtInTemplate
                        }
                    }
                }
            }
        }
    }
}
