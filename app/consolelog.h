#pragma once

// The console's log category, "airlock.console" (QT_LOGGING_RULES="airlock.console.debug=true").

#include <QLoggingCategory>

namespace airlock {
Q_DECLARE_LOGGING_CATEGORY(lcConsole)
} // namespace airlock
