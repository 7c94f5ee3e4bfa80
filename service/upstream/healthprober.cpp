#include "healthprober.h"

#include "upstreamclient.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QPointer>
#include <QRandomGenerator>
#include <QTimer>

#include <algorithm>
#include <cmath>

namespace airlock::upstream {

Q_LOGGING_CATEGORY(lcProbe, "airlock.upstream.probe", QtInfoMsg)

namespace {

constexpr int MaxDetailChars = 160;
constexpr int MaxListedIds = 8;

QString elide(QString text, int maxChars = MaxDetailChars)
{
    text = text.simplified();
    if (text.size() > maxChars) {
        text.truncate(maxChars - 1);
        text += QChar(0x2026); // …
    }
    return text;
}

// The human-readable message of an error body, when it has one where model servers put it: OpenAI's and
// llama.cpp's {"error": {"message": ...}}, TGI's {"error": "..."}, {"message": ...}, {"detail": ...}.
QString errorMessage(const QByteArray &body)
{
    const QJsonObject json = QJsonDocument::fromJson(body).object();
    const QJsonValue error = json.value(QLatin1String("error"));
    QString message = error.isObject() ? error.toObject().value(QLatin1String("message")).toString()
                                       : error.toString();
    if (message.isEmpty())
        message = json.value(QLatin1String("message")).toString();
    if (message.isEmpty())
        message = json.value(QLatin1String("detail")).toString();
    return elide(message);
}

QString probePath(ServerKind kind)
{
    switch (kind) {
    case ServerKind::Vllm:
    case ServerKind::Tgi:
    case ServerKind::LlamaCpp:
        return QStringLiteral("/health");
    case ServerKind::Ollama:
        return QStringLiteral("/api/version");
    case ServerKind::OpenAi:
        break;
    }
    return QStringLiteral("/v1/models");
}

struct Verdict
{
    ProbeState state;
    QString detail;
};

} // namespace

QString probeStateName(ProbeState state)
{
    switch (state) {
    case ProbeState::Ready:
        return QStringLiteral("ready");
    case ProbeState::NotReady:
        return QStringLiteral("not_ready");
    case ProbeState::Down:
        return QStringLiteral("down");
    case ProbeState::Unknown:
        break;
    }
    return QStringLiteral("unknown");
}

QUrl serverRoot(const QUrl &baseUrl)
{
    QUrl root = baseUrl.adjusted(QUrl::RemoveQuery | QUrl::RemoveFragment);
    QString path = root.path();
    while (path.endsWith(QLatin1Char('/')))
        path.chop(1);
    if (path.endsWith(QLatin1String("/v1")))
        path.chop(3);
    while (path.endsWith(QLatin1Char('/')))
        path.chop(1);
    root.setPath(path);
    return root;
}

QUrl probeUrl(const ProbeTarget &target)
{
    QUrl url = serverRoot(target.baseUrl);
    url.setPath(url.path() + probePath(target.kind));
    return url;
}

// ---------------------------------------------------------------------------------------------------
// HealthProber::Private

struct HealthProber::Private
{
    HealthProber *q;
    ProbeOptions options;
    UpstreamClient *client; // child of q
    QStringList order;      // target keys in the order setTargets() gave them
    QHash<QString, std::shared_ptr<Probe>> probes;

    int nextDelayMs() const;
};

int HealthProber::Private::nextDelayMs() const
{
    const double jitter = std::clamp(options.jitter, 0.0, 1.0);
    const double spread = jitter * (2.0 * QRandomGenerator::global()->generateDouble() - 1.0);
    return std::max(1, int(std::lround(options.intervalMs * (1.0 + spread))));
}

// ---------------------------------------------------------------------------------------------------
// Probe: one target's schedule, its probe in flight and its last result.

class HealthProber::Probe : public UpstreamCallHandler
{
public:
    Probe(HealthProber::Private *d, ProbeTarget target) : m_d(d), m_target(std::move(target))
    {
        m_url = probeUrl(m_target);
        m_timer = new QTimer(d->q);
        m_timer->setSingleShot(true);
        QObject::connect(m_timer, &QTimer::timeout, m_timer, [this] { start(); });
    }

    ~Probe() override
    {
        if (m_call)
            m_call->abort();
        delete m_timer;
    }

    const ProbeTarget &target() const { return m_target; }
    const ProbeResult &result() const { return m_result; }

