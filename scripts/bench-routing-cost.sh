#!/usr/bin/env bash
# What routing costs per request (issue #13: "≤ 2 % over a single endpoint"): CPU instructions per proxied
# request counted by valgrind's callgrind (instructions, not seconds: repeatable on a shared, noisy
# machine), for the same chat request through three configurations of one airlockd binary:
#   single    one endpoint with one base_url (the pre-routes configuration)
#   replicas  one endpoint with two replicas (balancing over replica states)
#   tiers     a two-tier route: 90/10 over two endpoints, then a fallback endpoint
# and, with REFERENCE_AIRLOCKD, the `single` configuration through a reference binary (e.g. a build of the
# commit before routes) in the same run. Auth is disabled, the request log is on, one worker. The model
# servers are scripts/bench/fake-model.js on 127.0.0.1 (one token, no delay). Counts are the process's
# instructions (all threads: worker, request-log writer, ...) from after a warm-up to the end of N
# requests, divided by N; one wake-up request callgrind_control needs is inside the count (≤ 1/N).
# How much work one request takes still depends a little on timing (event-loop wake-ups, the log
# writer's batch sizes), so each configuration runs ROUNDS times, interleaved, and the least count is
# reported (noise only ever adds work).
#
#   scripts/bench-routing-cost.sh [single replicas tiers]
#   Environment: AIRLOCKD (default build-bench/service/airlockd, else build-dev/, else build/),
#                REFERENCE_AIRLOCKD (optional), N (default 1000), WARMUP (default 100), ROUNDS (default 3),
#                COST_RUN_DIR (default a new /tmp/airlock-cost.XXXXXX, kept: configs, logs, dumps)
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
case "${1:-}" in -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
note() { printf 'bench-routing-cost.sh: %s\n' "$*" >&2; }
for tool in valgrind callgrind_control curl node; do
  command -v "$tool" >/dev/null || { note "$tool is required"; exit 1; }
done

BIN=${AIRLOCKD:-}
if [[ -z $BIN ]]; then
  for c in "$ROOT/build-bench/service/airlockd" "$ROOT/build-dev/service/airlockd" "$ROOT/build/service/airlockd"; do
    [[ -x $c ]] && { BIN=$c; break; }
  done
fi
[[ -n $BIN && -x $BIN ]] || { note "no airlockd binary (build it, or set AIRLOCKD=path)"; exit 1; }
N=${N:-1000}
WARMUP=${WARMUP:-100}
ROUNDS=${ROUNDS:-3}
CONFIGS=("$@")
((${#CONFIGS[@]})) || CONFIGS=(single replicas tiers)
RUN=${COST_RUN_DIR:-$(mktemp -d /tmp/airlock-cost.XXXXXX)} || exit 1
mkdir -p "$RUN" || exit 1
note "airlockd: $BIN; run dir: $RUN"

PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; }
trap cleanup EXIT

# Three fake model servers; each prints {"event":"listening",...,"port":N} first.
declare -A UP
for name in a b c; do
  fifo="$RUN/upstream-$name.out"
  node "$ROOT/scripts/bench/fake-model.js" --name "$name" --tokens 1 --token-ms 0 >"$fifo" 2>"$RUN/upstream-$name.err" &
  PIDS+=($!)
  for _ in $(seq 100); do
    port=$(sed -n '1s/.*"port":\([0-9]*\).*/\1/p' "$fifo" 2>/dev/null)
    [[ -n $port ]] && break
    sleep 0.05
  done
  [[ -n $port ]] || { note "fake model server $name did not start"; exit 1; }
  UP[$name]="http://127.0.0.1:$port/v1"
done

config() { # name [reference] -> JSON
  # Health probes once an hour: their traffic is not per-request cost (a reference binary from before
  # routes has neither probes nor a resilience section).
  local RESILIENCE=',"resilience":{"probes":{"interval_ms":3600000}}'
  [[ ${2:-} == reference ]] && RESILIENCE=
  case $1 in
    single) cat <<JSON
{"models":[{"name":"m1","family":"general","base_url":"${UP[a]}","identifier":"bench-model"}],
 "features":{"code_generations":"m1"}${RESILIENCE}}
JSON
    ;;
    replicas) cat <<JSON
{"models":[{"name":"m1","family":"general","identifier":"bench-model",
            "replicas":[{"base_url":"${UP[a]}","weight":1},{"base_url":"${UP[b]}","weight":1}]}],
 "features":{"code_generations":"m1"}${RESILIENCE}}
JSON
    ;;
    tiers) cat <<JSON
{"models":[{"name":"m1","family":"general","base_url":"${UP[a]}","identifier":"bench-model"},
           {"name":"m2","family":"general","base_url":"${UP[b]}","identifier":"bench-model"},
           {"name":"m3","family":"general","base_url":"${UP[c]}","identifier":"bench-model"}],
 "features":{"code_generations":{"tiers":[[{"model":"m1","weight":90},{"model":"m2","weight":10}],[{"model":"m3"}]]}}${RESILIENCE}}
JSON
    ;;
    *) note "unknown configuration '$1' (single, replicas, tiers)"; exit 1 ;;
  esac
}

