#include "fencefilter.h"

#include <algorithm>

namespace airlock::gitlab {

QString FenceFilter::feed(const QString &text)
{
    m_pending += text;
    if (!m_headDone) {
        const qsizetype nl = m_pending.indexOf(QLatin1Char('\n'));
        const QString trimmed = m_pending.trimmed();
        if (nl < 0 && (trimmed.isEmpty() || QStringLiteral("```").startsWith(trimmed.left(3)))
            && m_pending.size() < 64)
            return {};
        m_headDone = true;
        if (m_pending.trimmed().startsWith(QLatin1String("```")) && nl >= 0)
            m_pending = m_pending.mid(nl + 1);
    }
    // Keep the last few characters: they may be the start of a closing fence.
    const qsizetype keep = std::min<qsizetype>(m_pending.size(), 5);
    const QString out = m_pending.left(m_pending.size() - keep);
    m_pending = m_pending.right(keep);
    return out;
}

QString FenceFilter::finish()
{
    QString rest = m_pending;
    m_pending.clear();
    if (!m_headDone && rest.trimmed().startsWith(QLatin1String("```"))) {
        const qsizetype nl = rest.indexOf(QLatin1Char('\n'));
        rest = nl < 0 ? QString() : rest.mid(nl + 1);
    }
    QString trimmed = rest;
    while (trimmed.endsWith(QLatin1Char('\n')) || trimmed.endsWith(QLatin1Char(' ')))
        trimmed.chop(1);
    if (trimmed.endsWith(QLatin1String("```")))
        rest = trimmed.left(trimmed.size() - 3);
    return rest;
}

} // namespace airlock::gitlab
