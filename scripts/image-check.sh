#!/usr/bin/env bash
# Runs the image the way SageMaker runs it and checks the contract, with podman on loopback:
# - labels: accept-bind-to-port=true and multi-models=true; ENTRYPOINT is the binary, CMD serve;
# - `podman run IMAGE serve` with the model mounted at /opt/ml/model and SAGEMAKER_BIND_TO_PORT
#   set answers /ping 200 on that port, within 1 s of the container starting (5 runs: the time from
#   `podman run` and from the container's start as podman records it);
# - `podman stop` (SIGTERM, then SIGKILL after 30 s) with 16 large requests in flight: every one is
#   answered in full, and the container exits 0 on its own, well before the SIGKILL.
# The last line is one JSON object with the measurements; the exit status is 1 if a check fails.
set -euo pipefail

usage() { echo "usage: $0 IMAGE   (e.g. the reference scripts/build-image.sh prints)" >&2; exit 2; }
[ $# -eq 1 ] || usage
image=$1
repo=$(cd "$(dirname "$0")/.." && pwd)
command -v podman >/dev/null || { echo "$0: needs podman (apt-get install podman runc)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "$0: needs python3" >&2; exit 1; }
export CONTAINERS_CONF=${CONTAINERS_CONF:-$repo/deploy/podman/containers.conf}

work=$(mktemp -d /tmp/swerve-image-check.XXXXXX)
name="swerve-image-check-$$"
cleanup() {
  set +e
  podman rm -f -t 0 "$name" >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port=$((20000 + RANDOM % 20000))
while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
now() { date +%s.%N; }
run() { # starts the container as SageMaker does: IMAGE serve, the model at /opt/ml/model
  podman run -d --name "$name" --network host -e SAGEMAKER_BIND_TO_PORT="$port" \
    -v "$repo/model-artifacts/real-estate:/opt/ml/model:ro" "$image" serve >/dev/null
}
wait_for_ping() { # prints the epoch of the first /ping 200 (gives up after 10 s)
  local deadline
  deadline=$(awk -v n="$(now)" 'BEGIN { printf "%.3f", n + 10 }')
  while :; do
    if [ "$(curl -s -o /dev/null -m 1 -w '%{http_code}' "http://127.0.0.1:$port/ping" || true)" = 200 ]; then now; return 0; fi
    awk -v n="$(now)" -v d="$deadline" 'BEGIN { exit !(n > d) }' && return 1
    sleep 0.002
  done
}

labels=$(podman image inspect --format '{{json .Labels}}|{{json .Config.Entrypoint}}|{{json .Config.Cmd}}|{{.Size}}' "$image")

# Time to the first /ping 200, five runs.
: > "$work/starts"
for attempt in 1 2 3 4 5; do
  before=$(now)
  run
  answered=$(wait_for_ping) || { podman logs "$name" >&2; echo "$0: no /ping 200 within 10 s" >&2; exit 1; }
  started=$(date -d "$(podman inspect -f '{{.State.StartedAt}}' "$name" | awk '{print $1" "$2" "$3}')" +%s.%N)
  echo "$before $started $answered" >> "$work/starts"
  podman rm -f -t 0 "$name" >/dev/null
done

# Drain on `podman stop`: 16 requests of 300,000 CSV rows each in flight, then SIGTERM.
run
wait_for_ping >/dev/null
rows=300000
awk -v n="$rows" 'BEGIN { for (i = 0; i < n; i++) print "150" }' > "$work/body.csv"
for i in $(seq 1 16); do
  curl -s -o "$work/answer-$i" -w '%{http_code}' -H 'Content-Type: text/csv' --data-binary "@$work/body.csv" \
    "http://127.0.0.1:$port/invocations" > "$work/status-$i" 2>/dev/null &
done
sleep 0.3
finished_before_stop=0
for i in $(seq 1 16); do [ -s "$work/status-$i" ] && finished_before_stop=$((finished_before_stop + 1)); done
stop_started=$(now)
podman stop -t 30 "$name" >/dev/null
stop_finished=$(now)
wait
exit_code=$(podman inspect -f '{{.State.ExitCode}}' "$name")
podman logs "$name" > "$work/drain.log" 2>&1
: > "$work/answers"
for i in $(seq 1 16); do echo "$(cat "$work/status-$i") $(wc -l < "$work/answer-$i")" >> "$work/answers"; done

python3 - "$image" "$rows" "$exit_code" "$stop_started" "$stop_finished" "$labels" "$work" "$finished_before_stop" <<'EOF'
import json, statistics, sys
image, rows, exit_code, stop_started, stop_finished, labels, work, finished_before_stop = sys.argv[1:]
label_json, entrypoint, cmd, size = labels.split("|")
label_map = json.loads(label_json) or {}
starts = [tuple(map(float, line.split())) for line in open(f"{work}/starts")]
from_run = [round((answered - before) * 1000) for before, _, answered in starts]
from_start = [round((answered - started) * 1000) for _, started, answered in starts]
answers = [line.split() for line in open(f"{work}/answers")]
complete = sum(1 for status, lines in answers if status == "200" and int(lines) == int(rows))
stop_s = float(stop_finished) - float(stop_started)
result = {
    "image": image,
    "size_bytes": int(size),
    "size_mb": round(int(size) / 1e6, 1),
    "labels": {k: v for k, v in label_map.items() if k.startswith("com.amazonaws.sagemaker")},
    "entrypoint": json.loads(entrypoint), "cmd": json.loads(cmd),
    "ping_ms_from_podman_run": from_run,
    "ping_ms_from_container_start": from_start,
    "ping_ms_from_container_start_median": statistics.median(from_start),
    "drain": {"requests": len(answers), "in_flight_at_stop": len(answers) - int(finished_before_stop), "answered_in_full": complete, "stop_s": round(stop_s, 3), "exit_code": int(exit_code)},
}
checks = {
    "accept-bind-to-port label": label_map.get("com.amazonaws.sagemaker.capabilities.accept-bind-to-port") == "true",
    "multi-models label": label_map.get("com.amazonaws.sagemaker.capabilities.multi-models") == "true",
    "/ping 200 within 1 s of the container starting (every run)": max(from_start) <= 1000,
    "requests in flight when podman stop began": int(finished_before_stop) < len(answers),
    "every in-flight request answered in full on podman stop": complete == len(answers) == 16,
    "exit 0 before the SIGKILL": int(exit_code) == 0 and stop_s < 30,
}
result["checks_passed"] = all(checks.values())
for name, ok in checks.items():
    print(("ok      " if ok else "FAILED  ") + name, file=sys.stderr)
print(json.dumps(result))
sys.exit(0 if result["checks_passed"] else 1)
EOF
