# shellcheck shell=bash
# Throwaway PostgreSQL 15 and Redis servers for tests, benchmarks and local runs.
# Source this file (scripts/test and scripts/run do), then:
#
#   volley_start_postgres   # exports VOLLEY_PG_URL=postgresql://postgres@127.0.0.1:PORT/volley
#                           # (pg_stat_statements preloaded and created in the volley database)
#   volley_start_redis      # exports VOLLEY_REDIS_URL=redis://127.0.0.1:PORT
#   trap volley_stop_services EXIT
#
# Fault drills: volley_stop_postgres / volley_restart_postgres and volley_stop_redis /
# volley_restart_redis stop a server and start it again on the same port with the same data.
#
# Contract: servers listen on 127.0.0.1 only (PostgreSQL's unix socket lives in the temp dir),
# each on a free port, each in a fresh `mktemp -d` directory that volley_stop_services removes.
# PostgreSQL runs as user `postgres` (via runuser when we are root), with trust auth on loopback
# and fsync off (test data only; set VOLLEY_PG_FSYNC=on to keep it). Redis has no persistence.
# Functions return non-zero with a message on stderr on failure; they never `exit`.

VOLLEY_PG_BIN=${VOLLEY_PG_BIN:-/usr/lib/postgresql/15/bin}

# Runs a command as the postgres user (directly when we are not root).
_volley_as_postgres() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# Prints a TCP port on 127.0.0.1 that nothing listens on right now.
_volley_free_port() {
  local port i
  for i in $(seq 1 200); do
    port=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  echo "volley: no free port found" >&2
  return 1
}

_volley_pg_ctl_start() {
  local fsync=${VOLLEY_PG_FSYNC:-off}
  _volley_as_postgres "$VOLLEY_PG_BIN/pg_ctl" -D "$VOLLEY_PG_DIR/data" -l "$VOLLEY_PG_DIR/server.log" \
    -w -t 60 -o "-c listen_addresses=127.0.0.1 -p $VOLLEY_PG_PORT -k $VOLLEY_PG_DIR \
      -c fsync=$fsync -c synchronous_commit=$fsync -c full_page_writes=$fsync \
      -c max_connections=200 -c shared_buffers=128MB \
      -c shared_preload_libraries=pg_stat_statements" start >/dev/null
}

volley_start_postgres() {
  local dir port attempt
  dir=$(mktemp -d /tmp/volley-pg.XXXXXX) || return 1
  chmod 700 "$dir"
  if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$dir" || return 1; fi
  if ! _volley_as_postgres "$VOLLEY_PG_BIN/initdb" -D "$dir/data" -U postgres --auth=trust \
      --no-sync -E UTF8 --locale=C >"$dir/initdb.log" 2>&1; then
    echo "volley: initdb failed, see $dir/initdb.log:" >&2
    tail -n 20 "$dir/initdb.log" >&2
    return 1
  fi
  export VOLLEY_PG_DIR=$dir
  for attempt in 1 2 3; do
    port=$(_volley_free_port) || return 1
    export VOLLEY_PG_PORT=$port
    if _volley_pg_ctl_start; then break; fi
    if [ "$attempt" = 3 ]; then
      echo "volley: PostgreSQL did not start, see $dir/server.log:" >&2
      tail -n 20 "$dir/server.log" >&2
      return 1
    fi
  done
  if ! _volley_as_postgres "$VOLLEY_PG_BIN/createdb" -h 127.0.0.1 -p "$VOLLEY_PG_PORT" -U postgres volley; then
    echo "volley: createdb failed" >&2
    return 1
  fi
  # observe: reads pg_stat_statements (docs/observe-sources.md "postgres").
  if ! _volley_as_postgres "$VOLLEY_PG_BIN/psql" -h 127.0.0.1 -p "$VOLLEY_PG_PORT" -U postgres -d volley \
      -qAt -v ON_ERROR_STOP=1 -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" >/dev/null; then
    echo "volley: CREATE EXTENSION pg_stat_statements failed" >&2
    return 1
  fi
  export VOLLEY_PG_URL="postgresql://postgres@127.0.0.1:$VOLLEY_PG_PORT/volley"
  echo "volley: PostgreSQL 15 ready at $VOLLEY_PG_URL (data $VOLLEY_PG_DIR)" >&2
}

