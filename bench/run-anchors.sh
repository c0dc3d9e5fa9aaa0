#!/usr/bin/env bash
# The hub against an anchor, in one run: nginx (Debian) serving over TLS, with the client
# certificate verified, the very bytes of a hub prefill answer, beside the hub's cached prefill and
# its cache-miss prefill. The same load generator (loadgen: mutual TLS, keep-alive, 32
# connections, closed loop) drives the three in turn, ROUNDS times, so that the shared machine's
# load falls on all three alike. For each run: req/s, p50/p99 and the server's CPU time per request
# (user + system from /proc/PID/stat over the run, divided by the requests answered: nginx's master
# and workers; the hub's process alone, not the simulators'). Then the hub's peak RSS and its
# cache's bytes (cnss_partner_cache_bytes), and where the hub's CPU goes (perf sampling cpu-clock).
#
# Usage: bench/run-anchors.sh [SECONDS_PER_RUN] [ROUNDS]   (defaults 10 and 3; needs a build)
# Environment: CNSS_BENCH_PORT_BASE (default 27400: simulators +1..+5, hub +43/+44, nginx +50),
#   CNSS_BENCH_PROFILE_SECONDS (default 5; 0: no profile), CNSS_BENCH_HUB (default build/bin/cnss-hub),
#   CNSS_BENCH_PERF_DIR (where to keep the perf.data files; default: not kept).
# Prints one JSON line per run, then a Markdown table of the medians and the ratios to nginx.
set -euo pipefail
case ${1:-} in -h | --help) sed -n '2,/^set -/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;; esac
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
secs=${1:-10}
rounds=${2:-3}
base=${CNSS_BENCH_PORT_BASE:-27400}
profile_secs=${CNSS_BENCH_PROFILE_SECONDS:-5}
hub_bin=${CNSS_BENCH_HUB:-$root/build/bin/cnss-hub}
bin=$root/build/bin
pki=$root/certs/dev

# nginx is the anchor only: installed here, not by scripts/setup.sh, so that a developer's machine
# does not get a web server for the tests' sake. Its packaged service is not used.
if [[ ! -x /usr/sbin/nginx ]]; then
  sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  echo "run-anchors: installing nginx (Debian)"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx > /dev/null
fi
certs/make-dev-pki.sh > /dev/null

work=$(mktemp -d /tmp/cnss-anchors-XXXXXX)
chmod 755 "$work"  # nginx's workers run as nobody when started by root
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2> /dev/null || true; done
  wait 2> /dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# The shipped configurations on their own ports and data folder (DGI's quota off, as in
# bench/run-load.sh).
ports() { # file: the shipped ports moved by the base
  local e=() n
  for n in 1 2 3 4 5; do e+=(-e "s#:700$n\b#:$((base + n))#g; s#port: 700$n\b#port: $((base + n))#"); done
  sed "${e[@]}" -e "s#port: 8443#port: $((base + 43))#; s#port: 9443#port: $((base + 44))#" "$1"
}
ports conf/sim.yaml | grep -v 'rate_limit:' | sed "s#\.\./#$root/#g" > "$work/sim.yaml"
ports conf/hub.yaml | sed "s#data_dir: ../var/data#data_dir: $work/data#; s#path: ../var/data/hub.db#path: $work/data/hub.db#" |
  sed "s#\.\./#$root/#g" > "$work/hub.yaml"
hub_port=$((base + 43))
nginx_port=$((base + 50))

$bin/cnss-sim serve --config "$work/sim.yaml" 2> "$work/sim.log" &
pids+=($!)
"$hub_bin" serve --config "$work/hub.yaml" 2> "$work/hub.log" &
hub_pid=$!
pids+=($hub_pid)
for _ in $(seq 1 300); do grep -q '"msg":"ready"' "$work/hub.log" && break; sleep 0.05; done
grep -q '"msg":"ready"' "$work/hub.log" || { echo "the hub did not start:"; tail "$work/hub.log"; exit 1; }

lg() { $bin/loadgen --ca "$pki/ca/cnss.crt" --cert "$pki/clients/agency.crt" \
  --key "$pki/clients/agency.key" --connections 32 --json "$@" | tail -n 1; }
