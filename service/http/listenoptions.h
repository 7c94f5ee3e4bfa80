#pragma once

// Where a listener binds and the limits its connections are held to (airlockd's --listen,
// --admin-listen and --max-request-bytes; the console's embedded mode and tests set them too).

#include <QHostAddress>
#include <QString>

namespace airlock {

struct ListenAddress
{
    QHostAddress host;
    quint16 port = 0; // 0: any free port (tests)
    QString toString() const
    {
        const QString h = host.protocol() == QAbstractSocket::IPv6Protocol
            ? QLatin1Char('[') + host.toString() + QLatin1Char(']')
            : host.toString();
        return h + QLatin1Char(':') + QString::number(port);
    }
};

struct ServerLimits
{
    qint64 maxRequestBytes = 1024 * 1024;  // body size cap; larger requests get 413
    int maxHeaderBytes = 64 * 1024;        // request line + headers; larger get 431
    int headerTimeoutMs = 10000;           // a request (head and body) must arrive within this once started
    int keepAliveTimeoutMs = 60000;        // an idle keep-alive connection is closed after this
    int maxQueuedPerEndpoint = 1024;       // requests waiting for an endpoint's concurrency slot
    int queueTimeoutMs = 30000;            // how long one may wait for it (then 503 + Retry-After)
};

} // namespace airlock
