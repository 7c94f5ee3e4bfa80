#pragma once

// Chat history per user: the last 50 messages (questions and answers), kept until 3 days after the
// user's last message, readable only by that user (callers pass the authenticated subject; there is
// no "read another user's history" call).
//
// Backends: the store (SQLite table chat_messages through storage::ChatHistoryStore, the default) or Redis (a capped stream per user,
// `airlock:chat:<user>`, XADD MAXLEN 50 + EXPIRE 3 days on every append, the shape GitLab itself
// uses Redis for). Either runs on its own thread with an event loop; append() and read() are
// thread-safe and never block the caller: read() answers on the caller's `context` thread.
//
// Lifecycle: ChatHistory::create(...) -> start() -> use -> destroy (pending appends are finished).

#include "result.h"
#include "storage/chathistorystore.h"

#include <QList>
#include <QObject>
#include <QString>

#include <functional>
#include <memory>

namespace airlock::logging {

using storage::ChatMessage; // role, content, createdMs (storage/chathistorystore.h)

struct ChatHistoryOptions
{
    int maxMessages = 50;
    qint64 ttlMs = 3LL * 24 * 3600 * 1000;
    // Store backend
    QString dataDir;
    // Redis backend (used when redisHost is not empty)
    QString redisHost;
    quint16 redisPort = 6379;
    QString redisPassword;     // AUTH when set; never logged
    QString redisKeyPrefix = QStringLiteral("airlock:chat:");
    int redisTimeoutMs = 2000; // a read that gets no answer fails after this
};

using ChatReadCallback = std::function<void(Result<QList<ChatMessage>>)>;

class ChatHistory
{
public:
    virtual ~ChatHistory() = default;
    static std::unique_ptr<ChatHistory> create(const ChatHistoryOptions &options);

    virtual Status start() = 0;
    virtual QString backendName() const = 0;
    // Appends messages to userId's history (queued; any thread).
    virtual void append(const QString &userId, QList<ChatMessage> messages) = 0;
    // Reads userId's history, oldest first; `done` runs on `context`'s thread (not if context is gone).
    virtual void read(const QString &userId, QObject *context, ChatReadCallback done) = 0;
    // Blocks until every append queued before the call is stored (tests, shutdown).
    virtual void sync() = 0;
};

} // namespace airlock::logging
