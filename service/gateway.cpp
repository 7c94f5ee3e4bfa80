#include "gateway.h"

#include "dialects/admin/adminserver.h"
#include "dialects/admin/authadminapi.h"
#include "dialects/admin/consoleapi.h"
#include "http/connectionguard.h"
#include "http/gatewayserver.h"
#include "dialects/gitlab/gitlabapi.h"
#include "dialects/gitlab/jwksapi.h"
#include "dialects/gitlab/useraccesstokenapi.h"
#include "prompts/promptbuilder.h"
#include "prompts/templatestore.h"
#include "routing/completioncache.h"
#include "routing/supersederegistry.h"
#include "dialects/openai/openaiapi.h"
#include "http/reuseportlistener.h"
#include "dialects/common/workerservices.h"
#include "logging/chathistory.h"
#include "dialects/openai/chathistoryapi.h"
#include "logging/livelog.h"
#include "dialects/admin/logadminapi.h"
#include "logging/loggingsettings.h"
#include "logging/requestlogger.h"
#include "requestrecord.h"
#include "metrics/gatewaymetrics.h"
#include "auth/admincredential.h"
#include "auth/authmodule.h"
#include "auth/authenticator.h"
#include "platform/datadir.h"
#include "replicaprobes.h"
#include "routing/configsnapshot.h"
#include "routing/replicareport.h"
#include "storage/configstore.h"
#include "storage/database.h"
#include "upstream/upstreamclient.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QRandomGenerator>
#include <QTextStream>
#include <QPointer>
#include <QThread>

Q_LOGGING_CATEGORY(lcGateway, "airlock.gateway", QtInfoMsg)

namespace airlock {

namespace {

// Everything one worker thread owns. Created and destroyed on that thread.
struct WorkerState
{
    upstream::UpstreamClient client;
    http::GatewayServer server;
    dialects::WorkerServices services;
    std::unique_ptr<openai::OpenAiApi> openAi;
    std::unique_ptr<gitlab::GitLabApi> gitlab;
    std::unique_ptr<openai::ChatHistoryApi> chatHistory;

    WorkerState(dialects::WorkerServices shared, const gitlab::GitLabShared &gitlabShared)
        : services(shared)
    {
        services.client = &client;
        server.setObserver(services.observer);
        openAi = std::make_unique<openai::OpenAiApi>(services);
        openAi->registerRoutes(server);
        gitlab = std::make_unique<gitlab::GitLabApi>(services, gitlabShared);
        gitlab->registerRoutes(server);
        chatHistory = std::make_unique<openai::ChatHistoryApi>(services.auth, services.chatHistory);
        chatHistory->registerRoutes(server);
    }
};

class Worker
{
public:
    Worker(int index, const dialects::WorkerServices &services, const gitlab::GitLabShared &gitlab, const ServerLimits &limits)
        : m_services(services)
        , m_gitlab(gitlab)
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
                m_state = std::make_unique<WorkerState>(m_services, m_gitlab);
                auto *tcp = new http::GuardedTcpServer(m_limits);
                if (m_extras)
                    m_extras(m_state->server, *tcp);
                if (!tcp->setSocketDescriptor(descriptor)) {
                    status = Error::make(QStringLiteral("listen_failed"),
                                         QStringLiteral("a worker cannot adopt its listener: %1").arg(tcp->errorString()));
                    delete tcp;
                    return;
                }
                m_state->server.serve(tcp);
                m_tcp = tcp;
                m_live = m_state->server.liveRequests();
            },
            Qt::BlockingQueuedConnection);
        return status;
    }

    // Stops accepting connections (the open ones go on); on the worker's thread.
    void stopAccepting()
    {
        QMetaObject::invokeMethod(
            &m_context,
            [this] {
                if (m_tcp)
                    m_tcp->close();
            },
            Qt::BlockingQueuedConnection);
    }

    // Requests of this worker not finished yet (any thread).
    int liveRequests() const { return m_live ? m_live->load(std::memory_order_acquire) : 0; }

    QObject *context() { return &m_context; }

    // Runs on the worker's thread before it serves: more routes and listener settings (auth, TLS).
    void setExtras(std::function<void(http::GatewayServer &, http::GuardedTcpServer &)> extras)
    {
        m_extras = std::move(extras);
    }

