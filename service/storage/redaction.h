#pragma once

// Removes secrets from text that is about to be stored (captured request and answer bodies): API keys
// and tokens in any field or header-like line, bearer credentials, OpenAI-style `sk-` keys, GitLab
// tokens, JWTs, AWS access key ids and PEM private keys. Runs on the request log's writer thread, never
// on the hot path. Errs on the side of removing too much: a redacted log is still a useful log.
//
// Here in storage/ rather than in logging/ because the store applies it to every captured body it
// writes (RequestLogStore::insertBatch): whoever hands it records, no secret reaches the disk.

#include <QByteArray>

namespace airlock::storage {

// Returns `text` (UTF-8) with every secret replaced by "[REDACTED]" (private keys by
// "[REDACTED PRIVATE KEY]"). Invalid UTF-8 is replaced by U+FFFD first.
QByteArray redactSecrets(const QByteArray &text);

} // namespace airlock::storage
