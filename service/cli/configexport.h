#pragma once

// airlockd config export [--data-dir DIR] [--output FILE]: the stored configuration as a declarative
// file (stdout by default), API keys left out. Works on the data dir directly; no gateway needed.

#include <QString>

namespace airlock::cli {

// Exit status: 0, or 2 with the error printed.
int exportConfig(const QString &dataDirOption, const QString &output);

} // namespace airlock::cli