# Stops PostgreSQL (fast shutdown: open sessions are terminated), keeping its data.
volley_stop_postgres() {
  [ -n "${VOLLEY_PG_DIR:-}" ] || { echo "volley: PostgreSQL was not started" >&2; return 1; }
  _volley_as_postgres "$VOLLEY_PG_BIN/pg_ctl" -D "$VOLLEY_PG_DIR/data" -m fast -w -t 60 stop >/dev/null
}

# Starts the stopped PostgreSQL again on the same port with the same data.
volley_restart_postgres() {
  [ -n "${VOLLEY_PG_DIR:-}" ] || { echo "volley: PostgreSQL was not started" >&2; return 1; }
  if _volley_as_postgres "$VOLLEY_PG_BIN/pg_ctl" -D "$VOLLEY_PG_DIR/data" status >/dev/null 2>&1; then
    volley_stop_postgres || return 1
  fi
  _volley_pg_ctl_start
}

_volley_redis_start() {
  redis-server --bind 127.0.0.1 --port "$VOLLEY_REDIS_PORT" --protected-mode yes \
    --save "" --appendonly no --dir "$VOLLEY_REDIS_DIR" --daemonize yes \
    --pidfile "$VOLLEY_REDIS_DIR/redis.pid" --logfile "$VOLLEY_REDIS_DIR/redis.log" >/dev/null || return 1
  local i
  for i in $(seq 1 100); do
    if [ "$(redis-cli -h 127.0.0.1 -p "$VOLLEY_REDIS_PORT" ping 2>/dev/null)" = PONG ]; then
      return 0
    fi
    sleep 0.05
  done
  return 1
}

volley_start_redis() {
  local dir port attempt
  dir=$(mktemp -d /tmp/volley-redis.XXXXXX) || return 1
  export VOLLEY_REDIS_DIR=$dir
  for attempt in 1 2 3; do
    port=$(_volley_free_port) || return 1
    export VOLLEY_REDIS_PORT=$port
    if _volley_redis_start; then break; fi
    if [ "$attempt" = 3 ]; then
      echo "volley: Redis did not start, see $dir/redis.log:" >&2
      tail -n 20 "$dir/redis.log" >&2
      return 1
    fi
  done
  export VOLLEY_REDIS_URL="redis://127.0.0.1:$VOLLEY_REDIS_PORT"
  echo "volley: Redis ready at $VOLLEY_REDIS_URL" >&2
}

# Stops Redis (its data is discarded: there is no persistence).
volley_stop_redis() {
  [ -n "${VOLLEY_REDIS_DIR:-}" ] || { echo "volley: Redis was not started" >&2; return 1; }
  local pid i
  pid=$(cat "$VOLLEY_REDIS_DIR/redis.pid" 2>/dev/null) || return 0
  kill "$pid" 2>/dev/null || return 0
  for i in $(seq 1 200); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.05
  done
  kill -9 "$pid" 2>/dev/null || true
  return 0
}

# Starts Redis again on the same port (empty).
volley_restart_redis() {
  [ -n "${VOLLEY_REDIS_DIR:-}" ] || { echo "volley: Redis was not started" >&2; return 1; }
  volley_stop_redis || return 1
  _volley_redis_start
}

# Stops both servers (if started) and removes their temp dirs. Safe to call twice.
volley_stop_services() {
  if [ -n "${VOLLEY_PG_DIR:-}" ] && [ -d "$VOLLEY_PG_DIR" ]; then
    _volley_as_postgres "$VOLLEY_PG_BIN/pg_ctl" -D "$VOLLEY_PG_DIR/data" -m immediate -w -t 30 stop \
      >/dev/null 2>&1 || true
    rm -rf "$VOLLEY_PG_DIR" || true
  fi
  if [ -n "${VOLLEY_REDIS_DIR:-}" ] && [ -d "$VOLLEY_REDIS_DIR" ]; then
    volley_stop_redis || true
    rm -rf "$VOLLEY_REDIS_DIR" || true
  fi
  unset VOLLEY_PG_DIR VOLLEY_PG_PORT VOLLEY_PG_URL VOLLEY_REDIS_DIR VOLLEY_REDIS_PORT VOLLEY_REDIS_URL
}
