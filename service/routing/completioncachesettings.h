#pragma once

// Start-up settings of the exact-match completion cache (completioncache.h): whose answers a hit may
// replay, how many entries, for how long. Two sources, the first that says something wins, key by key:
//   1. airlockd's command line (GatewayOptions::completion; embedded mode and tests set the same
//      struct): --completion-cache N (0: off), --completion-cache-scope user|shared|off
//   2. the declarative file's "completion_cache" section:
//        "completion_cache": {"scope": "user", "entries": 4096, "ttl_seconds": 600}
// Scopes:
//   user    (default) a hit only replays an answer given to the same user (the verified identity of
//           the token; dialects/common/cacheowner.h). A request that identifies no user is not cached.
//   shared  one cache for everybody: a user can learn from the response time or the replayed answer
//           that someone else recently sent the same code. Only by explicit setting.
//   off     no cache.
// Unknown keys and bad values are errors that name the key ("completion_cache.scope").

#include "result.h"

#include <QJsonValue>
#include <QString>

#include <optional>

namespace airlock::routing {

enum class CacheScope { Off, User, Shared };

QString cacheScopeName(CacheScope scope);
std::optional<CacheScope> cacheScopeFromName(QStringView name); // "user", "shared", "off"

// What the command line (or an embedding program) says; unset: not given.
struct CompletionCacheOptions
{
    std::optional<int> entries;        // 0: off
    std::optional<CacheScope> scope;
    std::optional<int> ttlMs;
};

// The settings in force.
struct CompletionCacheSettings
{
    CacheScope scope = CacheScope::User;
    int entries = 4096;
    int ttlMs = 10 * 60 * 1000;

    bool enabled() const { return scope != CacheScope::Off && entries > 0 && ttlMs > 0; }
};

// `fileSection`: the declarative file's "completion_cache" value (undefined when there is none).
Result<CompletionCacheSettings> resolveCompletionCacheSettings(const CompletionCacheOptions &options,
                                                               const QJsonValue &fileSection = {});

} // namespace airlock::routing
