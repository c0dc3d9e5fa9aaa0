#!/usr/bin/env bash
# A bulk prefill job of N distinct CNIEs through the hub (docs/jobs.md), the simulators local:
# POST /v1/jobs/prefill with the file, then GET /v1/jobs/{id} until it is done. Prints the rate
# (lines a second, from the job's own times) and the hub's resident memory (VmRSS) when the job
# passes 10 %, 50 % and 100 %, and the bytes the store keeps per result. SQLite (the embedded
# default), the shipped conf/hub.yaml with its own data folder (the listener's max_body_bytes
# left at 1 MiB: the file is read in pieces, within jobs.max_upload_bytes).
# Usage: bench/run-jobs.sh [N]   (N: 100000 by default; needs scripts/setup.sh)
# Environment: CNSS_BENCH_KILL_AT (a percentage: the hub is SIGKILLed once the job passes it and
# started again on the same store; the job resumes, and the store is then checked to hold every
# line once, each with its own CNIE, and the hub's log says how many were asked again);
# CNSS_BENCH_RATE (calls a second: DGSN and DGCT, the partners a person's job asks, get
# rate_limit {per_second: RATE, burst: RATE/10}, the job's pace then bound by it);
# CNSS_BENCH_INTERACTIVE (prefills a second: loadgen makes agents' cache-miss prefills at that
# rate for 10 s before the job is submitted, then for 10 s once it has passed 10 %, and prints
# their p50/p99 each time); CNSS_BENCH_BIN (the folder of cnss-hub and cnss-sim, build/bin by
# default) and CNSS_BENCH_CONF (conf/hub.yaml by default): another build to compare;
# CNSS_BENCH_UPLOAD_ONLY=1 (the upload and the results' stream alone: the file is submitted, the
# hub's peak RSS during the upload and its time printed, the job cancelled, then its N result
# lines read in one streamed answer, with the hub's peak RSS sampled meanwhile and the time; no
# simulator is started, the partners pointed at a closed port); CNSS_BENCH_PORT (the internal
# listener's port, 8443 by default; the partners' listener takes it + 1000).
set -euo pipefail
case ${1:-} in -h | --help) sed -n '2,/^set -/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;; esac
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
n=${1:-100000}
bin=${CNSS_BENCH_BIN:-build/bin}
conf=${CNSS_BENCH_CONF:-$root/conf/hub.yaml}
rate_limit=${CNSS_BENCH_RATE:-}
interactive=${CNSS_BENCH_INTERACTIVE:-}
pki=certs/dev
certs/make-dev-pki.sh > /dev/null
work=$(mktemp -d /tmp/cnss-bench-jobs-XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

port=${CNSS_BENCH_PORT:-8443}
url=https://127.0.0.1:$port
source "$root/bench/sims.sh"
[[ -n ${CNSS_BENCH_UPLOAD_ONLY:-} ]] || sims_start

# N distinct CNIEs of ordinary people (the simulators reserve the numbers ending 000, 996-999).
python3 - "$n" > "$work/cnies.csv" <<'PY'
import sys
n, out, k = int(sys.argv[1]), ["cnie"], 0
for prefix in ("JA", "JB", "JC", "JD", "JE", "JF", "JG", "JH", "JK", "JL", "JM", "JN"):
    for d in range(100000, 900000):
        if d % 1000 == 0 or d % 1000 >= 996: continue
        out.append(f"{prefix}{d}"); k += 1
        if k == n: break
    if k == n: break
print("\n".join(out))
PY
python3 - "$root" "$work" "$port" "${CNSS_BENCH_UPLOAD_ONLY:-}" "$conf" "$rate_limit" > "$work/hub.yaml" <<'PY'
import re, sys
root, work, port, upload_only, conf, rate = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6]
y = open(conf).read()
if rate:
    for p in ("dgsn", "dgct"):
        y = y.replace(f"\n  {p}:\n", f"\n  {p}:\n    rate_limit: {{per_second: {rate}, burst: {max(1, int(rate) // 10)}}}\n", 1)
y = re.sub(r"store:\n(  .*\n)+", f"store:\n  engine: sqlite\n  path: {work}/data/hub.db\n", y)
y = y.replace("port: 8443", f"port: {port}").replace("port: 9443", f"port: {port + 1000}")
if upload_only:
    y = re.sub(r"base_url: https://127.0.0.1:700\d", "base_url: https://127.0.0.1:1", y)
y = y.replace("data_dir: ../var/data", f"data_dir: {work}/data").replace("../", f"{root}/")
print(y, end="")
PY
start_hub() {
  $bin/cnss-hub serve --config "$work/hub.yaml" 2>> "$work/hub.log" &
  hub_pid=$!
  pids+=($hub_pid)
  for _ in $(seq 1 500); do
    [[ $(grep -c '"msg":"ready"' "$work/hub.log") -ge $1 ]] && break
    sleep 0.02
  done
}
start_hub 1
kill_at=${CNSS_BENCH_KILL_AT:-}

tls=(--silent --show-error --cacert $pki/ca/cnss.crt --cert $pki/clients/agency.crt
  --key $pki/clients/agency.key)
