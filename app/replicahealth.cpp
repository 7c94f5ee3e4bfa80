#include "replicahealth.h"

#include "adminclient.h"

#include <QJsonDocument>

namespace airlock {

using namespace Qt::StringLiterals;

QJsonArray ReplicaHealthModel::rowsOf(const QJsonObject &answer)
{
    QJsonArray rows;
    for (const QJsonValue &e : answer.value("endpoints"_L1).toArray()) {
        const QJsonObject endpoint = e.toObject();
        for (const QJsonValue &r : endpoint.value("replicas"_L1).toArray()) {
            QJsonObject row = r.toObject();
            row.insert(u"endpoint"_s, endpoint.value("name"_L1));
            row.insert(u"server"_s, endpoint.value("server"_L1));
            rows.append(row);
        }
    }
    return rows;
}

QVariantList ReplicaHealthModel::rowsFor(const QString &endpoint) const
{
    QVariantList rows;
    const QHash<int, QByteArray> names = roleNames();
    for (int i = 0; i < rowCount(); ++i) {
        if (row(i).value("endpoint"_L1).toString() != endpoint)
            continue;
        QVariantMap map;
        for (auto it = names.cbegin(); it != names.cend(); ++it)
            map.insert(QString::fromLatin1(it.value()), data(index(i), it.key()));
        rows << map;
    }
    return rows;
}

QHash<int, std::pair<QByteArray, QString>> ReplicaHealthModel::roles() const
{
    return {{EndpointRole, {"endpoint", u"endpoint"_s}},
            {ServerRole, {"server", u"server"_s}},
            {ReplicaRole, {"replica", u"replica"_s}},
            {StateRole, {"state", u"state"_s}},
            {ProbeRole, {"probe", u"probe"_s}},
            {ErrorRole, {"error", u"error"_s}},
            {OutstandingRole, {"outstanding", u"outstanding"_s}},
            {EjectedForMsRole, {"ejectedForMs", u"ejected_for_ms"_s}},
            {TtfbMsRole, {"ttfbMs", u"ttfb_p95_ms"_s}}};
}

QVariant ReplicaHealthModel::computed(const QJsonObject &row, int role) const
{
    switch (role) {
    case ErrorRole: return row.value("error"_L1).toString();
    case ProbeRole: return row.value("probe"_L1).toString(u"unknown"_s);
    case OutstandingRole: return row.value("outstanding"_L1).toInt();
    case EjectedForMsRole:
        return row.contains("ejected_for_ms"_L1) ? qRound64(row.value("ejected_for_ms"_L1).toDouble()) : qint64(-1);
    case TtfbMsRole:
        return row.contains("ttfb_p95_ms"_L1) ? qRound64(row.value("ttfb_p95_ms"_L1).toDouble()) : qint64(-1);
    default: return {};
    }
}

ReplicaHealthController::ReplicaHealthController(AdminClient *client, QObject *parent)
    : QObject(parent)
    , m_client(client)
{
    m_poll.setInterval(3000);
    connect(&m_poll, &QTimer::timeout, this, &ReplicaHealthController::refresh);
}

void ReplicaHealthController::apply(const QJsonObject &answer)
{
    m_replicas.setRows(ReplicaHealthModel::rowsOf(answer));
    ++m_revision;
    Q_EMIT updated();
}

void ReplicaHealthController::start()
{
    const bool was = m_poll.isActive();
    refresh();
    m_poll.start();
    if (!was)
        Q_EMIT runningChanged();
}

void ReplicaHealthController::stop()
{
    if (!m_poll.isActive())
        return;
    m_poll.stop();
    Q_EMIT runningChanged();
}

void ReplicaHealthController::clear()
{
    stop();
    ++m_generation; // an answer still on its way is of the connection that went
    m_inFlight = false;
    m_errorMessage = {};
    apply({});
}

void ReplicaHealthController::retranslate()
{
    Q_EMIT updated();
}

void ReplicaHealthController::refresh()
{
    if (m_inFlight)
        return; // a slow gateway: the answer on its way is as fresh
    m_inFlight = true;
    m_client->call("GET", u"api/v1/replicas"_s, {}, this, [this, generation = m_generation](const AdminError *error, const QJsonDocument &answer) {
        if (generation != m_generation)
            return;
        m_inFlight = false;
        if (error) {
            m_errorMessage = LiveText([detail = error->toString()] { return tr("Cannot read the replicas' health: %1").arg(detail); });
            Q_EMIT updated();
            return;
        }
        m_errorMessage = {};
        apply(answer.object());
    });
}

} // namespace airlock
