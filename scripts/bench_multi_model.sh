#!/usr/bin/env bash
# The multi-model benchmark of issue 12, on 127.0.0.1:
#   1. load N small XGBoost models (scripts/make_multi_models.py) into `swerve serve --multi-model`
#      through POST /models, one at a time: load time per model, memory per model (the server's
#      measured size and the resident-set growth), and the time to page through GET /models;
#   2. a hot model's throughput and p99 through /models/m0000/invoke against `swerve serve` in
#      single-model mode on the same model directory: wrk through ../shared/peers/compare.sh
#      (server CPU 1, wrk CPU 0, interleaved rounds, medians, same-round ratios);
#   3. the p99 of a fixed request rate to the hot model (`swerve load --rate`, open loop) while
#      nothing else happens, and while the churn ensemble is loaded and unloaded in a loop,
#      interleaved rounds (target: loading raises the p99 by at most 20%);
#   4. the anchor: MMS (sagemaker-inference toolkit + multi-model-server, SAGEMAKER_MULTI_MODEL=true,
#      scripts/mms_multi_model/) loading the same models the same way; it runs one Python process
#      per model, so it stops early once the machine has less than --min-available-mb available.
#
#   scripts/bench_multi_model.sh [--count 1000] [--rounds 3] [--duration 10] [--rate 2000]
#                                [--mms-count 1000] [--min-available-mb 8000] [--skip-mms] [--only-load]
#
# Needs ../shared/peers set up once (its setup.sh: wrk, the venv with MMS and xgboost); PEERS and
# VENV override the paths; COMPARE_ARGS is passed to compare.sh (e.g. "--max-load 50 --load-wait 0"
# on a machine that is never quiet). Models are generated once into $MODELS (default /tmp/swerve-mme-models).
# Logs and JSON results go to /tmp/swerve-bench-mme.
set -euo pipefail
cd "$(dirname "$0")/.."
usage() { sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
PEERS=${PEERS:-../shared/peers}
VENV=${VENV:-/tmp/venv-peers}
MODELS=${MODELS:-/tmp/swerve-mme-models}
OUT=/tmp/swerve-bench-mme
COUNT=1000; ROUNDS=3; DURATION=10; RATE=2000; MMS_COUNT=1000; MIN_AVAILABLE=8000; SKIP_MMS=0; ONLY_LOAD=0
while [ $# -gt 0 ]; do
  case "$1" in
    --count) COUNT=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --rate) RATE=$2; shift 2 ;;
    --mms-count) MMS_COUNT=$2; shift 2 ;;
    --min-available-mb) MIN_AVAILABLE=$2; shift 2 ;;
    --skip-mms) SKIP_MMS=1; shift ;;
    --only-load) ONLY_LOAD=1; shift ;;
    -h|--help) usage ;;
    *) echo "unknown option $1" >&2; usage ;;
  esac
done
mkdir -p "$OUT"
MME_PORT=8090; SINGLE_PORT=8091; MMS_PORT=8092
PIDS=()
MMS_SESSION=""
cleanup() {
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  if [ -n "$MMS_SESSION" ]; then kill -TERM -- "-$MMS_SESSION" 2>/dev/null || true; sleep 2; kill -KILL -- "-$MMS_SESSION" 2>/dev/null || true; fi
  wait 2>/dev/null || true
}
trap cleanup EXIT
wait_ready() {  # URL [seconds]
  for _ in $(seq $(( ${2:-20} * 20 ))); do curl -sf -o /dev/null "$1" && return 0; sleep 0.05; done
  echo "no answer from $1" >&2; return 1
}

