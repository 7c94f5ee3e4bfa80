#pragma once

// Client of airlockd's admin API, for the console (and later the airlockd CLI).
//
//   GET /api/v1/info    -> {"name","version","gateway_listen","admin_listen","workers"}
//   GET /api/v1/config  -> the declarative config (gatewayconfig.h), secrets omitted by the server
//   PUT /api/v1/config  -> 200, or 400 {"error":{"code","message"}}
// Every request carries "Authorization: Bearer <token>"; errors are {"error":{"code","message"}}.
//
// Lifecycle: set the base URL and token, then call the fetch/put functions; each answers with
// exactly one signal, either its success signal or requestFailed(). Changing the base URL or the
// token, abortAll() or destroying the client aborts what is in flight without any signal, so a
// caller never sees an answer from a previous connection. Lives on one thread with an event loop.
// Redirects are not followed (the token must only go to the URL the user gave).

#include "gatewayconfig.h"

#include <QObject>
#include <QPointer>
#include <QString>
#include <QUrl>

#include <QJsonDocument>

#include <chrono>
#include <functional>

QT_BEGIN_NAMESPACE
class QNetworkAccessManager;
class QNetworkReply;
QT_END_NAMESPACE

namespace airlock {

struct GatewayInfo
{
    QString name;          // "airlockd"
    QString version;       // "0.1.0"
    QString gatewayListen; // "0.0.0.0:5052"
    QString adminListen;   // "127.0.0.1:5053"
    int workers = 0;

    friend bool operator==(const GatewayInfo &, const GatewayInfo &) = default;
};

// Parses the body of GET /api/v1/info; the error names the missing or mistyped field.
Result<GatewayInfo> parseGatewayInfo(const QByteArray &json);

struct AdminError
{
    int httpStatus = 0; // 0: no HTTP answer at all (connection refused, timeout, TLS, ...)
    QString code;       // the server's stable code ("unauthorized"), or "network_error" / "invalid_response"
    QString message;    // the server's message, or the network error's text

    // One line for a log or a status bar: "HTTP 401: missing or wrong admin token".
    QString toString() const;
    // What to put after "…: " in a message: the server's own message, or toString() when it sent none.
    QString detail() const { return message.isEmpty() ? toString() : message; }
};

class AdminClient : public QObject
{
    Q_OBJECT
public:
    enum class Operation { FetchInfo, FetchConfig, PutConfig, Call };
    Q_ENUM(Operation)

    explicit AdminClient(QObject *parent = nullptr);
    ~AdminClient() override;

    // Scheme, host and port of the admin listener, e.g. http://127.0.0.1:5053 (a path prefix is kept).
    void setBaseUrl(const QUrl &url);
    QUrl baseUrl() const { return m_baseUrl; }
    // The admin bearer token; never logged.
    void setToken(const QString &token);
    bool hasToken() const { return !m_token.isEmpty(); }
    // No byte received for this long fails the request with a network error. Default 10 s.
    void setTimeout(std::chrono::milliseconds timeout) { m_timeout = timeout; }

    void fetchInfo();
    void fetchConfig();
    // Sends api keys that are set on the models (the server keeps a stored key when one is omitted).
    void putConfig(const GatewayConfig &config);

    // Any other admin API call (catalog, tokens, logs, model tests, ...): `body` is sent as JSON unless
    // null. `done` runs exactly once with the parsed answer (an empty document for an empty body), or with
    // an error; never after abortAll(), a base URL/token change, or the destruction of `context`.
    using JsonCallback = std::function<void(const airlock::AdminError *error, const QJsonDocument &answer)>;
    void call(const QByteArray &verb, const QString &path, const QJsonDocument &body, QObject *context,
              JsonCallback done);
    // The admin listener's WebSocket URL for `path` (ws:// or wss://) and the header the upgrade needs.
    QUrl webSocketUrl(const QString &path) const;
    QByteArray authorizationHeader() const { return "Bearer " + m_token; }

    // Aborts every request in flight; none of them signals.
    void abortAll();
    int pendingRequests() const { return int(m_replies.size()); }

Q_SIGNALS:
    void infoReceived(const airlock::GatewayInfo &info);
    void configReceived(const airlock::GatewayConfig &config);
    void configStored();
    void requestFailed(airlock::AdminClient::Operation operation, const airlock::AdminError &error);

private:
    QNetworkReply *send(Operation operation, const QByteArray &verb, QStringView path,
                        const QByteArray &body = {});
    void onFinished(QNetworkReply *reply, Operation operation);
    QUrl endpoint(QStringView path) const;

    QNetworkAccessManager *m_network = nullptr;
    QUrl m_baseUrl;
    QByteArray m_token;
    std::chrono::milliseconds m_timeout{10000};
    QList<QPointer<QNetworkReply>> m_replies;
};

// Maps a reply that failed (transport or HTTP status >= 400) to an AdminError; reads the body.
AdminError adminErrorFromReply(QNetworkReply *reply);

} // namespace airlock
