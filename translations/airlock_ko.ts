<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ko_KR">
<context>
    <name>FeaturesPage</name>
    <message>
        <source>Features</source>
        <translation>기능</translation>
    </message>
    <message>
        <source>Choose the model endpoint that serves each GitLab Duo feature. Changes apply to new requests at once.</source>
        <translation>각 GitLab Duo 기능을 처리할 모델 엔드포인트를 선택하세요. 변경 사항은 새 요청에 바로 적용됩니다.</translation>
    </message>
    <message>
        <source>Add a model endpoint on the Models page first.</source>
        <translation>먼저 모델 페이지에서 모델 엔드포인트를 추가하세요.</translation>
    </message>
    <message>
        <source>Feature</source>
        <translation>기능</translation>
    </message>
    <message>
        <source>Stage</source>
        <translation>단계</translation>
    </message>
    <message>
        <source>Model endpoint</source>
        <translation>모델 엔드포인트</translation>
    </message>
    <message>
        <source>Flag</source>
        <translation>플래그</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>참고</translation>
    </message>
    <message>
        <source>Disabled</source>
        <translation>사용 안 함</translation>
    </message>
    <message>
        <source>Model endpoint for %1</source>
        <translation>%1의 모델 엔드포인트</translation>
    </message>
    <message>
        <source>Flag %1</source>
        <translation>플래그 %1</translation>
    </message>
    <message>
        <source>⚠ The %1 family is not known to suit this feature.</source>
        <translation>⚠ %1 계열은 이 기능에 적합한지 확인되지 않았습니다.</translation>
    </message>
    <message>
        <source>Turned off by its flag.</source>
        <translation>플래그로 꺼져 있습니다.</translation>
    </message>
    <message>
        <source>%1 + route</source>
        <translation>%1 + 경로</translation>
    </message>
    <message>
        <source>Route: split and fallbacks…</source>
        <translation>경로: 분할과 대체…</translation>
    </message>
    <message>
        <source>Route of %1</source>
        <translation>%1의 경로</translation>
    </message>
    <message>
        <source>The first tier takes the traffic, split by weight. A later tier is used only when no model of the tiers before it can take a request. A single model with no fallback is saved as a plain assignment.</source>
        <translation>첫 번째 계층이 가중치에 따라 나누어 트래픽을 받습니다. 뒤의 계층은 앞 계층의 어떤 모델도 요청을 받을 수 없을 때만 사용됩니다. 대체 없는 단일 모델은 일반 할당으로 저장됩니다.</translation>
    </message>
    <message>
        <source>Save route</source>
        <translation>경로 저장</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>취소</translation>
    </message>
</context>
<context>
    <name>LogsPage</name>
    <message>
        <source>Logs</source>
        <translation>로그</translation>
    </message>
    <message>
        <source>Not live</source>
        <translation>실시간 아님</translation>
    </message>
    <message numerus="yes">
        <source>Paused (%n new)</source>
        <translation>
            <numerusform>일시 중지됨 (새 항목 %n개)</numerusform>
        </translation>
    </message>
    <message>
        <source>Live</source>
        <translation>실시간</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>계속</translation>
    </message>
    <message>
        <source>Pause</source>
        <translation>일시 중지</translation>
    </message>
    <message>
        <source>Feature</source>
        <translation>기능</translation>
    </message>
    <message>
        <source>All features</source>
        <translation>모든 기능</translation>
    </message>
    <message>
        <source>Feature filter</source>
        <translation>기능 필터</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>모델</translation>
    </message>
    <message>
        <source>All models</source>
        <translation>모든 모델</translation>
    </message>
    <message>
        <source>Model filter</source>
        <translation>모델 필터</translation>
    </message>
    <message>
        <source>Errors only</source>
        <translation>오류만</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>시각</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>상태</translation>
    </message>
    <message>
        <source>Time (ms)</source>
        <translation>시간 (ms)</translation>
    </message>
    <message>
        <source>No requests yet. They appear here as clients use the gateway.</source>
        <translation>아직 요청이 없습니다. 클라이언트가 게이트웨이를 사용하면 여기에 표시됩니다.</translation>
    </message>
    <message>
        <source>Requests</source>
        <translation>요청</translation>
    </message>
    <message>
        <source>Select a request to see it in full.</source>
        <translation>전체 내용을 보려면 요청을 선택하세요.</translation>
    </message>
    <message>
        <source>Request</source>
        <translation>요청</translation>
    </message>
    <message>
        <source>User</source>
        <translation>사용자</translation>
    </message>
    <message>
        <source>Tokens</source>
        <translation>토큰</translation>
    </message>
    <message>
        <source>%1 in, %2 out</source>
        <translation>입력 %1, 출력 %2</translation>
    </message>
    <message>
        <source>Time to first byte</source>
        <translation>첫 바이트까지 시간</translation>
    </message>
    <message>
        <source>%1 ms</source>
        <translation>%1 ms</translation>
    </message>
    <message>
        <source>Bodies were not captured for this request (Settings → Request log).</source>
        <translation>이 요청의 본문은 저장되지 않았습니다 (설정 → 요청 로그).</translation>
    </message>
    <message>
        <source>Request body</source>
        <translation>요청 본문</translation>
    </message>
    <message>
        <source>Answer</source>
        <translation>응답</translation>
    </message>
