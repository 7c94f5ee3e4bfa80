#include "connectioncontroller.h"

#include "consolelog.h"
#include "gateway.h"

#include <QDir>
#include <QStandardPaths>

namespace airlock {

using namespace Qt::StringLiterals;

ConnectionController::ConnectionController(QObject *parent)
    : QObject(parent)
    , m_client(new AdminClient(this))
{
    connect(m_client, &AdminClient::infoReceived, this, [this](const GatewayInfo &info) {
        setInfo(info);
        setErrorMessage({});
        setState(State::Connected);
        qCInfo(lcConsole).noquote() << "connected to" << info.name << info.version << "at" << m_adminUrl;
    });
    connect(m_client, &AdminClient::requestFailed, this,
            [this](AdminClient::Operation operation, const AdminError &error) {
                if (operation != AdminClient::Operation::FetchInfo)
                    return; // other controllers report their own failures
                const QString detail = error.message;
                if (error.httpStatus == 401 || error.httpStatus == 403)
                    fail(LiveText([detail] { return tr("The gateway rejected the admin token: %1").arg(detail); }));
                else if (error.httpStatus == 0)
                    fail(LiveText([url = m_adminUrl, detail] { return tr("Cannot reach the gateway at %1: %2").arg(url, detail); }));
                else
                    fail(LiveText([status = error.httpStatus, detail] { return tr("The gateway answered HTTP %1: %2").arg(status).arg(detail); }));
            });
}

ConnectionController::~ConnectionController()
{
    m_client->abortAll();
    stopEmbedded();
}

QUrl ConnectionController::normalizeAdminUrl(const QString &input)
{
    QString text = input.trimmed();
    if (text.isEmpty())
        return {};
    if (!text.contains(u"://"_s))
        text.prepend(u"http://"_s);
    QUrl url(text, QUrl::StrictMode);
    if (!url.isValid() || url.host().isEmpty()
        || (url.scheme() != "http"_L1 && url.scheme() != "https"_L1)
        || !url.userInfo().isEmpty() || url.hasQuery() || url.hasFragment())
        return {};
    return url;
}

void ConnectionController::connectTo(const QString &url, const QString &token)
{
    stopEmbedded();
    const QUrl adminUrl = normalizeAdminUrl(url);
    if (!adminUrl.isValid()) {
        m_client->abortAll();
        setInfo({});
        setAdminUrl(url.trimmed());
        fail(LiveText([typed = url.trimmed()] { return tr("\"%1\" is not a gateway admin URL (expected http://host:port).").arg(typed); }));
        return;
    }
    if (token.isEmpty()) {
        m_client->abortAll();
        setInfo({});
        setAdminUrl(adminUrl.toString());
        fail(LiveText([] { return tr("Enter the gateway's admin token."); }));
        return;
    }
    beginConnect(adminUrl, token);
}

void ConnectionController::startEmbedded(const QString &dataDir)
{
    stopEmbedded();
    m_client->abortAll();
    setInfo({});

    GatewayOptions options;
    options.dataDir = dataDir.isEmpty()
        ? QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation) + u"/gateway"_s
        : dataDir;
    options.listen = ListenAddress{QHostAddress(QHostAddress::LocalHost), 0};
    options.adminListen = ListenAddress{QHostAddress(QHostAddress::LocalHost), 0};
    if (!QDir().mkpath(options.dataDir)) {
        fail(LiveText([dir = QDir::toNativeSeparators(options.dataDir)] { return tr("Cannot create the data directory %1.").arg(dir); }));
        return;
    }

    auto gateway = std::make_unique<Gateway>(options);
    if (Status started = gateway->start(); !started) {
        fail(LiveText([detail = started.error().message] { return tr("The embedded gateway did not start: %1").arg(detail); }));
        return;
    }
    qCInfo(lcConsole).noquote() << "embedded gateway started; data" << gateway->dataDir() << "gateway"
                                << gateway->gatewayAddress().toString() << "admin"
                                << gateway->adminAddress().toString();
    const QUrl adminUrl(u"http://"_s + gateway->adminAddress().toString());
    const QString token = gateway->adminToken();
    m_gateway = std::move(gateway);
    Q_EMIT embeddedChanged();
    beginConnect(adminUrl, token);
}

void ConnectionController::disconnectFrom()
{
    m_client->abortAll();
    stopEmbedded();
    setInfo({});
    setState(State::Disconnected);
}

void ConnectionController::refresh()
{
    if (m_state == State::Connected)
        m_client->fetchInfo();
}

void ConnectionController::beginConnect(const QUrl &url, const QString &token)
{
    m_client->abortAll();
    m_client->setBaseUrl(url);
    m_client->setToken(token);
    setInfo({});
    setAdminUrl(url.toString());
    setErrorMessage({});
    setState(State::Connecting);
    m_client->fetchInfo();
}

void ConnectionController::stopEmbedded()
{
    if (!m_gateway)
        return;
    m_client->abortAll(); // its requests go to the listener about to close
    m_gateway->stop();
    m_gateway.reset();
    qCInfo(lcConsole) << "embedded gateway stopped";
    Q_EMIT embeddedChanged();
}

void ConnectionController::fail(const LiveText &message)
{
    qCInfo(lcConsole).noquote() << "connection failed:" << message.text();
    setErrorMessage(message);
    setState(State::Error);
}

void ConnectionController::setState(State state)
{
    if (m_state == state)
        return;
    m_state = state;
    Q_EMIT stateChanged();
}

void ConnectionController::setAdminUrl(const QString &url)
{
    if (m_adminUrl == url)
        return;
    m_adminUrl = url;
    Q_EMIT adminUrlChanged();
}

void ConnectionController::setErrorMessage(const LiveText &message)
{
    if (m_errorMessage.text() == message.text())
        return;
    m_errorMessage = message;
    Q_EMIT errorMessageChanged();
}

void ConnectionController::retranslate()
{
    Q_EMIT errorMessageChanged();
}

void ConnectionController::setInfo(const GatewayInfo &info)
{
    if (m_info == info)
        return;
    m_info = info;
    Q_EMIT gatewayInfoChanged();
}

} // namespace airlock
