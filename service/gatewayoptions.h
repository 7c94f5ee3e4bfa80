#pragma once

// Start-up options of a gateway instance: what airlockd's command line and the console's embedded
// mode decide before anything listens.

#include "logging/loggingsettings.h"

#include <QHostAddress>
#include <QString>

namespace airlock {

struct ListenAddress
{
    QHostAddress host;
    quint16 port = 0; // 0: any free port (tests)
    QString toString() const
    {
        const QString h = host.protocol() == QAbstractSocket::IPv6Protocol
            ? QLatin1Char('[') + host.toString() + QLatin1Char(']')
            : host.toString();
        return h + QLatin1Char(':') + QString::number(port);
    }
};

struct ServerLimits
{
    qint64 maxRequestBytes = 1024 * 1024;  // body size cap; larger requests get 413
    int maxHeaderBytes = 64 * 1024;        // request line + headers; larger get 431
    int headerTimeoutMs = 10000;           // a request (head and body) must arrive within this once started
    int keepAliveTimeoutMs = 60000;        // an idle keep-alive connection is closed after this
    int maxQueuedPerEndpoint = 1024;       // requests waiting for an endpoint's concurrency slot
    int queueTimeoutMs = 30000;            // how long one may wait for it (then 503 + Retry-After)
};

struct CompletionOptions
{
    bool supersede = true;           // a newer completion for the same user and file aborts the older one
    int burstDebounceMs = 100;       // within a typing burst, wait this long before going upstream (0: never)
    int burstWindowMs = 300;         // a request this soon after the previous one for the file is in a burst
    int cacheEntries = 4096;         // exact-match completion cache; 0 disables it
    int cacheTtlMs = 10 * 60 * 1000;
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
