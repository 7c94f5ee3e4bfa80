// Active health probes through the real gateway: the prober follows the configuration's routes, a replica
// its probe calls not ready gets no traffic while another replica of the endpoint takes it and gets
// traffic again once healthy, an endpoint no route uses is not probed, and /monitoring/ready, the admin
// API (GET /api/v1/replicas) and /metrics show each replica's state.

#include "gatewayfixture.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include <cmath>

using namespace airlock;
using namespace airlock::test;

namespace {

const QByteArray kLoading = R"({"error":{"code":503,"message":"Loading model","type":"unavailable_error"}})";
constexpr int kIntervalMs = 200;

QString replicaRoot(const FakeModelServer &fake)
{
    return fake.baseUrl().toString(); // http://127.0.0.1:PORT/v1: the replica's API root
}

ModelEndpoint poolEndpoint(const QString &name, const QList<const FakeModelServer *> &servers, ServerKind kind)
{
    ModelEndpoint e;
    e.name = name;
    e.family = ModelFamily::Codestral;
    for (const FakeModelServer *s : servers)
        e.replicas.append(ModelReplica{s->baseUrl(), 1});
    e.baseUrl = e.replicas.constFirst().baseUrl;
    e.identifier = QStringLiteral("fake-model");
    e.server = kind;
    return e;
}

GatewayConfig withProbes(GatewayConfig config)
{
    config.resilience.probeIntervalMs = kIntervalMs;
    config.resilience.probeTimeoutMs = 1000;
    return config;
}

} // namespace

class tst_HealthProbes : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<GatewayFixture> m_gw;
    std::unique_ptr<FakeModelServer> m_a;
    std::unique_ptr<FakeModelServer> m_b;
    std::unique_ptr<FakeModelServer> m_idle;

    // code_completions -> "pool" (replicas a and b, llama.cpp); "idle" (another server) is configured but
    // no route uses it.
    GatewayConfig standardConfig() const
    {
        GatewayConfig config;
        config.models.append(poolEndpoint(QStringLiteral("pool"), {m_a.get(), m_b.get()}, ServerKind::LlamaCpp));
        config.models.append(poolEndpoint(QStringLiteral("idle"), {m_idle.get()}, ServerKind::OpenAi));
        config.features.insert(QStringLiteral("code_completions"), QStringLiteral("pool"));
        return withProbes(config);
    }

    HttpResponse complete()
    {
        return TestHttpClient::fetch(m_gw->port(), HttpRequest::post("/v1/chat/completions", chatBody("code_completions")));
    }

    QJsonObject adminJson(const QByteArray &path)
    {
        const HttpResponse r = TestHttpClient::fetch(m_gw->adminPort(), HttpRequest::get(path).withBearer("test-admin-token"));
        return QJsonDocument::fromJson(r.body).object();
    }

    // The admin API's view of one replica ({} if not listed).
    QJsonObject adminReplica(const QString &endpoint, const FakeModelServer &fake)
    {
        const QJsonArray endpoints = adminJson("/api/v1/replicas").value(QStringLiteral("endpoints")).toArray();
        for (const QJsonValue &e : endpoints) {
            if (e[QStringLiteral("name")].toString() != endpoint)
                continue;
            for (const QJsonValue &r : e[QStringLiteral("replicas")].toArray()) {
                if (r[QStringLiteral("replica")].toString() == replicaRoot(fake))
                    return r.toObject();
            }
        }
        return {};
    }

    QString stateOf(const FakeModelServer &fake) { return adminReplica(QStringLiteral("pool"), fake).value(QStringLiteral("state")).toString(); }
    QString probeOf(const FakeModelServer &fake) { return adminReplica(QStringLiteral("pool"), fake).value(QStringLiteral("probe")).toString(); }

