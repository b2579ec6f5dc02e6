#!/usr/bin/env python3
"""Markdown tables from the dumps of measure-init.sh: one row per process and
reading, then where each process's memory is (Rss/Private per object, kB).
usage: summarize.py RESULTS_DIR"""
import collections
import glob
import os
import re
import sys


def parse(path):
    text = open(path).read()
    status = {k: int(v) for k, v in re.findall(r"^(VmRSS|RssAnon|RssFile):\s+(\d+) kB", text, re.M)}
    rollup = text.split("--- smaps_rollup")[1].split("--- smaps:")[0]
    roll = {k: int(v) for k, v in re.findall(r"^(\w+):\s+(\d+) kB", rollup, re.M)}
    per = collections.OrderedDict()
    for line in text.split("--- smaps:")[1].splitlines()[1:]:
        if " | " not in line:
            continue
        left, right = line.split(" | ")
        name = os.path.basename(left.split(" ", 2)[2])
        rss, _pss, priv = map(int, right.split())
        acc = per.setdefault(name, [0, 0])
        acc[0] += rss
        acc[1] += priv
    return status, roll, per


def main():
    d = sys.argv[1]
    files = sorted(glob.glob(os.path.join(d, "*-t*.txt")),
                   key=lambda f: (not os.path.basename(f).startswith("sleep"), f))
    print("| process | read at | VmRSS | smaps Rss | Pss | Private | of which dirty |")
    print("|---|---|--:|--:|--:|--:|--:|")
    for f in files:
        label, t = re.match(r"(.*)-t(\d+)\.txt$", os.path.basename(f)).groups()
        st, ro, _ = parse(f)
        priv = ro["Private_Clean"] + ro["Private_Dirty"]
        print(f"| {label} | {t} s | {st['VmRSS']} | {ro['Rss']} | {ro['Pss']} | {priv} | {ro['Private_Dirty']} |")
    print()
    for f in files:
        _, _, per = parse(f)
        parts = "; ".join(f"{k} {v[0]}/{v[1]}" for k, v in per.items() if v[0])
        print(f"- {os.path.basename(f)[:-4]} (Rss/Private kB): {parts}")


main()
