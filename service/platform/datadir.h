#pragma once

// Where airlockd keeps its state (the SQLite store, keys) when no --data-dir is given.
//
// Order of precedence (chooseDataDir):
//  1. $STATE_DIRECTORY, set by systemd from the unit's StateDirectory= (the first entry when several);
//  2. running as a system service: the explicit AIRLOCK_SERVICE=1, or systemd's INVOCATION_ID while
//     running as root -> /var/lib/airlock (Windows: %ProgramData%\Airlock). INVOCATION_ID alone is not
//     enough: desktop sessions start terminals as systemd user services, so a user's shell has it too;
//  3. otherwise the user's data directory: QStandardPaths::GenericDataLocation + "/airlock"
//     ($XDG_DATA_HOME/airlock, else ~/.local/share/airlock).

#include "result.h"

#include <QString>

namespace airlock {

// The environment facts the choice depends on; fromEnvironment() reads the real ones.
struct DataDirContext {
    QString stateDirectory; // $STATE_DIRECTORY as set (may be a ':'-separated list)
    bool systemdService = false; // $INVOCATION_ID is set
    bool airlockService = false; // $AIRLOCK_SERVICE == "1"
    bool root = false; // effective uid 0
    QString userDataLocation; // QStandardPaths::writableLocation(GenericDataLocation)

    static DataDirContext fromEnvironment();
};

QString chooseDataDir(const DataDirContext &context);
QString defaultDataDir(); // chooseDataDir(DataDirContext::fromEnvironment())

// Creates `path` (and missing parents) with mode 0700 for the last component. An existing directory is
// accepted as it is (its mode is not changed); an existing non-directory is refused ("not_a_directory").
Status ensurePrivateDir(const QString &path);

} // namespace airlock
