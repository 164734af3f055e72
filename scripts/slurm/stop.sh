#!/usr/bin/env bash
# Stops the daemons that scripts/slurm/start.sh DIR started, by their PIDs only (never by name: other Slurms and
# munges on the machine are left alone). With --check, only says (exit status) whether all three still run.
set -uo pipefail
check=0; [ "${1:-}" = --check ] && { check=1; shift; }
dir=$(realpath -m "${1:?usage: stop.sh [--check] DIR}")
pids=()
for f in run/slurmd.launch.pid run/slurmctld.launch.pid munge/munged.pid; do
  [ -s "$dir/$f" ] && pids+=("$(cat "$dir/$f")")
done
if [ $check = 1 ]; then
  [ ${#pids[@]} = 3 ] || exit 1
  for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null || exit 1; done
  exit 0
fi
for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
for _ in $(seq 1 50); do
  alive=0; for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
  [ $alive = 0 ] && break; sleep 0.2
done
for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
rm -f "$dir"/run/*.pid "$dir/munge/munged.pid"
exit 0