</context>
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
    <message>
        <source>Pages</source>
        <translation>페이지</translation>
    </message>
</context>
<context>
    <name>ModelsPage</name>
    <message>
        <source>Models</source>
        <translation>모델</translation>
    </message>
    <message>
        <source>Add</source>
        <translation>추가</translation>
    </message>
    <message>
        <source>No model endpoint yet. Fill in the form to add your first one.</source>
        <translation>아직 모델 엔드포인트가 없습니다. 양식을 채워 첫 엔드포인트를 추가하세요.</translation>
    </message>
    <message>
        <source>Model endpoints</source>
        <translation>모델 엔드포인트</translation>
    </message>
    <message>
        <source>Edit %1</source>
        <translation>%1 편집</translation>
    </message>
    <message>
        <source>New model endpoint</source>
        <translation>새 모델 엔드포인트</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>이름</translation>
    </message>
    <message>
        <source>codestral-a</source>
        <translation>codestral-a</translation>
    </message>
    <message>
        <source>Family</source>
        <translation>계열</translation>
    </message>
    <message>
        <source>Base URL</source>
        <translation>기본 URL</translation>
    </message>
    <message>
        <source>Served identifier</source>
        <translation>제공 식별자</translation>
    </message>
    <message>
        <source>The model id the server serves, e.g. codestral-22b</source>
        <translation>서버가 제공하는 모델 ID, 예: codestral-22b</translation>
    </message>
    <message>
        <source>API key</source>
        <translation>API 키</translation>
    </message>
    <message>
        <source>Optional; never shown again</source>
        <translation>선택 사항. 다시 표시되지 않습니다</translation>
    </message>
    <message>
        <source>Concurrent requests</source>
        <translation>동시 요청 수</translation>
    </message>
    <message>
        <source>Connect timeout (ms)</source>
        <translation>연결 제한 시간 (ms)</translation>
    </message>
    <message>
        <source>First byte timeout (ms)</source>
        <translation>첫 바이트 제한 시간 (ms)</translation>
    </message>
    <message>
        <source>Idle timeout (ms)</source>
        <translation>유휴 제한 시간 (ms)</translation>
    </message>
    <message>
        <source>Total timeout (ms)</source>
        <translation>전체 제한 시간 (ms)</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>저장</translation>
    </message>
    <message>
        <source>Add model</source>
        <translation>모델 추가</translation>
    </message>
    <message>
        <source>Test connection</source>
        <translation>연결 테스트</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>제거</translation>
    </message>
    <message>
        <source>Saved.</source>
        <translation>저장했습니다.</translation>
    </message>
    <message>
        <source>Connection test</source>
        <translation>연결 테스트</translation>
    </message>
    <message>
        <source>Testing…</source>
        <translation>테스트 중…</translation>
    </message>
    <message>
        <source>%1 ms</source>
        <translation>%1 ms</translation>
    </message>
    <message>
        <source>All checks passed.</source>
        <translation>모든 검사를 통과했습니다.</translation>
    </message>
    <message>
        <source>The endpoint is not usable yet.</source>
        <translation>이 엔드포인트는 아직 사용할 수 없습니다.</translation>
    </message>
    <message>
        <source>Remove %1?</source>
        <translation>%1을(를) 제거할까요?</translation>
    </message>
    <message>
        <source>Features assigned to it are disabled.</source>
        <translation>여기에 할당된 기능은 사용 안 함으로 바뀝니다.</translation>
    </message>
    <message>
        <source>Leave empty to keep the stored key</source>
        <translation>저장된 키를 유지하려면 비워 두세요</translation>
    </message>
    <message>
        <source>Replicas (base URL, weight)</source>
        <translation>복제본 (기본 URL, 가중치)</translation>
    </message>
    <message>
        <source>Replica health</source>
        <translation>복제본 상태</translation>
    </message>
    <message>
        <source>The gateway reports no replica of this endpoint yet.</source>
        <translation>게이트웨이가 아직 이 엔드포인트의 복제본을 보고하지 않았습니다.</translation>
    </message>
    <message>
        <source>%1 in flight</source>
        <translation>처리 중 %1건</translation>
    </message>
    <message>
        <source>first byte %1 ms</source>
        <translation>첫 바이트 %1 ms</translation>
    </message>
    <message>
        <source>back in %1 s</source>
        <translation>%1초 후 복귀</translation>
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
    <message>
        <source>The last 30 minutes, updated every 5 seconds.</source>
        <translation>최근 30분, 5초마다 갱신됩니다.</translation>
    </message>
    <message>
        <source>Requests/s</source>
        <translation>초당 요청</translation>
    </message>
    <message>
        <source>Latency p50</source>
        <translation>지연 시간 p50</translation>
    </message>
    <message>
        <source>%1 ms</source>
        <translation>%1 ms</translation>
    </message>
    <message>
        <source>Latency p95</source>
        <translation>지연 시간 p95</translation>
    </message>
    <message>
        <source>Error rate</source>
        <translation>오류율</translation>
    </message>
    <message>
        <source>%1 %</source>
        <translation>%1%</translation>
    </message>
    <message>
        <source>Tokens</source>
        <translation>토큰</translation>
    </message>
    <message>
        <source>Model endpoints</source>
        <translation>모델 엔드포인트</translation>
    </message>
    <message>
        <source>No model endpoint yet: add one on the Models page.</source>
        <translation>아직 모델 엔드포인트가 없습니다. 모델 페이지에서 추가하세요.</translation>
    </message>
    <message numerus="yes">
        <source>%n request(s)</source>
        <translation>
            <numerusform>요청 %n개</numerusform>
        </translation>
    </message>
    <message>
        <source>errors %1 %</source>
        <translation>오류 %1%</translation>
    </message>
    <message>
        <source>p95 %1 ms</source>
        <translation>p95 %1 ms</translation>
    </message>
    <message>
        <source>Console</source>
        <translation>콘솔</translation>
    </message>
