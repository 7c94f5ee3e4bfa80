#pragma once

// The route table of one listener on one thread: a QAbstractHttpServer whose requests are dispatched
// by (method, path) to handlers that take ownership of an HttpExchange. Unknown paths get 404, a known
// path with another method 405 with an Allow header; each route set may bring its own error writer
// for those (the GitLab dialect answers {"detail": ...}).
//
// Connections come from GuardedTcpServer (see connectionguard.h): serve() binds it and lets its guards
// hand whole requests straight to dispatch() (QHttpServer then parses only WebSocket upgrades and chunked
// request bodies); a plain bind() sends every request through QHttpServer's parser.

#include "httpexchange.h"

#include <QAbstractHttpServer>
#include <QHash>

#include <atomic>
#include <functional>
#include <memory>

namespace airlock::http {

class GuardedTcpServer;

using Handler = std::function<void(std::unique_ptr<HttpExchange>)>;
// Writes a 404/405 for a path (405 passes the allowed methods).
using FallbackWriter = std::function<void(HttpExchange &, int status, const QByteArrayList &allowed)>;

class GatewayServer : public QAbstractHttpServer
{
    Q_OBJECT
public:
    explicit GatewayServer(QObject *parent = nullptr);

    // Binds `server` (it becomes this object's child) with direct dispatch.
    void serve(GuardedTcpServer *server);

    // Exact path.
    void addRoute(QByteArray method, QByteArray path, Handler handler);
    // Every path under prefix ("/v1/chat/" matches "/v1/chat/explain_code").
    void addPrefixRoute(QByteArray method, QByteArray prefix, Handler handler);
    // 404/405 writer for paths under prefix (longest prefix wins); default: defaultFallback.
    void setFallback(QByteArray prefix, FallbackWriter writer);
    // The default 404/405: OpenAI-shaped JSON naming the path (and the allowed methods).
    static void defaultFallback(HttpExchange &exchange, int status, const QByteArrayList &allowed);

    // WebSocket upgrades on an exact path. `check` sees the upgrade request: returning a writer refuses
    // the upgrade (the writer answers, then the connection closes); returning none accepts it: the
    // connection guard steps aside and QAbstractHttpServer's WebSocket server takes the socket (connect
    // newWebSocketConnection). Qt 6.4 asks handleRequest() about an upgrade before taking the socket and
    // needs it to write nothing.
    using UpgradeRefusal = std::function<void(HttpExchange &)>;
    using UpgradeCheck = std::function<UpgradeRefusal(const HttpRequest &)>;
    void addWebSocketRoute(QByteArray path, UpgradeCheck check);

    // Receives the record of every request this server answers (may be null). Not owned.
    void setObserver(RequestObserver *observer) { m_observer = observer; }

    // Requests dispatched by this server (for tests and metrics).
    quint64 requestCount() const { return m_requests; }
    // Requests of this server not finished yet (their exchanges alive); readable from any thread.
    std::shared_ptr<const std::atomic<int>> liveRequests() const { return m_live; }

protected:
    bool handleRequest(const QHttpServerRequest &request, QTcpSocket *socket) override;
    void missingHandler(const QHttpServerRequest &request, QTcpSocket *socket) override;

private:
    struct MethodHandler
    {
        QByteArray method;
        Handler handler;
    };
    struct PrefixRoute
    {
        QByteArray prefix;
        MethodHandler entry;
    };
    void writeFallback(std::unique_ptr<HttpExchange> exchange, int status, const QByteArrayList &allowed);
    // Routes one request (both ways in: handleRequest() and the guards' direct dispatch).
    void dispatch(HttpRequest &&request, QTcpSocket *socket);

    QHash<QByteArray, QList<MethodHandler>> m_exact;
    QList<PrefixRoute> m_prefixes;
    QList<std::pair<QByteArray, FallbackWriter>> m_fallbacks;
    QHash<QByteArray, UpgradeCheck> m_webSocketRoutes;
    UpgradeRefusal m_refusal; // of the upgrade handleRequest() just refused; written by missingHandler()
    quint64 m_requests = 0;
    std::shared_ptr<std::atomic<int>> m_live = std::make_shared<std::atomic<int>>(0);
    RequestObserver *m_observer = nullptr;
};

} // namespace airlock::http
