#pragma once

// The TLS configuration of one listener, shared by its accepting threads and swapped whole when the
// certificate is reloaded (SIGHUP, admin API): connections accepted afterwards use the new one, open
// connections keep theirs. Null configuration: plain TCP. Header-only; thread-safe.

#include <QSslConfiguration>

#include <memory>
#include <mutex>

namespace airlock::http {

class TlsContext
{
public:
    std::shared_ptr<const QSslConfiguration> current() const
    {
        std::lock_guard lock(m_mutex);
        return m_config;
    }
    void set(std::shared_ptr<const QSslConfiguration> config)
    {
        std::lock_guard lock(m_mutex);
        m_config.swap(config);
    }
    bool enabled() const { return bool(current()); }

private:
    mutable std::mutex m_mutex;
    std::shared_ptr<const QSslConfiguration> m_config;
};

} // namespace airlock::http
