#!/usr/bin/python3
"""The cost of running a study through Slurm, measured against the local executor in the same run, on the same machine.

Runs CONFIG (default configs/study-tiny.json) three ways, one after the other:
  1. locally, one process, one thread (the tasks' thread count);
  2. locally, one process, the default threads;
  3. through Slurm (the cluster of $SLURM_CONF), one CPU per task, every cell its own process;
then prints the wall times and their ratios, and per cell, from the task logs:
  - queue latency: task start - the moment it could start (its last dependency finished, or the submission);
  - process overhead: task start to cell finished, minus the cell's own time (start-up, libtorch, loading).
Needs a Slurm (scripts/slurm/start.sh DIR; then . DIR/env) and the Release CLI (dotnet build -c Release).
Usage: /usr/bin/python3 scripts/slurm/overhead.py [CONFIG] [WORKDIR]
"""
import datetime, json, os, re, shutil, statistics, subprocess, sys, tempfile, time

repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
config = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(repo, "configs", "study-tiny.json"))
work = os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 else tempfile.mkdtemp(prefix="invariscope-overhead-")
cli = ["dotnet", os.path.join(repo, "src", "Invariscope.Cli", "bin", "Release", "net10.0", "invariscope.dll")]
if not os.path.exists(cli[1]):
    sys.exit(f"overhead: {cli[1]} is missing: dotnet build -c Release {os.path.join(repo, 'src', 'Invariscope.Cli')}")
if not os.environ.get("SLURM_CONF"):
    sys.exit("overhead: SLURM_CONF is not set: scripts/slurm/start.sh DIR, then . DIR/env")


def run(args, env=None, check=True):
    p = subprocess.run(args, env={**os.environ, **(env or {})}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if check and p.returncode != 0:
        sys.exit(f"overhead: {' '.join(args)} failed:\n{p.stdout[-2000:]}")
    return p.stdout


def timed(args, env=None):
    t = time.monotonic()
    out = run(args, env)
    timed.stages = re.search(r"time by stage[^:]*: (.*)", out).group(1)
    return time.monotonic() - t


one = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
plan = json.loads(run(cli + ["study", config, "--plan"]))
print(f"config {config}: {len(plan['cells'])} cells {plan['counts']}")
local1 = timed(cli + ["study", config, "--out", os.path.join(work, "local-1"), "--device", "cpu"], one)
local1_stages = timed.stages
local = timed(cli + ["study", config, "--out", os.path.join(work, "local"), "--device", "cpu"])

root = os.path.join(work, "slurm")
submitted = datetime.datetime.now(datetime.timezone.utc)
t0 = time.monotonic()
run(cli + ["study", config, "--executor", "slurm", "--out", root, "--device", "cpu"])
while True:
    states = json.loads(run(cli + ["study", "status", root, "--json"]))
    if all(s["state"] not in ("running", "pending") for s in states):
        break
    time.sleep(0.2)
wall = time.monotonic() - t0  # includes polling granularity (0.2 s) and the status calls
if any(s["state"] != "done" for s in states):
    sys.exit("overhead: some cells did not finish: " + ", ".join(f"{s['id']} {s['state']}" for s in states if s["state"] != "done"))


def stamp(text):
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)


jobs = json.load(open(os.path.join(root, "slurm", "jobs.json")))
start, end, own = {}, {}, {}
for array in jobs["submissions"][0]["arrays"]:
    for i, cell in enumerate(array["cells"]):
        log = open(os.path.join(root, "logs", f"{array['job']}_{i}.out")).read()
        start[cell] = stamp(re.search(r"^\[(\S+)\] " + re.escape(cell) + ": job", log, re.M).group(1))
        m = re.search(r"^\[(\S+)\] " + re.escape(cell) + r": finished in ([0-9.]+) s", log, re.M)
        end[cell], own[cell] = stamp(m.group(1)), float(m.group(2))
deps = {c["id"]: c["depends_on"] for c in plan["cells"]}


def last_end_before(t):
    # the latest moment before `t` at which a task finished (and so freed its CPU): a task that starts after
    # waiting in the queue behind others is charged only for the gap after the CPU it got came free
    ends = [e for e in end.values() if e <= t]
    return max(ends) if ends else submitted


array_of = {cell: array["cells"] for array in jobs["submissions"][0]["arrays"] for cell in array["cells"]}
latency, waits = [], []
for c in start:
    # a task may start once every cell its array waits for is done (afterok on whole arrays), which can be later
    # than its own dependencies: that part is the price of arrays, the rest is Slurm's
    own_ready = max([end[d] for d in deps[c]], default=submitted)
    after = {d for m in array_of[c] for d in deps[m] if d not in array_of[c]}
    ready = max([end[d] for d in after], default=submitted)
    latency.append((start[c] - max(ready, last_end_before(start[c]))).total_seconds())
    waits.append((ready - own_ready).total_seconds())
overhead = [(end[c] - start[c]).total_seconds() - own[c] for c in start]
work_s = sum(own.values())


def summary(xs):
    xs = sorted(xs)
    return f"median {statistics.median(xs):.2f} s, p90 {xs[int(0.9 * (len(xs) - 1))]:.2f} s, max {xs[-1]:.2f} s"


print(f"local, 1 thread:        {local1:7.1f} s")
print(f"local, default threads: {local:7.1f} s")
print(f"slurm, {len(start)} tasks of 1 CPU: {wall:7.1f} s  (= {wall / local1:.2f}x local 1 thread, {wall / local:.2f}x local default)")
print(f"cells' own time, summed over tasks: {work_s:.1f} s (local 1 thread spends {local1:.1f} s on the same cells in one process)")
kinds = {}
for c in own:
    kinds.setdefault(c.split("/")[0], []).append(own[c])
print("cells' own time by kind in tasks: " + ", ".join(f"{k} {sum(v):.1f} s ({len(v)})" for k, v in kinds.items()))
print(f"local 1 thread by stage: {local1_stages}")
print(f"per cell, Slurm's latency (its array's dependencies done, and the last task before it finished -> task start): {summary(latency)}")
print(f"per cell, waiting for the rest of its array's dependencies after its own were done: {summary(waits)}")
print(f"per cell, process overhead (task start -> cell finished, minus the cell's own time): {summary(overhead)}")
# Slurm alone, without our program: a chain of trivial jobs, each afterok on the one before
chain, prev = [], None
for k in range(6):
    args = ["sbatch", "--parsable", "--output=/dev/null", "--wrap", "date -u +%s.%N > " + os.path.join(work, f"chain{k}")]
    if prev: args.insert(2, f"--dependency=afterok:{prev}")
    prev = run(args).strip().split(";")[0]
t_submit = time.time()
while not os.path.exists(os.path.join(work, "chain5")) or os.path.getsize(os.path.join(work, "chain5")) == 0:
    time.sleep(0.1)
marks = [float(open(os.path.join(work, f"chain{k}")).read()) for k in range(6)]
print(f"slurm alone: first trivial job ran {marks[0] - t_submit:+.2f} s after the last submission; "
      f"each afterok hop {statistics.median([b - a for a, b in zip(marks, marks[1:])]):.2f} s (median of 5)")
if len(sys.argv) <= 2:
    shutil.rmtree(work, ignore_errors=True)
