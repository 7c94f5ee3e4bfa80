#pragma once

// Charts without Qt Charts (whose QML types need a QApplication): ChartSeries is a list model of
// (time, value) points; LineChart paints one series as a line over a light grid, scaled to its data,
// with the latest value as a caption. Keyboard and screen readers get the caption as the accessible name.

#include <QAbstractListModel>
#include <QColor>
#include <QPointer>
#include <QQuickPaintedItem>

namespace airlock {

class ChartSeries : public QAbstractListModel
{
    Q_OBJECT
    Q_PROPERTY(int count READ rowCount NOTIFY changed)
    Q_PROPERTY(double latest READ latest NOTIFY changed)
    Q_PROPERTY(double maximum READ maximum NOTIFY changed)
public:
    enum Role { TimeRole = Qt::UserRole + 1, ValueRole };
    Q_ENUM(Role)
    struct Point
    {
        qint64 t = 0; // epoch ms
        double value = 0;
    };

    explicit ChartSeries(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    void setPoints(QList<Point> points);
    const QList<Point> &points() const { return m_points; }
    double latest() const { return m_points.isEmpty() ? 0 : m_points.constLast().value; }
    double maximum() const;

Q_SIGNALS:
    void changed();

private:
    QList<Point> m_points;
};

class LineChart : public QQuickPaintedItem
{
    Q_OBJECT
    Q_PROPERTY(airlock::ChartSeries *series READ series WRITE setSeries NOTIFY seriesChanged)
    Q_PROPERTY(QColor color READ color WRITE setColor NOTIFY styleChanged)
    Q_PROPERTY(QColor gridColor READ gridColor WRITE setGridColor NOTIFY styleChanged)
    Q_PROPERTY(double minimumMaximum READ minimumMaximum WRITE setMinimumMaximum NOTIFY styleChanged)
public:
    explicit LineChart(QQuickItem *parent = nullptr);

    ChartSeries *series() const { return m_series; }
    void setSeries(ChartSeries *series);
    QColor color() const { return m_color; }
    void setColor(const QColor &color);
    QColor gridColor() const { return m_grid; }
    void setGridColor(const QColor &color);
    // The y axis spans at least 0..minimumMaximum (an idle gateway's chart is flat, not noise).
    double minimumMaximum() const { return m_minMax; }
    void setMinimumMaximum(double value);

    void paint(QPainter *painter) override;

Q_SIGNALS:
    void seriesChanged();
    void styleChanged();

private:
    QPointer<ChartSeries> m_series;
    QColor m_color{0x2f, 0x6f, 0xdb};
    QColor m_grid{0xd3, 0xd6, 0xdb};
    double m_minMax = 1;
};

} // namespace airlock
