// The request log end to end: a real gateway writes one record per request; the admin API pages,
// filters, aggregates and streams them live; /metrics; the Airlock-time header; body capture with
// redaction (by flag or admin setting, on every dialect); GitLab's fields and the model server's token
// counts on the record; a graceful stop loses nothing.

#include "gatewayfixture.h"
#include "gitlabrequests.h"
#include "storage/configstore.h"
#include "storage/database.h"
#include "storage/requestlogstore.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkRequest>
#include <QWebSocket>

using namespace airlock;
using namespace airlock::test;
namespace gl = airlock::test::gitlab;

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

    // A GitLab-shaped request (gitlabrequests.h headers) whose X-Request-ID is `requestId`.
    HttpResponse gitlab(const QByteArray &path, const QJsonObject &body, const QByteArray &requestId,
                        const HeaderList &extra = {}, const QByteArray &userId = "user-sha-1")
    {
        HttpRequest r = gl::post(path, body, userId);
        for (auto &[name, value] : r.headers) {
            if (name.compare("X-Request-ID", Qt::CaseInsensitive) == 0)
                value = requestId;
        }
        for (const auto &[name, value] : extra)
            r.withHeader(name, value);
        return TestHttpClient::fetch(m_gw->port(), r);
    }

    HttpResponse post(const QByteArray &path, const QByteArray &body, const QByteArray &requestId)
    {
        return TestHttpClient::fetch(m_gw->port(), HttpRequest::post(path, body).withHeader("X-Request-ID", requestId));
    }

    void setCaptureAll(bool on)
    {
        HttpRequest put = HttpRequest::post("/api/v1/logs/settings", on ? "{\"capture_bodies\":true}" : "{\"capture_bodies\":false}");
        put.method = "PUT";
        put.withBearer(kToken);
        const HttpResponse changed = TestHttpClient::fetch(m_gw->adminPort(), put);
        QCOMPARE(changed.status, 200);
        QCOMPARE(changed.json().value(QStringLiteral("capture_bodies")).toBool(), on);
    }

    // The stored record of `requestId`, in full (bodies included), once it is written.
    QJsonObject fullRecord(const QString &requestId)
    {
        QJsonObject item;
        (void)QTest::qWaitFor([&] { return !(item = byRequestId(logs("limit=1000"), requestId)).isEmpty(); }, 5000);
        if (item.isEmpty())
            return {};
        return admin("/api/v1/logs/" + QByteArray::number(item.value(QStringLiteral("id")).toInteger())).json();
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
        QCOMPARE(ok.value(QStringLiteral("feature")).toString(), QStringLiteral("code_completions")); // the model named it
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
        QCOMPARE(logs("feature=code_completions").size(), 4);
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

    void gitlabRoutesHonourTheCaptureSettingAndTheFlag()
    {
        // A secret in the code above the cursor goes into the prompt Airlock builds for the model. Each
        // request differs below the cursor, so that none is answered from the completion cache.
        auto body = [](const char *below) {
            return gl::completionBody(QStringLiteral("src/main.py"),
                                      QStringLiteral("API_KEY = \"sk-abcdefghijklmnop1234\"\ndef add(a, b):\n    "),
                                      QLatin1String(below));
        };
        // Setting off, no flag: no bodies.
        QCOMPARE(gitlab("/v2/code/completions", body("\n# 1\n"), "gl-plain").status, 200);
        const QJsonObject plain = fullRecord(QStringLiteral("gl-plain"));
        QCOMPARE(plain.value(QStringLiteral("dialect")).toString(), QStringLiteral("gitlab"));
        QCOMPARE(plain.value(QStringLiteral("has_bodies")).toBool(), false);
        QVERIFY(!plain.contains(QStringLiteral("prompt_body")));
        QVERIFY(!plain.contains(QStringLiteral("answer_body")));

        // Setting on, no flag: bodies on the GitLab route too, redacted.
        setCaptureAll(true);
        QCOMPARE(gitlab("/v2/code/completions", body("\n# 2\n"), "gl-setting").status, 200);
        const QJsonObject captured = fullRecord(QStringLiteral("gl-setting"));
        QCOMPARE(captured.value(QStringLiteral("has_bodies")).toBool(), true);
        QVERIFY(!captured.value(QStringLiteral("cached")).toBool());
        const QString prompt = captured.value(QStringLiteral("prompt_body")).toString();
        QVERIFY2(prompt.contains(QStringLiteral("[PREFIX]")), qPrintable(prompt)); // the prompt sent upstream
        QVERIFY2(prompt.contains(QStringLiteral("def add(a, b):")), qPrintable(prompt));
        QVERIFY2(prompt.contains(QStringLiteral("[REDACTED]")), qPrintable(prompt));
        QVERIFY2(!prompt.contains(QStringLiteral("abcdefghijklmnop1234")), qPrintable(prompt));
        const QString answer = captured.value(QStringLiteral("answer_body")).toString();
        QVERIFY2(answer.contains(QStringLiteral("tok0")), qPrintable(answer)); // the fake's text, as the client got it
        // A GitLab chat route as well (another adapter path).
        GatewayConfig config = m_gw->standardConfig(m_fake->baseUrl());
        config.features.insert(QStringLiteral("duo_chat_explain_code"), QStringLiteral("fake"));
        m_gw->apply(config);
        QCOMPARE(gitlab("/v1/chat/explain_code", gl::chatBody(QStringLiteral("explain this")), "gl-chat").status, 200);
        const QJsonObject chat = fullRecord(QStringLiteral("gl-chat"));
        QCOMPARE(chat.value(QStringLiteral("has_bodies")).toBool(), true);
        QVERIFY2(chat.value(QStringLiteral("prompt_body")).toString().contains(QStringLiteral("explain this")),
                 qPrintable(chat.value(QStringLiteral("prompt_body")).toString()));
        QVERIFY(!chat.value(QStringLiteral("answer_body")).toString().isEmpty());

        // Setting off again, no flag: none.
        setCaptureAll(false);
        QCOMPARE(gitlab("/v2/code/completions", body("\n# 3\n"), "gl-off-again").status, 200);
        QCOMPARE(fullRecord(QStringLiteral("gl-off-again")).value(QStringLiteral("has_bodies")).toBool(), false);

        // Setting off, the request's flag (one item of the list, blanks around items allowed): bodies.
        QCOMPARE(gitlab("/v2/code/completions", body("\n# 4\n"), "gl-flagged",
                        {{"x-gitlab-enabled-feature-flags", "foo, expanded_ai_logging"}}).status, 200);
        const QJsonObject flagged = fullRecord(QStringLiteral("gl-flagged"));
        QCOMPARE(flagged.value(QStringLiteral("has_bodies")).toBool(), true);
        QVERIFY(!flagged.value(QStringLiteral("prompt_body")).toString().contains(QStringLiteral("abcdefghijklmnop1234")));
        // A flag that only starts with the name is another flag.
        QCOMPARE(gitlab("/v2/code/completions", body("\n# 5\n"), "gl-other-flag",
                        {{"x-gitlab-enabled-feature-flags", "expanded_ai_logging_v2"}}).status, 200);
        QCOMPARE(fullRecord(QStringLiteral("gl-other-flag")).value(QStringLiteral("has_bodies")).toBool(), false);
    }

    void telemetryOfCompletionRequestsIsAggregated()
    {
        // GitLab sends the client's counts since its last request in `telemetry`; Airlock sums them per
        // day, model and language, and counts each user once a day. All requests on one UTC day: close to
        // midnight the test first waits for the new day (at most 2 minutes).
        const qint64 nowMs = QDateTime::currentMSecsSinceEpoch();
        const qint64 msToMidnight = QDateTime::fromMSecsSinceEpoch(nowMs, Qt::UTC).date().addDays(1).startOfDay(Qt::UTC).toMSecsSinceEpoch() - nowMs;
        if (msToMidnight < 120000)
            QTest::qWait(int(msToMidnight) + 1000);
        const auto item = [](const char *lang, int requests, int accepts, int errors) {
            return QJsonObject{{QStringLiteral("model_engine"), QStringLiteral("litellm")},
                               {QStringLiteral("model_name"), QStringLiteral("codestral")},
                               {QStringLiteral("lang"), QLatin1String(lang)},
                               {QStringLiteral("requests"), requests},
                               {QStringLiteral("accepts"), accepts},
                               {QStringLiteral("errors"), errors}};
        };
        QJsonObject first = gl::completionBody(QStringLiteral("a.py"));
        first.insert(QStringLiteral("telemetry"), QJsonArray{item("python", 3, 1, 0)});
        QJsonObject second = gl::completionBody(QStringLiteral("b.py"));
        second.insert(QStringLiteral("telemetry"), QJsonArray{item("python", 2, 2, 1), item("go", 4, 0, 0)});
        QJsonObject third = gl::completionBody(QStringLiteral("c.py"));
        third.insert(QStringLiteral("telemetry"), QJsonArray{item("go", 1, 1, 0)});
        QCOMPARE(gitlab("/v2/code/completions", first, "tm-1", {}, "user-a").status, 200);
        QCOMPARE(gitlab("/v2/code/completions", second, "tm-2", {}, "user-a").status, 200);
        QCOMPARE(gitlab("/v2/code/completions", third, "tm-3", {}, "user-b").status, 200);
        QCOMPARE(chat("no-user").status, 200); // no user id: not a daily user
        const qint64 firstMs = fullRecord(QStringLiteral("tm-1")).value(QStringLiteral("started_ms")).toInteger();
        const qint64 lastMs = fullRecord(QStringLiteral("no-user")).value(QStringLiteral("started_ms")).toInteger();
        QVERIFY(firstMs > 0 && lastMs > 0);
        const QString today = QDateTime::fromMSecsSinceEpoch(firstMs, Qt::UTC).date().toString(Qt::ISODate);
        QVERIFY2(QDateTime::fromMSecsSinceEpoch(lastMs, Qt::UTC).date().toString(Qt::ISODate) == today,
                 "the requests took more than the 2 minutes left before midnight UTC");

        const HttpResponse r = admin("/api/v1/telemetry");
        QCOMPARE(r.status, 200);
        const QJsonObject t = r.json();
        const QJsonArray byLanguage = t.value(QStringLiteral("by_language")).toArray();
        QCOMPARE(byLanguage.size(), 2);
        const QJsonObject go = byLanguage.at(0).toObject(); // ordered by language
        QCOMPARE(go.value(QStringLiteral("lang")).toString(), QStringLiteral("go"));
        QCOMPARE(go.value(QStringLiteral("requests")).toInteger(), 5);
        QCOMPARE(go.value(QStringLiteral("accepts")).toInteger(), 1);
        QCOMPARE(go.value(QStringLiteral("acceptance_rate")).toDouble(), 0.2);
        const QJsonObject python = byLanguage.at(1).toObject();
        QCOMPARE(python.value(QStringLiteral("lang")).toString(), QStringLiteral("python"));
        QCOMPARE(python.value(QStringLiteral("requests")).toInteger(), 5);
        QCOMPARE(python.value(QStringLiteral("accepts")).toInteger(), 3);
        QCOMPARE(python.value(QStringLiteral("errors")).toInteger(), 1);
        QCOMPARE(python.value(QStringLiteral("acceptance_rate")).toDouble(), 0.6);
        const QJsonArray byModel = t.value(QStringLiteral("by_model")).toArray();
        QCOMPARE(byModel.size(), 1);
        QCOMPARE(byModel.at(0).toObject().value(QStringLiteral("model_name")).toString(), QStringLiteral("codestral"));
        QCOMPARE(byModel.at(0).toObject().value(QStringLiteral("requests")).toInteger(), 10);
        const QJsonArray perDay = t.value(QStringLiteral("by_day_model_language")).toArray();
        QCOMPARE(perDay.size(), 2); // today × codestral × {go, python}
        QCOMPARE(perDay.at(0).toObject().value(QStringLiteral("day")).toString(), today);
        const QJsonArray users = t.value(QStringLiteral("daily_users")).toArray();
        QCOMPARE(users.size(), 1);
        QCOMPARE(users.at(0).toObject().value(QStringLiteral("day")).toString(), today);
        QCOMPARE(users.at(0).toObject().value(QStringLiteral("unique_users")).toInteger(), 2);
        QCOMPARE(users.at(0).toObject().value(QStringLiteral("requests")).toInteger(), 3);
    }

    void gitlabRecordCarriesGitLabFields()
    {
        m_fake->setDefaultBehavior(FakeBehavior::answer(5));
        QCOMPARE(gitlab("/v2/code/completions", gl::completionBody(), "gl-fields").status, 200);
        const QJsonObject r = fullRecord(QStringLiteral("gl-fields"));
        QCOMPARE(r.value(QStringLiteral("status")).toInt(), 200);
        QCOMPARE(r.value(QStringLiteral("dialect")).toString(), QStringLiteral("gitlab"));
        QCOMPARE(r.value(QStringLiteral("path")).toString(), QStringLiteral("/v2/code/completions"));
        QCOMPARE(r.value(QStringLiteral("feature")).toString(), QStringLiteral("code_completions"));
        QCOMPARE(r.value(QStringLiteral("model_endpoint")).toString(), QStringLiteral("fake"));
        QCOMPARE(r.value(QStringLiteral("user_id")).toString(), QStringLiteral("user-sha-1"));
        QCOMPARE(r.value(QStringLiteral("instance_id")).toString(), QStringLiteral("11111111-2222-3333-4444-555555555555"));
        QCOMPARE(r.value(QStringLiteral("realm")).toString(), QStringLiteral("self-managed"));
        QCOMPARE(r.value(QStringLiteral("host_name")).toString(), QStringLiteral("gitlab.example.internal"));
        QCOMPARE(r.value(QStringLiteral("gitlab_version")).toString(), QStringLiteral("17.8.0"));
        QCOMPARE(r.value(QStringLiteral("client_version")).toString(), QStringLiteral("6.2.0"));
        QCOMPARE(r.value(QStringLiteral("user_agent")).toString(), QStringLiteral("gitlab-language-server/6.2.0"));
        QCOMPARE(r.value(QStringLiteral("lang")).toString(), QStringLiteral("python"));
        QCOMPARE(r.value(QStringLiteral("answer_tokens")).toInt(), 5); // the fake's usage.completion_tokens
        QVERIFY(r.value(QStringLiteral("prompt_tokens")).toInt() > 0);
        // The user filter finds it.
        QCOMPARE(byRequestId(logs("user=user-sha-1"), QStringLiteral("gl-fields")).isEmpty(), false);
    }

    void openAiRecordsCarryTheModelServersTokenCounts()
    {
        // The fake counts prompt tokens as the words of the messages / prompt, answer tokens as chunkCount.
        const QByteArray chatRequest = "{\"model\":\"code_completions\",\"messages\":[{\"role\":\"user\","
                                       "\"content\":\"one two three four five\"}]";
        const QByteArray completionRequest = "{\"model\":\"code_completions\",\"prompt\":\"def add ( a , b ) :\"";
        const QByteArray withUsage = ",\"stream\":true,\"stream_options\":{\"include_usage\":true}}";

        m_fake->enqueue(FakeBehavior::answer(4));
        QCOMPARE(post("/v1/chat/completions", chatRequest + "}", "chat-whole").status, 200);
        m_fake->enqueue(FakeBehavior::answer(6));
        const HttpResponse chatStream = post("/v1/chat/completions", chatRequest + withUsage, "chat-stream");
        QCOMPARE(chatStream.status, 200);
        // Passed through as the model server sent it: the client gets the usage event before [DONE].
        QVERIFY(chatStream.sawDone());
        QCOMPARE(chatStream.events.at(chatStream.events.size() - 2).json().value(QStringLiteral("usage")).toObject()
                     .value(QStringLiteral("completion_tokens")).toInt(), 6);
        QCOMPARE(m_fake->lastRequest().json().value(QStringLiteral("stream_options")).toObject()
                     .value(QStringLiteral("include_usage")).toBool(), true);
        m_fake->enqueue(FakeBehavior::answer(2));
        QCOMPARE(post("/v1/completions", completionRequest + "}", "cmpl-whole").status, 200);
        m_fake->enqueue(FakeBehavior::answer(7, 5));
        QCOMPARE(post("/v1/completions", completionRequest + withUsage, "cmpl-stream").status, 200);
        // A stream the client did not ask usage for: Airlock does not add stream_options, the count stays unknown.
        m_fake->enqueue(FakeBehavior::answer(3));
        QCOMPARE(post("/v1/chat/completions", chatRequest + ",\"stream\":true}", "chat-stream-no-usage").status, 200);
        QVERIFY(!m_fake->lastRequest().json().contains(QStringLiteral("stream_options")));

        const QJsonArray items = waitForLogs(5);
        auto tokens = [&](const char *id) {
            const QJsonObject r = byRequestId(items, QLatin1String(id));
            return std::pair{r.value(QStringLiteral("prompt_tokens")).toInt(-1), r.value(QStringLiteral("answer_tokens")).toInt(-1)};
        };
        QCOMPARE(tokens("chat-whole"), std::pair(5, 4));
        QCOMPARE(tokens("chat-stream"), std::pair(5, 6));
        QCOMPARE(tokens("cmpl-whole"), std::pair(8, 2));
        QCOMPARE(tokens("cmpl-stream"), std::pair(8, 7));
        QCOMPARE(tokens("chat-stream-no-usage"), std::pair(-1, -1));
        QVERIFY(byRequestId(items, QStringLiteral("chat-stream")).value(QStringLiteral("stream")).toBool());

        // The aggregates add them up.
        const QJsonObject total = admin("/api/v1/logs/aggregate").json().value(QStringLiteral("total")).toObject();
        QCOMPARE(total.value(QStringLiteral("prompt_tokens")).toInteger(), 5 + 5 + 8 + 8);
        QCOMPARE(total.value(QStringLiteral("answer_tokens")).toInteger(), 4 + 6 + 2 + 7);
    }

    void streamUsageSplitAcrossReadsAndTheLastOneWins()
    {
        // A model server (or a proxy in front of it) whose HTTP chunks cut events anywhere: one event per
        // chunk is not a rule. vLLM's continuous usage stats put usage on every chunk: the last one counts.
        const QList<QByteArray> pieces = {
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"}}],\"usage\":{\"prompt_tokens\":11,\"completion_tokens\":1}}\r\n\r\n",
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\" there\"}}],\"usage\":null}\n\ndata: {\"choices\":[],\"us",
            "age\" : {\"prompt_tokens\":11,",
            "\"completion_tokens\":22,\"total_tokens\":33}}\n",
            "\ndata: [DONE]\n\n",
        };
        QByteArray raw = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n";
        for (const QByteArray &p : pieces)
            raw += QByteArray::number(p.size(), 16) + "\r\n" + p + "\r\n";
        raw += "0\r\n\r\n";
        m_fake->enqueue(FakeBehavior::raw(raw));
        const HttpResponse r = post("/v1/chat/completions", chatBody("code_completions", true), "split");
        QCOMPARE(r.status, 200);
        QCOMPARE(r.streamedText(), QStringLiteral("hi there"));
        const QJsonObject record = byRequestId(waitForLogs(1), QStringLiteral("split"));
        QCOMPARE(record.value(QStringLiteral("prompt_tokens")).toInt(), 11);
        QCOMPARE(record.value(QStringLiteral("answer_tokens")).toInt(), 22);
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
        QVERIFY(reportLatency("answered to live record", double(lastAt - answeredAt)));
        QTest::qWait(200);
        QCOMPARE(messages.size(), 2);
        // Still a normal HTTP listener afterwards.
        QCOMPARE(admin("/api/v1/info").status, 200);
        socket.close();

        // Without the admin token there is no upgrade: the handshake is refused with 401 (or, where QHttpServer
        // does not consult the route for upgrades, the accepted socket is closed at once with 1008 "policy
        // violated"), and not a byte of the live log reaches it. A refusal, not a slow upgrade: the test
        // waits for the socket to end and asserts how it ended.
        const HttpResponse refused = TestHttpClient::fetch(
            m_gw->adminPort(), HttpRequest::get("/api/v1/logs/live")
                                   .withHeader("Connection", "Upgrade")
                                   .withHeader("Upgrade", "websocket")
                                   .withHeader("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
                                   .withHeader("Sec-WebSocket-Version", "13"));
        QVERIFY2(refused.status == 401 || refused.status == 101, qPrintable(QString::number(refused.status)));
        if (refused.status == 401)
            QCOMPARE(refused.json().value(QStringLiteral("error")).toObject().value(QStringLiteral("code")).toString(),
                     QStringLiteral("unauthorized"));
        QWebSocket intruder;
        bool intruderEnded = false;
        int intruderMessages = 0;
        connect(&intruder, &QWebSocket::disconnected, this, [&] { intruderEnded = true; });
        connect(&intruder, qOverload<QAbstractSocket::SocketError>(&QWebSocket::error), this, [&] { intruderEnded = true; });
        connect(&intruder, &QWebSocket::textMessageReceived, this, [&] { ++intruderMessages; });
        intruder.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/api/v1/logs/live").arg(m_gw->adminPort())));
        QTRY_VERIFY_WITH_TIMEOUT(intruderEnded, 15000);
        QTRY_COMPARE_WITH_TIMEOUT(intruder.state(), QAbstractSocket::UnconnectedState, 15000);
        QCOMPARE(intruderMessages, 0);
        if (refused.status == 401)
            QVERIFY2(intruder.errorString().contains(QLatin1String("401")), qPrintable(intruder.errorString()));
        else
            QCOMPARE(intruder.closeCode(), QWebSocketProtocol::CloseCodePolicyViolated);
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
        // The writer thread observes a record after it commits it, so the log query can see the row a moment
        // before /metrics counts it: wait for the count, then check the whole page.
        HttpResponse r;
        QTRY_VERIFY_WITH_TIMEOUT((r = admin("/metrics", {})).body.contains("airlock_model_endpoint_up{endpoint=\"fake\"}"),
                                 10000); // loopback: no token needed
        QCOMPARE(r.status, 200);
        QVERIFY(r.header("content-type").startsWith("text/plain; version=0.0.4"));
        for (const char *name : {"model_inferences_in_flight", "model_inferences_total", "inference_request_duration_seconds",
                                 "http_request_duration_seconds", "code_suggestions_requests", "code_suggestions_accepts",
                                 "code_suggestions_errors", "airlock_overhead_seconds", "airlock_model_endpoint_up",
                                 "airlock_request_log_written_total", "airlock_request_log_dropped_total",
                                 "airlock_live_log_dropped_subscribers_total"}) {
            QVERIFY2(r.body.contains(QByteArray(QByteArray("# TYPE ") + name + " ")), name);
        }
        QVERIFY2(r.body.contains("airlock_model_endpoint_up{endpoint=\"fake\"} 1\n"), r.body.constData());
        QVERIFY2(r.body.contains("http_request_duration_seconds_count{handler=\"/v1/chat/completions\",method=\"POST\",status=\"200\"} 1\n"),
                 r.body.constData());
        QVERIFY(!r.body.contains("sk-upstream-secret"));
    }

    void settingsAreTheConfigStoresRequestLogSetting()
    {
        QTemporaryDir data;
        const QString dir = data.path();
        const auto inData = [&](GatewayOptions &o) { o.dataDir = dir; };
        m_gw = std::make_unique<GatewayFixture>(ServerLimits{}, 1, inData);
        // A PUT is stored as the "request_log" setting of the store ...
        HttpRequest put = HttpRequest::post("/api/v1/logs/settings", "{\"retention_days\":5,\"max_rows\":900}");
        put.method = "PUT";
        put.withBearer(kToken);
        QCOMPARE(TestHttpClient::fetch(m_gw->adminPort(), put).status, 200);
        m_gw.reset();
        {
            auto db = Database::open(dir);
            QVERIFY(db);
            auto stored = ConfigStore(**db).setting(QStringLiteral("request_log"));
            QVERIFY(stored);
            const QJsonObject json = QJsonDocument::fromJson(stored->toUtf8()).object();
            QCOMPARE(json.value(QStringLiteral("retention_days")).toDouble(), 5.0);
            QCOMPARE(json.value(QStringLiteral("max_rows")).toInteger(), 900);
            QCOMPARE(json.value(QStringLiteral("capture_bodies")).toBool(), false);
            // ... and what the store holds is in force at the next start.
            QVERIFY(ConfigStore(**db).setSetting(QStringLiteral("request_log"),
                                                 QStringLiteral("{\"capture_bodies\":true,\"retention_days\":2}")));
        }
        m_gw = std::make_unique<GatewayFixture>(ServerLimits{}, 1, inData);
        const QJsonObject loaded = admin("/api/v1/logs/settings").json();
        QCOMPARE(loaded.value(QStringLiteral("capture_bodies")).toBool(), true);
        QCOMPARE(loaded.value(QStringLiteral("retention_days")).toDouble(), 2.0);
        m_gw.reset(); // before its data dir goes
    }

    void storedSettingsThatDoNotParseAreIgnored()
    {
        QTemporaryDir data;
        const QString dir = data.path();
        const auto inData = [&](GatewayOptions &o) { o.dataDir = dir; };
        m_gw = std::make_unique<GatewayFixture>(ServerLimits{}, 1, inData);
        const QJsonObject defaults = admin("/api/v1/logs/settings").json();
        m_gw.reset();
        {
            auto db = Database::open(dir);
            QVERIFY(db);
            QVERIFY(ConfigStore(**db).setSetting(QStringLiteral("request_log"),
                                                 QStringLiteral("{\"capture_bodies\":\"yes\",\"max_rows\":7}")));
        }
        m_gw = std::make_unique<GatewayFixture>(ServerLimits{}, 1, inData);
        QCOMPARE(admin("/api/v1/logs/settings").json(), defaults);
        m_gw.reset(); // before its data dir goes
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
        storage::RequestLogStore store(**db);
        QCOMPARE(*store.countRows(), qint64(50));
    }
};

QTEST_MAIN(tst_RequestLogApi)
#include "tst_requestlogapi.moc"
