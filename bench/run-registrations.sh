#!/usr/bin/env bash
# Registrations per second through the hub's HTTP API, end to end: POST /v1/insured with a CNIE,
# a category and a RIB, each with its Idempotency-Key — the hub asks DGSN and DGCT (the
# simulators, over mutual TLS), journals each exchange in the hash chain, writes the insured
# record, the person and the family with their history in one transaction, and answers 201.
# Every CNIE is new (no cache hit). On SQLite (the embedded default) and on PostgreSQL (a
# throwaway cluster with fsync on, as in production).
# Usage: bench/run-registrations.sh [SECONDS] [sqlite|postgresql|both]   (needs scripts/setup.sh)
# Environment: CNSS_BENCH_CONNECTIONS (loadgen connections, 16), CNSS_BENCH_HUB_THREADS (the
# hub's I/O threads instead of conf/hub.yaml's), CNSS_BENCH_PG_PORT (the throwaway cluster, 55442),
# CNSS_BENCH_FEED=1 (a change-feed consumer, bench/feed-consumer.py, long-polls GET /v1/changes
# during the run and reports the commit -> consumer latency at p50/p99, docs/feed.md),
# CNSS_BENCH_HUB (another hub binary instead of build/bin/cnss-hub, for an A/B),
# CNSS_BENCH_PROFILE_SECONDS (perf samples the hub's CPU for that long during each run and prints
# where it goes, by bench/profile-share.py; default 0: no profile).
# Besides req/s and latency, prints the CPU time (user + system) per answer of the hub process,
# of the simulators, of PostgreSQL's server and of the load generator, their sum, and the rate
# the machine's cores could give at that cost if nothing else ran: steadier than throughput on
# a shared machine. The CPU counted includes the load generator's 1 s warm-up (a few % high).
set -euo pipefail
case ${1:-} in -h | --help) sed -n '2,/^set -/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;; esac
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
secs=${1:-10}
engines=${2:-both}
[[ $engines == both ]] && engines="sqlite postgresql"
bin=build/bin
hub_bin=${CNSS_BENCH_HUB:-$root/build/bin/cnss-hub}
pki=certs/dev
certs/make-dev-pki.sh > /dev/null
work=$(mktemp -d /tmp/cnss-bench-reg-XXXXXX)
pids=()
source "$root/bench/throwaway-pg.sh"
pg_setup 55442
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  pg_stop
  rm -rf "$work"
}
trap cleanup EXIT

