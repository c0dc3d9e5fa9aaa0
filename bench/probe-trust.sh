#!/usr/bin/env bash
# The trust probe set (issue 15): every kind of client certificate of the development PKI tried
# with curl against a running hub, one line per case with the expected and the observed answer.
# Refusals are confirmed by the hub's own counters (read on /metrics with the administrator's
# certificate): the handshake failure reason, or the reason a principal was not matched.
#
# Usage: bench/probe-trust.sh [--pki DIR] [--internal HOST:PORT] [--partners HOST:PORT]
#   defaults: certs/dev, 127.0.0.1:8443, 127.0.0.1:9443 (the hub of scripts/run.sh)
# Exit: 0 when every case answered as expected, 1 on any surprise, 2 when the hub's metrics
# cannot be read with the administrator's certificate. Needs curl. Changes nothing in the hub:
# the only write it tries (a partner event) is made with certificates that must be refused.
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
pki="$root/certs/dev"
internal=127.0.0.1:8443
partners=127.0.0.1:9443
while [[ $# -gt 0 ]]; do
  case "$1" in
    --pki) pki=$2; shift 2 ;;
    --internal) internal=$2; shift 2 ;;
    --partners) partners=$2; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "probe-trust: unknown argument $1" >&2; exit 2 ;;
  esac
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# curl_as CERT LISTENER METHOD PATH -> "<http status> <error code>" or "000" when refused.
curl_as() {
  local cert=$1 host=$2 method=$3 path=$4 auth=()
  [[ -n "$cert" ]] && auth=(--cert "$pki/$cert.crt" --key "$pki/$cert.key")
  local data=()
  [[ $method == POST ]] && data=(-H 'Content-Type: application/json' --data '{}')
  local status
  status=$(curl -s --max-time 5 --cacert "$pki/ca/cnss.crt" "${auth[@]}" -X "$method" \
    "${data[@]}" -o "$work/body" -w '%{http_code}' "https://$host$path" 2>/dev/null)
  [[ -z "$status" ]] && status=000
  local code
  code=$(grep -o '"code":"[a-z_]*"' "$work/body" 2>/dev/null | head -1 | cut -d'"' -f4)
  echo "$status${code:+ $code}"
  rm -f "$work/body"
}

metrics() {
  curl -s --max-time 5 --cacert "$pki/ca/cnss.crt" --cert "$pki/clients/admin.crt" \
    --key "$pki/clients/admin.key" "https://$internal/metrics"
}

# counter TEXT NAME LISTENER REASON -> its value (0 when absent)
counter() {
  local v
  v=$(grep "^$2{" <<< "$1" | grep "listener=\"$3\"" | grep "reason=\"$4\"" | awk '{print $NF}')
  printf '%.0f\n' "${v:-0}"
}

listener_of() { [[ $1 == "$internal" ]] && echo internal || echo partners; }

# The reason counted for the last request: which handshake failure or principal miss went up.
counted_reason() {
  local before=$1 listener=$2 family=$3 reasons=$4 after r
  for _ in $(seq 1 25); do  # the server counts a failed handshake when its side of it ends
    after=$(metrics)
    for r in $reasons; do
      if (( $(counter "$after" "$family" "$listener" "$r") > $(counter "$before" "$family" "$listener" "$r") )); then
        echo "$r"
        return
      fi
    done
    sleep 0.04
  done
  echo "nothing counted"
}

handshake_reasons="no_certificate expired not_yet_valid revoked untrusted_ca crl_unavailable bad_purpose verify_failed protocol_version closed other"
miss_reasons="unknown_subject issuer_mismatch issuer_key_id_mismatch"

surprises=0
printf '%-34s %-9s %-34s %-40s %s\n' case listener request expected observed
probe() { # NAME CERT HOST METHOD PATH EXPECTED
  local name=$1 cert=$2 host=$3 method=$4 path=$5 expected=$6 listener before answer observed
  listener=$(listener_of "$host")
  before=$(metrics)
  answer=$(curl_as "$cert" "$host" "$method" "$path")
  case "$answer" in
    000*) observed="refused at handshake: $(counted_reason "$before" "$listener" \
            cnss_tls_handshake_failures_total "$handshake_reasons")" ;;
    "403 unknown_principal") observed="$answer ($(counted_reason "$before" "$listener" \
            cnss_principal_rejected_total "$miss_reasons"))" ;;
    *) observed=$answer ;;
  esac
  local verdict=ok
  if [[ "$observed" != "$expected" ]]; then verdict=SURPRISE; surprises=$((surprises + 1)); fi
  printf '%-34s %-9s %-34s %-40s %-40s %s\n' "$name" "$listener" "$method $path" "$expected" \
    "$observed" "$verdict"
}

if ! metrics | grep -q '^cnss_'; then
  echo "probe-trust: cannot read https://$internal/metrics with $pki/clients/admin.crt" >&2
  exit 2
fi

refused="refused at handshake"
mismatch="403 unknown_principal (issuer_mismatch)"
# Genuine certificates: past authentication (404: an event that does not exist).
probe "genuine agency" clients/agency "$internal" GET /healthz "200"
probe "genuine administrator" clients/admin "$internal" GET /metrics "200"
probe "genuine DGCT" clients/dgct "$partners" GET /partner/v1/events/probe-none "404 not_found"
probe "genuine OMPIC" clients/ompic "$partners" GET /partner/v1/events/probe-none "404 not_found"
probe "genuine DGI" clients/dgi "$partners" GET /healthz "200"
probe "genuine ANRC" clients/anrc "$partners" GET /healthz "200"
# A partner's CA minting another principal's identity.
probe "DGI CA, DGCT's subject" negative/dgct-by-dgi "$partners" POST /partner/v1/events "$mismatch"
probe "DGI CA, DGCT's subject" negative/dgct-by-dgi "$partners" GET /partner/v1/events/probe-none "$mismatch"
probe "DGI CA, DGCT's subject" negative/dgct-by-dgi "$partners" GET /healthz "$mismatch"
probe "DGCT CA, OMPIC's subject" negative/ompic-by-dgct "$partners" POST /partner/v1/events "$mismatch"
probe "DGI CA, administrator's subject" negative/admin-by-dgi "$partners" GET /metrics "$mismatch"
probe "DGI CA, DGCT's subject" negative/dgct-by-dgi "$internal" GET /healthz "$refused: untrusted_ca"
probe "DGI CA, administrator's subject" negative/admin-by-dgi "$internal" GET /metrics "$refused: untrusted_ca"
probe "twin of DGCT's CA (untrusted)" negative/dgct-by-twin "$partners" GET /healthz "$refused: untrusted_ca"
# The certificate's own state.
probe "expired" negative/expired "$internal" GET /healthz "$refused: expired"
probe "revoked" negative/revoked "$internal" GET /healthz "$refused: revoked"
probe "untrusted CA" negative/untrusted "$internal" GET /healthz "$refused: untrusted_ca"
probe "no clientAuth purpose" negative/no-client-auth "$internal" GET /healthz "$refused: bad_purpose"
probe "no certificate" "" "$internal" GET /healthz "$refused: no_certificate"
probe "unknown principal" clients/unknown "$internal" GET /healthz "403 unknown_principal (unknown_subject)"

if (( surprises > 0 )); then
  echo "probe-trust: $surprises surprise(s)"
  exit 1
fi
echo "probe-trust: every case answered as expected"
