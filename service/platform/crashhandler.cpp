#include "crashhandler.h"

#ifndef Q_OS_WIN
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <execinfo.h>
#include <sys/resource.h>
#include <unistd.h>
#ifdef Q_OS_LINUX
#include <sys/prctl.h>
#include <sys/syscall.h>
#endif
#endif

#include <atomic>
#include <iterator>

namespace airlock {

#ifndef Q_OS_WIN

namespace {

constexpr int kSignals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
struct sigaction s_previous[std::size(kSignals)];
std::atomic<bool> s_installed{false};
std::atomic<long> s_reportingThread{0}; // the thread writing the report (0: none)

const char *signalName(int signal)
{
    switch (signal) {
    case SIGSEGV: return "SIGSEGV";
    case SIGBUS: return "SIGBUS";
    case SIGFPE: return "SIGFPE";
    case SIGILL: return "SIGILL";
    case SIGABRT: return "SIGABRT";
    default: return "signal";
    }
}

// Async-signal-safe output: no stdio, no allocation.
void put(const char *text)
{
    size_t left = std::strlen(text);
    while (left > 0) {
        const ssize_t n = ::write(STDERR_FILENO, text, left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        text += n;
        left -= size_t(n);
    }
}

void putNumber(unsigned long long value, int base = 10)
{
    char buffer[32];
    char *p = buffer + sizeof buffer;
    *--p = '\0';
    do {
        const unsigned digit = unsigned(value % unsigned(base));
        *--p = char(digit < 10 ? '0' + digit : 'a' + digit - 10);
        value /= unsigned(base);
    } while (value && p > buffer + 2);
    if (base == 16) {
        *--p = 'x';
        *--p = '0';
    }
    put(p);
}

extern "C" void onCrash(int signal, siginfo_t *info, void *)
{
    const int savedErrno = errno;
#ifdef Q_OS_LINUX
    const long self = long(::syscall(SYS_gettid));
#else
    const long self = 1;
#endif
    long expected = 0;
    if (!s_reportingThread.compare_exchange_strong(expected, self)) {
        if (expected == self) { // crashed while reporting: die at once
            ::signal(signal, SIG_DFL);
            ::raise(signal);
            return;
        }
        for (;;) // another thread is reporting its crash and will end the process
            ::pause();
    }
    put("\nairlockd: fatal signal ");
    putNumber(unsigned(signal));
    put(" (");
    put(signalName(signal));
    put("), code ");
    putNumber(unsigned(info ? info->si_code : 0));
    if (info && info->si_code > 0 && signal != SIGABRT) { // a fault: si_addr is the faulting address
        put(", address ");
        putNumber(reinterpret_cast<unsigned long long>(info->si_addr), 16);
    }
    if (info && info->si_code <= 0) { // sent by a process (kill, raise, abort), not by a fault
        put(", sent by pid ");
        putNumber(unsigned(info->si_pid));
    }
#ifdef Q_OS_LINUX
    put(", thread ");
    putNumber(static_cast<unsigned long long>(self));
    put(::prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 1 ? "; core dumps allowed (--allow-core-dumps)"
                                                  : "; no core dump (the process is not dumpable)");
#endif
    put("\nairlockd: backtrace (no memory contents are printed):\n");
    void *frames[64];
    const int depth = ::backtrace(frames, int(std::size(frames)));
    ::backtrace_symbols_fd(frames, depth, STDERR_FILENO);
    put("airlockd: end of crash report\n");

    // Die of the same signal, through the disposition that was there before (default, or a sanitizer's).
    for (std::size_t i = 0; i < std::size(kSignals); ++i) {
        if (kSignals[i] == signal)
            ::sigaction(signal, &s_previous[i], nullptr);
    }
    errno = savedErrno;
    // Blocked while this handler runs: delivered when it returns. A fault would also recur by itself.
    ::raise(signal);
}

} // namespace

Status installCrashHandler()
{
    if (s_installed.exchange(true))
        return {};
    // backtrace() loads libgcc's unwinder on first use (dlopen, malloc): do that now, not in the handler.
    void *warmUp[4];
    (void)::backtrace(warmUp, int(std::size(warmUp)));

    // An alternate stack for this thread, so a stack overflow still gets a report. Never freed: it must
    // outlive every possible signal.
    static char *altStack = new char[size_t(SIGSTKSZ) * 4 + 65536];
    stack_t ss{};
    ss.ss_sp = altStack;
    ss.ss_size = size_t(SIGSTKSZ) * 4 + 65536;
    ss.ss_flags = 0;
    const bool haveAltStack = ::sigaltstack(&ss, nullptr) == 0;

    struct sigaction action;
    std::memset(&action, 0, sizeof action);
    action.sa_sigaction = onCrash;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_SIGINFO | (haveAltStack ? SA_ONSTACK : 0);
    for (std::size_t i = 0; i < std::size(kSignals); ++i) {
        if (::sigaction(kSignals[i], &action, &s_previous[i]) != 0) {
            const int error = errno;
            for (std::size_t j = 0; j < i; ++j)
                ::sigaction(kSignals[j], &s_previous[j], nullptr);
            s_installed = false;
            return Error::make(QStringLiteral("io_error"), QStringLiteral("cannot install the crash handler for signal %1: %2")
                                                               .arg(kSignals[i])
                                                               .arg(QString::fromLocal8Bit(std::strerror(error))));
        }
    }
    return {};
}

#if defined(Q_OS_LINUX) && defined(__SANITIZE_ADDRESS__)
extern "C" void dumpableForLeakCheck()
{
    (void)::prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
}
#endif

Status disableCoreDumps()
{
#if defined(Q_OS_LINUX) && defined(__SANITIZE_ADDRESS__)
    // Registered after LeakSanitizer's own exit hook, so it runs before it.
    static const bool registered = std::atexit(dumpableForLeakCheck) == 0;
    Q_UNUSED(registered);
#endif
    struct rlimit none{0, 0};
    if (::setrlimit(RLIMIT_CORE, &none) != 0) {
        return Error::make(QStringLiteral("io_error"),
                           QStringLiteral("cannot set RLIMIT_CORE to 0: %1").arg(QString::fromLocal8Bit(std::strerror(errno))));
    }
#ifdef Q_OS_LINUX
    if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
        return Error::make(QStringLiteral("io_error"), QStringLiteral("cannot make the process non-dumpable: %1")
                                                           .arg(QString::fromLocal8Bit(std::strerror(errno))));
    }
#endif
    return {};
}

bool coreDumpsAllowed()
{
#ifdef Q_OS_LINUX
    return ::prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 1;
#else
    struct rlimit limit{};
    return ::getrlimit(RLIMIT_CORE, &limit) == 0 && limit.rlim_cur != 0;
#endif
}

#else // Q_OS_WIN

Status installCrashHandler() { return {}; }
Status disableCoreDumps() { return {}; }
bool coreDumpsAllowed() { return true; }

#endif

} // namespace airlock
