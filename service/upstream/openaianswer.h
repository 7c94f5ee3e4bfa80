#pragma once

// Reading a model server's OpenAI-style answer when a dialect must reshape it (the GitLab API): whole
// answers (chat `message.content` or completions `text`), and streamed answers (Server-Sent Events with
// `choices[].delta.content` or `choices[].text`), decoded incrementally as bytes arrive.

#include "result.h"

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <functional>

namespace airlock::upstream {

struct OpenAiAnswer
{
    QStringList texts;       // one per choice, in index order
    QString finishReason;    // of the first choice
    int promptTokens = -1;   // from `usage`, when present
    int completionTokens = -1;
};

// Error code "invalid_answer" when the body is not an OpenAI answer.
Result<OpenAiAnswer> parseOpenAiAnswer(QByteArrayView body);

class OpenAiStreamDecoder
{
public:
    using DeltaHandler = std::function<void(const QString &text)>;

    // Feeds raw event-stream bytes; calls onDelta for each non-empty text delta of choice 0.
    void feed(QByteArrayView bytes, const DeltaHandler &onDelta);
    bool sawDone() const { return m_done; }
    const QString &finishReason() const { return m_finishReason; }
    int promptTokens() const { return m_promptTokens; }
    int completionTokens() const { return m_completionTokens; }
    // An `error` object the server sent inside the stream, if any.
    const QString &streamError() const { return m_error; }

private:
    void handleEvent(QByteArrayView data, const DeltaHandler &onDelta);

    QByteArray m_buffer;
    QByteArray m_data; // data lines of the current event
    QString m_finishReason;
    QString m_error;
    int m_promptTokens = -1;
    int m_completionTokens = -1;
    bool m_done = false;
};

} // namespace airlock::upstream
