#!/usr/bin/env bash
# The core benchmark of issue 2: real-estate, one JSON row a request, 64 keep-alive connections,
# Swerve pinned to CPU 1 and wrk to CPU 0, interleaved in the same run with nginx (a fixed body:
# the practical ceiling of this machine) and the gunicorn/Flask peer, through the shared peer
# harness. Also: Swerve with metrics off (issue 4's cost of measuring), resident memory after the
# run, and the time from exec to the first /ping 200.
#
#   scripts/bench_core.sh [--rounds 5] [--duration 10] [--model real-estate|churn]
#
# Needs ../shared/peers (or PEERS=path) set up once with its setup.sh. Writes a log under
# /tmp/swerve-bench and prints the harness's table.
set -euo pipefail
cd "$(dirname "$0")/.."
PEERS=${PEERS:-../shared/peers}
ROUNDS=5; DURATION=10; MODEL=real-estate
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) ROUNDS=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --model) MODEL=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
BODY=$PEERS/payloads/real-estate-1.json
[ "$MODEL" = churn ] && BODY=$PEERS/payloads/churn-1.csv
OUT=/tmp/swerve-bench; mkdir -p "$OUT"
swift build -c release --product swerve >/dev/null
BIN=.build/release/swerve

taskset -c 1 "$BIN" serve --model-dir "model-artifacts/$MODEL" --port 8080 > "$OUT/swerve.log" 2>&1 &
ON=$!
taskset -c 1 "$BIN" serve --model-dir "model-artifacts/$MODEL" --port 8081 --no-metrics > "$OUT/swerve-nometrics.log" 2>&1 &
OFF=$!
trap 'kill -TERM $ON $OFF 2>/dev/null || true' EXIT
for port in 8080 8081; do
  for _ in $(seq 200); do curl -sf -o /dev/null "http://127.0.0.1:$port/ping" && break; sleep 0.05; done
done

"$PEERS/compare.sh" --target http://127.0.0.1:8080/invocations --body "$BODY" \
  --peers "nginx,gunicorn,swerve-no-metrics=http://127.0.0.1:8081/invocations" \
  --rounds "$ROUNDS" --duration "$DURATION" | tee "$OUT/compare-$MODEL.txt"

echo
echo "resident memory after the run (VmRSS / peak VmHWM):"
for pid in $ON $OFF; do grep -E "VmRSS|VmHWM" /proc/$pid/status | tr -s ' \t' ' ' | tr '\n' ' '; echo "(pid $pid)"; done
kill -TERM $ON $OFF; wait $ON $OFF 2>/dev/null || true
trap - EXIT
echo
python3 scripts/startup_time.py --binary "$BIN" --model "model-artifacts/$MODEL" --runs 10
