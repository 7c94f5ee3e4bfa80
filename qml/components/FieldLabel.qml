import QtQuick.Controls

// The caption above a form field, or of a value in a key/value grid.
Label {
    font.bold: true
    opacity: 0.8
}
