#include "configjson.h"

namespace airlock::configjson {

QString join(const QString &where, const char *key)
{
    return where.isEmpty() ? QString::fromLatin1(key) : where + QLatin1Char('.') + QLatin1String(key);
}

Error unknownKey(const QString &where, const QString &key)
{
    const QString path = where.isEmpty() ? key : where + QLatin1Char('.') + key;
    return Error::make(QStringLiteral("unknown_key"), QStringLiteral("unknown key \"%1\"").arg(path), path);
}

Error wrongType(const QString &path, const char *expected)
{
    return Error::make(QStringLiteral("invalid_type"), QStringLiteral("%1 must be %2").arg(path, QLatin1String(expected)),
                       path);
}

Error invalidValue(const QString &path, const QString &message)
{
    return Error::make(QStringLiteral("invalid_value"), QStringLiteral("%1 %2").arg(path, message), path);
}

Status checkKeys(const QJsonObject &object, const QString &where, std::initializer_list<const char *> allowed)
{
    for (auto it = object.begin(); it != object.end(); ++it) {
        bool known = false;
        for (const char *key : allowed)
            known = known || it.key() == QLatin1String(key);
        if (!known)
            return unknownKey(where, it.key());
    }
    return {};
}

Result<int> readInt(const QJsonObject &object, const char *key, const QString &where, int fallback)
{
    const QJsonValue value = object.value(QLatin1String(key));
    if (value.isUndefined())
        return fallback;
    const double d = value.toDouble(-1.5);
    // Range first: converting an out-of-range double (1e300) to an integer is undefined behaviour.
    if (!value.isDouble() || d < -2147483648.0 || d > 2147483647.0 || d != double(qint64(d)))
        return wrongType(join(where, key), "an integer");
    return int(d);
}

Result<int> readIntIn(const QJsonObject &object, const char *key, const QString &where, int fallback, int min, int max)
{
    auto v = readInt(object, key, where, fallback);
    if (v && (*v < min || *v > max))
        return invalidValue(join(where, key), QStringLiteral("must be between %1 and %2").arg(min).arg(max));
    return v;
}

Result<QString> readString(const QJsonObject &object, const char *key, const QString &where, bool required)
{
    const QJsonValue value = object.value(QLatin1String(key));
    const QString path = join(where, key);
    if (value.isUndefined()) {
        if (required)
            return Error::make(QStringLiteral("missing_field"), QStringLiteral("%1 is required").arg(path), path);
        return QString();
    }
    if (!value.isString())
        return wrongType(path, "a string");
    return value.toString();
}

} // namespace airlock::configjson
