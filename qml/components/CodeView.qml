import QtQuick
import QtQuick.Controls

// Read-only code or rich text (HTML from CodeHighlighter) in a scrollable, selectable, focusable box.
ScrollView {
    id: view

    property alias text: area.text
    property bool rich: true
    property string accessibleName

    clip: true
    background: Rectangle {
        color: Theme.codeBackground
        border.color: view.activeFocus || area.activeFocus ? Theme.accent : Theme.cardBorder
        radius: Theme.radius
    }

    TextArea {
        id: area
        readOnly: true
        selectByMouse: true
        selectByKeyboard: true
        textFormat: view.rich ? TextEdit.RichText : TextEdit.PlainText
        font.family: Theme.monoFont
        wrapMode: TextEdit.Wrap
        background: null
        activeFocusOnTab: true
        Accessible.name: view.accessibleName
    }
}
