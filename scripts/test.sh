#!/usr/bin/env bash
# Sets up, checks function sizes (clang-tidy), starts a throwaway PostgreSQL cluster for the store
# tests, runs every test (and lints the OpenAPI descriptions), and stops the cluster.
# Usage: scripts/test.sh [extra ctest arguments...]
# Environment: CNSS_TEST_PG_PORT (the throwaway cluster's port, 55432), CNSS_FUZZ_SECONDS (each
# fuzz target's time, 20; 0 skips the fuzzing), CNSS_TIDY (0 skips the function-size check, which
# CI runs: about 3.7 min of CPU).
set -euo pipefail
case ${1:-} in -h | --help) sed -n '2,/^set -/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;; esac
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

t0=$(date +%s)
# The browser tests (ctest e2e.*) need Debian's Chromium: installed here, and required.
export CNSS_SETUP_BROWSER=1 CNSS_E2E_REQUIRED=1
scripts/setup.sh build
t_build=$(( $(date +%s) - t0 ))

# Functions a reader can hold (.clang-tidy's readability-function-size) in the hub, the adapters
# and the simulators: that check alone, since the others in .clang-tidy are not yet met by the
# tree (and clang-analyzer would cost about 25 s of CPU a file). About 1.5 s of CPU a file.
t0=$(date +%s)
# (run-clang-tidy 14 has no -warnings-as-errors, and -config would replace .clang-tidy's threshold:
# a warning of that check in the log fails the run.)
if [[ ${CNSS_TIDY:-1} == 0 ]]; then
  echo "test: CNSS_TIDY=0, function sizes not checked"
elif ! run-clang-tidy -p build -quiet -j "$(nproc)" -checks='-*,readability-function-size' \
  "^$root/(hub|adapters|sim)/" > build/tidy.log 2>&1 ||
  grep -q 'readability-function-size\]' build/tidy.log; then
  grep -E -A3 'readability-function-size\]|error:' build/tidy.log >&2 || tail -n 20 build/tidy.log >&2
  echo "test: a function is over .clang-tidy's size (split it, or say why with NOLINTNEXTLINE)" >&2
  exit 1
fi
echo "timing: clang-tidy (function size) $(( $(date +%s) - t0 ))s"

# A throwaway PostgreSQL cluster on a private port and socket folder.
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
pgdir=$(mktemp -d /tmp/cnss-pg-XXXXXX)
pgport=${CNSS_TEST_PG_PORT:-55432}
as_pg=()
if [[ $(id -u) -eq 0 ]]; then
  chown postgres:postgres "$pgdir"
  as_pg=(runuser -u postgres --)
fi
stop_pg() {
  "${as_pg[@]}" "$pgbin/pg_ctl" -D "$pgdir/data" -m immediate stop > /dev/null 2>&1 || true
  rm -rf "$pgdir"
}
trap stop_pg EXIT
"${as_pg[@]}" "$pgbin/initdb" -D "$pgdir/data" -U cnss --auth=trust > /dev/null
"${as_pg[@]}" "$pgbin/pg_ctl" -D "$pgdir/data" -l "$pgdir/log" -w \
  -o "-p $pgport -k $pgdir -c listen_addresses=127.0.0.1 -c fsync=off" start > /dev/null
"${as_pg[@]}" "$pgbin/createdb" -h "$pgdir" -p "$pgport" -U cnss cnss_test
export CNSS_TEST_PG_URL="host=$pgdir port=$pgport user=cnss dbname=cnss_test"

t0=$(date +%s)
ctest --test-dir build --output-on-failure -j "$(nproc)" "$@" | tee build/ctest.log
# No test here skips by design, so a skip is a hidden failure: ctest reports a test as skipped
# when its output says SKIPPED, which is also what googletest prints for every test of a suite
# whose SetUpTestSuite failed.
if grep -E '^[[:space:]]*[0-9]+ - .* \(Skipped\)$' build/ctest.log; then
  echo "test: the tests above were skipped (a failed SetUpTestSuite?): run them alone" >&2
  exit 1
fi
echo "timing: set-up and build ${t_build}s, tests $(( $(date +%s) - t0 ))s"

# Every OpenAPI description, with a real validator (@redocly/cli, docs/redocly.yaml's rules).
t0=$(date +%s%N)
(cd docs && npm run --silent lint:openapi)
echo "timing: OpenAPI lint $(( ($(date +%s%N) - t0) / 1000000 ))ms"

# Fuzz the mapping engine for a bounded time: libFuzzer with ASan and UBSan, built with clang
# from Debian (CNSS_FUZZ_SECONDS=0 skips it). A finding fails the run and leaves its input in
# build-fuzz/findings/.
fuzz_seconds=${CNSS_FUZZ_SECONDS:-20}
if [[ $fuzz_seconds -gt 0 ]]; then
  if [[ ! -f build-fuzz/build.ninja ]]; then
    cmake -S . -B build-fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCNSS_FUZZ=ON \
      -DCNSS_BENCH=OFF -DCNSS_WEB=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null
  fi
  cmake --build build-fuzz --target fuzz_xml_mapping fuzz_json_mapping fuzz_mapping_compiler \
    fuzz_text_json
  mkdir -p build-fuzz/findings
  run_fuzzer() { # target corpus-name seed-dirs...
    local target=$1 corpus=build-fuzz/corpus/$2
    shift 2
    mkdir -p "$corpus"
    echo "fuzz: $target for ${fuzz_seconds}s"
    build-fuzz/fuzz/"$target" -max_total_time="$fuzz_seconds" -max_len=8192 -print_final_stats=1 \
      -artifact_prefix=build-fuzz/findings/"$target"- "$corpus" "$@" 2>&1 | tail -n 3
    return "${PIPESTATUS[0]}"
  }
  run_fuzzer fuzz_xml_mapping xml mappings/dgsn/cases mappings/ompic/cases
  run_fuzzer fuzz_json_mapping json mappings/dgct/cases mappings/dgi/cases mappings/anrc/cases
  run_fuzzer fuzz_text_json text-json mappings/dgct/cases mappings/dgi/cases mappings/anrc/cases
  mkdir -p build-fuzz/corpus/yaml-seed
  cp mappings/*/*.yaml build-fuzz/corpus/yaml-seed/ 2>/dev/null || true
  run_fuzzer fuzz_mapping_compiler yaml build-fuzz/corpus/yaml-seed
  echo "fuzz: no finding"
fi
