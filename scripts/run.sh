#!/usr/bin/env bash
# Installs what is missing, builds, and runs airlockd in the foreground on its embedded SQLite store
# (default data dir). When a display exists and airlock-admin was built, also opens the console
# connected to this gateway's admin API. Ctrl-C stops both.
#
#   scripts/run.sh [airlockd options...]        e.g. --config airlock.json, --data-dir DIR,
#                                               --listen 127.0.0.1:5052, --admin-listen 127.0.0.1:5053
#   Environment: AIRLOCK_BUILD_DIR (default build), AIRLOCK_NO_SETUP=1 skips scripts/setup.sh,
#                AIRLOCK_NO_CONSOLE=1 never starts the console.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
BUILD=${AIRLOCK_BUILD_DIR:-build}

case "${1:-}" in
  -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
esac

# What the console needs to know from airlockd's options: the admin address and the data dir.
admin_listen=127.0.0.1:5053
data_dir=
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[i]}" in
    --admin-listen) admin_listen=${args[i + 1]:-} ;;
    --admin-listen=*) admin_listen=${args[i]#*=} ;;
    --data-dir) data_dir=${args[i + 1]:-} ;;
    --data-dir=*) data_dir=${args[i]#*=} ;;
  esac
done

# airlockd's default data dir (service/platform/datadir.h), to find the admin token it creates.
if [[ -z $data_dir ]]; then
  if [[ -n ${STATE_DIRECTORY:-} ]]; then
    data_dir=${STATE_DIRECTORY%%:*}
  elif [[ ${AIRLOCK_SERVICE:-} == 1 || (-n ${INVOCATION_ID:-} && $(id -u) -eq 0) ]]; then
    data_dir=/var/lib/airlock
  elif [[ ${XDG_DATA_HOME:-} == /* ]]; then
    data_dir=$XDG_DATA_HOME/airlock
  else
    data_dir=${HOME:-$PWD}/.local/share/airlock
  fi
fi

[[ ${AIRLOCK_NO_SETUP:-} == 1 ]] || scripts/setup.sh
scripts/build.sh "$BUILD"

AIRLOCKD=$BUILD/service/airlockd
CONSOLE=$BUILD/app/airlock-admin
[[ -x $AIRLOCKD ]] || { echo "run.sh: $AIRLOCKD was not built" >&2; exit 1; }

daemon_pid= console_pid=
stop_all() {
  [[ -n $console_pid ]] && kill -TERM "$console_pid" 2>/dev/null
  [[ -n $daemon_pid ]] && kill -TERM "$daemon_pid" 2>/dev/null
  [[ -n $console_pid ]] && wait "$console_pid" 2>/dev/null
  [[ -n $daemon_pid ]] && wait "$daemon_pid" 2>/dev/null
  console_pid= daemon_pid=
  [[ -n ${TMP:-} ]] && rm -rf "$TMP"
  TMP=
}
trap 'stop_all; exit 130' INT
trap 'stop_all; exit 143' TERM HUP
trap stop_all EXIT

# airlockd's stderr also goes to a private temp file: at the first start it prints the admin API's
# bootstrap token there (only once; it keeps just a hash), and the console needs it.
TMP=$(mktemp -d)
echo "run.sh: starting $AIRLOCKD $* (Ctrl-C stops it)"
"$AIRLOCKD" "$@" 2> >(tee "$TMP/stderr" >&2) &
daemon_pid=$!

start_console() {
  if [[ ${AIRLOCK_NO_CONSOLE:-} == 1 ]]; then return 0; fi
  if [[ -z ${DISPLAY:-} && -z ${WAYLAND_DISPLAY:-} ]]; then
    echo "run.sh: no display (\$DISPLAY/\$WAYLAND_DISPLAY): not starting the console"
    return 0
  fi
  if [[ ! -x $CONSOLE ]]; then
    echo "run.sh: $CONSOLE was not built: not starting the console"
    return 0
  fi
  local help
  help=$(QT_QPA_PLATFORM=offscreen timeout 10 "$CONSOLE" --help 2>&1) || true
  if [[ $help != *--connect* || $help != *--token-env* ]]; then
    echo "run.sh: $CONSOLE has no --connect/--token-env options: not starting the console"
    return 0
  fi
  # Wait for the admin API (it listens last) to answer; give up if airlockd exited.
  local host=${admin_listen%:*} port=${admin_listen##*:} i
  [[ -z $host || $host == 0.0.0.0 ]] && host=127.0.0.1
  [[ $host == "[::]" ]] && host="[::1]"
  for ((i = 0; i < 300; i++)); do
    kill -0 "$daemon_pid" 2>/dev/null || return 0
    curl -s -o /dev/null --max-time 1 "http://$host:$port/api/v1/info" && break
    sleep 0.1
  done
  # The admin token: $AIRLOCK_ADMIN_TOKEN (airlockd uses it too), a plain <data dir>/admin-token
  # (older versions), or the bootstrap token airlockd printed just now at its first start.
  local token=${AIRLOCK_ADMIN_TOKEN:-}
  [[ -z $token && -r $data_dir/admin-token ]] && token=$(head -n1 "$data_dir/admin-token")
  [[ -z $token ]] && token=$(awk '/bootstrap token is/ { f = 1; next } f && NF { print $1; exit }' "$TMP/stderr")
  if [[ -z $token ]]; then
    echo "run.sh: no admin token for the console: airlockd keeps only its hash ($data_dir/admin-token.hash)."
    echo "run.sh: start with AIRLOCK_ADMIN_TOKEN=<token> scripts/run.sh to open the console."
    return 0
  fi
  echo "run.sh: starting the console: $CONSOLE --connect http://$host:$port --token-env AIRLOCK_ADMIN_TOKEN"
  AIRLOCK_ADMIN_TOKEN=$token "$CONSOLE" --connect "http://$host:$port" --token-env AIRLOCK_ADMIN_TOKEN &
  console_pid=$!
}
start_console

# Runs until airlockd exits (Ctrl-C, SIGTERM, or an error at start); closing the console leaves it running.
rc=0
wait "$daemon_pid" || rc=$?
daemon_pid=
stop_all
exit "$rc"
