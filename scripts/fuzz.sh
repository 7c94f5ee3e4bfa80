#!/usr/bin/env bash
# Builds the libFuzzer targets with clang++-14 (ASan + UBSan) in build-fuzz and runs each for N seconds.
#   scripts/fuzz.sh [seconds]        default 20; exits non-zero if any target finds a crash
# Environment: JOBS (default 2), BUILD_DIR (default build-fuzz), FUZZ_ARGS (extra libFuzzer flags).
# Crash reproducers land in build-fuzz/fuzz-artifacts/<target>/; new inputs in build-fuzz/fuzz-corpus/<target>/
# (the seeds in tests/fuzz/corpus/ are read, never written).
set -euo pipefail

seconds="${1:-20}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD_DIR:-$root/build-fuzz}"
jobs="${JOBS:-2}"
targets=(fuzz_requestframer fuzz_jsonscanner fuzz_openaiadapter fuzz_jwt fuzz_gitlabadapter)

command -v clang++-14 >/dev/null || { echo "fuzz.sh: clang++-14 not found (apt-get install clang-14 libclang-rt-14-dev)" >&2; exit 2; }

cmake -S "$root" -B "$build" -G Ninja \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_COMPILER=clang++-14 \
    -DAIRLOCK_FUZZ=ON -DAIRLOCK_BUILD_APP=OFF -DAIRLOCK_BUILD_TESTS=ON
cmake --build "$build" -j "$jobs" --target "${targets[@]}"

export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export QT_QPA_PLATFORM=offscreen

failed=()
for target in "${targets[@]}"; do
    corpus="$build/fuzz-corpus/$target"
    artifacts="$build/fuzz-artifacts/$target"
    mkdir -p "$corpus" "$artifacts"
    echo "=== $target: ${seconds}s"
    # shellcheck disable=SC2086
    if ! "$build/tests/fuzz/$target" -max_total_time="$seconds" -print_final_stats=1 \
            -artifact_prefix="$artifacts/" ${FUZZ_ARGS:-} "$corpus" "$root/tests/fuzz/corpus/$target"; then
        failed+=("$target")
    fi
done

if ((${#failed[@]})); then
    echo "fuzz.sh: crashes found in: ${failed[*]} (see $build/fuzz-artifacts/)" >&2
    exit 1
fi
echo "fuzz.sh: no crashes"