private:
    std::function<void(http::GatewayServer &, http::GuardedTcpServer &)> m_extras;
    dialects::WorkerServices m_services; // shared parts; each worker adds its own upstream client
    gitlab::GitLabShared m_gitlab;
    ServerLimits m_limits;
    QThread m_thread;
    QObject m_context; // lives on m_thread; invokeMethod target
    std::unique_ptr<WorkerState> m_state;
    QPointer<http::GuardedTcpServer> m_tcp; // the worker thread's; used only there
    std::shared_ptr<const std::atomic<int>> m_live;
};

// The declarative file's "auth" section belongs to auth (auth/authmodule.h); the rest is the gateway
// configuration. Splits them so each parser sees only its own keys.
std::optional<QJsonObject> takeAuthSection(QByteArray *json)
{
    QJsonParseError error;
    QJsonDocument doc = QJsonDocument::fromJson(*json, &error);
    if (error.error != QJsonParseError::NoError || !doc.isObject() || !doc.object().contains(QLatin1String("auth")))
        return std::nullopt; // parseGatewayConfig reports what is wrong with the file
    QJsonObject root = doc.object();
    const QJsonValue section = root.take(QLatin1String("auth"));
    *json = QJsonDocument(root).toJson(QJsonDocument::Compact);
    return section.isObject() ? section.toObject() : QJsonObject{{QStringLiteral("mode"), section}};
}

