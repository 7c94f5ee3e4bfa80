#pragma once

// The ReAct answer format of Duo Chat's agent (/v2/chat/agent), for its relay.

#include <QList>
#include <QString>

namespace airlock::gitlab {

// Incremental parser of a ReAct answer ("Thought: ... Action: ... Action Input: ..." or
// "... Final Answer: ..."), emitting GitLab's agent events as the text streams in.
class ReActParser {
public:
    struct Event {
        enum class Type { Action, FinalAnswerDelta, Unknown };
        Type type;
        QString text; // final_answer_delta / unknown
        QString tool; // action
        QString toolInput; // action
        QString thought; // action
    };
    // Feeds model text; returns the events that can be emitted now.
    QList<Event> feed(const QString &text);
    // The model finished: returns the last events (an action, or unknown text when no format matched).
    QList<Event> finish();

private:
    QString m_text;
    qsizetype m_emitted = 0; // of the final answer, characters already emitted
    bool m_final = false;
    qsizetype m_finalStart = -1;
};

} // namespace airlock::gitlab
