#!/usr/bin/env bash
# Starts a private one-node Slurm cluster (munged, slurmctld, slurmd) on this machine, as root, without systemd:
# every file under DIR, its own ports, nothing in /etc. Prints the file to source for the clients (DIR/env:
# SLURM_CONF and INVARISCOPE_SLURM). Stop it with scripts/slurm/stop.sh DIR, which kills these daemons by PID only.
# Usage: start.sh DIR [CPUS]   (CPUS: what the node advertises; default nproc)
set -euo pipefail
dir=$(realpath -m "${1:?usage: start.sh DIR [CPUS]}")
here=$(dirname "$(realpath "$0")")
"$here/install.sh"
[ "$(id -u)" = 0 ] || { echo "slurm: start.sh must run as root (slurmd starts jobs as their users)" >&2; exit 1; }
if [ -f "$dir/env" ] && "$here/stop.sh" --check "$dir" 2>/dev/null; then echo "$dir/env"; exit 0; fi

mkdir -p "$dir"/{munge,state,spool,log,run}
chmod 0711 "$dir" # munged (user munge) must reach its folder inside
chown munge: "$dir/munge"; chmod 0711 "$dir/munge" # munged refuses a socket folder of 0700
host=$(hostname -s)
cpus=${2:-$(nproc)}
mem=$(awk '/MemTotal/ { printf "%d", $2 / 1024 * 0.9 }' /proc/meminfo) # above what slurmd detects drains the node
free_port() { # a TCP port nobody listens on, from a range away from the usual 6817/6818
  local p
  for p in $(shuf -i 20000-40000 -n 50); do
    ss -Hltn "sport = :$p" | grep -q . || { echo "$p"; return; }
  done
  echo "slurm: no free port" >&2; exit 1
}
ctld_port=$(free_port); slurmd_port=$(free_port)
[ "$ctld_port" != "$slurmd_port" ] || slurmd_port=$((ctld_port + 1))

[ -f "$dir/munge/munge.key" ] || runuser -u munge -- mungekey --create --keyfile="$dir/munge/munge.key"
cat > "$dir/slurm.conf" <<CONF
ClusterName=invariscope
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket,cred_expire=10
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0,sched_interval=2,bf_interval=2
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/filetxt
JobCompLoc=$dir/log/jobcomp.txt
MpiDefault=none
ReturnToService=2
SlurmdTimeout=30
MinJobAge=600
KillWait=10
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
SlurmdParameters=config_overrides
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
cat > "$dir/env" <<ENV
export SLURM_CONF=$dir/slurm.conf
export INVARISCOPE_SLURM=$dir
ENV
export SLURM_CONF="$dir/slurm.conf"

runuser -u munge -- munged --socket="$dir/munge/munge.socket" --key-file="$dir/munge/munge.key" \
  --pid-file="$dir/munge/munged.pid" --log-file="$dir/munge/munged.log" --seed-file="$dir/munge/munge.seed"
setsid slurmctld -D -f "$dir/slurm.conf" >"$dir/log/slurmctld.out" 2>&1 < /dev/null &
echo $! > "$dir/run/slurmctld.launch.pid"
setsid slurmd -D -f "$dir/slurm.conf" -N "$host" >"$dir/log/slurmd.out" 2>&1 < /dev/null &
echo $! > "$dir/run/slurmd.launch.pid"

for _ in $(seq 1 150); do # up to 30 s; usually under a second
  state=$(sinfo -h -o %T 2>/dev/null | head -n 1 || true)
  [ "$state" = idle ] && { echo "$dir/env"; exit 0; }
  sleep 0.2
done
echo "slurm: the node did not become idle in 30 s (state '${state:-none}'); see $dir/log" >&2
"$here/stop.sh" "$dir" || true
exit 1
