#include "versionconstraint.h"

#include <QRegularExpression>

namespace airlock::gitlab {

QString readPromptVersionConstraint(const QJsonValue &value, bool *valid)
{
    *valid = true;
    if (value.isUndefined() || value.isNull())
        return QStringLiteral("^1.0.0");
    if (!value.isString()) {
        *valid = false;
        return {};
    }
    return value.toString();
}

bool versionSatisfies(const QString &constraint, bool *valid)
{
    // clang-format off
    static const QRegularExpression pattern(
        QStringLiteral("^\\s*(\\^|~|>=|<=|>|<|=)?\\s*v?(\\d+|x|\\*)(?:\\.(\\d+|x|\\*))?(?:\\.(\\d+|x|\\*))?(-[0-9A-Za-z.-]+)?\\s*$"));
    // clang-format on
    const QString c = constraint.trimmed();
    if (c == QLatin1String("*") || c.isEmpty()) {
        *valid = !c.isEmpty();
        return *valid;
    }
    const auto match = pattern.match(c);
    *valid = match.hasMatch();
    if (!*valid)
        return false;
    const QString op = match.captured(1);
    auto part = [&](int i) {
        const QString s = match.captured(i);
        return s.isEmpty() || s == QLatin1String("x") || s == QLatin1String("*") ? -1 : s.toInt();
    };
    const int major = part(2), minor = part(3), patch = part(4);
    const int ours[3] = { 1, 0, 0 };
    const int want[3] = { major, minor < 0 ? 0 : minor, patch < 0 ? 0 : patch };
    auto compare = [&]() {
        for (int i = 0; i < 3; ++i) {
            if (ours[i] != want[i])
                return ours[i] < want[i] ? -1 : 1;
        }
        return 0;
    };
    if (op == QLatin1String("^") || op.isEmpty() || op == QLatin1String("=")) {
        if (op.isEmpty() || op == QLatin1String("="))
            return major < 0 || (major == 1 && (minor < 0 || minor == 0) && (patch < 0 || patch == 0));
        return major == 1 && compare() >= 0;
    }
    if (op == QLatin1String("~"))
        return major == 1 && (minor < 0 || minor == 0) && compare() >= 0;
    const int cmp = compare();
    if (op == QLatin1String(">="))
        return cmp >= 0;
    if (op == QLatin1String(">"))
        return cmp > 0;
    if (op == QLatin1String("<="))
        return cmp <= 0;
    return cmp < 0;
}

} // namespace airlock::gitlab
