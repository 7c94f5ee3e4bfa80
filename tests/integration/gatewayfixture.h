#pragma once

// Runs a real airlock::Gateway in-process (worker threads, SQLite in a temporary data dir, listeners on
// 127.0.0.1 port 0) in front of a FakeModelServer, for integration tests.

#include "fakemodelserver.h"
#include "gateway.h"
#include "testhttpclient.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <functional>
#include <memory>

namespace airlock::test {

class GatewayFixture
{
public:
    // Auth is off ("disabled") unless `tweak` turns it on: tests/auth covers authentication.
    explicit GatewayFixture(ServerLimits limits = {}, int workers = 2,
                            const std::function<void(GatewayOptions &)> &tweak = {})
    {
        GatewayOptions options;
        options.authMode = QStringLiteral("disabled");
        options.dataDir = m_dir.path();
        options.listen = ListenAddress{QHostAddress(QHostAddress::LocalHost), 0};
        options.adminListen = ListenAddress{QHostAddress(QHostAddress::LocalHost), 0};
        options.workers = workers;
        options.limits = limits;
        options.adminToken = QStringLiteral("test-admin-token");
        if (tweak)
            tweak(options);
        gateway = std::make_unique<Gateway>(options);
        const Status st = gateway->start();
        if (!st)
            qFatal("gateway did not start: %s", qPrintable(st.error().message));
    }

    // One endpoint "fake" (family codestral, identifier "served-model", key "sk-upstream-secret") at the
    // fake server; code_completions -> fake, duo_chat disabled.
    GatewayConfig standardConfig(const QUrl &baseUrl, int maxConcurrency = 512, EndpointTimeouts timeouts = {}) const
    {
        GatewayConfig config;
        ModelEndpoint endpoint;
        endpoint.name = QStringLiteral("fake");
        endpoint.family = ModelFamily::Codestral;
        endpoint.baseUrl = baseUrl;
        endpoint.identifier = QStringLiteral("served-model");
        endpoint.apiKey = QStringLiteral("sk-upstream-secret");
        endpoint.maxConcurrency = maxConcurrency;
        endpoint.timeouts = timeouts;
        config.models.append(endpoint);
        config.features.insert(QStringLiteral("code_completions"), QStringLiteral("fake"));
        config.features.insert(QStringLiteral("duo_chat"), QString(kDisabled));
        return config;
    }

    void apply(const GatewayConfig &config)
    {
        const Status st = gateway->applyConfig(config);
        if (!st)
            qFatal("config refused: %s", qPrintable(st.error().message));
    }

    // A client token issued through the admin API (POST /api/v1/tokens; the gateway must run with auth
    // "required"); empty when refused.
    QByteArray issueToken(const QString &subject, const QStringList &scopes) const
    {
        const QJsonObject body{{QStringLiteral("subject"), subject},
                               {QStringLiteral("scopes"), QJsonArray::fromStringList(scopes)},
                               {QStringLiteral("ttl"), QStringLiteral("1d")}};
        HttpRequest r = HttpRequest::postJson("/api/v1/tokens", body);
        r.withBearer("test-admin-token");
        const HttpResponse answer = TestHttpClient::fetch(adminPort(), r);
        return answer.status == 201 ? answer.json().value(QStringLiteral("token")).toString().toLatin1() : QByteArray();
    }

    quint16 port() const { return gateway->gatewayAddress().port; }
    quint16 adminPort() const { return gateway->adminAddress().port; }

    // A request to the admin API with the admin token.
    HttpResponse admin(const QByteArray &method, const QByteArray &path, const QByteArray &body = {}) const
    {
        HttpRequest r = body.isEmpty() ? HttpRequest::get(path) : HttpRequest::post(path, body);
        r.method = method;
        r.withBearer("test-admin-token");
        return TestHttpClient::fetch(adminPort(), r, 15000);
    }

    // The request log record (GET /api/v1/logs/<id>) of the request sent with X-Request-ID `requestId`;
    // empty when it did not show up in time (the log is written by its own thread).
    QJsonObject logRecord(const QByteArray &requestId) const
    {
        QJsonObject found;
        (void)QTest::qWaitFor(
            [&] {
                const QJsonArray items =
                    admin("GET", "/api/v1/logs?limit=1000").json().value(QStringLiteral("items")).toArray();
                for (const QJsonValue &v : items) {
                    if (v.toObject().value(QStringLiteral("request_id")).toString() == QLatin1String(requestId)) {
                        found = admin("GET", "/api/v1/logs/"
                                                 + QByteArray::number(v.toObject().value(QStringLiteral("id")).toInteger()))
                                    .json();
                        return true;
                    }
                }
                return false;
            },
            15000);
        return found;
    }

    QTemporaryDir m_dir;
    std::unique_ptr<Gateway> gateway;
};

inline QByteArray chatBody(const QByteArray &model, bool stream = false)
{
    return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]"
        + (stream ? QByteArray(",\"stream\":true") : QByteArray()) + "}";
}

// An OpenAI /v1/completions body for `model`.
inline QByteArray openAiCompletionBody(const QByteArray &model)
{
    return "{\"model\":\"" + model + "\",\"prompt\":\"def f(\",\"max_tokens\":8}";
}

} // namespace airlock::test