source "$root/bench/sims.sh"
sims_start
# User + system clock ticks of processes, summed (0 for one that has gone).
ticks() { local t=0 p; for p in "$@"; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat" 2> /dev/null || echo 0))); done; echo "$t"; }
# The PostgreSQL cluster's processes: the postmaster and its children (the hub's backends).
pg_pids() { [[ -f $pgdir/data/postmaster.pid ]] || return 0; local m; m=$(head -n 1 "$pgdir/data/postmaster.pid"); echo "$m" $(pgrep -P "$m"); }
sleep 0.5

run_engine() { # engine
  local engine=$1 data=$work/data-$1 store
  mkdir -p "$data"
  if [[ $engine == sqlite ]]; then
    store="store:\n  engine: sqlite\n  path: $data/hub.db\n"
  else
    pg_start
    "${as_pg[@]}" "$pgbin/createdb" -h "$pgdir" -p "$pgport" -U cnss cnss_bench
    store="store:\n  engine: postgresql\n  url: \"host=$pgdir port=$pgport user=cnss dbname=cnss_bench\"\n  pool_size: 16\n"
  fi
  # The shipped configuration, with its own data folder and store.
  python3 - "$root" "$data" "$store" "${CNSS_BENCH_HUB_THREADS:-}" > "$work/hub-$engine.yaml" <<'PY'
import re, sys
root, data, store = sys.argv[1], sys.argv[2], sys.argv[3].encode().decode('unicode_escape')
y = open(f"{root}/conf/hub.yaml").read()
y = re.sub(r"store:\n(  .*\n)+", store, y)
threads = sys.argv[4] if len(sys.argv) > 4 else ""
if threads: y = re.sub(r"  threads: \d+", f"  threads: {threads}", y, count=1)
y = y.replace("data_dir: ../var/data", f"data_dir: {data}").replace("../", f"{root}/")
print(y, end="")
PY
  "$hub_bin" serve --config "$work/hub-$engine.yaml" 2> "$work/hub-$engine.log" &
  local hub_pid=$!
  pids+=($hub_pid)
  for _ in $(seq 1 300); do grep -q '"msg":"ready"' "$work/hub-$engine.log" && break; sleep 0.02; done
  local feed_pid=""
  if [[ ${CNSS_BENCH_FEED:-0} == 1 ]]; then
    python3 bench/feed-consumer.py 127.0.0.1:8443 $pki/ca/cnss.crt \
      $pki/clients/feed-prestations.crt $pki/clients/feed-prestations.key $(( secs + 5 )) \
      > "$work/feed-$engine.json" &
    feed_pid=$!
    sleep 0.5
  fi
  local from=$(( 100000 + RANDOM * 20 ))
  local out t0 t1
  t0=$(ticks "$hub_pid")
  local sim0 pg0 pg_before
  sim0=$(ticks "$sim_pid")
  pg_before=$(pg_pids)
  pg0=$(ticks $pg_before)
  local perf_pid=""
  if [[ ${CNSS_BENCH_PROFILE_SECONDS:-0} != 0 ]]; then
    (sleep 2 && perf record -q -e cpu-clock -F 499 --call-graph dwarf,16384 -p "$hub_pid" \
      -o "$work/perf-$engine.data" -- sleep "$CNSS_BENCH_PROFILE_SECONDS" > /dev/null 2>&1) &
    perf_pid=$!
  fi
  # loadgen's own CPU from /usr/bin/time (Debian's time), counted as 0 where it is missing.
  local timed=()
  echo "0 0" > "$work/loadgen-time"
  [[ -x /usr/bin/time ]] && timed=(/usr/bin/time -f '%U %S' -o "$work/loadgen-time")
  out=$("${timed[@]}" $bin/loadgen --url https://127.0.0.1:8443 --ca $pki/ca/cnss.crt \
    --cert $pki/clients/agency.crt --key $pki/clients/agency.key --method POST \
    --target /v1/insured --header 'Content-Type: application/json' \
    --header 'Idempotency-Key: bench-{id}' \
    --body '{"cnie":"{id}","category":"SALARIE","rib":"001810007800020110620318"}' \
    --id-kind cnie --id-from "$from" --id-to 999999 --sequential \
    --connections "${CNSS_BENCH_CONNECTIONS:-16}" --duration "$secs" --warmup 1 --json | tail -n 1)
  if [[ -n $feed_pid ]]; then
    kill -TERM "$feed_pid" 2>/dev/null || true
    wait "$feed_pid" || true
    echo "$engine: feed commit -> consumer latency: $(cat "$work/feed-$engine.json")"
  fi
  t1=$(ticks "$hub_pid")
  # The others' CPU per answer, so that the machine's whole cost of a registration is known: the
  # simulators (all four partners), the load generator, PostgreSQL's server.
  local sim1 pg1 others
  sim1=$(ticks "$sim_pid")
  pg1=$(ticks $(echo $pg_before $(pg_pids) | tr ' ' '\n' | sort -u))
  others="$((sim1 - sim0)) $((pg1 - pg0)) $(cat "$work/loadgen-time")"
  if [[ -n $perf_pid ]]; then
    wait "$perf_pid" || true
    echo "## where the hub's CPU goes: $engine registrations (perf cpu-clock)"
    perf script -i "$work/perf-$engine.data" -F comm,ip,sym,dso --no-inline 2> /dev/null |
      python3 bench/profile-share.py
  fi
  local rss
  rss=$(awk '/VmHWM/{print $2}' /proc/$hub_pid/status)
  kill "$hub_pid"
  wait "$hub_pid" 2>/dev/null || true
  # The journal the run wrote must verify: two exchanges (DGSN, DGCT) per registration.
  local verify
  verify=$($bin/cnss-hub audit verify --config "$work/hub-$engine.yaml" 2>&1 | tail -n 1)
  echo "$engine: $out"
  echo "$engine: peak resident ${rss} kB; journal: $verify"
  python3 -c "
import json,os,sys
d=json.loads(sys.argv[2]); s=d.get('status',{}); n=max(d['requests'],1); tick=1e6/os.sysconf('SC_CLK_TCK')
hub=int(sys.argv[3])*tick/n
sim,pg,lu,ls=sys.argv[4].split()
sim=int(sim)*tick/n; pg=int(pg)*tick/n; lg=(float(lu)+float(ls))*1e6/n
total=hub+sim+pg+lg
print(f\"| {sys.argv[1]} | {s.get('201',0)/d['seconds'] if 'seconds' in d else 0:.0f} | {d['throughput_rps']:.0f} | {d['p50_ms']} | {d['p99_ms']} | {hub:.0f} | {sim:.0f} / {pg:.0f} / {lg:.0f} | {total:.0f} | {os.cpu_count()*1e6/total:.0f} | {json.dumps(s)} | {d['errors']} |\")
" "$engine" "$out" "$((t1 - t0))" "$others" >> "$work/table.md"
}

for e in $engines; do run_engine "$e"; done
echo
echo "| engine | registrations/s (201) | answers/s | p50 ms | p99 ms | hub CPU µs/answer | simulators / PostgreSQL / loadgen µs | all µs/answer | cores ÷ all: answers/s the machine could give | statuses | errors |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
cat "$work/table.md"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); ${CNSS_BENCH_CONNECTIONS:-16} connections, ${secs} s"
