#!/usr/bin/env bash
# Load-tests airlockd with the shared harness (../shared/bench) against a direct call to the fake
# upstream, nginx as a plain reverse proxy and the Portkey gateway, then prints the harness's tables,
# airlockd's throughput relative to nginx, its added streaming latency, its idle RSS and its start time.
#
#   scripts/bench.sh [harness options...]     e.g. -d 3s -w 1s --stream-dur 3 for a smoke run
#   Environment: BENCH_DIR (default <repo>/../shared/bench), AIRLOCK_BENCH_BUILD_DIR (default build-bench),
#                BENCH_PORT (default 18090; the admin API uses BENCH_PORT+1), BENCH_TARGETS,
#                BENCH_RUN_DIR (default <build dir>/bench-run), AIRLOCK_NO_SETUP=1,
#                AIRLOCKD_BIN=path: benchmark that binary as it is (no build),
#                AIRLOCK_BENCH_AUTH=disabled: airlockd without client auth (default: a real client token)
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 1
case "${1:-}" in -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac

BENCH_DIR=$(cd "${BENCH_DIR:-$ROOT/../shared/bench}" 2>/dev/null && pwd) ||
  { echo "bench.sh: no harness at ${BENCH_DIR:-$ROOT/../shared/bench} (set BENCH_DIR)" >&2; exit 1; }
BUILD=$ROOT/${AIRLOCK_BENCH_BUILD_DIR:-build-bench}
PORT=${BENCH_PORT:-18090}
ADMIN_PORT=$((PORT + 1))
export BENCH_RUN_DIR=${BENCH_RUN_DIR:-$BUILD/bench-run}

note() { printf 'bench.sh: %s\n' "$*" >&2; }

# ---------------------------------------------------------------- tools and build
if [[ ${AIRLOCK_NO_SETUP:-} != 1 ]]; then
  scripts/setup.sh --with-bench || { note "setup failed"; exit 1; }
fi
mkdir -p "$BUILD" || exit 1
if [[ -n ${AIRLOCKD_BIN:-} ]]; then
  AIRLOCKD=$(realpath "$AIRLOCKD_BIN")
  note "using $AIRLOCKD as it is (AIRLOCKD_BIN): not building"
else
  AIRLOCK_BUILD_TARGETS=airlockd scripts/build.sh "$BUILD" -DCMAKE_BUILD_TYPE=Release \
    -DAIRLOCK_BUILD_TESTS=OFF -DAIRLOCK_BUILD_APP=OFF -DAIRLOCK_SANITIZE= >"$BUILD/build.log" 2>&1 ||
    { tail -30 "$BUILD/build.log" >&2; note "building airlockd (Release) failed; log: $BUILD/build.log"; exit 1; }
  AIRLOCKD=$BUILD/service/airlockd
fi
[[ -x $AIRLOCKD ]] || { note "$AIRLOCKD missing after the build"; exit 1; }

for p in "$PORT" "$ADMIN_PORT"; do
  if [[ -n $(ss -Hltn "sport = :$p" 2>/dev/null) ]]; then note "port $p is in use; set BENCH_PORT"; exit 1; fi
done

TMP=$(mktemp -d /tmp/airlock-bench.XXXXXX) || exit 1
trap 'rm -rf "$TMP"' EXIT

# The harness's bodies name "bench-model"; ours is the model "bench" (identifier "bench-model"), so
# the body sent to airlockd names "bench" and airlockd rewrites it to the identifier, as in production.
# The other targets get the same body: their upstream ignores the model.
for ep in chat completions; do
  sed 's/"model":"[^"]*"/"model":"bench"/' "$BENCH_DIR/wrk/$ep-body.json" >"$TMP/$ep-body.json"
  grep -q '"model":"bench"' "$TMP/$ep-body.json" || { note "cannot rewrite the model of $BENCH_DIR/wrk/$ep-body.json"; exit 1; }
done

