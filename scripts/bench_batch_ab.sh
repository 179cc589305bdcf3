#!/usr/bin/env bash
# The Aurora batch (issue 13), two server variants compared: a 10,000-row churn CSV request, end
# to end with curl on loopback, one request at a time, the variants alternated ABBA round by round
# so that both see the same machine. Prints each round's medians and the ratio B/A of them, then
# the median ratio.
#
#   scripts/bench_batch_ab.sh --a "LABEL:BINARY [ARGS]" --b "LABEL:BINARY [ARGS]"
#       [--rounds 3] [--runs 40] [--cpus 0,1] [--body FILE]
#
# --cpus 0,1 (the default) gives the server both cores, as the issue's "2 cores" target does, and
# leaves curl unpinned; --cpus 1 pins the server to CPU 1 and curl to CPU 0, as compare.sh --batch
# does. A variant's environment settings go in a wrapper script (see bench_ab.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bench-common.sh
A=""; B=""; ROUNDS=3; RUNS=40; CPUS=0,1; BODY=../shared/peers/payloads/churn-10000.csv
while [ $# -gt 0 ]; do
  case "$1" in
    --a) A=$2; shift 2 ;;
    --b) B=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --cpus) CPUS=$2; shift 2 ;;
    --body) BODY=$2; shift 2 ;;
    *) sed -n '2,13p' "$0" >&2; exit 2 ;;
  esac
done
[ -n "$A" ] && [ -n "$B" ] || { sed -n '2,13p' "$0" >&2; exit 2; }
[ -f "$BODY" ] || { echo "no body file $BODY (../shared/peers/payloads)" >&2; exit 1; }
CLIENT=(); [ "$CPUS" = 1 ] && CLIENT=(taskset -c 0)
PORT=18296
export SERVER_CPUS=$CPUS
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

# run SPEC FILE: starts the variant, warms it up with 5 requests, appends RUNS timings (seconds).
run() {
  local pid
  pid=$(start_variant "$1" $PORT churn)
  for i in $(seq $((RUNS + 5))); do
    t=$("${CLIENT[@]}" curl -s -o /dev/null -w '%{time_total} %{http_code}\n' -H 'Content-Type: text/csv' \
      --data-binary @"$BODY" "http://127.0.0.1:$PORT/invocations")
    [ "${t#* }" = 200 ] || { echo "$1: HTTP ${t#* }" >&2; stop_variants "$pid"; exit 1; }
    [ "$i" -gt 5 ] && echo "${t% *}" >> "$2"
  done
  stop_variants "$pid"
}

for round in $(seq "$ROUNDS"); do
  if [ $((round % 2)) = 1 ]; then run "$A" "$OUT/a$round"; run "$B" "$OUT/b$round"
  else run "$B" "$OUT/b$round"; run "$A" "$OUT/a$round"; fi
done
python3 - "$OUT" "$ROUNDS" "${A%%:*}" "${B%%:*}" <<'PY'
import statistics, sys
out, rounds, a, b = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
def times(name): return [float(x) * 1000 for x in open(f"{out}/{name}").read().split()]
ratios = []
for r in range(1, rounds + 1):
    ta, tb = times(f"a{r}"), times(f"b{r}")
    ma, mb = statistics.median(ta), statistics.median(tb)
    ratios.append(mb / ma)
    print(f"round {r}: {a} median {ma:.2f} ms (p90 {sorted(ta)[int(len(ta) * 0.9) - 1]:.2f}), "
          f"{b} median {mb:.2f} ms (p90 {sorted(tb)[int(len(tb) * 0.9) - 1]:.2f}), {b}/{a} {mb / ma:.3f}")
print(f"median ratio {b}/{a}: {statistics.median(ratios):.3f}")
PY
