#pragma once

// What the service process does when it crashes, so that crash output never carries secrets (model API
// keys, client and admin tokens live in its memory).
//
// Contract
// - installCrashHandler() takes over SIGSEGV, SIGBUS, SIGFPE, SIGILL and SIGABRT. The handler writes a
//   short report to stderr with async-signal-safe calls only (write, backtrace, backtrace_symbols_fd,
//   prctl, sigaction, raise): the signal's name and number, si_code, the faulting address (an address,
//   never memory contents), the thread id, whether a core dump may follow, and the backtrace (function
//   names and addresses). Then it restores the disposition that was there before (the default, or a
//   sanitizer's) and raises the signal again, so the process still dies of it (exit status, sanitizer
//   reports and systemd see the real cause). Installing twice is harmless.
//   The handler runs on an alternate signal stack on the thread that installed it (a stack overflow there
//   still gets a report); other threads use their own stack.
// - disableCoreDumps() makes the process non-dumpable (Linux: prctl(PR_SET_DUMPABLE, 0), which also keeps
//   other processes of the same user from ptrace-attaching or reading /proc/<pid>/mem) and sets
//   RLIMIT_CORE to 0. airlockd calls it unless --allow-core-dumps is given.
// - coreDumpsAllowed(): the kernel's current answer (PR_GET_DUMPABLE).
//   AddressSanitizer builds only: the process is made dumpable again at exit (an atexit handler), because
//   LeakSanitizer's exit-time check ptrace-attaches to the process, which a non-dumpable one refuses.
// - Windows: the functions succeed and do nothing (Windows Error Reporting settings govern dumps there).

#include "result.h"

namespace airlock {

Status installCrashHandler();
Status disableCoreDumps();
bool coreDumpsAllowed();

} // namespace airlock