BODY='{"model":"code_generations","messages":[{"role":"user","content":"def fib(n):"}],"max_tokens":16}'
PORT_BASE=$((20000 + RANDOM % 20000))

send() { # port count -> number of 200 answers (one connection, keep-alive)
  local port=$1 count=$2 cfg="$RUN/urls-$2.cfg"
  [[ -f $cfg ]] || for _ in $(seq "$count"); do
    printf 'url = "http://127.0.0.1:%s/v1/chat/completions"\noutput = "/dev/null"\n' PORT
  done >"$cfg"
  sed "s/PORT/$port/" "$cfg" >"$cfg.$port"
  curl -s --max-time 600 -H 'content-type: application/json' --data-binary "$BODY" -w '%{http_code}\n' \
    --config "$cfg.$port" | grep -c '^200$'
}

wait_ready() { # port pid
  for _ in $(seq 600); do
    curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$1/v1/models" && return 0
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

measure() { # label binary config port round -> instructions per request on stdout
  local label=$1 bin=$2 cfgname=$3 port=$4 dir="$RUN/$1-$5" admin pid ok dump ir
  mkdir -p "$dir/data"
  config "$cfgname" "$label" >"$dir/airlock.json"
  admin=$((port + 1))
  local args=(--config "$dir/airlock.json" --data-dir "$dir/data" --listen "127.0.0.1:$port"
              --admin-listen "127.0.0.1:$admin" --workers 1 --auth disabled)
  # First start outside valgrind: it creates the data dir and the admin credential (a PBKDF2 thread
  # that would otherwise run inside the measured window).
  "$bin" "${args[@]}" >"$dir/first.log" 2>&1 &
  pid=$!
  wait_ready "$port" "$pid" || { note "$label: airlockd did not start (log: $dir/first.log)"; return 1; }
  kill "$pid"; wait "$pid" 2>/dev/null
  valgrind --tool=callgrind --callgrind-out-file="$dir/callgrind.out" --dump-line=no \
    "$bin" "${args[@]}" >"$dir/airlockd.log" 2>&1 &
  pid=$!
  PIDS+=("$pid")
  wait_ready "$port" "$pid" || { note "$label: airlockd under valgrind did not start (log: $dir/airlockd.log)"; return 1; }
  ok=$(send "$port" "$WARMUP")
  ((ok == WARMUP)) || { note "$label: $ok of $WARMUP warm-up requests answered 200"; return 1; }
  # callgrind_control acts when the process next runs: a request wakes it.
  callgrind_control -z "$pid" >/dev/null 2>&1 &
  local ctl=$!
  sleep 1; send "$port" 1 >/dev/null; wait "$ctl"
  ok=$(send "$port" "$N")
  ((ok == N)) || { note "$label: $ok of $N requests answered 200"; return 1; }
  callgrind_control -d "$pid" >/dev/null 2>&1 &
  ctl=$!
  sleep 1; send "$port" 1 >/dev/null; wait "$ctl"
  kill "$pid"; wait "$pid" 2>/dev/null
  dump=$(ls -t "$dir"/callgrind.out.* 2>/dev/null | grep -v '\.0$' | head -n1)
  [[ -n $dump ]] || dump=$(ls -t "$dir"/callgrind.out* | head -n1)
  ir=$(sed -n 's/^summary: *\([0-9]*\).*/\1/p; s/^totals: *\([0-9]*\).*/\1/p' "$dump" | head -n1)
  [[ -n $ir ]] || { note "$label: no instruction total in $dump"; return 1; }
  echo $(((ir + N / 2) / N))
}

declare -A COST ALL
order=()
[[ -n ${REFERENCE_AIRLOCKD:-} ]] && order+=(reference)
order+=("${CONFIGS[@]}")
for round in $(seq "$ROUNDS"); do
  for c in "${order[@]}"; do
    PORT_BASE=$((PORT_BASE + 2))
    if [[ $c == reference ]]; then
      cost=$(measure reference "$REFERENCE_AIRLOCKD" single "$PORT_BASE" "$round") || exit 1
    else
      cost=$(measure "$c" "$BIN" "$c" "$PORT_BASE" "$round") || exit 1
    fi
    note "round $round: $c $cost"
    ALL[$c]="${ALL[$c]:-} $cost"
    [[ -z ${COST[$c]:-} || $cost -lt ${COST[$c]} ]] && COST[$c]=$cost
  done
done

base=${COST[single]:-}
printf '\n%-10s %14s %10s %10s   %s\n' configuration instr/request vs_single vs_reference rounds
for c in "${order[@]}"; do
  vs_single=-; vs_ref=-
  [[ -n $base ]] && vs_single=$(awk -v a="${COST[$c]}" -v b="$base" 'BEGIN { printf "%+.1f%%", (a / b - 1) * 100 }')
  [[ -n ${COST[reference]:-} ]] && vs_ref=$(awk -v a="${COST[$c]}" -v b="${COST[reference]}" 'BEGIN { printf "%+.1f%%", (a / b - 1) * 100 }')
  printf '%-10s %14s %10s %10s  %s\n' "$c" "${COST[$c]}" "$vs_single" "$vs_ref" "${ALL[$c]}"
done
echo "N=$N WARMUP=$WARMUP ROUNDS=$ROUNDS (least of the rounds); run dir: $RUN"
