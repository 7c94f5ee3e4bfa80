#include "prerequisite.h"

#include <QtCore/QByteArray>
#include <QtTest/QTest>

namespace airlock::test {

bool runningInCi()
{
    const QByteArray ci = qgetenv("CI").trimmed().toLower();
    return ci == "true" || ci == "1";
}

bool requirePrerequisite(bool ok, const char *what, const char *file, int line)
{
    if (ok)
        return true;
    const QByteArray message = QByteArray("prerequisite missing: ") + what;
    if (runningInCi())
        QTest::qFail(QByteArray(message + " (CI=true: a missing prerequisite fails the test)").constData(),
            file, line);
    else
        QTest::qSkip(message.constData(), file, line);
    return false;
}

} // namespace airlock::test
