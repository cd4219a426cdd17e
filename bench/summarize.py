#!/usr/bin/env python3
"""Medians of the wrk runs recorded by bench/*.sh, as a Markdown table.

    bench/summarize.py RESULTS.tsv BASELINE_TARGET

RESULTS.tsv lines: group, target, connections, run, rps, p50_us, p99_us, non2xx, socket errors.
For every (group, connections) the table shows each target's median requests/s, median p50 and
p99, its errors summed over the runs, and the ratio to BASELINE_TARGET: the median over runs of
(target rps / baseline rps of the same run number), i.e. of side-by-side pairs.
"""
import collections
import statistics
import sys


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    path, baseline = sys.argv[1], sys.argv[2]
    rows = collections.OrderedDict()
    for line in open(path, encoding="utf-8"):
        f = line.rstrip("\n").split("\t")
        if len(f) != 9:
            continue
        group, target, conns, run = f[0], f[1], int(f[2]), int(f[3])
        rps, p50, p99, non2xx, sock = float(f[4]), int(f[5]), int(f[6]), int(f[7]), int(f[8])
        rows.setdefault((group, conns), collections.OrderedDict()).setdefault(target, {})[run] = (
            rps, p50, p99, non2xx, sock)

    print("| load | conns | server | runs | req/s (median) | p50 ms | p99 ms | non-2xx | socket errors | vs %s |" % baseline)
    print("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    for (group, conns), targets in rows.items():
        base = targets.get(baseline, {})
        for target, runs in targets.items():
            rps = statistics.median(r[0] for r in runs.values())
            p50 = statistics.median(r[1] for r in runs.values()) / 1000
            p99 = statistics.median(r[2] for r in runs.values()) / 1000
            non2xx = sum(r[3] for r in runs.values())
            sock = sum(r[4] for r in runs.values())
            pairs = [runs[k][0] / base[k][0] for k in runs if k in base and base[k][0] > 0]
            ratio = "%.2f" % statistics.median(pairs) if pairs and target != baseline else "1" if target == baseline else "-"
            print("| %s | %d | %s | %d | %.0f | %.2f | %.2f | %d | %d | %s |" % (
                group, conns, target, len(runs), rps, p50, p99, non2xx, sock, ratio))
    return 0


if __name__ == "__main__":
    sys.exit(main())
