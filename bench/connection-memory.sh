#!/usr/bin/env bash
# The hub's resident memory (VmRSS) before, during and after two bursts of connections on its
# internal listener, with conf/hub.yaml as shipped (docs/performance.md, "Connections before
# authentication"), from 200 loopback addresses (127.0.0.2-201):
#   - 1,000 kept-alive mutual-TLS connections (the agency's certificate, one GET /healthz each),
#     held 1 s, then closed;
#   - 2,100 TCP connections that never send a ClientHello, held 2 s, then closed.
# Usage: bench/connection-memory.sh [CNSS_HUB_BINARY]   (needs a build: scripts/setup.sh)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
hub=${1:-build/bin/cnss-hub}
certs/make-dev-pki.sh > /dev/null
work=$(mktemp -d /tmp/cnss-bench-XXXXXX)
hub_pid=""
cleanup() { [[ -n $hub_pid ]] && kill "$hub_pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

# The shipped configuration, with its own data folder and any free ports.
sed "s#data_dir: ../var/data#data_dir: $work/data#; s#path: ../var/data/hub.db#path: $work/data/hub.db#" \
  conf/hub.yaml > "$work/hub.yaml"
sed -i "s#\.\./#$root/#g; s#port: 8443#port: 0#; s#port: 9443#port: 0#" "$work/hub.yaml"
"$hub" serve --config "$work/hub.yaml" 2> "$work/hub.log" &
hub_pid=$!
for _ in $(seq 1 250); do grep -q '"msg":"ready"' "$work/hub.log" && break; sleep 0.02; done

python3 - "$hub_pid" "$work/hub.log" certs/dev <<'PY'
import json, socket, ssl, sys, time
pid, log, pki = sys.argv[1], sys.argv[2], sys.argv[3]
port = next(json.loads(l)["port"] for l in open(log)
            if '"listening"' in l and '"internal"' in l)
def rss():
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS"):
            return f"{int(line.split()[1]) / 1024:.1f} MB"
def connect(i):
    s = socket.socket()
    s.bind((f"127.0.0.{2 + i % 200}", 0))
    s.connect(("127.0.0.1", int(port)))
    return s

print(f"before: {rss()}")
tls = ssl.create_default_context(cafile=f"{pki}/ca/cnss.crt")
tls.load_cert_chain(f"{pki}/clients/agency.crt", f"{pki}/clients/agency.key")
kept = []
for i in range(1000):
    c = tls.wrap_socket(connect(i), server_hostname="localhost")
    c.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
    c.recv(4096)
    kept.append(c)
time.sleep(1)
print(f"1,000 kept-alive connections: during {rss()}")
for c in kept:
    c.close()
time.sleep(2)
print(f"1,000 kept-alive connections: after {rss()}")

idle = [connect(i) for i in range(2100)]
time.sleep(2)
print(f"2,100 idle connections: during {rss()}")
for s in idle:
    s.close()
time.sleep(2)
print(f"2,100 idle connections: after {rss()}")
PY
