// Prometheus exposition: GitLab's metric names, label escaping, histograms, endpoint health.

#include "metrics/gatewaymetrics.h"
#include "metrics/prometheus.h"

#include <QTest>

using namespace airlock;
using namespace airlock::metrics;

namespace {

RequestRecord proxied(int status, double upstreamMs, double totalMs, const QString &error = {})
{
    RequestRecord r;
    r.method = "POST";
    r.path = "/v1/chat/completions";
    r.feature = QStringLiteral("code_completions");
    r.modelEndpoint = QStringLiteral("gpu-a");
    r.modelFamily = QStringLiteral("codestral");
    r.status = status;
    r.upstreamMs = upstreamMs;
    r.upstreamFirstByteMs = error.isEmpty() ? upstreamMs : -1;
    r.totalMs = totalMs;
    r.errorCode = error;
    r.startedAtMs = 1700000000000;
    return r;
}

} // namespace

class tst_Metrics : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void labelsAreEscaped()
    {
        QCOMPARE(formatLabels({{"a", QStringLiteral("x\"y\\z\nw")}}), QByteArray("{a=\"x\\\"y\\\\z\\nw\"}"));
        QCOMPARE(formatLabels({}), QByteArray());
        QCOMPARE(formatValue(3), QByteArray("3"));
        QCOMPARE(formatValue(0.25), QByteArray("0.25"));
    }

    void histogramIsCumulative()
    {
        Histogram h(&overheadBuckets());
        h.observe(0.0002);
        h.observe(0.003);
        h.observe(5);
        QByteArray out;
        h.write(out, "x", {{"k", QStringLiteral("v")}});
        QVERIFY(out.contains("x_bucket{k=\"v\",le=\"0.0001\"} 0\n"));
        QVERIFY(out.contains("x_bucket{k=\"v\",le=\"0.00025\"} 1\n"));
        QVERIFY(out.contains("x_bucket{k=\"v\",le=\"0.005\"} 2\n"));
        QVERIFY(out.contains("x_bucket{k=\"v\",le=\"+Inf\"} 3\n"));
        QVERIFY(out.contains("x_count{k=\"v\"} 3\n"));
        QVERIFY(out.contains("x_sum{k=\"v\"} 5.0032\n"));
    }

    void gitlabNamesAndHealth()
    {
        GatewayMetrics m;
        RequestRecord r = proxied(200, 100, 101);
        m.inferenceStarted(r);
        QVERIFY(m.render().contains("model_inferences_in_flight{model_engine=\"codestral\",model_name=\"gpu-a\"} 1\n"));
        m.inferenceFinished(r);
        m.observe(r);
        m.observe(proxied(502, 5, 6, QStringLiteral("upstream_unavailable")));
        m.observe(proxied(502, 5, 6, QStringLiteral("upstream_unavailable")));
        RequestRecord notFound;
        notFound.method = "GET";
        notFound.path = "/random/scan/path";
        notFound.status = 404;
        notFound.totalMs = 0.1;
        m.observe(notFound);
        m.observeSuggestionTelemetry(QStringLiteral("python"), QStringLiteral("codestral"), 10, 4, 1);
        m.addCollector([](QByteArray &out) { out += "extra_metric 1\n"; });

        const QByteArray text = m.render();
        QVERIFY(text.contains("# TYPE model_inferences_total counter\n"));
        QVERIFY(text.contains("model_inferences_in_flight{model_engine=\"codestral\",model_name=\"gpu-a\"} 0\n"));
        QVERIFY(text.contains("model_inferences_total{model_engine=\"codestral\",model_name=\"gpu-a\",error=\"no\","
                              "streaming=\"no\",feature_category=\"code_completions\"} 1\n"));
        QVERIFY(text.contains("model_inferences_total{model_engine=\"codestral\",model_name=\"gpu-a\",error=\"yes\","
                              "streaming=\"no\",feature_category=\"code_completions\"} 2\n"));
        QVERIFY(text.contains("# TYPE inference_request_duration_seconds histogram\n"));
        QVERIFY(text.contains("http_request_duration_seconds_count{handler=\"/v1/chat/completions\",method=\"POST\",status=\"200\"} 1\n"));
        // Unmatched paths do not become labels.
        QVERIFY(!text.contains("/random/scan/path"));
        QVERIFY(text.contains("handler=\"unmatched\",method=\"GET\",status=\"404\""));
        QVERIFY(text.contains("airlock_overhead_seconds_count{feature=\"code_completions\"} 3\n"));
        QVERIFY(text.contains("airlock_overhead_seconds_sum{feature=\"code_completions\"} 0.003\n"));
        QVERIFY(text.contains("code_suggestions_requests{lang=\"python\",model=\"codestral\"} 10\n"));
        QVERIFY(text.contains("code_suggestions_accepts{lang=\"python\",model=\"codestral\"} 4\n"));
        QVERIFY(text.contains("code_suggestions_errors{lang=\"python\",model=\"codestral\"} 1\n"));
        QVERIFY(text.contains("airlock_model_endpoint_up{endpoint=\"gpu-a\"} 0\n"));
        QVERIFY(text.contains("airlock_model_endpoint_consecutive_failures{endpoint=\"gpu-a\"} 2\n"));
        QVERIFY(text.contains("extra_metric 1\n"));
        m.observe(proxied(200, 10, 11));
        QVERIFY(m.render().contains("airlock_model_endpoint_up{endpoint=\"gpu-a\"} 1\n"));
    }
};

QTEST_GUILESS_MAIN(tst_Metrics)
#include "tst_metrics.moc"
