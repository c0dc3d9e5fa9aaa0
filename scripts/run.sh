#!/usr/bin/env bash
# Quick start: sets up, makes the development PKI on first run, starts the partner simulators
# of conf/sim.yaml on loopback and the hub with its embedded defaults (SQLite under var/data), prints
# where it listens, the agency page's address with the certificate to import into a browser, and a
# ready-to-paste curl line. Ctrl-C stops everything.
# Usage: scripts/run.sh
set -euo pipefail
case ${1:-} in -h | --help) sed -n '2,/^set -/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;; esac
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

scripts/setup.sh build
certs/make-dev-pki.sh
mkdir -p var/data var/log

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

build/bin/cnss-sim serve --config conf/sim.yaml 2> var/log/sim.log &
pids+=($!)
build/bin/cnss-hub serve --config conf/hub.yaml 2> >(tee var/log/hub.log >&2) &
pids+=($!)

for _ in $(seq 1 100); do
  grep -q '"msg":"ready"' var/log/hub.log 2>/dev/null && break
  sleep 0.1
done
if ! grep -q '"msg":"ready"' var/log/hub.log; then
  echo "the hub did not start: see var/log/hub.log" >&2
  exit 1
fi
pki=certs/dev
# Each simulator logs its listener and port: list them rather than name the partners here.
sims=$(sed -n 's/.*"listener":"\([a-z]*\)".*"port":"\([0-9]*\)".*/\1 \2/p' var/log/sim.log | tr '\n' ' ')
cat <<MSG

CNSS Exchange Hub is running.
  agencies, portals, administrators : https://127.0.0.1:8443  (client certificates from the CNSS CA)
  partner administrations           : https://127.0.0.1:9443  (client certificates from their own CAs)
  partner simulators (name port)    : $sims  (log: var/log/sim.log)
  data                              : var/data/hub.db (SQLite)

The agency registration page: https://localhost:8443/agency/
  The hub asks the browser for a client certificate. Make the agency's as a .p12 file:
    openssl pkcs12 -export -in $pki/clients/agency.crt -inkey $pki/clients/agency.key \\
      -certfile $pki/ca/cnss.crt -name agency-casa-anfa -out var/agency.p12 -passout pass:cnss
  import var/agency.p12 into the browser (password: cnss) as your certificate, and
  $pki/ca/cnss.crt as a certificate authority trusted to identify websites.
  ($pki/clients/admin.* is an administrator with the override role.)

The administrators' mapping workbench: https://localhost:8443/admin/
  the same way with $pki/clients/admin.{crt,key} (hub-admin asks to publish) and
  $pki/clients/admin2.{crt,key} (hub-admin2 approves: never the author).

Try it:
  curl --cacert $pki/ca/cnss.crt --cert $pki/clients/agency.crt --key $pki/clients/agency.key https://localhost:8443/healthz

Ctrl-C stops the hub and the simulators.
MSG
wait "${pids[1]}"
