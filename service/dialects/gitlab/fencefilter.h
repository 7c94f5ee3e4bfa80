#pragma once

// The code of a streamed code generation, for the suggestion relay: drops a leading ``` fence line and
// a trailing ``` fence, holding back just enough characters to recognise them.

#include <QString>

namespace airlock::gitlab {

class FenceFilter {
public:
    // Feeds model text; returns the text that can be passed on now.
    QString feed(const QString &text);
    // The model finished: returns the rest, without a closing fence.
    QString finish();

private:
    QString m_pending;
    bool m_headDone = false;
};

} // namespace airlock::gitlab
