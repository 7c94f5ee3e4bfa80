// Active health probes against the fake model server over loopback: each server kind's URL and verdict,
// recovery, targets coming and going, probes in flight aborted, the credential sent.

#include "upstream/healthprober.h"

#include "fakemodelserver.h"
#include "ports.h"
#include "serverkind.h"
#include "testtiming.h"

#include <QtTest>

#include <functional>
#include <memory>

using namespace airlock;
using namespace airlock::upstream;
using airlock::test::FakeBehavior;
using airlock::test::FakeModelServer;

namespace {

// A fake model server that records the probes like any other request: these tests count the prober's
// requests, requests in flight and aborts.
struct ProbedServer : airlock::test::FakeModelServer
{
    ProbedServer() { setProbesApart(false); }
};

constexpr int IntervalMs = 100;
constexpr int WaitMs = 10000; // QTRY_* give up after this; no test asserts how fast anything is

ProbeOptions fastOptions(int timeoutMs = 2000)
{
    return ProbeOptions { .intervalMs = IntervalMs, .jitter = 0.2, .timeoutMs = timeoutMs };
}

ProbeTarget target(const QString &key, const FakeModelServer &server, ServerKind kind,
    const QString &identifier = QStringLiteral("fake-model"))
{
    return ProbeTarget { key, server.baseUrl(), kind, identifier, {} };
}

// Every state change the prober signals, per key, in order.
struct StateLog
{
    explicit StateLog(HealthProber &prober)
    {
        QObject::connect(&prober, &HealthProber::stateChanged, &prober,
            [this](const QString &key, const ProbeResult &result) {
                states[key].append(result.state);
                if (onChange)
                    onChange(key, result);
            });
    }
    QHash<QString, QList<ProbeState>> states;
    std::function<void(const QString &, const ProbeResult &)> onChange;
};

int completionRequests(const FakeModelServer &server)
{
    return server.requestCount(QStringLiteral("/v1/chat/completions"))
        + server.requestCount(QStringLiteral("/v1/completions"));
}

} // namespace

class TestHealthProber : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void serverKindNames();
    void probeUrls_data();
    void probeUrls();
    void vllmHealthIsReady();
    void llamaCppLoadingIsNotReadyThenReady();
    void tgiServerErrorIsDown();
    void ollamaVersion();
    void genericModelList();
    void genericModelListNamesWhatItLists();
    void genericModelListTooLong();
    void closedPortIsDown();
    void timeoutIsDownAndOneProbeAtATime();
    void recoversWithinTwoIntervals();
    void stateChangedOnlyOnChange();
    void removingTargetStopsItsProbes();
    void removingTargetAbortsProbeInFlight();
    void destroyingProberAbortsProbeInFlight();
    void changedTargetKeepsStateAndProbesAgain();
    void authorizationSent();
};

void TestHealthProber::serverKindNames()
{
    QCOMPARE(allServerKindNames(),
        QStringList({ QStringLiteral("openai"), QStringLiteral("vllm"), QStringLiteral("tgi"),
            QStringLiteral("llamacpp"), QStringLiteral("ollama") }));
    for (const QString &name : allServerKindNames()) {
        const std::optional<ServerKind> kind = serverKindFromName(name);
        QVERIFY(kind.has_value());
        QCOMPARE(serverKindName(*kind), name);
    }
    QCOMPARE(serverKindFromName(QStringLiteral("vLLM")), std::optional<ServerKind>(ServerKind::Vllm));
    QCOMPARE(serverKindFromName(QStringLiteral("LlamaCpp")), std::optional<ServerKind>(ServerKind::LlamaCpp));
    QCOMPARE(serverKindFromName(QStringLiteral("OPENAI")), std::optional<ServerKind>(ServerKind::OpenAi));
    QVERIFY(!serverKindFromName(QStringLiteral("llama.cpp")).has_value());
    QVERIFY(!serverKindFromName(QString()).has_value());
    QCOMPARE(ProbeTarget().kind, ServerKind::OpenAi);

    QCOMPARE(probeStateName(ProbeState::Unknown), QStringLiteral("unknown"));
    QCOMPARE(probeStateName(ProbeState::Ready), QStringLiteral("ready"));
    QCOMPARE(probeStateName(ProbeState::NotReady), QStringLiteral("not_ready"));
    QCOMPARE(probeStateName(ProbeState::Down), QStringLiteral("down"));
}

