#!/usr/bin/env bash
# Instructions per payload for issue 4's benchmark, with valgrind's callgrind (deterministic,
# unlike CPU time on a shared machine): parse only, parse + map and the visit-and-write floor,
# each benchmark function collected on its own and divided by its calls; then the ratios.
# Usage: bench/mapping-instructions.sh [dgsn|ompic|dgct ...]   (needs the build: scripts/setup.sh)
set -euo pipefail
case ${1:-} in -h | --help) sed -n '2,/^set -/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;; esac
cd "$(dirname "$0")/.."
bin=build/bin/bench_mapping_parse_vs_map
[[ -x $bin ]] || { echo "no $bin: run scripts/setup.sh first" >&2; exit 1; }
command -v valgrind >/dev/null || { echo "valgrind is not installed" >&2; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
payloads=("$@")
[[ ${#payloads[@]} -gt 0 ]] || payloads=(dgsn ompic dgct)
for payload in "${payloads[@]}"; do
  declare -A per=()
  for kind in parse_only parse_and_map floor; do
    f=$out/$kind.$payload
    valgrind --tool=callgrind --callgrind-out-file="$f" \
      --toggle-collect="*${kind}(benchmark::State&*" \
      "$bin" --benchmark_filter="^$kind/$payload" --benchmark_min_time=0.1 >/dev/null 2>&1
    total=$(callgrind_annotate "$f" | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}')
    calls=$(callgrind_annotate --inclusive=yes --tree=calling "$f" |
      grep -E ">   .*hub::mapping::(parse_xml|parse_json|Snapshot::map)" | head -n 1 |
      sed -E 's/.*\(([0-9,]+)x\).*/\1/' | tr -d ,)
    per[$kind]=$((total / calls))
  done
  python3 -c "p, m, f = ${per[parse_only]}, ${per[parse_and_map]}, ${per[floor]}
print(f'$payload: parse {p:,}  parse+map {m:,}  floor {f:,}   ratio {p/m:.3f}  floor ratio {p/f:.3f}')"
done
