#pragma once

// Start-up options of a gateway instance: what airlockd's command line and the console's embedded
// mode decide before anything listens.

#include "http/listenoptions.h"
#include "logging/loggingsettings.h"
#include "routing/completioncachesettings.h"

#include <QString>

#include <optional>

namespace airlock {

struct CompletionOptions
{
    bool supersede = true;           // a newer completion for the same user and file aborts the older one
    int burstDebounceMs = 100;       // within a typing burst, wait this long before going upstream (0: never)
    int burstWindowMs = 300;         // a request this soon after the previous one for the file is in a burst
    // Exact-match completion cache (routing/completioncachesettings.h); unset: the declarative file's
    // "completion_cache" section, else 4096 entries, scope "user", 10 minutes. 0 entries: off.
    std::optional<int> cacheEntries;
    std::optional<routing::CacheScope> cacheScope;
    std::optional<int> cacheTtlMs;
};

struct GatewayOptions
{
    QString dataDir;                 // empty: the platform default (see platform/datadir.h)
    QString configFile;              // declarative file imported at start; empty: none
    ListenAddress listen{QHostAddress(QHostAddress::Any), 5052};
    ListenAddress adminListen{QHostAddress(QHostAddress::LocalHost), 5053};
    int workers = 0;                 // 0: one per core
    ServerLimits limits;
    CompletionOptions completion;
    // The admin bearer token. Empty: $AIRLOCK_ADMIN_TOKEN, else the stored hash, else a bootstrap token
    // created (and printed once) at first start. See auth/admincredential.h.
    QString adminToken;
    QString authMode;                // "required" / "disabled"; empty: the declarative file's, else stored, else required
    QString tlsCertFile;             // PEM certificate (chain) of the gateway listener; empty: plain HTTP
    QString tlsKeyFile;              // its private key (empty: in tlsCertFile)
    QString adminTlsCertFile;        // same for the admin listener
    QString adminTlsKeyFile;
    // Request log on/off, chat history backend, metrics token: what is unset here comes from the
    // declarative file's "logging" section, then the environment (see logging/loggingsettings.h).
    logging::LoggingOptions logging;
};

} // namespace airlock
