#pragma once

// Whose entries of the completion cache (routing/completioncache.h) a request may read and write, for
// the dialects' completion handlers. With scope "user" the owner is part of every key, so one user's
// hit never replays another user's answer.

#include "routing/completioncachesettings.h"

#include <QString>

#include <optional>

namespace airlock {
struct Principal;
}

namespace airlock::dialects {

// The cache key's owner part: "" for the shared scope; for the user scope the identity authentication
// verified (the same key as the chat history's owner: "airlock:<sub>", "gitlab:<instance>:<user>"), or,
// with auth mode "disabled" (nothing is verified there), "unverified:<X-Gitlab-Global-User-Id>".
// nullopt: the request identifies no user, so the user-scoped cache does not serve it.
std::optional<QString> cacheOwner(routing::CacheScope scope, const Principal *principal, const QString &unverifiedUserId);

} // namespace airlock::dialects
