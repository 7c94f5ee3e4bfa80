#pragma once

// Small helpers for the Prometheus text exposition format (version 0.0.4): label escaping, a
// fixed-bucket histogram, and writing families of samples.

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>

#include <utility>
#include <vector>

namespace airlock::metrics {

using Labels = QList<std::pair<QByteArray, QString>>;

// `{a="x",b="y"}` with values escaped (backslash, double quote, newline); empty for no labels.
QByteArray formatLabels(const Labels &labels);
QByteArray formatValue(double value);

// "# HELP name help\n# TYPE name type\n"
void writeFamilyHeader(QByteArray &out, QByteArrayView name, QByteArrayView type, QByteArrayView help);
void writeSample(QByteArray &out, QByteArrayView name, const Labels &labels, double value);

class Histogram
{
public:
    explicit Histogram(const std::vector<double> *bounds = nullptr);
    void observe(double value);
    // Writes name_bucket{...,le=...}, name_sum and name_count samples.
    void write(QByteArray &out, QByteArrayView name, const Labels &labels) const;
    quint64 count() const { return m_count; }
    double sum() const { return m_sum; }

private:
    const std::vector<double> *m_bounds;
    std::vector<quint64> m_counts; // per bucket, not cumulative; last = +Inf
    double m_sum = 0;
    quint64 m_count = 0;
};

// Prometheus' default buckets (seconds), extended to a minute for model inference.
const std::vector<double> &durationBuckets();
// Fine buckets for the time spent inside the gateway (100 µs .. 1 s).
const std::vector<double> &overheadBuckets();

} // namespace airlock::metrics
