#pragma once

// airlockd token issue|list|revoke: works on the store and the key directory directly, so it needs no
// running gateway. A running gateway sees new tokens at once (they are self-contained JWTs) and a
// revocation from the next request it handles after `token revoke` returns (the store bumps a counter
// the gateway maps, see auth/tokenstore.h), like the admin API's DELETE.
//
//   airlockd token issue --subject S --scopes a,b [--ttl 30d] [--description D]   prints the token once
//   airlockd token list                                                          JSON, never the tokens
//   airlockd token revoke ID

#include <QString>
#include <QStringList>

namespace airlock::cli {

struct TokenArguments
{
    QStringList positional; // "token", the verb, and its arguments
    QString dataDir;        // empty: the platform default
    QString subject;
    QString scopes;         // comma-separated
    QString ttl;
    QString description;
};

// Exit status: 0; 1 when a revocation was stored but could not be announced to a running gateway; 2 on
// an error (printed).
int tokenCommand(const TokenArguments &arguments);

} // namespace airlock::cli
