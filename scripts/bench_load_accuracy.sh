#!/usr/bin/env bash
# Compares `swerve load` with wrk on the same server: same connections, threads and duration,
# closed loop with no pacing (wrk's model), interleaved for a number of rounds (the tool that goes
# first alternates). Prints each run, the medians and the swerve/wrk ratios of req/s, p50 and p99,
# and each tool's own CPU time per request (user + system), which shows which one is working harder.
#
# wrk does not print the latencies it measured: before reporting, it corrects its histogram for
# coordinated omission (wrk 4's stats_correct; see docs/load.md). The p50/p99 columns are what each
# tool prints (swerve load: measured); the wrk-style columns put both on wrk's statistic (for
# swerve load, its "wrk-style" line: the same correction applied to its measured histogram), so
# those ratios compare like with like.
#
# usage: scripts/bench_load_accuracy.sh URL [--connections N] [--threads N] [--duration 10s]
#            [--rounds 3] [--body TEXT --content-type TYPE] [--swerve PATH] [--cpus LIST] [--wire]
#
# The server must already be running. wrk is installed with apt-get when missing (Debian package
# "wrk"); swerve is built in release mode when no --swerve binary is given. --cpus pins both
# generators to those CPUs with taskset (pin the server elsewhere) for steadier numbers. Besides
# the ratio of the medians, the median of the per-round ratios is printed: adjacent runs share the
# machine's conditions, so it is the steadier figure on a busy machine.
#
# --wire also captures each run's packets (tcpdump on the loopback interface, installed with
# apt-get when missing; needs root) and prints the latency the kernel saw for the same requests,
# from each request segment to the first response segment (scripts/wire_latency.py): the referee
# between the two tools. A tool that reports a longer tail than its wire column adds delay of its
# own (it read the responses late); two tools whose wire columns differ offered the server
# differently shaped load.
set -euo pipefail

usage() { sed -n '13,14p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
[[ $# -ge 1 && $1 != -* ]] || usage
url=$1; shift
connections=16 threads=1 duration=10s rounds=3 body="" content_type="" swerve="" cpus="" wire=0
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
        --wire) wire=1; shift ;;
        *) usage ;;
    esac
done

repo=$(cd "$(dirname "$0")/.." && pwd)
if ! command -v wrk >/dev/null; then
    echo "installing wrk..." >&2
    apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
fi
if ((wire)) && ! command -v tcpdump >/dev/null; then
    echo "installing tcpdump..." >&2
    apt-get install -y tcpdump >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y tcpdump >/dev/null; }
fi
if [[ -z $swerve ]]; then
    (cd "$repo" && swift build -c release --product swerve >/dev/null)
    swerve=$repo/.build/release/swerve
fi

