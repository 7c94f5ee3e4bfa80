#pragma once

// The Overview's numbers: GET /api/v1/logs/aggregate over the last 30 minutes in one-minute steps,
// polled every 5 s while started. Series for requests/s, latency p50/p95, error rate and tokens feed the
// LineCharts; the per-model totals give each registered model endpoint's health:
//   "idle" no requests, "ok" error rate < 5 %, "degraded" < 50 %, "failing" otherwise.
// errorMessage is a LiveText: retranslate() announces it again (updated()) after a language switch.

#include "chartseries.h"
#include "jsonrowsmodel.h"
#include "livetext.h"

#include <QObject>
#include <QTimer>

namespace airlock {

class AdminClient;

class EndpointHealthModel : public airlock::JsonRowsModel
{
    Q_OBJECT
public:
    enum Role { NameRole = Qt::UserRole + 1, RequestsRole, ErrorRateRole, P95Role, HealthRole };
    Q_ENUM(Role)
    using JsonRowsModel::JsonRowsModel;

    static QString healthOf(qint64 requests, double errorRate);

protected:
    QHash<int, std::pair<QByteArray, QString>> roles() const override;
    QVariant computed(const QJsonObject &row, int role) const override;
};

class MetricsController : public QObject
{
    Q_OBJECT
    Q_PROPERTY(airlock::ChartSeries *rps READ rps CONSTANT)
    Q_PROPERTY(airlock::ChartSeries *p50 READ p50 CONSTANT)
    Q_PROPERTY(airlock::ChartSeries *p95 READ p95 CONSTANT)
    Q_PROPERTY(airlock::ChartSeries *errorRate READ errorRate CONSTANT)
    Q_PROPERTY(airlock::ChartSeries *tokens READ tokens CONSTANT)
    Q_PROPERTY(airlock::EndpointHealthModel *endpoints READ endpoints CONSTANT)
    Q_PROPERTY(double totalRps READ totalRps NOTIFY updated)
    Q_PROPERTY(double totalP50 READ totalP50 NOTIFY updated)
    Q_PROPERTY(double totalP95 READ totalP95 NOTIFY updated)
    Q_PROPERTY(double totalErrorRate READ totalErrorRate NOTIFY updated)
    Q_PROPERTY(double totalTokens READ totalTokensAsDouble NOTIFY updated)
    Q_PROPERTY(double totalRequests READ totalRequestsAsDouble NOTIFY updated)
    Q_PROPERTY(QString errorMessage READ errorMessage NOTIFY updated)

public:
    explicit MetricsController(AdminClient *client, QObject *parent = nullptr);

    ChartSeries *rps() { return &m_rps; }
    ChartSeries *p50() { return &m_p50; }
    ChartSeries *p95() { return &m_p95; }
    ChartSeries *errorRate() { return &m_errorRate; }
    ChartSeries *tokens() { return &m_tokens; }
    EndpointHealthModel *endpoints() { return &m_endpoints; }
    double totalRps() const { return m_total.value(QLatin1String("rps")).toDouble(); }
    double totalP50() const { return m_total.value(QLatin1String("p50_ms")).toDouble(); }
    double totalP95() const { return m_total.value(QLatin1String("p95_ms")).toDouble(); }
    double totalErrorRate() const { return m_total.value(QLatin1String("error_rate")).toDouble(); }
    qint64 totalTokens() const;
    qint64 totalRequests() const { return m_total.value(QLatin1String("requests")).toInteger(); }
    double totalTokensAsDouble() const { return double(totalTokens()); }
    double totalRequestsAsDouble() const { return double(totalRequests()); }
    QString errorMessage() const { return m_errorMessage.text(); }

    // The registered model endpoints: each gets a health row even without traffic.
    void setModelNames(const QStringList &names);
    // Applies one GET /api/v1/logs/aggregate answer (public for tests).
    void apply(const QJsonObject &aggregate);

    Q_INVOKABLE void start();
    Q_INVOKABLE void stop();
    Q_INVOKABLE void refresh();
    void clear();
    // After a language switch: emits updated() so the message is read again.
    void retranslate();

Q_SIGNALS:
    void updated();

private:
    AdminClient *m_client;
    QTimer m_poll;
    ChartSeries m_rps;
    ChartSeries m_p50;
    ChartSeries m_p95;
    ChartSeries m_errorRate;
    ChartSeries m_tokens;
    EndpointHealthModel m_endpoints;
    QStringList m_modelNames;
    QJsonObject m_total;
    QJsonArray m_byModel;
    LiveText m_errorMessage;
};

} // namespace airlock
