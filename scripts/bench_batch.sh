#!/usr/bin/env bash
# The Aurora batch (issue 13): a 10,000-row churn CSV request, end to end with curl on loopback.
#   1. latency: Swerve on both cores, N requests one at a time (median, p90), after a warm-up;
#   2. memory: the resident set before, after the first batch and after every 10 of M batches
#      (sent 2 at a time, as two database sessions would), to see whether it stays flat.
#
#   scripts/bench_batch.sh [--runs 50] [--batches 100] [--binary PATH] [--body FILE]
#
# The ratio to gunicorn pinned to one core is compare.sh --batch (see scripts/bench_churn.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=50; BATCHES=100; BIN=""; BODY=../shared/peers/payloads/churn-10000.csv
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS=$2; shift 2 ;;
    --batches) BATCHES=$2; shift 2 ;;
    --binary) BIN=$2; shift 2 ;;
    --body) BODY=$2; shift 2 ;;
    *) echo "usage: $0 [--runs N] [--batches N] [--binary PATH] [--body FILE]" >&2; exit 2 ;;
  esac
done
if [ -z "$BIN" ]; then swift build -c release --product swerve >/dev/null; BIN=.build/release/swerve; fi
[ -f "$BODY" ] || { echo "no body file $BODY (../shared/peers/payloads)" >&2; exit 1; }
PORT=18290
"$BIN" serve --model-dir model-artifacts/churn --port $PORT > /tmp/swerve-batch.log 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
for _ in $(seq 200); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/ping" && break; sleep 0.05; done
rss() { awk '/VmRSS/ {printf "%.1f", $2/1024}' /proc/$PID/status; }
post() { curl -s -o /dev/null -w '%{time_total}\n' -H 'Content-Type: text/csv' --data-binary @"$BODY" "http://127.0.0.1:$PORT/invocations"; }
echo "rss at start: $(rss) MB"
post >/dev/null
echo "rss after 1 batch: $(rss) MB"
for _ in $(seq 5); do post >/dev/null; done   # warm-up
TIMES=$(for _ in $(seq "$RUNS"); do post; done)
python3 - "$RUNS" <<PY
import statistics, sys
t = sorted(float(x) * 1000 for x in """$TIMES""".split())
print(f"10,000-row batch, {sys.argv[1]} requests one at a time: median {statistics.median(t):.2f} ms, p90 {t[int(len(t)*0.9)-1]:.2f} ms, min {t[0]:.2f} ms")
PY
for round in $(seq $((BATCHES / 10))); do
  for _ in 1 2 3 4 5; do post >/dev/null & other=$!; post >/dev/null; wait "$other"; done
  echo "rss after $((round * 10 + RUNS + 6)) batches: $(rss) MB"
done
grep -E "VmHWM" /proc/$PID/status | awk '{printf "peak rss: %.1f MB\n", $2/1024}'
