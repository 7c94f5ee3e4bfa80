#pragma once

// Live logs: WebSocket subscribers on the admin listener receive new request records as the writer
// commits them (well within 200 ms: one batch interval plus the commit), filtered on the server.
//
// Protocol: the upgrade URL's query sets the filter (feature, user, model, status, status_class 2..5,
// errors=1); a text message {"filter":{...same keys...}} replaces it. The server sends text messages
// {"type":"records","records":[<record JSON as in GET /api/v1/logs>...]}, one per committed batch with
// at least one match, and {"type":"hello","filter":{...}} first.
//
// Slow subscribers: a subscriber whose unsent bytes exceed maxBufferedBytes when a message is due is
// dropped (the connection is aborted: a close frame would only queue behind the unread bytes) and
// counted (airlock_live_log_dropped_subscribers_total): the writer and the gateway never wait for a
// WebSocket, and memory per subscriber stays bounded.
//
// Threads: publish() is thread-safe (called on the writer thread; hops to the hub's thread). All
// else on the hub's thread (the admin listener's).

#include "storage/requestlogrecord.h"

#include <QObject>
#include <QUrlQuery>

#include <atomic>
#include <memory>

class QWebSocket;

namespace airlock::logging {

struct LiveFilter
{
    QString feature;
    QString userId;
    QString modelEndpoint;
    int status = 0;
    int statusClass = 0;
    bool errorsOnly = false;

    static LiveFilter fromQuery(const QUrlQuery &query);
    static LiveFilter fromJson(const QJsonObject &object);
    QJsonObject toJson() const;
    bool matches(const RequestRecord &record) const;
};

class LiveLogHub : public QObject
{
    Q_OBJECT
public:
    explicit LiveLogHub(QObject *parent = nullptr);
    ~LiveLogHub() override;

    void setMaxBufferedBytes(qint64 bytes) { m_maxBuffered = bytes; }
    void addSubscriber(std::unique_ptr<QWebSocket> socket);
    void publish(const std::shared_ptr<const storage::StoredBatch> &batch); // any thread

    int subscriberCount() const { return m_subscriberCount.load(); }
    quint64 droppedSubscribers() const { return m_dropped.load(); }
    quint64 messagesSent() const { return m_sent.load(); }
    void writeMetrics(QByteArray &out) const; // any thread

private:
    struct Subscriber;
    void deliver(const std::shared_ptr<const storage::StoredBatch> &batch);
    void remove(Subscriber *subscriber);

    std::vector<std::unique_ptr<Subscriber>> m_subscribers;
    qint64 m_maxBuffered = 1024 * 1024;
    std::atomic<int> m_subscriberCount{0};
    std::atomic<quint64> m_dropped{0};
    std::atomic<quint64> m_sent{0};
};

} // namespace airlock::logging
