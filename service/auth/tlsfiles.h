#pragma once

// A listener's TLS configuration from PEM files: the certificate (chain: leaf first, intermediates
// after) and its private key (RSA or EC, unencrypted; protect it with the file mode). TLS 1.2 or newer.
// Error codes: "tls_cert_unreadable", "tls_key_unreadable", "tls_cert_invalid", "tls_key_invalid",
// "tls_key_mismatch".

#include "result.h"

#include <QSslConfiguration>

namespace airlock::auth {

struct TlsFiles
{
    QString certificateFile;
    QString keyFile;
    bool enabled() const { return !certificateFile.isEmpty(); }
};

Result<QSslConfiguration> loadTlsConfiguration(const TlsFiles &files);

} // namespace airlock::auth
