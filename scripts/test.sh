#!/usr/bin/env bash
# Sets up, starts a throwaway PostgreSQL cluster for the store tests, runs every test, and stops
# the cluster. Usage: scripts/test.sh [extra ctest arguments...]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

scripts/setup.sh build

# A throwaway PostgreSQL cluster on a private port and socket folder.
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
pgdir=$(mktemp -d /tmp/cnss-pg-XXXXXX)
pgport=${CNSS_TEST_PG_PORT:-55432}
as_pg=()
if [[ $(id -u) -eq 0 ]]; then
  chown postgres:postgres "$pgdir"
  as_pg=(runuser -u postgres --)
fi
stop_pg() {
  "${as_pg[@]}" "$pgbin/pg_ctl" -D "$pgdir/data" -m immediate stop > /dev/null 2>&1 || true
  rm -rf "$pgdir"
}
trap stop_pg EXIT
"${as_pg[@]}" "$pgbin/initdb" -D "$pgdir/data" -U cnss --auth=trust > /dev/null
"${as_pg[@]}" "$pgbin/pg_ctl" -D "$pgdir/data" -l "$pgdir/log" -w \
  -o "-p $pgport -k $pgdir -c listen_addresses=127.0.0.1 -c fsync=off" start > /dev/null
"${as_pg[@]}" "$pgbin/createdb" -h "$pgdir" -p "$pgport" -U cnss cnss_test
export CNSS_TEST_PG_URL="host=$pgdir port=$pgport user=cnss dbname=cnss_test"

ctest --test-dir build --output-on-failure -j "$(nproc)" "$@"
