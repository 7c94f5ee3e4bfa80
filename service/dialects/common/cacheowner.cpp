#include "cacheowner.h"

#include "chatcapture.h"
#include "principal.h"

namespace airlock::dialects {

std::optional<QString> cacheOwner(routing::CacheScope scope, const Principal *principal, const QString &unverifiedUserId)
{
    if (scope == routing::CacheScope::Shared)
        return QString();
    if (scope != routing::CacheScope::User)
        return std::nullopt;
    if (principal && !principal->anonymous) {
        const QString owner = chatHistoryOwner(*principal);
        if (owner.isEmpty())
            return std::nullopt;
        return owner;
    }
    if (unverifiedUserId.isEmpty())
        return std::nullopt;
    return QStringLiteral("unverified:") + unverifiedUserId;
}

} // namespace airlock::dialects
