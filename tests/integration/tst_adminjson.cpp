// The admin API's JSON bodies through a real gateway: every endpoint that reads a JSON body refuses another
// Content-Type with 415 and an error naming the cause, refuses a body that is not a JSON object with 400,
// and answers its errors in the one admin shape {"error":{"code","message"[,"field"]}}.

#include "gatewayfixture.h"

#include <QJsonArray>

using namespace airlock;
using namespace airlock::test;

namespace {

const QByteArray kToken = "test-admin-token";

struct JsonEndpoint
{
    QByteArray method;
    QByteArray path;
    QByteArray mediaTypeMessage; // the 415 answer's message
};

const QList<JsonEndpoint> kJsonEndpoints = {
    {"PUT", "/api/v1/config", "send the configuration as application/json"},
    {"POST", "/api/v1/tokens", "send application/json"},
    {"PUT", "/api/v1/trust", "send application/json"},
    {"POST", "/api/v1/keys/rotate", "send application/json"},
    {"POST", "/api/v1/prompts/render", "send the body as application/json"},
    {"PUT", "/api/v1/prompts/overrides/fake/code_completions", "send the body as application/json"},
    {"POST", "/api/v1/models/test", "send the body as application/json"},
    {"PUT", "/api/v1/logs/settings", "send the settings as application/json"},
};

QByteArray errorBody(const QByteArray &code, const QByteArray &message)
{
    return "{\"error\":{\"code\":\"" + code + "\",\"message\":\"" + message + "\"}}";
}

} // namespace

class tst_AdminJson : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<FakeModelServer> m_fake;
    std::unique_ptr<GatewayFixture> m_gw;

    HttpResponse send(const QByteArray &method, const QByteArray &path, const QByteArray &body,
                      const QByteArray &contentType)
    {
        HttpRequest r = HttpRequest::post(path, body, contentType);
        r.method = method;
        r.withBearer(kToken);
        return TestHttpClient::fetch(m_gw->adminPort(), r);
    }

    HttpResponse get(const QByteArray &path)
    {
        return TestHttpClient::fetch(m_gw->adminPort(), HttpRequest::get(path).withBearer(kToken));
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

    void wrongContentTypeIs415NamingTheCause_data()
    {
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<QByteArray>("path");
        QTest::addColumn<QByteArray>("message");
        for (const JsonEndpoint &endpoint : kJsonEndpoints) {
            const QByteArray name = endpoint.method + ' ' + endpoint.path;
            QTest::newRow(name.constData()) << endpoint.method << endpoint.path << endpoint.mediaTypeMessage;
        }
    }

    void wrongContentTypeIs415NamingTheCause()
    {
        QFETCH(QByteArray, method);
        QFETCH(QByteArray, path);
        QFETCH(QByteArray, message);
        for (const QByteArray &contentType : {QByteArray("text/plain"), QByteArray("application/x-www-form-urlencoded")}) {
            const HttpResponse r = send(method, path, "{\"alg\":\"ES256\"}", contentType);
            QCOMPARE(r.status, 415);
            QCOMPARE(r.header("content-type"), QByteArray("application/json"));
            QCOMPARE(r.body, errorBody("unsupported_media_type", message));
        }
    }

    void settingsRefusedFor415AreNotChanged()
    {
        const QByteArray before = get("/api/v1/logs/settings").body;
        QVERIFY(!before.isEmpty());
        const HttpResponse refused = send("PUT", "/api/v1/logs/settings", "{\"retention_days\":3}", "text/plain");
        QCOMPARE(refused.status, 415);
        QCOMPARE(get("/api/v1/logs/settings").body, before);

        // The same body as application/json (any parameters, any case) is taken.
        const HttpResponse taken = send("PUT", "/api/v1/logs/settings", "{\"retention_days\":3}",
                                        "Application/JSON; charset=utf-8");
        QCOMPARE(taken.status, 200);
        QCOMPARE(taken.json().value(QStringLiteral("retention_days")).toDouble(), 3.0);
        QCOMPARE(get("/api/v1/logs/settings").json().value(QStringLiteral("retention_days")).toDouble(), 3.0);
    }

    void notAJsonObjectIs400()
    {
        for (const QByteArray &body : {QByteArray("{not json"), QByteArray("[1,2]"), QByteArray("\"text\"")}) {
            QCOMPARE(send("POST", "/api/v1/tokens", body, "application/json").body,
                     errorBody("invalid_json", "the body must be a JSON object"));
            QCOMPARE(send("POST", "/api/v1/prompts/render", body, "application/json").body,
                     errorBody("invalid_json", "the body must be a JSON object"));
            const HttpResponse settings = send("PUT", "/api/v1/logs/settings", body, "application/json");
            QCOMPARE(settings.status, 400);
            QCOMPARE(settings.body, errorBody("invalid_parameter", "send a JSON object"));
        }
        QCOMPARE(send("POST", "/api/v1/tokens", "{not json", "application/json").status, 400);
        QCOMPARE(send("PUT", "/api/v1/trust", "[]", "application/json").status, 400);
    }

    void errorsCarryTheFieldTheyName()
    {
        const HttpResponse r = send("PUT", "/api/v1/logs/settings", "{\"capture_bodies\":\"yes\"}", "application/json");
        QCOMPARE(r.status, 400);
        QCOMPARE(r.body, QByteArray("{\"error\":{\"code\":\"invalid_type\",\"field\":\"capture_bodies\","
                                    "\"message\":\"capture_bodies must be a boolean\"}}"));
        const HttpResponse rotate = send("POST", "/api/v1/keys/rotate", "{\"alg\":\"RS256\"}", "application/json");
        QCOMPARE(rotate.status, 400);
        QCOMPARE(rotate.body, QByteArray("{\"error\":{\"code\":\"invalid_value\",\"field\":\"alg\","
                                         "\"message\":\"alg must be ES256 or EdDSA\"}}"));
    }

    void aMissingRevisionIs404()
    {
        // The template store's "not_found" is a 404 in every admin handler that passes a store error on.
        const HttpResponse r = send("POST", "/api/v1/prompts/overrides/fake/code_completions/revert",
                                    "{\"revision\":987654}", "application/json");
        QCOMPARE(r.status, 404);
        QCOMPARE(r.json().value(QStringLiteral("error")).toObject().value(QStringLiteral("code")).toString(),
                 QStringLiteral("not_found"));
        const HttpResponse record = get("/api/v1/logs/987654");
        QCOMPARE(record.status, 404);
        QCOMPARE(record.json().value(QStringLiteral("error")).toObject().value(QStringLiteral("code")).toString(),
                 QStringLiteral("not_found"));
    }

    void answersAreCompactJson()
    {
        const HttpResponse issued = send("POST", "/api/v1/tokens",
                                         "{\"subject\":\"ide\",\"scopes\":[\"complete_code\"]}", "application/json");
        QCOMPARE(issued.status, 201);
        QCOMPARE(issued.header("content-type"), QByteArray("application/json"));
        QCOMPARE(issued.header("cache-control"), QByteArray("no-store"));
        QVERIFY(!issued.body.contains('\n'));
        const HttpResponse list = get("/api/v1/tokens");
        QCOMPARE(list.status, 200);
        QCOMPARE(list.json().value(QStringLiteral("tokens")).toArray().size(), 1);
        QVERIFY(!list.body.contains('\n'));
    }
};

QTEST_MAIN(tst_AdminJson)
#include "tst_adminjson.moc"
