#!/usr/bin/env bash
# Makes the development PKI of the CNSS Exchange Hub with the openssl CLI:
#   - a CNSS root CA, and one CA per partner: every partner conf/sim.yaml simulates (so a new
#     partner needs no edit here; its organisation is its name in capitals);
#   - server certificates for the hub and each simulator (subjectAltName 127.0.0.1, localhost);
#   - the hub's client certificate towards each partner (issued by that partner's CA);
#   - each partner's client certificate towards the hub (issued by the partner's CA);
#   - an agency front-end's and an administrator's client certificates (CNSS CA);
#   - two business systems reading the change feed (CNSS CA): feed-prestations, cleared for
#     personal data, and feed-statistics, which is not (docs/feed.md);
#   - the insured's portal (CNSS CA), which reads an insured person's disclosures on their behalf
#     (role insured_self; docs/partner-api.md, "The insured's portal");
#   - for negative tests: an expired, a revoked, an untrusted-CA and a no-clientAuth client
#     certificate (all with the agency's subject), and a valid one that maps to no principal;
#   - cross-CA negatives: a partner's CA minting another's identity (DGI CA with DGCT's subject,
#     DGCT CA with OMPIC's, DGI CA with the CNSS administrator's), and a "twin" CA with the DGCT
#     CA's very name but its own key (ca/dgct-twin.crt, trusted by nothing by default) with a
#     certificate carrying DGCT's subject;
#   - a CRL per CA (with its authorityKeyIdentifier, RFC 5280 §5.2.1);
#   - the journal's signing key (Ed25519), that signs the journal's checkpoints (docs/audit.md).
# Usage: certs/make-dev-pki.sh [OUT_DIR] [--force]    (default OUT_DIR: certs/dev, git-ignored)
# Idempotent: an existing complete PKI for the same partners, made by this version of the script,
# is left as it is unless --force is given; any other is made again.
set -euo pipefail

version=5  # raise when the PKI gains or changes files, so that older ones are made again
here=$(cd "$(dirname "$0")" && pwd)
out="$here/dev"
force=0
for a in "$@"; do
  case "$a" in
    --force) force=1 ;;
    -h|--help) sed -n '2,/^# Usage:/p' "$0"; exit 0 ;;
    *) out="$a" ;;
  esac
done

# journal/signing.key (0600) and journal/signing.pub.pem: the key the hub signs its journal's
# checkpoints with, and the public half verifiers are given. Made once and kept when the rest of
# the PKI is made again (other partners, a newer script): the checkpoints already signed verify
# only with it. Only --force replaces it.
journal_key() { # dir
  local dir="$1/journal"
  [[ -f "$dir/signing.key" ]] && return 0
  mkdir -p "$dir"
  (umask 077 && openssl genpkey -algorithm ed25519 -out "$dir/signing.key" 2>/dev/null)
  chmod 600 "$dir/signing.key"
  openssl pkey -in "$dir/signing.key" -pubout -out "$dir/signing.pub.pem" 2>/dev/null
  chmod 644 "$dir/signing.pub.pem"
  chmod 755 "$dir"
}

