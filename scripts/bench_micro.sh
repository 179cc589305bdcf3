#!/usr/bin/env bash
# Micro-benchmarks of the hot paths with package-benchmark (the Benchmarks/ package): each shipped
# model's decode, predict and encode, for one row and for a 10,000-row batch, on one thread.
# Prints one line per benchmark (p50 and p90 wall time, mallocs per call); the full tables go to
# .build-benchmarks/last.md.
#
#   scripts/bench_micro.sh [--filter REGEX] [-- EXTRA ARGUMENTS FOR `swift package benchmark`]
#
# REGEX must match a benchmark's whole name (package-benchmark's wholeMatch), e.g. ".*1 csv row.*";
# the script fails when no benchmark ran.
#
# Baselines, to compare a branch with main (package-benchmark's own commands):
#   swift package --package-path Benchmarks --disable-sandbox benchmark baseline update main
#   swift package --package-path Benchmarks --disable-sandbox benchmark baseline compare main
# The first run builds package-benchmark and its dependencies in release mode (about 5 minutes
# on 2 cores).
set -euo pipefail
cd "$(dirname "$0")/.."
ARGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --filter) ARGS+=(--filter "$2"); shift 2 ;;
    --) shift; ARGS+=("$@"); break ;;
    *) sed -n '2,16p' "$0" >&2; exit 2 ;;
  esac
done
mkdir -p .build-benchmarks
if ! swift package --package-path Benchmarks --disable-sandbox benchmark --no-progress --format markdown ${ARGS[@]+"${ARGS[@]}"} \
  > .build-benchmarks/last.md 2> .build-benchmarks/build.log; then
  cat .build-benchmarks/build.log .build-benchmarks/last.md >&2
  exit 1
fi
python3 - .build-benchmarks/last.md <<'PY'
import re, sys
name, rows = None, {}
for line in open(sys.argv[1]):
    if line.startswith("### "):
        name = line[4:].strip(); rows[name] = {}
    elif name and line.startswith("| ") and not line.startswith("| Metric"):
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        rows[name][cells[0]] = cells[1:]
def wall(cells_by_metric):
    for metric, cells in cells_by_metric.items():
        match = re.match(r"Time \(wall clock\) \((\w+)\)", metric)
        if match:
            scale = {"ns": 1e-3, "μs": 1, "us": 1, "ms": 1e3, "s": 1e6}[match.group(1)]
            return float(cells[2]) * scale, float(cells[4]) * scale
    return None, None
if not rows:
    sys.exit("bench_micro.sh: no benchmark ran (--filter must match a whole name: package-benchmark uses wholeMatch)")
print(f"{'benchmark':<60} {'p50 µs':>10} {'p90 µs':>10} {'mallocs':>8}")
for name, metrics in rows.items():
    p50, p90 = wall(metrics)
    mallocs = next((cells[2] for metric, cells in metrics.items() if metric.startswith("Malloc (total)")), "")
    print(f"{name:<60} {p50:>10.2f} {p90:>10.2f} {mallocs:>8}")
PY
