#pragma once

// One running gateway: the store, the worker threads serving the data path on one port, and the
// admin listener. airlockd's main and the console's embedded mode both create exactly this.
//
// Lifecycle: construct, start() (returns once every listener accepts connections, or an error),
// stop() or destroy (in-flight requests are cut). A graceful stop first calls stopAccepting() and waits
// until liveRequests() is 0 or a grace period ends (airlockd's main does on SIGTERM). Lives on the thread that
// created it, which must run an event loop (the admin listener and config changes use it).

#include "gatewayoptions.h"
#include "gatewayconfig.h"
#include "result.h"

#include <QList>
#include <QObject>

#include <memory>

namespace airlock {

namespace auth {
class AuthModule;
}

class Gateway : public QObject
{
    Q_OBJECT
public:
    explicit Gateway(GatewayOptions options, QObject *parent = nullptr);
    ~Gateway() override;

    Status start();
    void stop();
    bool isRunning() const;

    // Where the listeners actually are (port 0 resolved).
    ListenAddress gatewayAddress() const;
    ListenAddress adminAddress() const;
    int workerCount() const;
    QString dataDir() const;
    // The admin bearer token in force, when this process knows it (given in the options, taken from
    // $AIRLOCK_ADMIN_TOKEN, or the bootstrap token created at first start); empty otherwise (only its hash
    // is stored). The console's embedded mode passes its own in GatewayOptions::adminToken.
    QString adminToken() const;

    // SIGHUP: re-read signing keys, revocations and TLS certificates (errors are logged, the previous
    // state stays). reloadTls() reports whether the certificates could be loaded.
    void reload();
    Status reloadTls();
    // The data path's listeners stop accepting connections; open connections and requests in flight
    // go on (the admin API too) until stop().
    void stopAccepting();
    // Data-path requests not finished yet (streams included).
    int liveRequests() const;

    // One object living on each worker thread, for liveness checks (platform/threadheartbeat.h); empty
    // when not running.
    QList<QObject *> workerContexts() const;
    // Requests finished since start() (as the request log and metrics saw them).
    quint64 requestsServed() const;

    // Tokens, keys, trust (null before start()).
    auth::AuthModule *auth() const;

    // The configuration in force, and replacing it (stored, then swapped atomically for new requests).
    GatewayConfig config() const;
    Status applyConfig(const GatewayConfig &config);

Q_SIGNALS:
    void configChanged();

private:
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace airlock
