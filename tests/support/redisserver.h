#pragma once

// A private redis-server for a test: loopback only, no persistence (no RDB snapshots, no AOF), its working
// directory a temporary directory of its own.
//
// Ports: redis-server cannot bind port 0 and report it (--port 0 turns TCP off), so start() takes a
// candidate port (ports.h) and, when redis-server exits saying the bind failed ("Address already in
// use"), starts it again on a new candidate, up to `attempts` times. Ready means redis-server's own
// "Ready to accept connections" line, not a successful connect (which another server on that port would
// also give).
//
// Lifecycle: construct, start() (false with errorMessage() when redis-server is not installed or does not
// come up), use port(), destroy (SIGTERM, then SIGKILL) or stop().

#include <QtCore/QByteArray>
#include <QtCore/QProcess>
#include <QtCore/QString>
#include <QtCore/QTemporaryDir>

#include <memory>

namespace airlock::test {

class RedisServer {
public:
    RedisServer();
    ~RedisServer();
    RedisServer(const RedisServer &) = delete;
    RedisServer &operator=(const RedisServer &) = delete;

    // redis-server from PATH (or /usr/bin, /usr/sbin); empty when it is not installed.
    static QString executable();

    // `firstPort`: the first candidate (tests of the retry itself); 0: any.
    bool start(quint16 firstPort = 0, int attempts = 8);
    void stop();
    bool isRunning() const;
    QString errorMessage() const { return m_error; }
    quint16 port() const { return m_port; }
    int attemptsUsed() const { return m_attempts; } // starts it took (1: the first port was free)
    QByteArray log() const { return m_log; } // what the last redis-server printed

    // Sends one command over a fresh connection and returns the raw RESP reply ("" on failure).
    QByteArray command(const QList<QByteArray> &args, int timeoutMs = 5000) const;

private:
    QTemporaryDir m_dir;
    std::unique_ptr<QProcess> m_process;
    quint16 m_port = 0;
    int m_attempts = 0;
    QByteArray m_log;
    QString m_error;
};

} // namespace airlock::test
