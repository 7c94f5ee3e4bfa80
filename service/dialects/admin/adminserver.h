#pragma once

// The admin API: a separate listener (127.0.0.1 by default) guarded by a bearer admin token compared in
// constant time. Routes (all JSON):
//   GET /api/v1/info     name, version, listen addresses, workers
//   GET /api/v1/config   the declarative configuration in force (secrets left out)
//   PUT /api/v1/config   replace it (validated, stored, then swapped in for new requests). API keys are
//                        write-only: a model sent without "api_key" keeps the key stored for a model of the
//                        same name; "api_key":"" removes it. A renamed model may carry "renamed_from": its
//                        previous name, whose stored key and prompt template overrides it keeps (the
//                        templates as new revisions under the new name, each audited "prompt.rename";
//                        "renamed_from" itself is not stored).
// Errors: {"error":{"code":"...","message":"..."}} with 400/401/404/405/415.

#include "auth/admingate.h"
#include "gatewayconfig.h"
#include "http/listenoptions.h"
#include "http/httpexchange.h"
#include "prompts/templatestore.h"
#include "result.h"

#include <QObject>
#include <QWebSocket>

#include <functional>
#include <memory>

namespace airlock::http {
class TlsContext;
}

namespace airlock::admin {

class AdminBackend
{
public:
    virtual ~AdminBackend() = default;
    virtual QJsonObject info() const = 0;
    virtual GatewayConfig currentConfig() const = 0;
    virtual Status applyConfig(const GatewayConfig &config) = 0;
    // Prompt template overrides changed in the store (prompts/templatestore.h): re-read them and publish
    // a new snapshot so new requests use them. Call after every TemplateStore::set()/revert().
    virtual Status reloadPromptOverrides() = 0;
    // Models were renamed (previous name -> new name) in the configuration just applied: their prompt
    // template overrides follow them (TemplateStore::followRenames) and are published. Returns the
    // revisions appended.
    virtual Result<QList<prompts::TemplateRevision>> followModelRenames(const QHash<QString, QString> &renames,
                                                                        const QString &author) = 0;
};

// The admin API's caller, its gate and its audit sink are auth's (auth/admingate.h).
using auth::AdminCaller;
using auth::AdminGate;
using auth::AuditSink;

using AdminHandler = std::function<void(http::HttpExchange &, const AdminCaller &)>;
// A handler that answers later: it owns the exchange (destroying it unanswered closes the connection).
using AsyncAdminHandler = std::function<void(std::unique_ptr<http::HttpExchange>, const AdminCaller &)>;

class AdminServer : public QObject
{
    Q_OBJECT
public:
    AdminServer(AdminBackend &backend, AdminGate &gate, const ServerLimits &limits, QObject *parent = nullptr);
    ~AdminServer() override;

    // More routes, behind the same gate (other concerns register theirs: auth, logs, ...).
    void addRoute(QByteArray method, QByteArray path, AdminHandler handler);
    void addPrefixRoute(QByteArray method, QByteArray prefix, AdminHandler handler);
    void addAsyncRoute(QByteArray method, QByteArray path, AsyncAdminHandler handler);
    void setAuditSink(AuditSink *sink);
    // Records an admin change with the audit sink (nothing when none is set), for handlers registered
    // from elsewhere: `before`/`after` are JSON (empty: none), redacted by the sink.
    void audit(const AdminCaller &caller, const QString &action, const QString &target, const QByteArray &before,
               const QByteArray &after);
    // A route outside the admin gate, for callers that cannot present the admin token (a Prometheus
    // scraper on /metrics): the handler does its own access check.
    void addOpenRoute(QByteArray method, QByteArray path, std::function<void(http::HttpExchange &)> handler);
    // A WebSocket endpoint behind the admin gate (checked on the upgrade request, and again on the
    // accepted socket's handshake headers); accepted sockets go to `handler` on the admin thread.
    void addWebSocketRoute(QByteArray path, std::function<void(std::unique_ptr<QWebSocket>)> handler);

    // `tls` (may be null: plain HTTP) is read for every accepted connection.
    Result<quint16> listen(const ListenAddress &address, std::shared_ptr<http::TlsContext> tls = {});

private:
    struct Private;
    std::unique_ptr<Private> d;
};

// Constant-time comparison of secrets (the time depends on the lengths only).
bool constantTimeEquals(QByteArrayView a, QByteArrayView b);

} // namespace airlock::admin
