#!/usr/bin/env bash
# Installs exactly the Debian packages the hub needs (when missing), then configures and builds
# (the hub, the simulators, the tests, and the pages: npm ci + Vite, into BUILD_DIR/web).
# Idempotent: a second run installs nothing and rebuilds only what changed.
# Usage: scripts/setup.sh [BUILD_DIR] [extra cmake arguments...]
# CNSS_SETUP_BROWSER=1 (scripts/test.sh) also installs Debian's Chromium for the browser tests.
set -euo pipefail
case ${1:-} in -h | --help) sed -n '2,/^set -/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;; esac
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libboost1.81-dev libboost-url1.81-dev
  libssl-dev openssl
  libpugixml-dev rapidjson-dev libyaml-cpp-dev libre2-dev
  libicu-dev zlib1g-dev libdtl-dev
  libsqlite3-dev libpq-dev postgresql
  prometheus-cpp-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-14-dev
  curl util-linux
  haproxy
)
# The pages are built with Node.js (>= 20.19, for Vite 7) and npm: the machine's own when it has
# them, else Debian's.
command -v node > /dev/null || packages+=(nodejs)
command -v npm > /dev/null || packages+=(npm)
# The browser tests drive Debian's Chromium; no browser is ever downloaded.
[[ ${CNSS_SETUP_BROWSER:-0} == 1 ]] && packages+=(chromium)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "setup: installing ${missing[*]}"
  sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" > /dev/null
fi

node_version=$(node --version | sed 's/^v//')
if ! printf '20.19.0\n%s\n' "$node_version" | sort -V -C; then
  echo "setup: Node.js $node_version is too old for the pages (Vite 7 needs 20.19 or later)" >&2
  exit 1
fi

# The OpenAPI linter (docs/package.json, pinned by docs/package-lock.json); installed again only
# when the lock file changes. scripts/test.sh runs it.
if ! cmp -s docs/package-lock.json docs/node_modules/.installed-lock.json; then
  echo "setup: installing docs/package-lock.json (npm ci)"
  (cd docs && npm ci --no-audit --no-fund --loglevel=error > /dev/null)
  cp docs/package-lock.json docs/node_modules/.installed-lock.json
fi

build=${1:-build}
shift || true
if [[ ! -f "$build/build.ninja" ]]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" > /dev/null
fi
cmake --build "$build" -j "$(nproc)"
