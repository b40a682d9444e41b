#!/usr/bin/env python3
"""Prints each benchmark beside its limit from the JMH result files bench/run.sh wrote (ratios and MB/s)."""
import pathlib
import re
import sys

rows = {}
for f in sorted(pathlib.Path(sys.argv[1]).glob("*.txt")):
    jdk = f.name.split("-")[1]
    for line in f.read_text().splitlines():
        m = re.match(r"(\S+Benchmark)\.(\w+)\s+(?:(\d+)\s+)?thrpt\s+\d+\s+([\d.,]+)(?:\s+±\s+([\d.,]+))?\s+ops/s", line)
        if m:
            cls, method, size, score, err = m.groups()
            threads = re.search(r"-t(\d)", f.name)
            key = (jdk, cls, size or "", threads.group(1) if threads else "1")
            rows.setdefault(key, {})[method] = (float(score.replace(",", "")), float((err or "0").replace(",", "")))

pairs = {"viaCryptoHsm": "directLimit", "envelopeSeal": "sunJceEncryptLimit", "envelopeOpen": "sunJceDecryptLimit"}
print(f"{'JDK':8} {'benchmark':30} {'size':>8} {'thr':>3} {'ours':>14} {'limit':>14} {'ratio':>7}")
for (jdk, cls, size, threads), methods in sorted(rows.items()):
    for ours, limit in pairs.items():
        if ours in methods and limit in methods:
            o, l = methods[ours][0], methods[limit][0]
            if size:
                mb = int(size) / 1e6
                fmt = lambda v: f"{v * mb:10.0f} MB/s"
            else:
                fmt = lambda v: f"{v:8.0f} ops/s"
            print(f"{jdk:8} {cls + '.' + ours:30} {size:>8} {threads:>3} {fmt(o):>14} {fmt(l):>14} {o / l:7.1%}")
