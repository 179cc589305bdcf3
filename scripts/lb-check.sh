#!/usr/bin/env bash
# Failover check: 3 Swerve instances behind HAProxy (deploy/haproxy/haproxy.cfg, unchanged) on
# loopback, an open-loop `swerve load` through the balancer, and during the run:
#   (a) SIGKILL of instance 1 (a crash);
#   (b) its restart by an existing mechanism: runit's runsv (processes, the default) or podman's
#       --restart=always (--containers);
#   (c) SIGTERM of instance 2 and its restart, as a rolling deploy does (`sv restart` /
#       `podman restart`).
# HAProxy's log gives the moments it marked a server DOWN and UP; the load's per-second series
# attributes failures to the crash and rolling-restart windows (scripts/lb_check_verdict.py). The last line is one JSON object:
#   requests, failed, failed_during_crash, failed_during_rolling_restart, detect_s (kill to out of
#   rotation), rejoin_s (restart to back in rotation), p99_ms, and more.
# Exit status 1 when a target is missed: 0 failures in the rolling restart, 0 in the crash (the
# balancer retries), detect_s <= 2, rejoin_s <= 2.
# --balancer nginx runs deploy/nginx/nginx.conf.template instead. Open-source nginx has no active
# health checks and logs no server state with sub-second times, so detect_s and rejoin_s are null
# there and only the failure targets apply.
set -euo pipefail

usage() {
  cat >&2 <<EOF
usage: $0 [--containers [--image REF]] [--balancer haproxy|nginx] [--swerve PATH] [--rate R] [--duration S]
          [--batch-rows N] [--crash-backoff S] [--keep]
  --containers     run the instances as podman containers (--restart=always) instead of runit services
  --image REF      image for --containers (default: build one with scripts/build-image.sh)
  --balancer B     haproxy (default, deploy/haproxy/haproxy.cfg) or nginx (deploy/nginx/nginx.conf.template)
  --swerve PATH    swerve binary for the instances and the load (default .build/release/swerve,
                   else .build/debug/swerve, else build the debug one)
  --rate R         open-loop requests/s through the balancer (default 150)
  --duration S     load duration in seconds (default 24; the events happen at 4 s and 13 s)
  --batch-rows N   each request is a CSV batch of N real-estate rows, 2 bytes each (default
                   10000: 20 KB, about 3 ms of work, so requests are in flight on the instance
                   killed; HAProxy retries only requests that fit its 64 KiB buffer); 0 sends one
                   JSON row
  --crash-backoff S  processes: seconds runit's finish script waits before a crashed instance is
                   restarted, as a restart backoff does (default 2; 0 restarts at once, often
                   before the balancer can notice)
  --keep           keep the work directory (logs, load JSON) and print its path
EOF
  exit 2
}

repo=$(cd "$(dirname "$0")/.." && pwd)
mode=processes
balancer=haproxy
image=""
swerve=""
rate=150
duration=24
crash_backoff=2
batch_rows=10000
keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --containers) mode=containers; shift ;;
    --image) image=${2:?}; shift 2 ;;
    --balancer) balancer=${2:?}; shift 2 ;;
    --swerve) swerve=${2:?}; shift 2 ;;
    --rate) rate=${2:?}; shift 2 ;;
    --duration) duration=${2:?}; shift 2 ;;
    --crash-backoff) crash_backoff=${2:?}; shift 2 ;;
    --batch-rows) batch_rows=${2:?}; shift 2 ;;
    --keep) keep=1; shift ;;
    *) usage ;;
  esac
done
[ "$duration" -ge 20 ] || { echo "$0: --duration must be at least 20 (events at 4 s and 13 s)" >&2; exit 2; }

need() { command -v "$1" >/dev/null || { echo "$0: needs $1 ($2)" >&2; exit 1; }; }
case "$balancer" in
  haproxy) need haproxy "apt-get install haproxy" ;;
  nginx) need nginx "apt-get install nginx-light" ;;
  *) usage ;;
esac
need python3 "apt-get install python3"
need curl "apt-get install curl"
if [ "$mode" = processes ]; then
  need runsvdir "apt-get install runit"
  need sv "apt-get install runit"
else
  need podman "apt-get install podman runc"
  export CONTAINERS_CONF=${CONTAINERS_CONF:-$repo/deploy/podman/containers.conf}
fi

if [ -z "$swerve" ]; then
  for candidate in "$repo/.build/release/swerve" "$repo/.build/debug/swerve"; do
    if [ -x "$candidate" ]; then swerve=$candidate; break; fi
  done
