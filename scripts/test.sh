#!/usr/bin/env bash
# The whole check, as CI runs it (.ci/run):
#   1. setup       scripts/setup.sh (installs missing Debian packages)
#   2. configure   build-test/, RelWithDebInfo, -DAIRLOCK_WERROR=ON
#   3. build       everything (airlockd, airlock-admin, tests)
#   4. ctest       under xvfb-run + dbus-run-session (with an unlocked gnome-keyring for QtKeychain)
#   5-7. the same with -DAIRLOCK_SANITIZE=address,undefined (Debug) in build-test-asan/
#   8. fuzz        scripts/fuzz.sh, 20 s per target, when that script exists
# Later phases still run after a failed test phase (a failed configure/build skips its ctest);
# the exit status is non-zero when any phase failed. Prints the time of every phase and, as the
# last line, "N passed, N failed" over both ctest passes.
#
#   scripts/test.sh [--no-setup] [--no-sanitize] [--no-fuzz]
#   Environment: AIRLOCK_TEST_BUILD_DIR (default build-test; the sanitizer build is <dir>-asan),
#                CTEST_PARALLEL (default 2), FUZZ_SECONDS (default 20)
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 1

do_setup=1 do_sanitize=1 do_fuzz=1
for arg in "$@"; do
  case "$arg" in
    --no-setup) do_setup=0 ;;
    --no-sanitize) do_sanitize=0 ;;
    --no-fuzz) do_fuzz=0 ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "test.sh: unknown option $arg (see --help)" >&2; exit 2 ;;
  esac
done

BUILD=${AIRLOCK_TEST_BUILD_DIR:-build-test}
BUILD_ASAN=$BUILD-asan
JOBS=${CTEST_PARALLEL:-2}
export FUZZ_SECONDS=${FUZZ_SECONDS:-20}
LOG_DIR=$ROOT/$BUILD-logs
mkdir -p "$LOG_DIR" && rm -f "$LOG_DIR"/ctest*.log || exit 1

T_START=$(date +%s)
PHASES=() TIMES=() RESULTS=()
FAILED=0
TOTAL_PASSED=0 TOTAL_FAILED=0

banner() { printf '\n==== %s ====\n' "$*"; }

# phase NAME command... : runs the command, records its wall time and result
phase() {
  local name=$1 t0 rc
  shift
  banner "$name"
  t0=$(date +%s)
  "$@"
  rc=$?
  PHASES+=("$name") TIMES+=($(($(date +%s) - t0)))
  if ((rc == 0)); then RESULTS+=(ok); else RESULTS+=("FAILED (exit $rc)"); FAILED=1; fi
  return "$rc"
}
skip() { PHASES+=("$1") TIMES+=(0) RESULTS+=("skipped: $2"); FAILED=1; }

configure() { # configure DIR cmake-args...
  local dir=$1
  shift
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@"
}

# Runs ctest once under a virtual X server and a private D-Bus session with an unlocked keyring,
# in a throw-away HOME, so the tests never touch the user's data, keychain or display.
run_ctest() { # run_ctest DIR LOGFILE
  local dir=$1 log=$2 tmp rc
  tmp=$(mktemp -d) || return 1
  mkdir -p "$tmp/home" "$tmp/data" "$tmp/config" "$tmp/cache" && mkdir -m 700 "$tmp/runtime"
  local wrap=()
  if command -v xvfb-run >/dev/null; then
    wrap+=(xvfb-run -a -s '-screen 0 1280x800x24')
  else
    echo "test.sh: xvfb-run not found; UI tests run without a display" >&2
  fi
  local inner='if command -v gnome-keyring-daemon >/dev/null && [ -n "${DBUS_SESSION_BUS_ADDRESS:-}" ]; then
      printf "\n" | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1 || true
    fi
    exec ctest --test-dir "$1" --output-on-failure -j "$2"'
  if command -v dbus-run-session >/dev/null; then
    wrap+=(dbus-run-session --)
  else
    echo "test.sh: dbus-run-session not found; keychain tests run without a session bus" >&2
  fi
  env HOME="$tmp/home" XDG_RUNTIME_DIR="$tmp/runtime" XDG_DATA_HOME="$tmp/data" \
    XDG_CONFIG_HOME="$tmp/config" XDG_CACHE_HOME="$tmp/cache" AIRLOCK_ADMIN_TOKEN= \
    "${wrap[@]}" sh -c "$inner" sh "$dir" "$JOBS" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  rm -rf "$tmp"
  count_ctest "$log"
  return "$rc"
}

