# A throwaway PostgreSQL cluster for a benchmark, with fsync on as in production. Sourced by
# bench/run-*.sh after `set -euo pipefail`:
#   pg_setup DEFAULT_PORT   sets pgbin, pgdir (a folder of its own: the postgres user must reach
#                           it), pgport (CNSS_BENCH_PG_PORT, else DEFAULT_PORT) and as_pg (runs a
#                           command as postgres when this is root);
#   pg_start [-c k=v ...]   makes the cluster (superuser cnss, trust) and starts it on 127.0.0.1,
#                           its socket in pgdir; extra server options as given;
#   pg_stop                 stops it, if started, and removes pgdir (for the script's cleanup).
pg_setup() {
  pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  pgdir=$(mktemp -d /tmp/cnss-bench-pg-XXXXXX)
  pgport=${CNSS_BENCH_PG_PORT:-$1}
  as_pg=()
  [[ $(id -u) -eq 0 ]] && as_pg=(runuser -u postgres --)
  return 0
}

pg_start() {
  [[ $(id -u) -eq 0 ]] && chown postgres:postgres "$pgdir"
  "${as_pg[@]}" "$pgbin/initdb" -D "$pgdir/data" -U cnss --auth=trust > /dev/null
  "${as_pg[@]}" "$pgbin/pg_ctl" -D "$pgdir/data" -l "$pgdir/log" -w \
    -o "-p $pgport -k $pgdir -c listen_addresses=127.0.0.1 $*" start > /dev/null
}

pg_stop() {
  [[ -d $pgdir/data ]] && "${as_pg[@]}" "$pgbin/pg_ctl" -D "$pgdir/data" -m fast stop > /dev/null 2>&1
  rm -rf "$pgdir"
}