</context>
<context>
    <name>PlaygroundPage</name>
    <message>
        <source>Playground</source>
        <translation>플레이그라운드</translation>
    </message>
    <message>
        <source>first token %1 ms</source>
        <translation>첫 토큰 %1 ms</translation>
    </message>
    <message>
        <source>total %1 ms</source>
        <translation>전체 %1 ms</translation>
    </message>
    <message>
        <source>%1 tokens/s</source>
        <translation>초당 %1 토큰</translation>
    </message>
    <message>
        <source>Answer of %1</source>
        <translation>%1의 응답</translation>
    </message>
    <message>
        <source>chat messages → /v1/chat/completions</source>
        <translation>채팅 메시지 → /v1/chat/completions</translation>
    </message>
    <message>
        <source>prompt → /v1/completions</source>
        <translation>프롬프트 → /v1/completions</translation>
    </message>
    <message numerus="yes">
        <source>≈ %n token(s)</source>
        <translation>
            <numerusform>약 %n 토큰</numerusform>
        </translation>
    </message>
    <message>
        <source>cut to the model's budget</source>
        <translation>모델 한도에 맞게 잘림</translation>
    </message>
    <message>
        <source>Prompt for %1</source>
        <translation>%1용 프롬프트</translation>
    </message>
    <message>
        <source>Feature</source>
        <translation>기능</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>모델</translation>
    </message>
    <message>
        <source>Compare with</source>
        <translation>비교 대상</translation>
    </message>
    <message>
        <source>Second model</source>
        <translation>두 번째 모델</translation>
    </message>
    <message>
        <source>File name</source>
        <translation>파일 이름</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>언어</translation>
    </message>
    <message>
        <source>Instruction</source>
        <translation>지시문</translation>
    </message>
    <message>
        <source>What the user asks for</source>
        <translation>사용자가 요청하는 내용</translation>
    </message>
    <message>
        <source>Code</source>
        <translation>코드</translation>
    </message>
    <message>
        <source>Put the cursor marker here</source>
        <translation>여기에 커서 표시 넣기</translation>
    </message>
    <message>
        <source>Code; %1 marks the cursor</source>
        <translation>코드. %1은(는) 커서 위치입니다</translation>
    </message>
    <message>
        <source>%1 marks the cursor: the code above it is the prefix, below it the suffix.</source>
        <translation>%1은(는) 커서 위치입니다. 그 앞의 코드는 접두부, 뒤의 코드는 접미부입니다.</translation>
    </message>
    <message>
        <source>Show prompt</source>
        <translation>프롬프트 보기</translation>
    </message>
    <message>
        <source>Run</source>
        <translation>실행</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>중지</translation>
    </message>
    <message>
        <source>Prompt</source>
        <translation>프롬프트</translation>
    </message>
    <message>
        <source>Answer</source>
        <translation>응답</translation>
    </message>
    <message>
        <source>Template</source>
        <translation>템플릿</translation>
    </message>
    <message>
        <source>Syntax highlighting is off: install kate-syntax-highlighter (package libkf5syntaxhighlighting-tools).</source>
        <translation>구문 강조가 꺼져 있습니다. kate-syntax-highlighter(패키지 libkf5syntaxhighlighting-tools)를 설치하세요.</translation>
    </message>
    <message>
        <source>The override of %1 is in force.</source>
        <translation>%1의 재정의 템플릿이 적용 중입니다.</translation>
    </message>
    <message>
        <source>Previewing an unsaved template.</source>
        <translation>저장하지 않은 템플릿을 미리 보는 중입니다.</translation>
    </message>
    <message>
        <source>The built-in template is in force.</source>
        <translation>기본 제공 템플릿이 적용 중입니다.</translation>
    </message>
    <message>
        <source>Show the prompt to load the template.</source>
        <translation>템플릿을 불러오려면 프롬프트를 표시하세요.</translation>
    </message>
    <message>
        <source>Prompt template</source>
        <translation>프롬프트 템플릿</translation>
    </message>
    <message>
        <source>Placeholders: {prefix} {suffix} {instruction} {language} {file_name} {system}</source>
        <translation>자리 표시자: {prefix} {suffix} {instruction} {language} {file_name} {system}</translation>
    </message>
    <message>
        <source>Preview</source>
        <translation>미리 보기</translation>
    </message>
    <message>
        <source>Save as override</source>
        <translation>재정의로 저장</translation>
    </message>
    <message>
        <source>Back to built-in</source>
        <translation>기본 제공으로 되돌리기</translation>
    </message>
    <message>
        <source>Reset editor</source>
        <translation>편집기 초기화</translation>
    </message>
