#include "reactparser.h"

#include <QRegularExpression>

namespace airlock::gitlab {

QList<ReActParser::Event> ReActParser::feed(const QString &text)
{
    m_text += text;
    QList<Event> events;
    if (!m_final) {
        static const QString marker = QStringLiteral("Final Answer:");
        const qsizetype at = m_text.indexOf(marker);
        if (at < 0)
            return events;
        m_final = true;
        m_finalStart = at + marker.size();
        m_emitted = m_finalStart;
    }
    // Spaces after the marker are not the answer's, also when they arrive in a later chunk.
    if (m_emitted == m_finalStart) {
        while (m_emitted < m_text.size() && m_text.at(m_emitted) == QLatin1Char(' '))
            ++m_emitted;
        m_finalStart = m_emitted;
    }
    // Trailing whitespace waits for more text: the answer's own end is stripped, as GitLab's parser does.
    qsizetype end = m_text.size();
    while (end > m_emitted && m_text.at(end - 1).isSpace())
        --end;
    if (end > m_emitted) {
        events.append(Event { Event::Type::FinalAnswerDelta, m_text.mid(m_emitted, end - m_emitted), {}, {}, {} });
        m_emitted = end;
    }
    return events;
}

QList<ReActParser::Event> ReActParser::finish()
{
    if (m_final)
        return {};
    // clang-format off
    static const QRegularExpression action(
        QStringLiteral("(?:Thought:\\s*(?<thought>.*?)\\s*)?Action:\\s*(?<tool>[^\\n]+?)\\s*\\n+\\s*Action Input:\\s*(?<input>.*?)\\s*$"),
        QRegularExpression::DotMatchesEverythingOption);
    // clang-format on
    // The model continues after "Thought:" (the prompt's format), so its text may start with the thought
    // itself, as GitLab's parser assumes.
    const QString text = m_text.trimmed().startsWith(QLatin1String("Thought:")) ? m_text
                                                                                 : QStringLiteral("Thought: ") + m_text;
    const auto match = action.match(text);
    if (match.hasMatch()) {
        return { Event { Event::Type::Action, {}, match.captured(u"tool"), match.captured(u"input"),
            match.captured(u"thought") } };
    }
    return { Event { Event::Type::Unknown, m_text.trimmed(), {}, {}, {} } };
}

} // namespace airlock::gitlab
