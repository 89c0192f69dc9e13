#!/usr/bin/env bash
# A throw-away PostgreSQL 15 cluster on 127.0.0.1 for SecureMail's store tests and demos.
#
#   scripts/postgres.sh [start|stop|status|url|destroy] [--port N] [--state-dir DIR]
#
#   start    initdb (first time only), start the server, create database securemail_test,
#            print the URL (postgres://postgres@127.0.0.1:PORT/securemail_test) on stdout
#   stop     stop the server (fast shutdown); the data folder stays
#   status   print "running" or "stopped"; exit 0 when running, 3 when stopped
#   url      print the URL without starting anything
#   destroy  stop the server and delete the data folder
#
# Defaults: port 55432 (SECUREMAIL_PG_PORT), state dir .state/ in the repository
# (SECUREMAIL_STATE_DIR); the data folder is STATE_DIR/postgres-PORT. Every verb is
# idempotent. Authentication is "trust" and the server listens on loopback only: never
# use this cluster for real data. Run as root, the server runs as the user "postgres"
# (PostgreSQL refuses to run as root); otherwise as the calling user.
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
pg_bin=${PG_BIN:-/usr/lib/postgresql/15/bin}
verb=start
port=${SECUREMAIL_PG_PORT:-55432}
state_dir=${SECUREMAIL_STATE_DIR:-$repo_root/.state}
database=securemail_test

fail() { echo "postgres.sh: $*" >&2; exit 1; }

while [ $# -gt 0 ]; do
    case "$1" in
        start|stop|status|url|destroy) verb=$1 ;;
        --port) [ $# -ge 2 ] || fail "--port needs a number"; port=$2; shift ;;
        --state-dir) [ $# -ge 2 ] || fail "--state-dir needs a folder"; state_dir=$2; shift ;;
        -h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) fail "unknown argument '$1' (try --help)" ;;
    esac
    shift
done

case "$port" in ''|*[!0-9]*) fail "port '$port' is not a number" ;; esac
[ -x "$pg_bin/initdb" ] || fail "no initdb in $pg_bin: install Debian's postgresql (apt-get install -y postgresql) or set PG_BIN"

mkdir -p "$state_dir"
state_dir=$(cd "$state_dir" && pwd)
data_dir=$state_dir/postgres-$port
url="postgres://postgres@127.0.0.1:$port/$database"

# Runs a server-side command as the unprivileged owner of the cluster.
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

is_running() {
    [ -f "$data_dir/PG_VERSION" ] && as_owner "$pg_bin/pg_ctl" status -D "$data_dir" >/dev/null 2>&1
}

psql_admin() {
    "$pg_bin/psql" -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 "$@"
}

initialise() {
    [ -f "$data_dir/PG_VERSION" ] && return 0
    mkdir -p "$data_dir"
    chmod 755 "$state_dir"
    if [ "$(id -u)" -eq 0 ]; then
        id postgres >/dev/null 2>&1 || fail "running as root needs the system user 'postgres' (Debian's postgresql package creates it)"
        chown postgres: "$data_dir"
    fi
    chmod 700 "$data_dir"
    as_owner "$pg_bin/initdb" -D "$data_dir" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$state_dir/initdb-$port.log" 2>&1 \
        || fail "initdb failed; see $state_dir/initdb-$port.log"
}

start() {
    initialise
    if ! is_running; then
        as_owner "$pg_bin/pg_ctl" start -D "$data_dir" -l "$data_dir/server.log" -w -t 60 \
            -o "-c listen_addresses=127.0.0.1 -p $port -k $data_dir" >/dev/null \
            || fail "the server did not start; see $data_dir/server.log"
    fi
    if [ "$(psql_admin -tA -c "SELECT 1 FROM pg_database WHERE datname = '$database'")" != "1" ]; then
        psql_admin -c "CREATE DATABASE $database" \
            || [ "$(psql_admin -tA -c "SELECT 1 FROM pg_database WHERE datname = '$database'")" = "1" ] \
            || fail "could not create database $database"
    fi
    echo "$url"
}

stop() {
    if is_running; then
        as_owner "$pg_bin/pg_ctl" stop -D "$data_dir" -m fast -w -t 60 >/dev/null \
            || fail "the server did not stop; see $data_dir/server.log"
    fi
}

case "$verb" in
    start) start ;;
    stop) stop ;;
    status) if is_running; then echo running; else echo stopped; exit 3; fi ;;
    url) echo "$url" ;;
    destroy) stop; rm -rf "$data_dir" "$state_dir/initdb-$port.log" ;;
esac
