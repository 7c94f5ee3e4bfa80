#pragma once

// Listening sockets for "one listener per worker thread on the same port": N sockets with SO_REUSEPORT
// bound to one address, so the kernel spreads new connections across the workers. Each worker adopts
// one descriptor with QTcpServer::setSocketDescriptor on its own thread. With port 0 the first socket
// picks a free port and the others bind to it.

#include "listenoptions.h"
#include "result.h"

#include <QList>

namespace airlock::http {

struct ListeningSockets
{
    QList<qintptr> descriptors;
    quint16 port = 0;
};

Result<ListeningSockets> openReusePortListeners(const ListenAddress &address, int count, int backlog = 1024);
void closeDescriptors(const QList<qintptr> &descriptors);

} // namespace airlock::http
