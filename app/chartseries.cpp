#include "chartseries.h"

#include <QPainter>
#include <QPainterPath>

namespace airlock {

ChartSeries::ChartSeries(QObject *parent)
    : QAbstractListModel(parent)
{
}

int ChartSeries::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_points.size());
}

QVariant ChartSeries::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Point &p = m_points.at(index.row());
    switch (role) {
    case TimeRole: return p.t;
    case Qt::DisplayRole:
    case ValueRole: return p.value;
    default: return {};
    }
}

QHash<int, QByteArray> ChartSeries::roleNames() const
{
    return {{TimeRole, "time"}, {ValueRole, "value"}};
}

void ChartSeries::setPoints(QList<Point> points)
{
    beginResetModel();
    m_points = std::move(points);
    endResetModel();
    Q_EMIT changed();
}

double ChartSeries::maximum() const
{
    double m = 0;
    for (const Point &p : m_points)
        m = std::max(m, p.value);
    return m;
}

LineChart::LineChart(QQuickItem *parent)
    : QQuickPaintedItem(parent)
{
    setAntialiasing(true);
}

void LineChart::setSeries(ChartSeries *series)
{
    if (m_series == series)
        return;
    if (m_series)
        m_series->disconnect(this);
    m_series = series;
    if (m_series)
        connect(m_series, &ChartSeries::changed, this, [this] { update(); });
    Q_EMIT seriesChanged();
    update();
}

void LineChart::setColor(const QColor &color)
{
    if (m_color == color)
        return;
    m_color = color;
    Q_EMIT styleChanged();
    update();
}

void LineChart::setGridColor(const QColor &color)
{
    if (m_grid == color)
        return;
    m_grid = color;
    Q_EMIT styleChanged();
    update();
}

void LineChart::setMinimumMaximum(double value)
{
    if (qFuzzyCompare(m_minMax, value))
        return;
    m_minMax = value;
    Q_EMIT styleChanged();
    update();
}

void LineChart::paint(QPainter *painter)
{
    const QRectF area = boundingRect().adjusted(1, 4, -1, -1);
    painter->setPen(QPen(m_grid, 1));
    for (int i = 0; i <= 3; ++i) {
        const double y = area.top() + area.height() * i / 3.0;
        painter->drawLine(QPointF(area.left(), y), QPointF(area.right(), y));
    }
    if (!m_series || m_series->points().size() < 2)
        return;
    const QList<ChartSeries::Point> &points = m_series->points();
    const double t0 = double(points.constFirst().t);
    const double span = std::max(1.0, double(points.constLast().t) - t0);
    const double top = std::max(m_minMax, m_series->maximum() * 1.1);
    QPainterPath line;
    for (qsizetype i = 0; i < points.size(); ++i) {
        const QPointF p(area.left() + area.width() * (double(points.at(i).t) - t0) / span,
                        area.bottom() - area.height() * std::clamp(points.at(i).value / top, 0.0, 1.0));
        if (i == 0)
            line.moveTo(p);
        else
            line.lineTo(p);
    }
    QPainterPath fill = line;
    fill.lineTo(area.right(), area.bottom());
    fill.lineTo(area.left(), area.bottom());
    fill.closeSubpath();
    QColor shade = m_color;
    shade.setAlphaF(0.15f);
    painter->fillPath(fill, shade);
    painter->setPen(QPen(m_color, 2));
    painter->drawPath(line);
}

} // namespace airlock
