#!/usr/bin/env bash
# The shape of a scaled-out deployment on one machine (README "Scaling out", SCALING.md):
#   a Postgres primary and a streaming replica (pg_basebackup of the primary), private clusters of
#   the machine's PostgreSQL on free ports (initdb/pg_ctl; as root they run as the `postgres` OS
#   user, which initdb requires), two API processes (ROLE=api, reads on the replica) and one
#   worker (npm run worker). Never touches the server on 5432.
#
#   bash scripts/local-cluster.sh start    builds the service, starts everything, prints the URLs
#   bash scripts/local-cluster.sh status   what runs, on which port; the replica's lag
#   bash scripts/local-cluster.sh stop     stops everything and removes the clusters
#
# LOCAL_CLUSTER_DIR (default $TMPDIR/product-recommender-cluster) holds the clusters, logs, pids
# and cluster.env (the ports and URLs, for scripts and the fault suite). LOCAL_CLUSTER_PG_BIN
# (default /usr/lib/postgresql/15/bin) must have pgvector installed. Other variables (IMAGE_MODEL,
# MODELS_AUTO_DOWNLOAD, SEED_DEMO, JOB_TIMEOUT_SECONDS, …) pass through to the service processes.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
dir="${LOCAL_CLUSTER_DIR:-${TMPDIR:-/tmp}/product-recommender-cluster}"
pg_bin="${LOCAL_CLUSTER_PG_BIN:-/usr/lib/postgresql/15/bin}"
database=recommender

as_postgres() { # runs a PostgreSQL program as the postgres OS user when we are root
  local program="$1"
  shift
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$pg_bin/$program" "$@"; else "$pg_bin/$program" "$@"; fi
}

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

running() { # <name>: the process in <name>.pid is alive
  [ -f "$dir/$1.pid" ] && kill -0 "$(cat "$dir/$1.pid")" 2>/dev/null
}

wait_http() { # <url> <name>
  local began=$SECONDS
  until curl -fs "$1" >/dev/null 2>&1; do
    if ! running "$2" || [ $((SECONDS - began)) -gt 180 ]; then
      echo "local-cluster: $2 did not answer $1; its log:" >&2
      tail -n 30 "$dir/$2.log" >&2
      return 1
    fi
    sleep 0.2
  done
}

start_postgres() { # <name> <port>
  as_postgres pg_ctl -D "$dir/$1" -l "$dir/$1.log" -w -t 60 \
    -o "-p $2 -c listen_addresses=127.0.0.1 -c unix_socket_directories=$dir -c max_connections=200" start >/dev/null
}

start_service() { # <name> <port> <entry> [VAR=value…]: a service process in its own process group
  local name="$1" port="$2" entry="$3"
  shift 3
  env PORT="$port" HOST=127.0.0.1 DATABASE_URL="$primary_url" "$@" \
    setsid node "$root/dist/src/$entry" >"$dir/$name.log" 2>&1 &
  echo $! >"$dir/$name.pid"
}

start() {
  if [ -f "$dir/cluster.env" ]; then
    echo "local-cluster: already started ($dir); run stop first" >&2
    exit 1
  fi
  [ -x "$pg_bin/initdb" ] || {
    echo "local-cluster: no initdb in $pg_bin (set LOCAL_CLUSTER_PG_BIN)" >&2
    exit 1
  }
  npm run build >/dev/null
  mkdir -p "$dir"
  chmod 755 "$dir"
  [ "$(id -u)" = 0 ] && chown postgres: "$dir"
  primary_port="$(free_port)"
  replica_port="$(free_port)"
  as_postgres initdb -D "$dir/primary" -U postgres --auth=trust --encoding=UTF8 --locale=C --no-sync >/dev/null
  start_postgres primary "$primary_port"
  as_postgres createdb -h 127.0.0.1 -p "$primary_port" -U postgres "$database"
  # A streaming replica: a base backup that writes standby.signal and primary_conninfo (-R).
  as_postgres pg_basebackup -h 127.0.0.1 -p "$primary_port" -U postgres -D "$dir/replica" -R -X stream --no-sync
  start_postgres replica "$replica_port"
  primary_url="postgresql://postgres@127.0.0.1:$primary_port/$database"
  replica_url="postgresql://postgres@127.0.0.1:$replica_port/$database"

  api1_port="$(free_port)"
  api2_port="$(free_port)"
  worker_port="$(free_port)"
  # The worker first: it migrates and seeds; the API processes then find the schema in place.
  start_service worker "$worker_port" worker.js
  wait_http "http://127.0.0.1:$worker_port/healthz" worker
  start_service api1 "$api1_port" main.js ROLE=api DATABASE_READ_URLS="$replica_url"
  start_service api2 "$api2_port" main.js ROLE=api DATABASE_READ_URLS="$replica_url"
  wait_http "http://127.0.0.1:$api1_port/readyz" api1
  wait_http "http://127.0.0.1:$api2_port/readyz" api2
  cat >"$dir/cluster.env" <<EOF
CLUSTER_DIR=$dir
PG_BIN=$pg_bin
PRIMARY_PORT=$primary_port
REPLICA_PORT=$replica_port
PRIMARY_URL=$primary_url
REPLICA_URL=$replica_url
API1_URL=http://127.0.0.1:$api1_port/graphql
API2_URL=http://127.0.0.1:$api2_port/graphql
WORKER_HEALTH_URL=http://127.0.0.1:$worker_port/healthz
EOF
  status
}

status() {
  if [ ! -f "$dir/cluster.env" ]; then
    echo "local-cluster: not started"
    return 0
  fi
  # shellcheck disable=SC1091
  . "$dir/cluster.env"
  for name in primary replica; do
    if as_postgres pg_ctl -D "$dir/$name" status >/dev/null 2>&1; then state=running; else state=stopped; fi
    url="$PRIMARY_URL"
    [ "$name" = replica ] && url="$REPLICA_URL"
    printf '%-8s %-8s %s\n' "$name" "$state" "$url"
  done
  for name in api1 api2 worker; do
    if running "$name"; then state=running; else state=stopped; fi
    case "$name" in
      api1) url="$API1_URL" ;;
      api2) url="$API2_URL" ;;
      worker) url="$WORKER_HEALTH_URL" ;;
    esac
    printf '%-8s %-8s %s\n' "$name" "$state" "$url"
  done
  lag="$("$pg_bin/psql" -X -A -t "$REPLICA_URL" -c "SELECT CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN '0 (caught up)' ELSE round(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) * 1000) || ' ms' END" 2>/dev/null || echo unknown)"
  echo "replica lag: $lag"
}

stop() {
  for name in api1 api2 worker; do
    if running "$name"; then kill -TERM -- "-$(cat "$dir/$name.pid")" 2>/dev/null || true; fi
  done
  for name in api1 api2 worker; do
    for _ in $(seq 1 100); do running "$name" || break; sleep 0.1; done
    if running "$name"; then kill -KILL -- "-$(cat "$dir/$name.pid")" 2>/dev/null || true; fi
  done
  for name in replica primary; do
    if [ -d "$dir/$name" ]; then as_postgres pg_ctl -D "$dir/$name" -m fast -w -t 60 stop >/dev/null 2>&1 || true; fi
  done
  rm -rf "$dir"
  echo "local-cluster: stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *)
    echo "usage: bash scripts/local-cluster.sh start|status|stop" >&2
    exit 2
    ;;
esac
