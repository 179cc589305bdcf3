#!/usr/bin/env bash
# Two server variants, A and B, compared in ABBA order (A B B A A B ...), each pinned to CPU 1
# with wrk on CPU 0, one small request per call: req/s, CPU time per request (the server's
# user + system time from /proc over the run, which a busy machine disturbs far less than
# throughput) and p99, with medians and the median of the per-pair B/A ratios.
#
#   scripts/bench_ab.sh --a "LABEL:BINARY [ARGS...]" --b "LABEL:BINARY [ARGS...]"
#                       [--model real-estate|churn] [--pairs 8] [--duration 5] [-c 64]
#
# Example (small requests inline on the event loop versus every request on a worker):
#   scripts/bench_ab.sh --a "hop:.build/release/swerve --inline-max-us 0" --b "inline:.build/release/swerve"
set -euo pipefail
cd "$(dirname "$0")/.."
A=""; B=""; MODEL=real-estate; PAIRS=8; DURATION=5; CONNECTIONS=64
while [ $# -gt 0 ]; do
  case "$1" in
    --a) A=$2; shift 2 ;;
    --b) B=$2; shift 2 ;;
    --model) MODEL=$2; shift 2 ;;
    --pairs) PAIRS=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    -c) CONNECTIONS=$2; shift 2 ;;
    *) sed -n '2,12p' "$0" >&2; exit 2 ;;
  esac
done
[ -n "$A" ] && [ -n "$B" ] || { sed -n '2,12p' "$0" >&2; exit 2; }
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)" >&2; exit 1; }
source scripts/bench-common.sh
LUA=$(mktemp --suffix .lua)
one_row_wrk_script "$MODEL" "$LUA"
PA=$(start_variant "$A" 18690 "$MODEL"); PB=$(start_variant "$B" 18691 "$MODEL")
trap 'stop_variants $PA $PB; rm -f "$LUA"' EXIT
HZ=$(getconf CLK_TCK)
run() {  # PID PORT -> "req/s cpu_us_per_request p99_ms"
  local t0 t1 out reqs p99
  t0=$(awk '{print $14+$15}' /proc/$1/stat)
  out=$(taskset -c 0 wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$LUA" "http://127.0.0.1:$2/invocations")
  t1=$(awk '{print $14+$15}' /proc/$1/stat)
  reqs=$(echo "$out" | awk '/requests in/ {print $1}')
  p99=$(echo "$out" | awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v*=1000}; print v}')
  echo "$(echo "$out" | awk '/Requests\/sec/ {print $2}') $(echo "($t1-$t0)*1000000/$HZ/$reqs" | bc -l) $p99"
}
run $PA 18690 >/dev/null; run $PB 18691 >/dev/null   # warm-up
RESULTS=$(mktemp)
for pair in $(seq "$PAIRS"); do
  if [ $((pair % 2)) -eq 1 ]; then order="A B"; else order="B A"; fi
  for which in $order; do
    if [ "$which" = A ]; then r=$(run $PA 18690); else r=$(run $PB 18691); fi
    echo "$pair $which $r" | tee -a "$RESULTS"
  done
done
python3 - "$RESULTS" "${A%%:*}" "${B%%:*}" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
label = {"A": sys.argv[2], "B": sys.argv[3]}
pairs = {}
for pair, which, rps, cpu, p99 in rows: pairs.setdefault(pair, {})[which] = (float(rps), float(cpu), float(p99))
med = lambda w, i: statistics.median(p[w][i] for p in pairs.values())
ratio = lambda i: statistics.median(p["B"][i] / p["A"][i] for p in pairs.values())
for w in "AB":
    print(f"{label[w]:>12}: median {med(w,0):,.0f} req/s, {med(w,1):.2f} us CPU per request, p99 {med(w,2):.2f} ms")
print(f"median of per-pair ratios {label['B']}/{label['A']}: req/s {ratio(0):.3f}, CPU per request {ratio(1):.3f}, p99 {ratio(2):.3f}")
PY
rm -f "$RESULTS"
