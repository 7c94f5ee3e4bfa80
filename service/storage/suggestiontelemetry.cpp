#include "suggestiontelemetry.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace airlock::storage {

QList<TelemetryItem> parseTelemetry(const QByteArray &json)
{
    QList<TelemetryItem> items;
    if (json.isEmpty())
        return items;
    const QJsonDocument doc = QJsonDocument::fromJson(json);
    const QJsonArray array = doc.isArray() ? doc.array() : QJsonArray();
    for (const QJsonValue &value : array) {
        const QJsonObject o = value.toObject();
        if (o.isEmpty())
            continue;
        TelemetryItem item;
        item.modelEngine = o.value(QStringLiteral("model_engine")).toString().left(50);
        item.modelName = o.value(QStringLiteral("model_name")).toString().left(50);
        item.lang = o.value(QStringLiteral("lang")).toString().left(50);
        item.requests = qMax<qint64>(0, o.value(QStringLiteral("requests")).toInteger());
        item.accepts = qMax<qint64>(0, o.value(QStringLiteral("accepts")).toInteger());
        item.errors = qMax<qint64>(0, o.value(QStringLiteral("errors")).toInteger());
        if (item.requests == 0 && item.accepts == 0 && item.errors == 0)
            continue;
        items.append(item);
        if (items.size() == 10) // GitLab's schema limit
            break;
    }
    return items;
}

} // namespace airlock::storage
