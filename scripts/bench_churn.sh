#!/usr/bin/env bash
# The churn benchmarks of issue 3, through the shared peer harness (../shared/peers, or PEERS=...):
#   1. one CSV row a request, 64 connections: Swerve pinned to CPU 1, wrk on CPU 0, interleaved
#      with nginx (fixed body) and the gunicorn/Flask peer;
#   2. a 10,000-row CSV request (Aurora's batch), one at a time with curl, interleaved with the
#      gunicorn, MMS and MLServer peers: Swerve pinned to CPU 1 like the peers ("target"), and
#      a second Swerve free to use both cores ("swerve-2-cores": large batches are split across
#      the worker pool, which on one core cannot help).
#
#   scripts/bench_churn.sh [--rounds 5] [--duration 10] [--runs 20] [--skip-rows] [--skip-batch]
set -euo pipefail
cd "$(dirname "$0")/.."
PEERS=${PEERS:-../shared/peers}
ROUNDS=5; DURATION=10; RUNS=20; ROWS=1; BATCH=1
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) ROUNDS=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --skip-rows) ROWS=0; shift ;;
    --skip-batch) BATCH=0; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
OUT=/tmp/swerve-bench; mkdir -p "$OUT"
swift build -c release --product swerve >/dev/null
BIN=.build/release/swerve
taskset -c 1 "$BIN" serve --model-dir model-artifacts/churn --port 8080 > "$OUT/churn-pinned.log" 2>&1 &
PINNED=$!
"$BIN" serve --model-dir model-artifacts/churn --port 8082 > "$OUT/churn-free.log" 2>&1 &
FREE=$!
trap 'kill -TERM $PINNED $FREE 2>/dev/null || true' EXIT
for port in 8080 8082; do
  for _ in $(seq 200); do curl -sf -o /dev/null "http://127.0.0.1:$port/ping" && break; sleep 0.05; done
done
if [ "$ROWS" = 1 ]; then
  "$PEERS/compare.sh" --target http://127.0.0.1:8080/invocations --body "$PEERS/payloads/churn-1.csv" \
    --peers nginx,gunicorn --rounds "$ROUNDS" --duration "$DURATION" | tee "$OUT/compare-churn-1.txt"
fi
if [ "$BATCH" = 1 ]; then
  "$PEERS/compare.sh" --batch --target http://127.0.0.1:8080/invocations --runs "$RUNS" \
    --peers "gunicorn,mms,mlserver,swerve-2-cores=http://127.0.0.1:8082/invocations" | tee "$OUT/compare-churn-batch.txt"
fi