prefill() {
  lg --url "https://127.0.0.1:$hub_port" --method POST --target /v1/prefill/person \
    --header 'Content-Type: application/json' \
    --body '{"cnie":"{id}","purpose":"IMMATRICULATION"}' --id-kind cnie "$@"
}
# 2,000 people asked once, so that the cached runs find them.
prefill --connections 16 --id-from 100001 --id-to 102000 --sequential --duration 3 --warmup 0 > /dev/null

# The anchor's file: a cached answer, byte for byte as the hub sends it; of 21 people's answers,
# the one of median size.
mkdir -p "$work/www" "$work/tmp" "$work/answers"
chmod 755 "$work/www"
for n in $(seq 100001 100021); do
  curl -sS --cacert "$pki/ca/cnss.crt" --cert "$pki/clients/agency.crt" --key "$pki/clients/agency.key" \
    -H 'Content-Type: application/json' -o "$work/answers/$n.json" -w '%{http_code}\n' \
    --resolve "localhost:$hub_port:127.0.0.1" "https://localhost:$hub_port/v1/prefill/person" \
    -d "{\"cnie\":\"BK$n\",\"purpose\":\"IMMATRICULATION\"}" > "$work/code"
  grep -q 200 "$work/code" || { echo "prefill BK$n: HTTP $(cat "$work/code")"; exit 1; }
