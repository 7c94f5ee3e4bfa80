#!/usr/bin/env bash
# Throughput of airlockd with the request log on vs off, interleaved in one run of this script through
# the shared harness (/work/shared/bench/run.sh, target "gateway", bench mode, chat endpoint).
#
#   tests/logging/bench_logging_onoff.sh AIRLOCKD [ROUNDS] [harness options...]
#   e.g. tests/logging/bench_logging_onoff.sh build-rel/service/airlockd 3 -d 8s -w 2s
#
# "off" runs the same binary with --request-log off (no observer at all). Client auth is off in both
# (--auth disabled) so that only the request log differs. Prints each round and the ratio of the
# median requests/s (on / off).
set -uo pipefail
AIRLOCKD=$(realpath "${1:?usage: $0 AIRLOCKD [ROUNDS] [harness options]}")
ROUNDS=${2:-3}
shift 2 || shift $#
BENCH_DIR=${BENCH_DIR:-/work/shared/bench}
PORT=${BENCH_PORT:-18190}
TMP=$(mktemp -d /tmp/airlock-logbench.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

sed 's/"model":"[^"]*"/"model":"bench"/' "$BENCH_DIR/wrk/chat-body.json" >"$TMP/chat-body.json"
for mode in on off; do
  {
    echo '#!/usr/bin/env bash'
    echo "printf '%s' '{\"models\":[{\"name\":\"bench\",\"family\":\"general\",\"base_url\":\"'\"\$BENCH_UPSTREAM_URL\"'\",\"identifier\":\"bench-model\",\"max_concurrency\":1024}],\"features\":{\"code_completions\":\"bench\"}}' >'$TMP/airlock.json'"
    echo "rm -rf '$TMP/data'"
    echo "exec '$AIRLOCKD' --config '$TMP/airlock.json' --data-dir '$TMP/data' --listen 127.0.0.1:$PORT --admin-listen 127.0.0.1:$((PORT + 1)) --workers 1 --auth disabled --request-log $mode"
  } >"$TMP/gateway-$mode"
  chmod +x "$TMP/gateway-$mode"
done

declare -A RPS=([on]="" [off]="")
for round in $(seq 1 "$ROUNDS"); do
  for mode in on off; do
    log="$TMP/$mode-$round.log"
    (cd "$BENCH_DIR" && GATEWAY_CMD="exec '$TMP/gateway-$mode'" \
       GATEWAY_URL=http://127.0.0.1:$PORT/v1 GATEWAY_NAME=airlockd BENCH_BODY="$TMP/chat-body.json" \
       ./run.sh --mode bench "$@" gateway) >"$log" 2>&1
    summary=$(sed -n 's/^summary written to //p' "$log" | tail -n1)
    rps=$(awk '/^== bench/ { t = 1; next } /^== / { t = 0 } t && ($1 == "gateway" || $1 == "airlockd") { print $2; exit }' \
          "${summary:-/dev/null}" 2>/dev/null)
    [[ -n $rps ]] || { echo "round $round ($mode): no result; log:"; tail -20 "$log"; exit 1; }
    RPS[$mode]+="$rps "
    echo "round $round: request log $mode: $rps req/s"
  done
done
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
on=$(echo "${RPS[on]}" | median)
off=$(echo "${RPS[off]}" | median)
echo "median req/s: logging on $on, off $off; on/off = $(awk -v a="$on" -v b="$off" 'BEGIN { printf "%.3f", a / b }')"