# Agents' cache-miss prefills at $interactive a second for 10 s (people the job does not ask).
agents() {
  build/bin/loadgen --url $url --ca $pki/ca/cnss.crt \
    --cert $pki/clients/agency.crt --key $pki/clients/agency.key --method POST \
    --target /v1/prefill/person --header 'Content-Type: application/json' \
    --header 'Cache-Control: no-cache' --body '{"cnie":"{id}","purpose":"IMMATRICULATION"}' \
    --id-kind cnie --id-from 100000 --id-to 999999 --connections 8 --rate "$interactive" \
    --duration 10 --warmup 1 --json | tail -n 1 | python3 -c '
import json,sys; d=json.loads(sys.stdin.read())
print("%s req/s, p50 %s ms, p99 %s ms, statuses %s" % (d["throughput_rps"], d["p50_ms"], d["p99_ms"], d["status"]))'
}
[[ -n $interactive ]] && echo "agents alone, $interactive prefills/s: $(agents)"
rss() { awk '/VmRSS/{print $2}' /proc/$hub_pid/status; }
# The hub's highest VmRSS (kB) while process $1 runs, sampled every 50 ms.
peak_rss_while() {
  local peak=0 r
  while kill -0 "$1" 2>/dev/null; do
    r=$(rss); (( r > peak )) && peak=$r
    sleep 0.05
  done
  echo "$peak"
}
if [[ -n ${CNSS_BENCH_UPLOAD_ONLY:-} ]]; then
  echo "file: $n CNIEs, $(stat -c %s "$work/cnies.csv") bytes; hub RSS before $(rss) kB"
  t0=$(date +%s.%N)
  curl "${tls[@]}" -X POST -H 'Content-Type: text/csv' -H 'X-Purpose: IMMATRICULATION' \
    --data-binary @"$work/cnies.csv" -o "$work/job.json" $url/v1/jobs/prefill &
  peak=$(peak_rss_while $!)
  wait $!
  id=$(python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(j.get("id") or j)' "$work/job.json")
  [[ $id == *error* ]] && { echo "refused: $id"; exit 1; }
  echo "upload: $(python3 -c "print(f'{$(date +%s.%N) - $t0:.1f}')") s; hub peak RSS during it $peak kB (VmHWM $(awk '/VmHWM/{print $2}' /proc/$hub_pid/status) kB)"
  curl "${tls[@]}" -X DELETE -o /dev/null "$url/v1/jobs/$id"
  t0=$(date +%s.%N)
  curl "${tls[@]}" -o "$work/results.ndjson" -D "$work/results.head" \
    "$url/v1/jobs/$id/results" &
  peak=$(peak_rss_while $!)
  wait $!
  echo "results streamed: $(wc -l < "$work/results.ndjson") lines, $(stat -c %s "$work/results.ndjson") bytes in $(python3 -c "print(f'{$(date +%s.%N) - $t0:.1f}')") s; hub peak RSS during it $peak kB; $(grep -i '^transfer-encoding' "$work/results.head" | tr -d '\r')"
  python3 - "$work/results.ndjson" "$n" <<'PY'
import json, sys
seen = [json.loads(l)["line"] for l in open(sys.argv[1])]
ok = seen == list(range(2, int(sys.argv[2]) + 2))
print("every line once, in order:", "yes" if ok else "NO")
PY
  echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
  exit 0
fi
t0=$(date +%s.%N)
job=$(curl "${tls[@]}" -X POST -H 'Content-Type: text/csv' -H 'X-Purpose: IMMATRICULATION' \
  --data-binary @"$work/cnies.csv" $url/v1/jobs/prefill)
id=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["id"])' "$job")
echo "job $id: $n CNIEs submitted in $(python3 -c "print(f'{$(date +%s.%N) - $t0:.1f}')") s"
next=10
while :; do
  state=$(curl "${tls[@]}" "$url/v1/jobs/$id")
  read -r done total st rate < <(python3 -c '
import json,sys; j=json.loads(sys.argv[1]); print(j["done"], j["total"], j["state"], j["rate_per_s"])' "$state")
  while [[ $next -le 100 && $(( done * 100 )) -ge $(( total * next )) ]]; do
    echo "$next %: done $done/$total, $rate lines/s so far, hub RSS $(awk '/VmRSS/{print $2}' /proc/$hub_pid/status) kB"
    next=$(( next == 10 ? 50 : next == 50 ? 100 : 101 ))
  done
  [[ $st == done || $st == cancelled || $st == failed ]] && break
  if [[ -n $interactive && $(( done * 100 )) -ge $(( total * 10 )) ]]; then
    d0=$done
    t_agents=$(date +%s.%N)
    echo "agents beside the job, $interactive prefills/s: $(agents)"
    d1=$(curl "${tls[@]}" "$url/v1/jobs/$id" | python3 -c 'import json,sys; print(json.load(sys.stdin)["done"])')
    echo "the job meanwhile: $(python3 -c "print(f'{($d1 - $d0) / ($(date +%s.%N) - $t_agents):.0f}')") lines/s"
    interactive=
  fi
  if [[ -n $kill_at && $(( done * 100 )) -ge $(( total * kill_at )) ]]; then
    kill -9 "$hub_pid"
    wait "$hub_pid" 2>/dev/null || true
    echo "$kill_at %: done $done/$total, hub SIGKILLed and started again"
    kill_at=
    start_hub 2
  fi
  sleep 1
done
echo "state: $st; errors: $(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["errors"])' "$state")"
echo "hub peak RSS $(awk '/VmHWM/{print $2}' /proc/$hub_pid/status) kB"
kill "$hub_pid"; wait "$hub_pid" 2>/dev/null || true
python3 - "$work/data/hub.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
n, size = db.execute("SELECT count(*), sum(length(result)) FROM prefill_job_items").fetchone()
print(f"results: {n} items, {size / max(n, 1):.0f} bytes a result on average (the result column)")
lines, ids, unanswered = db.execute(
    "SELECT count(DISTINCT line), count(DISTINCT identifier), sum(state <> 'done')"
    " FROM prefill_job_items").fetchone()
print(f"lines: {lines} distinct lines, {ids} distinct CNIEs, {unanswered} not answered")
PY
grep -o '"asked_again":"[0-9]*"' "$work/hub.log" | sed 's/^/asked again (after a restart; 0 otherwise): /' || true
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
