pragma Singleton
import QtQml

// Display texts for values the gateway sends as codes (shared by pages and their delegates).
// Texts that follow a language switch: the properties are bindings with qsTr(), which the engine's
// retranslate() evaluates again; a delegate reads them by the singleton's name (not through an id
// outside it). The functions' qsTr() calls are recorded as dependencies of the bindings that call them.
QtObject {
    // The pages, in the order of Console.pageNames (the sidebar).
    readonly property var pageTitles: [qsTr("Overview"), qsTr("Models"), qsTr("Features"), qsTr("Tokens & trust"),
                                       qsTr("Logs"), qsTr("Playground"), qsTr("Settings")]
    // Token lifetimes by code (the ttl of POST /api/v1/tokens).
    readonly property var ttlNames: ({ "1d": qsTr("1 day"), "7d": qsTr("7 days"), "30d": qsTr("30 days"),
                                       "90d": qsTr("90 days"), "365d": qsTr("1 year") })

    function health(code: string): string {
        switch (code) {
        case "ok": return qsTr("Healthy")
        case "degraded": return qsTr("Degraded")
        case "failing": return qsTr("Failing")
        default: return qsTr("No traffic")
        }
    }
    // A replica of GET /api/v1/replicas: its routing state, and whether a probe has answered yet.
    function replicaState(state: string, probe: string): string {
        switch (state) {
        case "ejected": return qsTr("Ejected")
        case "dead": return qsTr("Down")
        case "not_ready": return qsTr("Not ready")
        default: return probe === "unknown" ? qsTr("Probing…") : qsTr("Healthy")
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
    function testOutcome(status: string): string {
        switch (status) {
        case "ok": return qsTr("passed")
        case "warning": return qsTr("warning")
        case "skipped": return qsTr("skipped")
        default: return qsTr("failed")
        }
    }
}
