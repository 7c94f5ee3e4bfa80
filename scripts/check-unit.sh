#!/usr/bin/env bash
# Checks the shipped systemd unit: `systemd-analyze verify` is clean (with ExecStart pointed at the
# airlockd built here, so that the binary it names exists) and `systemd-analyze security` rates its
# exposure at most 2.0 (threshold 20 on its 0-100 scale). Prints the exposure line.
#   scripts/check-unit.sh <airlockd binary> [unit file]
set -euo pipefail
binary=${1:?usage: check-unit.sh <airlockd binary> [unit file]}
unit=${2:-$(dirname "$0")/../installer/systemd/airlockd.service}
command -v systemd-analyze >/dev/null || { echo "check-unit.sh: systemd-analyze is missing (Debian package systemd)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed "s|/usr/bin/airlockd|$(realpath "$binary")|" "$unit" >"$tmp/airlockd.service"
if ! out=$(systemd-analyze verify "$tmp/airlockd.service" 2>&1) || [[ -n $out ]]; then
  echo "check-unit.sh: systemd-analyze verify is not clean:" >&2
  echo "$out" >&2
  exit 1
fi
security=$(systemd-analyze security --offline=true --threshold=20 "$tmp/airlockd.service" 2>&1) || {
  echo "$security" | grep -E '✗|Overall' >&2
  echo "check-unit.sh: the unit's exposure is above 2.0" >&2
  exit 1
}
echo "$security" | grep 'Overall exposure'
