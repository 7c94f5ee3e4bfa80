#include "chathistorystore.h"

#include "database.h"

#include <QDateTime>

namespace airlock::storage {

Status ChatHistoryStore::append(const QString &userId, const QList<ChatMessage> &messages, int maxMessages)
{
    return m_db.transaction([&]() -> Status {
        for (const ChatMessage &m : messages) {
            if (auto s = m_db.exec(QStringLiteral("INSERT INTO chat_messages (user_id, role, content, created_ms) "
                                                  "VALUES (?, ?, ?, ?)"),
                                   {userId, m.role, m.content,
                                    m.createdMs ? m.createdMs : QDateTime::currentMSecsSinceEpoch()});
                !s)
                return s;
        }
        return m_db.exec(QStringLiteral("DELETE FROM chat_messages WHERE user_id = ? AND id NOT IN (SELECT id FROM "
                                        "chat_messages WHERE user_id = ? ORDER BY id DESC LIMIT ?)"),
                         {userId, userId, maxMessages});
    });
}

Result<QList<ChatMessage>> ChatHistoryStore::read(const QString &userId, qint64 expiredBeforeMs)
{
    auto q = m_db.run(QStringLiteral("SELECT role, content, created_ms FROM chat_messages WHERE user_id = ? "
                                     "ORDER BY id"),
                      {userId});
    if (!q)
        return q.error();
    QList<ChatMessage> messages;
    while (q->next())
        messages.append({q->value(0).toString(), q->value(1).toString(), q->value(2).toLongLong()});
    q->finish();
    if (!messages.isEmpty() && messages.constLast().createdMs < expiredBeforeMs) {
        (void)m_db.exec(QStringLiteral("DELETE FROM chat_messages WHERE user_id = ?"), {userId});
        messages.clear();
    }
    return messages;
}

Status ChatHistoryStore::purgeExpired(qint64 expiredBeforeMs)
{
    return m_db.exec(QStringLiteral("DELETE FROM chat_messages WHERE user_id IN (SELECT user_id FROM "
                                    "chat_messages GROUP BY user_id HAVING MAX(created_ms) < ?)"),
                     {expiredBeforeMs});
}

} // namespace airlock::storage
