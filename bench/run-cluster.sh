#!/usr/bin/env bash
# Hub nodes on one PostgreSQL behind HAProxy (TCP mode), one node then three: registrations,
# cached prefills and partner events per second through HAProxy, the CPU time each request costs
# the hub nodes and PostgreSQL, and the journal's appends per second (docs/operations.md).
# A throwaway PostgreSQL cluster with fsync on, as in production.
# Usage: bench/run-cluster.sh [SECONDS] [NODE COUNTS...]   (default: 10 s; 1 3)
# Environment: CNSS_BENCH_CONNECTIONS (loadgen connections, 16), CNSS_BENCH_PG_PORT (55462).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
secs=${1:-10}
shift || true
counts=("$@")
[[ $# -eq 0 ]] && counts=(1 3)
bin=build/bin
pki=$root/certs/dev
certs/make-dev-pki.sh > /dev/null
work=$(mktemp -d /tmp/cnss-bench-cluster-XXXXXX)
pids=()
source "$root/bench/throwaway-pg.sh"
pg_setup 55462
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  pg_stop
  rm -rf "$work"
}
trap cleanup EXIT

pg_start -c max_connections=200
psql() { "$pgbin/psql" -h "$pgdir" -p "$pgport" -U cnss -Atq "$@"; }

source "$root/bench/sims.sh"
sims_start
cat "$pki/clients/admin.crt" "$pki/clients/admin.key" > "$work/probe.pem"
chmod 600 "$work/probe.pem"

# CPU time (ms) of the processes whose command line matches, children of none of ours included.
cpu_ms() { # pattern
  local total=0 t
  for p in $(pgrep -f "$1"); do
    t=$(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0)
    total=$((total + t))
  done
  echo $((total * 1000 / $(getconf CLK_TCK)))
}

start_nodes() { # count
  local n=$1 db=cnss_bench_$1
  psql -c "CREATE DATABASE $db" postgres
  local url="host=$pgdir port=$pgport user=cnss dbname=$db"
  hubs=()
  for i in $(seq 1 "$n"); do
    local data=$work/n$n-node$i
    mkdir -p "$data"
    [[ $i -gt 1 ]] && cp "$work/n$n-node1/audit.key" "$data/" 2>/dev/null || true
    python3 - "$root" "$data" "$url" $((18442 + i)) $((19442 + i)) > "$work/hub-$n-$i.yaml" <<'PY'
import re, sys
root, data, url, internal, partners = sys.argv[1:6]
y = open(f"{root}/conf/hub.yaml").read()
y = re.sub(r"store:\n(  .*\n)+", f'store:\n  engine: postgresql\n  url: "{url}"\n  pool_size: 8\n', y)
y = y.replace("port: 8443", f"port: {internal}").replace("port: 9443", f"port: {partners}")
y = y.replace("data_dir: ../var/data", f"data_dir: {data}").replace("../", f"{root}/")
print(y, end="")
PY
    $bin/cnss-hub serve --config "$work/hub-$n-$i.yaml" 2> "$work/hub-$n-$i.log" &
    pids+=($!)
    hubs+=($!)
    for _ in $(seq 1 500); do grep -q '"msg":"ready"' "$work/hub-$n-$i.log" && break; sleep 0.02; done
  done
  {
    echo "global"
    echo "  maxconn 4096"
    echo "defaults"
    echo "  mode tcp"
    echo "  timeout connect 1s"
    echo "  timeout client 1h"
    echo "  timeout server 1h"
    echo "  option redispatch"
    echo "frontend internal"
    echo "  bind 127.0.0.1:28443"
    echo "  default_backend internal"
    echo "backend internal"
    echo "  balance roundrobin"
    echo "  option httpchk GET /readyz"
    echo "  http-check expect status 200"
    for i in $(seq 1 "$n"); do
      echo "  server n$i 127.0.0.1:$((18442 + i)) check check-ssl verify none crt $work/probe.pem inter 1s"
    done
    echo "frontend partners"
    echo "  bind 127.0.0.1:29443"
    echo "  default_backend partners"
    echo "backend partners"
    echo "  balance roundrobin"
    for i in $(seq 1 "$n"); do echo "  server n$i 127.0.0.1:$((19442 + i)) track internal/n$i"; done
  } > "$work/haproxy-$n.cfg"
  /usr/sbin/haproxy -db -f "$work/haproxy-$n.cfg" 2> "$work/haproxy-$n.log" &
  lb=$!
  pids+=($lb)
  sleep 2.5  # two health checks
}

stop_nodes() {
  kill "$lb" "${hubs[@]}" 2>/dev/null || true
  wait "$lb" "${hubs[@]}" 2>/dev/null || true
}

loadgen() { # name, then loadgen arguments
  local name=$1
  shift
  $bin/loadgen --url https://127.0.0.1:28443 --ca "$pki/ca/cnss.crt" \
    --cert "$pki/clients/agency.crt" --key "$pki/clients/agency.key" \
    --connections "${CNSS_BENCH_CONNECTIONS:-16}" --duration "$secs" --warmup 1 --json "$@" \
    | tail -n 1 > "$work/$name.json"
}

# One measured run: requests per second, and CPU ms per request of the hub nodes and PostgreSQL.
measure() { # nodes, label, command...
  local n=$1 label=$2
  shift 2
  local hub0 pg0 j0 hub1 pg1 j1 t0 t1
  hub0=$(cpu_ms "cnss-hub serve --config $work/hub-$n-")
  pg0=$(cpu_ms "postgres: cnss cnss_bench_$n")
  j0=$(psql -d "cnss_bench_$n" -c "SELECT count(*) FROM audit_journal")
  t0=$(date +%s.%N)
  "$@"
  t1=$(date +%s.%N)
  hub1=$(cpu_ms "cnss-hub serve --config $work/hub-$n-")
  pg1=$(cpu_ms "postgres: cnss cnss_bench_$n")
  j1=$(psql -d "cnss_bench_$n" -c "SELECT count(*) FROM audit_journal")
  python3 - "$n" "$label" "$work/last.json" "$hub0" "$hub1" "$pg0" "$pg1" "$j0" "$j1" "$t0" "$t1" \
    >> "$work/table.md" <<'PY'
import json, sys
n, label, f, hub0, hub1, pg0, pg1, j0, j1, t0, t1 = sys.argv[1:12]
d = json.load(open(f))
ok, secs = d["ok"], d["seconds"]
wall = float(t1) - float(t0)
hub, pg = int(hub1) - int(hub0), int(pg1) - int(pg0)
print(f"| {n} | {label} | {ok / secs:.0f} | {d.get('p50_ms', '-')} | {d.get('p99_ms', '-')} |"
      f" {hub / max(ok, 1):.2f} | {pg / max(ok, 1):.2f} | {pg / max(hub + pg, 1):.0%} |"
      f" {(int(j1) - int(j0)) / wall:.0f} | {d.get('errors', 0)} |")
PY
}

registrations() {
  local from=$(( 100000 + RANDOM * 20 ))
  loadgen registrations --method POST --target /v1/insured \
    --header 'Content-Type: application/json' --header 'Idempotency-Key: bench-{id}' \
    --body '{"cnie":"{id}","category":"SALARIE","rib":"001810007800020110620318"}' \
    --id-kind cnie --id-from "$from" --id-to 999999 --sequential
  python3 -c "
import json; d = json.load(open('$work/registrations.json'))
s = d.get('status', {}); json.dump({'ok': s.get('201', 0), 'seconds': d['seconds'],
  'p50_ms': d['p50_ms'], 'p99_ms': d['p99_ms'], 'errors': d['errors']}, open('$work/last.json', 'w'))"
}

# 2,000 people asked once to fill the caches of every node (then asked again and again).
warm() {
  secs=3 loadgen warm --method POST --target /v1/prefill/person \
    --header 'Content-Type: application/json' --body '{"cnie":"{id}","purpose":"CONTROLE"}' \
    --id-kind cnie --id-from 200001 --id-to 202000 --sequential
}

prefills() {
  loadgen prefills --method POST --target /v1/prefill/person \
    --header 'Content-Type: application/json' --body '{"cnie":"{id}","purpose":"CONTROLE"}' \
    --id-kind cnie --id-from 200001 --id-to 202000
  python3 -c "
import json; d = json.load(open('$work/prefills.json'))
s = d.get('status', {}); json.dump({'ok': s.get('200', 0), 'seconds': d['seconds'],
  'p50_ms': d['p50_ms'], 'p99_ms': d['p99_ms'], 'errors': d['errors']}, open('$work/last.json', 'w'))"
}

events() {
  local t0 t1 out
  t0=$(date +%s.%N)
  out=$($bin/cnss-sim push dgct --to https://127.0.0.1:29443 --config "$work/sim.yaml" \
    --rate 100000 --count 2000 --duplicates 0 --stream-seed "$RANDOM" --concurrency 16)
  t1=$(date +%s.%N)
  python3 -c "
import json, sys; d = json.loads(sys.argv[1])
json.dump({'ok': d['delivered'], 'seconds': float(sys.argv[3]) - float(sys.argv[2]),
  'errors': d['failed']}, open('$work/last.json', 'w'))" "$out" "$t0" "$t1"
}

for n in "${counts[@]}"; do
  start_nodes "$n"
  measure "$n" "registrations (201)" registrations
  warm
  measure "$n" "cached prefills (200)" prefills
  measure "$n" "DGCT events (202)" events
  stop_nodes
  verify=$($bin/cnss-hub audit verify --config "$work/hub-$n-1.yaml" 2>&1 | tail -n 1)
  echo "$n node(s): journal $verify"
done
echo
echo "| nodes | run | per second | p50 ms | p99 ms | hub CPU ms/req | PostgreSQL CPU ms/req | PostgreSQL's share | journal appends/s | errors |"
echo "|---|---|---|---|---|---|---|---|---|---|"
cat "$work/table.md"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load average before: $(cut -d' ' -f1-3 /proc/loadavg); ${CNSS_BENCH_CONNECTIONS:-16} connections, ${secs} s a run"