void TestHealthProber::probeUrls_data()
{
    QTest::addColumn<QString>("baseUrl");
    QTest::addColumn<ServerKind>("kind");
    QTest::addColumn<QString>("expected");

    QTest::newRow("vllm /v1") << "http://gpu1:8000/v1" << ServerKind::Vllm << "http://gpu1:8000/health";
    QTest::newRow("vllm /v1/") << "http://gpu1:8000/v1/" << ServerKind::Vllm << "http://gpu1:8000/health";
    QTest::newRow("tgi root") << "http://gpu1:8080" << ServerKind::Tgi << "http://gpu1:8080/health";
    QTest::newRow("llamacpp root/") << "http://gpu1:8080/" << ServerKind::LlamaCpp
                                    << "http://gpu1:8080/health";
    QTest::newRow("ollama /v1") << "http://gpu1:11434/v1" << ServerKind::Ollama
                                << "http://gpu1:11434/api/version";
    QTest::newRow("generic /v1") << "https://llm.example.org/v1" << ServerKind::OpenAi
                                 << "https://llm.example.org/v1/models";
    QTest::newRow("generic root") << "https://llm.example.org" << ServerKind::OpenAi
                                  << "https://llm.example.org/v1/models";
    QTest::newRow("behind a path") << "http://proxy:80/llama/v1" << ServerKind::Vllm
                                   << "http://proxy:80/llama/health";
    QTest::newRow("query dropped") << "http://gpu1:8000/v1?x=1" << ServerKind::Vllm
                                   << "http://gpu1:8000/health";
}

void TestHealthProber::probeUrls()
{
    QFETCH(QString, baseUrl);
    QFETCH(ServerKind, kind);
    QFETCH(QString, expected);
    const ProbeTarget t { QStringLiteral("k"), QUrl(baseUrl), kind, QStringLiteral("m"), {} };
    QCOMPARE(probeUrl(t).toString(), expected);
}

void TestHealthProber::vllmHealthIsReady()
{
    ProbedServer server;
    HealthProber prober(fastOptions());
    StateLog log(prober);
    QCOMPARE(prober.result(QStringLiteral("vllm")).state, ProbeState::Unknown);

    prober.setTargets({ target(QStringLiteral("vllm"), server, ServerKind::Vllm) });
    QCOMPARE(prober.targets().size(), 1);
    QCOMPARE(prober.result(QStringLiteral("vllm")).state, ProbeState::Unknown); // not probed yet
    QTRY_COMPARE_WITH_TIMEOUT(prober.result(QStringLiteral("vllm")).state, ProbeState::Ready, WaitMs);

    const ProbeResult result = prober.result(QStringLiteral("vllm"));
    QCOMPARE(result.status, 200);
    QVERIFY(result.detail.isEmpty());
    QVERIFY(result.checkedAtMs > 0);
    QVERIFY(result.latencyMs >= 0);
    QCOMPARE(log.states.value(QStringLiteral("vllm")), QList<ProbeState>({ ProbeState::Ready }));

    const airlock::test::RecordedRequest probe = server.requests().constFirst();
    QCOMPARE(probe.method, QByteArray("GET"));
    QCOMPARE(probe.path, QStringLiteral("/health"));
    QVERIFY(probe.body.isEmpty());
    QVERIFY(!probe.hasHeader("authorization"));
    QCOMPARE(probe.header("User-Agent"), QByteArray("airlock-probe/" AIRLOCK_VERSION));

    // Probing goes on, and never spends a token.
    QTRY_VERIFY_WITH_TIMEOUT(server.requestCount(QStringLiteral("/health")) >= 3, WaitMs);
    QCOMPARE(completionRequests(server), 0);
    QCOMPARE(server.requestCount(QStringLiteral("/v1/models")), 0);
    QCOMPARE(prober.results().size(), 1);
    QCOMPARE(prober.results().value(QStringLiteral("vllm")).state, ProbeState::Ready);
}

