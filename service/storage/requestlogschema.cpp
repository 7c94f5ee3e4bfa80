#include "requestlogschema.h"

#include "database.h"
#include "latencyhistogram.h"

#include <QDate>
#include <QStringList>

#include <cmath>
#include <limits>

namespace airlock::storage {

QString requestLogSelectColumns()
{
    QStringList names { QStringLiteral("id") };
    for (const char *c : kRequestLogColumns)
        names.append(QLatin1String(c));
    return names.join(QStringLiteral(", "));
}

QString histogramColumns(const QString &prefix)
{
    QStringList cols;
    for (int i = 0; i < kLatencyBuckets; ++i)
        cols.append(prefix + QStringLiteral("h%1").arg(i));
    return cols.join(QStringLiteral(", "));
}

double roundMs(double ms)
{
    return std::round(ms * 1000.0) / 1000.0;
}

qint64 floorTo(qint64 value, qint64 unit)
{
    qint64 q = value / unit;
    if (value % unit < 0)
        --q;
    return q * unit;
}

QByteArray dayString(qint64 day)
{
    thread_local qint64 lastDay = std::numeric_limits<qint64>::min();
    thread_local QByteArray last;
    if (day != lastDay) {
        last = QDate(1970, 1, 1).addDays(day).toString(Qt::ISODate).toUtf8();
        lastDay = day;
    }
    return last;
}

ReadSnapshot::ReadSnapshot(Database &db) : m_db(db), m_open(bool(db.exec(QStringLiteral("BEGIN")))) { }

ReadSnapshot::~ReadSnapshot()
{
    if (m_open)
        (void)m_db.exec(QStringLiteral("COMMIT"));
}

} // namespace airlock::storage
