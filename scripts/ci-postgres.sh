#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster for the hub's tests and exports
# HUB_TEST_PG_URL. Source it: `. scripts/ci-postgres.sh` (CI does, before npm test).
# initdb refuses to run as root, so the cluster belongs to the postgres user;
# it lives in a temp dir, listens on 127.0.0.1 on a free port, and is stopped
# when the sourcing shell exits.
set -euo pipefail

pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ]; then
  echo "ci-postgres: PostgreSQL is not installed (apt-get install postgresql)" >&2
  return 1 2>/dev/null || exit 1
fi

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_dir=$(mktemp -d "${TMPDIR:-/tmp}/hub-pg.XXXXXX")
chmod 755 "$pg_dir"
[ "$(id -u)" = 0 ] && chown postgres "$pg_dir"
pg_port=$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")

as_pg "$pg_bin/initdb" -D "$pg_dir/data" -U postgres --auth=trust -E UTF8 >/dev/null
as_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/log" -w \
  -o "-c listen_addresses=127.0.0.1 -c port=$pg_port -c unix_socket_directories=$pg_dir -c fsync=off -c max_connections=200" start >/dev/null
as_pg "$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -q -c "CREATE ROLE hub LOGIN PASSWORD 'hub'" -c "CREATE DATABASE hub_test OWNER hub" >/dev/null

export HUB_TEST_PG_URL="postgres://hub:hub@127.0.0.1:$pg_port/hub_test"
export HUB_TEST_PG_DIR="$pg_dir"
trap 'runuser -u postgres -- "'"$pg_bin"'/pg_ctl" -D "'"$pg_dir"'/data" -m fast stop >/dev/null 2>&1 || "'"$pg_bin"'/pg_ctl" -D "'"$pg_dir"'/data" -m fast stop >/dev/null 2>&1; rm -rf "'"$pg_dir"'"' EXIT
echo "ci-postgres: PostgreSQL on $HUB_TEST_PG_URL" >&2