    // A new definition for the same key: the last result stays, the probe starts over at once.
    void retarget(ProbeTarget target)
    {
        if (m_call)
            m_call->abort();
        m_call = nullptr;
        m_target = std::move(target);
        m_url = probeUrl(m_target);
        start();
    }

    void start()
    {
        m_timer->stop();
        if (m_call)
            return; // at most one probe in flight; the running one schedules the next when it ends
        m_status = 0;
        m_body.clear();
        m_truncated = false;
        m_elapsed.start();
        m_nextDueMs = m_d->nextDelayMs();

        const int timeoutMs = std::max(1, m_d->options.timeoutMs);
        UpstreamRequest request;
        request.url = m_url;
        request.method = "GET";
        request.headers.append({ QByteArray("Accept"), QByteArray("application/json") });
        request.headers.append({ QByteArray("User-Agent"), QByteArray(ProbeUserAgent) });
        if (!m_target.authorization.isEmpty())
            request.headers.append({ QByteArray("Authorization"), m_target.authorization });
        request.timeouts = EndpointTimeouts { timeoutMs, timeoutMs, timeoutMs, timeoutMs };
        m_call = m_d->client->start(std::move(request), this);
    }

    void onHead(const UpstreamResponseHead &head) override { m_status = head.status; }

    void onBody(QByteArrayView bytes) override
    {
        const qsizetype room = MaxProbeBodyBytes - m_body.size();
        m_body.append(bytes.first(std::min(room, bytes.size())));
        if (bytes.size() > room) {
            // Enough to judge by: stop reading, close that connection.
            m_truncated = true;
            m_call->abort();
            finish(judge());
        }
    }

    void onComplete() override { finish(judge()); }

    void onError(const UpstreamError &error) override
    {
        finish({ ProbeState::Down, QStringLiteral("GET %1: %2").arg(m_url.path(), error.message) });
    }

private:
    QString answered() const { return QStringLiteral("GET %1 answered %2").arg(m_url.path()).arg(m_status); }

    Verdict judge() const
    {
        if (m_status >= 200 && m_status < 300) {
            if (m_target.kind == ServerKind::OpenAi)
                return judgeModelList();
            return { ProbeState::Ready, {} };
        }
        if (m_target.kind == ServerKind::LlamaCpp && m_status == 503) {
            // llama.cpp answers 503 while it loads the model, and (older builds) while every slot is busy.
            if (m_body.contains("Loading model") || m_body.contains("loading model"))
                return { ProbeState::NotReady, answered() + QStringLiteral(": loading the model") };
            if (m_body.contains("no slot available"))
                return { ProbeState::NotReady, answered() + QStringLiteral(": no slot available") };
        }
        QString detail = answered();
        const QString message = errorMessage(m_body);
        if (!message.isEmpty())
            detail += QStringLiteral(": ") + message;
        return { m_status >= 500 ? ProbeState::Down : ProbeState::NotReady, detail };
    }

    // The generic probe: ready only if the served identifier is one of the listed data[].id.
    Verdict judgeModelList() const
    {
        const QJsonValue data = QJsonDocument::fromJson(m_body).object().value(QLatin1String("data"));
        if (!data.isArray()) {
            return { ProbeState::NotReady,
                m_truncated ? answered() + QStringLiteral(" with a model list longer than %1 KiB")
                                  .arg(MaxProbeBodyBytes / 1024)
                            : answered() + QStringLiteral(" without a model list") };
        }
        QStringList ids;
        for (const QJsonValue &model : data.toArray()) {
            const QString id = model.toObject().value(QLatin1String("id")).toString();
            if (id == m_target.identifier || m_target.identifier.isEmpty())
                return { ProbeState::Ready, {} };
            if (!id.isEmpty())
                ids.append(id);
        }
        QString listed = ids.isEmpty()
            ? QStringLiteral("none")
            : elide(ids.first(std::min<qsizetype>(ids.size(), MaxListedIds)).join(QLatin1String(", ")));
        if (ids.size() > MaxListedIds)
            listed += QStringLiteral(" and %1 more").arg(ids.size() - MaxListedIds);
        return { ProbeState::NotReady,
            QStringLiteral("model \"%1\" is not listed by GET %2 (it lists: %3)")
                .arg(elide(m_target.identifier, 80), m_url.path(), listed) };
    }

