#!/usr/bin/env bash
# What keeping the journal's Merkle tree costs an append, before and after a change, on both
# engines, in one run: two bench_audit_append binaries take turns (ROUNDS rounds, each binary's
# repetitions interleaved at random), on SQLite (a file in CNSS_BENCH_DIR, default /tmp) and on a
# throwaway PostgreSQL 15 cluster this script starts (fsync on, as in production) and stops.
# Prints the medians of the CPU per entry made durable, in batches of 100 and 1,000: the bench
# process's (client) and, on PostgreSQL, the server's processes' too.
# Usage: bench/run-tree-ab.sh BEFORE_BENCH [REPETITIONS] [ROUNDS]   (needs scripts/setup.sh)
#   BEFORE_BENCH: a bench_audit_append built from the commit to compare with; the other is
#   build/bin/bench_audit_append. CNSS_BENCH_PG_PORT: the cluster's port (55440).
set -euo pipefail
case ${1:-} in -h | --help) sed -n '2,/^set -/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;; esac
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
before=$(realpath "$1")
reps=${2:-5}
rounds=${3:-2}
after=$root/build/bin/bench_audit_append
work=$(mktemp -d /tmp/cnss-bench-tree-XXXXXX)

pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
pgport=${CNSS_BENCH_PG_PORT:-55440}
as_pg=()
if [[ $(id -u) -eq 0 ]]; then
  chown postgres:postgres "$work"
  as_pg=(runuser -u postgres --)
fi
stop_pg() {
  "${as_pg[@]}" "$pgbin/pg_ctl" -D "$work/pg" -m fast stop > /dev/null 2>&1 || true
  rm -rf "$work"
}
trap stop_pg EXIT
"${as_pg[@]}" "$pgbin/initdb" -D "$work/pg" -U cnss --auth=trust > /dev/null
"${as_pg[@]}" "$pgbin/pg_ctl" -D "$work/pg" -l "$work/pg.log" -w \
  -o "-p $pgport -k $work -c listen_addresses=''" start > /dev/null
pg_url="host=$work port=$pgport user=cnss dbname=postgres"
pg_pid=$(head -n 1 "$work/pg/postmaster.pid")

run() { # variant engine round
  local bin=$before
  [[ $1 == after ]] && bin=$after
  local env=(CNSS_BENCH_DIR="${CNSS_BENCH_DIR:-/tmp}")
  [[ $2 == postgresql ]] && env+=(CNSS_BENCH_PG_URL="$pg_url" CNSS_BENCH_PG_PID="$pg_pid")
  env "${env[@]}" "$bin" --benchmark_filter='Durable/(100|1000)/' \
    --benchmark_repetitions="$reps" --benchmark_enable_random_interleaving=true \
    --benchmark_format=json --benchmark_out="$work/$1-$2-$3.json" > /dev/null 2> "$work/err"
}
for round in $(seq 1 "$rounds"); do
  for engine in sqlite postgresql; do
    for variant in before after; do
      run "$variant" "$engine" "$round"
      echo "round $round: $engine $variant done" >&2
    done
  done
done

python3 - "$work" << 'EOF'
import glob, json, statistics, sys, collections
rows = collections.defaultdict(list)
for path in glob.glob(sys.argv[1] + "/*.json"):
    variant, engine, _ = path.rsplit("/", 1)[1][:-5].split("-")
    for b in json.load(open(path))["benchmarks"]:
        if b.get("run_type") != "iteration":
            continue
        batch, tree = b["name"].split("/")[1], b["name"].split("tree:")[1].split("/")[0]
        cpu = b["cpu_us_per_entry"] + b.get("server_cpu_us_per_entry", 0)
        rows[(engine, batch, variant, tree)].append((cpu, b["cpu_us_per_entry"]))
print("| engine | batch | chain alone, before | with the tree, before | change | "
      "chain alone, after | with the tree, after | change |")
print("|---|---|---|---|---|---|---|---|")
for engine in ("sqlite", "postgresql"):
    for batch in ("1000", "100"):
        cells = []
        for variant in ("before", "after"):
            med = [statistics.median(c for c, _ in rows[(engine, batch, variant, t)])
                   for t in ("0", "1")]
            cells += [f"{med[0]:.2f} µs", f"{med[1]:.2f} µs",
                      f"{(med[1] / med[0] - 1) * 100:+.0f} %"]
        print(f"| {engine} | {batch} | " + " | ".join(cells) + " |")
print(f"\nCPU per entry made durable (median of {len(rows[('sqlite', '1000', 'after', '1')])} "
      "repetitions); on PostgreSQL the client's plus the server's processes'. Of which, on "
      "PostgreSQL, the client's (the bench process):\n")
print("| batch | chain alone, before | with the tree, before | chain alone, after | "
      "with the tree, after |")
print("|---|---|---|---|---|")
for batch in ("1000", "100"):
    cells = [f"{statistics.median(c for _, c in rows[('postgresql', batch, v, t)]):.2f} µs"
             for v in ("before", "after") for t in ("0", "1")]
    print(f"| {batch} | " + " | ".join(cells) + " |")
EOF
