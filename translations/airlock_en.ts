<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US">
<context>
    <name>Main</name>
    <message>
        <source>Airlock — %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Airlock</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Admin console</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Connected (embedded gateway)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Connected</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Connecting…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not connected</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Disconnected</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Stop gateway</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Disconnect</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>OverviewPage</name>
    <message>
        <source>Overview</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Gateway</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Version</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Client address</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Admin API</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Worker threads</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Mode</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Embedded: runs inside this console</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Remote</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Airlock console %1</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>WelcomePage</name>
    <message>
        <source>Connect to a gateway</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Enter the address of the gateway&apos;s admin API and its admin token.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Admin API URL</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Admin token</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Bearer token from the gateway&apos;s data directory</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Connect</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Connecting to %1…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No gateway yet?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Run a gateway inside this console for a single machine. It listens on 127.0.0.1 only and stops when you close the console.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Run gateway on this computer</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>airlock::ConnectionController</name>
    <message>
        <source>The gateway rejected the admin token: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot reach the gateway at %1: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The gateway answered HTTP %1: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&quot;%1&quot; is not a gateway admin URL (expected http://host:port).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Enter the gateway&apos;s admin token.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot create the data directory %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The embedded gateway did not start: %1</source>
        <translation type="unfinished"></translation>
    </message>
</context>
</TS>
