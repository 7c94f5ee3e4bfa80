#include "gatewaymetrics.h"

#include <atomic>

#include "prometheus.h"

#include <QDateTime>
#include <QHash>
#include <QMap>
#include <QMutexLocker>

namespace airlock::metrics {

namespace {

QString orUnknown(const QString &s)
{
    return s.isEmpty() ? QStringLiteral("unknown") : s;
}

bool upstreamFailed(const RequestRecord &r)
{
    return r.errorCode == QLatin1String("upstream_unavailable") || r.errorCode == QLatin1String("upstream_timeout")
        || (r.errorCode.startsWith(QLatin1String("upstream_status_5")));
}

struct EndpointHealth
{
    bool up = true;
    qint64 consecutiveFailures = 0;
    qint64 lastSuccessMs = 0;
};

Labels zip(std::initializer_list<const char *> names, const QStringList &values)
{
    Labels labels;
    int i = 0;
    for (const char *name : names)
        labels.append({QByteArray(name), values.value(i++)});
    return labels;
}

} // namespace

struct GatewayMetrics::Private
{
    std::atomic<quint64> requests{0};
    mutable QMutex mutex;
    struct InFlight
    {
        QString family;
        qint64 count = 0;
    };
    mutable QMutex inFlightMutex;
    QHash<QString, InFlight> inFlight; // by endpoint name
    QMap<QStringList, Histogram> inference;            // engine, name, error, streaming, feature
    QMap<QStringList, Histogram> http;                 // handler, method, status
    QMap<QStringList, Histogram> overhead;             // feature
    QMap<QStringList, std::array<qint64, 3>> suggestions; // lang, model -> requests, accepts, errors
    QMap<QString, EndpointHealth> health;
    QList<Collector> collectors;
};

GatewayMetrics::GatewayMetrics()
    : d(std::make_unique<Private>())
{
}

GatewayMetrics::~GatewayMetrics() = default;

// Hot path (worker threads): one uncontended mutex of its own and a hash lookup by endpoint name, no
// allocation once the endpoint has been seen.
void GatewayMetrics::inferenceStarted(const RequestRecord &record)
{
    QMutexLocker lock(&d->inFlightMutex);
    auto it = d->inFlight.find(record.modelEndpoint);
    if (it == d->inFlight.end())
        it = d->inFlight.insert(record.modelEndpoint, {record.modelFamily, 0});
    ++it->count;
}

void GatewayMetrics::inferenceFinished(const RequestRecord &record)
{
    QMutexLocker lock(&d->inFlightMutex);
    auto it = d->inFlight.find(record.modelEndpoint);
    if (it != d->inFlight.end())
        --it->count;
}

quint64 GatewayMetrics::requestsObserved() const
{
    return d->requests.load(std::memory_order_relaxed);
}

void GatewayMetrics::observe(const RequestRecord &r)
{
    d->requests.fetch_add(1, std::memory_order_relaxed);
    const bool error = r.status >= 400 || r.status == 0;
    const QString status = QString::number(r.status);
    const QString handler = (r.status == 404 || r.status == 405) && r.modelEndpoint.isEmpty()
        ? QStringLiteral("unmatched")
        : QString::fromLatin1(r.path);
    const double total = qMax(0.0, r.totalMs) / 1000.0;
    const double upstream = qMax(0.0, r.upstreamMs) / 1000.0;
    QMutexLocker lock(&d->mutex);
    d->http[{handler, QString::fromLatin1(r.method), status}].observe(total);
    const QStringList featureKey{orUnknown(r.feature)};
    auto overhead = d->overhead.find(featureKey);
    if (overhead == d->overhead.end())
        overhead = d->overhead.insert(featureKey, Histogram(&overheadBuckets()));
    overhead->observe(qMax(0.0, total - upstream));
    if (r.upstreamMs >= 0) {
        const QStringList key{orUnknown(r.modelFamily), orUnknown(r.modelEndpoint),
                              error ? QStringLiteral("yes") : QStringLiteral("no"),
                              r.stream ? QStringLiteral("yes") : QStringLiteral("no"), orUnknown(r.feature)};
        d->inference[key].observe(upstream);
    }
    if (!r.modelEndpoint.isEmpty() && (r.upstreamFirstByteMs >= 0 || upstreamFailed(r))) {
        EndpointHealth &h = d->health[r.modelEndpoint];
        if (upstreamFailed(r)) {
            h.up = false;
            ++h.consecutiveFailures;
        } else {
            h.up = true;
            h.consecutiveFailures = 0;
            h.lastSuccessMs = r.startedAtMs + qint64(qMax(0.0, r.totalMs));
        }
    }
}

void GatewayMetrics::observeSuggestionTelemetry(const QString &lang, const QString &model, qint64 requests,
                                                qint64 accepts, qint64 errors)
{
    QMutexLocker lock(&d->mutex);
    auto &counts = d->suggestions[{orUnknown(lang), orUnknown(model)}];
    counts[0] += requests;
    counts[1] += accepts;
    counts[2] += errors;
}

void GatewayMetrics::addCollector(Collector collector)
{
    QMutexLocker lock(&d->mutex);
    d->collectors.append(std::move(collector));
}

QByteArray GatewayMetrics::render() const
{
    QByteArray out;
    out.reserve(16 * 1024);
    QList<Collector> collectors;
    {
        QMutexLocker lock(&d->mutex);
        writeFamilyHeader(out, "model_inferences_in_flight", "gauge", "Requests to model servers in progress.");
        {
            QMutexLocker inFlightLock(&d->inFlightMutex);
            QMap<QString, Private::InFlight> sorted;
            for (auto it = d->inFlight.cbegin(); it != d->inFlight.cend(); ++it)
                sorted.insert(it.key(), it.value());
            for (auto it = sorted.cbegin(); it != sorted.cend(); ++it)
                writeSample(out, "model_inferences_in_flight",
                            zip({"model_engine", "model_name"}, QStringList{orUnknown(it->family), orUnknown(it.key())}),
                            double(it->count));
        }

        static constexpr std::initializer_list<const char *> inferenceLabels{"model_engine", "model_name", "error",
                                                                             "streaming", "feature_category"};
        writeFamilyHeader(out, "model_inferences_total", "counter", "Requests sent to model servers.");
        for (auto it = d->inference.cbegin(); it != d->inference.cend(); ++it)
            writeSample(out, "model_inferences_total", zip(inferenceLabels, it.key()), double(it.value().count()));
        writeFamilyHeader(out, "inference_request_duration_seconds", "histogram",
                          "Time spent waiting on the model server per request.");
        for (auto it = d->inference.cbegin(); it != d->inference.cend(); ++it)
            it.value().write(out, "inference_request_duration_seconds", zip(inferenceLabels, it.key()));

        writeFamilyHeader(out, "http_request_duration_seconds", "histogram", "Whole request duration as served.");
        for (auto it = d->http.cbegin(); it != d->http.cend(); ++it)
            it.value().write(out, "http_request_duration_seconds", zip({"handler", "method", "status"}, it.key()));

        writeFamilyHeader(out, "airlock_overhead_seconds", "histogram",
                          "Time spent inside Airlock per request, excluding the model server.");
        for (auto it = d->overhead.cbegin(); it != d->overhead.cend(); ++it)
            it.value().write(out, "airlock_overhead_seconds", zip({"feature"}, it.key()));

        const char *suggestionNames[3] = {"code_suggestions_requests", "code_suggestions_accepts",
                                          "code_suggestions_errors"};
        const char *suggestionHelp[3] = {"Code suggestions shown, as reported by clients' telemetry.",
                                         "Code suggestions accepted, as reported by clients' telemetry.",
                                         "Code suggestion errors, as reported by clients' telemetry."};
        for (int i = 0; i < 3; ++i) {
            writeFamilyHeader(out, suggestionNames[i], "counter", suggestionHelp[i]);
            for (auto it = d->suggestions.cbegin(); it != d->suggestions.cend(); ++it)
                writeSample(out, suggestionNames[i], zip({"lang", "model"}, it.key()), double(it.value()[i]));
        }

        writeFamilyHeader(out, "airlock_model_endpoint_up", "gauge",
                          "1 if the last request to the model endpoint got an answer, 0 if it failed.");
        for (auto it = d->health.cbegin(); it != d->health.cend(); ++it)
            writeSample(out, "airlock_model_endpoint_up", {{"endpoint", it.key()}}, it.value().up ? 1 : 0);
        writeFamilyHeader(out, "airlock_model_endpoint_consecutive_failures", "gauge",
                          "Failed requests to the model endpoint since its last success.");
        for (auto it = d->health.cbegin(); it != d->health.cend(); ++it)
            writeSample(out, "airlock_model_endpoint_consecutive_failures", {{"endpoint", it.key()}},
                        double(it.value().consecutiveFailures));
        writeFamilyHeader(out, "airlock_model_endpoint_last_success_timestamp_seconds", "gauge",
                          "When the model endpoint last answered (Unix time).");
        for (auto it = d->health.cbegin(); it != d->health.cend(); ++it) {
            if (it.value().lastSuccessMs > 0)
                writeSample(out, "airlock_model_endpoint_last_success_timestamp_seconds", {{"endpoint", it.key()}},
                            double(it.value().lastSuccessMs) / 1000.0);
        }
        collectors = d->collectors;
    }
    for (const Collector &collector : collectors)
        collector(out);
    return out;
}

} // namespace airlock::metrics
