# Sourced by the benchmark scripts that compare server variants (bench_ab.sh,
# bench_below_saturation.sh, bench_exclusivity.sh): the one-row requests they send and how a
# variant is started, pinned to CPU 1.

# one_row_body MODEL: the body of a one-row request to a shipped model.
one_row_body() {
  if [ "$1" = churn ]; then
    echo 'AK,55,415,312-6133,yes,no,0,129.1,157,222.12,228.5,83,19.42,208.8,111,9.4,12.7,6,3.43,4'
  else
    echo '{"distance": 150}'
  fi
}

# one_row_wrk_script MODEL FILE: writes a wrk Lua script that posts that row.
one_row_wrk_script() {
  local body type=application/json
  body=$(one_row_body "$1" | sed 's/"/\\"/g')
  if [ "$1" = churn ]; then type=text/csv; body="$body\\n"; fi
  printf 'wrk.method="POST"\nwrk.body="%s"\nwrk.headers["Content-Type"]="%s"\n' "$body" "$type" > "$2"
}

# start_variant "LABEL:BINARY [ARGS...]" PORT MODEL: starts `BINARY serve` on the model, pinned to
# CPU 1 (or to the CPU list in $SERVER_CPUS), logging to /tmp/swerve-bench-PORT.log; prints its pid
# once /ping answers.
start_variant() {
  local spec=$1 port=$2 model=$3
  local command=${spec#*:}
  local binary=${command%% *} arguments=""
  [ "$binary" != "$command" ] && arguments=${command#* }
  # shellcheck disable=SC2086
  taskset -c "${SERVER_CPUS:-1}" "$binary" serve --model-dir "model-artifacts/$model" --port "$port" $arguments > "/tmp/swerve-bench-$port.log" 2>&1 &
  local pid=$!
  for _ in $(seq 200); do curl -sf -o /dev/null "http://127.0.0.1:$port/ping" && break; sleep 0.05; done
  # Another process answering /ping on the port is not this variant.
  kill -0 "$pid" 2>/dev/null || { echo "$spec exited (/tmp/swerve-bench-$port.log)" >&2; return 1; }
  echo "$pid"
}

# stop_variants PID...: stops the servers and waits until they have exited (they drain first), so
# that the next run can bind the same ports: a run started while the last one's server still held
# its port would find that server answering /ping and measure it instead.
stop_variants() {
  kill "$@" 2>/dev/null || true
  for pid in "$@"; do
    for _ in $(seq 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
  done
}
