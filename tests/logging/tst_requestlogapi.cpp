// The request log end to end: a real gateway writes one record per request; the admin API pages,
// filters, aggregates and streams them live; /metrics; the Airlock-time header; body capture with
// redaction; a graceful stop loses nothing.

#include "gatewayfixture.h"
#include "logging/requestlogstore.h"
#include "storage/database.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkRequest>
#include <QWebSocket>

using namespace airlock;
using namespace airlock::test;

namespace {

const QByteArray kToken = "test-admin-token";

} // namespace

class tst_RequestLogApi : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<FakeModelServer> m_fake;
    std::unique_ptr<GatewayFixture> m_gw;

    HttpResponse chat(const QByteArray &requestId, const HeaderList &extra = {}, const QByteArray &body = {})
    {
        HttpRequest r = HttpRequest::post("/v1/chat/completions", body.isEmpty() ? chatBody("code_completions") : body);
        r.withHeader("X-Request-ID", requestId);
        for (const auto &[name, value] : extra)
            r.withHeader(name, value);
        return TestHttpClient::fetch(m_gw->port(), r);
    }

    HttpResponse admin(const QByteArray &pathAndQuery, const QByteArray &token = kToken)
    {
        HttpRequest r = HttpRequest::get(pathAndQuery);
        if (!token.isEmpty())
            r.withBearer(token);
        return TestHttpClient::fetch(m_gw->adminPort(), r);
    }

    QJsonArray logs(const QByteArray &query = {})
    {
        const HttpResponse r = admin("/api/v1/logs" + (query.isEmpty() ? QByteArray() : "?" + query));
        if (r.status != 200)
            qWarning("GET /api/v1/logs?%s: %d %s", query.constData(), r.status, r.body.constData());
        return r.json().value(QStringLiteral("items")).toArray();
    }

    // Records appear within one batch interval; poll briefly.
    QJsonArray waitForLogs(int count, const QByteArray &query = {})
    {
        QJsonArray items;
        (void)QTest::qWaitFor([&] { return (items = logs(query)).size() >= count; }, 5000);
        return items;
    }

    static QJsonObject byRequestId(const QJsonArray &items, const QString &id)
    {
        for (const QJsonValue &v : items) {
            if (v.toObject().value(QStringLiteral("request_id")).toString() == id)
                return v.toObject();
        }
        return {};
    }

