#include "gateway.h"

#include "admin/adminserver.h"
#include "http/connectionguard.h"
#include "http/gatewayserver.h"
#include "http/openaiapi.h"
#include "http/reuseportlistener.h"
#include "http/workerservices.h"
#include "logging/requestrecord.h"
#include "auth/principal.h"
#include "platform/datadir.h"
#include "routing/configsnapshot.h"
#include "storage/configstore.h"
#include "storage/database.h"
#include "upstream/upstreamclient.h"

#include <QDir>
#include <QFile>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QRandomGenerator>
#include <QThread>

Q_LOGGING_CATEGORY(lcGateway, "airlock.gateway", QtInfoMsg)

namespace airlock {

namespace {

// Everything one worker thread owns. Created and destroyed on that thread.
struct WorkerState
{
    upstream::UpstreamClient client;
    http::GatewayServer server;
    http::WorkerServices services;
    std::unique_ptr<http::OpenAiApi> openAi;

    explicit WorkerState(http::WorkerServices shared)
        : services(shared)
    {
        services.client = &client;
        server.setObserver(services.observer);
        openAi = std::make_unique<http::OpenAiApi>(services);
        openAi->registerRoutes(server);
    }
};

class Worker
{
public:
    Worker(int index, const http::WorkerServices &services, const ServerLimits &limits)
        : m_services(services)
        , m_limits(limits)
    {
        m_thread.setObjectName(QStringLiteral("airlock-worker-%1").arg(index));
        m_thread.start();
        m_context.moveToThread(&m_thread);
    }

    ~Worker()
    {
        QMetaObject::invokeMethod(&m_context, [this] { m_state.reset(); }, Qt::BlockingQueuedConnection);
        m_thread.quit();
        m_thread.wait();
    }

    // Adopts the listening descriptor on the worker's own thread.
    Status start(qintptr descriptor)
    {
        Status status;
        QMetaObject::invokeMethod(
            &m_context,
            [&] {
                m_state = std::make_unique<WorkerState>(m_services);
                auto *tcp = new http::GuardedTcpServer(m_limits);
                if (!tcp->setSocketDescriptor(descriptor)) {
                    status = Error::make(QStringLiteral("listen_failed"),
                                         QStringLiteral("a worker cannot adopt its listener: %1").arg(tcp->errorString()));
                    delete tcp;
                    return;
                }
                m_state->server.bind(tcp);
            },
            Qt::BlockingQueuedConnection);
        return status;
    }

private:
    http::WorkerServices m_services; // shared parts; each worker adds its own upstream client
    ServerLimits m_limits;
    QThread m_thread;
    QObject m_context; // lives on m_thread; invokeMethod target
    std::unique_ptr<WorkerState> m_state;
};

QByteArray randomToken()
{
    QByteArray bytes(32, Qt::Uninitialized);
    QRandomGenerator::system()->generate(reinterpret_cast<quint32 *>(bytes.data()),
                                          reinterpret_cast<quint32 *>(bytes.data() + bytes.size()));
    return bytes.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
}

// The admin token: given, or $AIRLOCK_ADMIN_TOKEN, or <data dir>/admin-token (created once, owner-only).
Result<QByteArray> resolveAdminToken(const QString &given, const QString &dataDir, bool *created)
{
    *created = false;
    if (!given.isEmpty())
        return given.toUtf8();
    const QByteArray fromEnv = qgetenv("AIRLOCK_ADMIN_TOKEN");
    if (!fromEnv.isEmpty())
        return fromEnv;
    QFile file(QDir(dataDir).filePath(QStringLiteral("admin-token")));
    if (file.exists()) {
        if (!file.open(QIODevice::ReadOnly)) {
            return Error::make(QStringLiteral("admin_token_unreadable"),
                               QStringLiteral("cannot read %1: %2").arg(file.fileName(), file.errorString()));
        }
        const QByteArray token = file.readAll().trimmed();
        if (!token.isEmpty())
            return token;
    }
    const QByteArray token = randomToken();
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate)
        || !file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner) || file.write(token + '\n') < 0) {
        return Error::make(QStringLiteral("admin_token_unwritable"),
                           QStringLiteral("cannot write %1: %2").arg(file.fileName(), file.errorString()));
    }
    *created = true;
    return token;
}

} // namespace

struct Gateway::Private : public admin::AdminBackend
{
    Gateway *q = nullptr;
    GatewayOptions options;
    QString dataDir;
    std::unique_ptr<Database> database;
    std::unique_ptr<ConfigStore> store;
    std::unique_ptr<routing::ConfigHolder> config;
    std::vector<std::unique_ptr<Worker>> workers;
    std::unique_ptr<admin::AdminServer> adminServer;
    QByteArray adminToken;
    ListenAddress gatewayAddress;
    ListenAddress adminAddress;
    bool running = false;
    auth::Authenticator *authenticator = nullptr; // not owned
    RequestObserver *observer = nullptr;          // not owned

    // What every worker shares; the auth and observer slots are filled as those services start.
    http::WorkerServices workerServices() const
    {
        http::WorkerServices services;
        services.config = config.get();
        services.auth = authenticator;
        services.observer = observer;
        return services;
    }

