#pragma once

// The airlock.auth log category and the redaction helpers every auth log line goes through.
// A token, key or admin secret is never logged; a short fingerprint (first 8 hex digits of its
// SHA-256) lets an admin correlate lines without revealing anything usable.

#include <QByteArrayView>
#include <QLoggingCategory>
#include <QString>

namespace airlock::auth {

Q_DECLARE_LOGGING_CATEGORY(lcAuth)

// "sha256:1a2b3c4d" for a secret; "(none)" for an empty one.
QString fingerprint(QByteArrayView secret);

// Replaces every value whose key looks secret (api_key, token, secret, password, authorization,
// private key material) in a JSON text with "***". Used for audit records.
QByteArray redactJson(const QByteArray &json);

} // namespace airlock::auth