</context>
<context>
    <name>ReplicaListEditor</name>
    <message>
        <source>Base URL of replica %1</source>
        <translation>복제본 %1의 기본 URL</translation>
    </message>
    <message>
        <source>Weight of replica %1</source>
        <translation>복제본 %1의 가중치</translation>
    </message>
    <message>
        <source>%1 %</source>
        <translation>%1 %</translation>
    </message>
    <message>
        <source>Remove replica %1</source>
        <translation>복제본 %1 제거</translation>
    </message>
    <message>
        <source>Add replica</source>
        <translation>복제본 추가</translation>
    </message>
</context>
<context>
    <name>RouteEditor</name>
    <message>
        <source>No tier: the feature is disabled. Add a tier to route it.</source>
        <translation>계층이 없습니다: 기능이 비활성화됩니다. 라우팅하려면 계층을 추가하세요.</translation>
    </message>
    <message>
        <source>Tier %1 · takes the traffic</source>
        <translation>계층 %1 · 트래픽 처리</translation>
    </message>
    <message>
        <source>Tier %1 · fallback</source>
        <translation>계층 %1 · 대체</translation>
    </message>
    <message>
        <source>Move tier %1 up</source>
        <translation>계층 %1 위로 이동</translation>
    </message>
    <message>
        <source>Move tier %1 down</source>
        <translation>계층 %1 아래로 이동</translation>
    </message>
    <message>
        <source>Remove tier %1</source>
        <translation>계층 %1 제거</translation>
    </message>
    <message>
        <source>Choose a model</source>
        <translation>모델 선택</translation>
    </message>
    <message>
        <source>Model %1 of tier %2</source>
        <translation>계층 %2의 모델 %1</translation>
    </message>
    <message>
        <source>Weight of model %1 of tier %2</source>
        <translation>계층 %2의 모델 %1 가중치</translation>
    </message>
    <message>
        <source>%1 %</source>
        <translation>%1 %</translation>
    </message>
    <message>
        <source>Remove model %1 of tier %2</source>
        <translation>계층 %2의 모델 %1 제거</translation>
    </message>
    <message>
        <source>Add model to this tier</source>
        <translation>이 계층에 모델 추가</translation>
    </message>
    <message>
        <source>Add tier</source>
        <translation>계층 추가</translation>
    </message>
    <message>
        <source>Add fallback tier</source>
        <translation>대체 계층 추가</translation>
    </message>
