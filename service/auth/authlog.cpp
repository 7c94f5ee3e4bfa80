#include "authlog.h"

#include <QCryptographicHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace airlock::auth {

Q_LOGGING_CATEGORY(lcAuth, "airlock.auth", QtInfoMsg)

QString fingerprint(QByteArrayView secret)
{
    if (secret.isEmpty())
        return QStringLiteral("(none)");
    const QByteArray digest = QCryptographicHash::hash(secret, QCryptographicHash::Sha256);
    return QStringLiteral("sha256:") + QString::fromLatin1(digest.left(4).toHex());
}

namespace {

bool secretKey(const QString &key)
{
    const QString k = key.toLower();
    return k.contains(QLatin1String("api_key")) || k.contains(QLatin1String("apikey")) || k == QLatin1String("token")
        || k.endsWith(QLatin1String("_token")) || k.contains(QLatin1String("secret")) || k.contains(QLatin1String("password"))
        || k == QLatin1String("authorization") || k == QLatin1String("d") || k == QLatin1String("private_key");
}

QJsonValue redact(const QJsonValue &value)
{
    if (value.isObject()) {
        QJsonObject object = value.toObject();
        for (auto it = object.begin(); it != object.end(); ++it) {
            if (secretKey(it.key()) && !it.value().isNull() && !(it.value().isString() && it.value().toString().isEmpty()))
                it.value() = QStringLiteral("***");
            else
                it.value() = redact(it.value());
        }
        return object;
    }
    if (value.isArray()) {
        QJsonArray array = value.toArray();
        for (qsizetype i = 0; i < array.size(); ++i)
            array[i] = redact(array.at(i));
        return array;
    }
    return value;
}

} // namespace

QByteArray redactJson(const QByteArray &json)
{
    if (json.isEmpty())
        return json;
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &error);
    if (error.error != QJsonParseError::NoError)
        return QByteArrayLiteral("\"(not JSON; not recorded)\"");
    const QJsonValue redacted = redact(doc.isObject() ? QJsonValue(doc.object()) : QJsonValue(doc.array()));
    return redacted.isObject() ? QJsonDocument(redacted.toObject()).toJson(QJsonDocument::Compact)
                               : QJsonDocument(redacted.toArray()).toJson(QJsonDocument::Compact);
}

} // namespace airlock::auth
