#pragma once

// The Models page's live view of the replicas: GET /api/v1/replicas polled every 3 s while started (the
// page is visible), one row per replica of every endpoint, in configuration order:
//   endpoint, server (kind), replica (its OpenAI API root), state ("ready", "not_ready", "dead",
//   "ejected"), probe ("unknown" until the first probe answered, "ready", "not_ready", "down"), error (the
//   last probe's detail), outstanding (requests in flight), ejectedForMs (-1 unless ejected), ttfbMs (the
//   recent time to first byte when the gateway reports it, -1 otherwise).
// errorMessage is a LiveText: retranslate() announces it again after a language switch.

#include "jsonrowsmodel.h"
#include "livetext.h"

#include <QObject>
#include <QTimer>

namespace airlock {

class AdminClient;

class ReplicaHealthModel : public airlock::JsonRowsModel
{
    Q_OBJECT
public:
    enum Role { EndpointRole = Qt::UserRole + 1, ServerRole, ReplicaRole, StateRole, ProbeRole, ErrorRole,
                OutstandingRole, EjectedForMsRole, TtfbMsRole };
    Q_ENUM(Role)
    using JsonRowsModel::JsonRowsModel;

    // The rows of one GET /api/v1/replicas answer: its endpoints' replicas, flattened.
    static QJsonArray rowsOf(const QJsonObject &answer);
    // The rows of `endpoint` (maps with the role names as keys), for the page's per-model list.
    Q_INVOKABLE QVariantList rowsFor(const QString &endpoint) const;

protected:
    QHash<int, std::pair<QByteArray, QString>> roles() const override;
    QVariant computed(const QJsonObject &row, int role) const override;
};

class ReplicaHealthController : public QObject
{
    Q_OBJECT
    Q_PROPERTY(airlock::ReplicaHealthModel *replicas READ replicas CONSTANT)
    Q_PROPERTY(bool running READ isRunning NOTIFY runningChanged)
    Q_PROPERTY(QString errorMessage READ errorMessage NOTIFY updated)
    // Bumped on every answer applied: bindings that call replicas.rowsFor() depend on it.
    Q_PROPERTY(int revision READ revision NOTIFY updated)

public:
    explicit ReplicaHealthController(AdminClient *client, QObject *parent = nullptr);

    ReplicaHealthModel *replicas() { return &m_replicas; }
    bool isRunning() const { return m_poll.isActive(); }
    QString errorMessage() const { return m_errorMessage.text(); }
    int revision() const { return m_revision; }
    void setIntervalMs(int ms) { m_poll.setInterval(ms); }

    // Applies one GET /api/v1/replicas answer (public for tests).
    void apply(const QJsonObject &answer);

    Q_INVOKABLE void start();
    Q_INVOKABLE void stop();
    Q_INVOKABLE void refresh();
    void clear();
    void retranslate();

Q_SIGNALS:
    void updated();
    void runningChanged();

private:
    AdminClient *m_client;
    QTimer m_poll;
    ReplicaHealthModel m_replicas;
    LiveText m_errorMessage;
    bool m_inFlight = false;
    int m_generation = 0;
    int m_revision = 0;
};

} // namespace airlock
