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
        while (m_finalStart < m_text.size() && m_text.at(m_finalStart) == QLatin1Char(' '))
            ++m_finalStart;
        m_emitted = m_finalStart;
    }
    if (m_text.size() > m_emitted) {
        events.append(Event { Event::Type::FinalAnswerDelta, m_text.mid(m_emitted), {}, {}, {} });
        m_emitted = m_text.size();
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
    const auto match = action.match(m_text);
    if (match.hasMatch()) {
        return { Event { Event::Type::Action, {}, match.captured(u"tool"), match.captured(u"input"),
            match.captured(u"thought") } };
    }
    return { Event { Event::Type::Unknown, m_text.trimmed(), {}, {}, {} } };
}

} // namespace airlock::gitlab