# The models: xgboost as pinned in scripts/requirements.txt (the peers' venv has the same pins).
if ! "$VENV/bin/python" -c 'import numpy, xgboost' 2>/dev/null; then
  VENV=/tmp/venv-swerve-train
  [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check $(grep -E '^(numpy|xgboost)==' scripts/requirements.txt)
fi
[ -f "$MODELS/m$(printf %04d $((COUNT - 1)))/model/model.json" ] || \
  nice -n 10 "$VENV/bin/python" scripts/make_multi_models.py --count "$COUNT" --out "$MODELS"
ROW=$MODELS/row.csv
swift build -c release --product swerve >/dev/null
BIN=.build/release/swerve
CLIENT=(taskset -c 0 python3 scripts/mme_client.py)

echo "== $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg) (a shared machine: other agents run here too)"

echo "== 1. loading $COUNT models into swerve --multi-model (server on CPU 1, client on CPU 0, one load at a time)"
taskset -c 1 "$BIN" serve --multi-model --port $MME_PORT > "$OUT/swerve-mme.log" 2>&1 &
MME=$!; PIDS+=("$MME")
wait_ready "http://127.0.0.1:$MME_PORT/ping"
"${CLIENT[@]}" load --base "http://127.0.0.1:$MME_PORT" --models "$MODELS" --count "$COUNT" --pids "$MME" \
  --min-available-mb "$MIN_AVAILABLE" | tee "$OUT/swerve-load.json"
curl -s "http://127.0.0.1:$MME_PORT/metrics" | grep -E '^swerve_(loaded_model|loaded_models|model_memory_budget)' | tee "$OUT/swerve-store-metrics.txt"
for limit in 100 1000; do
  "${CLIENT[@]}" page --base "http://127.0.0.1:$MME_PORT" --limit "$limit" | tee -a "$OUT/swerve-page.json"
done

if [ "$ONLY_LOAD" = 0 ]; then
echo "== 2. hot model m0000: /models/m0000/invoke (1,000 loaded) against single-model mode on the same directory"
taskset -c 1 "$BIN" serve --model-dir "$MODELS/m0000/model" --port $SINGLE_PORT > "$OUT/swerve-single.log" 2>&1 &
SINGLE=$!; PIDS+=("$SINGLE")
wait_ready "http://127.0.0.1:$SINGLE_PORT/ping"
"$PEERS/compare.sh" --target "http://127.0.0.1:$SINGLE_PORT/invocations" \
  --peers "mme-hot=http://127.0.0.1:$MME_PORT/models/m0000/invoke" --body "$ROW" --content-type text/csv \
  --rounds "$ROUNDS" --duration "$DURATION" ${COMPARE_ARGS:-} 2>&1 | tee "$OUT/compare-hot.txt"
# Server CPU per request from the raw runs: steadier than req/s when other work shares the CPU.
python3 - "$(sed -n 's/^raw runs: //p' "$OUT/compare-hot.txt" | tail -1)" <<'PY'
import json, statistics, sys
runs = {e["name"]: e["runs"] for e in json.load(open(sys.argv[1]))["endpoints"]}
cost = {name: [r["server_cpu"] / 100 * 1e6 / r["rps"] if r["rps"] and r["server_cpu"] else None for r in rs] for name, rs in runs.items()}
single, hot = cost["target"], cost["mme-hot"]
pairs = [h / s for s, h in zip(single, hot) if s and h]
print("server CPU per request (us), by round: single-model " + ", ".join(f"{x:.1f}" for x in single if x)
      + "; multi-model hot " + ", ".join(f"{x:.1f}" for x in hot if x))
print(f"median: single {statistics.median([x for x in single if x]):.1f} us, multi-model {statistics.median([x for x in hot if x]):.1f} us; "
      f"same-round ratio median {statistics.median(pairs):.3f} (multi-model / single; target <= 1.10)")
PY
kill -TERM "$SINGLE"; wait "$SINGLE" 2>/dev/null || true

echo "== 3. p99 of $RATE req/s to m0000 while the churn ensemble loads and unloads in a loop, against no loads"
HOT="http://127.0.0.1:$MME_PORT/models/m0000/invoke"
quiet=(); loading=(); cycles=()
for round in $(seq "$ROUNDS"); do
  taskset -c 0 "$BIN" load "$HOT" --rate "$RATE" --duration "${DURATION}s" --body-file "$ROW" --content-type text/csv --json --quiet \
    > "$OUT/p99-quiet-$round.json"
  quiet+=("$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["latencyMs"]["p99"])' "$OUT/p99-quiet-$round.json")")
  "${CLIENT[@]}" cycle --base "http://127.0.0.1:$MME_PORT" --url "$PWD/model-artifacts/churn" --name churn --seconds "$DURATION" \
    > "$OUT/cycle-$round.json" &
  CYCLE=$!
  taskset -c 0 "$BIN" load "$HOT" --rate "$RATE" --duration "${DURATION}s" --body-file "$ROW" --content-type text/csv --json --quiet \
    > "$OUT/p99-loading-$round.json"
  wait "$CYCLE"
  loading+=("$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["latencyMs"]["p99"])' "$OUT/p99-loading-$round.json")")
  cycles+=("$(cat "$OUT/cycle-$round.json")")
  echo "round $round: p99 quiet ${quiet[-1]} ms, while loading churn ${loading[-1]} ms; churn cycles: ${cycles[-1]}"
done
python3 - "${quiet[*]}" "${loading[*]}" <<'PY'
import statistics, sys
quiet = [float(x) for x in sys.argv[1].split()]
loading = [float(x) for x in sys.argv[2].split()]
ratios = [l / q for q, l in zip(quiet, loading)]
print(f"p99 median: quiet {statistics.median(quiet):.3f} ms, while loading churn {statistics.median(loading):.3f} ms; "
      f"same-round ratio median {statistics.median(ratios):.3f} (target <= 1.20)")
PY
curl -s "http://127.0.0.1:$MME_PORT/metrics" | grep -E '^swerve_model_load_duration_seconds_(sum|count)\{model="(churn|other)"' || true
fi
kill -TERM "$MME"; wait "$MME" 2>/dev/null || true

if [ "$SKIP_MMS" = 1 ]; then exit 0; fi
echo "== 4. anchor: MMS multi-model mode loading the same models (CPU 1; stops when under ${MIN_AVAILABLE} MB are available)"
[ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c 'import sagemaker_inference, mms' 2>/dev/null \
  || { echo "MMS is not installed in $VENV: run $PEERS/setup.sh" >&2; exit 1; }
rm -rf "$OUT/mms"; mkdir -p "$OUT/mms"
PATH="$VENV/bin:$PATH" OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 setsid taskset -c 1 "$VENV/bin/python" \
  scripts/mms_multi_model/serve.py $MMS_PORT "$OUT/mms" > "$OUT/mms/server.log" 2>&1 < /dev/null &
MMS_SESSION=$!
wait_ready "http://127.0.0.1:$MMS_PORT/ping" 180
"${CLIENT[@]}" load --base "http://127.0.0.1:$MMS_PORT" --models "$MODELS" --count "$MMS_COUNT" --pids "$MMS_SESSION" \
  --session "$MMS_SESSION" --min-available-mb "$MIN_AVAILABLE" | tee "$OUT/mms-load.json"
curl -s -o /dev/null -w 'MMS invoke of m0000: %{http_code} in %{time_total} s\n' -H 'Content-Type: text/csv' \
  --data-binary @"$ROW" "http://127.0.0.1:$MMS_PORT/models/m0000/invoke" || true
"${CLIENT[@]}" page --base "http://127.0.0.1:$MMS_PORT" --limit 100 | tee "$OUT/mms-page.json" || true
