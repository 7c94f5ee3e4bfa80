#!/usr/bin/env bash
# Configures and builds everything (airlockd, airlock-admin, the tests) with Ninja.
#
#   scripts/build.sh [BUILD_DIR] [extra cmake arguments...]
#     BUILD_DIR defaults to build/ (relative paths are taken from the repository root);
#     CMAKE_BUILD_TYPE defaults to RelWithDebInfo (pass -DCMAKE_BUILD_TYPE=... to change it).
#   Environment: AIRLOCK_BUILD_TARGETS="airlockd ..." builds only those targets.
#
#   scripts/build.sh                                   # build/, RelWithDebInfo
#   scripts/build.sh build-asan -DAIRLOCK_SANITIZE=address,undefined
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

BUILD_DIR=build
if (($#)) && [[ $1 != -* ]]; then
  BUILD_DIR=$1
  shift
fi

build_type=(-DCMAKE_BUILD_TYPE=RelWithDebInfo)
for arg in "$@"; do
  [[ $arg == -DCMAKE_BUILD_TYPE=* || $arg == -DCMAKE_BUILD_TYPE:*=* ]] && build_type=()
done

# An existing build dir made with another generator cannot be reconfigured with Ninja.
if [[ -f $BUILD_DIR/CMakeCache.txt ]] && ! grep -q '^CMAKE_GENERATOR:INTERNAL=Ninja$' "$BUILD_DIR/CMakeCache.txt"; then
  echo "build.sh: $BUILD_DIR was configured with another generator; remove it or pick another directory" >&2
  exit 1
fi

cmake -S . -B "$BUILD_DIR" -G Ninja "${build_type[@]}" "$@"
# shellcheck disable=SC2086
cmake --build "$BUILD_DIR" ${AIRLOCK_BUILD_TARGETS:+--target $AIRLOCK_BUILD_TARGETS}
