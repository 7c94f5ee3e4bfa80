#pragma once

// A private PostgreSQL 15 cluster for a test: initdb into a temporary directory, listening on 127.0.0.1
// only (TCP) and on a unix socket inside that directory, trust authentication (nothing but this machine's
// loopback and the temporary directory can reach it), fsync off. Started and stopped with pg_ctl.
//
// PostgreSQL refuses to run as root: when the test runs as root, initdb, pg_ctl and the server run as the
// "postgres" user (runuser -u postgres --), which then owns the temporary directory.
//
// Ports: PostgreSQL has no "port 0, tell me which", so start() takes a candidate port (ports.h) and, when
// the server reports that it could not bind ("Address already in use" in its log), starts it again on a
// new candidate, up to `attempts` times. pg_ctl -w waits for the server to accept connections.
//
// Lifecycle: construct, start() (false with errorMessage() when PostgreSQL 15 is not installed or does not
// come up), connect with host() port() user() database(), destroy or stop() (pg_ctl stop -m fast).

#include <QtCore/QString>
#include <QtCore/QStringList>
#include <QtCore/QTemporaryDir>

namespace airlock::test {

class PostgresServer {
public:
    PostgresServer();
    ~PostgresServer();
    PostgresServer(const PostgresServer &) = delete;
    PostgresServer &operator=(const PostgresServer &) = delete;

    // /usr/lib/postgresql/15/bin when initdb and pg_ctl are there; empty otherwise.
    static QString binDir();

    bool start(int attempts = 8);
    void stop();
    bool isRunning() const { return m_running; }
    QString errorMessage() const { return m_error; }

    QString host() const { return QStringLiteral("127.0.0.1"); }
    quint16 port() const { return m_port; }
    QString socketDir() const; // the unix socket's directory (for host=<dir> connections)
    QString user() const { return QStringLiteral("airlock"); } // the cluster's superuser
    QString database() const { return QStringLiteral("postgres"); }
    QString log() const; // the server's log file

private:
    // Runs a PostgreSQL program (as "postgres" when this process is root); exit code, output in `out`.
    int runTool(const QString &tool, const QStringList &args, QString *out, int timeoutMs = 120000) const;

    QTemporaryDir m_dir;
    quint16 m_port = 0;
    bool m_initialised = false;
    bool m_running = false;
    QString m_error;
};

} // namespace airlock::test
