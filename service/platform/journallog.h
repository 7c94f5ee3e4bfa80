#pragma once

// Log lines the journal files under the right priority. Started by systemd with its journal on stderr
// ($JOURNAL_STREAM set), every line Qt's logging writes gets the kernel-style "<N>" prefix journald
// reads (sd-daemon(3)): critical "<3>" (err), fatal "<2>", warning "<4>", info "<6>", debug "<7>".
// Then `journalctl -p err -u airlockd` finds the errors. An admin's own $QT_MESSAGE_PATTERN wins;
// started any other way nothing changes.

namespace airlock {

// Returns whether the prefixes are on.
bool useJournalPriorities();

} // namespace airlock
