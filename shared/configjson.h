#pragma once

// Reading the declarative configuration's JSON strictly: unknown keys and wrong types are errors that
// name the key's path ("models[1].timeouts_ms.idle"). Shared by the parsers of shared/.

#include "result.h"

#include <QJsonObject>
#include <QString>

#include <initializer_list>

namespace airlock::configjson {

Error unknownKey(const QString &where, const QString &key);
Error wrongType(const QString &path, const char *expected);
Error invalidValue(const QString &path, const QString &message);
Status checkKeys(const QJsonObject &object, const QString &where, std::initializer_list<const char *> allowed);
// `where.key`, or `key` when `where` is empty.
QString join(const QString &where, const char *key);
Result<int> readInt(const QJsonObject &object, const char *key, const QString &where, int fallback);
// readInt, and the value must lie in [min, max].
Result<int> readIntIn(const QJsonObject &object, const char *key, const QString &where, int fallback, int min, int max);
Result<QString> readString(const QJsonObject &object, const char *key, const QString &where, bool required);

} // namespace airlock::configjson