void TestHealthProber::llamaCppLoadingIsNotReadyThenReady()
{
    ProbedServer server;
    server.setHealthBehavior(FakeBehavior::reply(503,
        R"({"error":{"code":503,"message":"Loading model","type":"unavailable_error"}})"));
    HealthProber prober(fastOptions());
    StateLog log(prober);
    const QString key = QStringLiteral("llama");
    prober.setTargets({ target(key, server, ServerKind::LlamaCpp) });

    QTRY_COMPARE_WITH_TIMEOUT(prober.result(key).state, ProbeState::NotReady, WaitMs);
    QCOMPARE(prober.result(key).status, 503);
    QVERIFY2(prober.result(key).detail.contains(QLatin1String("loading"), Qt::CaseInsensitive),
        qPrintable(prober.result(key).detail));

    server.setHealthBehavior(FakeBehavior::reply(200, R"({"status":"ok"})"));
    QTRY_COMPARE_WITH_TIMEOUT(prober.result(key).state, ProbeState::Ready, WaitMs);
    QCOMPARE(log.states.value(key), QList<ProbeState>({ ProbeState::NotReady, ProbeState::Ready }));
    QCOMPARE(server.lastRequest().path, QStringLiteral("/health"));

    // A 503 of llama.cpp that is not about loading is a failing server.
    server.setHealthBehavior(FakeBehavior::reply(503, R"({"error":{"code":503,"message":"out of memory"}})"));
    QTRY_COMPARE_WITH_TIMEOUT(prober.result(key).state, ProbeState::Down, WaitMs);
    QVERIFY(prober.result(key).detail.contains(QLatin1String("out of memory")));
}