# The keys of the top-level `partners:` map of conf/sim.yaml, in their order.
mapfile -t partners < <(awk '
  /^partners:/ { inside = 1; next }
  /^[^ #]/ { inside = 0 }
  inside && /^  [a-z][a-z0-9_]*:/ { sub(/^  /, ""); sub(/:.*/, ""); print }
' "$here/../conf/sim.yaml")
if [[ ${#partners[@]} -eq 0 ]]; then
  echo "make-dev-pki: no partners found under partners: in conf/sim.yaml" >&2
  exit 2
fi

if [[ -f "$out/.complete" && $force -eq 0 && "$(cat "$out/.complete")" == "$version ${partners[*]}" ]]; then
  # The journal key is added to a PKI made before it existed, without making the rest again.
  journal_key "$out"
  exit 0
fi
kept=""
if [[ -f "$out/journal/signing.key" && $force -eq 0 ]]; then
  kept=$(mktemp -d)
  mv "$out/journal" "$kept/"
fi
rm -rf "$out"
mkdir -p "$out"
if [[ -n "$kept" ]]; then
  mv "$kept/journal" "$out/"
  rmdir "$kept"
fi
out=$(cd "$out" && pwd)
umask 077
cd "$out"

declare -A ORG=([cnss]="CNSS" [rogue]="Rogue Authority" [dgct-twin]="DGCT")
for p in "${partners[@]}"; do ORG[$p]=${p^^}; done

newkey() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; chmod 600 "$1"; }

make_ca() { # name
  local name=$1 dir="$out/ca/$1"
  mkdir -p "$dir/newcerts"
  : > "$dir/index.txt"
  echo 1000 > "$dir/serial"
  echo 1000 > "$dir/crlnumber"
  cat > "$dir/openssl.cnf" <<CNF
[ ca ]
default_ca = ca_default
[ ca_default ]
dir = $dir
database = \$dir/index.txt
new_certs_dir = \$dir/newcerts
serial = \$dir/serial
crlnumber = \$dir/crlnumber
certificate = \$dir/ca.crt
private_key = \$dir/ca.key
default_md = sha256
default_days = 825
default_crl_days = 30
crl_extensions = crl_ext
policy = policy_any
unique_subject = no
preserve = yes
[ policy_any ]
countryName = optional
organizationName = optional
organizationalUnitName = optional
commonName = supplied
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = unused
[ crl_ext ]
authorityKeyIdentifier = keyid:always
[ ca_ext ]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ server_ext ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1, DNS:localhost
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ client_ext ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ noclient_ext ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF
  newkey "$dir/ca.key"
  openssl req -new -x509 -config "$dir/openssl.cnf" -key "$dir/ca.key" -days 3650 \
    -subj "/C=MA/O=${ORG[$name]}/CN=${ORG[$name]} Development Root CA" -extensions ca_ext \
    -out "$dir/ca.crt" 2>/dev/null
  cp "$dir/ca.crt" "$out/ca/$name.crt"
}

issue() { # ca name subject ext [startdate enddate]
  local ca=$1 file=$2 subj=$3 ext=$4 dir="$out/ca/$1"
  mkdir -p "$(dirname "$out/$file")"
  newkey "$out/$file.key"
  openssl req -new -config "$dir/openssl.cnf" -key "$out/$file.key" -subj "$subj" \
    -out "$out/$file.csr" 2>/dev/null
  local dates=()
  if [[ $# -ge 6 ]]; then dates=(-startdate "$5" -enddate "$6"); fi
  openssl ca -batch -notext -preserveDN -config "$dir/openssl.cnf" -extensions "$ext" \
    "${dates[@]}" -in "$out/$file.csr" -out "$out/$file.crt" 2>/dev/null
  rm -f "$out/$file.csr"
  chmod 644 "$out/$file.crt"
}

gencrl() { # ca
  local dir="$out/ca/$1"
  openssl ca -batch -config "$dir/openssl.cnf" -gencrl -out "$out/ca/$1.crl" 2>/dev/null
  chmod 644 "$out/ca/$1.crl"
}

for ca in cnss "${partners[@]}" rogue dgct-twin; do make_ca "$ca"; done

agency="/C=MA/O=CNSS/OU=Agences/CN=agency-casa-anfa"
issue cnss hub/server "/C=MA/O=CNSS/OU=Exchange Hub/CN=localhost" server_ext
issue cnss clients/agency "$agency" client_ext
issue cnss clients/admin "/C=MA/O=CNSS/OU=DSI/CN=hub-admin" client_ext
# A second administrator: the mapping workbench's four-eyes rule needs one to ask, another to approve.
issue cnss clients/admin2 "/C=MA/O=CNSS/OU=DSI/CN=hub-admin2" client_ext
issue cnss clients/feed-prestations "/C=MA/O=CNSS/OU=DSI/CN=feed-prestations" client_ext
issue cnss clients/feed-statistics "/C=MA/O=CNSS/OU=DSI/CN=feed-statistics" client_ext
issue cnss clients/insured-portal "/C=MA/O=CNSS/OU=DSI/CN=insured-portal" client_ext
issue cnss clients/unknown "/C=MA/O=CNSS/OU=Agences/CN=agency-not-registered" client_ext
issue cnss negative/expired "$agency" client_ext 20200101000000Z 20210101000000Z
issue cnss negative/revoked "$agency" client_ext
issue cnss negative/no-client-auth "$agency" noclient_ext
issue rogue negative/untrusted "$agency" client_ext
openssl ca -batch -config "$out/ca/cnss/openssl.cnf" -revoke "$out/negative/revoked.crt" \
  -crl_reason keyCompromise 2>/dev/null

for p in "${partners[@]}"; do
  org=${ORG[$p]}
  issue "$p" sim/$p "/C=MA/O=$org/OU=Simulator/CN=localhost" server_ext
  issue "$p" hub/client-$p "/C=MA/O=CNSS/OU=Exchange Hub/CN=cnss-hub" client_ext
  issue "$p" clients/$p "/C=MA/O=$org/CN=$p-cnss-exchange" client_ext
done

# A partner's CA minting another principal's identity: valid certificates, from a trusted CA, with
# a subject that belongs to someone else. Only the principal's issuer refuses them.
issue dgi negative/dgct-by-dgi "/C=MA/O=DGCT/CN=dgct-cnss-exchange" client_ext
issue dgct negative/ompic-by-dgct "/C=MA/O=OMPIC/CN=ompic-cnss-exchange" client_ext
issue dgi negative/admin-by-dgi "/C=MA/O=CNSS/OU=DSI/CN=hub-admin" client_ext
issue dgct-twin negative/dgct-by-twin "/C=MA/O=DGCT/CN=dgct-cnss-exchange" client_ext

for ca in cnss "${partners[@]}" rogue dgct-twin; do gencrl "$ca"; done
# Bundles the hub's partner listener trusts: every partner CA, and their CRLs.
: > ca/partners.crt
: > ca/partners.crl
for p in "${partners[@]}"; do
  cat "ca/$p.crt" >> ca/partners.crt
  cat "ca/$p.crl" >> ca/partners.crl
done
journal_key "$out"
chmod 644 ca/*.crt ca/*.crl
chmod 755 "$out" "$out"/* 2>/dev/null || true
echo "$version ${partners[*]}" > "$out/.complete"
echo "development PKI ready in $out"
