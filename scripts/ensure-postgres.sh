#!/usr/bin/env bash
# Makes sure a PostgreSQL server answers on PGHOST:PGPORT (default
# 127.0.0.1:5432) with trust auth for user postgres, and that the database
# DB_NAME (default ecosystem) exists. Order: use what is running; else start
# the machine's cluster; else start a project-local instance under .data/
# from the system binaries, installing them with apt when missing and
# permitted.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

host=${PGHOST:-127.0.0.1}
port=${PGPORT:-5432}
dbname=${DB_NAME:-ecosystem}
datadir=${PG_DATA_DIR:-$PWD/.data/postgres}

pg_bin() {
  local d
  d=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1)
  [ -n "$d" ] && echo "$d"
}

ready() { command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h "$host" -p "$port" -t 2; }

if ! ready; then
  if [ "$port" = "5432" ] && [ "$(id -u)" = "0" ] && command -v pg_ctlcluster >/dev/null 2>&1 && ls /etc/postgresql/*/main >/dev/null 2>&1; then
    ver=$(find /etc/postgresql -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort -V | tail -n 1)
    say "starting the machine's PostgreSQL $ver cluster"
    pg_ctlcluster --skip-systemctl-redirect "$ver" main start || true
  fi
fi

if ! ready; then
  bin=$(pg_bin || true)
  if [ -z "$bin" ]; then
    say "PostgreSQL is not installed; installing it"
    apt_install postgresql postgresql-client || die "PostgreSQL is missing and cannot be installed here (need root or sudo; see README)"
    bin=$(pg_bin) || die "PostgreSQL binaries not found after install"
  fi
  # The server refuses to run as root, so a root user runs it as postgres.
  run=()
  if [ "$(id -u)" = "0" ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home /var/lib/postgresql postgres
    run=(runuser -u postgres --)
  fi
  if [ ! -s "$datadir/PG_VERSION" ]; then
    say "creating a project-local PostgreSQL in $datadir"
    mkdir -p "$datadir"
    [ "$(id -u)" = "0" ] && chown postgres "$datadir"
    "${run[@]}" "$bin/initdb" -D "$datadir" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  say "starting the project-local PostgreSQL on $host:$port"
  "${run[@]}" "$bin/pg_ctl" -D "$datadir" -l "$datadir/server.log" -w -t 30 \
    -o "-p $port -c listen_addresses=$host -k $datadir" start >/dev/null
  ready || die "PostgreSQL did not start; see $datadir/server.log"
fi

exists=$(psql -h "$host" -p "$port" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$dbname'")
if [ "$exists" != "1" ]; then
  say "creating database $dbname"
  psql -h "$host" -p "$port" -U postgres -qc "CREATE DATABASE $dbname" >/dev/null
fi
say "postgres: ready at $host:$port (database $dbname)"