work=$(mktemp -d)
capture=""
cleanup() {
    [[ -n $capture ]] && kill -INT "$capture" 2>/dev/null && wait "$capture" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
port=$(awk -F/ '{ n = split($3, hostport, ":"); print (n > 1 ? hostport[n] : 80) }' <<<"$url")
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

# Runs a command, leaving its stdout in $out and its CPU seconds (user + system) in $cpu; with
# --wire, also the wire latency of its requests in $wire_figures ("p50-ms p99-ms").
timed() {
    local TIMEFORMAT='%U %S' times
    if ((wire)); then
        tcpdump -i lo -s 96 -B 262144 --time-stamp-precision=nano -w "$work/pcap" "tcp port $port" 2>"$work/tcpdump" &
        capture=$!
        sleep 1
    fi
    times=$({ time "$@" >"$work/out"; } 2>&1)
    out=$(cat "$work/out")
    cpu=$(awk '{ print $1 + $2 }' <<<"$times")
    wire_figures=""
    if ((wire)); then
        sleep 0.5
        kill -INT "$capture"; wait "$capture" || true
        capture=""
        grep -q '^0 packets dropped by kernel' "$work/tcpdump" || echo "warning: the capture dropped packets: $(grep dropped "$work/tcpdump" | head -1)" >&2
        wire_figures=$(python3 "$repo/scripts/wire_latency.py" "$work/pcap" "$port" | awk '{ print $2, $4 }')
        rm -f "$work/pcap"
    fi
}

# Both print "req/s p50-ms p99-ms cpu-µs-per-request wrk-style-p50-ms wrk-style-p99-ms
# [wire-p50-ms wire-p99-ms]": wrk's own percentiles are already the wrk-style ones (wrk corrects
# its histogram for coordinated omission before printing it); `swerve load` prints its measured
# percentiles and, on its "wrk-style" line, the same correction applied to them.
run_wrk() {
    local out cpu; timed "${pin[@]}" wrk "${wrk_args[@]}" "$url"
    local rps p50 p99
    rps=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
    p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' <<<"$out")")
    p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' <<<"$out")")
    local requests; requests=$(awk '/requests in/ { print $1 }' <<<"$out")
    echo "$rps $p50 $p99 $(awk -v c="$cpu" -v n="$requests" 'BEGIN { printf "%.2f", c * 1e6 / n }') $p50 $p99 $wire_figures"
}

run_swerve() {
    local out cpu; timed "${pin[@]}" "$swerve" load "$url" "${swerve_args[@]}"
    local rps p50 p99
    rps=$(awk '/^requests/ { gsub(/[()]/, "", $3); print $3 }' <<<"$out")
    # The latency values line follows the header line "latency  min p50 p90 p99 p99.9 max mean".
    read -r _ p50 _ p99 _ < <(awk '/^latency/ { getline; print $1, $2, $3, $4, $5 }' <<<"$out")
    local requests; requests=$(awk '/^requests/ { print $2 }' <<<"$out")
    local corrected_p50 corrected_p99
    read -r corrected_p50 corrected_p99 < <(awk '/^wrk-style/ { print $3, $5 }' <<<"$out")
    echo "$rps $(to_ms "$p50") $(to_ms "$p99") $(awk -v c="$cpu" -v n="$requests" 'BEGIN { printf "%.2f", c * 1e6 / n }')" \
        "$(to_ms "$corrected_p50") $(to_ms "$corrected_p99") $wire_figures"
}

median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

echo "# swerve load vs wrk: $url"
echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ), $(uname -sr), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "# connections $connections, threads $threads, duration $duration, rounds $rounds${body:+, body ${#body} bytes}${cpus:+, generators on CPUs $cpus}"
columns=6 row="%-6s %-7s %12.1f %10.3f %10.3f %12.2f %12.3f %12.3f"
header=$(printf "%-6s %-7s %12s %10s %10s %12s %12s %12s" round tool "req/s" "p50 ms" "p99 ms" "cpu µs/req" "wrk-style p50" "wrk-style p99")
if ((wire)); then
    columns=8 row+=" %12.3f %12.3f"
    header+=$(printf " %12s %12s" "wire p50 ms" "wire p99 ms")
fi
echo "$header"
: >"$work/wrk" ; : >"$work/swerve"
for ((round = 1; round <= rounds; round++)); do
    order=(wrk swerve); ((round % 2 == 0)) && order=(swerve wrk)
    for tool in "${order[@]}"; do
        result=$("run_$tool")
        echo "$result" >>"$work/$tool"
        # shellcheck disable=SC2086,SC2059
        printf "$row\n" "$round" "$tool" $result
        sleep 1
    done
done
for tool in wrk swerve; do
    medians=()
    for ((column = 1; column <= columns; column++)); do
        awk -v c=$column '{ print $c }' "$work/$tool" | median >"$work/$tool.$column"
        medians+=("$(cat "$work/$tool.$column")")
    done
    # shellcheck disable=SC2059
    printf "$row\n" median "$tool" "${medians[@]}"
done
ratio() { awk -v a="$(cat "$work/swerve.$1")" -v b="$(cat "$work/wrk.$1")" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "n/a" }'; }
round_ratio() {
    paste -d' ' "$work/swerve" "$work/wrk" | awk -v c="$1" -v n="$columns" '{ print $c / $(c + n) }' | median | awk '{ printf "%.3f", $1 }'
}
wire_ratios() { ((wire)) && echo ", wire p50 $("$1" 7), wire p99 $("$1" 8)"; true; }
echo "ratio of medians, swerve/wrk: req/s $(ratio 1), p50 $(ratio 2), p99 $(ratio 3), cpu per request $(ratio 4)," \
    "wrk-style p50 $(ratio 5), wrk-style p99 $(ratio 6)$(wire_ratios ratio)"
echo "median of per-round ratios:   req/s $(round_ratio 1), p50 $(round_ratio 2), p99 $(round_ratio 3), cpu per request $(round_ratio 4)," \
    "wrk-style p50 $(round_ratio 5), wrk-style p99 $(round_ratio 6)$(wire_ratios round_ratio)"
