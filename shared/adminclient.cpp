#include "adminclient.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>
#include <QLoggingCategory>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>

namespace airlock {

Q_LOGGING_CATEGORY(lcAdminClient, "airlock.adminclient", QtInfoMsg)

using namespace Qt::StringLiterals;

namespace {

constexpr qint64 kMaxErrorBody = 64 * 1024;

QString operationName(AdminClient::Operation operation)
{
    switch (operation) {
    case AdminClient::Operation::FetchInfo: return u"GET info"_s;
    case AdminClient::Operation::FetchConfig: return u"GET config"_s;
    case AdminClient::Operation::PutConfig: return u"PUT config"_s;
    case AdminClient::Operation::Call: return u"call"_s;
    }
    return {};
}

} // namespace

Result<GatewayInfo> parseGatewayInfo(const QByteArray &json)
{
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &parseError);
    if (parseError.error != QJsonParseError::NoError || !doc.isObject())
        return Error::make(u"invalid_json"_s, u"gateway info is not a JSON object"_s);
    const QJsonObject o = doc.object();

    GatewayInfo info;
    const auto string = [&o](QLatin1StringView key, QString &out) -> Status {
        const QJsonValue v = o.value(key);
        if (!v.isString())
            return Error::make(u"invalid_response"_s, u"gateway info: \"%1\" must be a string"_s.arg(key), key);
        out = v.toString();
        return {};
    };
    for (const auto &[key, field] : {std::pair{"name"_L1, &info.name}, std::pair{"version"_L1, &info.version},
                                     std::pair{"gateway_listen"_L1, &info.gatewayListen},
                                     std::pair{"admin_listen"_L1, &info.adminListen}}) {
        if (Status s = string(key, *field); !s)
            return s.error();
    }
    const QJsonValue workers = o.value("workers"_L1);
    if (!workers.isDouble())
        return Error::make(u"invalid_response"_s, u"gateway info: \"workers\" must be a number"_s, u"workers"_s);
    info.workers = workers.toInt();
    return info;
}

QString AdminError::toString() const
{
    if (httpStatus == 0)
        return message;
    return u"HTTP %1: %2"_s.arg(httpStatus).arg(message.isEmpty() ? code : message);
}

AdminError adminErrorFromReply(QNetworkReply *reply)
{
    AdminError error;
    const QVariant status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
    if (!status.isValid()) {
        // No HTTP answer: connection refused, host not found, timeout, TLS, aborted.
        error.code = u"network_error"_s;
        error.message = reply->errorString();
        return error;
    }
    error.httpStatus = status.toInt();
    const QByteArray body = reply->read(kMaxErrorBody);
    const QJsonObject errorObject = QJsonDocument::fromJson(body).object().value("error"_L1).toObject();
    error.code = errorObject.value("code"_L1).toString();
    error.message = errorObject.value("message"_L1).toString();
    if (error.code.isEmpty())
        error.code = u"http_error"_s;
    if (error.message.isEmpty()) {
        // Not our error shape (a proxy in between, or not an airlockd at all).
        error.message = reply->attribute(QNetworkRequest::HttpReasonPhraseAttribute).toString();
        if (error.message.isEmpty())
            error.message = reply->errorString();
    }
    return error;
}

AdminClient::AdminClient(QObject *parent)
    : QObject(parent)
    , m_network(new QNetworkAccessManager(this))
{
}

AdminClient::~AdminClient()
{
    abortAll();
}

void AdminClient::setBaseUrl(const QUrl &url)
{
    if (url == m_baseUrl)
        return;
    abortAll();
    m_baseUrl = url;
}

void AdminClient::setToken(const QString &token)
{
    const QByteArray utf8 = token.toUtf8();
    if (utf8 == m_token)
        return;
    abortAll();
    m_token = utf8;
}

void AdminClient::fetchInfo()
{
    send(Operation::FetchInfo, "GET", u"api/v1/info");
}

void AdminClient::fetchConfig()
{
    send(Operation::FetchConfig, "GET", u"api/v1/config");
}

void AdminClient::putConfig(const GatewayConfig &config)
{
    send(Operation::PutConfig, "PUT", u"api/v1/config", serializeGatewayConfig(config, Secrets::Include));
}

