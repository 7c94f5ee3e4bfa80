#include "gitlabapiprivate.h"

#include "gitlabresponses.h"
#include "routing/replicareport.h"

#include <QJsonArray>
#include <QPointer>
#include <QSet>

#include <algorithm>

namespace airlock::gitlab {

using http::HttpExchange;

void GitLabApi::Private::healthz(std::unique_ptr<HttpExchange> exchange)
{
    exchange->setProcessTimeHeader(true);
    exchange->record().dialect = QStringLiteral("gitlab");
    respondJson(*exchange, 200, QJsonObject { { QStringLiteral("status"), QStringLiteral("ok") } });
}

namespace {

// /monitoring/ready: GET /v1/models on every assigned endpoint (at once, 3 s budget); ready when all
// answer 2xx. The body names the ones that did not, and shows each endpoint's replicas as routing sees
// them (routing/replicareport.h: state from the active probes and passive ejection, last probe error,
// requests outstanding).
class ReadinessCheck final : public QObject {
public:
    static void run(std::unique_ptr<HttpExchange> exchange,
        std::shared_ptr<const routing::ConfigSnapshot> snapshot, upstream::UpstreamClient *client,
        const QJsonObject &auth = {})
    {
        auto *check = new ReadinessCheck(std::move(exchange), std::move(snapshot));
        check->m_auth = auth;
        check->start(client);
    }

private:
    struct Probe : public upstream::UpstreamCallHandler {
        ReadinessCheck *owner = nullptr;
        QString name;
        int status = 0;
        QString error;
        bool done = false;
        QPointer<upstream::UpstreamCall> call;
        void onHead(const upstream::UpstreamResponseHead &head) override { status = head.status; }
        void onBody(QByteArrayView) override { }
        void onComplete() override { finish(); }
        void onError(const upstream::UpstreamError &e) override
        {
            error = e.message;
            finish();
        }
        void finish()
        {
            done = true;
            call.clear();
            owner->probeDone();
        }
    };

    ReadinessCheck(
        std::unique_ptr<HttpExchange> exchange, std::shared_ptr<const routing::ConfigSnapshot> snapshot)
        : m_exchange(std::move(exchange)), m_snapshot(std::move(snapshot))
    {
    }
    ~ReadinessCheck() override
    {
        for (auto &probe : m_probes) {
            if (probe->call)
                probe->call->abort();
        }
    }
    void start(upstream::UpstreamClient *client)
    {
        m_exchange->onClientGone([this] { deleteLater(); });
        QSet<QString> assigned;
        for (auto it = m_snapshot->config().features.cbegin(); it != m_snapshot->config().features.cend();
             ++it) {
            if (it.value() != kDisabled)
                assigned.insert(it.value());
        }
        QStringList names(assigned.begin(), assigned.end());
        names.sort();
        for (const QString &name : names) {
            const routing::EndpointRuntime *endpoint = m_snapshot->endpoint(name);
            if (!endpoint)
                continue;
            auto probe = std::make_unique<Probe>();
            probe->owner = this;
            probe->name = name;
            upstream::UpstreamRequest request;
            request.method = "GET";
            request.url = endpoint->modelsUrl;
            request.timeouts = endpoint->endpoint.timeouts;
            request.timeouts.connectMs = std::min(request.timeouts.connectMs, 3000);
            request.timeouts.firstByteMs = std::min(request.timeouts.firstByteMs, 3000);
            request.timeouts.totalMs = std::min(request.timeouts.totalMs, 3000);
            if (!endpoint->authorization.isEmpty())
                request.headers.emplaceBack("Authorization", endpoint->authorization);
            Probe *raw = probe.get();
            m_probes.push_back(std::move(probe));
            raw->call = client->start(std::move(request), raw);
        }
        if (m_probes.empty())
            answer();
    }

    void probeDone()
    {
        if (std::all_of(m_probes.begin(), m_probes.end(), [](const auto &p) { return p->done; }))
            QMetaObject::invokeMethod(
                this, [this] { answer(); }, Qt::QueuedConnection);
    }

    void answer()
    {
        QJsonArray models;
        QStringList failed;
        const qint64 now = routing::routingNowMs();
        for (const auto &probe : m_probes) {
            const bool ok = probe->error.isEmpty() && probe->status >= 200 && probe->status < 300;
            QJsonObject entry { { QStringLiteral("name"), probe->name }, { QStringLiteral("ready"), ok } };
            if (!ok) {
                entry.insert(QStringLiteral("error"),
                    probe->error.isEmpty() ? QStringLiteral("HTTP %1").arg(probe->status) : probe->error);
                failed << probe->name;
            }
            if (const routing::EndpointRuntime *endpoint = m_snapshot->endpoint(probe->name))
                entry.insert(QStringLiteral("replicas"), routing::replicasJson(*endpoint, now));
            models.append(entry);
        }
        QJsonObject body { { QStringLiteral("status"),
                               failed.isEmpty() ? QStringLiteral("ok") : QStringLiteral("unavailable") },
            { QStringLiteral("models"), models } };
        if (!m_auth.isEmpty())
            body.insert(QStringLiteral("auth"), m_auth); // "disabled" is announced here (and at start)
        if (!failed.isEmpty())
            body.insert(QStringLiteral("detail"),
                QStringLiteral("model endpoints not answering: %1").arg(failed.join(QStringLiteral(", "))));
        respondJson(*m_exchange, failed.isEmpty() ? 200 : 503, body);
        deleteLater();
    }

    std::unique_ptr<HttpExchange> m_exchange;
    std::shared_ptr<const routing::ConfigSnapshot> m_snapshot;
    std::vector<std::unique_ptr<Probe>> m_probes;
    QJsonObject m_auth;
};

} // namespace

void GitLabApi::Private::ready(std::unique_ptr<HttpExchange> exchange)
{
    exchange->setProcessTimeHeader(true);
    exchange->record().dialect = QStringLiteral("gitlab");
    ReadinessCheck::run(
        std::move(exchange), services.config->current(), services.client, services.authStatus);
}

} // namespace airlock::gitlab
