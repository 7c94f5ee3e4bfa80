#!/bin/sh
# Runs a test against a real Secret Service: a private D-Bus session with an unlocked gnome-keyring,
# HOME / XDG_RUNTIME_DIR / XDG_DATA_HOME in a fresh temporary directory (packages: dbus, gnome-keyring).
#   keychain_session.sh <test executable> [args]
set -eu
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/home" "$work/runtime" "$work/data" "$work/config"
chmod 700 "$work/runtime"
export HOME="$work/home" XDG_RUNTIME_DIR="$work/runtime" XDG_DATA_HOME="$work/data" XDG_CONFIG_HOME="$work/config"
exec dbus-run-session -- sh -c 'printf "\n" | gnome-keyring-daemon --unlock --components=secrets >/dev/null; exec "$@"' keychain "$@"
