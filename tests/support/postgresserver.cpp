#include "postgresserver.h"

#include "ports.h"

#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QFileInfo>
#include <QtCore/QProcess>

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

namespace airlock::test {

namespace {

const char *const kPostgresBin = "/usr/lib/postgresql/15/bin";

bool runningAsRoot()
{
    return ::geteuid() == 0;
}

} // namespace

PostgresServer::PostgresServer() = default;

PostgresServer::~PostgresServer()
{
    stop();
}

QString PostgresServer::binDir()
{
    const QString dir = QString::fromLatin1(kPostgresBin);
    const bool present = QFileInfo(dir + QStringLiteral("/initdb")).isExecutable()
        && QFileInfo(dir + QStringLiteral("/pg_ctl")).isExecutable()
        && QFileInfo(dir + QStringLiteral("/postgres")).isExecutable();
    return present ? dir : QString();
}

QString PostgresServer::socketDir() const
{
    return m_dir.filePath(QStringLiteral("socket"));
}

QString PostgresServer::log() const
{
    QFile f(m_dir.filePath(QStringLiteral("server.log")));
    return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()) : QString();
}

int PostgresServer::runTool(const QString &tool, const QStringList &args, QString *out, int timeoutMs) const
{
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    const QString program = binDir() + QLatin1Char('/') + tool;
    if (runningAsRoot())
        p.start(QStringLiteral("runuser"),
            QStringList { QStringLiteral("-u"), QStringLiteral("postgres"), QStringLiteral("--"), program }
                + args);
    else
        p.start(program, args);
    const bool finished = p.waitForFinished(timeoutMs);
    if (!finished) {
        p.kill();
        p.waitForFinished();
    }
    if (out)
        *out = QString::fromUtf8(p.readAll()) + (finished ? QString() : QStringLiteral(" (timed out)"));
    return finished && p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
}

bool PostgresServer::start(int attempts)
{
    m_error.clear();
    if (binDir().isEmpty()) {
        m_error = QStringLiteral("PostgreSQL 15 is not installed (%1/initdb; package postgresql-15)")
                      .arg(QString::fromLatin1(kPostgresBin));
        return false;
    }
    if (!m_dir.isValid()) {
        m_error = QStringLiteral("no temporary directory for PostgreSQL");
        return false;
    }
    const QString data = m_dir.filePath(QStringLiteral("data"));
    if (!m_initialised) {
        if (!QDir().mkpath(socketDir())) {
            m_error = QStringLiteral("cannot create ") + socketDir();
            return false;
        }
        if (runningAsRoot()) {
            // The server runs as "postgres": it owns the directory (QTemporaryDir made it 0700 for root).
            const passwd *pw = ::getpwnam("postgres");
            if (!pw) {
                m_error = QStringLiteral(
                    "running as root and there is no \"postgres\" user to run PostgreSQL as");
                return false;
            }
            for (const QString &path : { m_dir.path(), socketDir() }) {
                if (::chown(QFile::encodeName(path).constData(), pw->pw_uid, pw->pw_gid) != 0) {
                    m_error = QStringLiteral("cannot hand %1 to the postgres user").arg(path);
                    return false;
                }
            }
        }
        QString out;
        if (runTool(QStringLiteral("initdb"),
                { QStringLiteral("-D"), data, QStringLiteral("-U"), user(), QStringLiteral("--auth=trust"),
                    QStringLiteral("--encoding=UTF8"), QStringLiteral("--locale=C"),
                    QStringLiteral("--no-sync") },
                &out)
            != 0) {
            m_error = QStringLiteral("initdb failed: ") + out;
            return false;
        }
        m_initialised = true;
    }
    const QString logFile = m_dir.filePath(QStringLiteral("server.log"));
    for (int attempt = 1; attempt <= attempts; ++attempt) {
        const quint16 port = candidatePort();
        QFile::remove(logFile);
        const QString serverOptions = QStringLiteral("-c listen_addresses=127.0.0.1 -p %1 -k %2 -c fsync=off "
                                                     "-c full_page_writes=off -c synchronous_commit=off")
                                          .arg(port)
                                          .arg(socketDir());
        QString out;
        const int rc = runTool(QStringLiteral("pg_ctl"),
            { QStringLiteral("-D"), data, QStringLiteral("-l"), logFile, QStringLiteral("-o"), serverOptions,
                QStringLiteral("-w"), QStringLiteral("-t"), QStringLiteral("120"), QStringLiteral("start") },
            &out);
        if (rc == 0) {
            m_port = port;
            m_running = true;
            return true;
        }
        const QString serverLog = log();
        if (!serverLog.contains(QLatin1String("Address already in use"))) {
            m_error = QStringLiteral("pg_ctl start failed: ") + out + QLatin1Char('\n') + serverLog;
            runTool(QStringLiteral("pg_ctl"),
                { QStringLiteral("-D"), data, QStringLiteral("-m"), QStringLiteral("immediate"),
                    QStringLiteral("stop") },
                nullptr);
            return false;
        }
        // Another process took the port between the probe and the server's bind: a new candidate.
    }
    m_error = QStringLiteral("PostgreSQL found no free port in %1 attempts").arg(attempts);
    return false;
}

void PostgresServer::stop()
{
    if (!m_running)
        return;
    m_running = false;
    runTool(QStringLiteral("pg_ctl"),
        { QStringLiteral("-D"), m_dir.filePath(QStringLiteral("data")), QStringLiteral("-m"),
            QStringLiteral("fast"), QStringLiteral("-w"), QStringLiteral("stop") },
        nullptr);
}

} // namespace airlock::test