    // Records the verdict, schedules the next probe, then tells the listeners. The signal goes last: a
    // slot may call setTargets() and delete this probe.
    void finish(const Verdict &verdict)
    {
        m_call = nullptr;
        ProbeResult result;
        result.state = verdict.state;
        result.detail = verdict.detail;
        result.status = m_status;
        result.checkedAtMs = QDateTime::currentMSecsSinceEpoch();
        result.latencyMs = double(m_elapsed.nsecsElapsed()) / 1e6;
        const bool changed = result.state != m_result.state;
        if (changed) {
            const QString from = probeStateName(m_result.state);
            const QString to = probeStateName(result.state);
            QString line = QStringLiteral("replica %1: %2 -> %3").arg(m_target.key, from, to);
            if (!result.detail.isEmpty())
                line += QStringLiteral(" (%1)").arg(result.detail);
            qCInfo(lcProbe).noquote() << line;
        }
        m_result = result;
        m_timer->start(int(std::max<qint64>(0, m_nextDueMs - m_elapsed.elapsed())));
        m_body.clear();
        m_body.squeeze();

        if (changed) {
            HealthProber *q = m_d->q;
            const QString key = m_target.key;
            Q_EMIT q->stateChanged(key, result);
        }
    }

    HealthProber::Private *m_d;
    ProbeTarget m_target;
    QUrl m_url;
    QTimer *m_timer; // child of the prober: follows it to its thread
    QPointer<UpstreamCall> m_call;
    ProbeResult m_result;
    QElapsedTimer m_elapsed; // since the start of the probe in flight or of the last one
    qint64 m_nextDueMs = 0;  // when the next probe is due, on m_elapsed's clock
    int m_status = 0;
    QByteArray m_body;
    bool m_truncated = false;
};

// ---------------------------------------------------------------------------------------------------
// HealthProber

HealthProber::HealthProber(ProbeOptions options, QObject *parent)
    : QObject(parent), d(new Private { this, options, new UpstreamClient(this), {}, {} })
{
    d->options.intervalMs = std::max(1, d->options.intervalMs);
    // Probes of one server reuse a connection; one per target is all that is ever needed at a time.
    d->client->setIdleLifetimeMs(std::max(30000, 2 * d->options.intervalMs));
}

HealthProber::~HealthProber()
{
    // Abort the probes in flight while their handlers still exist; the client (a child) goes after.
    d->probes.clear();
}

void HealthProber::setTargets(const QList<ProbeTarget> &targets)
{
    QStringList order;
    QHash<QString, std::shared_ptr<Probe>> kept;
    QList<std::pair<std::shared_ptr<Probe>, ProbeTarget>> changed;
    QList<std::shared_ptr<Probe>> fresh;
    for (const ProbeTarget &target : targets) {
        if (kept.contains(target.key))
            continue; // a repeated key: the first one counts
        order.append(target.key);
        std::shared_ptr<Probe> probe = d->probes.take(target.key);
        if (!probe) {
            probe = std::make_shared<Probe>(d.get(), target);
            fresh.append(probe);
        } else if (!(probe->target() == target)) {
            changed.append({ probe, target });
        }
        kept.insert(target.key, probe);
    }
    // What is left in d->probes is no longer a target: dropping it aborts its probe in flight.
    d->probes = std::move(kept);
    d->order = std::move(order);

    for (const auto &[probe, target] : changed)
        probe->retarget(target);
    for (const std::shared_ptr<Probe> &probe : fresh)
        probe->start();
}

QList<ProbeTarget> HealthProber::targets() const
{
    QList<ProbeTarget> list;
    list.reserve(d->order.size());
    for (const QString &key : d->order)
        list.append(d->probes.value(key)->target());
    return list;
}

ProbeResult HealthProber::result(const QString &key) const
{
    const std::shared_ptr<Probe> probe = d->probes.value(key);
    return probe ? probe->result() : ProbeResult {};
}

QHash<QString, ProbeResult> HealthProber::results() const
{
    QHash<QString, ProbeResult> map;
    map.reserve(d->probes.size());
    for (auto it = d->probes.cbegin(); it != d->probes.cend(); ++it)
        map.insert(it.key(), it.value()->result());
    return map;
}

ProbeOptions HealthProber::options() const
{
    return d->options;
}

} // namespace airlock::upstream
