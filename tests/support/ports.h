#pragma once

// Ports for servers that tests start, without races.
//
// There is no freePort(): binding a port, closing it and handing the number to a child that binds it later
// is a race with every other test running in parallel (and with the kernel handing the same number out as
// an ephemeral port). Instead:
//  - servers that can report the port they bound are started on port 0 and asked: airlockd prints
//    "listening on HOST:PORT (...), admin API on HOST:PORT, ..." on stdout once both listeners are up
//    (AirlockdProcess parses it), in-process servers (QTcpServer, Gateway, FakeModelServer) answer
//    serverPort() / gatewayAddress();
//  - servers that cannot (redis-server: port 0 means "no TCP listener"; PostgreSQL: no port 0) are started
//    on a candidate port and started again on a new candidate when the bind failed, which they report
//    before exiting ("Address already in use"): RedisServer, PostgresServer. Readiness is their own log
//    line, never a TCP probe, so another server that won the port is never mistaken for ours.
//  - a port where nobody may listen (a client's "connection refused" path) is a ClosedPort: bound and
//    held, never listened on, so connecting is refused and no other process can take it meanwhile.

#include <QtCore/QtGlobal>
#include <QtNetwork/QHostAddress>

namespace airlock::test {

// A port on 127.0.0.1 with nobody listening, reserved while this object lives: a bound TCP socket that
// never listens, so connections to it are refused (RST) and no other process can bind it.
class ClosedPort {
public:
    ClosedPort();
    ~ClosedPort();
    ClosedPort(const ClosedPort &) = delete;
    ClosedPort &operator=(const ClosedPort &) = delete;

    quint16 port() const { return m_port; } // 0 if no socket could be bound
private:
    int m_fd = -1;
    quint16 m_port = 0;
};

// A candidate for a server that cannot report its port: a port on 127.0.0.1 that was free a moment ago.
// Only RedisServer and PostgresServer use it, and they retry on a bind failure.
quint16 candidatePort();

// An IPv4 address of this machine that is neither loopback nor link-local (QNetworkInterface), for "not
// reachable from elsewhere" checks; null when there is none (a prerequisite: AIRLOCK_REQUIRE it).
QHostAddress nonLoopbackIPv4Address();

} // namespace airlock::test