# GATEWAY_CMD gets BENCH_UPSTREAM_URL only when the harness starts it (it differs between bench and
# stream mode), so the config is written by this wrapper at start.
cat >"$TMP/airlockd-bench" <<EOF
#!/usr/bin/env bash
set -euo pipefail
upstream=\${BENCH_UPSTREAM_URL:?BENCH_UPSTREAM_URL not set}
cat >"$TMP/airlock.json" <<JSON
{"models":[{"name":"bench","family":"general","base_url":"\$upstream","identifier":"bench-model"}],
 "features":{"code_completions":"bench","duo_chat":"bench"}}
JSON
exec "$AIRLOCKD" --config "$TMP/airlock.json" --data-dir "$TMP/data" --listen 127.0.0.1:$PORT \\
  --admin-listen 127.0.0.1:$ADMIN_PORT --workers 1 \$AIRLOCK_AUTH_ARGS
EOF
chmod +x "$TMP/airlockd-bench"

# Client authentication is on (airlockd's default): the harness sends BENCH_AUTH to every target, so it
# carries a client token airlockd issues into the bench data dir. "bench" is a model name, not a
# feature: that needs the direct_model_access scope.
# AIRLOCK_BENCH_AUTH=disabled runs airlockd with --auth disabled instead (to see what auth costs).
AUTH_ARGS=''
if [[ ${AIRLOCK_BENCH_AUTH:-} == disabled ]]; then
  AUTH_ARGS='--auth disabled'
  note "client auth: disabled (AIRLOCK_BENCH_AUTH=disabled)"
elif "$AIRLOCKD" --help 2>/dev/null | grep -q 'token issue'; then
  token=$("$AIRLOCKD" token issue --data-dir "$TMP/data" --subject bench --ttl 1d --description scripts/bench.sh \
    --scopes direct_model_access,duo_chat,complete_code,generate_code 2>"$TMP/token.err") ||
    { cat "$TMP/token.err" >&2; note "airlockd token issue failed"; exit 1; }
  export BENCH_AUTH="Bearer $token"
  note "client auth: required (a JWT issued by airlockd token issue, sent as BENCH_AUTH to every target)"
fi

export GATEWAY_CMD="AIRLOCK_AUTH_ARGS='$AUTH_ARGS' exec '$TMP/airlockd-bench'"
export GATEWAY_URL=http://127.0.0.1:$PORT/v1
export GATEWAY_NAME=airlockd

# ---------------------------------------------------------------- portkey (optional)
if [[ -n ${BENCH_TARGETS:-} ]]; then
  read -ra TARGETS <<<"$BENCH_TARGETS"
else
  TARGETS=(direct nginx-proxy portkey gateway)
  if [[ ! -f $BENCH_DIR/.peers/node_modules/@portkey-ai/gateway/build/start-server.js ]]; then
    if command -v npm >/dev/null && (cd "$BENCH_DIR" && ./run.sh install-peers) >"$TMP/install-peers.log" 2>&1; then
      note "installed the harness's peers (Portkey) with npm"
    else
      tail -5 "$TMP/install-peers.log" >&2 2>/dev/null
      note "Portkey could not be installed (npm missing or './run.sh install-peers' failed): running without it"
      TARGETS=(direct nginx-proxy gateway)
    fi
  fi
fi

# ---------------------------------------------------------------- the harness
note "harness: $BENCH_DIR/run.sh --mode both $* ${TARGETS[*]}"
endpoint=${ENDPOINT:-chat}
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do [[ ${args[i]} == --endpoint ]] && endpoint=${args[i + 1]:-chat}; done
(cd "$BENCH_DIR" && BENCH_BODY=$TMP/$endpoint-body.json ./run.sh --mode both "$@" "${TARGETS[@]}") 2>&1 | tee "$TMP/harness.log"
harness_rc=${PIPESTATUS[0]}
summary=$(sed -n 's/^summary written to //p' "$TMP/harness.log" | tail -n1)

