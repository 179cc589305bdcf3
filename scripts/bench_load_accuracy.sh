#!/usr/bin/env bash
# Compares `swerve load` with wrk on the same server: same connections, threads and duration,
# closed loop with no pacing (wrk's model), interleaved for a number of rounds (the tool that goes
# first alternates). Prints each run, the medians and the swerve/wrk ratios of req/s, p50 and p99,
# and each tool's own CPU time per request (user + system), which shows which one is working harder.
#
# usage: scripts/bench_load_accuracy.sh URL [--connections N] [--threads N] [--duration 10s]
#            [--rounds 3] [--body TEXT --content-type TYPE] [--swerve PATH] [--cpus LIST]
#
# The server must already be running. wrk is installed with apt-get when missing (Debian package
# "wrk"); swerve is built in release mode when no --swerve binary is given. --cpus pins both
# generators to those CPUs with taskset (pin the server elsewhere) for steadier numbers. Besides
# the ratio of the medians, the median of the per-round ratios is printed: adjacent runs share the
# machine's conditions, so it is the steadier figure on a busy machine.
set -euo pipefail

usage() { sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
[[ $# -ge 1 && $1 != -* ]] || usage
url=$1; shift
connections=16 threads=1 duration=10s rounds=3 body="" content_type="" swerve="" cpus=""
while [[ $# -gt 0 ]]; do
    case $1 in
        --connections) connections=$2; shift 2 ;;
        --threads) threads=$2; shift 2 ;;
        --duration) duration=$2; shift 2 ;;
        --rounds) rounds=$2; shift 2 ;;
        --body) body=$2; shift 2 ;;
        --content-type) content_type=$2; shift 2 ;;
        --swerve) swerve=$2; shift 2 ;;
        --cpus) cpus=$2; shift 2 ;;
        *) usage ;;
    esac
done

repo=$(cd "$(dirname "$0")/.." && pwd)
if ! command -v wrk >/dev/null; then
    echo "installing wrk..." >&2
    apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
fi
if [[ -z $swerve ]]; then
    (cd "$repo" && swift build -c release --product swerve >/dev/null)
    swerve=$repo/.build/release/swerve
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pin=(); [[ -n $cpus ]] && pin=(taskset -c "$cpus")
wrk_args=(-t "$threads" -c "$connections" -d "$duration" --latency)
swerve_args=(--users "$connections" --pacing 0 --threads "$threads" --duration "$duration" --quiet)
if [[ -n $body ]]; then
    # wrk sends a body only through a Lua script; a long-bracket string needs no escaping.
    {
        echo 'wrk.method = "POST"'
        printf 'wrk.body = [==[%s]==]\n' "$body"
        [[ -n $content_type ]] && printf 'wrk.headers["Content-Type"] = "%s"\n' "$content_type"
    } >"$work/post.lua"
    wrk_args+=(-s "$work/post.lua")
    swerve_args+=(--body "$body")
    [[ -n $content_type ]] && swerve_args+=(--content-type "$content_type")
fi

# Latency text ("142.00us", "2.01ms", "1.20s", "51µs") to milliseconds.
to_ms() {
    awk -v v="$1" 'BEGIN {
        if (v ~ /(us|µs)$/) { sub(/(us|µs)$/, "", v); printf "%.4f", v / 1000 }
        else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.4f", v }
        else if (v ~ /s$/)  { sub(/s$/, "", v);  printf "%.4f", v * 1000 }
        else { printf "nan" } }'
}

# Runs a command, leaving its stdout in $out and its CPU seconds (user + system) in $cpu.
timed() {
    local TIMEFORMAT='%U %S' times
    times=$({ time "$@" >"$work/out"; } 2>&1)
    out=$(cat "$work/out")
    cpu=$(awk '{ print $1 + $2 }' <<<"$times")
}

# Both print "req/s p50-ms p99-ms cpu-µs-per-request".
run_wrk() {
    local out cpu; timed "${pin[@]}" wrk "${wrk_args[@]}" "$url"
    local rps p50 p99
    rps=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
    p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' <<<"$out")")
    p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' <<<"$out")")
    local requests; requests=$(awk '/requests in/ { print $1 }' <<<"$out")
    echo "$rps $p50 $p99 $(awk -v c="$cpu" -v n="$requests" 'BEGIN { printf "%.2f", c * 1e6 / n }')"
}

run_swerve() {
    local out cpu; timed "${pin[@]}" "$swerve" load "$url" "${swerve_args[@]}"
    local rps p50 p99
    rps=$(awk '/^requests/ { gsub(/[()]/, "", $3); print $3 }' <<<"$out")
    # The latency values line follows the header line "latency  min p50 p90 p99 p99.9 max mean".
    read -r _ p50 _ p99 _ < <(awk '/^latency/ { getline; print $1, $2, $3, $4, $5 }' <<<"$out")
    local requests; requests=$(awk '/^requests/ { print $2 }' <<<"$out")
    echo "$rps $(to_ms "$p50") $(to_ms "$p99") $(awk -v c="$cpu" -v n="$requests" 'BEGIN { printf "%.2f", c * 1e6 / n }')"
}

median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

echo "# swerve load vs wrk: $url"
echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ), $(uname -sr), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "# connections $connections, threads $threads, duration $duration, rounds $rounds${body:+, body ${#body} bytes}${cpus:+, generators on CPUs $cpus}"
printf "%-6s %-7s %12s %10s %10s %12s\n" round tool "req/s" "p50 ms" "p99 ms" "cpu µs/req"
: >"$work/wrk" ; : >"$work/swerve"
for ((round = 1; round <= rounds; round++)); do
    order=(wrk swerve); ((round % 2 == 0)) && order=(swerve wrk)
    for tool in "${order[@]}"; do
        result=$("run_$tool")
        echo "$result" >>"$work/$tool"
        read -r rps p50 p99 cpu <<<"$result"
        printf "%-6s %-7s %12.1f %10.3f %10.3f %12.2f\n" "$round" "$tool" "$rps" "$p50" "$p99" "$cpu"
        sleep 1
    done
done
for tool in wrk swerve; do
    for column in 1 2 3 4; do
        awk -v c=$column '{ print $c }' "$work/$tool" | median >"$work/$tool.$column"
    done
    printf "%-6s %-7s %12.1f %10.3f %10.3f %12.2f\n" median "$tool" \
        "$(cat "$work/$tool.1")" "$(cat "$work/$tool.2")" "$(cat "$work/$tool.3")" "$(cat "$work/$tool.4")"
done
ratio() { awk -v a="$(cat "$work/swerve.$1")" -v b="$(cat "$work/wrk.$1")" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "n/a" }'; }
echo "ratio of medians, swerve/wrk: req/s $(ratio 1), p50 $(ratio 2), p99 $(ratio 3), cpu per request $(ratio 4)"
round_ratio() { paste -d' ' "$work/swerve" "$work/wrk" | awk -v c="$1" '{ print $c / $(c + 4) }' | median | awk '{ printf "%.3f", $1 }'; }
echo "median of per-round ratios:   req/s $(round_ratio 1), p50 $(round_ratio 2), p99 $(round_ratio 3), cpu per request $(round_ratio 4)"
