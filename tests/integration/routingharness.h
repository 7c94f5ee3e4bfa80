#pragma once

// The routing tests' harness (tst_routing, tst_routinghedging): three fake model servers serving every
// identifier the tests configure, a real gateway in this process, configuration documents with models of
// several replicas, routes of tiers and a `resilience` section, and the request log's record and
// attempts of a request sent with an X-Request-ID.

#include "gatewayfixture.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QObject>
#include <QTest>

#include <cmath>
#include <memory>
#include <vector>

namespace airlock::test::routing {

inline const QByteArray kAdminToken = "test-admin-token";
inline const QStringList kServedIds = {QStringLiteral("id-1"), QStringLiteral("id-2"), QStringLiteral("id-m"), QStringLiteral("id-one")};

// One server of a model endpoint: a URL and a weight.
struct Server
{
    QUrl url;
    int weight = 1;
};

inline QJsonObject modelJson(const char *name, const char *identifier, const QList<Server> &servers)
{
    QJsonArray replicas;
    for (const Server &s : servers)
        replicas.append(QJsonObject{{QStringLiteral("base_url"), s.url.toString()}, {QStringLiteral("weight"), s.weight}});
    return QJsonObject{{QStringLiteral("name"), QString::fromLatin1(name)},
                       {QStringLiteral("family"), QStringLiteral("codestral")},
                       {QStringLiteral("identifier"), QString::fromLatin1(identifier)},
                       {QStringLiteral("replicas"), replicas}};
}

inline QJsonArray tierJson(const QList<QPair<QString, int>> &targets)
{
    QJsonArray t;
    for (const auto &[model, weight] : targets)
        t.append(QJsonObject{{QStringLiteral("model"), model}, {QStringLiteral("weight"), weight}});
    return t;
}

inline QJsonObject routeJson(const QList<QJsonArray> &tiers)
{
    QJsonArray list;
    for (const QJsonArray &t : tiers)
        list.append(t);
    return QJsonObject{{QStringLiteral("tiers"), list}};
}

// Every request the selector sees (shared by several fakes) gets `first` for the first one, then `rest`:
// whichever replica the gateway picks first fails, whichever it tries next answers.
inline FakeModelServer::BehaviorSelector firstThen(std::shared_ptr<int> counter, FakeBehavior first, FakeBehavior rest)
{
    return [counter = std::move(counter), first, rest](const RecordedRequest &) {
        return (*counter)++ == 0 ? first : rest;
    };
}

inline QByteArray completionBody(const QByteArray &model, bool stream)
{
    return "{\"model\":\"" + model + "\",\"prompt\":\"def f(\",\"max_tokens\":8"
        + (stream ? QByteArray(",\"stream\":true") : QByteArray()) + "}";
}

// The tests derive from this and call startHarness() in init() and stopHarness() in cleanup().
class RoutingTestBase : public QObject
{
protected:
    std::vector<std::unique_ptr<FakeModelServer>> m_fakes;
    std::unique_ptr<GatewayFixture> m_gw;
    int m_requestSerial = 0;

    FakeModelServer &fake(int i) { return *m_fakes.at(std::size_t(i)); }

    // The configuration document with `models`, `features` (duo_chat disabled unless given) and `resilience`.
    static QByteArray configJson(const QJsonArray &models, QJsonObject features, const QJsonObject &resilience = {})
    {
        if (!features.contains(QStringLiteral("duo_chat")))
            features.insert(QStringLiteral("duo_chat"), QStringLiteral("disabled"));
        QJsonObject root{{QStringLiteral("models"), models}, {QStringLiteral("features"), features}};
        if (!resilience.isEmpty())
            root.insert(QStringLiteral("resilience"), resilience);
        return QJsonDocument(root).toJson(QJsonDocument::Compact);
    }

    void applyJson(const QByteArray &json)
    {
        auto config = parseGatewayConfig(json);
        if (!config)
            qFatal("bad test configuration: %s", qPrintable(config.error().message));
        m_gw->apply(*config);
    }

    HttpResponse send(const QByteArray &path, const QByteArray &body, const QByteArray &requestId = {}, int timeoutMs = 20000)
    {
        HttpRequest r = HttpRequest::post(path, body);
        if (!requestId.isEmpty())
            r.withHeader("X-Request-ID", requestId);
        return TestHttpClient::fetch(m_gw->port(), r, timeoutMs);
    }

    QByteArray nextRequestId() { return "routing-" + QByteArray::number(++m_requestSerial); }

    HttpResponse admin(const QByteArray &method, const QByteArray &path, const QByteArray &body = {})
    {
        HttpRequest r = body.isEmpty() ? HttpRequest::get(path) : HttpRequest::post(path, body);
        r.method = method;
        r.withBearer(kAdminToken);
        return TestHttpClient::fetch(m_gw->adminPort(), r, 15000);
    }

    // The request log record of the request sent with X-Request-ID `requestId` (empty when it did not
    // show up in time).
    QJsonObject logRecord(const QByteArray &requestId)
    {
        QJsonObject found;
        (void)QTest::qWaitFor(
            [&] {
                const QJsonArray items = admin("GET", "/api/v1/logs?limit=1000").json().value(QStringLiteral("items")).toArray();
                for (const QJsonValue &v : items) {
                    if (v.toObject().value(QStringLiteral("request_id")).toString() == QLatin1String(requestId)) {
                        found = admin("GET", "/api/v1/logs/" + QByteArray::number(v.toObject().value(QStringLiteral("id")).toInteger()))
                                    .json();
                        return true;
                    }
                }
                return false;
            },
            15000);
        return found;
    }

    QJsonArray attemptsOf(const QByteArray &requestId)
    {
        return logRecord(requestId).value(QStringLiteral("attempts")).toArray();
    }

    static QString apiRoot(const FakeModelServer &f) { return f.baseUrl().toString(); }

    // A keep-alive connection sending `count` requests one after the other; the statuses that came back.
    QList<int> sendSequentially(const QByteArray &path, const QByteArray &body, int count)
    {
        QList<int> statuses;
        TestHttpClient client(m_gw->port());
        for (int i = 0; i < count; ++i) {
            const HttpResponse r = client.request(HttpRequest::post(path, body), 20000);
            statuses.append(r.status);
            if (!r.complete)
                break;
        }
        return statuses;
    }

    // The first two fakes shared n requests 70/30: every one reached one of them, and the first got 70 %
    // of n within six standard deviations of the binomial split.
    void verifySeventyThirty(int n)
    {
        QCOMPARE(fake(0).requestCount() + fake(1).requestCount(), n);
        const double sigma = std::sqrt(n * 0.7 * 0.3);
        QVERIFY2(std::abs(fake(0).requestCount() - 0.7 * n) <= 6 * sigma,
                 qPrintable(QStringLiteral("%1 / %2").arg(fake(0).requestCount()).arg(fake(1).requestCount())));
        QVERIFY(fake(1).requestCount() > 0);
    }


    void startHarness()
    {
        m_fakes.clear();
        for (int i = 0; i < 3; ++i) {
            m_fakes.push_back(std::make_unique<FakeModelServer>());
            QVERIFY(m_fakes.back()->isListening());
            // They serve every identifier the tests configure, so the gateway's probes find them ready.
            m_fakes.back()->setModels(kServedIds);
        }
        m_gw = std::make_unique<GatewayFixture>();
    }

    void stopHarness()
    {
        m_gw.reset();
        m_fakes.clear();
    }
};

} // namespace airlock::test::routing
