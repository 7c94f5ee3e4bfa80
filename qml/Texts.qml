pragma Singleton
import QtQml

// Display texts for values the gateway sends as codes (shared by pages and their delegates).
QtObject {
    function health(code: string): string {
        switch (code) {
        case "ok": return qsTr("Healthy")
        case "degraded": return qsTr("Degraded")
        case "failing": return qsTr("Failing")
        default: return qsTr("No traffic")
        }
    }
    function testStep(name: string): string {
        switch (name) {
        case "reachable": return qsTr("Server reachable")
        case "tls": return qsTr("TLS handshake")
        case "models": return qsTr("/v1/models lists the identifier")
        case "completion": return qsTr("A tiny completion")
        default: return qsTr("Request to the gateway")
        }
    }
    function testOutcome(ok: bool, skipped: bool): string {
        return ok ? qsTr("passed") : skipped ? qsTr("skipped") : qsTr("failed")
    }
}
