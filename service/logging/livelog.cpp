#include "livelog.h"

#include "metrics/prometheus.h"

#include <QJsonDocument>
#include <QLoggingCategory>
#include <QWebSocket>

Q_DECLARE_LOGGING_CATEGORY(lcLogging)

namespace airlock::logging {

using storage::StoredBatch;
using storage::StoredRecord;
using storage::recordToJson;

LiveFilter LiveFilter::fromQuery(const QUrlQuery &query)
{
    LiveFilter f;
    f.feature = query.queryItemValue(QStringLiteral("feature"), QUrl::FullyDecoded);
    f.userId = query.queryItemValue(QStringLiteral("user"), QUrl::FullyDecoded);
    f.modelEndpoint = query.queryItemValue(QStringLiteral("model"), QUrl::FullyDecoded);
    f.status = query.queryItemValue(QStringLiteral("status")).toInt();
    f.statusClass = query.queryItemValue(QStringLiteral("status_class")).toInt();
    const QString errors = query.queryItemValue(QStringLiteral("errors"));
    f.errorsOnly = errors == QLatin1String("1") || errors == QLatin1String("true");
    return f;
}

LiveFilter LiveFilter::fromJson(const QJsonObject &o)
{
    LiveFilter f;
    f.feature = o.value(QStringLiteral("feature")).toString();
    f.userId = o.value(QStringLiteral("user")).toString();
    f.modelEndpoint = o.value(QStringLiteral("model")).toString();
    f.status = o.value(QStringLiteral("status")).toInt();
    f.statusClass = o.value(QStringLiteral("status_class")).toInt();
    f.errorsOnly = o.value(QStringLiteral("errors")).toBool();
    return f;
}

QJsonObject LiveFilter::toJson() const
{
    QJsonObject o;
    if (!feature.isEmpty())
        o.insert(QStringLiteral("feature"), feature);
    if (!userId.isEmpty())
        o.insert(QStringLiteral("user"), userId);
    if (!modelEndpoint.isEmpty())
        o.insert(QStringLiteral("model"), modelEndpoint);
    if (status)
        o.insert(QStringLiteral("status"), status);
    if (statusClass)
        o.insert(QStringLiteral("status_class"), statusClass);
    if (errorsOnly)
        o.insert(QStringLiteral("errors"), true);
    return o;
}

bool LiveFilter::matches(const RequestRecord &r) const
{
    if (!feature.isEmpty() && r.feature != feature)
        return false;
    if (!userId.isEmpty() && r.userId != userId)
        return false;
    if (!modelEndpoint.isEmpty() && r.modelEndpoint != modelEndpoint)
        return false;
    if (status && r.status != status)
        return false;
    if (statusClass && r.status / 100 != statusClass)
        return false;
    if (errorsOnly && r.status < 400)
        return false;
    return true;
}

struct LiveLogHub::Subscriber
{
    std::unique_ptr<QWebSocket> socket;
    LiveFilter filter;
};

LiveLogHub::LiveLogHub(QObject *parent)
    : QObject(parent)
{
}

LiveLogHub::~LiveLogHub()
{
    for (auto &s : m_subscribers)
        s->socket->disconnect(this);
}

void LiveLogHub::addSubscriber(std::unique_ptr<QWebSocket> socket)
{
    auto subscriber = std::make_unique<Subscriber>();
    subscriber->filter = LiveFilter::fromQuery(QUrlQuery(socket->requestUrl()));
    subscriber->socket = std::move(socket);
    Subscriber *s = subscriber.get();
    connect(s->socket.get(), &QWebSocket::disconnected, this, [this, s] { remove(s); });
    connect(s->socket.get(), &QWebSocket::textMessageReceived, this, [s](const QString &message) {
        const QJsonObject o = QJsonDocument::fromJson(message.toUtf8()).object();
        if (o.contains(QStringLiteral("filter")))
            s->filter = LiveFilter::fromJson(o.value(QStringLiteral("filter")).toObject());
    });
    s->socket->sendTextMessage(QString::fromUtf8(
        QJsonDocument(QJsonObject{{QStringLiteral("type"), QStringLiteral("hello")},
                                  {QStringLiteral("filter"), s->filter.toJson()}})
            .toJson(QJsonDocument::Compact)));
    m_subscribers.push_back(std::move(subscriber));
    m_subscriberCount = int(m_subscribers.size());
}

void LiveLogHub::publish(const std::shared_ptr<const StoredBatch> &batch)
{
    if (m_subscriberCount.load(std::memory_order_relaxed) == 0)
        return; // nobody listens: no hop, no JSON
    QMetaObject::invokeMethod(this, [this, batch] { deliver(batch); });
}

void LiveLogHub::deliver(const std::shared_ptr<const StoredBatch> &batch)
{
    if (m_subscribers.empty())
        return;
    // Each record is serialised once, however many subscribers want it.
    QList<QByteArray> json;
    json.reserve(batch->size());
    for (const StoredRecord &stored : *batch)
        json.append(QJsonDocument(recordToJson(stored)).toJson(QJsonDocument::Compact));
    std::vector<Subscriber *> tooSlow;
    for (auto &subscriber : m_subscribers) {
        QByteArray message = "{\"type\":\"records\",\"records\":[";
        bool any = false;
        for (int i = 0; i < batch->size(); ++i) {
            if (!subscriber->filter.matches(batch->at(i).record))
                continue;
            if (any)
                message += ',';
            message += json.at(i);
            any = true;
        }
        if (!any)
            continue;
        message += "]}";
        if (subscriber->socket->bytesToWrite() > m_maxBuffered) {
            tooSlow.push_back(subscriber.get());
            continue;
        }
        subscriber->socket->sendTextMessage(QString::fromUtf8(message));
        m_sent.fetch_add(1, std::memory_order_relaxed);
    }
    for (Subscriber *s : tooSlow) {
        m_dropped.fetch_add(1);
        qCInfo(lcLogging) << "dropping a live log subscriber that does not keep up:"
                          << s->socket->peerAddress().toString();
        s->socket->disconnect(this);
        s->socket->abort(); // a close handshake would queue behind the unread bytes
        remove(s);
    }
}

void LiveLogHub::remove(Subscriber *subscriber)
{
    for (auto it = m_subscribers.begin(); it != m_subscribers.end(); ++it) {
        if (it->get() != subscriber)
            continue;
        std::unique_ptr<Subscriber> owned = std::move(*it);
        m_subscribers.erase(it);
        owned->socket->disconnect(this);
        // Deleting a QWebSocket inside one of its own signals is not safe: defer.
        owned->socket.release()->deleteLater();
        break;
    }
    m_subscriberCount = int(m_subscribers.size());
}

void LiveLogHub::writeMetrics(QByteArray &out) const
{
    using namespace metrics;
    writeFamilyHeader(out, "airlock_live_log_subscribers", "gauge", "Live log WebSocket subscribers.");
    writeSample(out, "airlock_live_log_subscribers", {}, m_subscriberCount.load());
    writeFamilyHeader(out, "airlock_live_log_dropped_subscribers_total", "counter",
                      "Live log subscribers dropped because they did not read fast enough.");
    writeSample(out, "airlock_live_log_dropped_subscribers_total", {}, double(m_dropped.load()));
    writeFamilyHeader(out, "airlock_live_log_messages_total", "counter", "Live log messages sent.");
    writeSample(out, "airlock_live_log_messages_total", {}, double(m_sent.load()));
}

} // namespace airlock::logging
