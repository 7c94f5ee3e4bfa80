#include "chathistory.h"

#include "storage/chathistorystore.h"
#include "storage/database.h"

#include <QDateTime>
#include <QLoggingCategory>
#include <QSocketNotifier>
#include <QThread>
#include <QTimer>

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <future>

Q_DECLARE_LOGGING_CATEGORY(lcLogging)

namespace airlock::logging {

namespace {

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

// A backend lives on the history's thread; every call arrives there.
class Backend : public QObject
{
public:
    explicit Backend(const ChatHistoryOptions &options)
        : m_options(options)
    {
    }
    virtual Status open() = 0;
    virtual void append(const QString &userId, const QList<ChatMessage> &messages) = 0;
    virtual void read(const QString &userId, ChatReadCallback reply) = 0;
    // Calls done once everything sent before is stored.
    virtual void sync(std::function<void()> done) = 0;
    // Releases the connection and timers on this thread; the object is deleted after its thread ended.
    virtual void shutdown() = 0;

protected:
    ChatHistoryOptions m_options;
};

// ---------------------------------------------------------------------------------------------
// Store backend

class SqlBackend : public Backend
{
public:
    using Backend::Backend;

    Status open() override
    {
        auto db = Database::open(m_options.dataDir);
        if (!db)
            return db.error();
        m_db = std::move(db).value();
        m_store = std::make_unique<storage::ChatHistoryStore>(*m_db);
        // Expired histories disappear even for users who never come back. (Created here, on the
        // history's thread, so the timer belongs to it.)
        m_purge = new QTimer(this);
        m_purge->setInterval(10 * 60 * 1000);
        QObject::connect(m_purge, &QTimer::timeout, this, [this] { purgeExpired(); });
        m_purge->start();
        return {};
    }

    void shutdown() override
    {
        delete m_purge;
        m_purge = nullptr;
        m_store.reset();
        m_db.reset();
    }

    void append(const QString &userId, const QList<ChatMessage> &messages) override
    {
        if (const Status st = m_store->append(userId, messages, m_options.maxMessages); !st)
            qCWarning(lcLogging).noquote() << "cannot store a chat message:" << st.error().message;
    }

    void read(const QString &userId, ChatReadCallback reply) override
    {
        // Expired: 3 days after the last message the whole history goes.
        reply(m_store->read(userId, nowMs() - m_options.ttlMs));
    }

    void sync(std::function<void()> done) override { done(); }

private:
    void purgeExpired()
    {
        if (const Status st = m_store->purgeExpired(nowMs() - m_options.ttlMs); !st)
            qCWarning(lcLogging).noquote() << "cannot purge expired chat histories:" << st.error().message;
    }

    std::unique_ptr<Database> m_db;
    std::unique_ptr<storage::ChatHistoryStore> m_store; // on m_db
    QTimer *m_purge = nullptr;
};

// ---------------------------------------------------------------------------------------------
// Redis backend: hiredis' asynchronous API on this thread's event loop.
//
// hiredis ships adapters/qt.h, but the Debian 12 version (0.14) connects QSocketNotifier's Qt 5
// signal `activated(int)` by name, which Qt 6 no longer has (it is activated(QSocketDescriptor,
// Type)): the connection fails at run time and nothing is ever read. This is the same adapter with
// Qt 6 signals.

class RedisEventAdapter
{
public:
    explicit RedisEventAdapter(redisAsyncContext *context)
        : m_context(context)
    {
        context->ev.data = this;
        context->ev.addRead = [](void *p) { static_cast<RedisEventAdapter *>(p)->enable(m_readSlot, QSocketNotifier::Read); };
        context->ev.delRead = [](void *p) { static_cast<RedisEventAdapter *>(p)->disable(m_readSlot); };
        context->ev.addWrite = [](void *p) { static_cast<RedisEventAdapter *>(p)->enable(m_writeSlot, QSocketNotifier::Write); };
        context->ev.delWrite = [](void *p) { static_cast<RedisEventAdapter *>(p)->disable(m_writeSlot); };
        context->ev.cleanup = [](void *p) { delete static_cast<RedisEventAdapter *>(p); };
    }
    ~RedisEventAdapter()
    {
        for (QSocketNotifier *n : m_notifiers) {
            if (n) {
                n->setEnabled(false);
                n->deleteLater(); // may be inside its own activated() signal
            }
        }
    }

private:
    static constexpr int m_readSlot = 0;
    static constexpr int m_writeSlot = 1;

    void enable(int slot, QSocketNotifier::Type type)
    {
        if (!m_notifiers[slot]) {
            m_notifiers[slot] = new QSocketNotifier(m_context->c.fd, type);
            redisAsyncContext *context = m_context;
            QObject::connect(m_notifiers[slot], &QSocketNotifier::activated, m_notifiers[slot], [context, slot] {
                if (slot == m_readSlot)
                    redisAsyncHandleRead(context);
                else
                    redisAsyncHandleWrite(context);
            });
        }
        m_notifiers[slot]->setEnabled(true);
    }
    void disable(int slot)
    {
        if (m_notifiers[slot])
            m_notifiers[slot]->setEnabled(false);
    }

