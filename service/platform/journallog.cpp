#include "journallog.h"

#include <QString>
#include <QtGlobal>

namespace airlock {

bool useJournalPriorities()
{
    if (!qEnvironmentVariableIsSet("JOURNAL_STREAM") || qEnvironmentVariableIsSet("QT_MESSAGE_PATTERN"))
        return false;
    qSetMessagePattern(QStringLiteral("%{if-debug}<7>%{endif}%{if-info}<6>%{endif}%{if-warning}<4>%{endif}"
                                      "%{if-critical}<3>%{endif}%{if-fatal}<2>%{endif}%{if-category}%{category}: %{endif}%{message}"));
    return true;
}

} // namespace airlock