private Q_SLOTS:
    void init()
    {
        m_fake = std::make_unique<FakeModelServer>();
        m_gw = std::make_unique<GatewayFixture>();
        m_gw->apply(m_gw->standardConfig(m_fake->baseUrl()));
    }

    void cleanup()
    {
        m_gw.reset();
        m_fake.reset();
    }

    void everyRequestIsLoggedAndQueryable()
    {
        for (int i = 0; i < 4; ++i)
            QCOMPARE(chat("ok-" + QByteArray::number(i)).status, 200);
        const HttpResponse missing = TestHttpClient::fetch(
            m_gw->port(), HttpRequest::post("/v1/chat/completions", chatBody("no-such-model")).withHeader("X-Request-ID", "bad-1"));
        QCOMPARE(missing.status, 404);

        const QJsonArray items = waitForLogs(5);
        QCOMPARE(items.size(), 5);
        QCOMPARE(items.at(0).toObject().value(QStringLiteral("request_id")).toString(), QStringLiteral("bad-1")); // newest first
        const QJsonObject ok = byRequestId(items, QStringLiteral("ok-2"));
        QCOMPARE(ok.value(QStringLiteral("status")).toInt(), 200);
        QCOMPARE(ok.value(QStringLiteral("model_endpoint")).toString(), QStringLiteral("fake"));
        QCOMPARE(ok.value(QStringLiteral("path")).toString(), QStringLiteral("/v1/chat/completions"));
        QCOMPARE(ok.value(QStringLiteral("dialect")).toString(), QStringLiteral("openai"));
        QVERIFY(ok.value(QStringLiteral("total_ms")).toDouble() > 0);
        QVERIFY(ok.value(QStringLiteral("upstream_ms")).toDouble() > 0);
        QVERIFY(ok.value(QStringLiteral("first_byte_ms")).toDouble() > 0);
        QVERIFY(ok.value(QStringLiteral("queue_ms")).toDouble() >= 0);
        QVERIFY(ok.value(QStringLiteral("prompt_bytes")).toInteger() > 0);
        QVERIFY(ok.value(QStringLiteral("answer_bytes")).toInteger() > 0);
        QVERIFY(!ok.value(QStringLiteral("has_bodies")).toBool());

        QCOMPARE(logs("status=404").size(), 1);
        QCOMPARE(logs("status_class=2").size(), 4);
        QCOMPARE(logs("errors=1").at(0).toObject().value(QStringLiteral("error_code")).toString(),
                 QStringLiteral("model_not_found"));
        QCOMPARE(logs("model=fake").size(), 4);
        QCOMPARE(logs("limit=2").size(), 2);
        const HttpResponse page = admin("/api/v1/logs?limit=3");
        const QString cursor = page.json().value(QStringLiteral("next_cursor")).toString();
        QVERIFY(!cursor.isEmpty());
        QCOMPARE(logs("limit=3&cursor=" + cursor.toLatin1()).size(), 2);

        const qint64 id = ok.value(QStringLiteral("id")).toInteger();
        const HttpResponse one = admin("/api/v1/logs/" + QByteArray::number(id));
        QCOMPARE(one.status, 200);
        QCOMPARE(one.json().value(QStringLiteral("request_id")).toString(), QStringLiteral("ok-2"));
        QCOMPARE(admin("/api/v1/logs/987654").status, 404);
        QCOMPARE(admin("/api/v1/logs/abc").status, 404);
        QCOMPARE(admin("/api/v1/logs?status=abc").status, 400);
        QCOMPARE(admin("/api/v1/logs?from=yesterday").status, 400);

        // Admin token required.
        QCOMPARE(admin("/api/v1/logs", {}).status, 401);
        QCOMPARE(admin("/api/v1/logs", "wrong").status, 401);
        QCOMPARE(admin("/api/v1/logs/aggregate", {}).status, 401);
        QCOMPARE(admin("/api/v1/telemetry", {}).status, 401);

        const HttpResponse agg = admin("/api/v1/logs/aggregate?group=model");
        QCOMPARE(agg.status, 200);
        const QJsonObject total = agg.json().value(QStringLiteral("total")).toObject();
        QCOMPARE(total.value(QStringLiteral("requests")).toInteger(), 5);
        QCOMPARE(total.value(QStringLiteral("errors")).toInteger(), 1);
        QVERIFY(total.contains(QStringLiteral("p95_ms")));
        QVERIFY(!agg.json().value(QStringLiteral("by_model")).toArray().isEmpty());
        QCOMPARE(admin("/api/v1/logs/aggregate?step=30").status, 400);

        const HttpResponse telemetry = admin("/api/v1/telemetry");
        QCOMPARE(telemetry.status, 200);
        QVERIFY(telemetry.json().contains(QStringLiteral("daily_users")));
        QVERIFY(telemetry.json().contains(QStringLiteral("by_day_model_language")));
    }

    void airlockTimeHeader()
    {
        // 500 ms in the model server: Airlock's own time must not include it.
        m_fake->setDefaultBehavior(FakeBehavior::answer(3, 0, 500));
        const HttpResponse r = chat("timed");
        QCOMPARE(r.status, 200);
        QVERIFY(r.hasHeader("x-airlock-overhead-ms"));
        bool ok = false;
        const double overhead = r.header("x-airlock-overhead-ms").toDouble(&ok);
        QVERIFY(ok);
        QVERIFY2(overhead >= 0 && overhead < 500, r.header("x-airlock-overhead-ms").constData());
        const QJsonObject record = byRequestId(waitForLogs(1), QStringLiteral("timed"));
        QVERIFY(record.value(QStringLiteral("upstream_ms")).toDouble() >= 500);
        QVERIFY(record.value(QStringLiteral("airlock_ms")).toDouble() < 500);
    }

    void bodyCaptureByFlagAndBySettingIsRedacted()
    {
        const QByteArray secretBody = "{\"model\":\"code_completions\",\"messages\":[{\"role\":\"user\",\"content\":"
                                      "\"my key is sk-abcdefghijklmnop1234, explain\"}]}";
        QCOMPARE(chat("plain", {}, secretBody).status, 200);
        QCOMPARE(chat("flagged", {{"x-gitlab-enabled-feature-flags", "foo,expanded_ai_logging"}}, secretBody).status, 200);
        const QJsonArray items = waitForLogs(2);
        QVERIFY(!byRequestId(items, QStringLiteral("plain")).value(QStringLiteral("has_bodies")).toBool());
        const QJsonObject flagged = byRequestId(items, QStringLiteral("flagged"));
        QVERIFY(flagged.value(QStringLiteral("has_bodies")).toBool());
        const HttpResponse full = admin("/api/v1/logs/" + QByteArray::number(flagged.value(QStringLiteral("id")).toInteger()));
        const QString prompt = full.json().value(QStringLiteral("prompt_body")).toString();
        QVERIFY2(prompt.contains(QStringLiteral("explain")), qPrintable(prompt));
        QVERIFY2(!prompt.contains(QStringLiteral("abcdefghijklmnop1234")), qPrintable(prompt));
        QVERIFY(!full.json().value(QStringLiteral("answer_body")).toString().isEmpty());
        QCOMPARE(logs("q=explain").size(), 1);

        // The admin setting turns capture on for everything.
        HttpRequest put = HttpRequest::post("/api/v1/logs/settings", "{\"capture_bodies\":true,\"retention_days\":7}");
        put.method = "PUT";
        put.withBearer(kToken);
        const HttpResponse changed = TestHttpClient::fetch(m_gw->adminPort(), put);
        QCOMPARE(changed.status, 200);
        QCOMPARE(changed.json().value(QStringLiteral("capture_bodies")).toBool(), true);
        QCOMPARE(admin("/api/v1/logs/settings").json().value(QStringLiteral("retention_days")).toDouble(), 7.0);
        QCOMPARE(chat("after-setting").status, 200);
        QVERIFY(byRequestId(waitForLogs(3), QStringLiteral("after-setting")).value(QStringLiteral("has_bodies")).toBool());
        put.body = "{\"capture_bodies\":\"yes\"}";
        QCOMPARE(TestHttpClient::fetch(m_gw->adminPort(), put).status, 400);
    }

    void liveLogsOverTheAdminWebSocket()
    {
        QNetworkRequest request(QUrl(QStringLiteral("ws://127.0.0.1:%1/api/v1/logs/live?status=200").arg(m_gw->adminPort())));
        request.setRawHeader("Authorization", "Bearer " + kToken);
        QWebSocket socket;
        QList<QJsonObject> messages;
        QElapsedTimer clock;
        clock.start();
        qint64 lastAt = 0;
        connect(&socket, &QWebSocket::textMessageReceived, this, [&](const QString &text) {
            messages.append(QJsonDocument::fromJson(text.toUtf8()).object());
            lastAt = clock.elapsed();
        });
        socket.open(request);
        QTRY_COMPARE(messages.size(), 1);
        QCOMPARE(messages.at(0).value(QStringLiteral("type")).toString(), QStringLiteral("hello"));

        QCOMPARE(chat("live-1").status, 200);
        const qint64 answeredAt = clock.elapsed();
        TestHttpClient::fetch(m_gw->port(), HttpRequest::post("/v1/chat/completions", chatBody("nope"))); // 404: filtered out
        QTRY_COMPARE(messages.size(), 2);
        const QJsonArray records = messages.at(1).value(QStringLiteral("records")).toArray();
        QCOMPARE(records.size(), 1);
        QCOMPARE(records.at(0).toObject().value(QStringLiteral("request_id")).toString(), QStringLiteral("live-1"));
        QVERIFY(reportPrompt("answered to live record", double(lastAt - answeredAt)));
        QTest::qWait(200);
        QCOMPARE(messages.size(), 2);
        // Still a normal HTTP listener afterwards.
        QCOMPARE(admin("/api/v1/info").status, 200);
        socket.close();

        // Without the admin token there is no upgrade.
        QWebSocket intruder;
        bool intruderConnected = false;
        connect(&intruder, &QWebSocket::connected, this, [&] { intruderConnected = true; });
        intruder.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/api/v1/logs/live").arg(m_gw->adminPort())));
        QTest::qWait(500);
        QVERIFY(!intruderConnected || intruder.state() != QAbstractSocket::ConnectedState);
    }

    void liveSocketSurvivesTheRequestTimeout()
    {
        // The connection guard's watchdog must not fire into an upgraded connection.
        ServerLimits limits;
        limits.headerTimeoutMs = 300;
        m_gw = std::make_unique<GatewayFixture>(limits);
        m_gw->apply(m_gw->standardConfig(m_fake->baseUrl()));
        QNetworkRequest request(QUrl(QStringLiteral("ws://127.0.0.1:%1/api/v1/logs/live").arg(m_gw->adminPort())));
        request.setRawHeader("Authorization", "Bearer " + kToken);
        QWebSocket socket;
        int messages = 0;
        connect(&socket, &QWebSocket::textMessageReceived, this, [&](const QString &) { ++messages; });
        socket.open(request);
        QTRY_COMPARE(messages, 1);
        QTest::qWait(800);
        QCOMPARE(socket.state(), QAbstractSocket::ConnectedState);
        QCOMPARE(chat("late").status, 200);
        QTRY_COMPARE(messages, 2);
    }

    void metricsEndpoint()
    {
        QCOMPARE(chat("m-1").status, 200);
        waitForLogs(1);
        const HttpResponse r = admin("/metrics", {}); // loopback: no token needed
        QCOMPARE(r.status, 200);
        QVERIFY(r.header("content-type").startsWith("text/plain; version=0.0.4"));
        for (const char *name : {"model_inferences_in_flight", "model_inferences_total", "inference_request_duration_seconds",
                                 "http_request_duration_seconds", "code_suggestions_requests", "code_suggestions_accepts",
                                 "code_suggestions_errors", "airlock_overhead_seconds", "airlock_model_endpoint_up",
                                 "airlock_request_log_written_total", "airlock_request_log_dropped_total",
                                 "airlock_live_log_dropped_subscribers_total"}) {
            QVERIFY2(r.body.contains(QByteArray(QByteArray("# TYPE ") + name + " ")), name);
        }
        QVERIFY(r.body.contains("airlock_model_endpoint_up{endpoint=\"fake\"} 1\n"));
        QVERIFY(!r.body.contains("sk-upstream-secret"));
    }

    void gracefulStopLosesNothing()
    {
        auto clients = TestHttpClient::launch(m_gw->port(), 50, HttpRequest::post("/v1/chat/completions", chatBody("code_completions")));
        QVERIFY(QTest::qWaitFor([&] {
            for (const auto &c : clients) {
                if (c->completedResponses() < 1)
                    return false;
            }
            return true;
        }, 20000));
        const QString dir = m_gw->gateway->dataDir();
        m_gw->gateway->stop(); // at once: records are still in the queue
        auto db = Database::open(dir);
        QVERIFY(db);
        logging::RequestLogStore store(**db);
        QCOMPARE(*store.countRows(), qint64(50));
    }
};

QTEST_MAIN(tst_RequestLogApi)
#include "tst_requestlogapi.moc"
