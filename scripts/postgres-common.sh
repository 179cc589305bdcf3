# Shared by scripts/postgres-demo.sh and scripts/postgres-stress.sh (sourced, not run):
# PostgreSQL 15 and PL/Python from Debian, a throwaway cluster in a temporary directory on a
# loopback port (never a system cluster), and Swerve on the churn model.
#
# Needs: REPO (the repository root), python3. Sets: PG_WORK, PG_PORT, SWERVE_PORT, SWERVE_PID.
# pg_cleanup stops whatever was started; the caller traps it on EXIT.

PG_BINDIR=${PG_BINDIR:-/usr/lib/postgresql/15/bin}
PG_WORK=""
PG_PORT=""
SWERVE_PID=""
SWERVE_PORT=""

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# Installs postgresql and postgresql-plpython3-15 when missing (apt-get update only if needed).
pg_install() {
  if [ -x "$PG_BINDIR/initdb" ] && [ -f /usr/lib/postgresql/15/lib/plpython3.so ] && command -v psql >/dev/null; then
    return
  fi
  if [ "$(id -u)" != 0 ]; then
    echo "PostgreSQL 15 with PL/Python is missing: sudo apt-get install postgresql postgresql-plpython3-15" >&2
    exit 1
  fi
  log "installing postgresql and postgresql-plpython3-15 from Debian"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -q postgresql postgresql-plpython3-15 >/dev/null; then
    apt-get update -q >/dev/null
    apt-get install -y -q postgresql postgresql-plpython3-15 >/dev/null
  fi
}

# Runs a command as the cluster's owner: PostgreSQL refuses to run as root, so root runs it as
# the `postgres` user that Debian's package creates.
as_pg_owner() {
  if [ "$(id -u)" = 0 ]; then
    (cd "$PG_WORK" && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Creates and starts a cluster in a new temporary directory; extra arguments are postgres -c
# settings ("max_connections=200"). Superuser: swerve, trust on loopback only.
pg_start() {
  PG_WORK=$(mktemp -d /tmp/swerve-postgres.XXXXXX)
  chmod 755 "$PG_WORK"
  [ "$(id -u)" = 0 ] && chown postgres: "$PG_WORK"
  PG_PORT=$(free_port)
  as_pg_owner "$PG_BINDIR/initdb" -D "$PG_WORK/data" -U swerve --auth=trust -E UTF8 --locale=C.UTF-8 --no-sync >"$PG_WORK/initdb.log" 2>&1 \
    || { cat "$PG_WORK/initdb.log" >&2; return 1; }
  local options="-c listen_addresses=127.0.0.1 -c port=$PG_PORT -c unix_socket_directories=$PG_WORK"
  for setting in "$@"; do options+=" -c $setting"; done
  as_pg_owner "$PG_BINDIR/pg_ctl" -D "$PG_WORK/data" -l "$PG_WORK/postgres.log" -o "$options" -w -t 60 start >/dev/null \
    || { cat "$PG_WORK/postgres.log" >&2; return 1; }
  log "PostgreSQL $("$PG_BINDIR/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT, data in $PG_WORK/data"
}

# psql on the throwaway cluster, stopping at the first error.
pg_psql() {
  psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U swerve -d postgres "$@"
}

# Starts the release build of Swerve on a model directory on a free loopback port.
swerve_start() {
  local model_dir=$1; shift
  if [ ! -x "$REPO/.build/release/swerve" ]; then
    log "building Swerve (swift build -c release, a few minutes the first time)"
    (cd "$REPO" && swift build -c release >/dev/null)
  fi
  SWERVE_PORT=$(free_port)
  "$REPO/.build/release/swerve" serve --model-dir "$model_dir" --host 127.0.0.1 --port "$SWERVE_PORT" "$@" \
    >"${PG_WORK:-/tmp}/swerve.log" 2>&1 &
  SWERVE_PID=$!
  for _ in $(seq 1 200); do
    if python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=1)' \
         "http://127.0.0.1:$SWERVE_PORT/ping" >/dev/null 2>&1; then
      log "Swerve (pid $SWERVE_PID) on 127.0.0.1:$SWERVE_PORT serving $model_dir"
      return
    fi
    kill -0 "$SWERVE_PID" 2>/dev/null || { cat "${PG_WORK:-/tmp}/swerve.log" >&2; return 1; }
    sleep 0.05
  done
  echo "Swerve did not answer /ping within 10 s" >&2
  return 1
}

pg_cleanup() {
  if [ -n "$SWERVE_PID" ] && kill -0 "$SWERVE_PID" 2>/dev/null; then
    kill -TERM "$SWERVE_PID" 2>/dev/null || true
    wait "$SWERVE_PID" 2>/dev/null || true
  fi
  if [ -n "$PG_WORK" ] && [ -d "$PG_WORK" ]; then
    if [ -f "$PG_WORK/data/postmaster.pid" ]; then
      as_pg_owner "$PG_BINDIR/pg_ctl" -D "$PG_WORK/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$PG_WORK"
  fi
}