    redisAsyncContext *m_context;
    QSocketNotifier *m_notifiers[2] = {nullptr, nullptr};
};

using ReplyHandler = std::function<void(redisReply *)>; // nullptr: no answer (connection gone)

class RedisBackend : public Backend
{
public:
    using Backend::Backend;
    ~RedisBackend() override { shutdown(); }

    void shutdown() override
    {
        if (m_context) {
            redisAsyncContext *context = std::exchange(m_context, nullptr);
            context->data = nullptr;
            redisAsyncFree(context); // runs pending callbacks with a null reply
        }
    }

    Status open() override
    {
        // Connecting is asynchronous; failures surface on the first command (and are retried then).
        connectIfNeeded();
        return {};
    }

    void append(const QString &userId, const QList<ChatMessage> &messages) override
    {
        const QByteArray key = keyFor(userId);
        for (const ChatMessage &m : messages) {
            command({"XADD", key, "MAXLEN", QByteArray::number(m_options.maxMessages), "*", "role", m.role.toUtf8(),
                     "content", m.content.toUtf8(), "ts", QByteArray::number(m.createdMs ? m.createdMs : nowMs())},
                    [](redisReply *reply) {
                        if (!reply || reply->type == REDIS_REPLY_ERROR)
                            qCWarning(lcLogging) << "cannot append to a chat history in Redis:"
                                                 << (reply ? reply->str : "no connection");
                    });
        }
        command({"PEXPIRE", key, QByteArray::number(m_options.ttlMs)}, {});
    }

    void read(const QString &userId, ChatReadCallback reply) override
    {
        auto answered = std::make_shared<bool>(false);
        auto finish = [answered, reply](Result<QList<ChatMessage>> result) {
            if (*answered)
                return;
            *answered = true;
            reply(std::move(result));
        };
        QTimer::singleShot(m_options.redisTimeoutMs, this, [finish] {
            finish(Error::make(QStringLiteral("chat_history_unavailable"), QStringLiteral("Redis did not answer in time")));
        });
        command({"XRANGE", keyFor(userId), "-", "+"}, [finish](redisReply *r) {
            if (!r || r->type == REDIS_REPLY_ERROR) {
                finish(Error::make(QStringLiteral("chat_history_unavailable"),
                                   QStringLiteral("Redis: %1").arg(r ? QString::fromUtf8(r->str) : QStringLiteral("no connection"))));
                return;
            }
            QList<ChatMessage> messages;
            for (size_t i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements; ++i) {
                const redisReply *entry = r->element[i];
                if (entry->type != REDIS_REPLY_ARRAY || entry->elements < 2)
                    continue;
                const redisReply *fields = entry->element[1];
                ChatMessage m;
                for (size_t f = 0; fields->type == REDIS_REPLY_ARRAY && f + 1 < fields->elements; f += 2) {
                    const QByteArray name(fields->element[f]->str, int(fields->element[f]->len));
                    const QByteArray value(fields->element[f + 1]->str, int(fields->element[f + 1]->len));
                    if (name == "role")
                        m.role = QString::fromUtf8(value);
                    else if (name == "content")
                        m.content = QString::fromUtf8(value);
                    else if (name == "ts")
                        m.createdMs = value.toLongLong();
                }
                messages.append(m);
            }
            finish(messages);
        });
    }

    void sync(std::function<void()> done) override
    {
        // Redis answers in order: PING's reply comes after every earlier command's.
        command({"PING"}, [done](redisReply *) { done(); });
    }

private:
    QByteArray keyFor(const QString &userId) const { return (m_options.redisKeyPrefix + userId).toUtf8(); }

    bool connectIfNeeded()
    {
        if (m_context)
            return true;
        redisAsyncContext *context = redisAsyncConnect(m_options.redisHost.toUtf8().constData(), m_options.redisPort);
        if (!context)
            return false;
        if (context->err) {
            qCWarning(lcLogging) << "cannot connect to Redis at" << m_options.redisHost << m_options.redisPort << ":"
                                 << context->errstr;
            redisAsyncFree(context);
            return false;
        }
        context->data = this;
        new RedisEventAdapter(context); // owned by the context (freed by its cleanup hook)
        redisAsyncSetConnectCallback(context, [](const redisAsyncContext *c, int status) {
            if (status == REDIS_OK)
                return;
            qCWarning(lcLogging) << "cannot connect to Redis:" << c->errstr;
            // hiredis frees a context that failed to connect without calling the disconnect callback.
            if (auto *self = static_cast<RedisBackend *>(c->data))
                self->m_context = nullptr;
        });
        redisAsyncSetDisconnectCallback(context, [](const redisAsyncContext *c, int) {
            // hiredis frees the context after this returns; forget it so the next command reconnects.
            if (auto *self = static_cast<RedisBackend *>(c->data))
                self->m_context = nullptr;
        });
        m_context = context;
        if (!m_options.redisPassword.isEmpty())
            command({"AUTH", m_options.redisPassword.toUtf8()}, [](redisReply *r) {
                if (!r || r->type == REDIS_REPLY_ERROR)
                    qCWarning(lcLogging) << "Redis refused the configured password";
            });
        return true;
    }

