#!/usr/bin/env python3
"""How a study's and the demo's time grow with probe images N, inversion steps, layers, epochs and training seeds.

Runs small configurations, varying one factor at a time at three sizes around a base (the base is the middle size of
every factor, so it runs once), and prints a Markdown table of wall time by stage, as `invariscope study` and
`invariscope demo` print it ("time by stage"). The README's scaling table comes from this script:

  scripts/scaling.py --cli "dotnet src/Invariscope.Cli/bin/Release/net10.0/invariscope.dll" --out /tmp/scaling

Standard library only. Each run gets a fresh folder under --out, so nothing is resumed.
"""
import argparse
import copy
import json
import os
import re
import shlex
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
BASE_STUDY = os.path.join(HERE, "..", "configs", "study-tiny.json")

# (factor, three sizes with the base in the middle, how to apply one to the study config)
STUDY_FACTORS = [
    ("probe images N", [8, 16, 32], lambda c, v: c["analysis"].update(samples=v)),
    ("inversion steps", [4, 8, 16], lambda c, v: c["analysis"].update(steps=v)),
    ("layers", ["last:2", "last:4", "all"], lambda c, v: c["analysis"].update(layers=v)),
    ("epochs", [1, 2, 4], lambda c, v: c["train"].update(epochs=v)),
    ("training seeds", [1, 2, 3], lambda c, v: [s.update(seeds=list(range(v))) for s in c["settings"]]),
]

# The demo at small sizes: its own flags (it analyses every layer, so layers are the study's row only).
DEMO_BASE = ["--images", "200", "--pretrain-images", "400", "--pretrain-epochs", "1", "--test-images", "100",
             "--corruption-limit", "20", "--corruptions", "gaussian_noise,fog", "--intervals", "false"]
DEMO_FACTORS = [
    ("probe images N", "--samples", [16, 32, 64]),
    ("inversion steps", "--steps", [10, 20, 40]),
    ("epochs", "--finetune-epochs", [1, 2, 4]),
    ("training seeds", "--training-seeds", [1, 2, 3]),
]
DEMO_MIDDLE = {flag: sizes[1] for _, flag, sizes in DEMO_FACTORS}

STAGE_LINE = re.compile(r"time by stage[^:]*: (.*)")


def run(cli, args, folder, log):
    """Runs one command; returns (wall seconds, {stage: seconds})."""
    start = time.monotonic()
    with open(log, "w") as out:
        code = subprocess.call(shlex.split(cli) + args, stdout=out, stderr=subprocess.STDOUT)
    wall = time.monotonic() - start
    text = open(log).read()
    if code != 0:
        sys.exit(f"scaling: {' '.join(args)} failed ({code}); see {log}")
    stages = {}
    for line in text.splitlines():
        m = STAGE_LINE.search(line)
        if m:
            for part in m.group(1).split(", "):
                name, seconds = part.rsplit(" ", 2)[0], part.rsplit(" ", 2)[1]
                stages[name] = float(seconds)
    return wall, stages


def table(title, rows):
    stages = []
    for _, _, _, s in rows:
        stages += [k for k in s if k not in stages]
    print(f"\n{title}\n")
    print("| factor | size | total s | " + " | ".join(stages) + " |")
    print("|---|---|---|" + "---|" * len(stages))
    for factor, size, wall, s in rows:
        print(f"| {factor} | {size} | {wall:.0f} | " + " | ".join(f"{s.get(k, 0):.0f}" for k in stages) + " |")
    sys.stdout.flush()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cli", default="invariscope", help="how to run invariscope (a command line)")
    ap.add_argument("--out", required=True, help="a folder for the runs")
    ap.add_argument("--what", choices=["study", "demo", "both"], default="both")
    ap.add_argument("--base", default=BASE_STUDY, help="the study config to vary (default configs/study-tiny.json)")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)

    if args.what in ("study", "both"):
        base = json.load(open(args.base))
        for _, sizes, apply in STUDY_FACTORS:
            apply(base, sizes[1])
        cache, rows = {}, []
        for factor, sizes, apply in STUDY_FACTORS:
            for size in sizes:
                config = copy.deepcopy(base)
                apply(config, size)
                key = json.dumps(config, sort_keys=True)
                if key not in cache:
                    name = f"study-{len(cache)}"
                    path = os.path.join(args.out, name + ".json")
                    json.dump(config, open(path, "w"), indent=2)
                    cache[key] = run(args.cli, ["study", path, "--out", os.path.join(args.out, name)], name,
                                     os.path.join(args.out, name + ".log"))
                rows.append((factor, size, *cache[key]))
        table(f"study ({os.path.basename(args.base)}, middle sizes as base)", rows)

    if args.what in ("demo", "both"):
        cache, rows = {}, []
        for factor, flag, sizes in DEMO_FACTORS:
            for size in sizes:
                flags = dict(DEMO_MIDDLE, **{flag: size})
                key = json.dumps(flags, sort_keys=True)
                if key not in cache:
                    name = f"demo-{len(cache)}"
                    extra = [a for f, v in flags.items() for a in (f, str(v))]
                    cache[key] = run(args.cli, ["demo", "--out", os.path.join(args.out, name)] + DEMO_BASE + extra, name,
                                     os.path.join(args.out, name + ".log"))
                rows.append((factor, size, *cache[key]))
        table("demo (" + " ".join(DEMO_BASE) + ", middle sizes as base)", rows)


if __name__ == "__main__":
    main()
