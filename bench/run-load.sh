#!/usr/bin/env bash
# The project's load benchmarks, in one run, on this machine: each simulator alone, then the hub
# (cached prefill, cache-miss prefill, the hub's added latency), with the load generator.
# Usage: bench/run-load.sh [SECONDS_PER_RUN]   (needs a build: scripts/setup.sh)
# Prints one line per run (loadgen's JSON) and a Markdown summary; docs/performance.md keeps
# the figures of the last run we recorded.
set -euo pipefail
case ${1:-} in -h | --help) sed -n '2,/^set -/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;; esac
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
secs=${1:-10}
bin=build/bin
pki=certs/dev
certs/make-dev-pki.sh > /dev/null
work=$(mktemp -d /tmp/cnss-bench-XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

# The shipped configurations, with their own data folder.
sed "s#data_dir: ../var/data#data_dir: $work/data#; s#path: ../var/data/hub.db#path: $work/data/hub.db#" \
  conf/hub.yaml > "$work/hub.yaml"
sed -i "s#\.\./#$root/#g" "$work/hub.yaml"
sed -i "s#$work/data#$work/data#" "$work/hub.yaml"

# The simulators as shipped, except their quotas (DGI's 50/s per certificate would otherwise be
# what the throughput run measures).
source "$root/bench/sims.sh"
sims_start
start_ns=$(date +%s%N)
$bin/cnss-hub serve --config "$work/hub.yaml" 2> "$work/hub.log" &
hub_pid=$!
pids+=($hub_pid)
for _ in $(seq 1 200); do grep -q '"msg":"ready"' "$work/hub.log" && break; sleep 0.02; done
ready_ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))

lg() { $bin/loadgen --duration "$secs" --warmup 1 --json "$@" | tail -n 1; }
field() { python3 -c "import json,sys; d=json.loads(sys.argv[1]); print(d['$2'])" "$1"; }

declare -A R
echo "hub: ready in ${ready_ms} ms (process start to listening, mappings compiled and tested)"
soap='<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:cnie="urn:ma:dgsn:cnie:v2"><soapenv:Header><cnie:Demandeur><cnie:Organisme>CNSS</cnie:Organisme><cnie:Motif>IMMATRICULATION</cnie:Motif><cnie:Reference>0f6d2c9e-5d1b-4f5e-9a55-2b1f7c1e9a10</cnie:Reference></cnie:Demandeur></soapenv:Header><soapenv:Body><cnie:ConsulterCitoyen><cnie:NumeroCNIE>{id}</cnie:NumeroCNIE></cnie:ConsulterCitoyen></soapenv:Body></soapenv:Envelope>'
sim() { # partner port extra-args...
  local p=$1 port=$2
  shift 2
  lg --url https://127.0.0.1:$port --ca $pki/ca/$p.crt --cert $pki/hub/client-$p.crt \
     --key $pki/hub/client-$p.key --connections 32 --threads 1 "$@"
}
R[dgsn]=$(sim dgsn 7001 --method POST --target /ws/cnie/v2 --header 'Content-Type: text/xml; charset=utf-8' --body "$soap" --id-kind cnie)
R[dgct]=$(sim dgct 7002 --target '/api/etat-civil/v1/personnes/{id}/famille' --header 'X-Motif: IMMATRICULATION' --id-kind cnie)
R[ompic]=$(sim ompic 7003 --target '/rc/api/v1/entreprises?ice={id}' --id-kind ice)
R[dgi]=$(sim dgi 7004 --target '/dgi/api/v2/contribuables?ice={id}' --id-kind ice --cert $pki/hub/client-dgi.crt)
for p in dgsn dgct ompic dgi; do echo "sim $p: ${R[$p]}"; done

hubload() {
  lg --url https://127.0.0.1:8443 --ca $pki/ca/cnss.crt --cert $pki/clients/agency.crt \
     --key $pki/clients/agency.key --method POST --target /v1/prefill/person \
     --header 'Content-Type: application/json' \
     --body '{"cnie":"{id}","purpose":"IMMATRICULATION"}' --id-kind cnie "$@"
}
# Cached: 2,000 people asked once (warm-up), then again and again.
hubload --connections 16 --id-from 100001 --id-to 102000 --sequential --duration 3 > /dev/null
R[cached]=$(hubload --connections 32 --id-from 100001 --id-to 102000)
rss_cached=$(awk '/VmRSS/{print $2}' /proc/$hub_pid/status)
# Cache misses: every request asks DGSN and DGCT (Cache-Control: no-cache).
R[miss]=$(hubload --connections 32 --header 'Cache-Control: no-cache' --id-from 200001 --id-to 9999999)
rss_miss=$(awk '/VmRSS/{print $2}' /proc/$hub_pid/status)
hwm=$(awk '/VmHWM/{print $2}' /proc/$hub_pid/status)
echo "hub cached prefill: ${R[cached]}"
echo "hub cache-miss prefill: ${R[miss]}"

# Added latency at a fixed, moderate rate: the hub's p99 minus the slowest partner's p99, each
# measured alone at the same rate.
rate=400
R[dgsn_r]=$(sim dgsn 7001 --method POST --target /ws/cnie/v2 --header 'Content-Type: text/xml; charset=utf-8' --body "$soap" --id-kind cnie --rate $rate)
R[dgct_r]=$(sim dgct 7002 --target '/api/etat-civil/v1/personnes/{id}/famille' --header 'X-Motif: IMMATRICULATION' --id-kind cnie --rate $rate)
R[miss_r]=$(hubload --connections 32 --header 'Cache-Control: no-cache' --id-from 300001 --id-to 9999999 --rate $rate)
echo "at $rate/s: dgsn ${R[dgsn_r]}"
echo "at $rate/s: dgct ${R[dgct_r]}"
echo "at $rate/s: hub  ${R[miss_r]}"

p99() { field "$1" p99_ms; }
added=$(python3 -c "print(round($(p99 "${R[miss_r]}") - max($(p99 "${R[dgsn_r]}"), $(p99 "${R[dgct_r]}")), 3))")
cat <<MD

| run | throughput (req/s) | p50 ms | p90 ms | p99 ms | p99.9 ms | errors |
|---|---|---|---|---|---|---|
MD
for k in dgsn dgct ompic dgi cached miss dgsn_r dgct_r miss_r; do
  python3 -c "import json,sys; d=json.loads(sys.argv[2]); print(f\"| {sys.argv[1]} | {d['throughput_rps']:.0f} | {d['p50_ms']} | {d['p90_ms']} | {d['p99_ms']} | {d['p999_ms']} | {d['errors']} |\")" "$k" "${R[$k]}"
done
echo
echo "hub added latency at $rate/s (hub p99 - slowest partner p99): ${added} ms"
echo "hub resident memory: ${rss_cached} kB after the cached run, ${rss_miss} kB after the cache-miss run, peak ${hwm} kB"
echo "machine: $(nproc) cores, $(awk '/MemTotal/{print int($2/1024/1024+0.5)}' /proc/meminfo) GiB, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
