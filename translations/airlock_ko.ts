<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ko_KR">
<context>
    <name>Main</name>
    <message>
        <source>Airlock — %1</source>
        <translation>Airlock — %1</translation>
    </message>
    <message>
        <source>Airlock</source>
        <translation>Airlock</translation>
    </message>
    <message>
        <source>Admin console</source>
        <translation>관리 콘솔</translation>
    </message>
    <message>
        <source>Connected (embedded gateway)</source>
        <translation>연결됨 (내장 게이트웨이)</translation>
    </message>
    <message>
        <source>Connected</source>
        <translation>연결됨</translation>
    </message>
    <message>
        <source>Connecting…</source>
        <translation>연결 중…</translation>
    </message>
    <message>
        <source>Not connected</source>
        <translation>연결되지 않음</translation>
    </message>
    <message>
        <source>Disconnected</source>
        <translation>연결 끊김</translation>
    </message>
    <message>
        <source>Stop gateway</source>
        <translation>게이트웨이 중지</translation>
    </message>
    <message>
        <source>Disconnect</source>
        <translation>연결 끊기</translation>
    </message>
</context>
<context>
    <name>OverviewPage</name>
    <message>
        <source>Overview</source>
        <translation>개요</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>새로 고침</translation>
    </message>
    <message>
        <source>Gateway</source>
        <translation>게이트웨이</translation>
    </message>
    <message>
        <source>Version</source>
        <translation>버전</translation>
    </message>
    <message>
        <source>Client address</source>
        <translation>클라이언트 주소</translation>
    </message>
    <message>
        <source>Admin API</source>
        <translation>관리 API</translation>
    </message>
    <message>
        <source>Worker threads</source>
        <translation>작업 스레드</translation>
    </message>
    <message>
        <source>Mode</source>
        <translation>모드</translation>
    </message>
    <message>
        <source>Embedded: runs inside this console</source>
        <translation>내장: 이 콘솔 안에서 실행됨</translation>
    </message>
    <message>
        <source>Remote</source>
        <translation>원격</translation>
    </message>
    <message>
        <source>Airlock console %1</source>
        <translation>Airlock 콘솔 %1</translation>
    </message>
</context>
<context>
    <name>WelcomePage</name>
    <message>
        <source>Connect to a gateway</source>
        <translation>게이트웨이에 연결</translation>
    </message>
    <message>
        <source>Enter the address of the gateway&apos;s admin API and its admin token.</source>
        <translation>게이트웨이 관리 API의 주소와 관리 토큰을 입력하세요.</translation>
    </message>
    <message>
        <source>Admin API URL</source>
        <translation>관리 API URL</translation>
    </message>
    <message>
        <source>Admin token</source>
        <translation>관리 토큰</translation>
    </message>
    <message>
        <source>Bearer token from the gateway&apos;s data directory</source>
        <translation>게이트웨이 데이터 디렉터리에 있는 Bearer 토큰</translation>
    </message>
    <message>
        <source>Connect</source>
        <translation>연결</translation>
    </message>
    <message>
        <source>Connecting to %1…</source>
        <translation>%1에 연결 중…</translation>
    </message>
    <message>
        <source>No gateway yet?</source>
        <translation>아직 게이트웨이가 없나요?</translation>
    </message>
    <message>
        <source>Run a gateway inside this console for a single machine. It listens on 127.0.0.1 only and stops when you close the console.</source>
        <translation>이 콘솔 안에서 단일 컴퓨터용 게이트웨이를 실행합니다. 127.0.0.1에서만 수신하며 콘솔을 닫으면 중지됩니다.</translation>
    </message>
    <message>
        <source>Run gateway on this computer</source>
        <translation>이 컴퓨터에서 게이트웨이 실행</translation>
    </message>
</context>
<context>
    <name>airlock::ConnectionController</name>
    <message>
        <source>The gateway rejected the admin token: %1</source>
        <translation>게이트웨이가 관리 토큰을 거부했습니다: %1</translation>
    </message>
    <message>
        <source>Cannot reach the gateway at %1: %2</source>
        <translation>%1의 게이트웨이에 연결할 수 없습니다: %2</translation>
    </message>
    <message>
        <source>The gateway answered HTTP %1: %2</source>
        <translation>게이트웨이가 HTTP %1 응답을 보냈습니다: %2</translation>
    </message>
    <message>
        <source>&quot;%1&quot; is not a gateway admin URL (expected http://host:port).</source>
        <translation>&quot;%1&quot;은(는) 게이트웨이 관리 URL이 아닙니다 (예: http://host:port).</translation>
    </message>
    <message>
        <source>Enter the gateway&apos;s admin token.</source>
        <translation>게이트웨이의 관리 토큰을 입력하세요.</translation>
    </message>
    <message>
        <source>Cannot create the data directory %1.</source>
        <translation>데이터 디렉터리 %1을(를) 만들 수 없습니다.</translation>
    </message>
    <message>
        <source>The embedded gateway did not start: %1</source>
        <translation>내장 게이트웨이를 시작하지 못했습니다: %1</translation>
    </message>
</context>
</TS>
