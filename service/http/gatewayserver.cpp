#include "gatewayserver.h"

#include "connectionguard.h"

#include <QHttpServerRequest>
#include <QTcpSocket>
#include <QUrl>

namespace airlock::http {

namespace {

QByteArray methodName(QHttpServerRequest::Method method)
{
    switch (method) {
    case QHttpServerRequest::Method::Get: return "GET";
    case QHttpServerRequest::Method::Put: return "PUT";
    case QHttpServerRequest::Method::Delete: return "DELETE";
    case QHttpServerRequest::Method::Post: return "POST";
    case QHttpServerRequest::Method::Head: return "HEAD";
    case QHttpServerRequest::Method::Options: return "OPTIONS";
    case QHttpServerRequest::Method::Patch: return "PATCH";
    case QHttpServerRequest::Method::Connect: return "CONNECT";
    case QHttpServerRequest::Method::Trace: return "TRACE";
    default: return "UNKNOWN";
    }
}

} // namespace

GatewayServer::GatewayServer(QObject *parent)
    : QAbstractHttpServer(parent)
{
}

void GatewayServer::addRoute(QByteArray method, QByteArray path, Handler handler)
{
    m_exact[path].append(MethodHandler{std::move(method), std::move(handler)});
}

void GatewayServer::addPrefixRoute(QByteArray method, QByteArray prefix, Handler handler)
{
    m_prefixes.append(PrefixRoute{std::move(prefix), MethodHandler{std::move(method), std::move(handler)}});
}

void GatewayServer::addWebSocketRoute(QByteArray path, UpgradeCheck check)
{
    m_webSocketRoutes.insert(std::move(path), std::move(check));
}

void GatewayServer::setFallback(QByteArray prefix, FallbackWriter writer)
{
    m_fallbacks.append({std::move(prefix), std::move(writer)});
}

void GatewayServer::serve(GuardedTcpServer *server)
{
    server->setDirectDispatch([this](HttpRequest &&request, QTcpSocket *socket) { dispatch(std::move(request), socket); });
    bind(server);
}

bool GatewayServer::handleRequest(const QHttpServerRequest &request, QTcpSocket *socket)
{
    // Copy everything out now: QHttpServer reuses the request object for the next request.
    HttpRequest copy;
    copy.method = methodName(request.method());
    const QUrl url = request.url();
    copy.path = url.path(QUrl::FullyEncoded).toLatin1();
    copy.query = url.query(QUrl::FullyEncoded).toLatin1();
    const auto headers = request.headers();
    copy.headers.reserve(headers.size());
    for (const auto &header : headers)
        copy.headers.append({header.first, header.second});
    copy.body = request.body();
    copy.peer = request.remoteAddress();
    if (!m_webSocketRoutes.isEmpty() && copy.header("upgrade").toLower().contains("websocket")) {
        const auto route = m_webSocketRoutes.constFind(copy.path);
        if (route != m_webSocketRoutes.cend()) {
            if (UpgradeRefusal refusal = (*route)(copy)) {
                m_refusal = std::move(refusal); // Qt now calls missingHandler(), then closes
                return false;
            }
            if (auto *guard = ConnectionGuard::of(socket))
                guard->detach();
            return true; // nothing written: Qt hands the socket to its WebSocket server
        }
    }
    dispatch(std::move(copy), socket);
    return true;
}

void GatewayServer::dispatch(HttpRequest &&copy, QTcpSocket *socket)
{
    ++m_requests;
    if (m_observer && !m_observer->admitting() && !copy.path.startsWith("/monitoring/")) {
        // Back-pressure from the request log: refuse rather than accept work whose record could not be
        // kept. No record for the refusal itself (the observer counts it), so a flood cannot grow the
        // queue; health checks still answer.
        m_observer->refused();
        auto refusal = std::make_unique<HttpExchange>(socket, std::move(copy), nullptr);
        refusal->countIn(m_live);
        refusal->addResponseHeader("Retry-After", "1");
        refusal->respondError(ApiError::make(503, QStringLiteral("request_log_backlog"),
                                             QStringLiteral("the request log is behind (its queue is full): "
                                                            "try again shortly")));
        return;
    }
    auto exchange = std::make_unique<HttpExchange>(socket, std::move(copy), m_observer);
    exchange->countIn(m_live);
    const HttpRequest &req = exchange->request();

    QByteArrayList allowed;
    const MethodHandler *match = nullptr;
    const auto exact = m_exact.constFind(req.path);
    if (exact != m_exact.cend()) {
        for (const MethodHandler &entry : *exact) {
            allowed.append(entry.method);
            if (entry.method == req.method)
                match = &entry;
        }
        if (!match && req.method == "HEAD") {
            for (const MethodHandler &entry : *exact) {
                if (entry.method == "GET")
                    match = &entry;
            }
        }
    } else {
        qsizetype bestLength = -1;
        for (const PrefixRoute &route : m_prefixes) {
            if (!req.path.startsWith(route.prefix) || route.prefix.size() < bestLength)
                continue;
            if (route.prefix.size() > bestLength) {
                allowed.clear();
                match = nullptr;
                bestLength = route.prefix.size();
            }
            allowed.append(route.entry.method);
            if (route.entry.method == req.method)
                match = &route.entry;
        }
    }
    if (match) {
        match->handler(std::move(exchange));
        return;
    }
    writeFallback(std::move(exchange), allowed.isEmpty() ? 404 : 405, allowed);
}

void GatewayServer::missingHandler(const QHttpServerRequest &request, QTcpSocket *socket)
{
    if (m_refusal) {
        // A refused WebSocket upgrade (see addWebSocketRoute).
        const UpgradeRefusal refusal = std::exchange(m_refusal, nullptr);
        HttpRequest copy;
        copy.peer = request.remoteAddress();
        HttpExchange exchange(socket, std::move(copy));
        refusal(exchange);
        return;
    }
    // handleRequest always answers; kept for completeness.
    HttpExchange exchange(socket, HttpRequest{});
    exchange.respondError(ApiError::make(404, QStringLiteral("not_found"), QStringLiteral("no such endpoint")));
}

void GatewayServer::writeFallback(std::unique_ptr<HttpExchange> exchange, int status, const QByteArrayList &allowed)
{
    const FallbackWriter *writer = nullptr;
    qsizetype bestLength = -1;
    for (const auto &[prefix, w] : m_fallbacks) {
        if (exchange->request().path.startsWith(prefix) && prefix.size() > bestLength) {
            bestLength = prefix.size();
            writer = &w;
        }
    }
    if (status == 405)
        exchange->addResponseHeader("Allow", allowed.join(", "));
    if (writer) {
        (*writer)(*exchange, status, allowed);
        return;
    }
    defaultFallback(*exchange, status, allowed);
}

void GatewayServer::defaultFallback(HttpExchange &exchange, int status, const QByteArrayList &allowed)
{
    const QString path = QString::fromLatin1(exchange.request().path);
    if (status == 404) {
        exchange.respondError(
            ApiError::make(404, QStringLiteral("not_found"), QStringLiteral("no endpoint at path \"%1\"").arg(path)));
    } else {
        exchange.respondError(ApiError::make(
            405, QStringLiteral("method_not_allowed"),
            QStringLiteral("method %1 is not allowed on \"%2\"; allowed: %3")
                .arg(QString::fromLatin1(exchange.request().method), path, QString::fromLatin1(allowed.join(", ")))));
    }
}

} // namespace airlock::http
