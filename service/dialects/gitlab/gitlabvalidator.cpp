#include "gitlabvalidator.h"

#include <QJsonDocument>

namespace airlock::gitlab {

namespace {

QJsonArray locArray(const GitLabValidator::Loc &loc)
{
    QJsonArray array{QStringLiteral("body")};
    for (const QString &part : loc) {
        bool isIndex = false;
        const int index = part.toInt(&isIndex);
        array.append(isIndex ? QJsonValue(index) : QJsonValue(part));
    }
    return array;
}

} // namespace

void GitLabValidator::add(const Loc &loc, const QString &type, const QString &msg, const QJsonValue &input)
{
    QJsonObject error{{QStringLiteral("type"), type},
                      {QStringLiteral("loc"), locArray(loc)},
                      {QStringLiteral("msg"), msg}};
    if (!input.isUndefined())
        error.insert(QStringLiteral("input"), input);
    m_errors.append(error);
}

QString GitLabValidator::expected(const QStringList &allowed)
{
    // Pydantic's wording: 'a', 'b' or 'c'.
    QStringList quoted;
    for (const QString &a : allowed)
        quoted << QLatin1Char('\'') + a + QLatin1Char('\'');
    if (quoted.size() < 2)
        return quoted.join(QString());
    const QString last = quoted.takeLast();
    return quoted.join(QStringLiteral(", ")) + QStringLiteral(" or ") + last;
}

QByteArray GitLabValidator::body() const
{
    return QJsonDocument(QJsonObject{{QStringLiteral("detail"), m_errors}}).toJson(QJsonDocument::Compact);
}

QByteArray GitLabValidator::single(const Loc &loc, const QString &type, const QString &msg)
{
    GitLabValidator v;
    v.add(loc, type, msg);
    return v.body();
}

std::optional<QString> GitLabValidator::string(const QJsonObject &o, const QString &key, const Loc &loc, bool required,
                                               int maxLength, bool nullable)
{
    const Loc here = loc + QStringList{key};
    const QJsonValue value = o.value(key);
    if (value.isUndefined() || (value.isNull() && !nullable)) {
        if (required)
            add(here, QStringLiteral("missing"), QStringLiteral("Field required"), o);
        return std::nullopt;
    }
    if (value.isNull())
        return std::nullopt;
    if (!value.isString()) {
        add(here, QStringLiteral("string_type"), QStringLiteral("Input should be a valid string"), value);
        return std::nullopt;
    }
    const QString s = value.toString();
    if (maxLength >= 0 && s.size() > maxLength) {
        add(here, QStringLiteral("string_too_long"),
            QStringLiteral("String should have at most %1 characters").arg(maxLength), value);
        return std::nullopt;
    }
    return s;
}

std::optional<qint64> GitLabValidator::integer(const QJsonObject &o, const QString &key, const Loc &loc, bool required)
{
    const QJsonValue value = o.value(key);
    if (value.isUndefined() || value.isNull()) {
        if (required)
            add(loc + QStringList{key}, QStringLiteral("missing"), QStringLiteral("Field required"), o);
        return std::nullopt;
    }
    const double d = value.toDouble();
    // Range first: casting a double outside qint64 (1e300) is undefined behaviour. 2^63 itself is out.
    constexpr double kLimit = 9223372036854775808.0;
    if (!value.isDouble() || !(d > -kLimit && d < kLimit) || d != double(qint64(d))) {
        add(loc + QStringList{key}, QStringLiteral("int_type"), QStringLiteral("Input should be a valid integer"), value);
        return std::nullopt;
    }
    return qint64(d);
}

std::optional<bool> GitLabValidator::boolean(const QJsonObject &o, const QString &key, const Loc &loc, bool required)
{
    const QJsonValue value = o.value(key);
    if (value.isUndefined() || value.isNull()) {
        if (required)
            add(loc + QStringList{key}, QStringLiteral("missing"), QStringLiteral("Field required"), o);
        return std::nullopt;
    }
    if (!value.isBool()) {
        add(loc + QStringList{key}, QStringLiteral("bool_type"), QStringLiteral("Input should be a valid boolean"), value);
        return std::nullopt;
    }
    return value.toBool();
}

std::optional<double> GitLabValidator::number(const QJsonObject &o, const QString &key, const Loc &loc, double min,
                                              double max)
{
    const QJsonValue value = o.value(key);
    if (value.isUndefined() || value.isNull())
        return std::nullopt;
    if (!value.isDouble()) {
        add(loc + QStringList{key}, QStringLiteral("float_type"), QStringLiteral("Input should be a valid number"), value);
        return std::nullopt;
    }
    const double d = value.toDouble();
    if (d < min || d > max) {
        add(loc + QStringList{key}, d < min ? QStringLiteral("greater_than_equal") : QStringLiteral("less_than_equal"),
            d < min ? QStringLiteral("Input should be greater than or equal to %1").arg(min)
                    : QStringLiteral("Input should be less than or equal to %1").arg(max),
            value);
        return std::nullopt;
    }
    return d;
}

std::optional<QJsonObject> GitLabValidator::object(const QJsonObject &o, const QString &key, const Loc &loc,
                                                   bool required)
{
    const QJsonValue value = o.value(key);
    if (value.isUndefined() || value.isNull()) {
        if (required)
            add(loc + QStringList{key}, QStringLiteral("missing"), QStringLiteral("Field required"), o);
        return std::nullopt;
    }
    if (!value.isObject()) {
        add(loc + QStringList{key}, QStringLiteral("model_type"),
            QStringLiteral("Input should be a valid dictionary or object to extract fields from"), value);
        return std::nullopt;
    }
    return value.toObject();
}

std::optional<QJsonArray> GitLabValidator::array(const QJsonObject &o, const QString &key, const Loc &loc,
                                                 bool required, int minItems, int maxItems)
{
    const QJsonValue value = o.value(key);
    if (value.isUndefined() || value.isNull()) {
        if (required)
            add(loc + QStringList{key}, QStringLiteral("missing"), QStringLiteral("Field required"), o);
        return std::nullopt;
    }
    if (!value.isArray()) {
        add(loc + QStringList{key}, QStringLiteral("list_type"), QStringLiteral("Input should be a valid list"), value);
        return std::nullopt;
    }
    const QJsonArray a = value.toArray();
    if (maxItems >= 0 && a.size() > maxItems) {
        add(loc + QStringList{key}, QStringLiteral("too_long"),
            QStringLiteral("List should have at most %1 items after validation, not %2").arg(maxItems).arg(a.size()),
            value);
        return std::nullopt;
    }
    if (minItems >= 0 && a.size() < minItems) {
        add(loc + QStringList{key}, QStringLiteral("too_short"),
            QStringLiteral("List should have at least %1 %2 after validation, not %3")
                .arg(minItems)
                .arg(minItems == 1 ? QStringLiteral("item") : QStringLiteral("items"))
                .arg(a.size()),
            value);
        return std::nullopt;
    }
    return a;
}

std::optional<QString> GitLabValidator::oneOf(const QJsonObject &o, const QString &key, const Loc &loc,
                                              const QStringList &allowed, bool required, const QString &type)
{
    const auto value = string(o, key, loc, required);
    if (!value)
        return std::nullopt;
    if (!allowed.contains(*value)) {
        add(loc + QStringList{key}, type, QStringLiteral("Input should be %1").arg(expected(allowed)), *value);
        return std::nullopt;
    }
    return value;
}

} // namespace airlock::gitlab
