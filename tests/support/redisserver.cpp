#include "redisserver.h"

#include "ports.h"
#include "testtiming.h"

#include <QtCore/QFileInfo>
#include <QtCore/QStandardPaths>
#include <QtNetwork/QTcpSocket>

namespace airlock::test {

RedisServer::RedisServer() = default;

RedisServer::~RedisServer()
{
    stop();
}

QString RedisServer::executable()
{
    const QString name = QStringLiteral("redis-server");
    QString path = QStandardPaths::findExecutable(name);
    if (path.isEmpty())
        path = QStandardPaths::findExecutable(
            name, { QStringLiteral("/usr/bin"), QStringLiteral("/usr/sbin") });
    return path;
}

bool RedisServer::start(quint16 firstPort, int attempts)
{
    m_error.clear();
    const QString program = executable();
    if (program.isEmpty()) {
        m_error = QStringLiteral("redis-server is not installed (package redis-server)");
        return false;
    }
    if (!m_dir.isValid()) {
        m_error = QStringLiteral("no temporary directory for redis-server");
        return false;
    }
    for (m_attempts = 1; m_attempts <= attempts; ++m_attempts) {
        const quint16 port = m_attempts == 1 && firstPort ? firstPort : candidatePort();
        m_process = std::make_unique<QProcess>();
        m_process->setProcessChannelMode(QProcess::MergedChannels);
        m_process->start(program,
            { QStringLiteral("--port"), QString::number(port), QStringLiteral("--bind"),
                QStringLiteral("127.0.0.1"), QStringLiteral("--dir"), m_dir.path(), QStringLiteral("--save"),
                QString(), QStringLiteral("--appendonly"), QStringLiteral("no"),
                QStringLiteral("--daemonize"), QStringLiteral("no"), QStringLiteral("--logfile"),
                QString() });
        if (!m_process->waitForStarted(10000)) {
            m_error = QStringLiteral("redis-server did not start: ") + m_process->errorString();
            return false;
        }
        m_log.clear();
        waitUntil(
            [&] {
                m_log += m_process->readAll();
                return m_log.contains("Ready to accept connections")
                    || m_process->state() == QProcess::NotRunning;
            },
            30000);
        m_log += m_process->readAll();
        if (m_log.contains("Ready to accept connections") && m_process->state() == QProcess::Running) {
            m_port = port;
            return true;
        }
        if (m_process->state() != QProcess::NotRunning) {
            m_process->kill();
            m_process->waitForFinished(5000);
            m_error = QStringLiteral("redis-server was not ready in 30 s: ") + QString::fromUtf8(m_log);
            return false;
        }
        m_log += m_process->readAll();
        if (!m_log.contains("Address already in use")) {
            m_error = QStringLiteral("redis-server exited: ") + QString::fromUtf8(m_log);
            return false;
        }
        // Someone took the port between the probe and redis-server's bind: a new candidate.
    }
    m_error = QStringLiteral("redis-server found no free port in %1 attempts").arg(attempts);
    return false;
}

void RedisServer::stop()
{
    if (m_process && m_process->state() != QProcess::NotRunning) {
        m_process->terminate();
        if (!m_process->waitForFinished(10000)) {
            m_process->kill();
            m_process->waitForFinished(5000);
        }
    }
}

bool RedisServer::isRunning() const
{
    return m_process && m_process->state() == QProcess::Running && m_port != 0;
}

QByteArray RedisServer::command(const QList<QByteArray> &args, int timeoutMs) const
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, m_port);
    if (!socket.waitForConnected(timeoutMs))
        return {};
    QByteArray request = '*' + QByteArray::number(args.size()) + "\r\n";
    for (const QByteArray &arg : args)
        request += '$' + QByteArray::number(arg.size()) + "\r\n" + arg + "\r\n";
    socket.write(request);
    // Simple replies only (status, error, integer, one bulk string): enough for the tests' checks.
    QByteArray reply;
    const auto complete = [&] {
        const qsizetype end = reply.indexOf("\r\n");
        if (end < 0)
            return false;
        if (reply.startsWith('$')) {
            const int length = reply.mid(1, end - 1).toInt();
            return length < 0 || reply.size() >= end + 2 + length + 2;
        }
        return true;
    };
    while (!complete() && socket.waitForReadyRead(timeoutMs))
        reply += socket.readAll();
    return reply;
}

} // namespace airlock::test
