#pragma once

// The prompt_version constraint of /v1/prompts/{id} (a semver range), for the prompts handler.
// Airlock's prompts all have version 1.0.0.

#include <QJsonValue>
#include <QString>

namespace airlock::gitlab {

// The constraint a request carries: "^1.0.0" when absent or null. Sets *valid = false (and returns an
// empty string) when it is not a string.
QString readPromptVersionConstraint(const QJsonValue &value, bool *valid);

// Does our prompt version 1.0.0 satisfy a semver constraint ("^1.0.0", "~1.0", ">=1.0.0", "1.0.0",
// "1.x", "*")? Sets *valid = false (and returns false) when the constraint cannot be parsed.
bool versionSatisfies(const QString &constraint, bool *valid);

} // namespace airlock::gitlab
