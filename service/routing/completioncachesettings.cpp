#include "completioncachesettings.h"

#include <QJsonObject>

namespace airlock::routing {

namespace {

constexpr int kMaxEntries = 10'000'000;
constexpr int kMaxTtlSeconds = 7 * 24 * 3600;

Error fieldError(const QString &code, const QString &field, const QString &message)
{
    return Error::make(code, QStringLiteral("%1: %2").arg(field, message), field);
}

// An integer JSON number in [min, max].
Result<int> boundedInteger(const QJsonValue &value, const QString &path, int min, int max)
{
    const double d = value.toDouble();
    if (!value.isDouble() || d != double(qint64(d)))
        return fieldError(QStringLiteral("invalid_type"), path, QStringLiteral("must be a whole number"));
    if (d < min || d > max) {
        return fieldError(QStringLiteral("invalid_value"), path,
                          QStringLiteral("must be from %1 to %2, not %3").arg(min).arg(max).arg(qint64(d)));
    }
    return int(d);
}

} // namespace

QString cacheScopeName(CacheScope scope)
{
    switch (scope) {
    case CacheScope::Off:
        return QStringLiteral("off");
    case CacheScope::Shared:
        return QStringLiteral("shared");
    case CacheScope::User:
        break;
    }
    return QStringLiteral("user");
}

std::optional<CacheScope> cacheScopeFromName(QStringView name)
{
    if (name == QLatin1String("user"))
        return CacheScope::User;
    if (name == QLatin1String("shared"))
        return CacheScope::Shared;
    if (name == QLatin1String("off"))
        return CacheScope::Off;
    return std::nullopt;
}

Result<CompletionCacheSettings> resolveCompletionCacheSettings(const CompletionCacheOptions &options,
                                                               const QJsonValue &fileSection)
{
    CompletionCacheSettings s;
    const QString root = QStringLiteral("completion_cache");
    if (!fileSection.isUndefined() && !fileSection.isNull()) {
        if (!fileSection.isObject())
            return fieldError(QStringLiteral("invalid_type"), root, QStringLiteral("must be an object"));
        const QJsonObject o = fileSection.toObject();
        for (auto it = o.begin(); it != o.end(); ++it) {
            const QString path = root + QLatin1Char('.') + it.key();
            if (it.key() == QLatin1String("scope")) {
                const auto scope = cacheScopeFromName(it.value().toString());
                if (!it.value().isString() || !scope) {
                    return fieldError(QStringLiteral("invalid_value"), path,
                                      QStringLiteral("must be \"user\", \"shared\" or \"off\""));
                }
                s.scope = *scope;
            } else if (it.key() == QLatin1String("entries")) {
                auto n = boundedInteger(it.value(), path, 0, kMaxEntries);
                if (!n)
                    return n.error();
                s.entries = *n;
            } else if (it.key() == QLatin1String("ttl_seconds")) {
                auto n = boundedInteger(it.value(), path, 1, kMaxTtlSeconds);
                if (!n)
                    return n.error();
                s.ttlMs = *n * 1000;
            } else {
                return Error::make(QStringLiteral("unknown_key"), QStringLiteral("%1: unknown key").arg(path), path);
            }
        }
    }
    if (options.entries) {
        if (*options.entries < 0 || *options.entries > kMaxEntries) {
            return fieldError(QStringLiteral("invalid_value"), QStringLiteral("--completion-cache"),
                              QStringLiteral("must be from 0 to %1").arg(kMaxEntries));
        }
        s.entries = *options.entries;
    }
    if (options.scope)
        s.scope = *options.scope;
    if (options.ttlMs)
        s.ttlMs = *options.ttlMs;
    if (s.entries == 0)
        s.scope = CacheScope::Off; // "--completion-cache 0" turns the cache off, as it always did
    return s;
}

} // namespace airlock::routing
