#!/usr/bin/env bash
# What Swift's dynamic exclusivity checks cost the server, and whose code asks for them.
#
# Swerve's targets build without `-enforce-exclusivity=unchecked` (SwiftPM refuses unsafe flags in
# a dependency), so every `var` of a class on the request path may cost a runtime check:
# swift_beginAccess / swift_endAccess and the per-thread access set they keep. This script loads a
# release server (pinned to CPU 1, wrk -c64 on CPU 0, one small request per call), records its
# stacks with perf (DWARF unwinding: Swift release builds keep no frame pointers), and counts the
# samples spent inside that runtime, attributed to the module of the first caller outside it:
# Swerve's own modules, or SwiftNIO (which the old unsafe flags never covered). The server is the
# only thing on its CPU, so a share of its samples is a share of its requests per second.
#
#   scripts/bench_exclusivity.sh [--model real-estate|churn] [--seconds 6] [--binary PATH]
#                                [--abba PAIRS]
#
# --abba PAIRS also builds the same commit with `-enforce-exclusivity=unchecked` on Swerve's own
# targets only (a throwaway worktree under /tmp) and compares the two with scripts/bench_ab.sh.
# Needs perf and wrk.
set -euo pipefail
cd "$(dirname "$0")/.."
MODEL=real-estate; SECONDS_TO_RECORD=6; BINARY=.build/release/swerve; PAIRS=0
while [ $# -gt 0 ]; do
  case "$1" in
    --model) MODEL=$2; shift 2 ;;
    --seconds) SECONDS_TO_RECORD=$2; shift 2 ;;
    --binary) BINARY=$2; shift 2 ;;
    --abba) PAIRS=$2; shift 2 ;;
    *) sed -n '2,19p' "$0" >&2; exit 2 ;;
  esac
done
command -v perf >/dev/null && command -v wrk >/dev/null || { echo "needs perf and wrk" >&2; exit 1; }
[ -x "$BINARY" ] || swift build -c release --product swerve >/dev/null

source scripts/bench-common.sh
LUA=$(mktemp --suffix .lua); DATA=$(mktemp --suffix .perf)
one_row_wrk_script "$MODEL" "$LUA"
PORT=18695
SERVER=$(start_variant "measured:$BINARY" $PORT "$MODEL")
trap 'stop_variants $SERVER; rm -f "$LUA" "$DATA"' EXIT
taskset -c 0 wrk -t1 -c64 -d"$((SECONDS_TO_RECORD + 3))s" -s "$LUA" "http://127.0.0.1:$PORT/invocations" > /dev/null &
LOAD=$!
sleep 2
perf record -q -e cpu-clock --call-graph dwarf,4096 -o "$DATA" -p $SERVER -- sleep "$SECONDS_TO_RECORD" > /dev/null 2>&1
wait $LOAD

echo "exclusivity checks, $MODEL, $BINARY ($(date -u +%FT%TZ)):"
perf script -i "$DATA" 2>/dev/null | awk '
  /^[^ \t]/ { total++; depth = 0; inside = 0; attributed = 0; next }
  /^$/ { next }
  {
    depth++; symbol = $2
    if (depth == 1) { if (symbol ~ /^swift_(begin|end)Access|AccessSet::/) { inside = 1; checks++ }; next }
    if (!inside || attributed || symbol ~ /^swift_(begin|end)Access|AccessSet::/) next
    attributed = 1; module = "other"
    if (symbol ~ /15InferenceServer/) module = "InferenceServer"
    else if (symbol ~ /13ModelRuntimes/) module = "ModelRuntimes"
    else if (symbol ~ /9SwerveKit/) module = "SwerveKit"
    else if (symbol ~ /NIO/) module = "SwiftNIO"
    by[module]++
  }
  END {
    printf "  server samples %d, in the exclusivity runtime %d (%.2f%%)\n", total, checks, 100 * checks / total
    for (m in by) { if (m != "SwiftNIO" && m != "other") own += by[m]; printf "  asked for by %-16s %5d samples (%.2f%%)\n", m, by[m], 100 * by[m] / total }
    printf "  Swerve'\''s own modules: %.2f%% of the server'\''s CPU\n", 100 * own / total
  }'

if [ "$PAIRS" -gt 0 ]; then
  kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null || true
  VARIANT=/tmp/swerve-exclusivity-unchecked
  rm -rf "$VARIANT"; git worktree add -q --detach "$VARIANT" HEAD
  # The old arrangement: the flag on Swerve's own targets, never on its dependencies.
  python3 - "$VARIANT/Package.swift" <<'PY'
import sys
path = sys.argv[1]; text = open(path).read()
flag = 'swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"])]'
text = text.replace('.target(name: "ModelRuntimes"),', '.target(name: "ModelRuntimes", %s),' % flag)
text = text.replace('.executableTarget(name: "SwerveCLI", dependencies: ["SwerveKit"]),',
                    '.executableTarget(name: "SwerveCLI", dependencies: ["SwerveKit"], %s),' % flag)
for name in ("InferenceServer", "SwerveKit"):
    start = text.index('name: "%s",\n            dependencies: [' % name)
    end = text.index('\n            ]\n        ),', start)
    text = text[:end] + '\n            ],\n            ' + flag + '\n        ),' + text[end + len('\n            ]\n        ),'):]
open(path, "w").write(text)
PY
  (cd "$VARIANT" && swift build -c release --product swerve > /dev/null)
  scripts/bench_ab.sh --a "checked:$BINARY" --b "own-unchecked:$VARIANT/.build/release/swerve" --model "$MODEL" --pairs "$PAIRS"
  git worktree remove --force "$VARIANT"
fi