</context>
<context>
    <name>SettingsPage</name>
    <message>
        <source>Settings</source>
        <translation>설정</translation>
    </message>
    <message>
        <source>Listeners and TLS</source>
        <translation>수신 주소와 TLS</translation>
    </message>
    <message>
        <source>Client address</source>
        <translation>클라이언트 주소</translation>
    </message>
    <message>
        <source>TLS on</source>
        <translation>TLS 사용</translation>
    </message>
    <message>
        <source>plain HTTP</source>
        <translation>일반 HTTP</translation>
    </message>
    <message>
        <source>Admin API</source>
        <translation>관리 API</translation>
    </message>
    <message>
        <source>Client authentication</source>
        <translation>클라이언트 인증</translation>
    </message>
    <message>
        <source>Disabled: any client may use the gateway</source>
        <translation>사용 안 함: 모든 클라이언트가 게이트웨이를 사용할 수 있습니다</translation>
    </message>
    <message>
        <source>Required</source>
        <translation>필수</translation>
    </message>
    <message>
        <source>Reload TLS certificates</source>
        <translation>TLS 인증서 다시 불러오기</translation>
    </message>
    <message>
        <source>Request log</source>
        <translation>요청 로그</translation>
    </message>
    <message>
        <source>Keep request and answer bodies</source>
        <translation>요청 및 응답 본문 보관</translation>
    </message>
    <message>
        <source>Bodies hold source code: keep them only where your policy allows.</source>
        <translation>본문에는 소스 코드가 들어 있습니다. 정책이 허용하는 경우에만 보관하세요.</translation>
    </message>
    <message>
        <source>Keep records for (days, 0 = forever)</source>
        <translation>기록 보관 기간 (일, 0 = 영구)</translation>
    </message>
    <message>
        <source>Retention in days</source>
        <translation>보관 기간(일)</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>저장</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>언어</translation>
    </message>
    <message>
        <source>Fixed when the gateway starts: change them with airlockd's options below, then restart it (for the service: sudo systemctl edit airlockd, then sudo systemctl restart airlockd). They apply at the next start.</source>
        <translation>게이트웨이가 시작될 때 정해지는 값입니다. 아래 airlockd 옵션으로 바꾼 뒤 게이트웨이를 다시 시작하세요(서비스로 실행 중이면 sudo systemctl edit airlockd 후 sudo systemctl restart airlockd). 다음 시작부터 적용됩니다.</translation>
    </message>
    <message>
        <source>Setting</source>
        <translation>항목</translation>
    </message>
    <message>
        <source>Now</source>
        <translation>현재 값</translation>
    </message>
    <message>
        <source>airlockd option</source>
        <translation>airlockd 옵션</translation>
    </message>
    <message>
        <source>Client TLS</source>
        <translation>클라이언트 TLS</translation>
    </message>
    <message>
        <source>Admin API TLS</source>
        <translation>관리 API TLS</translation>
    </message>
    <message>
        <source>The options it runs with now</source>
        <translation>지금 실행 중인 옵션</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>복사</translation>
    </message>
    <message>
        <source>Copy the options</source>
        <translation>옵션 복사</translation>
    </message>
    <message>
        <source>Certificates renewed in the same files can be loaded without a restart:</source>
        <translation>같은 파일에서 갱신한 인증서는 다시 시작하지 않고 불러올 수 있습니다:</translation>
    </message>
</context>
<context>
    <name>StageBadge</name>
    <message>
        <source>GA</source>
        <translation>정식</translation>
    </message>
    <message>
        <source>Beta</source>
        <translation>베타</translation>
    </message>
    <message>
        <source>Experiment</source>
        <translation>실험</translation>
    </message>
    <message>
        <source>Stage: %1</source>
        <translation>단계: %1</translation>
    </message>
