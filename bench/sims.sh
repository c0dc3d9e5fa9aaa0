# The partner simulators for a benchmark: conf/sim.yaml as shipped, without its rate limits (a
# throughput run would otherwise measure 429 answers). Sourced by bench/run-*.sh after
# `set -euo pipefail`, with root, bin, work and the pids array set:
#   sims_start   writes $work/sim.yaml, starts cnss-sim on it (log: $work/sim.log), adds it to
#                pids, sets sim_pid, and gives it half a second to listen.
sims_start() {
  grep -v 'rate_limit:' "$root/conf/sim.yaml" | sed "s#\.\./#$root/#g" > "$work/sim.yaml"
  "$bin/cnss-sim" serve --config "$work/sim.yaml" 2> "$work/sim.log" &
  sim_pid=$!
  pids+=("$sim_pid")
  sleep 0.5
}