void TestHealthProber::tgiServerErrorIsDown()
{
    ProbedServer server;
    server.setHealthBehavior(FakeBehavior::error(500));
    HealthProber prober(fastOptions());
    const QString key = QStringLiteral("tgi");
    prober.setTargets({ target(key, server, ServerKind::Tgi) });

    QTRY_COMPARE_WITH_TIMEOUT(prober.result(key).state, ProbeState::Down, WaitMs);
    QCOMPARE(prober.result(key).status, 500);
    QVERIFY2(prober.result(key).detail.contains(QLatin1String("/health answered 500")),
        qPrintable(prober.result(key).detail));
    QCOMPARE(server.lastRequest().path, QStringLiteral("/health"));

    // TGI's 503 (the model cannot serve) is down as well; only llama.cpp's loading 503 is not.
    server.setHealthBehavior(FakeBehavior::reply(503, R"({"error":"Loading model"})"));
    const int before = server.requestCount(QStringLiteral("/health"));
    QTRY_VERIFY_WITH_TIMEOUT(server.requestCount(QStringLiteral("/health")) >= before + 2, WaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(prober.result(key).status, 503, WaitMs);
    QCOMPARE(prober.result(key).state, ProbeState::Down);
}

void TestHealthProber::ollamaVersion()
{
    ProbedServer server;
    HealthProber prober(fastOptions());
    const QString key = QStringLiteral("ollama");
    prober.setTargets({ target(key, server, ServerKind::Ollama, QStringLiteral("llama3:8b")) });

    QTRY_COMPARE_WITH_TIMEOUT(prober.result(key).state, ProbeState::Ready, WaitMs);
    QCOMPARE(server.requests().constFirst().path, QStringLiteral("/api/version"));
    QCOMPARE(server.requests().constFirst().method, QByteArray("GET"));
    QCOMPARE(server.requestCount(QStringLiteral("/health")), 0);

    server.setVersionBehavior(FakeBehavior::error(500));
    QTRY_COMPARE_WITH_TIMEOUT(prober.result(key).state, ProbeState::Down, WaitMs);
    QCOMPARE(completionRequests(server), 0);
}

void TestHealthProber::genericModelList()
{
    ProbedServer server;
    server.setModels({ QStringLiteral("codestral-22b"), QStringLiteral("llama-3-8b") });
    HealthProber prober(fastOptions());
    StateLog log(prober);
    prober.setTargets({
        target(QStringLiteral("listed"), server, ServerKind::OpenAi, QStringLiteral("llama-3-8b")),
        target(QStringLiteral("missing"), server, ServerKind::OpenAi, QStringLiteral("mistral-7b")),
    });

    QTRY_COMPARE_WITH_TIMEOUT(prober.result(QStringLiteral("listed")).state, ProbeState::Ready, WaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(prober.result(QStringLiteral("missing")).state, ProbeState::NotReady, WaitMs);
    const ProbeResult missing = prober.result(QStringLiteral("missing"));
    QCOMPARE(missing.status, 200);
    QVERIFY2(missing.detail.contains(QLatin1String("\"mistral-7b\"")), qPrintable(missing.detail));
    QVERIFY2(missing.detail.contains(QLatin1String("codestral-22b, llama-3-8b")), qPrintable(missing.detail));
    QCOMPARE(server.requests().constFirst().path, QStringLiteral("/v1/models"));
    QCOMPARE(server.requestCount(QStringLiteral("/health")), 0);

    // The model shows up (loaded under that name): ready.
    server.setModels({ QStringLiteral("codestral-22b"), QStringLiteral("mistral-7b") });
    QTRY_COMPARE_WITH_TIMEOUT(prober.result(QStringLiteral("missing")).state, ProbeState::Ready, WaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(prober.result(QStringLiteral("listed")).state, ProbeState::NotReady, WaitMs);
    QCOMPARE(log.states.value(QStringLiteral("missing")),
        QList<ProbeState>({ ProbeState::NotReady, ProbeState::Ready }));

    // A 200 that is no model list, and a refused credential: alive, not ready.
    server.setModelsBehavior(FakeBehavior::reply(200, "<html>hello</html>"));
    const auto detailOfMissing = [&] { return prober.result(QStringLiteral("missing")).detail; };
    QTRY_VERIFY_WITH_TIMEOUT(detailOfMissing().contains(QLatin1String("without a model list")), WaitMs);
    QCOMPARE(prober.result(QStringLiteral("missing")).state, ProbeState::NotReady);
    server.setModelsBehavior(FakeBehavior::reply(401, R"({"error":{"message":"invalid api key"}})"));
    QTRY_COMPARE_WITH_TIMEOUT(prober.result(QStringLiteral("missing")).status, 401, WaitMs);
    QCOMPARE(prober.result(QStringLiteral("missing")).state, ProbeState::NotReady);
    QVERIFY(prober.result(QStringLiteral("missing")).detail.contains(QLatin1String("invalid api key")));
    QCOMPARE(completionRequests(server), 0);
}

void TestHealthProber::genericModelListNamesWhatItLists()
{
    ProbedServer server;
    QStringList ids;
    for (int i = 0; i < 20; ++i)
        ids.append(QStringLiteral("model-%1").arg(i));
    server.setModels(ids);
    HealthProber prober(fastOptions());
    const QString key = QStringLiteral("generic");
    prober.setTargets({ target(key, server, ServerKind::OpenAi, QStringLiteral("model-x")) });

    QTRY_COMPARE_WITH_TIMEOUT(prober.result(key).state, ProbeState::NotReady, WaitMs);
    const QString detail = prober.result(key).detail;
    QVERIFY2(detail.contains(QLatin1String("model-0, model-1")), qPrintable(detail));
    QVERIFY2(detail.contains(QLatin1String("and 12 more")), qPrintable(detail));
    QVERIFY2(!detail.contains(QLatin1String("model-19")), qPrintable(detail));

    server.setModels({});
    QTRY_VERIFY_WITH_TIMEOUT(prober.result(key).detail.contains(QLatin1String("lists: none")), WaitMs);
}

void TestHealthProber::genericModelListTooLong()
{
    ProbedServer server;
    QStringList ids;
    for (int i = 0; ids.join(QLatin1Char(',')).size() < 2 * MaxProbeBodyBytes; ++i)
        ids.append(QStringLiteral("organisation/a-rather-long-model-name-%1").arg(i));
    server.setModels(ids);
    HealthProber prober(fastOptions());
    const QString key = QStringLiteral("huge");
    prober.setTargets({ target(key, server, ServerKind::OpenAi, ids.constLast()) });

    // Read up to the cap, then that connection is closed: judged on what was read.
    QTRY_COMPARE_WITH_TIMEOUT(prober.result(key).state, ProbeState::NotReady, WaitMs);
    const QString detail = prober.result(key).detail;
    QVERIFY2(detail.contains(QLatin1String("longer than")), qPrintable(detail));
    QTRY_VERIFY_WITH_TIMEOUT(server.requestCount(QStringLiteral("/v1/models")) >= 2, WaitMs);
    QCOMPARE(prober.result(key).state, ProbeState::NotReady);
}

void TestHealthProber::closedPortIsDown()
{
    airlock::test::ClosedPort closed;
    QVERIFY(closed.port() != 0);
    HealthProber prober(fastOptions());
    StateLog log(prober);
    const QString key = QStringLiteral("gone");
    prober.setTargets({ ProbeTarget { key, QUrl(QStringLiteral("http://127.0.0.1:%1/v1").arg(closed.port())),
        ServerKind::Vllm, QStringLiteral("m"), {} } });

    QTRY_COMPARE_WITH_TIMEOUT(prober.result(key).state, ProbeState::Down, WaitMs);
    QCOMPARE(prober.result(key).status, 0);
    QVERIFY(!prober.result(key).detail.isEmpty());
    QCOMPARE(log.states.value(key), QList<ProbeState>({ ProbeState::Down }));
}

void TestHealthProber::timeoutIsDownAndOneProbeAtATime()
{
    ProbedServer server;
    server.setHealthBehavior(FakeBehavior::hang());
    // A timeout of several intervals: probes that are due while one hangs must wait for it.
    HealthProber prober(fastOptions(4 * IntervalMs));
    const QString key = QStringLiteral("stalled");
    prober.setTargets({ target(key, server, ServerKind::Vllm) });

    QTRY_COMPARE_WITH_TIMEOUT(prober.result(key).state, ProbeState::Down, WaitMs);
    QCOMPARE(prober.result(key).status, 0);
    QVERIFY(!prober.result(key).detail.isEmpty());
    QTRY_VERIFY_WITH_TIMEOUT(server.abortCount() >= 2, WaitMs); // each timed-out probe closed its connection
    QCOMPARE(server.maxConcurrent(), 1);
}

void TestHealthProber::recoversWithinTwoIntervals()
{
    ProbedServer server;
    server.setHealthBehavior(FakeBehavior::closeWithoutAnswer());
    HealthProber prober(fastOptions());
    const QString key = QStringLiteral("replica");
    int probesAtReady = -1;
    StateLog log(prober);
    log.onChange = [&](const QString &, const ProbeResult &result) {
        if (result.state == ProbeState::Ready)
            probesAtReady = server.requestCount(QStringLiteral("/health"));
    };
    prober.setTargets({ target(key, server, ServerKind::Vllm) });
    QTRY_COMPARE_WITH_TIMEOUT(prober.result(key).state, ProbeState::Down, WaitMs);
    QTRY_VERIFY_WITH_TIMEOUT(server.requestCount(QStringLiteral("/health")) >= 3, WaitMs);

    // The server is back: the next probe (or the one after it, if one was on its way) says so.
    server.setHealthBehavior(FakeBehavior());
    const int probesAtRecovery = server.requestCount(QStringLiteral("/health"));
    QTRY_COMPARE_WITH_TIMEOUT(prober.result(key).state, ProbeState::Ready, WaitMs);
    QVERIFY2(probesAtReady > probesAtRecovery && probesAtReady <= probesAtRecovery + 2,
        qPrintable(QStringLiteral("ready after probe %1, recovered after probe %2")
                .arg(probesAtReady)
                .arg(probesAtRecovery)));
    QCOMPARE(log.states.value(key), QList<ProbeState>({ ProbeState::Down, ProbeState::Ready }));
}

void TestHealthProber::stateChangedOnlyOnChange()
{
    ProbedServer server;
    HealthProber prober(fastOptions());
    StateLog log(prober);
    const QString key = QStringLiteral("steady");
    prober.setTargets({ target(key, server, ServerKind::Tgi) });
    QTRY_VERIFY_WITH_TIMEOUT(server.requestCount(QStringLiteral("/health")) >= 5, WaitMs);
    QCOMPARE(log.states.value(key), QList<ProbeState>({ ProbeState::Ready }));
}

void TestHealthProber::removingTargetStopsItsProbes()
{
    ProbedServer first;
    ProbedServer second;
    HealthProber prober(fastOptions());
    prober.setTargets({ target(QStringLiteral("a"), first, ServerKind::Vllm),
        target(QStringLiteral("b"), second, ServerKind::Vllm) });
    QTRY_VERIFY_WITH_TIMEOUT(first.requestCount(QStringLiteral("/health")) >= 3, WaitMs);
    QTRY_VERIFY_WITH_TIMEOUT(second.requestCount(QStringLiteral("/health")) >= 3, WaitMs);

    prober.setTargets({ target(QStringLiteral("b"), second, ServerKind::Vllm) });
    QCOMPARE(prober.targets().size(), 1);
    QCOMPARE(prober.targets().constFirst().key, QStringLiteral("b"));
    QCOMPARE(prober.result(QStringLiteral("a")).state, ProbeState::Unknown); // forgotten
    QVERIFY(!prober.results().contains(QStringLiteral("a")));
    QCOMPARE(prober.result(QStringLiteral("b")).state, ProbeState::Ready); // kept

    // A probe already on the wire may still land; after that, nothing more comes to the first server
    // while the second one goes on being probed.
    airlock::test::spinFor(IntervalMs);
    const int firstCount = first.requestCount(QStringLiteral("/health"));
    const int secondCount = second.requestCount(QStringLiteral("/health"));
    QTRY_VERIFY_WITH_TIMEOUT(second.requestCount(QStringLiteral("/health")) >= secondCount + 4, WaitMs);
    QCOMPARE(first.requestCount(QStringLiteral("/health")), firstCount);

    prober.setTargets({});
    QVERIFY(prober.results().isEmpty());
    airlock::test::spinFor(IntervalMs);
    const int finalCount = second.requestCount(QStringLiteral("/health"));
    airlock::test::spinFor(4 * IntervalMs);
    QCOMPARE(second.requestCount(QStringLiteral("/health")), finalCount);
}

void TestHealthProber::removingTargetAbortsProbeInFlight()
{
    ProbedServer server;
    server.setHealthBehavior(FakeBehavior::hang());
    HealthProber prober(fastOptions(60000));
    prober.setTargets({ target(QStringLiteral("hung"), server, ServerKind::Vllm) });
    QVERIFY(server.waitForInFlight(1, WaitMs));
    airlock::test::spinFor(3 * IntervalMs); // several intervals pass: still that one probe
    QCOMPARE(server.requestCount(QStringLiteral("/health")), 1);
    QCOMPARE(prober.result(QStringLiteral("hung")).state, ProbeState::Unknown);

    prober.setTargets({});
    QVERIFY(server.waitForAborts(1, WaitMs));
    QCOMPARE(server.abortedRequests().constFirst().path, QStringLiteral("/health"));
}

void TestHealthProber::destroyingProberAbortsProbeInFlight()
{
    ProbedServer server;
    server.setHealthBehavior(FakeBehavior::hang());
    auto prober = std::make_unique<HealthProber>(fastOptions(60000));
    prober->setTargets({ target(QStringLiteral("hung"), server, ServerKind::Tgi) });
    QVERIFY(server.waitForInFlight(1, WaitMs));
    prober.reset();
    QVERIFY(server.waitForAborts(1, WaitMs));
    QCOMPARE(server.requestCount(), 1);
}

void TestHealthProber::changedTargetKeepsStateAndProbesAgain()
{
    ProbedServer server;
    HealthProber prober(fastOptions());
    StateLog log(prober);
    const QString key = QStringLiteral("r");
    prober.setTargets({ target(key, server, ServerKind::Vllm) });
    QTRY_COMPARE_WITH_TIMEOUT(prober.result(key).state, ProbeState::Ready, WaitMs);

    // The same list again: nothing changes.
    prober.setTargets({ target(key, server, ServerKind::Vllm) });
    QCOMPARE(prober.result(key).state, ProbeState::Ready);

    // The same key now points elsewhere: the old state stays until the new probe says otherwise.
    airlock::test::ClosedPort closed;
    ProbeTarget moved = target(key, server, ServerKind::Vllm);
    moved.baseUrl = QUrl(QStringLiteral("http://127.0.0.1:%1").arg(closed.port()));
    prober.setTargets({ moved });
    QCOMPARE(prober.result(key).state, ProbeState::Ready);
    QCOMPARE(prober.targets().constFirst().baseUrl, moved.baseUrl);
    QTRY_COMPARE_WITH_TIMEOUT(prober.result(key).state, ProbeState::Down, WaitMs);
    QCOMPARE(log.states.value(key), QList<ProbeState>({ ProbeState::Ready, ProbeState::Down }));
}

void TestHealthProber::authorizationSent()
{
    ProbedServer server;
    HealthProber prober(fastOptions());
    ProbeTarget withKey = target(QStringLiteral("keyed"), server, ServerKind::OpenAi);
    withKey.authorization = "Bearer sk-probe-123";
    ProbeTarget ollama = target(QStringLiteral("ollama"), server, ServerKind::Ollama);
    ollama.authorization = "Bearer sk-ollama";
    prober.setTargets({ withKey, ollama });
    QTRY_COMPARE_WITH_TIMEOUT(prober.result(QStringLiteral("keyed")).state, ProbeState::Ready, WaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(prober.result(QStringLiteral("ollama")).state, ProbeState::Ready, WaitMs);

    bool sawModels = false;
    bool sawVersion = false;
    for (const airlock::test::RecordedRequest &request : server.requests()) {
        if (request.path == QLatin1String("/v1/models")) {
            sawModels = true;
            QCOMPARE(request.header("authorization"), QByteArray("Bearer sk-probe-123"));
        } else if (request.path == QLatin1String("/api/version")) {
            sawVersion = true;
            QCOMPARE(request.header("authorization"), QByteArray("Bearer sk-ollama"));
        }
    }
    QVERIFY(sawModels);
    QVERIFY(sawVersion);
}

QTEST_GUILESS_MAIN(TestHealthProber)
#include "tst_healthprober.moc"
