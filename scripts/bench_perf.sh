#!/usr/bin/env bash
# Throughput and p99 of small requests, as ratios to nginx in the same run (issue 13's targets):
# Swerve as built now (small requests inline on the event loop), Swerve with every request sent
# to a worker (--inline-max-us 0, the thread hop), and optionally a baseline binary, all pinned to
# CPU 1 with wrk on CPU 0, interleaved round by round with nginx by the peers' harness.
# --floor adds SwiftNIO alone answering a fixed body (`swerve-bench --nio-floor`): the most a
# server on NIO's sockets and HTTP decoder reaches here, with no routing, model, pool or metrics.
#
#   scripts/bench_perf.sh [--model real-estate|churn] [--rounds 3] [--duration 6] [-c 64]
#                         [--baseline PATH_TO_OLD_SWERVE] [--floor]
#
# Needs ../shared/peers (or PEERS=path) set up once with its setup.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
PEERS=${PEERS:-../shared/peers}
ROUNDS=3; DURATION=6; MODEL=real-estate; CONNECTIONS=64; BASELINE=""; FLOOR=""
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) ROUNDS=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --model) MODEL=$2; shift 2 ;;
    -c) CONNECTIONS=$2; shift 2 ;;
    --baseline) BASELINE=$2; shift 2 ;;
    --floor) FLOOR=1; shift ;;
    *) echo "usage: $0 [--model real-estate|churn] [--rounds N] [--duration S] [-c N] [--baseline BIN] [--floor]" >&2; exit 2 ;;
  esac
done
BODY=$PEERS/payloads/real-estate-1.json
[ "$MODEL" = churn ] && BODY=$PEERS/payloads/churn-1.csv
swift build -c release --product swerve >/dev/null
BIN=.build/release/swerve
[ -n "$FLOOR" ] && swift build -c release --product swerve-bench >/dev/null
PIDS=()
trap 'kill ${PIDS[*]} 2>/dev/null || true' EXIT
start() {  # BINARY PORT ARGS...
  local binary=$1 port=$2; shift 2
  taskset -c 1 "$binary" serve --model-dir "model-artifacts/$MODEL" --port "$port" "$@" > "/tmp/swerve-bench-$port.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 200); do curl -sf -o /dev/null "http://127.0.0.1:$port/ping" && return; sleep 0.05; done
  echo "server on $port did not start" >&2; exit 1
}
start "$BIN" 18180
start "$BIN" 18181 --inline-max-us 0
LIST="nginx,swerve-hop=http://127.0.0.1:18181/invocations"
if [ -n "$BASELINE" ]; then
  start "$BASELINE" 18182
  LIST="$LIST,baseline=http://127.0.0.1:18182/invocations"
fi
if [ -n "$FLOOR" ]; then
  ANSWER='{"cost":50.3}'; TYPE=application/json
  [ "$MODEL" = churn ] && { ANSWER=$'0\n'; TYPE=text/csv; }
  taskset -c 1 .build/release/swerve-bench --nio-floor --port 18183 --body "$ANSWER" --content-type "$TYPE" \
    > /tmp/swerve-bench-18183.log 2>&1 &
  PIDS+=($!)
  for _ in $(seq 200); do curl -sf -o /dev/null -d x "http://127.0.0.1:18183/" && break; sleep 0.05; done
  LIST="$LIST,nio-floor=http://127.0.0.1:18183/invocations"
fi
"$PEERS/compare.sh" --target http://127.0.0.1:18180/invocations --body "$BODY" --peers "$LIST" \
  --rounds "$ROUNDS" --duration "$DURATION" -c "$CONNECTIONS"
echo
for port in 18180 18181; do
  echo "inline requests on :$port: $(curl -s "http://127.0.0.1:$port/metrics" | awk '/^swerve_inline_requests_total/ {print $2}')"
done
