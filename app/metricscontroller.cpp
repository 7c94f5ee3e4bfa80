#include "metricscontroller.h"

#include "adminclient.h"

#include <QDateTime>
#include <QJsonArray>

namespace airlock {

using namespace Qt::StringLiterals;

namespace {
constexpr qint64 kWindowMs = 30 * 60 * 1000;
constexpr qint64 kStepMs = 60 * 1000;
} // namespace

QString EndpointHealthModel::healthOf(qint64 requests, double errorRate)
{
    if (requests == 0)
        return u"idle"_s;
    if (errorRate < 0.05)
        return u"ok"_s;
    return errorRate < 0.5 ? u"degraded"_s : u"failing"_s;
}

QHash<int, std::pair<QByteArray, QString>> EndpointHealthModel::roles() const
{
    return {{NameRole, {"name", u"model"_s}},
            {RequestsRole, {"requests", u"requests"_s}},
            {ErrorRateRole, {"errorRate", u"error_rate"_s}},
            {P95Role, {"p95", u"p95_ms"_s}},
            {HealthRole, {"health", u"health"_s}}};
}

QVariant EndpointHealthModel::computed(const QJsonObject &row, int role) const
{
    switch (role) {
    case RequestsRole: return row.value("requests"_L1).toInteger();
    case ErrorRateRole: return row.value("error_rate"_L1).toDouble();
    case P95Role: return row.contains("p95_ms"_L1) ? row.value("p95_ms"_L1).toDouble() : -1.0;
    case HealthRole: return healthOf(row.value("requests"_L1).toInteger(), row.value("error_rate"_L1).toDouble());
    default: return {};
    }
}

MetricsController::MetricsController(AdminClient *client, QObject *parent)
    : QObject(parent)
    , m_client(client)
{
    m_poll.setInterval(5000);
    connect(&m_poll, &QTimer::timeout, this, &MetricsController::refresh);
}

qint64 MetricsController::totalTokens() const
{
    return m_total.value("prompt_tokens"_L1).toInteger() + m_total.value("answer_tokens"_L1).toInteger();
}

void MetricsController::setModelNames(const QStringList &names)
{
    m_modelNames = names;
    apply(QJsonObject{{u"series"_s, QJsonArray()}, {u"by_model"_s, m_byModel}, {u"total"_s, m_total}});
}

void MetricsController::start()
{
    refresh();
    m_poll.start();
}

void MetricsController::stop()
{
    m_poll.stop();
}

void MetricsController::clear()
{
    stop();
    m_modelNames.clear();
    apply({});
}

void MetricsController::retranslate()
{
    Q_EMIT updated();
}

void MetricsController::refresh()
{
    const qint64 to = QDateTime::currentMSecsSinceEpoch();
    const qint64 from = (to - kWindowMs) / kStepMs * kStepMs;
    m_client->call("GET", u"api/v1/logs/aggregate?from=%1&to=%2&step=60"_s.arg(from).arg(to), {}, this,
                   [this](const AdminError *error, const QJsonDocument &answer) {
                       if (error) {
                           m_errorMessage = LiveText([detail = error->toString()] { return tr("Cannot read the metrics: %1").arg(detail); });
                           Q_EMIT updated();
                           return;
                       }
                       m_errorMessage = {};
                       apply(answer.object());
                   });
}

void MetricsController::apply(const QJsonObject &aggregate)
{
    // Minutes without requests are absent from the series: fill them with zeros so the lines are honest.
    const QJsonArray series = aggregate.value("series"_L1).toArray();
    const qint64 to = aggregate.value("to_ms"_L1).toInteger();
    const qint64 from = aggregate.value("from_ms"_L1).toInteger();
    QMap<qint64, QJsonObject> byTime;
    for (const QJsonValue &v : series)
        byTime.insert(v.toObject().value("t"_L1).toInteger(), v.toObject());
    QList<ChartSeries::Point> rps, p50, p95, errors, tokens;
    if (to > from) {
        for (qint64 t = from / kStepMs * kStepMs; t < to; t += kStepMs) {
            const QJsonObject p = byTime.value(t);
            rps << ChartSeries::Point{t, p.value("rps"_L1).toDouble()};
            p50 << ChartSeries::Point{t, p.value("p50_ms"_L1).toDouble()};
            p95 << ChartSeries::Point{t, p.value("p95_ms"_L1).toDouble()};
            errors << ChartSeries::Point{t, p.value("error_rate"_L1).toDouble() * 100.0};
            tokens << ChartSeries::Point{t, double(p.value("prompt_tokens"_L1).toInteger() + p.value("answer_tokens"_L1).toInteger())};
        }
    }
    if (!series.isEmpty() || to > from || aggregate.isEmpty()) {
        m_rps.setPoints(rps);
        m_p50.setPoints(p50);
        m_p95.setPoints(p95);
        m_errorRate.setPoints(errors);
        m_tokens.setPoints(tokens);
    }
    m_total = aggregate.value("total"_L1).toObject();
    m_byModel = aggregate.value("by_model"_L1).toArray();

    QJsonArray rows;
    QStringList seen;
    for (const QString &name : std::as_const(m_modelNames)) {
        QJsonObject row{{u"model"_s, name}, {u"requests"_s, 0}, {u"error_rate"_s, 0.0}};
        for (const QJsonValue &v : std::as_const(m_byModel)) {
            if (v.toObject().value("model"_L1).toString() == name)
                row = v.toObject();
        }
        rows.append(row);
        seen << name;
    }
    for (const QJsonValue &v : std::as_const(m_byModel)) {
        const QString name = v.toObject().value("model"_L1).toString();
        if (!name.isEmpty() && !seen.contains(name))
            rows.append(v);
    }
    m_endpoints.setRows(rows);
    Q_EMIT updated();
}

} // namespace airlock
