#include "chatcapture.h"

#include "auth/authenticator.h"
#include "auth/jwt.h"

#include <QJsonObject>

namespace airlock::dialects {

using upstream::parseOpenAiAnswer;
QString chatHistoryOwner(const Principal &p)
{
    if (p.anonymous || p.subject.isEmpty())
        return {};
    const bool selfIssued = p.issuer == auth::kSelfIssuer;
    const bool gitlabToken = !selfIssued || !p.realm.isEmpty() || !p.instanceId.isEmpty();
    if (!gitlabToken)
        return QStringLiteral("airlock:") + p.subject;
    // A GitLab instance token's sub is the instance; a user access token's sub is the global user id.
    const QString instance = !p.instanceId.isEmpty() ? p.instanceId : selfIssued ? QString() : p.subject;
    const QString user = selfIssued ? p.subject : p.globalUserId;
    if (instance.isEmpty() || user.isEmpty())
        return {};
    return QStringLiteral("gitlab:") + instance + QLatin1Char(':') + user;
}

void beginChatCapture(RequestRecord &record, const QString &owner, const QString &question)
{
    if (owner.isEmpty())
        return;
    record.chatUserId = owner;
    qsizetype take = qMin(kMaxChatTextChars, question.size());
    if (take < question.size() && take > 0 && question.at(take - 1).isHighSurrogate())
        --take;
    record.chatQuestion = question.left(take);
    record.chatAnswer.clear();
}

QString lastUserMessage(const QJsonArray &messages)
{
    for (qsizetype i = messages.size() - 1; i >= 0; --i) {
        const QJsonObject m = messages.at(i).toObject();
        if (m.value(QLatin1String("role")).toString() != QLatin1String("user"))
            continue;
        const QJsonValue content = m.value(QLatin1String("content"));
        if (content.isString())
            return content.toString();
        QString text;
        for (const QJsonValue &part : content.toArray()) {
            const QJsonObject o = part.toObject();
            if (o.value(QLatin1String("type")).toString() == QLatin1String("text")) {
                if (!text.isEmpty())
                    text += QLatin1Char('\n');
                text += o.value(QLatin1String("text")).toString();
            }
        }
        return text;
    }
    return {};
}

void OpenAiAnswerCapture::streamed(RequestRecord &record, QByteArrayView eventStreamBytes)
{
    if (record.chatUserId.isEmpty() || record.chatAnswer.size() >= kMaxChatTextChars)
        return;
    m_decoder.feed(eventStreamBytes, [&record](const QString &text) { captureChatAnswer(record, text); });
}

void OpenAiAnswerCapture::whole(RequestRecord &record, QByteArrayView body)
{
    if (record.chatUserId.isEmpty())
        return;
    auto answer = parseOpenAiAnswer(body);
    if (answer)
        captureChatAnswer(record, answer->texts.value(0));
}

} // namespace airlock::dialects
