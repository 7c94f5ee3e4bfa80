#pragma once

// Chat histories in the store: table chat_messages (resources/sql/0004_request_log.sql), one row per message, per user.
//
// Contract
// - ChatHistoryStore does not own the Database; the Database must outlive it, and the thread rule of
//   Database applies (use both from the thread that opened the Database).
// - append() writes the messages in order and then keeps only the user's newest `maxMessages`, all in
//   one transaction. A message whose createdMs is 0 is stamped with the current time.
// - A history expires as a whole: when its newest message is older than the cutoff the caller passes,
//   read() deletes it and answers an empty list, and purgeExpired() deletes every such history.
// - Errors are the Database's ("database_error", with the driver's text).

#include "result.h"

#include <QList>
#include <QString>

namespace airlock {
class Database;
}

namespace airlock::storage {

struct ChatMessage
{
    QString role;      // "user" or "assistant"
    QString content;
    qint64 createdMs = 0;
    bool operator==(const ChatMessage &) const = default;
};

class ChatHistoryStore
{
public:
    explicit ChatHistoryStore(Database &database)
        : m_db(database)
    {
    }

    // Appends `messages` to userId's history and trims it to the newest `maxMessages`.
    Status append(const QString &userId, const QList<ChatMessage> &messages, int maxMessages);
    // userId's history, oldest first; empty (and deleted) when its newest message is older than
    // `expiredBeforeMs` (milliseconds since the epoch).
    Result<QList<ChatMessage>> read(const QString &userId, qint64 expiredBeforeMs);
    // Deletes every history whose newest message is older than `expiredBeforeMs`.
    Status purgeExpired(qint64 expiredBeforeMs);

private:
    Database &m_db;
};

} // namespace airlock::storage
