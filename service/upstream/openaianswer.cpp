#include "openaianswer.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace airlock::upstream {

namespace {

QString choiceText(const QJsonObject &choice)
{
    const QJsonValue message = choice.value(QLatin1String("message"));
    if (message.isObject())
        return message.toObject().value(QLatin1String("content")).toString();
    const QJsonValue delta = choice.value(QLatin1String("delta"));
    if (delta.isObject())
        return delta.toObject().value(QLatin1String("content")).toString();
    return choice.value(QLatin1String("text")).toString();
}

void readUsage(const QJsonObject &root, int *prompt, int *completion)
{
    const QJsonObject usage = root.value(QLatin1String("usage")).toObject();
    if (usage.isEmpty())
        return;
    *prompt = usage.value(QLatin1String("prompt_tokens")).toInt(-1);
    *completion = usage.value(QLatin1String("completion_tokens")).toInt(-1);
}

} // namespace

Result<OpenAiAnswer> parseOpenAiAnswer(QByteArrayView body)
{
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(body.toByteArray(), &error);
    const QJsonArray choices = doc.object().value(QLatin1String("choices")).toArray();
    if (error.error != QJsonParseError::NoError || !doc.isObject() || !doc.object().contains(QLatin1String("choices"))) {
        return Error::make(QStringLiteral("invalid_answer"),
                           QStringLiteral("the model server's answer is not an OpenAI completion"));
    }
    OpenAiAnswer answer;
    answer.texts.resize(choices.size());
    for (qsizetype i = 0; i < choices.size(); ++i) {
        const QJsonObject choice = choices.at(i).toObject();
        const int index = choice.value(QLatin1String("index")).toInt(int(i));
        if (index >= 0 && index < answer.texts.size())
            answer.texts[index] = choiceText(choice);
        if (index == 0)
            answer.finishReason = choice.value(QLatin1String("finish_reason")).toString();
    }
    readUsage(doc.object(), &answer.promptTokens, &answer.completionTokens);
    return answer;
}

void OpenAiStreamDecoder::feed(QByteArrayView bytes, const DeltaHandler &onDelta)
{
    m_buffer.append(bytes);
    qsizetype start = 0;
    while (true) {
        const qsizetype nl = m_buffer.indexOf('\n', start);
        if (nl < 0)
            break;
        QByteArrayView line(m_buffer.constData() + start, nl - start);
        start = nl + 1;
        if (line.endsWith('\r'))
            line.chop(1);
        if (line.isEmpty()) {
            if (!m_data.isEmpty()) {
                handleEvent(m_data, onDelta);
                m_data.clear();
            }
            continue;
        }
        if (line.startsWith("data:")) {
            QByteArrayView value = line.sliced(5);
            if (value.startsWith(' '))
                value = value.sliced(1);
            if (!m_data.isEmpty())
                m_data.append('\n');
            m_data.append(value);
        }
        // event:, id:, retry: and comments carry nothing we need.
    }
    m_buffer.remove(0, start);
}

void OpenAiStreamDecoder::handleEvent(QByteArrayView data, const DeltaHandler &onDelta)
{
    if (data == "[DONE]") {
        m_done = true;
        return;
    }
    const QJsonDocument doc = QJsonDocument::fromJson(data.toByteArray());
    const QJsonObject root = doc.object();
    if (root.contains(QLatin1String("error"))) {
        const QJsonValue e = root.value(QLatin1String("error"));
        m_error = e.isObject() ? e.toObject().value(QLatin1String("message")).toString() : e.toString();
        return;
    }
    readUsage(root, &m_promptTokens, &m_completionTokens);
    for (const QJsonValue &value : root.value(QLatin1String("choices")).toArray()) {
        const QJsonObject choice = value.toObject();
        if (choice.value(QLatin1String("index")).toInt(0) != 0)
            continue;
        const QString reason = choice.value(QLatin1String("finish_reason")).toString();
        if (!reason.isEmpty())
            m_finishReason = reason;
        const QString text = choiceText(choice);
        if (!text.isEmpty())
            onDelta(text);
    }
}

} // namespace airlock::upstream