</context>
<context>
    <name>Texts</name>
    <message>
        <source>Healthy</source>
        <translation>정상</translation>
    </message>
    <message>
        <source>Degraded</source>
        <translation>저하됨</translation>
    </message>
    <message>
        <source>Failing</source>
        <translation>실패 중</translation>
    </message>
    <message>
        <source>No traffic</source>
        <translation>트래픽 없음</translation>
    </message>
    <message>
        <source>Server reachable</source>
        <translation>서버 연결 가능</translation>
    </message>
    <message>
        <source>TLS handshake</source>
        <translation>TLS 핸드셰이크</translation>
    </message>
    <message>
        <source>/v1/models lists the identifier</source>
        <translation>/v1/models에 식별자가 있음</translation>
    </message>
    <message>
        <source>A tiny completion</source>
        <translation>짧은 완성 요청</translation>
    </message>
    <message>
        <source>Request to the gateway</source>
        <translation>게이트웨이 요청</translation>
    </message>
    <message>
        <source>passed</source>
        <translation>통과</translation>
    </message>
    <message>
        <source>skipped</source>
        <translation>건너뜀</translation>
    </message>
    <message>
        <source>warning</source>
        <translation>경고</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>실패</translation>
    </message>
    <message>
        <source>Overview</source>
        <translation>개요</translation>
    </message>
    <message>
        <source>Models</source>
        <translation>모델</translation>
    </message>
    <message>
        <source>Features</source>
        <translation>기능</translation>
    </message>
    <message>
        <source>Tokens &amp; trust</source>
        <translation>토큰 및 신뢰</translation>
    </message>
    <message>
        <source>Logs</source>
        <translation>로그</translation>
    </message>
    <message>
        <source>Playground</source>
        <translation>플레이그라운드</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>설정</translation>
    </message>
    <message>
        <source>1 day</source>
        <translation>1일</translation>
    </message>
    <message>
        <source>7 days</source>
        <translation>7일</translation>
    </message>
    <message>
        <source>30 days</source>
        <translation>30일</translation>
    </message>
    <message>
        <source>90 days</source>
        <translation>90일</translation>
    </message>
    <message>
        <source>1 year</source>
        <translation>1년</translation>
    </message>
    <message>
        <source>Ejected</source>
        <translation>제외됨</translation>
    </message>
    <message>
        <source>Down</source>
        <translation>중단됨</translation>
    </message>
    <message>
        <source>Not ready</source>
        <translation>준비 안 됨</translation>
    </message>
    <message>
        <source>Probing…</source>
        <translation>확인 중…</translation>
    </message>
</context>
<context>
    <name>TokensPage</name>
    <message>
        <source>Tokens &amp; trust</source>
        <translation>토큰 및 신뢰</translation>
    </message>
    <message>
        <source>Keys fetched</source>
        <translation>키를 가져옴</translation>
    </message>
    <message>
        <source>Fetching keys…</source>
        <translation>키를 가져오는 중…</translation>
    </message>
    <message>
        <source>Cannot fetch its keys</source>
        <translation>키를 가져올 수 없음</translation>
    </message>
    <message>
        <source>No keys yet</source>
        <translation>아직 키 없음</translation>
    </message>
    <message>
        <source>Not configured</source>
        <translation>설정되지 않음</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>새로 고침</translation>
    </message>
    <message>
        <source>GitLab instance</source>
        <translation>GitLab 인스턴스</translation>
    </message>
    <message>
        <source>GitLab instance URL</source>
        <translation>GitLab 인스턴스 URL</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>저장</translation>
    </message>
    <message>
        <source>Airlock's signing keys</source>
        <translation>Airlock 서명 키</translation>
    </message>
    <message>
        <source>Active</source>
        <translation>사용 중</translation>
    </message>
    <message>
        <source>Retired</source>
        <translation>폐기됨</translation>
    </message>
    <message>
        <source>Rotate keys</source>
        <translation>키 교체</translation>
    </message>
    <message>
        <source>Issue a client token</source>
        <translation>클라이언트 토큰 발급</translation>
    </message>
    <message>
        <source>Subject</source>
        <translation>주체</translation>
    </message>
    <message>
        <source>Who uses it, e.g. alice or ci-bot</source>
        <translation>사용자, 예: alice 또는 ci-bot</translation>
    </message>
    <message>
        <source>Expires in</source>
        <translation>만료 기간</translation>
    </message>
    <message>
        <source>Scopes</source>
        <translation>범위</translation>
    </message>
    <message>
        <source>Code completion</source>
        <translation>코드 완성</translation>
    </message>
    <message>
        <source>Code generation</source>
        <translation>코드 생성</translation>
    </message>
    <message>
        <source>Chat</source>
        <translation>채팅</translation>
    </message>
    <message>
        <source>Description</source>
        <translation>설명</translation>
    </message>
    <message>
        <source>Optional</source>
        <translation>선택 사항</translation>
    </message>
    <message>
        <source>Issue token</source>
        <translation>토큰 발급</translation>
    </message>
    <message>
        <source>Copy the token now: it is shown only once.</source>
        <translation>지금 토큰을 복사하세요. 한 번만 표시됩니다.</translation>
    </message>
    <message>
        <source>New token</source>
        <translation>새 토큰</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>복사</translation>
    </message>
    <message>
        <source>Copied</source>
        <translation>복사됨</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>완료</translation>
    </message>
    <message>
        <source>Issued tokens</source>
        <translation>발급된 토큰</translation>
    </message>
    <message>
        <source>No tokens issued yet.</source>
        <translation>아직 발급된 토큰이 없습니다.</translation>
    </message>
    <message>
        <source>Revoked</source>
        <translation>폐기됨</translation>
    </message>
    <message>
        <source>Expired</source>
        <translation>만료됨</translation>
    </message>
    <message>
        <source>Valid</source>
        <translation>유효</translation>
    </message>
    <message>
        <source>until %1</source>
        <translation>%1까지</translation>
    </message>
    <message>
        <source>Revoke</source>
        <translation>폐기</translation>
    </message>
    <message>
        <source>Revoke the token of %1</source>
        <translation>%1의 토큰 폐기</translation>
    </message>
    <message>
        <source>Rotate the signing keys?</source>
        <translation>서명 키를 교체할까요?</translation>
    </message>
    <message>
        <source>New tokens are signed with a new key; tokens signed with the old one stay valid until they expire.</source>
        <translation>새 토큰은 새 키로 서명됩니다. 이전 키로 서명된 토큰은 만료될 때까지 유효합니다.</translation>
    </message>
