#pragma once

// Request-body validation for the GitLab dialect, with GitLab's error shape: 422
// {"detail":[{"loc":["body",...],"msg":"...","type":"..."}]} (Pydantic's messages and types, since
// GitLab shows detail[0].msg). Collects every problem, like Pydantic, rather than stopping at the first.

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
    // A string that must be one of `allowed`.
    std::optional<QString> oneOf(const QJsonObject &object, const QString &key, const Loc &loc,
                                 const QStringList &allowed, bool required);

    void add(const Loc &loc, const QString &type, const QString &msg);
    bool ok() const { return m_errors.isEmpty(); }
    const QJsonArray &errors() const { return m_errors; }
    QByteArray body() const; // {"detail":[...]}

    static QByteArray single(const Loc &loc, const QString &type, const QString &msg);

private:
    QJsonArray m_errors;
};

} // namespace airlock::gitlab
