#!/usr/bin/python3
"""Compares two study (or run) folders file by file, as one checks that a refactor left results unchanged.

Usage: /usr/bin/python3 scripts/compare-studies.py OLD NEW

Text files are compared after masking what legitimately differs between two runs of the same study: the
folder's own path, wall-clock fields ("seconds", "img_per_s", and those columns of metrics.csv) and the
software version in sidecars; TensorBoard event files are compared by their steps, tags and values, without
wall times and img_per_s. Prints, per kind of file (checkpoints, robustness, analysis, ...), how many are
byte-identical, identical after masking, or different, and lists files present on one side only.
Standard library only (Debian's /usr/bin/python3 has no numpy).
"""
import os
import re
import struct
import sys


def files(root):
    return {os.path.relpath(os.path.join(d, f), root) for d, _, fs in os.walk(root) for f in fs}


def untimed_events(data):
    """A TensorBoard event file's records, each as its bytes with the wall time (field 1, a double) dropped;
    img_per_s values masked. Our writer puts the wall time first, so it is the 9 bytes after the key 0x09."""
    out, at = [], 0
    while at < len(data):
        (n,) = struct.unpack_from("<Q", data, at)
        record = data[at + 12:at + 12 + n]
        if record[:1] == b"\x09":
            record = record[9:]
        out.append(re.sub(rb"img_per_s\x15....", b"img_per_s T", record, flags=re.S))
        at += 12 + n + 4
    return out


def masked(data, root, name):
    if "tfevents" in name:
        return untimed_events(data)
    text = data.decode().replace(root, "ROOT")
    text = re.sub(r'"(seconds|img_per_s)": ?[^,\n}]+', r'"\1": T', text)
    text = re.sub(r'"invariscope": ?"[^"]*"', '"invariscope": V', text)
    if name.endswith("metrics.csv"):
        text = re.sub(r",[^,\n]+,[^,\n]+\n", ",T,T\n", text)
    return text


def kind(path):
    parts = path.split(os.sep)
    for k in ("analysis", "robustness", "checkpoints", "inversions", "report"):
        if k in parts:
            return k
    return parts[-1]


def main(old, new):
    old, new = os.path.abspath(old), os.path.abspath(new)
    a, b = files(old), files(new)
    for side, only in (("only in " + old, a - b), ("only in " + new, b - a)):
        if only:
            print(f"{side}: {len(only)}: " + ", ".join(sorted(only)[:8]) + (" ..." if len(only) > 8 else ""))
    table = {}
    for f in sorted(a & b):
        x = open(os.path.join(old, f), "rb").read()
        y = open(os.path.join(new, f), "rb").read()
        if x == y:
            state = "identical"
        else:
            try:
                state = "same after masking" if masked(x, old, f) == masked(y, new, f) else "different"
            except UnicodeDecodeError:
                state = "different (binary)"
        table.setdefault(kind(f), {}).setdefault(state, []).append(f)
    for k in sorted(table):
        print(f"{k}: " + "; ".join(f"{s} {len(v)}" for s, v in sorted(table[k].items())))
        for s, v in sorted(table[k].items()):
            if s.startswith("different"):
                print(f"    e.g. {', '.join(v[:3])}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
