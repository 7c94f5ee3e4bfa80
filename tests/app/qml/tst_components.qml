import QtQuick
import QtTest
import Airlock.Console.Components

// Qt Quick Tests of the shared components (module Airlock.Console.Components).
Item {
    id: root
    width: 640
    height: 480

    StatusBadge { id: badge; text: "Connected"; tone: "ok" }
    StageBadge { id: stage; stage: "beta" }
    ErrorBanner { id: banner; width: 300 }
    WarningBanner { id: warning; width: 300 }
    PageHeader { id: header; title: "Models"; subtitle: "" }
    CodeView { id: code; width: 300; height: 100; text: "<pre>x</pre>" }
    StatTile { id: tile; label: "Requests/s"; value: "1.5"; width: 200; height: 150 }

    TestCase {
        name: "Components"
        when: windowShown

        function test_statusBadgeColours() {
            badge.tone = "ok"
            compare(badge.children[0].color, Theme.ok)
            badge.tone = "error"
            compare(badge.children[0].color, Theme.error)
            badge.tone = "busy"
            compare(badge.children[0].color, Theme.busy)
            badge.tone = "anything else"
            compare(badge.children[0].color, Theme.neutral)
        }

        function test_stageBadge_data() {
            return [
                { tag: "ga", stage: "ga", text: "GA" },
                { tag: "beta", stage: "beta", text: "Beta" },
                { tag: "experiment", stage: "experiment", text: "Experiment" },
            ]
        }
        function test_stageBadge(data) {
            stage.stage = data.stage
            compare(stage.text, data.text)
            verify(stage.Accessible.name.indexOf(data.text) >= 0)
        }

        function test_bannersHideWhenEmpty() {
            banner.text = ""
            verify(!banner.visible)
            banner.text = "Cannot reach the gateway"
            verify(banner.visible)
            compare(banner.Accessible.name, "Cannot reach the gateway")
            warning.text = ""
            verify(!warning.visible)
            warning.text = "careful"
            verify(warning.visible)
        }

        function test_pageHeaderSubtitleHidden() {
            compare(header.title, "Models")
            header.subtitle = ""
            tryVerify(() => header.implicitHeight > 0)
            waitForRendering(header)
            const h = header.implicitHeight
            header.subtitle = "More text"
            tryVerify(() => header.implicitHeight > h)
        }

        function test_codeViewIsReadOnlyAndFocusable() {
            code.forceActiveFocus()
            keyClick(Qt.Key_Tab)
            verify(code.text.indexOf("x") >= 0)
        }

        function test_statTileAccessibleName() {
            compare(tile.Accessible.name, "Requests/s: 1.5")
        }

        function test_utilPrepend() {
            compare(Util.prepend("disabled", ["a", "b"]), ["disabled", "a", "b"])
            compare(Util.prepend("", []), [""])
        }

        function test_themeFollowsPalette() {
            compare(Theme.dark, Theme.systemPalette.window.hslLightness < 0.5)
            verify(Theme.accent !== Theme.error)
        }
    }
}
