<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US">
<context>
    <name>FeaturesPage</name>
    <message>
        <source>Features</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Choose the model endpoint that serves each GitLab Duo feature. Changes apply to new requests at once.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Add a model endpoint on the Models page first.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Feature</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Stage</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Model endpoint</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Flag</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Notes</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Disabled</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Model endpoint for %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Flag %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>⚠ The %1 family is not known to suit this feature.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Turned off by its flag.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>%1 + route</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Route: split and fallbacks…</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Route of %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>The first tier takes the traffic, split by weight. A later tier is used only when no model of the tiers before it can take a request. A single model with no fallback is saved as a plain assignment.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Save route</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Cancel</source>
        <translation type="unfinished" />
    </message>
</context>
<context>
    <name>LogsPage</name>
    <message>
        <source>Logs</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Not live</source>
        <translation type="unfinished" />
    </message>
    <message numerus="yes">
        <source>Paused (%n new)</source>
        <translation>
            <numerusform>Paused (%n new)</numerusform>
            <numerusform>Paused (%n new)</numerusform>
        </translation>
    </message>
    <message>
        <source>Live</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Resume</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Pause</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Feature</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>All features</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Feature filter</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Model</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>All models</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Model filter</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Errors only</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Time</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Status</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Time (ms)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>No requests yet. They appear here as clients use the gateway.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Requests</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Select a request to see it in full.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Request</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>User</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Tokens</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>%1 in, %2 out</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Time to first byte</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>%1 ms</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Bodies were not captured for this request (Settings → Request log).</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Request body</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Answer</source>
        <translation type="unfinished" />
    </message>
</context>
<context>
    <name>Main</name>
    <message>
        <source>Airlock — %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Airlock</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Admin console</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Connected (embedded gateway)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Connected</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Connecting…</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Not connected</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Disconnected</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Stop gateway</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Disconnect</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Pages</source>
        <translation type="unfinished" />
    </message>
</context>
<context>
    <name>ModelsPage</name>
    <message>
        <source>Models</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Add</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>No model endpoint yet. Fill in the form to add your first one.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Model endpoints</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Edit %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>New model endpoint</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Name</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>codestral-a</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Family</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Base URL</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Served identifier</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>The model id the server serves, e.g. codestral-22b</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>API key</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Optional; never shown again</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Concurrent requests</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Connect timeout (ms)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>First byte timeout (ms)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Idle timeout (ms)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Total timeout (ms)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Save</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Add model</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Test connection</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Remove</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Saved.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Connection test</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Testing…</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>%1 ms</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>All checks passed.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>The endpoint is not usable yet.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Remove %1?</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Features assigned to it are disabled.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Leave empty to keep the stored key</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Replicas (base URL, weight)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Replica health</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>The gateway reports no replica of this endpoint yet.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>%1 in flight</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>first byte %1 ms</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>back in %1 s</source>
        <translation type="unfinished" />
    </message>
</context>
<context>
    <name>OverviewPage</name>
    <message>
        <source>Overview</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Refresh</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Gateway</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Version</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Client address</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Admin API</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Worker threads</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Mode</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Embedded: runs inside this console</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Remote</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Airlock console %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>The last 30 minutes, updated every 5 seconds.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Requests/s</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Latency p50</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>%1 ms</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Latency p95</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Error rate</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>%1 %</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Tokens</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Model endpoints</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>No model endpoint yet: add one on the Models page.</source>
        <translation type="unfinished" />
    </message>
    <message numerus="yes">
        <source>%n request(s)</source>
        <translation>
            <numerusform>%n request</numerusform>
            <numerusform>%n requests</numerusform>
        </translation>
    </message>
    <message>
        <source>errors %1 %</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>p95 %1 ms</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Console</source>
        <translation type="unfinished" />
    </message>
