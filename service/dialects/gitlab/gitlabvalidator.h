#pragma once

// Request-body validation for the GitLab dialect, with GitLab's error shape: 422
// {"detail":[{"type":"...","loc":["body",...],"msg":"...","input":...}]} (Pydantic v2's types, messages and
// inputs: for a missing field the object it is missing from, otherwise the value refused; GitLab shows
// detail[0].msg). Collects every problem, like Pydantic, rather than stopping at the first.

#include <QByteArray>
#include <QJsonArray>
#include <QJsonObject>
#include <QStringList>

#include <optional>

namespace airlock::gitlab {

class GitLabValidator
{
public:
    using Loc = QStringList; // path below "body"

    // Reads a string field; records "missing"/"string_type"/"string_too_long" problems.
    std::optional<QString> string(const QJsonObject &object, const QString &key, const Loc &loc, bool required,
                                  int maxLength = -1, bool nullable = false);
    std::optional<qint64> integer(const QJsonObject &object, const QString &key, const Loc &loc, bool required);
    std::optional<bool> boolean(const QJsonObject &object, const QString &key, const Loc &loc, bool required);
    std::optional<double> number(const QJsonObject &object, const QString &key, const Loc &loc, double min, double max);
    std::optional<QJsonObject> object(const QJsonObject &object, const QString &key, const Loc &loc, bool required);
    std::optional<QJsonArray> array(const QJsonObject &object, const QString &key, const Loc &loc, bool required,
                                    int minItems = -1, int maxItems = -1);
    // A string that must be one of `allowed`: "literal_error" (a Literal[...]) or "enum" (an Enum).
    std::optional<QString> oneOf(const QJsonObject &object, const QString &key, const Loc &loc,
                                 const QStringList &allowed, bool required,
                                 const QString &type = QStringLiteral("literal_error"));

    // `input` is left out of the error when undefined.
    void add(const Loc &loc, const QString &type, const QString &msg, const QJsonValue &input = QJsonValue::Undefined);
    // Pydantic's list of allowed values: "'a', 'b' or 'c'".
    static QString expected(const QStringList &allowed);
    bool ok() const { return m_errors.isEmpty(); }
    const QJsonArray &errors() const { return m_errors; }
    QByteArray body() const; // {"detail":[...]}

    static QByteArray single(const Loc &loc, const QString &type, const QString &msg);

private:
    QJsonArray m_errors;
};

} // namespace airlock::gitlab
