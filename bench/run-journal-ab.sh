#!/usr/bin/env bash
# What waiting for the journal costs a prefill: an A/B of two hub binaries in one run, on the
# shipped configuration (SQLite), against the same simulators, taking turns so that the shared
# machine's load falls on both alike. For each: cached and cache-miss prefills at saturation
# (32 connections, closed loop) and at 400 requests/s (open loop), with the hub's CPU time per
# request (user + system, from /proc/PID/stat).
# Usage: bench/run-journal-ab.sh BEFORE_HUB [SECONDS_PER_RUN] [ROUNDS]   (needs scripts/setup.sh)
#   BEFORE_HUB: a cnss-hub built from the commit to compare with (e.g. main); the other is
#   build/bin/cnss-hub. Prints one line per run and a Markdown table of the medians.
set -euo pipefail
case ${1:-} in -h | --help) sed -n '2,/^set -/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;; esac
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
before=$(realpath "$1")
secs=${2:-10}
rounds=${3:-2}
after=$root/build/bin/cnss-hub
bin=build/bin
pki=certs/dev
certs/make-dev-pki.sh > /dev/null
work=$(mktemp -d /tmp/cnss-bench-ab-XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

source "$root/bench/sims.sh"
sims_start

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hubload() {
  $bin/loadgen --url https://127.0.0.1:8443 --ca $pki/ca/cnss.crt --cert $pki/clients/agency.crt \
    --key $pki/clients/agency.key --method POST --target /v1/prefill/person \
    --header 'Content-Type: application/json' \
    --body '{"cnie":"{id}","purpose":"IMMATRICULATION"}' --id-kind cnie --json "$@" | tail -n 1
}
# One measured run: loadgen's JSON with the hub's CPU microseconds per request added.
measure() { # hub-pid loadgen-args...
  local pid=$1 t0 t1 out
  shift
  t0=$(cpu_ticks "$pid")
  out=$(hubload --warmup 0 --duration "$secs" "$@")
  t1=$(cpu_ticks "$pid")
  python3 -c "import json,os,sys; d=json.loads(sys.argv[1]); \
d['cpu_us_per_req']=round((int(sys.argv[2])*1e6/os.sysconf('SC_CLK_TCK'))/max(d['requests'],1),1); \
print(json.dumps(d))" "$out" "$((t1 - t0))"
}

results=$work/results.jsonl
for round in $(seq 1 "$rounds"); do
  for variant in before after; do
    hub=$before
    [[ $variant == after ]] && hub=$after
    data=$work/data-$variant-$round
    sed "s#data_dir: ../var/data#data_dir: $data#; s#path: ../var/data/hub.db#path: $data/hub.db#" \
      conf/hub.yaml | sed "s#\.\./#$root/#g" > "$work/hub.yaml"
    "$hub" serve --config "$work/hub.yaml" 2> "$work/hub-$variant-$round.log" &
    pid=$!
    pids+=($pid)
    for _ in $(seq 1 300); do grep -q '"msg":"ready"' "$work/hub-$variant-$round.log" && break; sleep 0.02; done
    # 2,000 people asked once, so that the cached runs find them.
    hubload --connections 16 --id-from 100001 --id-to 102000 --sequential --duration 3 > /dev/null
    for run in cached miss cached_400 miss_400; do
      args=(--connections 32)
      [[ $run == miss* ]] && args+=(--header 'Cache-Control: no-cache' --id-from 200001 --id-to 9999999)
      [[ $run == cached* ]] && args+=(--id-from 100001 --id-to 102000)
      [[ $run == *_400 ]] && args+=(--rate 400)
      line=$(measure "$pid" "${args[@]}")
      echo "{\"variant\":\"$variant\",\"round\":$round,\"run\":\"$run\",\"r\":$line}" | tee -a "$results"
    done
    kill "$pid"
    wait "$pid" 2>/dev/null || true
  done
done

python3 - "$results" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
def med(variant, run, key):
    return statistics.median(r["r"][key] for r in rows if r["variant"] == variant and r["run"] == run)
print("\n| run | variant | req/s | p50 ms | p99 ms | p99.9 ms | CPU µs/req | errors |")
print("|---|---|---|---|---|---|---|---|")
for run in ["cached", "miss", "cached_400", "miss_400"]:
    for v in ["before", "after"]:
        print(f"| {run} | {v} | {med(v, run, 'throughput_rps'):.0f} | {med(v, run, 'p50_ms'):.2f} | "
              f"{med(v, run, 'p99_ms'):.2f} | {med(v, run, 'p999_ms'):.2f} | "
              f"{med(v, run, 'cpu_us_per_req'):.0f} | {med(v, run, 'errors'):.0f} |")
PY
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
