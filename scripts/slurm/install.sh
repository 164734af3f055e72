#!/usr/bin/env bash
# Installs Debian 12's Slurm (controller, node daemon, clients) and munge, without starting them:
# scripts/slurm/start.sh starts private daemons. Needs root and apt; does nothing when all are present.
set -euo pipefail
need=()
for b in slurmctld slurmd sbatch munged mungekey; do command -v "$b" >/dev/null || need+=("$b"); done
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "slurm: missing ${need[*]} and cannot install them (needs root and apt-get)" >&2; exit 1
fi
pkgs="slurmctld slurmd slurm-client munge"
apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=600 $pkgs >/dev/null 2>&1 ||
  { apt-get update -q -o DPkg::Lock::Timeout=600 >/dev/null 2>&1 &&
    apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=600 $pkgs >/dev/null; }
