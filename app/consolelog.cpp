#include "consolelog.h"

namespace airlock {
Q_LOGGING_CATEGORY(lcConsole, "airlock.console", QtInfoMsg)
} // namespace airlock
