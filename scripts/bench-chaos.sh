#!/usr/bin/env bash
# Chaos benchmark (issue #13): airlockd in front of two replicas of one model endpoint plus a fallback
# endpoint (fake OpenAI servers, scripts/bench/fake-model.js), under 60 s of steady mixed traffic
# (scripts/bench/chaos.js): run "kill" SIGKILLs replica A at 20 s and restarts it at 40 s, run "stall"
# makes A accept requests and never answer from 20 s to 40 s, run "split" checks a 70/30 weighted tier
# over 10,000 requests. Prints a table and writes JSON. Everything listens on 127.0.0.1 (kernel-picked
# ports). Exits non-zero only when the bench could not be set up (it is a bench, not a test).
#
#   scripts/bench-chaos.sh [chaos.js options...]   e.g. --runs kill --duration 30 --event-at 10 --recover-at 20
#   Options: --runs kill,stall,split  --duration 60  --event-at 20  --recover-at 40  --concurrency 16
#            --split-requests 10000  --workers 1  --first-byte-ms 2000  --tokens 8  --token-ms 3
#   Environment: AIRLOCKD=path (default build-dev/service/airlockd, else build/service/airlockd),
#                CHAOS_OUT=results.json (default <run dir>/results.json), CHAOS_RUN_DIR (default a new
#                /tmp/airlock-chaos.XXXXXX, kept: configs, airlockd logs, data dir)
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
case "${1:-}" in -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
note() { printf 'bench-chaos.sh: %s\n' "$*" >&2; }

command -v node >/dev/null || { note "node (>= 18) is required"; exit 1; }
node -e 'process.exit(+process.versions.node.split(".")[0] >= 18 ? 0 : 1)' || { note "node >= 18 is required"; exit 1; }

if [[ -n ${AIRLOCKD:-} ]]; then
  BIN=$AIRLOCKD
else
  BIN=
  for c in "$ROOT/build-dev/service/airlockd" "$ROOT/build/service/airlockd" "$ROOT/build-bench/service/airlockd"; do
    [[ -x $c ]] && { BIN=$c; break; }
  done
fi
[[ -n $BIN && -x $BIN ]] || { note "no airlockd binary (build it, or set AIRLOCKD=path)"; exit 1; }
BIN=$(realpath "$BIN")

RUN_DIR=${CHAOS_RUN_DIR:-$(mktemp -d /tmp/airlock-chaos.XXXXXX)} || exit 1
mkdir -p "$RUN_DIR/data" || exit 1
OUT=${CHAOS_OUT:-$RUN_DIR/results.json}
note "airlockd: $BIN; run dir: $RUN_DIR"

# A client token: the requests name features (code_completions, duo_chat).
token=$("$BIN" token issue --data-dir "$RUN_DIR/data" --subject bench-chaos --ttl 1d --description scripts/bench-chaos.sh \
  --scopes direct_model_access,duo_chat,complete_code,generate_code 2>"$RUN_DIR/token.err") ||
  { cat "$RUN_DIR/token.err" >&2; note "airlockd token issue failed"; exit 1; }
token=$(printf "%s\n" "$token" | sed -n "/[^[:space:]]/{p;q}")
[[ -n $token ]] || { note "airlockd token issue printed no token"; exit 1; }

CHAOS_TOKEN=$token node "$ROOT/scripts/bench/chaos.js" --airlockd "$BIN" --data-dir "$RUN_DIR/data" \
  --work-dir "$RUN_DIR" --out "$OUT" "$@"
rc=$?

# What airlockd itself logged for the requests it failed: the attempts of each (request log, all runs).
if command -v sqlite3 >/dev/null && [[ -f $RUN_DIR/data/airlock.db ]]; then
  echo
  echo "== airlockd request log: failed requests by path, status, error and attempts (all runs)"
  sqlite3 -separator ' | ' "$RUN_DIR/data/airlock.db" \
    "SELECT count(*), path, status, error_code,
            (SELECT group_concat(json_extract(a.value, '\$.end') || '@' || substr(json_extract(a.value, '\$.replica'), 18), ' > ')
               FROM json_each(request_log.attempts) a) AS tries
       FROM request_log WHERE status <> 200 OR error_code IS NOT NULL GROUP BY 2, 3, 4, 5 ORDER BY 1 DESC LIMIT 30" 2>&1
fi
exit "$rc"
