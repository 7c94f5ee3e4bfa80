#include "logscontroller.h"

#include "adminclient.h"
#include "consolelog.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkRequest>
#include <QUrlQuery>
#include <QWebSocket>

namespace airlock {

using namespace Qt::StringLiterals;

LogsController::LogsController(AdminClient *client, QObject *parent)
    : QObject(parent)
    , m_client(client)
{
    m_reconnect.setSingleShot(true);
    m_reconnect.setInterval(3000);
    connect(&m_reconnect, &QTimer::timeout, this, [this] {
        if (m_wanted)
            openSocket();
    });
}

LogsController::~LogsController()
{
    m_wanted = false;
    delete m_socket;
}

void LogsController::setErrorMessage(const LiveText &message)
{
    if (m_errorMessage.text() == message.text())
        return;
    m_errorMessage = message;
    Q_EMIT errorMessageChanged();
}

void LogsController::retranslate()
{
    Q_EMIT errorMessageChanged();
}

void LogsController::setLive(bool live)
{
    if (m_live == live)
        return;
    m_live = live;
    Q_EMIT liveChanged();
}

QJsonObject LogsController::filter() const
{
    QJsonObject f;
    if (!m_feature.isEmpty())
        f.insert(u"feature"_s, m_feature);
    if (!m_model.isEmpty())
        f.insert(u"model"_s, m_model);
    if (m_errorsOnly)
        f.insert(u"errors"_s, true);
    return f;
}

QString LogsController::filterQuery() const
{
    QUrlQuery query;
    const QJsonObject f = filter();
    for (auto it = f.begin(); it != f.end(); ++it)
        query.addQueryItem(it.key(), it.value().isBool() ? u"1"_s : it.value().toString());
    return query.toString(QUrl::FullyEncoded);
}

void LogsController::start()
{
    m_wanted = true;
    const QString query = filterQuery();
    m_client->call("GET", u"api/v1/logs?limit=100"_s + (query.isEmpty() ? QString() : u"&"_s + query), {}, this,
                   [this](const AdminError *error, const QJsonDocument &answer) {
                       if (error) {
                           setErrorMessage(LiveText([detail = error->toString()] { return tr("Cannot read the request log: %1").arg(detail); }));
                           return;
                       }
                       setErrorMessage({});
                       m_records.setRows(answer.object().value("items"_L1).toArray());
                   });
    if (!m_socket)
        openSocket();
}

void LogsController::stop()
{
    m_wanted = false;
    m_reconnect.stop();
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->close();
        m_socket->deleteLater();
        m_socket = nullptr;
    }
    m_held = {};
    setLive(false);
    Q_EMIT pausedChanged();
}

void LogsController::openSocket()
{
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->abort();
        m_socket->deleteLater();
    }
    m_socket = new QWebSocket(QString(), QWebSocketProtocol::VersionLatest, this);
    connect(m_socket, &QWebSocket::connected, this, [this] {
        setLive(true);
        setErrorMessage({});
        qCDebug(lcConsole) << "live log connected";
    });
    connect(m_socket, &QWebSocket::disconnected, this, [this] {
        setLive(false);
        if (m_wanted)
            m_reconnect.start();
    });
    connect(m_socket, &QWebSocket::textMessageReceived, this, &LogsController::onMessage);
    QUrl url = m_client->webSocketUrl(u"api/v1/logs/live"_s);
    url.setQuery(filterQuery(), QUrl::StrictMode);
    QNetworkRequest request(url);
    request.setRawHeader("Authorization", m_client->authorizationHeader());
    m_socket->open(request);
}

void LogsController::onMessage(const QString &message)
{
    const QJsonObject o = QJsonDocument::fromJson(message.toUtf8()).object();
    if (o.value("type"_L1).toString() != "records"_L1)
        return;
    const QJsonArray records = o.value("records"_L1).toArray();
    if (m_paused) {
        for (const QJsonValue &r : records)
            m_held.append(r);
        while (m_held.size() > kMaxRows)
            m_held.removeFirst();
        Q_EMIT pausedChanged();
        return;
    }
    m_records.prependRows(records, kMaxRows);
}

void LogsController::setPaused(bool paused)
{
    if (m_paused == paused)
        return;
    m_paused = paused;
    if (!paused) {
        m_records.prependRows(m_held, kMaxRows);
        m_held = {};
    }
    Q_EMIT pausedChanged();
}

void LogsController::filtersChanged()
{
    Q_EMIT filterChanged();
    if (!m_wanted)
        return;
    m_held = {};
    if (m_socket && m_live)
        m_socket->sendTextMessage(QString::fromUtf8(QJsonDocument(QJsonObject{{u"filter"_s, filter()}}).toJson(QJsonDocument::Compact)));
    start();
}

void LogsController::setFeatureFilter(const QString &feature)
{
    if (m_feature == feature)
        return;
    m_feature = feature;
    filtersChanged();
}

void LogsController::setModelFilter(const QString &model)
{
    if (m_model == model)
        return;
    m_model = model;
    filtersChanged();
}

void LogsController::setErrorsOnly(bool on)
{
    if (m_errorsOnly == on)
        return;
    m_errorsOnly = on;
    filtersChanged();
}

void LogsController::select(qint64 id)
{
    m_client->call("GET", u"api/v1/logs/%1"_s.arg(id), {}, this, [this](const AdminError *error, const QJsonDocument &answer) {
        if (error) {
            setErrorMessage(LiveText([detail = error->toString()] { return tr("Cannot read the record: %1").arg(detail); }));
            return;
        }
        m_selected = answer.object();
        Q_EMIT selectedChanged();
    });
}

} // namespace airlock