    QJsonObject info() const override
    {
        return QJsonObject{{QStringLiteral("name"), QStringLiteral("airlockd")},
                           {QStringLiteral("version"), QStringLiteral(AIRLOCK_VERSION)},
                           {QStringLiteral("gateway_listen"), gatewayAddress.toString()},
                           {QStringLiteral("admin_listen"), adminAddress.toString()},
                           {QStringLiteral("workers"), int(workers.size())}};
    }

    GatewayConfig currentConfig() const override { return config->current()->config(); }

    Status applyConfig(const GatewayConfig &newConfig) override
    {
        if (auto st = validateGatewayConfig(newConfig); !st)
            return st;
        if (auto st = store->replace(newConfig); !st)
            return st;
        config->publish(newConfig);
        Q_EMIT q->configChanged();
        return {};
    }
};

Gateway::Gateway(GatewayOptions options, QObject *parent)
    : QObject(parent)
    , d(std::make_unique<Private>())
{
    d->q = this;
    d->options = std::move(options);
}

Gateway::~Gateway()
{
    stop();
}

Status Gateway::start()
{
    if (d->running)
        return {};
    const GatewayOptions &o = d->options;
    d->dataDir = o.dataDir.isEmpty() ? defaultDataDir() : o.dataDir;
    if (auto st = ensurePrivateDir(d->dataDir); !st)
        return st;

    auto database = Database::open(d->dataDir);
    if (!database)
        return database.error();
    d->database = std::move(database).value();
    d->store = std::make_unique<ConfigStore>(*d->database);

    if (!o.configFile.isEmpty()) {
        QFile file(o.configFile);
        if (!file.open(QIODevice::ReadOnly)) {
            return Error::make(QStringLiteral("config_unreadable"),
                               QStringLiteral("cannot read %1: %2").arg(o.configFile, file.errorString()));
        }
        auto parsed = parseGatewayConfig(file.readAll());
        if (!parsed) {
            Error e = parsed.error();
            e.message = o.configFile + QStringLiteral(": ") + e.message;
            return e;
        }
        if (auto st = d->store->replace(*parsed); !st)
            return st;
        qCInfo(lcGateway).noquote() << "imported" << o.configFile << ":" << parsed->models.size() << "models,"
                                    << parsed->features.size() << "feature assignments";
    }
    auto loaded = d->store->load();
    if (!loaded)
        return loaded.error();
    d->config = std::make_unique<routing::ConfigHolder>(
        routing::QueueLimits{o.limits.maxQueuedPerEndpoint, o.limits.queueTimeoutMs});
    d->config->publish(*loaded);

    bool created = false;
    auto token = resolveAdminToken(o.adminToken, d->dataDir, &created);
    if (!token)
        return token.error();
    d->adminToken = *token;
    if (created) {
        qCInfo(lcGateway).noquote() << "created the admin token in"
                                    << QDir(d->dataDir).filePath(QStringLiteral("admin-token"))
                                    << "(owner-only); the console and the admin API need it";
    }

    const int workerCount = o.workers > 0 ? o.workers : std::max(1, QThread::idealThreadCount());
    auto sockets = http::openReusePortListeners(o.listen, workerCount);
    if (!sockets)
        return sockets.error();
    d->gatewayAddress = ListenAddress{o.listen.host, sockets->port};
    for (int i = 0; i < workerCount; ++i) {
        auto worker = std::make_unique<Worker>(i, d->workerServices(), o.limits);
        if (auto st = worker->start(sockets->descriptors.at(i)); !st) {
            http::closeDescriptors(sockets->descriptors.mid(i));
            d->workers.clear();
            return st;
        }
        d->workers.push_back(std::move(worker));
    }

    d->adminServer = std::make_unique<admin::AdminServer>(*d, d->adminToken, o.limits);
    auto adminPort = d->adminServer->listen(o.adminListen);
    if (!adminPort) {
        d->workers.clear();
        d->adminServer.reset();
        return adminPort.error();
    }
    d->adminAddress = ListenAddress{o.adminListen.host, *adminPort};
    d->running = true;
    return {};
}

void Gateway::stop()
{
    if (!d->running)
        return;
    d->running = false;
    d->adminServer.reset();
    d->workers.clear();
    d->store.reset();
    d->database.reset();
}

bool Gateway::isRunning() const { return d->running; }
ListenAddress Gateway::gatewayAddress() const { return d->gatewayAddress; }
ListenAddress Gateway::adminAddress() const { return d->adminAddress; }
int Gateway::workerCount() const { return int(d->workers.size()); }
QString Gateway::dataDir() const { return d->dataDir; }
QString Gateway::adminToken() const { return QString::fromUtf8(d->adminToken); }

GatewayConfig Gateway::config() const
{
    return d->config ? d->config->current()->config() : GatewayConfig{};
}

Status Gateway::applyConfig(const GatewayConfig &config)
{
    if (!d->running)
        return Error::make(QStringLiteral("not_running"), QStringLiteral("the gateway is not running"));
    return d->applyConfig(config);
}

} // namespace airlock
