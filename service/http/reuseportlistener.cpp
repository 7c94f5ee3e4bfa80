#include "reuseportlistener.h"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace airlock::http {

namespace {

Error socketError(const ListenAddress &address, const char *what)
{
    return Error::make(QStringLiteral("listen_failed"),
                       QStringLiteral("cannot listen on %1: %2 failed: %3")
                           .arg(address.toString(), QLatin1String(what), QString::fromLocal8Bit(std::strerror(errno))));
}

} // namespace

void closeDescriptors(const QList<qintptr> &descriptors)
{
    for (qintptr fd : descriptors)
        ::close(int(fd));
}

Result<ListeningSockets> openReusePortListeners(const ListenAddress &address, int count, int backlog)
{
    ListeningSockets result;
    result.port = address.port;
    const bool v6 = address.host.protocol() == QAbstractSocket::IPv6Protocol;
    for (int i = 0; i < count; ++i) {
        const int fd = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            closeDescriptors(result.descriptors);
            return socketError(address, "socket()");
        }
        const int one = 1;
        ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) {
            ::close(fd);
            closeDescriptors(result.descriptors);
            return socketError(address, "SO_REUSEPORT");
        }
        int rc;
        if (v6) {
            sockaddr_in6 sa{};
            sa.sin6_family = AF_INET6;
            sa.sin6_port = htons(result.port);
            const Q_IPV6ADDR a = address.host.toIPv6Address();
            std::memcpy(&sa.sin6_addr, &a, sizeof a);
            rc = ::bind(fd, reinterpret_cast<sockaddr *>(&sa), sizeof sa);
        } else {
            sockaddr_in sa{};
            sa.sin_family = AF_INET;
            sa.sin_port = htons(result.port);
            sa.sin_addr.s_addr = htonl(address.host.toIPv4Address());
            rc = ::bind(fd, reinterpret_cast<sockaddr *>(&sa), sizeof sa);
        }
        if (rc != 0 || ::listen(fd, backlog) != 0) {
            const int saved = errno;
            ::close(fd);
            closeDescriptors(result.descriptors);
            errno = saved;
            return socketError(address, rc != 0 ? "bind()" : "listen()");
        }
        if (result.port == 0) {
            sockaddr_storage bound{};
            socklen_t length = sizeof bound;
            ::getsockname(fd, reinterpret_cast<sockaddr *>(&bound), &length);
            result.port = ntohs(v6 ? reinterpret_cast<sockaddr_in6 *>(&bound)->sin6_port
                                   : reinterpret_cast<sockaddr_in *>(&bound)->sin_port);
        }
        result.descriptors.append(fd);
    }
    return result;
}

} // namespace airlock::http
