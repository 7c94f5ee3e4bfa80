#include "datadir.h"

#include <QDir>
#include <QFileInfo>
#include <QStandardPaths>

#ifndef Q_OS_WIN
#include <unistd.h>
#endif

namespace airlock {

DataDirContext DataDirContext::fromEnvironment()
{
    DataDirContext c;
    c.stateDirectory = qEnvironmentVariable("STATE_DIRECTORY");
    c.systemdService = !qEnvironmentVariableIsEmpty("INVOCATION_ID");
    c.airlockService = qEnvironmentVariable("AIRLOCK_SERVICE") == QLatin1String("1");
#ifndef Q_OS_WIN
    c.root = ::geteuid() == 0;
#endif
    c.userDataLocation = QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation);
    return c;
}

QString chooseDataDir(const DataDirContext &c)
{
    if (!c.stateDirectory.isEmpty()) {
        // StateDirectory=a b gives "/var/lib/a:/var/lib/b"; the first one is ours.
        const QString first = c.stateDirectory.section(QLatin1Char(':'), 0, 0);
        if (!first.isEmpty())
            return QDir::cleanPath(first);
    }
    if (c.airlockService || (c.systemdService && c.root)) {
#ifdef Q_OS_WIN
        QString programData = qEnvironmentVariable("ProgramData");
        if (programData.isEmpty())
            programData = QStringLiteral("C:/ProgramData");
        return QDir::cleanPath(QDir::fromNativeSeparators(programData) + QStringLiteral("/Airlock"));
#else
        return QStringLiteral("/var/lib/airlock");
#endif
    }
    QString base = c.userDataLocation;
    if (base.isEmpty()) // no HOME at all: keep the state next to the working directory rather than in "/"
        base = QDir::currentPath();
    return QDir::cleanPath(base + QStringLiteral("/airlock"));
}

QString defaultDataDir()
{
    return chooseDataDir(DataDirContext::fromEnvironment());
}

Status ensurePrivateDir(const QString &path)
{
    if (path.isEmpty())
        return Error::make(
            QStringLiteral("invalid_value"), QStringLiteral("the data directory path is empty"));
    const QFileInfo info(path);
    if (info.exists() || info.isSymLink()) {
        if (!info.isDir()) {
            return Error::make(QStringLiteral("not_a_directory"),
                QStringLiteral("%1 exists and is not a directory").arg(path));
        }
        return {};
    }
    const QString absolute = info.absoluteFilePath();
    if (!QDir().mkpath(info.absolutePath())) {
        return Error::make(QStringLiteral("io_error"),
            QStringLiteral("cannot create the parent directories of %1").arg(path));
    }
    // mkdir with the mode given, not chmod afterwards: no moment where the directory is world-readable.
    if (!QDir().mkdir(absolute, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner)
        && !QFileInfo(absolute).isDir()) {
        return Error::make(
            QStringLiteral("io_error"), QStringLiteral("cannot create the directory %1").arg(path));
    }
    return {};
}

} // namespace airlock
