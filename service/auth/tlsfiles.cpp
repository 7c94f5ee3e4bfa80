#include "tlsfiles.h"

#include <QFile>
#include <QSslCertificate>
#include <QSslKey>

#include <openssl/pem.h>
#include <openssl/x509.h>

namespace airlock::auth {

namespace {

// Qt has no "does this key belong to this certificate" check; OpenSSL does.
bool keyMatchesCertificate(const QByteArray &certPem, const QByteArray &keyPem)
{
    BIO *certBio = BIO_new_mem_buf(certPem.constData(), int(certPem.size()));
    BIO *keyBio = BIO_new_mem_buf(keyPem.constData(), int(keyPem.size()));
    X509 *cert = certBio ? PEM_read_bio_X509(certBio, nullptr, nullptr, nullptr) : nullptr;
    EVP_PKEY *key = keyBio ? PEM_read_bio_PrivateKey(keyBio, nullptr, nullptr, nullptr) : nullptr;
    const bool ok = cert && key && X509_check_private_key(cert, key) == 1;
    X509_free(cert);
    EVP_PKEY_free(key);
    BIO_free(certBio);
    BIO_free(keyBio);
    return ok;
}

} // namespace

Result<QSslConfiguration> loadTlsConfiguration(const TlsFiles &files)
{
    QFile certFile(files.certificateFile);
    if (!certFile.open(QIODevice::ReadOnly)) {
        return Error::make(QStringLiteral("tls_cert_unreadable"),
                           QStringLiteral("cannot read the TLS certificate %1: %2").arg(files.certificateFile, certFile.errorString()));
    }
    const QByteArray certPem = certFile.readAll();
    const QList<QSslCertificate> chain = QSslCertificate::fromData(certPem, QSsl::Pem);
    if (chain.isEmpty() || chain.first().isNull()) {
        return Error::make(QStringLiteral("tls_cert_invalid"),
                           QStringLiteral("%1 holds no PEM certificate").arg(files.certificateFile));
    }
    QFile keyFile(files.keyFile.isEmpty() ? files.certificateFile : files.keyFile);
    if (!keyFile.open(QIODevice::ReadOnly)) {
        return Error::make(QStringLiteral("tls_key_unreadable"),
                           QStringLiteral("cannot read the TLS key %1: %2").arg(keyFile.fileName(), keyFile.errorString()));
    }
    const QByteArray keyPem = keyFile.readAll();
    QSslKey key(keyPem, QSsl::Rsa, QSsl::Pem);
    if (key.isNull())
        key = QSslKey(keyPem, QSsl::Ec, QSsl::Pem);
    if (key.isNull())
        return Error::make(QStringLiteral("tls_key_invalid"), QStringLiteral("%1 holds no usable PEM private key").arg(keyFile.fileName()));
    if (!keyMatchesCertificate(certPem, keyPem)) {
        return Error::make(QStringLiteral("tls_key_mismatch"),
                           QStringLiteral("the key in %1 does not belong to the certificate in %2").arg(keyFile.fileName(), files.certificateFile));
    }
    QSslConfiguration config = QSslConfiguration::defaultConfiguration();
    config.setLocalCertificateChain(chain);
    config.setPrivateKey(key);
    config.setProtocol(QSsl::TlsV1_2OrLater);
    config.setPeerVerifyMode(QSslSocket::VerifyNone); // clients authenticate with tokens, not certificates
    return config;
}

} // namespace airlock::auth