fi
if [ -z "$swerve" ]; then
  if ! command -v swift >/dev/null && [ -x /opt/swift/usr/bin/swift ]; then export PATH=/opt/swift/usr/bin:$PATH; fi
  (cd "$repo" && swift build --product swerve >&2)
  swerve="$repo/.build/debug/swerve"
fi
[ -x "$swerve" ] || { echo "$0: $swerve is not an executable" >&2; exit 1; }
swerve="$(cd "$(dirname "$swerve")" && pwd)/$(basename "$swerve")" # runsv runs ./run in the service directory
if [ "$mode" = containers ] && [ -z "$image" ]; then
  image=$("$repo/scripts/build-image.sh" | tail -1)
fi

work=$(mktemp -d /tmp/swerve-lb.XXXXXX)
mkdir -p "$work/logs" "$work/service"
runsvdir_pid=""
balancer_pid=""
load_pid=""
containers=()

cleanup() {
  set +e
  [ -n "$load_pid" ] && kill "$load_pid" 2>/dev/null
  if [ "$mode" = processes ]; then
    # Stop each service (SIGTERM, drain), let its runsv exit (runsvdir reaps it), then runsvdir.
    for dir in "$work"/service/*; do [ -d "$dir/supervise" ] && sv -w 15 down "$dir" >/dev/null 2>&1; done
    for dir in "$work"/service/*; do [ -d "$dir/supervise" ] && sv exit "$dir" >/dev/null 2>&1; done
    sleep 0.2
    [ -n "$runsvdir_pid" ] && kill "$runsvdir_pid" 2>/dev/null && wait "$runsvdir_pid" 2>/dev/null
  else
    for name in "${containers[@]}"; do podman rm -f -t 15 "$name" >/dev/null 2>&1; done
  fi
  [ -n "$balancer_pid" ] && kill "$balancer_pid" 2>/dev/null && wait "$balancer_pid" 2>/dev/null
  if [ "$keep" = 1 ]; then echo "work directory kept: $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Free loopback ports: nothing answers a connection on them (bash's /dev/tcp, no extra tools).
next_port=$((20000 + RANDOM % 20000))
take_free_port() { # sets free_port
  while (exec 3<>"/dev/tcp/127.0.0.1/$next_port") 2>/dev/null; do next_port=$((next_port + 1)); done
  free_port=$next_port
  next_port=$((next_port + 1))
}
ports=()
for i in 1 2 3; do take_free_port; ports+=("$free_port"); done
take_free_port; lb_port=$free_port
take_free_port; stats_port=$free_port
now() { date +%s.%N; }

# --- the instances -------------------------------------------------------------------------
start_instances() {
  local i port
  for i in 1 2 3; do
    port=${ports[$((i - 1))]}
    if [ "$mode" = processes ]; then
      local dir="$work/service/swerve$i"
      mkdir -p "$dir"
      # runit's run script: note the start time, then exec the server (runsv supervises it).
      cat > "$dir/run" <<EOF
#!/bin/sh
date +%s.%N >> "$work/logs/starts-swerve$i"
exec "$swerve" serve --model-dir "$repo/model-artifacts/real-estate" --host 127.0.0.1 --port $port >> "$work/logs/swerve$i.log" 2>&1
EOF
      # runit's finish script: after a crash (killed by a signal: first argument -1), wait out
      # the restart backoff before runsv starts ./run again.
      cat > "$dir/finish" <<EOF
#!/bin/sh
[ "\$1" = -1 ] && sleep $crash_backoff
exit 0
EOF
      chmod +x "$dir/run" "$dir/finish"
    else
      local name="swerve-lb-$i-$$"
      containers+=("$name")
      podman run -d --name "$name" --restart=always --network host \
        -e SAGEMAKER_BIND_TO_PORT="$port" \
        -v "$repo/model-artifacts/real-estate:/opt/ml/model:ro" "$image" serve >/dev/null
    fi
  done
  if [ "$mode" = processes ]; then
    runsvdir -P "$work/service" >"$work/logs/runsvdir.log" 2>&1 &
    runsvdir_pid=$!
  fi
}

instance_pid() { # the server's host PID
  if [ "$mode" = processes ]; then cat "$work/service/swerve$1/supervise/pid"; else podman inspect -f '{{.State.Pid}}' "${containers[$(($1 - 1))]}"; fi
}

restart_gracefully() { # SIGTERM, drain, start again
  if [ "$mode" = processes ]; then sv restart "$work/service/swerve$1" >/dev/null; else podman restart -t 30 "${containers[$(($1 - 1))]}" >/dev/null; fi
}

# Epoch seconds of the instance's starts: runit's run script logs them; podman reports StartedAt.
starts_after() { # instance, epoch -> first start after epoch (empty if none yet)
  if [ "$mode" = processes ]; then
    awk -v t="$2" '$1 > t { print; exit }' "$work/logs/starts-swerve$1" 2>/dev/null
  else
    local started
    started=$(podman inspect -f '{{.State.StartedAt}}' "${containers[$(($1 - 1))]}" 2>/dev/null | awk '{print $1" "$2" "$3}')
    [ -n "$started" ] || return 0
    date -d "$started" +%s.%N | awk -v t="$2" '$1 > t { print }'
  fi
}

# --- the balancer ----------------------------------------------------------------------------
start_balancer() {
  if [ "$balancer" = haproxy ]; then
    LB_BIND="127.0.0.1:$lb_port" LB_STATS_BIND="127.0.0.1:$stats_port" LB_STATS_SOCKET="$work/haproxy.sock" \
      LB_MAXCONN=1000 SWERVE_1="127.0.0.1:${ports[0]}" SWERVE_2="127.0.0.1:${ports[1]}" SWERVE_3="127.0.0.1:${ports[2]}" \
      haproxy -db -f "$repo/deploy/haproxy/haproxy.cfg" >"$work/logs/haproxy.log" 2>&1 &
  else
    mkdir -p "$work/nginx"
    sed -e "s#\${SWERVE_1}#127.0.0.1:${ports[0]}#; s#\${SWERVE_2}#127.0.0.1:${ports[1]}#; s#\${SWERVE_3}#127.0.0.1:${ports[2]}#" \
      -e "s#\${LB_LISTEN}#127.0.0.1:$lb_port#; s#\${LB_PREFIX}#$work/nginx#g" \
      "$repo/deploy/nginx/nginx.conf.template" > "$work/nginx/nginx.conf"
    nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -g 'daemon off;' >"$work/logs/nginx.log" 2>&1 &
  fi
  balancer_pid=$!
}

# Epoch of the first "Server swerve/swerveN is STATE" log line after a moment (HAProxy's log lines
# start with an ISO 8601 time in microseconds).
haproxy_event_after() { # instance, DOWN|UP, epoch
  [ "$balancer" = haproxy ] || return 0
  local line
  line=$(grep -E "^[0-9T:.+-]+ Server swerve/swerve$1 is $2" "$work/logs/haproxy.log" | while read -r stamp _; do
    echo "$(date -d "$stamp" +%s.%N)"
  done | awk -v t="$3" '$1 > t { print; exit }')
  echo "$line"
}

wait_for() { # timeout_s, command... : polls every 20 ms until the command prints something
  local deadline output
  deadline=$(awk -v n="$(now)" -v t="$1" 'BEGIN { printf "%.3f", n + t }')
  shift
  while :; do
    output=$("$@" || true)
    if [ -n "$output" ]; then echo "$output"; return 0; fi
    if awk -v n="$(now)" -v d="$deadline" 'BEGIN { exit !(n > d) }'; then return 0; fi
    sleep 0.02
  done
}

stats_field() { # instance, CSV column name -> value from HAProxy's stats
  [ "$balancer" = haproxy ] || return 0
  curl -s "http://127.0.0.1:$stats_port/stats;csv" | awk -F, -v srv="swerve$1" -v col="$2" '
    NR == 1 { sub(/^# /, ""); for (i = 1; i <= NF; i++) if ($i == col) c = i; next }
    $1 == "swerve" && $2 == srv { print $c }'
}

all_up() {
  local up port
  if [ "$balancer" = haproxy ]; then
    up=$(curl -s "http://127.0.0.1:$stats_port/stats;csv" | awk -F, '$1 == "swerve" && $2 ~ /^swerve[0-9]$/ && $18 == "UP"' | wc -l)
  else
    up=0
    for port in "${ports[@]}"; do
      [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/ping" || true)" = 200 ] && up=$((up + 1))
    done
  fi
  [ "$up" = 3 ] && curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$lb_port/ping" | grep -q 200 && echo yes
}

echo "lb-check: $mode, swerve $swerve${image:+, image $image}; instances on ${ports[*]}, $balancer on $lb_port; work $work" >&2
start_instances
start_balancer
[ -n "$(wait_for 30 all_up)" ] || { cat "$work/logs/"*.log >&2; echo "$0: the instances did not come up behind $balancer" >&2; exit 1; }
sleep 1

# --- the run ---------------------------------------------------------------------------------
if [ "$batch_rows" -gt 0 ]; then
  awk -v n="$batch_rows" 'BEGIN { for (i = 0; i < n; i++) print 1 + i % 9 }' > "$work/batch.csv"
  body=(--body "@$work/batch.csv" --content-type text/csv)
else
  body=(--body '{"distance": 150}' --content-type application/json)
fi
load_start=$(now)
"$swerve" load "http://127.0.0.1:$lb_port/invocations" --rate "$rate" --duration "${duration}s" --timeout 5s \
  "${body[@]}" --json --quiet >"$work/load.json" 2>"$work/logs/load.err" &
load_pid=$!

sleep_until() { local delay; delay=$(awk -v s="$load_start" -v o="$1" -v n="$(now)" 'BEGIN { d = s + o - n; printf "%.3f", (d > 0 ? d : 0) }'); sleep "$delay"; }

# (a) crash: SIGKILL instance 1 (at a moment HAProxy has requests on it, if that comes within
# 2 s); (b) its restart comes from runsv / podman's restart policy.
sleep_until 4
victim=$(instance_pid 1)
in_flight_at_kill=0
for _ in $(seq 1 400); do
  [ "$balancer" = haproxy ] || { in_flight_at_kill=""; break; }
  in_flight_at_kill=$(stats_field 1 scur)
  [ "${in_flight_at_kill:-0}" -gt 0 ] && break
  awk -v s="$load_start" -v n="$(now)" 'BEGIN { exit !(n - s > 6) }' && break
done
kill_at=$(now)
kill -KILL "$victim"
crash_down=$(wait_for 8 haproxy_event_after 1 DOWN "$kill_at")
crash_restart=$(wait_for 15 starts_after 1 "$kill_at")
crash_up=""
[ -n "$crash_restart" ] && crash_up=$(wait_for 8 haproxy_event_after 1 UP "$crash_restart")
[ "$balancer" = haproxy ] || sleep 2.5 # nginx: past fail_timeout, live traffic has tried the instance again
crash_end=$(now)

# (c) rolling restart: SIGTERM instance 2 (drain), start it again.
sleep_until 13
term_at=$(now)
restart_gracefully 2
rolling_restart=$(wait_for 15 starts_after 2 "$term_at")
rolling_down=$(haproxy_event_after 2 DOWN "$term_at")
rolling_up=""
[ -n "$rolling_down" ] && rolling_up=$(wait_for 8 haproxy_event_after 2 UP "$rolling_down")
sleep 2 # failures that finish late still fall in the window
rolling_end=$(now)

wait "$load_pid" || true
load_pid=""
# HAProxy's own counts for the backend: retries, redispatches, connection and response errors.
backend_counts=""
[ "$balancer" = haproxy ] && backend_counts=$(curl -s "http://127.0.0.1:$stats_port/stats;csv" | awk -F, '
  NR == 1 { sub(/^# /, ""); for (i = 1; i <= NF; i++) c[$i] = i; next }
  $1 == "swerve" && $2 == "BACKEND" { printf "{\"retries\": %d, \"redispatches\": %d, \"connection_errors\": %d, \"response_errors\": %d}", $c["wretr"], $c["wredis"], $c["econ"], $c["eresp"] }')
rolling_down=$(haproxy_event_after 2 DOWN "$term_at")
[ -n "$rolling_down" ] && [ -z "$rolling_up" ] && rolling_up=$(haproxy_event_after 2 UP "$rolling_down")

# --- the verdict -----------------------------------------------------------------------------
value() { if [ -n "$1" ]; then echo "$1"; else echo null; fi; } # a JSON number or object, or null
backoff=null
[ "$mode" = processes ] && backoff=$crash_backoff
cat > "$work/events.json" <<EOF
{"load_start": $load_start, "kill_at": $kill_at, "crash_down": $(value "$crash_down"),
 "crash_restart": $(value "$crash_restart"), "crash_up": $(value "$crash_up"), "crash_end": $crash_end,
 "term_at": $term_at, "rolling_restart": $(value "$rolling_restart"), "rolling_down": $(value "$rolling_down"),
 "rolling_up": $(value "$rolling_up"), "rolling_end": $rolling_end,
 "mode": "$mode", "balancer": "$balancer", "rate": $rate, "duration_s": $duration, "batch_rows": $batch_rows,
 "restart_backoff_s": $backoff, "in_flight_at_kill": $(value "$in_flight_at_kill"), "haproxy": $(value "$backend_counts")}
EOF
python3 "$repo/scripts/lb_check_verdict.py" "$work/load.json" "$work/events.json"
