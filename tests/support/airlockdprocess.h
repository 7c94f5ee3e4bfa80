#pragma once

// The real airlockd binary as a child process, for end-to-end tests.
//
// Ports: airlockd is started with --listen 127.0.0.1:0 and --admin-listen 127.0.0.1:0 (unless the options
// say otherwise) and the ports are read from the line it prints on stdout once both listeners are up:
//   airlockd <version> listening on HOST:PORT (N workers), admin API on HOST:PORT, data in DIR, auth ...
// so there is no window in which another process could take them (see ports.h).
//
// Lifecycle: construct, start() (true once that line arrived; false with errorMessage() when airlockd
// exited or said nothing in time), use, stop() (SIGTERM, then wait) or let the destructor kill it.
// stdout and stderr are collected as they arrive, for the whole run. Lives on the test's thread and needs
// its event loop (the waits spin it).

#include <QtCore/QByteArray>
#include <QtCore/QProcess>
#include <QtCore/QString>
#include <QtCore/QStringList>

#include <memory>

namespace airlock::test {

// The airlockd binary built with the tests.
QString airlockdPath();

// One short airlockd command (--version, token issue, config export, a start that must fail).
struct AirlockdRun {
    int exitCode = -1; // -1: crashed or killed after the timeout
    QByteArray out;
    QByteArray err;
};
AirlockdRun runAirlockd(const QStringList &args,
    const QProcessEnvironment &env = QProcessEnvironment::systemEnvironment(), int timeoutMs = 30000);
// airlockd started with `configJson` written to a --config file, a fresh data dir and loopback ports
// (both in a temporary directory removed afterwards): for configurations that must be refused at start.
// A configuration that is accepted leaves the gateway running until the timeout kills it (-1).
AirlockdRun runAirlockdWithConfig(const QByteArray &configJson, int timeoutMs = 30000);

class AirlockdProcess {
public:
    struct Options {
        QString dataDir; // --data-dir when not empty
        QString config; // --config when not empty
        QStringList args; // appended as given
        QString listen = QStringLiteral("127.0.0.1:0"); // --listen; empty: airlockd's default
        QString adminListen = QStringLiteral("127.0.0.1:0"); // --admin-listen; empty: airlockd's default
        int workers = 1; // --workers; 0: airlockd's default
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        int readyTimeoutMs = 30000;
    };

    AirlockdProcess() = default;
    ~AirlockdProcess(); // kills a running airlockd
    AirlockdProcess(const AirlockdProcess &) = delete;
    AirlockdProcess &operator=(const AirlockdProcess &) = delete;

    bool start(const Options &options);
    QString errorMessage() const { return m_error; }

    quint16 port() const { return m_port; } // the gateway's port, as airlockd reported it
    quint16 adminPort() const { return m_adminPort; } // the admin API's port, as airlockd reported it
    QString adminHost() const { return m_adminHost; } // the admin API's host, as airlockd reported it
    QByteArray readyLine() const { return m_readyLine; }
    QByteArray standardOutput();
    QByteArray standardError(); // everything airlockd wrote on stderr so far
    // Spins the event loop until stderr contains `text` or timeoutMs passes.
    bool waitForStandardError(const QByteArray &text, int timeoutMs = 30000);

    QProcess *process() const { return m_process.get(); }
    qint64 processId() const;
    bool isRunning() const;
    // SIGTERM and wait; true when it exited normally with code 0 within timeoutMs.
    bool stop(int timeoutMs = 30000);
    // Waits for the process to end by itself (after a signal the test sent); false on timeout.
    bool waitForFinished(int timeoutMs = 30000);

private:
    void collect();

    std::unique_ptr<QProcess> m_process;
    QByteArray m_out;
    QByteArray m_err;
    QByteArray m_readyLine;
    QString m_adminHost;
    quint16 m_port = 0;
    quint16 m_adminPort = 0;
    QString m_error;
};

} // namespace airlock::test
