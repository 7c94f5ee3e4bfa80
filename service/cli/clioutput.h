#pragma once

// How airlockd reports a command-line or start-up error: "airlockd: <message>" on stderr.

#include <QString>

namespace airlock::cli {

// Prints the message and returns exit status 2 (a usage or start-up error).
int fail(const QString &message);

} // namespace airlock::cli