</context>
<context>
    <name>PlaygroundPage</name>
    <message>
        <source>Playground</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>first token %1 ms</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>total %1 ms</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>%1 tokens/s</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Answer of %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>chat messages → /v1/chat/completions</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>prompt → /v1/completions</source>
        <translation type="unfinished" />
    </message>
    <message numerus="yes">
        <source>≈ %n token(s)</source>
        <translation>
            <numerusform>≈ %n token</numerusform>
            <numerusform>≈ %n tokens</numerusform>
        </translation>
    </message>
    <message>
        <source>cut to the model's budget</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Prompt for %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Feature</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Model</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Compare with</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Second model</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>File name</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Language</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Instruction</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>What the user asks for</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Code</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Put the cursor marker here</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Code; %1 marks the cursor</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>%1 marks the cursor: the code above it is the prefix, below it the suffix.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Show prompt</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Run</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Stop</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Prompt</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Answer</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Template</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Syntax highlighting is off: install kate-syntax-highlighter (package libkf5syntaxhighlighting-tools).</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>The override of %1 is in force.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Previewing an unsaved template.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>The built-in template is in force.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Show the prompt to load the template.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Prompt template</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Placeholders: {prefix} {suffix} {instruction} {language} {file_name} {system}</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Preview</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Save as override</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Back to built-in</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Reset editor</source>
        <translation type="unfinished" />
    </message>
</context>
<context>
    <name>ReplicaListEditor</name>
    <message>
        <source>Base URL of replica %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Weight of replica %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>%1 %</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Remove replica %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Add replica</source>
        <translation type="unfinished" />
    </message>
</context>
<context>
    <name>RouteEditor</name>
    <message>
        <source>No tier: the feature is disabled. Add a tier to route it.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Tier %1 · takes the traffic</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Tier %1 · fallback</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Move tier %1 up</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Move tier %1 down</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Remove tier %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Choose a model</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Model %1 of tier %2</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Weight of model %1 of tier %2</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>%1 %</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Remove model %1 of tier %2</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Add model to this tier</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Add tier</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Add fallback tier</source>
        <translation type="unfinished" />
    </message>
</context>
<context>
    <name>SettingsPage</name>
    <message>
        <source>Settings</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Listeners and TLS</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Client address</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>TLS on</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>plain HTTP</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Admin API</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Client authentication</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Disabled: any client may use the gateway</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Required</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Reload TLS certificates</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Request log</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Keep request and answer bodies</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Bodies hold source code: keep them only where your policy allows.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Keep records for (days, 0 = forever)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Retention in days</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Save</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Language</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Fixed when the gateway starts: change them with airlockd's options below, then restart it (for the service: sudo systemctl edit airlockd, then sudo systemctl restart airlockd). They apply at the next start.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Setting</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Now</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>airlockd option</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Client TLS</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Admin API TLS</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>The options it runs with now</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Copy</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Copy the options</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Certificates renewed in the same files can be loaded without a restart:</source>
        <translation type="unfinished" />
    </message>
</context>
<context>
    <name>StageBadge</name>
    <message>
        <source>GA</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Beta</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Experiment</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Stage: %1</source>
        <translation type="unfinished" />
    </message>
</context>
<context>
    <name>Texts</name>
    <message>
        <source>Healthy</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Degraded</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Failing</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>No traffic</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Server reachable</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>TLS handshake</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>/v1/models lists the identifier</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>A tiny completion</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Request to the gateway</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>passed</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>skipped</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>warning</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>failed</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Overview</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Models</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Features</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Tokens &amp; trust</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Logs</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Playground</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Settings</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>1 day</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>7 days</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>30 days</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>90 days</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>1 year</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Ejected</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Down</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Not ready</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Probing…</source>
        <translation type="unfinished" />
    </message>
</context>
<context>
    <name>TokensPage</name>
    <message>
        <source>Tokens &amp; trust</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Keys fetched</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Fetching keys…</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Cannot fetch its keys</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>No keys yet</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Not configured</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Refresh</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>GitLab instance</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>GitLab instance URL</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Save</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Airlock's signing keys</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Active</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Retired</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Rotate keys</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Issue a client token</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Subject</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Who uses it, e.g. alice or ci-bot</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Expires in</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Scopes</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Code completion</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Code generation</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Chat</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Description</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Optional</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Issue token</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Copy the token now: it is shown only once.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>New token</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Copy</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Copied</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Done</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Issued tokens</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>No tokens issued yet.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Revoked</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Expired</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Valid</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>until %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Revoke</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Revoke the token of %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Rotate the signing keys?</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>New tokens are signed with a new key; tokens signed with the old one stay valid until they expire.</source>
        <translation type="unfinished" />
    </message>
