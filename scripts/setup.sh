#!/usr/bin/env bash
# Installs the Debian 12 packages Airlock needs to build, test and run (and, with --with-bench,
# to run the load harness). Idempotent: only missing packages are installed, and `apt-get update`
# runs only when something is missing. Runs as root, or through sudo otherwise.
#
#   scripts/setup.sh [--with-bench] [--check]
#     --with-bench   also wrk, nginx, nodejs, npm (scripts/bench.sh)
#     --check        only report what is missing; exit 1 if anything is
set -euo pipefail

# The project's full needs, including what later features use (PostgreSQL/Redis scale-out,
# libFuzzer targets, the QML console and its tests, the keychain under a headless session).
PACKAGES=(
  qt6-base-dev qt6-httpserver-dev qt6-websockets-dev qt6-declarative-dev qt6-tools-dev qt6-l10n-tools
  qtkeychain-qt6-dev libqt6sql6-sqlite libqt6sql6-psql libsqlite3-dev
  qml6-module-qtquick-controls qml6-module-qtquick-layouts qml6-module-qtquick-window qml6-module-qttest
  qml6-module-qtqml-workerscript qml6-module-qtquick-templates qml6-module-qtquick-dialogs
  qml6-module-qt-labs-settings qml6-module-qtquick qml6-module-qtqml fonts-nanum
  libkf5syntaxhighlighting-tools libssl-dev ninja-build cmake g++
  xvfb xauth dbus gnome-keyring libsecret-tools
  clang-14 libclang-rt-14-dev
  redis-server postgresql libhiredis-dev
  curl python3 systemd
)
BENCH_PACKAGES=(wrk nginx nodejs npm)

with_bench=0
check_only=0
for arg in "$@"; do
  case "$arg" in
    --with-bench) with_bench=1 ;;
    --check) check_only=1 ;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "setup.sh: unknown option $arg (see --help)" >&2; exit 2 ;;
  esac
done
((with_bench)) && PACKAGES+=("${BENCH_PACKAGES[@]}")

if ! command -v dpkg-query >/dev/null || ! command -v apt-get >/dev/null; then
  echo "setup.sh: this script supports Debian 12 (dpkg/apt) only; install the packages listed in it by hand" >&2
  exit 1
fi

# A package counts as present when it is installed, or when an installed package provides it
# (NodeSource's nodejs provides and conflicts with Debian's npm: installing npm would remove it).
installed=$(dpkg-query -W -f='${db:Status-Status} ${Package} ${Provides}\n' 2>/dev/null |
  awk '$1 == "installed" { print $2; for (i = 3; i <= NF; i++) { p = $i; sub(/,$/, "", p); if (p !~ /^\(/ && p !~ /\)$/ && p !~ /^[<>=]/) print p } }' |
  sort -u)
missing=()
for p in "${PACKAGES[@]}"; do
  grep -qxF "$p" <<<"$installed" || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  echo "setup: all ${#PACKAGES[@]} packages present"
  exit 0
fi
echo "setup: missing: ${missing[*]}"
((check_only)) && exit 1

SUDO=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "setup.sh: not root and sudo is not installed; run as root" >&2; exit 1; }
  SUDO=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
echo "setup: installed ${missing[*]}"