    void command(const QList<QByteArray> &args, ReplyHandler handler)
    {
        if (!connectIfNeeded()) {
            if (handler)
                handler(nullptr);
            return;
        }
        std::vector<const char *> argv;
        std::vector<size_t> lengths;
        for (const QByteArray &a : args) {
            argv.push_back(a.constData());
            lengths.push_back(size_t(a.size()));
        }
        auto *privdata = handler ? new ReplyHandler(std::move(handler)) : nullptr;
        const int rc = redisAsyncCommandArgv(
            m_context,
            [](redisAsyncContext *, void *reply, void *data) {
                if (!data)
                    return;
                auto *h = static_cast<ReplyHandler *>(data);
                (*h)(static_cast<redisReply *>(reply));
                delete h;
            },
            privdata, int(argv.size()), argv.data(), lengths.data());
        if (rc != REDIS_OK && privdata) {
            (*privdata)(nullptr);
            delete privdata;
        }
    }

    redisAsyncContext *m_context = nullptr;
};

// ---------------------------------------------------------------------------------------------

class ThreadedChatHistory : public ChatHistory
{
public:
    explicit ThreadedChatHistory(const ChatHistoryOptions &options)
        : m_options(options)
    {
        m_thread.setObjectName(QStringLiteral("airlock-chat-history"));
    }

    ~ThreadedChatHistory() override
    {
        if (!m_thread.isRunning())
            return;
        sync();
        stopThread();
    }

    Status start() override
    {
        if (m_options.redisHost.isEmpty())
            m_backend = new SqlBackend(m_options);
        else
            m_backend = new RedisBackend(m_options);
        m_backend->moveToThread(&m_thread);
        m_thread.start();
        Status status;
        QMetaObject::invokeMethod(m_backend, [&] { status = m_backend->open(); }, Qt::BlockingQueuedConnection);
        if (!status)
            stopThread();
        return status;
    }

    QString backendName() const override
    {
        return m_options.redisHost.isEmpty() ? QStringLiteral("store") : QStringLiteral("redis");
    }

    void append(const QString &userId, QList<ChatMessage> messages) override
    {
        if (userId.isEmpty() || messages.isEmpty() || !m_backend)
            return;
        QMetaObject::invokeMethod(m_backend, [backend = m_backend, userId, messages = std::move(messages)] {
            backend->append(userId, messages);
        });
    }

    void read(const QString &userId, QObject *context, ChatReadCallback done) override
    {
        // The answer goes back through a queued connection to `context`, made here on the caller's thread
        // while `context` surely lives: Qt drops the call if `context` is destroyed first. (A QPointer
        // tested on the history thread could not: `context` may die between the test and the post.)
        auto answer = std::make_shared<Result<QList<ChatMessage>>>(
            Error::make(QStringLiteral("chat_history_unavailable"), QStringLiteral("chat history is not running")));
        auto *courier = new QObject; // its destruction carries the answer
        QObject::connect(courier, &QObject::destroyed, context, [answer, done = std::move(done)] { done(*answer); },
                         Qt::QueuedConnection);
        if (!m_backend) {
            delete courier;
            return;
        }
        courier->moveToThread(&m_thread);
        QMetaObject::invokeMethod(m_backend, [backend = m_backend, userId, answer, courier] {
            backend->read(userId, [answer, courier](Result<QList<ChatMessage>> result) {
                *answer = std::move(result);
                delete courier;
            });
        });
    }

    void sync() override
    {
        if (!m_backend)
            return;
        auto promise = std::make_shared<std::promise<void>>();
        auto future = promise->get_future();
        QMetaObject::invokeMethod(m_backend, [backend = m_backend, promise] {
            backend->sync([promise] { promise->set_value(); });
        });
        future.wait();
    }

private:
    void stopThread()
    {
        // Connections and timers are released on their thread; the object itself once the thread is
        // gone (nothing can be pending for it then).
        QMetaObject::invokeMethod(m_backend, [backend = m_backend] { backend->shutdown(); }, Qt::BlockingQueuedConnection);
        m_thread.quit();
        m_thread.wait();
        delete m_backend;
        m_backend = nullptr;
    }

    ChatHistoryOptions m_options;
    QThread m_thread;
    Backend *m_backend = nullptr; // lives on m_thread
};

} // namespace

std::unique_ptr<ChatHistory> ChatHistory::create(const ChatHistoryOptions &options)
{
    return std::make_unique<ThreadedChatHistory>(options);
}

} // namespace airlock::logging
