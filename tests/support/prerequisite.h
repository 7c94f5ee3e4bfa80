#pragma once

// Missing prerequisites never pass silently where CI runs.
//
// A test that cannot run here (no redis-server, no non-loopback address, no session bus, a port it needs
// is taken, ...) calls AIRLOCK_REQUIRE(ok, "what is missing"). When CI=true (or CI=1) is set, as in CI and
// in scripts/test.sh runs meant to gate a merge, a missing prerequisite is a failure (QFAIL naming it);
// elsewhere, on a developer's machine, the test is skipped (QSKIP naming it). This is the one place where
// that rule lives: tests do not call QSKIP for missing prerequisites themselves.

#include <QtCore/QtGlobal>

namespace airlock::test {

// Whether the environment says this is a CI run (CI is "true" or "1", case-insensitive).
bool runningInCi();

// Records the outcome for a missing prerequisite (`ok` false): a failure under CI, a skip otherwise, with
// "prerequisite missing: <what>" as the message. Returns `ok`; the caller returns from the test function
// when it is false (the macro below does it).
bool requirePrerequisite(bool ok, const char *what, const char *file, int line);

} // namespace airlock::test

// In a test function (or initTestCase): stops the test when `ok` is false, failing it under CI.
#define AIRLOCK_REQUIRE(ok, what)                                                                            \
    do {                                                                                                     \
        if (!airlock::test::requirePrerequisite(bool(ok), what, __FILE__, __LINE__))                         \
            return;                                                                                          \
    } while (false)