</context>
<context>
    <name>WelcomePage</name>
    <message>
        <source>Connect to a gateway</source>
        <translation>게이트웨이에 연결</translation>
    </message>
    <message>
        <source>Enter the address of the gateway's admin API and its admin token.</source>
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
        <source>Bearer token from the gateway's data directory</source>
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
    <message>
        <source>Saved gateways</source>
        <translation>저장된 게이트웨이</translation>
    </message>
    <message>
        <source>Connect to %1</source>
        <translation>%1에 연결</translation>
    </message>
    <message>
        <source>Forget</source>
        <translation>삭제</translation>
    </message>
    <message>
        <source>Forget %1</source>
        <translation>%1 삭제</translation>
    </message>
    <message>
        <source>Remember this gateway (the token goes to the system keychain)</source>
        <translation>이 게이트웨이 기억하기 (토큰은 시스템 키체인에 저장됩니다)</translation>
    </message>
    <message>
        <source>Name, e.g. Production</source>
        <translation>이름, 예: 운영</translation>
    </message>
    <message>
        <source>Connection name</source>
        <translation>연결 이름</translation>
    </message>
</context>
<context>
    <name>airlock::ConfigController</name>
    <message>
        <source>Cannot read the feature catalog: %1</source>
        <translation>기능 카탈로그를 읽을 수 없습니다: %1</translation>
    </message>
    <message>
        <source>Cannot read the configuration: %1</source>
        <translation>설정을 읽을 수 없습니다: %1</translation>
    </message>
    <message>
        <source>The gateway sent a configuration the console cannot read: %1</source>
        <translation>게이트웨이가 콘솔이 읽을 수 없는 설정을 보냈습니다: %1</translation>
    </message>
    <message>
        <source>Choose a model family.</source>
        <translation>모델 계열을 선택하세요.</translation>
    </message>
    <message>
        <source>A model endpoint named "%1" exists already.</source>
        <translation>"%1"이라는 모델 엔드포인트가 이미 있습니다.</translation>
    </message>
    <message>
        <source>The gateway refused the change: %1</source>
        <translation>게이트웨이가 변경을 거부했습니다: %1</translation>
    </message>
    <message>
        <source>Give the base URL of at least one server.</source>
        <translation>서버를 하나 이상 기본 URL로 지정하세요.</translation>
    </message>
    <message>
        <source>A route needs at least one tier with a model.</source>
        <translation>경로에는 모델이 있는 계층이 하나 이상 필요합니다.</translation>
    </message>
    <message>
        <source>Tier %1: choose a model for every target.</source>
        <translation>계층 %1: 모든 대상에 모델을 선택하세요.</translation>
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
        <source>"%1" is not a gateway admin URL (expected http://host:port).</source>
        <translation>"%1"은(는) 게이트웨이 관리 URL이 아닙니다 (예: http://host:port).</translation>
    </message>
    <message>
        <source>Enter the gateway's admin token.</source>
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
<context>
    <name>airlock::LanguageController</name>
    <message>
        <source>System language</source>
        <translation>시스템 언어</translation>
    </message>
</context>
<context>
    <name>airlock::LogsController</name>
    <message>
        <source>Cannot read the request log: %1</source>
        <translation>요청 로그를 읽을 수 없습니다: %1</translation>
    </message>
    <message>
        <source>Cannot read the record: %1</source>
        <translation>기록을 읽을 수 없습니다: %1</translation>
    </message>
</context>
<context>
    <name>airlock::MetricsController</name>
    <message>
        <source>Cannot read the metrics: %1</source>
        <translation>지표를 읽을 수 없습니다: %1</translation>
    </message>
</context>
<context>
    <name>airlock::PlaygroundController</name>
    <message>
        <source>Choose a model endpoint first.</source>
        <translation>먼저 모델 엔드포인트를 선택하세요.</translation>
    </message>
    <message>
        <source>Cannot get a client token for the playground: %1</source>
        <translation>플레이그라운드용 클라이언트 토큰을 받을 수 없습니다: %1</translation>
    </message>
    <message>
        <source>Show the prompt first: the run sends exactly that request.</source>
        <translation>먼저 프롬프트를 표시하세요. 실행하면 그 요청을 그대로 보냅니다.</translation>
    </message>
    <message>
        <source>The gateway's address is not known yet.</source>
        <translation>게이트웨이 주소를 아직 알 수 없습니다.</translation>
    </message>
    <message>
        <source>Running…</source>
        <translation>실행 중…</translation>
    </message>
    <message>
        <source>Stopped.</source>
        <translation>중지했습니다.</translation>
    </message>
    <message>
        <source>HTTP %1: %2</source>
        <translation>HTTP %1: %2</translation>
    </message>
    <message>
        <source>Done.</source>
        <translation>완료했습니다.</translation>
    </message>
    <message>
        <source>The template was not saved: %1</source>
        <translation>템플릿을 저장하지 못했습니다: %1</translation>
    </message>
    <message>
        <source>Template saved as the override of %1.</source>
        <translation>템플릿을 %1의 재정의로 저장했습니다.</translation>
    </message>
    <message>
        <source>The template was not reverted: %1</source>
        <translation>템플릿을 되돌리지 못했습니다: %1</translation>
    </message>
    <message>
        <source>Back to the built-in template.</source>
        <translation>기본 제공 템플릿으로 되돌렸습니다.</translation>
    </message>
</context>
<context>
    <name>airlock::ReplicaHealthController</name>
    <message>
        <source>Cannot read the replicas' health: %1</source>
        <translation>복제본 상태를 읽을 수 없습니다: %1</translation>
    </message>
</context>
<context>
    <name>airlock::SavedConnections</name>
    <message>
        <source>The token could not be stored in the keychain: %1</source>
        <translation>토큰을 키체인에 저장할 수 없습니다: %1</translation>
    </message>
    <message>
        <source>No token for %1 in the keychain.</source>
        <translation>키체인에 %1의 토큰이 없습니다.</translation>
    </message>
    <message>
        <source>The keychain could not be read: %1</source>
        <translation>키체인을 읽을 수 없습니다: %1</translation>
    </message>
</context>
<context>
    <name>airlock::SettingsController</name>
    <message>
        <source>Cannot read the request log settings: %1</source>
        <translation>요청 로그 설정을 읽을 수 없습니다: %1</translation>
    </message>
    <message>
        <source>The settings were not saved: %1</source>
        <translation>설정을 저장하지 못했습니다: %1</translation>
    </message>
    <message>
        <source>Saved.</source>
        <translation>저장했습니다.</translation>
    </message>
    <message>
        <source>The certificates were not reloaded: %1</source>
        <translation>인증서를 다시 불러오지 못했습니다: %1</translation>
    </message>
    <message>
        <source>TLS certificates reloaded.</source>
        <translation>TLS 인증서를 다시 불러왔습니다.</translation>
    </message>
</context>
<context>
    <name>airlock::TokensController</name>
    <message numerus="yes">
        <source>%n key(s)</source>
        <translation>
            <numerusform>키 %n개</numerusform>
        </translation>
    </message>
    <message>
        <source>fetched %1</source>
        <translation>%1에 가져옴</translation>
    </message>
</context>
</TS>