done
median=$(ls -S "$work"/answers/*.json | sed -n 11p)
cp "$median" "$work/www/answer.json"
chmod 644 "$work/www/answer.json"
answer_bytes=$(stat -c %s "$work/www/answer.json")
user_line=""
[[ $(id -u) -eq 0 ]] && user_line="user nobody nogroup;"
cat > "$work/nginx.conf" <<NGINX
# Two workers, as the hub's two I/O threads; the Debian defaults otherwise (access log written per
# request, as the hub's), keep-alive not cut every 1,000 requests (the hub does not cut it).
$user_line
worker_processes 2;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
  types { application/json json; }
  access_log $work/nginx-access.log;
  client_body_temp_path $work/tmp/body;
  proxy_temp_path $work/tmp/proxy;
  fastcgi_temp_path $work/tmp/fastcgi;
  uwsgi_temp_path $work/tmp/uwsgi;
  scgi_temp_path $work/tmp/scgi;
  sendfile on;
  keepalive_requests 10000000;
  keepalive_timeout 60s;
  server {
    listen 127.0.0.1:$nginx_port ssl;
    ssl_certificate $pki/hub/server.crt;
    ssl_certificate_key $pki/hub/server.key;
    ssl_client_certificate $pki/ca/cnss.crt;
    ssl_crl $pki/ca/cnss.crl;
    ssl_verify_client on;
    root $work/www;
  }
}
NGINX
/usr/sbin/nginx -c "$work/nginx.conf" -p "$work" -g 'daemon off;' 2> "$work/nginx.log" &
nginx_pid=$!
pids+=($nginx_pid)
for _ in $(seq 1 100); do [[ -n $(pgrep -P "$nginx_pid") ]] && break; sleep 0.05; done
sleep 0.2
nginx_pids() { echo "$nginx_pid" $(pgrep -P "$nginx_pid"); }

cpu_ticks() { # pids...: user + system clock ticks, summed
  local t=0 p
  for p in "$@"; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done
  echo "$t"
}
# One measured run: loadgen's JSON with the server's CPU microseconds per request added.
measure() { # "pids" run-function args...
  local who=$1 t0 t1 out
  shift
  t0=$(cpu_ticks $($who))
  out=$("$@")
  t1=$(cpu_ticks $($who))
  python3 -c "import json,os,sys; d=json.loads(sys.argv[1]); \
d['cpu_us_per_req']=round((int(sys.argv[2])*1e6/os.sysconf('SC_CLK_TCK'))/max(d['requests'],1),1); \
print(json.dumps(d))" "$out" "$((t1 - t0))"
}
hub_only() { echo "$hub_pid"; }
nginx_run() { lg --url "https://127.0.0.1:$nginx_port" --target /answer.json --warmup 1 --duration "$secs"; }
cached_run() { prefill --id-from 100001 --id-to 102000 --warmup 1 --duration "$secs"; }
miss_run() { prefill --header 'Cache-Control: no-cache' --id-from 200001 --id-to 9999999 --warmup 1 --duration "$secs"; }

results=$work/results.jsonl
touch "$results"
for round in $(seq 1 "$rounds"); do
  for run in nginx cached miss; do
    who=hub_only
    [[ $run == nginx ]] && who=nginx_pids
    line=$(measure "$who" "${run}_run")
    echo "{\"round\":$round,\"run\":\"$run\",\"r\":$line}" | tee -a "$results"
  done
done

metric_sum() { # name: summed over its labels, from the hub's /metrics
  curl -sS --cacert "$pki/ca/cnss.crt" --cert "$pki/clients/admin.crt" \
    --key "$pki/clients/admin.key" --resolve "localhost:$hub_port:127.0.0.1" \
    "https://localhost:$hub_port/metrics" | awk -v n="$1" '$1 ~ "^"n"({|$)" {s += $2} END {printf "%.0f\n", s}'
}
cache_bytes=$(metric_sum cnss_partner_cache_bytes)
cache_entries=$(metric_sum cnss_partner_cache_entries)
hwm_kb=$(awk '/VmHWM/{print $2}' "/proc/$hub_pid/status")
rss_kb=$(awk '/VmRSS/{print $2}' "/proc/$hub_pid/status")

[[ -s $results ]] && python3 - "$results" "$answer_bytes" "$hwm_kb" "$rss_kb" "$cache_bytes" "$cache_entries" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
answer_bytes, hwm_kb, rss_kb, cache_bytes, cache_entries = map(int, sys.argv[2:7])
def med(run, key):
    return statistics.median(r["r"][key] for r in rows if r["run"] == run)
names = {"nginx": "nginx, the same answer as a static file", "cached": "hub, cached prefill",
         "miss": "hub, cache-miss prefill (hub process only)"}
print(f"\nanswer: {answer_bytes} bytes (the median of 21 people's); medians of {max(r['round'] for r in rows)} rounds\n")
print("| run | req/s | p50 ms | p99 ms | server CPU µs/req | × nginx | errors |")
print("|---|---|---|---|---|---|---|")
anchor = med("nginx", "cpu_us_per_req")
for run in ["nginx", "cached", "miss"]:
    cpu = med(run, "cpu_us_per_req")
    print(f"| {names[run]} | {med(run, 'throughput_rps'):.0f} | {med(run, 'p50_ms'):.2f} | "
          f"{med(run, 'p99_ms'):.2f} | {cpu:.0f} | {cpu / anchor:.2f} | {med(run, 'errors'):.0f} |")
for run, target in [("cached", 2), ("miss", 6)]:
    ratios = sorted(round(r["r"]["cpu_us_per_req"] / a["r"]["cpu_us_per_req"], 2)
                    for r in rows if r["run"] == run
                    for a in rows if a["run"] == "nginx" and a["round"] == r["round"])
    print(f"{run}: CPU per request / nginx's, per round {ratios} (target ≤ {target})")
cache_mb = cache_bytes / 2**20
print(f"hub peak RSS {hwm_kb / 1024:.1f} MB (now {rss_kb / 1024:.1f} MB); cache {cache_mb:.1f} MB in "
      f"{cache_entries} answers; peak less the cache {hwm_kb / 1024 - cache_mb:.1f} MB (target ≤ 64)")
PY

# Where the hub's CPU goes: perf sampling the CPU clock (hardware counters are not available on
# every virtual machine), call graphs from DWARF unwinding, during a cached and a cache-miss run.
if [[ $profile_secs != 0 ]] && command -v perf > /dev/null; then
  for run in cached miss; do
    data=$work/perf-$run.data
    "${run}_run" > /dev/null &
    load=$!
    sleep 1.5
    perf record -q -e cpu-clock -F 499 --call-graph dwarf,16384 -p "$hub_pid" -o "$data" \
      -- sleep "$profile_secs" > /dev/null 2>&1 || true
    wait "$load" || true
    echo
    echo "## where the hub's CPU goes: $run prefill ($profile_secs s, perf cpu-clock)"
    perf script -i "$data" -F comm,ip,sym,dso --no-inline 2> /dev/null | python3 "$root/bench/profile-share.py"
    [[ -n ${CNSS_BENCH_PERF_DIR:-} ]] && cp "$data" "$CNSS_BENCH_PERF_DIR/"
  done
fi
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); nginx $(/usr/sbin/nginx -v 2>&1 | cut -d/ -f2)"
