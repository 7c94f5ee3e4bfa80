#include "clioutput.h"

#include <QTextStream>

namespace airlock::cli {

int fail(const QString &message)
{
    QTextStream(stderr) << "airlockd: " << message << '\n';
    return 2;
}

} // namespace airlock::cli