// The completion cache's settings: the command line (or embedding program) over the file's section.
Result<routing::CompletionCacheSettings> resolveCacheSettings(const CompletionOptions &o, const QJsonValue &section)
{
    routing::CompletionCacheOptions options;
    options.entries = o.cacheEntries;
    options.scope = o.cacheScope;
    options.ttlMs = o.cacheTtlMs;
    return routing::resolveCompletionCacheSettings(options, section);
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
    std::unique_ptr<ReplicaProbes> probes; // active health probes of the routed replicas (this thread)
    std::vector<std::unique_ptr<Worker>> workers;
    std::unique_ptr<admin::AdminServer> adminServer;
    std::unique_ptr<admin::ConsoleApi> consoleApi; // the console's model test and prompt playground routes
    QByteArray adminToken;
    ListenAddress gatewayAddress;
    ListenAddress adminAddress;
    bool running = false;
    std::unique_ptr<prompts::PromptBuilder> promptBuilder;
    std::unique_ptr<routing::CompletionCache> completionCache;
    std::unique_ptr<routing::SupersedeRegistry> supersede;
    std::unique_ptr<auth::AdminCredential> adminCredential;
    std::unique_ptr<auth::AuthModule> auth;
    auth::Authenticator *authenticator = nullptr; // not owned (auth's; null when auth is disabled)
    RequestObserver *observer = nullptr;          // not owned
    // Request log, metrics, live logs, chat history (in this order: the logger uses the others).
    std::unique_ptr<metrics::GatewayMetrics> metrics;
    std::unique_ptr<logging::ChatHistory> chatHistory;
    std::unique_ptr<logging::LiveLogHub> liveLogs;
    std::unique_ptr<logging::RequestLogger> requestLog;
    std::unique_ptr<admin::LogAdminApi> logApi;
    logging::LoggingSettings loggingSettings;
    routing::CompletionCacheSettings cacheSettings;

    // Before the workers: they get the logger as their observer. `loggingSettings` (resolved in start():
    // command line, declarative file, environment) may turn the request log off (benchmarks; chat
    // history goes with it) and keep chat history in Redis.
    Status startRequestLog()
    {
        metrics = std::make_unique<metrics::GatewayMetrics>();
        metrics->addCollector([holder = config.get()](QByteArray &out) {
            routing::writeReplicaMetrics(*holder->current(), out);
        });
        if (!loggingSettings.requestLog) {
            qCInfo(lcGateway) << "the request log is off (and with it chat history)";
            return {};
        }
        logging::ChatHistoryOptions chat;
        chat.dataDir = dataDir;
        if (loggingSettings.chatBackend == logging::ChatHistoryBackend::Redis) {
            chat.redisHost = loggingSettings.redisHost;
            chat.redisPort = loggingSettings.redisPort;
            chat.redisPassword = loggingSettings.redisPassword;
        }
        chatHistory = logging::ChatHistory::create(chat);
        if (auto st = chatHistory->start(); !st)
            return st;
        liveLogs = std::make_unique<logging::LiveLogHub>();
        logging::RequestLoggerOptions logOptions;
        logOptions.dataDir = dataDir;
        logOptions.redactor = loggingSettings.redactor;
        if (options.logging.queueCapacity > 0)
            logOptions.queueCapacity = options.logging.queueCapacity;
        requestLog = std::make_unique<logging::RequestLogger>(logOptions, metrics.get(), chatHistory.get());
        requestLog->addBatchListener([hub = liveLogs.get()](const std::shared_ptr<const storage::StoredBatch> &batch) {
            hub->publish(batch);
        });
        metrics->addCollector([log = requestLog.get(), hub = liveLogs.get()](QByteArray &out) {
            log->writeMetrics(out);
            hub->writeMetrics(out);
        });
        logApi = std::make_unique<admin::LogAdminApi>(*database, *requestLog, *liveLogs, *metrics,
                                                        adminCredential.get(), loggingSettings.metricsToken);
        if (auto st = logApi->loadSettings(); !st)
            return st;
        if (auto st = requestLog->start(); !st)
            return st;
        observer = requestLog.get();
        return {};
    }

    // After the workers are gone: everything they logged is written before this returns.
    void stopRequestLog()
    {
        logApi.reset();
        if (requestLog)
            requestLog->stop();
        observer = nullptr;
        requestLog.reset();
        liveLogs.reset();
        chatHistory.reset();
        metrics.reset();
    }

    // What every worker shares; the auth and observer slots are filled as those services start.
    dialects::WorkerServices workerServices() const
    {
        dialects::WorkerServices services;
        services.config = config.get();
        services.auth = authenticator;
        services.observer = observer;
        services.chatHistory = chatHistory.get();
        services.completionCache = completionCache.get();
        if (auth)
            services.authStatus = auth->status();
        return services;
    }

    gitlab::GitLabShared gitlabShared() const
    {
        return gitlab::GitLabShared{promptBuilder.get(), completionCache.get(), supersede.get(),
                                  options.completion.burstDebounceMs, options.completion.burstWindowMs};
    }

    QJsonObject info() const override
    {
        return QJsonObject{{QStringLiteral("name"), QStringLiteral("airlockd")},
                           {QStringLiteral("version"), QStringLiteral(AIRLOCK_VERSION)},
                           {QStringLiteral("gateway_listen"), gatewayAddress.toString()},
                           {QStringLiteral("admin_listen"), adminAddress.toString()},
                           {QStringLiteral("workers"), int(workers.size())},
                           {QStringLiteral("auth"), auth ? auth->status() : QJsonObject()}};
    }

    GatewayConfig currentConfig() const override { return config->current()->config(); }

    Status reloadPromptOverrides() override
    {
        prompts::TemplateStore templates(*database);
        auto overrides = templates.allCurrent();
        if (!overrides)
            return overrides.error();
        config->publishPromptOverrides(*overrides);
        return {};
    }

    Result<QList<prompts::TemplateRevision>> followModelRenames(const QHash<QString, QString> &renames,
                                                                const QString &author) override
    {
        prompts::TemplateStore templates(*database);
        auto appended = templates.followRenames(renames, author);
        if (!appended)
            return appended.error();
        if (!appended->isEmpty()) {
            if (auto st = reloadPromptOverrides(); !st)
                return st.error();
        }
        return appended;
    }

    Status applyConfig(const GatewayConfig &newConfig) override
    {
        if (auto st = validateGatewayConfig(newConfig); !st)
            return st;
        if (auto st = store->replace(newConfig); !st)
            return st;
        config->publish(newConfig);
        if (probes)
            probes->refresh();
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

    std::optional<QJsonObject> authSection;
    QJsonValue loggingSection; // the file's "logging": start-up settings, not stored
    QJsonValue cacheSection;   // the file's "completion_cache": the same
    if (!o.configFile.isEmpty()) {
        QFile file(o.configFile);
        if (!file.open(QIODevice::ReadOnly)) {
            return Error::make(QStringLiteral("config_unreadable"),
                               QStringLiteral("cannot read %1: %2").arg(o.configFile, file.errorString()));
        }
        QByteArray json = file.readAll();
        authSection = takeAuthSection(&json);
        loggingSection = logging::takeJsonSection(&json, QLatin1String("logging"));
        cacheSection = logging::takeJsonSection(&json, QLatin1String("completion_cache"));
        auto parsed = parseGatewayConfig(json);
        if (!parsed) {
            Error e = parsed.error();
            e.message = o.configFile + QStringLiteral(": ") + e.message;
            return e;
        }
        // Start-up settings first: a bad "logging" section refuses the file before anything is stored.
        auto settings = logging::resolveLoggingSettings(o.logging, loggingSection, QFileInfo(o.configFile).absolutePath());
        if (!settings) {
            Error e = settings.error();
            if (e.field.startsWith(QLatin1String("logging")))
                e.message = o.configFile + QStringLiteral(": ") + e.message;
            return e;
        }
        d->loggingSettings = *settings;
        auto cache = resolveCacheSettings(o.completion, cacheSection);
        if (!cache) {
            Error e = cache.error();
            if (e.field.startsWith(QLatin1String("completion_cache")))
                e.message = o.configFile + QStringLiteral(": ") + e.message;
            return e;
        }
        d->cacheSettings = *cache;
        if (auto st = d->store->replace(*parsed); !st)
            return st;
        qCInfo(lcGateway).noquote() << "imported" << o.configFile << ":" << parsed->models.size() << "models,"
                                    << parsed->features.size() << "feature assignments";
    } else {
        auto settings = logging::resolveLoggingSettings(o.logging);
        if (!settings)
            return settings.error();
        d->loggingSettings = *settings;
        auto cache = resolveCacheSettings(o.completion, {});
        if (!cache)
            return cache.error();
        d->cacheSettings = *cache;
    }
    auto loaded = d->store->load();
    if (!loaded)
        return loaded.error();
    d->config = std::make_unique<routing::ConfigHolder>(
        routing::QueueLimits{o.limits.maxQueuedPerEndpoint, o.limits.queueTimeoutMs});
    d->config->publish(*loaded);
    if (auto st = d->reloadPromptOverrides(); !st)
        return st;
    d->probes = std::make_unique<ReplicaProbes>(*d->config);
    d->probes->refresh();

    auth::AuthStartOptions authOptions;
    authOptions.dataDir = d->dataDir;
    authOptions.fileSection = authSection;
    authOptions.modeOverride = o.authMode;
    authOptions.gatewayTls = auth::TlsFiles{o.tlsCertFile, o.tlsKeyFile};
    authOptions.adminTls = auth::TlsFiles{o.adminTlsCertFile, o.adminTlsKeyFile};
    auto authModule = auth::AuthModule::start(*d->database, std::move(authOptions));
    if (!authModule) {
        Error e = authModule.error();
        if (authSection && !e.field.isEmpty())
            e.message = o.configFile + QStringLiteral(": ") + e.message;
        return e;
    }
    d->auth = std::move(authModule).value();
    d->authenticator = d->auth->authenticator();

    auto credential = auth::AdminCredential::resolve(d->dataDir, o.adminToken.toUtf8(), qgetenv("AIRLOCK_ADMIN_TOKEN"));
    if (!credential)
        return credential.error();
    d->adminCredential = std::move(credential->credential);
    d->adminToken = !o.adminToken.isEmpty() ? o.adminToken.toUtf8()
        : !credential->bootstrapToken.isEmpty() ? credential->bootstrapToken
                                                : qgetenv("AIRLOCK_ADMIN_TOKEN");
    if (!credential->bootstrapToken.isEmpty()) {
        // Shown once, on the terminal only (never through the log categories); only its hash is stored.
        QTextStream(stderr) << "airlockd: first start: the admin API bootstrap token is\n\n    "
                            << QString::fromLatin1(credential->bootstrapToken)
                            << "\n\nStore it now (the console and the admin API need it); it is not shown again. Only a "
                               "salted hash is kept, in "
                            << QDir(d->dataDir).filePath(QStringLiteral("admin-token.hash")) << ".\n" << Qt::flush;
    } else if (credential->source == QLatin1String("migrated")) {
        qCInfo(lcGateway) << "the plain admin-token file was replaced by a salted hash (admin-token.hash)";
    }

    auto builder = prompts::PromptBuilder::fromResources();
    if (!builder)
        return builder.error();
    d->promptBuilder = std::make_unique<prompts::PromptBuilder>(std::move(builder).value());
    if (d->cacheSettings.enabled()) {
        d->completionCache = std::make_unique<routing::CompletionCache>(
            d->cacheSettings.entries, std::chrono::milliseconds(d->cacheSettings.ttlMs), d->cacheSettings.scope);
        qCInfo(lcGateway).noquote() << "completion cache:" << d->cacheSettings.entries << "entries, scope"
                                    << routing::cacheScopeName(d->cacheSettings.scope);
    } else {
        qCInfo(lcGateway) << "the completion cache is off";
    }
    if (o.completion.supersede)
        d->supersede = std::make_unique<routing::SupersedeRegistry>();

    if (auto st = d->startRequestLog(); !st)
        return st;

    const int workerCount = o.workers > 0 ? o.workers : std::max(1, QThread::idealThreadCount());
    auto sockets = http::openReusePortListeners(o.listen, workerCount);
    if (!sockets)
        return sockets.error();
    d->gatewayAddress = ListenAddress{o.listen.host, sockets->port};
    for (int i = 0; i < workerCount; ++i) {
        auto worker = std::make_unique<Worker>(i, d->workerServices(), d->gitlabShared(), o.limits);
        worker->setExtras([authModule = d->auth.get()](http::GatewayServer &server, http::GuardedTcpServer &tcp) {
            gitlab::registerJwksRoute(server, *authModule);
            gitlab::registerUserAccessTokenRoute(server, *authModule);
            tcp.setTls(authModule->gatewayTls());
        });
        if (auto st = worker->start(sockets->descriptors.at(i)); !st) {
            http::closeDescriptors(sockets->descriptors.mid(i));
            d->workers.clear();
            return st;
        }
        d->workers.push_back(std::move(worker));
    }

    d->adminServer = std::make_unique<admin::AdminServer>(*d, *d->adminCredential, o.limits);
    admin::registerAuthAdminRoutes(*d->adminServer, *d->auth);
    if (d->logApi)
        d->logApi->registerRoutes(*d->adminServer);
    d->consoleApi = std::make_unique<admin::ConsoleApi>(*d, *d->promptBuilder, *d->config, *d->database);
    d->consoleApi->registerRoutes(*d->adminServer);
    auto adminPort = d->adminServer->listen(o.adminListen, d->auth->adminTls());
    if (!adminPort) {
        d->workers.clear();
        d->adminServer.reset();
        d->consoleApi.reset();
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
    d->consoleApi.reset();
    d->workers.clear();
    d->probes.reset();
    d->stopRequestLog();
    d->authenticator = nullptr;
    d->auth.reset();
    d->adminCredential.reset();
    d->store.reset();
    d->database.reset();
}

bool Gateway::isRunning() const { return d->running; }
ListenAddress Gateway::gatewayAddress() const { return d->gatewayAddress; }
ListenAddress Gateway::adminAddress() const { return d->adminAddress; }
int Gateway::workerCount() const { return int(d->workers.size()); }
QString Gateway::dataDir() const { return d->dataDir; }
QString Gateway::adminToken() const { return QString::fromUtf8(d->adminToken); }

void Gateway::reload()
{
    if (d->auth)
        d->auth->reload();
}

Status Gateway::reloadTls()
{
    if (!d->auth)
        return Error::make(QStringLiteral("not_running"), QStringLiteral("the gateway is not running"));
    return d->auth->reloadTls();
}

void Gateway::stopAccepting()
{
    for (const auto &worker : d->workers)
        worker->stopAccepting();
}

int Gateway::liveRequests() const
{
    int live = 0;
    for (const auto &worker : d->workers)
        live += worker->liveRequests();
    return live;
}

QList<QObject *> Gateway::workerContexts() const
{
    QList<QObject *> contexts;
    for (const auto &worker : d->workers)
        contexts.append(worker->context());
    return contexts;
}

quint64 Gateway::requestsServed() const
{
    return d->metrics ? d->metrics->requestsObserved() : 0;
}

auth::AuthModule *Gateway::auth() const
{
    return d->auth.get();
}

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