</context>
<context>
    <name>WelcomePage</name>
    <message>
        <source>Connect to a gateway</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Enter the address of the gateway's admin API and its admin token.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Admin API URL</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Admin token</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Bearer token from the gateway's data directory</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Connect</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Connecting to %1…</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>No gateway yet?</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Run a gateway inside this console for a single machine. It listens on 127.0.0.1 only and stops when you close the console.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Run gateway on this computer</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Saved gateways</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Connect to %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Forget</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Forget %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Remember this gateway (the token goes to the system keychain)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Name, e.g. Production</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Connection name</source>
        <translation type="unfinished" />
    </message>
</context>
<context>
    <name>airlock::ConfigController</name>
    <message>
        <source>Cannot read the feature catalog: %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Cannot read the configuration: %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>The gateway sent a configuration the console cannot read: %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Choose a model family.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>A model endpoint named "%1" exists already.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>The gateway refused the change: %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Give the base URL of at least one server.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>A route needs at least one tier with a model.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Tier %1: choose a model for every target.</source>
        <translation type="unfinished" />
    </message>
</context>
<context>
    <name>airlock::ConnectionController</name>
    <message>
        <source>The gateway rejected the admin token: %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Cannot reach the gateway at %1: %2</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>The gateway answered HTTP %1: %2</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>"%1" is not a gateway admin URL (expected http://host:port).</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Enter the gateway's admin token.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Cannot create the data directory %1.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>The embedded gateway did not start: %1</source>
        <translation type="unfinished" />
    </message>
</context>
<context>
    <name>airlock::LanguageController</name>
    <message>
        <source>System language</source>
        <translation type="unfinished" />
    </message>
</context>
<context>
    <name>airlock::LogsController</name>
    <message>
        <source>Cannot read the request log: %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Cannot read the record: %1</source>
        <translation type="unfinished" />
    </message>
</context>
<context>
    <name>airlock::MetricsController</name>
    <message>
        <source>Cannot read the metrics: %1</source>
        <translation type="unfinished" />
    </message>
</context>
<context>
    <name>airlock::PlaygroundController</name>
    <message>
        <source>Choose a model endpoint first.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Cannot get a client token for the playground: %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Show the prompt first: the run sends exactly that request.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>The gateway's address is not known yet.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Running…</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Stopped.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>HTTP %1: %2</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Done.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>The template was not saved: %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Template saved as the override of %1.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>The template was not reverted: %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Back to the built-in template.</source>
        <translation type="unfinished" />
    </message>
</context>
<context>
    <name>airlock::ReplicaHealthController</name>
    <message>
        <source>Cannot read the replicas' health: %1</source>
        <translation type="unfinished" />
    </message>
</context>
<context>
    <name>airlock::SavedConnections</name>
    <message>
        <source>The token could not be stored in the keychain: %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>No token for %1 in the keychain.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>The keychain could not be read: %1</source>
        <translation type="unfinished" />
    </message>
</context>
<context>
    <name>airlock::SettingsController</name>
    <message>
        <source>Cannot read the request log settings: %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>The settings were not saved: %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Saved.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>The certificates were not reloaded: %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>TLS certificates reloaded.</source>
        <translation type="unfinished" />
    </message>
</context>
<context>
    <name>airlock::TokensController</name>
    <message numerus="yes">
        <source>%n key(s)</source>
        <translation>
            <numerusform>%n key</numerusform>
            <numerusform>%n keys</numerusform>
        </translation>
    </message>
    <message>
        <source>fetched %1</source>
        <translation type="unfinished" />
    </message>
</context>
</TS>