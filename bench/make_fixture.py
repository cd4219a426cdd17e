#!/usr/bin/env python3
"""Write an athena-emu fixture for the benchmarks.

    bench/make_fixture.py N [--idle] [-o FILE]

The document holds the Spark workgroup `bench` (PySpark engine version 3, the built-in
`instant` profile, so every duration is 0 and sessions started on it are IDLE at once, and a
configuration with an ExecutionRole) and N sessions `s-000001` ... `s-<N>` in it.

  --idle     each session is scripted IDLE from its start
             ("script": [{"after_ms": 0, "state": "IDLE"}]); without it a session follows
             the workgroup's `instant` lifecycle (CREATING -> CREATED -> IDLE, all at 0 ms),
             which is IDLE too but stores three steps instead of one.
  -o FILE    write there (atomically: FILE.tmp then rename); default: standard output.

Every session has idle_timeout_minutes 480, so none times out during a benchmark.
The JSON is written in a streaming way: a 1M-session document (about 110 MB) takes seconds.
"""
import argparse
import os
import sys

WORKGROUP = {
    "name": "bench",
    "engine_version": "PySpark engine version 3",
    "profile": "instant",
    "description": "athena-emu benchmark workgroup (bench/make_fixture.py)",
    "configuration": {
        "ExecutionRole": "arn:aws:iam::123456789012:role/athena-emu-bench",
        "ResultConfiguration": {"OutputLocation": "s3://athena-emu-results/bench/"},
    },
}


def session_id(i: int) -> str:
    return "s-%06d" % i


def write(out, n: int, idle: bool) -> None:
    import json

    out.write('{\n  "workgroups": [%s],\n  "sessions": [' % json.dumps(WORKGROUP))
    script = ', "script": [{"after_ms": 0, "state": "IDLE"}]' if idle else ""
    chunk = []
    for i in range(1, n + 1):
        chunk.append('\n    {"id": "%s", "workgroup": "bench", "idle_timeout_minutes": 480%s}'
                     % (session_id(i), script))
        if len(chunk) == 10000:
            out.write(("," if i > 10000 else "") + ",".join(chunk))
            chunk = []
    if chunk:
        out.write(("," if n > len(chunk) else "") + ",".join(chunk))
    out.write("\n  ]\n}\n")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("n", type=int, help="number of sessions (0 or more)")
    ap.add_argument("--idle", action="store_true", help="script every session IDLE from its start")
    ap.add_argument("-o", "--output", help="output file (default: standard output)")
    a = ap.parse_args()
    if a.n < 0 or a.n > 9_999_999:
        ap.error("N must be between 0 and 9999999")
    if not a.output:
        write(sys.stdout, a.n, a.idle)
        return 0
    tmp = a.output + ".tmp.%d" % os.getpid()
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            write(f, a.n, a.idle)
        os.replace(tmp, a.output)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