void AdminClient::call(const QByteArray &verb, const QString &path, const QJsonDocument &body, QObject *context,
                       JsonCallback done)
{
    const QString relative = path.startsWith(QLatin1Char('/')) ? path.mid(1) : path;
    QNetworkReply *reply = send(Operation::Call, verb, relative,
                                body.isNull() ? QByteArray() : body.toJson(QJsonDocument::Compact));
    QPointer<QObject> guard(context);
    connect(reply, &QNetworkReply::finished, this, [this, reply, guard, done = std::move(done)] {
        m_replies.removeAll(reply);
        reply->deleteLater();
        if (!guard)
            return;
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        if (reply->error() != QNetworkReply::NoError || status >= 300) {
            AdminError error = adminErrorFromReply(reply);
            if (status >= 300 && status < 400)
                error.message = u"the admin API answered with a redirect; check the URL"_s;
            qCInfo(lcAdminClient).noquote() << reply->operation() << reply->url().path() << "failed:" << error.toString();
            done(&error, {});
            return;
        }
        const QByteArray bytes = reply->readAll();
        QJsonParseError parseError;
        const QJsonDocument answer = bytes.trimmed().isEmpty() ? QJsonDocument() : QJsonDocument::fromJson(bytes, &parseError);
        if (!bytes.trimmed().isEmpty() && parseError.error != QJsonParseError::NoError) {
            const AdminError error{status, u"invalid_response"_s, u"the admin API did not answer JSON"_s};
            done(&error, {});
            return;
        }
        done(nullptr, answer);
    });
}

QUrl AdminClient::webSocketUrl(const QString &path) const
{
    QUrl url = endpoint(path.startsWith(QLatin1Char('/')) ? QStringView(path).mid(1) : QStringView(path));
    url.setScheme(url.scheme() == "https"_L1 ? u"wss"_s : u"ws"_s);
    return url;
}

void AdminClient::abortAll()
{
    const auto replies = std::exchange(m_replies, {});
    for (const QPointer<QNetworkReply> &reply : replies) {
        if (!reply)
            continue;
        reply->disconnect(this);
        reply->abort();
        reply->deleteLater();
    }
}

QUrl AdminClient::endpoint(QStringView path) const
{
    // `path` may carry a query ("api/v1/logs?limit=50"); it is percent-encoded by the caller.
    QUrl url = m_baseUrl;
    QString base = url.path();
    if (!base.endsWith(QLatin1Char('/')))
        base += QLatin1Char('/');
    const qsizetype q = path.indexOf(QLatin1Char('?'));
    url.setPath(base + path.left(q < 0 ? path.size() : q).toString(), QUrl::TolerantMode);
    if (q >= 0)
        url.setQuery(path.mid(q + 1).toString(), QUrl::TolerantMode);
    return url;
}

QNetworkReply *AdminClient::send(Operation operation, const QByteArray &verb, QStringView path,
                                 const QByteArray &body)
{
    QNetworkRequest request(endpoint(path));
    request.setRawHeader("Authorization", "Bearer " + m_token);
    request.setRawHeader("Accept", "application/json");
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    request.setTransferTimeout(int(m_timeout.count()));
    if (!body.isNull())
        request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));

    QNetworkReply *reply = body.isNull() ? m_network->sendCustomRequest(request, verb)
                                         : m_network->sendCustomRequest(request, verb, body);
    m_replies.append(reply);
    if (operation != Operation::Call)
        connect(reply, &QNetworkReply::finished, this, [this, reply, operation] { onFinished(reply, operation); });
    qCDebug(lcAdminClient).noquote() << operationName(operation) << request.url().toDisplayString();
    return reply;
}

void AdminClient::onFinished(QNetworkReply *reply, Operation operation)
{
    m_replies.removeAll(reply);
    reply->deleteLater();

    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (reply->error() != QNetworkReply::NoError || status >= 300) {
        AdminError error = adminErrorFromReply(reply);
        if (status >= 300 && status < 400)
            error.message = u"the admin API answered with a redirect; check the URL"_s;
        qCInfo(lcAdminClient).noquote() << operationName(operation) << "failed:" << error.toString();
        Q_EMIT requestFailed(operation, error);
        return;
    }

    const QByteArray body = reply->readAll();
    switch (operation) {
    case Operation::FetchInfo: {
        Result<GatewayInfo> info = parseGatewayInfo(body);
        if (!info) {
            Q_EMIT requestFailed(operation, AdminError{status, u"invalid_response"_s, info.error().message});
            return;
        }
        Q_EMIT infoReceived(*info);
        return;
    }
    case Operation::FetchConfig: {
        Result<GatewayConfig> config = parseGatewayConfig(body);
        if (!config) {
            Q_EMIT requestFailed(operation, AdminError{status, u"invalid_response"_s, config.error().message});
            return;
        }
        Q_EMIT configReceived(*config);
        return;
    }
    case Operation::PutConfig:
        Q_EMIT configStored();
        return;
    case Operation::Call:
        return; // answered by call()'s own handler
    }
}

} // namespace airlock
