#pragma once

// Feeding the per-user chat history (logging/chathistory.h) from the chat endpoints: GitLab's
// /v1/chat/{invokable} and /v2/chat/agent, and OpenAI /v1/chat/completions when the routed feature is a
// chat feature (features.json "chat": true). The dialect sets RequestRecord::chatUserId and
// chatQuestion once it hands the request upstream, and appends the answer text as its client receives
// it (text content, not the SSE/NDJSON framing); the request log's writer thread appends both to the
// history. Failed or aborted answers keep the question and whatever answer text was sent.
//
// Cost: nothing for requests that are not chat features or have no authenticated user (one empty-string
// test per answer chunk); otherwise a copy of the answer text, at most kMaxChatTextChars.

#include "requestrecord.h"
#include "upstream/openaianswer.h"

#include <QJsonArray>
#include <QString>

namespace airlock {
struct Principal;
}

namespace airlock::dialects {

// Whose history a request of `principal` belongs to, from what authentication verified only (never a
// header the token does not vouch for); empty when the request identifies no user (auth disabled, a
// GitLab instance token without X-Gitlab-Global-User-Id). Keys, distinct per kind of identity:
//   "airlock:<sub>"                     Airlock client tokens (airlockd token issue)
//   "gitlab:<instance>:<global user>"   GitLab: an instance token with X-Gitlab-Global-User-Id (the
//                                       instance vouches for its users), or a user access token this
//                                       gateway issued (sub = the global user id) - the same key for both
QString chatHistoryOwner(const Principal &principal);

// Starts a chat turn on `record` (question cut at kMaxChatTextChars); nothing when `owner` is empty.
void beginChatCapture(RequestRecord &record, const QString &owner, const QString &question);

// Appends answer text as sent to the client, when a chat turn was started; bounded.
inline void captureChatAnswer(RequestRecord &record, QStringView text)
{
    if (record.chatUserId.isEmpty() || text.isEmpty() || record.chatAnswer.size() >= kMaxChatTextChars)
        return;
    qsizetype take = qMin(kMaxChatTextChars - record.chatAnswer.size(), text.size());
    if (take < text.size() && take > 0 && text.at(take - 1).isHighSurrogate())
        --take; // never split a surrogate pair
    record.chatAnswer.append(text.first(take));
}

// The text of the last message with role "user" in an OpenAI `messages` list (content as a string, or
// as parts [{"type":"text","text":...}]); empty when there is none.
QString lastUserMessage(const QJsonArray &messages);

// The answer text of an OpenAI answer relayed as it is (a passed-through event stream or JSON body).
class OpenAiAnswerCapture
{
public:
    void streamed(RequestRecord &record, QByteArrayView eventStreamBytes);
    void whole(RequestRecord &record, QByteArrayView body);

private:
    upstream::OpenAiStreamDecoder m_decoder;
};

} // namespace airlock::dialects
