#include "prometheus.h"

#include <cmath>

namespace airlock::metrics {

QByteArray formatLabels(const Labels &labels)
{
    if (labels.isEmpty())
        return {};
    QByteArray out = "{";
    bool first = true;
    for (const auto &[name, value] : labels) {
        if (!first)
            out += ',';
        first = false;
        out += name;
        out += "=\"";
        for (const char c : value.toUtf8()) {
            if (c == '\\')
                out += "\\\\";
            else if (c == '"')
                out += "\\\"";
            else if (c == '\n')
                out += "\\n";
            else
                out += c;
        }
        out += '"';
    }
    out += '}';
    return out;
}

QByteArray formatValue(double value)
{
    if (std::isnan(value))
        return "NaN";
    if (std::isinf(value))
        return value > 0 ? "+Inf" : "-Inf";
    if (value == std::floor(value) && std::abs(value) < 1e15)
        return QByteArray::number(qint64(value));
    return QByteArray::number(value, 'g', 12);
}

void writeFamilyHeader(QByteArray &out, QByteArrayView name, QByteArrayView type, QByteArrayView help)
{
    out += "# HELP ";
    out += name;
    out += ' ';
    out += help;
    out += "\n# TYPE ";
    out += name;
    out += ' ';
    out += type;
    out += '\n';
}

void writeSample(QByteArray &out, QByteArrayView name, const Labels &labels, double value)
{
    out += name;
    out += formatLabels(labels);
    out += ' ';
    out += formatValue(value);
    out += '\n';
}

Histogram::Histogram(const std::vector<double> *bounds)
    : m_bounds(bounds ? bounds : &durationBuckets())
    , m_counts(m_bounds->size() + 1, 0)
{
}

void Histogram::observe(double value)
{
    std::size_t i = 0;
    while (i < m_bounds->size() && value > (*m_bounds)[i])
        ++i;
    ++m_counts[i];
    m_sum += value;
    ++m_count;
}

void Histogram::write(QByteArray &out, QByteArrayView name, const Labels &labels) const
{
    const QByteArray bucket = QByteArray(name.toByteArray() + "_bucket");
    quint64 cumulative = 0;
    for (std::size_t i = 0; i <= m_bounds->size(); ++i) {
        cumulative += m_counts[i];
        Labels withLe = labels;
        withLe.append({"le", i < m_bounds->size() ? QString::fromLatin1(formatValue((*m_bounds)[i])) : QStringLiteral("+Inf")});
        writeSample(out, bucket, withLe, double(cumulative));
    }
    writeSample(out, QByteArray(name.toByteArray() + "_sum"), labels, m_sum);
    writeSample(out, QByteArray(name.toByteArray() + "_count"), labels, double(m_count));
}

const std::vector<double> &durationBuckets()
{
    static const std::vector<double> b{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 30, 60};
    return b;
}

const std::vector<double> &overheadBuckets()
{
    static const std::vector<double> b{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1};
    return b;
}

} // namespace airlock::metrics
