#include "airlockdprocess.h"

#include <QFile>
#include <QTemporaryDir>

#include "testtiming.h"

#include <QtCore/QRegularExpression>

namespace airlock::test {

QString airlockdPath()
{
    return QStringLiteral(AIRLOCKD_PATH);
}

AirlockdRun runAirlockd(const QStringList &args, const QProcessEnvironment &env, int timeoutMs)
{
    QProcess p;
    p.setProcessEnvironment(env);
    p.start(airlockdPath(), args);
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished();
    }
    return AirlockdRun { p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1,
        p.readAllStandardOutput(), p.readAllStandardError() };
}

AirlockdRun runAirlockdWithConfig(const QByteArray &configJson, int timeoutMs)
{
    QTemporaryDir dir;
    QFile file(dir.filePath(QStringLiteral("airlock.json")));
    if (!dir.isValid() || !file.open(QIODevice::WriteOnly) || file.write(configJson) != configJson.size())
        return AirlockdRun { -1, {}, QByteArrayLiteral("the test could not write its configuration file") };
    file.close();
    return runAirlockd({ QStringLiteral("--config"), file.fileName(), QStringLiteral("--data-dir"),
                           dir.filePath(QStringLiteral("data")), QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"),
                           QStringLiteral("--admin-listen"), QStringLiteral("127.0.0.1:0") },
        QProcessEnvironment::systemEnvironment(), timeoutMs);
}

AirlockdProcess::~AirlockdProcess()
{
    if (m_process && m_process->state() != QProcess::NotRunning) {
        m_process->kill();
        m_process->waitForFinished(10000);
    }
}

bool AirlockdProcess::start(const Options &options)
{
    m_process = std::make_unique<QProcess>();
    m_out.clear();
    m_err.clear();
    m_readyLine.clear();
    m_port = m_adminPort = 0;
    m_error.clear();
    QStringList args;
    if (!options.config.isEmpty())
        args << QStringLiteral("--config") << options.config;
    if (!options.dataDir.isEmpty())
        args << QStringLiteral("--data-dir") << options.dataDir;
    if (!options.listen.isEmpty())
        args << QStringLiteral("--listen") << options.listen;
    if (!options.adminListen.isEmpty())
        args << QStringLiteral("--admin-listen") << options.adminListen;
    if (options.workers > 0)
        args << QStringLiteral("--workers") << QString::number(options.workers);
    args += options.args;

    m_process->setProcessEnvironment(options.env);
    QObject::connect(
        m_process.get(), &QProcess::readyReadStandardOutput, m_process.get(), [this] { collect(); });
    QObject::connect(
        m_process.get(), &QProcess::readyReadStandardError, m_process.get(), [this] { collect(); });
    m_process->start(airlockdPath(), args);
    if (!m_process->waitForStarted(options.readyTimeoutMs)) {
        m_error = QStringLiteral("airlockd did not start: ") + m_process->errorString();
        return false;
    }
    const bool ready = waitUntil(
        [&] {
            collect();
            return m_out.contains('\n') || m_process->state() == QProcess::NotRunning;
        },
        options.readyTimeoutMs);
    collect();
    if (!ready || !m_out.contains('\n')) {
        m_error = (m_process->state() == QProcess::NotRunning
                          ? QStringLiteral("airlockd exited (code %1) before it listened: ")
                                .arg(m_process->exitCode())
                          : QStringLiteral("airlockd printed no ready line in %1 ms: ")
                                .arg(options.readyTimeoutMs))
            + QString::fromUtf8(m_err);
        return false;
    }
    m_readyLine = m_out.left(m_out.indexOf('\n') + 1);
    static const QRegularExpression line(
        QStringLiteral("listening on (\\S+):(\\d+) \\(.*\\), admin API on (\\S+):(\\d+),"));
    const QRegularExpressionMatch match = line.match(QString::fromUtf8(m_readyLine));
    if (!match.hasMatch()) {
        m_error = QStringLiteral("unexpected ready line from airlockd: ") + QString::fromUtf8(m_readyLine)
            + QString::fromUtf8(m_err);
        return false;
    }
    m_port = quint16(match.captured(2).toUInt());
    m_adminHost = match.captured(3);
    m_adminPort = quint16(match.captured(4).toUInt());
    return true;
}

void AirlockdProcess::collect()
{
    if (!m_process)
        return;
    m_out += m_process->readAllStandardOutput();
    m_err += m_process->readAllStandardError();
}

QByteArray AirlockdProcess::standardOutput()
{
    collect();
    return m_out;
}

QByteArray AirlockdProcess::standardError()
{
    collect();
    return m_err;
}

bool AirlockdProcess::waitForStandardError(const QByteArray &text, int timeoutMs)
{
    return waitUntil([&] { return standardError().contains(text); }, timeoutMs);
}

qint64 AirlockdProcess::processId() const
{
    return m_process ? m_process->processId() : 0;
}

bool AirlockdProcess::isRunning() const
{
    return m_process && m_process->state() == QProcess::Running;
}

bool AirlockdProcess::stop(int timeoutMs)
{
    if (!m_process)
        return false;
    if (m_process->state() != QProcess::NotRunning)
        m_process->terminate();
    const bool finished = waitForFinished(timeoutMs);
    return finished && m_process->exitStatus() == QProcess::NormalExit && m_process->exitCode() == 0;
}

bool AirlockdProcess::waitForFinished(int timeoutMs)
{
    if (!m_process)
        return false;
    const bool finished = m_process->state() == QProcess::NotRunning || m_process->waitForFinished(timeoutMs);
    collect();
    return finished;
}

} // namespace airlock::test