# ---------------------------------------------------------------- ratios from the summary
echo
echo "== airlockd"
if [[ -n $summary && -f $summary ]]; then
  # bench table: target rps p50 p99 errors | rps/dir p50/dir p99/dir | rps/ngx ...
  awk '/^== bench/ { t = 1; next } /^== / { t = 0 } t && ($1 == "gateway" || $1 == "airlockd") && $6 == "|" {
         printf "airlockd/nginx-proxy rps: %s (airlockd %s rps, p99 %s ms)\n", $11, $2, $4 }' "$summary"
  # stream table: target streams ttfc_p50 ttfc_p99 +ttfc_p50 +ttfc_p99 | ...
  awk '/^== stream/ { t = 1; next } /^== / { t = 0 } t && ($1 == "gateway" || $1 == "airlockd") && $7 == "|" {
         printf "added ttfc p99 vs direct: %s ms (airlockd ttfc p99 %s ms; +total p99 %s ms)\n", $6, $4, $11 }' "$summary"
  awk '/^== stream/ { t = 1; next } /^== / { t = 0 } t && $1 == "nginx-proxy" && $7 == "|" {
         printf "nginx-proxy added ttfc p99 vs direct: %s ms\n", $6 }' "$summary"
else
  note "the harness wrote no summary"
fi

# ---------------------------------------------------------------- idle RSS and start time
# Starts airlockd (same config, --workers 1 and the default one-per-core), polls the admin port (it
# listens last, after the workers) every 1 ms from just before exec, then reads VmRSS after 1 s idle.
# The first start creates the data dir and store; the next ones reuse it.
cat >"$TMP/airlock.json" <<EOF
{"models":[{"name":"bench","family":"general","base_url":"http://127.0.0.1:18080/v1","identifier":"bench-model"}],
 "features":{"code_completions":"bench","duo_chat":"bench"}}
EOF
python3 - "$AIRLOCKD" "$TMP" "$PORT" "$ADMIN_PORT" <<'PY'
import os, socket, statistics, subprocess, sys, time
airlockd, tmp, port, admin = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])

def up(p):
    s = socket.socket()
    try:
        s.connect(("127.0.0.1", p)); return True
    except OSError:
        return False
    finally:
        s.close()

def start(data, workers):
    args = [airlockd, "--config", tmp + "/airlock.json", "--data-dir", data,
            "--listen", f"127.0.0.1:{port}", "--admin-listen", f"127.0.0.1:{admin}", "--workers", str(workers)]
    t0 = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while not (up(admin) and up(port)):
        if proc.poll() is not None:
            raise SystemExit(f"airlockd exited with {proc.returncode} before it was ready")
        if time.perf_counter() - t0 > 30:
            proc.kill(); raise SystemExit("airlockd not ready after 30 s")
        time.sleep(0.001)
    ready_ms = (time.perf_counter() - t0) * 1000
    time.sleep(1.0)
    rss = next(int(l.split()[1]) for l in open(f"/proc/{proc.pid}/status") if l.startswith("VmRSS:"))
    threads = len(os.listdir(f"/proc/{proc.pid}/task"))
    proc.terminate()
    proc.wait(10)
    while up(port) or up(admin):
        time.sleep(0.01)
    return ready_ms, rss, threads

for workers in (1, 0):
    data = f"{tmp}/startup-{workers}"
    first = start(data, workers)
    warm = [start(data, workers) for _ in range(5)]
    label = "--workers 1" if workers == 1 else "--workers 0 (one per core)"
    print(f"airlockd {label}: exec to ready {first[0]:.1f} ms on a new data dir, "
          f"median {statistics.median(w[0] for w in warm):.1f} ms over 5 restarts")
    print(f"airlockd {label}: idle RSS {statistics.median(w[1] for w in warm) / 1024:.1f} MiB "
          f"(VmRSS {int(statistics.median(w[1] for w in warm))} kB, {warm[0][2]} threads)")
PY
[[ $? -eq 0 ]] || note "the start-time/RSS measurement failed"

echo "harness exit status: $harness_rc; results: ${summary:-none}"
exit "$harness_rc"