private slots:
    void init()
    {
        m_a = std::make_unique<FakeModelServer>();
        m_b = std::make_unique<FakeModelServer>();
        m_idle = std::make_unique<FakeModelServer>();
        m_gw = std::make_unique<GatewayFixture>(ServerLimits{}, 1);
    }

    void cleanup()
    {
        m_gw.reset();
        m_a.reset();
        m_b.reset();
        m_idle.reset();
    }

    void loadingReplicaGetsNoTrafficUntilHealthy()
    {
        m_a->setHealthBehavior(FakeBehavior::reply(503, kLoading));
        m_gw->apply(standardConfig());
        QTRY_COMPARE_WITH_TIMEOUT(stateOf(*m_a), QStringLiteral("not_ready"), 10000);
        QTRY_COMPARE_WITH_TIMEOUT(probeOf(*m_b), QStringLiteral("ready"), 10000);
        const QJsonObject a = adminReplica(QStringLiteral("pool"), *m_a);
        QVERIFY2(a.value(QStringLiteral("error")).toString().contains(QStringLiteral("loading the model")),
                 QJsonDocument(a).toJson().constData());
        QCOMPARE(a.value(QStringLiteral("outstanding")).toInt(), 0);

        for (int i = 0; i < 12; ++i)
            QCOMPARE(complete().status, 200);
        QCOMPARE(m_a->requestCount(QStringLiteral("/v1/chat/completions")), 0);
        QCOMPARE(m_b->requestCount(QStringLiteral("/v1/chat/completions")), 12);

        // Loaded: the next probe puts it back in rotation, and it takes its share again.
        m_a->setHealthBehavior(FakeBehavior::reply(200, R"({"status":"ok"})"));
        QTRY_COMPARE_WITH_TIMEOUT(stateOf(*m_a), QStringLiteral("ready"), 10000);
        QCOMPARE(probeOf(*m_a), QStringLiteral("ready"));
        QTRY_VERIFY_WITH_TIMEOUT(complete().status == 200 && m_a->requestCount(QStringLiteral("/v1/chat/completions")) > 0,
                                 15000);
    }

    // code_completions -> tier 1: "one" (replica a) 70 %, "two" (replica b) 30 %; tier 2: "idle".
    GatewayConfig tieredConfig() const
    {
        GatewayConfig config;
        config.models.append(poolEndpoint(QStringLiteral("one"), {m_a.get()}, ServerKind::LlamaCpp));
        config.models.append(poolEndpoint(QStringLiteral("two"), {m_b.get()}, ServerKind::LlamaCpp));
        config.models.append(poolEndpoint(QStringLiteral("idle"), {m_idle.get()}, ServerKind::LlamaCpp));
        ModelRoute route;
        route.tiers = {{{QStringLiteral("one"), 70}, {QStringLiteral("two"), 30}}, {{QStringLiteral("idle"), 1}}};
        config.routes.insert(QStringLiteral("code_completions"), route);
        config.features.insert(QStringLiteral("code_completions"), route.primaryModel());
        return withProbes(config);
    }

    QString probeOf(const QString &endpoint, const FakeModelServer &fake)
    {
        return adminReplica(endpoint, fake).value(QStringLiteral("probe")).toString();
    }

    // Every target of the first tier loading: the fallback tier takes the traffic until one is ready.
    void tierWithoutReadyTargetFallsBack()
    {
        m_a->setHealthBehavior(FakeBehavior::reply(503, kLoading));
        m_b->setHealthBehavior(FakeBehavior::reply(503, kLoading));
        m_gw->apply(tieredConfig());
        QTRY_COMPARE_WITH_TIMEOUT(probeOf(QStringLiteral("one"), *m_a), QStringLiteral("not_ready"), 10000);
        QTRY_COMPARE_WITH_TIMEOUT(probeOf(QStringLiteral("two"), *m_b), QStringLiteral("not_ready"), 10000);
        QTRY_COMPARE_WITH_TIMEOUT(probeOf(QStringLiteral("idle"), *m_idle), QStringLiteral("ready"), 10000);
        for (int i = 0; i < 10; ++i)
            QCOMPARE(complete().status, 200);
        QCOMPARE(m_idle->requestCount(), 10);
        QCOMPARE(m_a->requestCount() + m_b->requestCount(), 0);

        m_b->setHealthBehavior(FakeBehavior::reply(200, R"({"status":"ok"})"));
        QTRY_COMPARE_WITH_TIMEOUT(probeOf(QStringLiteral("two"), *m_b), QStringLiteral("ready"), 10000);
        for (int i = 0; i < 10; ++i)
            QCOMPARE(complete().status, 200);
        QCOMPARE(m_b->requestCount(), 10);
        QCOMPARE(m_idle->requestCount(), 10);
    }

    // Nothing in rotation anywhere (every probe failing, e.g. a health route the servers do not have):
    // requests still go out, split by the first tier's weights, never refused on the health signals alone.
    void nothingInRotationKeepsTheSplit()
    {
        for (FakeModelServer *f : {m_a.get(), m_b.get(), m_idle.get()})
            f->setHealthBehavior(FakeBehavior::reply(404, R"({"error":"not found"})"));
        m_gw->apply(tieredConfig());
        QTRY_COMPARE_WITH_TIMEOUT(probeOf(QStringLiteral("one"), *m_a), QStringLiteral("not_ready"), 10000);
        QTRY_COMPARE_WITH_TIMEOUT(probeOf(QStringLiteral("two"), *m_b), QStringLiteral("not_ready"), 10000);
        QTRY_COMPARE_WITH_TIMEOUT(probeOf(QStringLiteral("idle"), *m_idle), QStringLiteral("not_ready"), 10000);
        const int n = 400;
        for (int i = 0; i < n; ++i)
            QCOMPARE(complete().status, 200);
        QCOMPARE(m_a->requestCount() + m_b->requestCount(), n);
        QCOMPARE(m_idle->requestCount(), 0);
        const double sigma = std::sqrt(n * 0.7 * 0.3);
        QVERIFY2(std::abs(m_a->requestCount() - 0.7 * n) <= 6 * sigma,
                 qPrintable(QStringLiteral("%1 / %2").arg(m_a->requestCount()).arg(m_b->requestCount())));
    }

    void deadReplicaIsReportedDead()
    {
        m_a->setHealthBehavior(FakeBehavior::reply(500, R"({"error":"boom"})"));
        m_gw->apply(standardConfig());
        QTRY_COMPARE_WITH_TIMEOUT(stateOf(*m_a), QStringLiteral("dead"), 10000);
        for (int i = 0; i < 6; ++i)
            QCOMPARE(complete().status, 200);
        QCOMPARE(m_a->requestCount(QStringLiteral("/v1/chat/completions")), 0);
    }

    void endpointWithoutRouteIsNotProbed()
    {
        m_gw->apply(standardConfig());
        // Several intervals of the routed replicas' probes pass...
        QTRY_VERIFY_WITH_TIMEOUT(m_a->probeCount(QStringLiteral("/health")) >= 4, 15000);
        QTRY_VERIFY_WITH_TIMEOUT(m_b->probeCount(QStringLiteral("/health")) >= 4, 15000);
        // ... and the endpoint no route uses was never asked anything.
        QCOMPARE(m_idle->probeCount(QStringLiteral("/health")), 0);
        QCOMPARE(m_idle->probeCount(QStringLiteral("/v1/models")), 0);
        QCOMPARE(m_idle->probeCount(QStringLiteral("/api/version")), 0);
        QCOMPARE(m_idle->requestCount(), 0);
        // Probes name themselves, so a model server's log (and the fake's records) tell them from traffic.
        const RecordedRequest probe = m_a->probeRequests().constFirst();
        QCOMPARE(probe.method, QByteArray("GET"));
        QCOMPARE(probe.header("User-Agent"), QByteArray("airlock-probe/" AIRLOCK_VERSION));
        QCOMPARE(m_a->requestCount(), 0);

        // The route moves to "idle": it is probed now (generic kind: GET /v1/models), "pool" no longer.
        GatewayConfig moved = standardConfig();
        moved.features.insert(QStringLiteral("code_completions"), QStringLiteral("idle"));
        m_gw->apply(moved);
        QTRY_VERIFY_WITH_TIMEOUT(m_idle->probeCount(QStringLiteral("/v1/models")) >= 2, 15000);
        const int aProbes = m_a->probeCount(QStringLiteral("/health"));
        const int bProbes = m_b->probeCount(QStringLiteral("/health"));
        QTRY_VERIFY_WITH_TIMEOUT(m_idle->probeCount(QStringLiteral("/v1/models")) >= 5, 15000);
        QCOMPARE(m_a->probeCount(QStringLiteral("/health")), aProbes);
        QCOMPARE(m_b->probeCount(QStringLiteral("/health")), bProbes);
        // A replica no longer probed drops its verdict.
        QCOMPARE(probeOf(*m_a), QStringLiteral("unknown"));
    }

    void readinessAndMetricsShowReplicas()
    {
        m_a->setHealthBehavior(FakeBehavior::reply(503, kLoading));
        m_gw->apply(standardConfig());
        QTRY_COMPARE_WITH_TIMEOUT(stateOf(*m_a), QStringLiteral("not_ready"), 10000);
        QTRY_COMPARE_WITH_TIMEOUT(probeOf(*m_b), QStringLiteral("ready"), 10000);
        QCOMPARE(complete().status, 200);

        const HttpResponse ready = TestHttpClient::fetch(m_gw->port(), HttpRequest::get("/monitoring/ready"));
        QCOMPARE(ready.status, 200); // the existing check (GET /v1/models of the endpoint) still decides
        const QJsonObject body = QJsonDocument::fromJson(ready.body).object();
        QCOMPARE(body.value(QStringLiteral("status")).toString(), QStringLiteral("ok"));
        const QJsonArray models = body.value(QStringLiteral("models")).toArray();
        QCOMPARE(models.size(), 1);
        const QJsonObject pool = models.at(0).toObject();
        QCOMPARE(pool.value(QStringLiteral("name")).toString(), QStringLiteral("pool"));
        QCOMPARE(pool.value(QStringLiteral("ready")).toBool(), true);
        const QJsonArray replicas = pool.value(QStringLiteral("replicas")).toArray();
        QCOMPARE(replicas.size(), 2);
        QCOMPARE(replicas.at(0)[QStringLiteral("replica")].toString(), replicaRoot(*m_a));
        QCOMPARE(replicas.at(0)[QStringLiteral("state")].toString(), QStringLiteral("not_ready"));
        QVERIFY(replicas.at(0)[QStringLiteral("error")].toString().contains(QStringLiteral("503")));
        QCOMPARE(replicas.at(1)[QStringLiteral("replica")].toString(), replicaRoot(*m_b));
        QCOMPARE(replicas.at(1)[QStringLiteral("state")].toString(), QStringLiteral("ready"));
        QCOMPARE(replicas.at(1)[QStringLiteral("outstanding")].toInt(), 0);
        QVERIFY(!replicas.at(1).toObject().contains(QStringLiteral("error")));

        const HttpResponse metrics = TestHttpClient::fetch(m_gw->adminPort(), HttpRequest::get("/metrics"));
        QCOMPARE(metrics.status, 200);
        const QByteArray text = metrics.body;
        const QByteArray a = "endpoint=\"pool\",replica=\"" + replicaRoot(*m_a).toUtf8() + '"';
        const QByteArray b = "endpoint=\"pool\",replica=\"" + replicaRoot(*m_b).toUtf8() + '"';
        const QByteArray idle = "endpoint=\"idle\",replica=\"" + replicaRoot(*m_idle).toUtf8() + '"';
        auto has = [&](const QByteArray &line) { return text.contains(QByteArray('\n' + line + '\n')); };
        QVERIFY2(has("airlock_replica_health{" + a + ",state=\"not_ready\"} 1"), text.constData());
        QVERIFY(has("airlock_replica_health{" + a + ",state=\"ready\"} 0"));
        QVERIFY(has("airlock_replica_health{" + b + ",state=\"ready\"} 1"));
        QVERIFY(has("airlock_replica_health{" + b + ",state=\"dead\"} 0"));
        QVERIFY(has("airlock_replica_health{" + idle + ",state=\"ready\"} 1")); // not probed: in rotation
        QVERIFY(has("airlock_replica_attempts_total{" + a + "} 0"));
        QVERIFY(has("airlock_replica_attempts_total{" + b + "} 1"));
        QVERIFY(has("airlock_replica_outstanding_requests{" + b + "} 0"));
        QVERIFY(has("airlock_replica_ejections_total{" + b + "} 0"));
        QVERIFY(has("airlock_replica_retries_total{" + b + "} 0"));
        QVERIFY(has("airlock_replica_hedges_sent_total{" + b + "} 0"));
        QVERIFY(has("airlock_replica_hedges_won_total{" + b + "} 0"));
        QVERIFY(text.contains("# TYPE airlock_replica_ttfb_p95_seconds gauge\n"));

        // The time to first byte shows once enough answers were seen.
        for (int i = 0; i < 8; ++i)
            QCOMPARE(complete().status, 200);
        const QByteArray after = TestHttpClient::fetch(m_gw->adminPort(), HttpRequest::get("/metrics")).body;
        QVERIFY2(after.contains(QByteArray("\nairlock_replica_ttfb_p95_seconds{" + b + "} ")), after.constData());
        QVERIFY(!after.contains(QByteArray("\nairlock_replica_ttfb_p95_seconds{" + a + "} ")));
    }
};

QTEST_GUILESS_MAIN(tst_HealthProbes)
#include "tst_healthprobes.moc"
