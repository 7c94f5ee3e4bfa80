#pragma once

// The gateway's Prometheus metrics. Names follow GitLab's AI gateway where one applies:
//   model_inferences_in_flight{model_engine,model_name}                      gauge
//   model_inferences_total{model_engine,model_name,error,streaming,feature_category}
//   inference_request_duration_seconds{same labels}                           histogram (model server time)
//   http_request_duration_seconds{handler,method,status}                      histogram (whole request)
//   code_suggestions_requests / _accepts / _errors{lang,model}                counters (client telemetry)
// and Airlock's own:
//   airlock_overhead_seconds{feature}         time inside Airlock, excluding the model server (histogram)
//   airlock_model_endpoint_up{endpoint}       1 if the last call to the endpoint got an answer, else 0
//   airlock_model_endpoint_consecutive_failures{endpoint}
//   airlock_model_endpoint_last_success_timestamp_seconds{endpoint}
// plus whatever collectors add (the request log's queue, the live log's subscribers).
//
// Threads: inferenceStarted/Finished run on worker threads (a short mutex); observe() runs on the
// request log's writer thread after each batch; render() on the admin thread. All thread-safe.
//
// model_engine is the endpoint's model family, model_name the registered endpoint name (bounded label
// sets: endpoint names come from the admin, never from requests). http handler is the request path,
// except for 404/405 answers ("unmatched"), so that scanning clients cannot blow up the label set.

#include "requestrecord.h"

#include <QByteArray>
#include <QMutex>

#include <functional>
#include <memory>

namespace airlock::metrics {

class GatewayMetrics
{
public:
    GatewayMetrics();
    ~GatewayMetrics();

    void inferenceStarted(const RequestRecord &record);
    void inferenceFinished(const RequestRecord &record);
    // A finished request (on the writer thread, off the hot path).
    void observe(const RequestRecord &record);
    void observeSuggestionTelemetry(const QString &lang, const QString &model, qint64 requests, qint64 accepts,
                                    qint64 errors);

    // Requests observed so far (every finished request, errors included); thread-safe.
    quint64 requestsObserved() const;

    // Extra families appended at render time (must be thread-safe; called on the rendering thread).
    using Collector = std::function<void(QByteArray &out)>;
    void addCollector(Collector collector);

    // The whole exposition (text/plain; version=0.0.4).
    QByteArray render() const;

private:
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace airlock::metrics
