#!/usr/bin/env bash
# DGI's affiliation attestations per second through the hub's partner API, cache-free: N
# employers are affiliated first through the hub (the simulators answer OMPIC and DGI), then DGI's
# client (the dev PKI's dgi certificate, mutual TLS) reads GET /partner/v1/affiliation-attestations/
# {ice} at random among them with X-Purpose: VAT_REFUND. Each read is a store lookup, the agreement
# check, the quota (the store's shared counter), the mask, DGI's reverse mapping, a disclosure row
# and a journal entry made durable before the answer: nothing is cached. The agreement's quota is
# raised for the run so that the hub, not the quota, is measured.
# Usage: bench/run-attestations.sh [SECONDS] [EMPLOYERS] [sqlite|postgresql|both]
# Environment: CNSS_BENCH_CONNECTIONS (16), CNSS_BENCH_PG_PORT (the throwaway cluster, 55444),
# CNSS_BENCH_AFFILIATE_SECONDS (how long employers are affiliated first, 20),
# CNSS_BENCH_RECEIPTS: the journal.receipts settings to measure, one read phase each, in order,
# on the same employers and database, the hub restarted between them (default "always"; an A/B:
# "always on_request always on_request"). DGI's client never sends Prefer: receipt, so
# on_request measures reads without receipts.
set -euo pipefail
case ${1:-} in -h | --help) sed -n '2,/^set -/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;; esac
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
secs=${1:-10}
employers=${2:-300}
engines=${3:-sqlite}
[[ $engines == both ]] && engines="sqlite postgresql"
bin=build/bin
pki=certs/dev
certs/make-dev-pki.sh > /dev/null
work=$(mktemp -d /tmp/cnss-bench-att-XXXXXX)
pids=()
source "$root/bench/throwaway-pg.sh"
pg_setup 55444
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  pg_stop
  rm -rf "$work"
}
trap cleanup EXIT

source "$root/bench/sims.sh"
sims_start

loadgen() { # url cert extra...
  local url=$1 cert=$2
  shift 2
  $bin/loadgen --url "$url" --ca $pki/ca/cnss.crt --cert "$pki/clients/$cert.crt" \
    --key "$pki/clients/$cert.key" --connections "${CNSS_BENCH_CONNECTIONS:-16}" --json "$@" | tail -n 1
}

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
  local modes=(${CNSS_BENCH_RECEIPTS:-always}) first=1 mode
  local from=$(( 100000000 + RANDOM * 1000 )) to
  to=$(( from + employers - 1 ))
  for mode in "${modes[@]}"; do
    start_hub "$engine" "$data" "$store" "$mode"
    if [[ $first == 1 ]]; then
      affiliate "$engine" "$from" "$to"
      first=0
    fi
    measure "$engine" "$mode" "$from" "$to"
  done
}

start_hub() { # engine data store receipts
  local engine=$1 data=$2 store=$3 mode=$4
  python3 - "$root" "$data" "$store" "$mode" > "$work/hub-$engine.yaml" <<'PY'
import re, sys
root, data, store = sys.argv[1], sys.argv[2], sys.argv[3].encode().decode('unicode_escape')
y = open(f"{root}/conf/hub.yaml").read()
y = re.sub(r"store:\n(  .*\n)+", store, y)
y = y.replace("quota: {per_second: 50, per_day: 200000}", "quota: {per_second: 1000000, per_day: 1000000000}")
y = re.sub(r"\n  receipts: [a-z_]+\n", "\n", y)
y = re.sub(r"(\njournal:\n)", rf"\1  receipts: {sys.argv[4]}\n", y, count=1)
y = y.replace("data_dir: ../var/data", f"data_dir: {data}").replace("../", f"{root}/")
print(y, end="")
PY
  local log=$work/hub-$engine-$mode-$(date +%s%N).log
  $bin/cnss-hub serve --config "$work/hub-$engine.yaml" 2> "$log" &
  hub_pid=$!
  pids+=($hub_pid)
  for _ in $(seq 1 300); do grep -q '"msg":"ready"' "$log" && break; sleep 0.02; done
}

affiliate() { # engine from to
  # Affiliate the employers: POSTs over the range, in order, for CNSS_BENCH_AFFILIATE_SECONDS (a
  # struck-off company is refused 422; a second pass over the range answers 409).
  local affiliated
  affiliated=$(loadgen https://127.0.0.1:8443 agency --method POST --target /v1/employers \
    --header 'Content-Type: application/json' --body '{"ice":"{id}"}' \
    --id-kind ice --id-from "$2" --id-to "$3" --sequential \
    --duration "${CNSS_BENCH_AFFILIATE_SECONDS:-20}" --warmup 0 --connections 4)
  echo "$1: affiliations: $affiliated"
}

measure() { # engine receipts from to
  local engine=$1 mode=$2 out cpu0 cpu1 ticks
  ticks=$(getconf CLK_TCK)
  cpu0=$(awk '{print $14 + $15}' /proc/$hub_pid/stat)
  out=$(loadgen https://127.0.0.1:9443 dgi --method GET \
    --target '/partner/v1/affiliation-attestations/{id}' --header 'X-Purpose: VAT_REFUND' \
    --id-kind ice --id-from "$3" --id-to "$4" --duration "$secs" --warmup 1)
  cpu1=$(awk '{print $14 + $15}' /proc/$hub_pid/stat)
  kill "$hub_pid"
  wait "$hub_pid" 2>/dev/null || true
  echo "$engine ($mode): $out"
  python3 -c "
import json,sys
d=json.loads(sys.argv[2]); s=d.get('status',{}); cpu=(int(sys.argv[3])/int(sys.argv[4]))
n=sum(s.values()) if s else 0
print(f\"| {sys.argv[1]} | {sys.argv[5]} | {d['throughput_rps']:.0f} | {d['p50_ms']} | {d['p99_ms']} | {1e6*cpu/max(n,1):.0f} | {json.dumps(s)} | {d['errors']} |\")
" "$engine" "$out" "$(( cpu1 - cpu0 ))" "$ticks" "$mode" >> "$work/table.md"
}

for e in $engines; do run_engine "$e"; done
echo
echo "| engine | receipts | attestations/s | p50 ms | p99 ms | hub CPU µs/read | statuses | errors |"
echo "|---|---|---|---|---|---|---|---|"
cat "$work/table.md"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); ${CNSS_BENCH_CONNECTIONS:-16} connections, ${secs} s, ${employers} employers"
