#!/usr/bin/env bash
# Latency below saturation: two server variants, A and B, each pinned to CPU 1, under the same
# open-loop load (`swerve load --rate R`, latency counted from each request's due time, so a
# stalled server cannot hide its queue) from CPU 0, alternating A and B for several rounds;
# p50 and p99 per round and their medians. Throughput at saturation is scripts/bench_ab.sh's job.
#
#   scripts/bench_below_saturation.sh --a "LABEL:BINARY [ARGS...]" --b "LABEL:BINARY [ARGS...]"
#                                     [--model real-estate|churn] [--rate 10000] [--rounds 3]
#                                     [--duration 8]
set -euo pipefail
cd "$(dirname "$0")/.."
A=""; B=""; MODEL=real-estate; RATE=10000; ROUNDS=3; DURATION=8
while [ $# -gt 0 ]; do
  case "$1" in
    --a) A=$2; shift 2 ;;
    --b) B=$2; shift 2 ;;
    --model) MODEL=$2; shift 2 ;;
    --rate) RATE=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    *) sed -n '2,9p' "$0" >&2; exit 2 ;;
  esac
done
[ -n "$A" ] && [ -n "$B" ] || { sed -n '2,9p' "$0" >&2; exit 2; }
LOADER=.build/release/swerve
[ -x "$LOADER" ] || swift build -c release --product swerve >/dev/null
source scripts/bench-common.sh
BODY=$(one_row_body "$MODEL")
PA=$(start_variant "$A" 18692 "$MODEL"); PB=$(start_variant "$B" 18693 "$MODEL")
RESULTS=$(mktemp)
trap 'stop_variants $PA $PB; rm -f "$RESULTS"' EXIT
run() {  # PORT SECONDS -> "p50 p99 failures"
  taskset -c 0 "$LOADER" load "http://127.0.0.1:$1/invocations" --body "$BODY" --rate "$RATE" --duration "${2}s" --json 2>/dev/null |
    python3 -c 'import json, sys; d = json.load(sys.stdin); l = d["latencyMs"]; print(l["p50"], l["p99"], d["failures"])'
}
run 18692 2 >/dev/null; run 18693 2 >/dev/null   # warm-up: the estimates that let requests run inline
for round in $(seq "$ROUNDS"); do
  if [ $((round % 2)) -eq 1 ]; then order="A B"; else order="B A"; fi
  for which in $order; do
    if [ "$which" = A ]; then r=$(run 18692 "$DURATION"); else r=$(run 18693 "$DURATION"); fi
    echo "$round $which $r" | tee -a "$RESULTS"
  done
done
python3 - "$RESULTS" "${A%%:*}" "${B%%:*}" "$MODEL" "$RATE" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
label = {"A": sys.argv[2], "B": sys.argv[3]}
print(f"{sys.argv[4]} at {int(sys.argv[5]):,} req/s:")
for w in "AB":
    mine = [r for r in rows if r[1] == w]
    p50 = [float(r[2]) for r in mine]; p99 = [float(r[3]) for r in mine]; failures = sum(int(r[4]) for r in mine)
    print(f"{label[w]:>14}: p50 {', '.join(f'{v:.3f}' for v in p50)} ms (median {statistics.median(p50):.3f}); "
          f"p99 {', '.join(f'{v:.2f}' for v in p99)} ms (median {statistics.median(p99):.2f}); failures {failures}")
PY