count_ctest() { # adds the "x% tests passed, F tests failed out of T" figures of a ctest log
  local line f t
  line=$(grep -E '[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$1" | tail -n1)
  [[ -z $line ]] && return 0
  f=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$line")
  t=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\2/' <<<"$line")
  TOTAL_PASSED=$((TOTAL_PASSED + t - f))
  TOTAL_FAILED=$((TOTAL_FAILED + f))
}

# Prints, for every test that failed in a ctest log, its name and the lines of its output that say
# why (QTest FAIL!/Loc:, sanitizer reports, crashes), so the end of the CI output names the cause.
failure_digest() { # failure_digest LABEL LOGFILE
  local label=$1 log=$2
  [[ -f $log ]] && grep -q '^The following tests FAILED:' "$log" || return 0
  banner "$label: failed tests"
  sed -n '/^The following tests FAILED:/,/^Errors while running/p' "$log" | grep -v '^Errors while running'
  awk '
    /^ *[0-9]+\/[0-9]+ Test +#[0-9]+: / { inblock = ($0 ~ /\*\*\*|Failed|Timeout|Exception/); n = 0
                                          if (inblock) print "\n--- " $0; next }
    /^[0-9]+% tests passed/ { inblock = 0 }
    inblock && n < 40 && /FAIL!|Loc: |ERROR: |SUMMARY: |runtime error|Actual|Expected|Received signal|terminate|Segmentation|Assert|Timeout|WARNING: ThreadSanitizer|Direct leak|Indirect leak/ { print "  " $0; n++ }
  ' "$log"
}

run_fuzz() { # scripts/fuzz.sh [seconds per target]: builds build-fuzz/ with clang and runs every target
  "$ROOT/scripts/fuzz.sh" "$FUZZ_SECONDS" 2>&1 | tee "$LOG_DIR/fuzz.log"
  return "${PIPESTATUS[0]}"
}

# ---------------------------------------------------------------- phases
setup_ok=1
if ((do_setup)); then
  phase setup scripts/setup.sh || { banner "setup failed: stopping"; setup_ok=0 do_sanitize=0 do_fuzz=0; }
fi

if ((setup_ok)); then
  if phase configure configure "$BUILD" -DAIRLOCK_WERROR=ON -DAIRLOCK_BUILD_APP=ON -DAIRLOCK_BUILD_TESTS=ON -DAIRLOCK_SANITIZE=; then
    if phase build cmake --build "$BUILD"; then
      phase ctest run_ctest "$BUILD" "$LOG_DIR/ctest.log"
    else
      skip ctest "build failed"
    fi
  else
    skip build "configure failed"; skip ctest "configure failed"
  fi
fi

if ((do_sanitize)); then
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:disable_coredump=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  # Third-party leaks only (Qt, fontconfig, Mesa); never suppress leaks of our own code.
  [[ -f tests/lsan.supp ]] && export LSAN_OPTIONS=suppressions=$ROOT/tests/lsan.supp:print_suppressions=0
  # Debug: Q_ASSERTs on, and -O0 compiles faster. No -Werror: GCC 12 warns falsely under -fsanitize.
  if phase configure-asan configure "$BUILD_ASAN" -DCMAKE_BUILD_TYPE=Debug -DAIRLOCK_SANITIZE=address,undefined \
    -DAIRLOCK_BUILD_APP=ON -DAIRLOCK_BUILD_TESTS=ON -DAIRLOCK_WERROR=OFF; then
    if phase build-asan cmake --build "$BUILD_ASAN"; then
      phase ctest-asan run_ctest "$BUILD_ASAN" "$LOG_DIR/ctest-asan.log"
    else
      skip ctest-asan "build failed"
    fi
  else
    skip build-asan "configure failed"; skip ctest-asan "configure failed"
  fi
  unset ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS
fi

if ((do_fuzz)); then
  if [[ -x scripts/fuzz.sh ]]; then
    phase fuzz run_fuzz
  else
    banner "fuzz: scripts/fuzz.sh does not exist, skipped"
  fi
fi

# ---------------------------------------------------------------- report
failure_digest ctest "$LOG_DIR/ctest.log"
failure_digest ctest-asan "$LOG_DIR/ctest-asan.log"
banner "summary (logs in $LOG_DIR)"
for i in "${!PHASES[@]}"; do
  printf '  %-15s %5ss  %s\n' "${PHASES[i]}" "${TIMES[i]}" "${RESULTS[i]}"
done
printf '  %-15s %5ss\n' total $(($(date +%s) - T_START))
((FAILED)) && echo "test.sh: FAILED"
echo "$TOTAL_PASSED passed, $TOTAL_FAILED failed"
exit "$FAILED"
