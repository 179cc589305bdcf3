#!/usr/bin/env bash
# Runs one libFuzzer target of the Fuzz/ package for SECONDS, with its committed seed corpus
# (Fuzz/Corpus/TARGET, read only); new corpus entries go to a temporary directory, removed on
# exit unless --output keeps them. Exits non-zero on any crash, sanitizer report, timeout or
# out-of-memory; the input that caused it is saved under .build-fuzz/findings/TARGET/.
#
#   scripts/fuzz.sh [--output DIR] [--debug] [--build-only | --no-build] TARGET SECONDS
#   targets: csv json_records xgboost_model model_directory media_types http
#
# FUZZ_SCRATCH (default .build-fuzz) names the scratch path: a long campaign can run from its
# own build (built once, then --no-build) while the targets are being changed elsewhere.
# --debug builds without optimisation: it compiles in a fraction of the time and runs slower,
# which suits CI's short runs (.ci/run); long runs use the default, optimised build.
#
# The targets are built once (incrementally afterwards) in their own scratch path, .build-fuzz,
# in release mode with -sanitize=fuzzer,address on every module, so the Swerve libraries are
# instrumented and checked too. Limits per target (below) catch superlinear inputs: -max_len
# bounds an input, -timeout is some 40x the time the slowest linear input of that size takes
# under the sanitizers, and -malloc_limit_mb refuses any single allocation far beyond what an
# input of max_len bytes needs, so a body that makes the server reserve memory out of
# proportion to its size is a finding.
set -euo pipefail
usage() { echo "usage: scripts/fuzz.sh [--output DIR] [--debug] [--build-only | --no-build] TARGET SECONDS" >&2; exit 2; }
cd "$(dirname "$0")/.."

OUTPUT=""; BUILD_ONLY=0; BUILD=1; CONFIG=release
while [ $# -gt 0 ]; do
  case "$1" in
    --output) OUTPUT=$2; shift 2 ;;
    --debug) CONFIG=debug; shift ;;
    --build-only) BUILD_ONLY=1; shift ;;
    --no-build) BUILD=0; shift ;;
    -h|--help) usage ;;
    -*) echo "unknown option $1" >&2; usage ;;
    *) break ;;
  esac
done

SCRATCH=${FUZZ_SCRATCH:-.build-fuzz}
build() {
  mkdir -p "$SCRATCH"
  # -enable-testing: the http target reaches the server core's internal API (@testable import).
  if ! swift build --package-path Fuzz --scratch-path "$SCRATCH" -c "$CONFIG" -Xswiftc -sanitize=fuzzer,address -Xswiftc -enable-testing \
      > "$SCRATCH/build.log" 2>&1; then
    cat "$SCRATCH/build.log" >&2
    echo "fuzz.sh: the build failed" >&2
    return 1
  fi
  grep -aE 'error|warning: ' "$SCRATCH/build.log" | grep -v "Cannot export local symbol '__asan" || true
}
if [ "$BUILD_ONLY" = 1 ]; then build; exit 0; fi
[ $# -eq 2 ] || usage
TARGET=$1; SECONDS_TO_RUN=$2
[[ "$SECONDS_TO_RUN" =~ ^[0-9]+$ ]] || usage

# product, max_len (bytes), timeout (s), malloc_limit_mb, per-input leak checks
# (http: Swift concurrency and NIO's testing event loop free memory on their own threads after
# an input ends, so the counts of mallocs and frees differ on nearly every input and libFuzzer
# would run LeakSanitizer after each, at 60 instead of 750 inputs a second; its leaks are left
# to the soak's flat-memory check.)
LEAKS=1
case "$TARGET" in
  csv)             PRODUCT=FuzzCSV;            MAX_LEN=65536; TIMEOUT=3; MALLOC_MB=4 ;;
  json_records)    PRODUCT=FuzzJSONRecords;    MAX_LEN=65536; TIMEOUT=3; MALLOC_MB=8 ;;
  xgboost_model)   PRODUCT=FuzzXGBoostModel;   MAX_LEN=65536; TIMEOUT=5; MALLOC_MB=64 ;;
  model_directory) PRODUCT=FuzzModelDirectory; MAX_LEN=65536; TIMEOUT=5; MALLOC_MB=64 ;;
  media_types)     PRODUCT=FuzzMediaTypes;     MAX_LEN=4096;  TIMEOUT=2; MALLOC_MB=4 ;;
  http)            PRODUCT=FuzzHTTP;           MAX_LEN=16384; TIMEOUT=5; MALLOC_MB=64; LEAKS=0 ;;
  *) echo "unknown target $TARGET" >&2; usage ;;
esac
SEEDS=Fuzz/Corpus/$TARGET
[ -d "$SEEDS" ] || { echo "no seed corpus at $SEEDS" >&2; exit 1; }

if [ "$BUILD" = 1 ]; then build; fi
[ -x "$SCRATCH/$CONFIG/$PRODUCT" ] || { echo "fuzz.sh: $SCRATCH/$CONFIG/$PRODUCT is not built" >&2; exit 1; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/swerve-fuzz-$TARGET.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
NEW=${OUTPUT:-$WORK/corpus}
mkdir -p "$NEW" "$WORK/tmp" "$SCRATCH/findings/$TARGET"
LOG=$SCRATCH/findings/$TARGET/last-run.log

echo "fuzz.sh: $TARGET for ${SECONDS_TO_RUN}s (max_len $MAX_LEN, timeout ${TIMEOUT}s, malloc limit ${MALLOC_MB} MB); log $LOG"
STATUS=0
# SWIFT_BACKTRACE: the Swift runtime's own crash backtracer would read the stack under the
# sanitizer and bury the report; libFuzzer prints the stack and saves the input itself.
TMPDIR=$WORK/tmp SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
  "$SCRATCH/$CONFIG/$PRODUCT" "$NEW" "$SEEDS" \
  -max_total_time="$SECONDS_TO_RUN" -max_len="$MAX_LEN" -timeout="$TIMEOUT" \
  -rss_limit_mb=2048 -malloc_limit_mb="$MALLOC_MB" -detect_leaks="$LEAKS" -print_final_stats=1 \
  -artifact_prefix="$SCRATCH/findings/$TARGET/" > "$LOG" 2>&1 || STATUS=$?

# The last status line (executions, coverage, features, corpus) and the final statistics.
grep -E '^#[0-9]+[[:space:]]+(DONE|pulse|NEW|REDUCE|INITED)' "$LOG" | tail -1 || true
grep -a -E '^stat::' "$LOG" || true
if [ "$STATUS" -ne 0 ] || grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|SUMMARY: |FUZZ FINDING|Fatal error' "$LOG"; then
  echo "fuzz.sh: $TARGET FAILED (status $STATUS); the report:" >&2
  grep -E -A 30 'ERROR: |FUZZ FINDING|Fatal error|==[0-9]+==' "$LOG" | head -60 >&2 || tail -40 "$LOG" >&2
  ls -1 "$SCRATCH/findings/$TARGET/" | grep -E '^(crash|leak|timeout|oom|slow-unit)-' | sed "s|^|fuzz.sh: saved $SCRATCH/findings/$TARGET/|" >&2 || true
  echo "fuzz.sh: replay with $SCRATCH/$CONFIG/$PRODUCT FILE" >&2
  exit 1
fi
echo "fuzz.sh: $TARGET passed: no crash, no sanitizer report, no timeout, no out-of-memory in ${SECONDS_TO_RUN}s"
