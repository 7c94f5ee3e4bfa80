#!/usr/bin/env bash
# Throughput of airlockd with client authentication on (a verified, cached JWT on every request) versus
# off (--auth disabled), same binary, same machine, interleaved in one run (on, off, on, off, ...), with
# the shared harness (../shared/bench) driving only the `gateway` target. Prints rps per round, the
# medians and the ratio on/off (the issue's target: >= 0.95).
#
#   scripts/bench-auth.sh [ROUNDS] [harness options...]     default: 3 rounds, -d 10s -w 3s
#   Environment: AIRLOCKD (use this binary instead of building Release into build-bench),
#                BENCH_DIR (default <repo>/../shared/bench), BENCH_PORT (default 18090; admin = +1)
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 1
case "${1:-}" in -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
ROUNDS=3
if [[ ${1:-} =~ ^[0-9]+$ ]]; then ROUNDS=$1; shift; fi
(($#)) || set -- -d 10s -w 3s
BENCH_DIR=$(cd "${BENCH_DIR:-$ROOT/../shared/bench}" 2>/dev/null && pwd) || { echo "bench-auth.sh: no harness" >&2; exit 1; }
PORT=${BENCH_PORT:-18090}
ADMIN_PORT=$((PORT + 1))
note() { printf 'bench-auth.sh: %s\n' "$*" >&2; }

if [[ -z ${AIRLOCKD:-} ]]; then
  AIRLOCK_BUILD_TARGETS=airlockd scripts/build.sh build-bench -DCMAKE_BUILD_TYPE=Release \
    -DAIRLOCK_BUILD_TESTS=OFF -DAIRLOCK_BUILD_APP=OFF -DAIRLOCK_SANITIZE= >build-bench.log 2>&1 ||
    { tail -20 build-bench.log >&2; note "Release build failed (log: build-bench.log)"; exit 1; }
  AIRLOCKD=$ROOT/build-bench/service/airlockd
fi
"$AIRLOCKD" --help | grep -q 'token issue' || { note "$AIRLOCKD has no auth (token issue)"; exit 1; }

TMP=$(mktemp -d /tmp/airlock-bench-auth.XXXXXX) || exit 1
trap 'rm -rf "$TMP"' EXIT
sed 's/"model":"[^"]*"/"model":"bench"/' "$BENCH_DIR/wrk/chat-body.json" >"$TMP/chat-body.json"

# One data dir: the token issued into it verifies in the "on" runs; "off" ignores the header.
token=$("$AIRLOCKD" token issue --data-dir "$TMP/data" --subject bench --ttl 1d --scopes direct_model_access 2>/dev/null) ||
  { note "token issue failed"; exit 1; }

for mode in required disabled; do
  cat >"$TMP/airlockd-$mode" <<WRAP
#!/usr/bin/env bash
set -euo pipefail
cat >"$TMP/airlock-$mode.json" <<JSON
{"models":[{"name":"bench","family":"general","base_url":"\${BENCH_UPSTREAM_URL:?}","identifier":"bench-model"}],
 "features":{"code_completions":"bench"}}
JSON
exec "$AIRLOCKD" --config "$TMP/airlock-$mode.json" --data-dir "$TMP/data" --listen 127.0.0.1:$PORT \\
  --admin-listen 127.0.0.1:$ADMIN_PORT --workers 1 --auth $mode
WRAP
  chmod +x "$TMP/airlockd-$mode"
done

declare -A rps
run_one() { # mode round
  local mode=$1 log="$TMP/harness-$1-$2.log" summary
  (cd "$BENCH_DIR" && GATEWAY_CMD="exec '$TMP/airlockd-$mode'" GATEWAY_URL=http://127.0.0.1:$PORT/v1 GATEWAY_NAME=airlockd \
     BENCH_AUTH="Bearer $token" BENCH_BODY=$TMP/chat-body.json ./run.sh --mode bench "${@:3}" gateway) >"$log" 2>&1
  summary=$(sed -n 's/^summary written to //p' "$log" | tail -n1)
  [[ -n $summary && -f $summary ]] || { tail -20 "$log" >&2; note "no summary for $mode round $2"; return 1; }
  awk '/^== bench/ { t = 1; next } /^== / { t = 0 } t && ($1 == "gateway" || $1 == "airlockd") { print $2; exit }' "$summary"
}

for ((r = 1; r <= ROUNDS; r++)); do
  for mode in required disabled; do
    v=$(run_one $mode $r "$@") || exit 1
    rps[$mode,$r]=$v
    printf 'round %d  auth %-8s %s rps\n' "$r" "$mode" "$v"
  done
done

on=(); off=()
for ((r = 1; r <= ROUNDS; r++)); do on+=("${rps[required,$r]}"); off+=("${rps[disabled,$r]}"); done
python3 -c '
import statistics, sys
on = [float(x) for x in sys.argv[1].split()]; off = [float(x) for x in sys.argv[2].split()]
mon, moff = statistics.median(on), statistics.median(off)
pairs = [a / b for a, b in zip(on, off) if b]
print(f"auth on  median {mon:.0f} rps  {on}")
print(f"auth off median {moff:.0f} rps  {off}")
print(f"ratio on/off: {mon / moff:.3f} (medians); per round {[round(p, 3) for p in pairs]}; target >= 0.95")
' "${on[*]}" "${off[*]}"
