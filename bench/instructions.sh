#!/usr/bin/env bash
# CPU instructions per GetSessionStatus, counted by callgrind: a figure that holds on a busy
# machine, where requests/s move by 2× from one minute to the next.
#
#   bench/instructions.sh BIN [BIN...]
#
# For each binary: two runs under `valgrind --tool=callgrind` (--threads 1, SESSIONS idle
# sessions from bench/make_fixture.py), one sending FEW and one sending MANY GetSessionStatus
# requests on one keep-alive connection (bench/gss_client.py: boto3's bytes, random ids from a
# fixed seed). The instructions per request are (Ir(MANY) − Ir(FEW)) / (MANY − FEW): start-up,
# fixture loading and shutdown cancel out. Prints one line per binary and, with two or more,
# each one's ratio to the first. With TOP=N (default 0) it also prints the N functions with
# the most inclusive instructions in the MANY run (callgrind_annotate --inclusive=yes).
#
# Environment: SESSIONS (1000), FEW (2000), MANY (12000), TOP (0), KEEP_RESULTS=DIR (keep the
# callgrind files there, for callgrind_annotate), and bench/common.sh's.
# Needs valgrind (installed by apt-get as root when missing). About 1 minute per binary.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

[ $# -ge 1 ] || die "usage: bench/instructions.sh BIN [BIN...]"
SESSIONS="${SESSIONS:-1000}"
FEW="${FEW:-2000}"
MANY="${MANY:-12000}"
TOP="${TOP:-0}"
need_tools valgrind python3
FIX="$(fixture "$SESSIONS")"

run_one() {   # run_one BIN COUNT NAME: echoes the total Ir
    local bin="$1" count="$2" name="$3" out="$WORK/$3.callgrind" ready="$WORK/$3.ready" pid port
    rm -f "$ready"
    valgrind --tool=callgrind --callgrind-out-file="$out" --dump-instr=no --dump-line=no \
        "$bin" --port 0 --ready-file "$ready" --log-level warn --threads 1 --fixtures "$FIX" \
        >"$WORK/$name.log" 2>&1 &
    pid=$!
    PIDS+=("$pid")
    while [ ! -s "$ready" ]; do
        kill -0 "$pid" 2>/dev/null || { cat "$WORK/$name.log" >&2; die "$name: exited before it was ready"; }
        sleep 0.05
    done
    port="$(sed -n 's/.*"port":\([0-9]*\).*/\1/p' "$ready")"
    python3 "$BENCH_DIR/gss_client.py" "$port" "$count" "$SESSIONS"
    stop_pid "$pid"
    [ -z "${KEEP_RESULTS:-}" ] || { mkdir -p "$KEEP_RESULTS" && cp "$out" "$KEEP_RESULTS/"; }
    sed -n 's/^totals: *\([0-9]*\).*/\1/p' "$out" | head -1
}

first=""
i=0
for bin in "$@"; do
    BIN="$bin"; check_bin
    i=$((i + 1))
    tag="$i-$(basename "$bin")"
    few=$(run_one "$bin" "$FEW" "$tag-few")
    many=$(run_one "$bin" "$MANY" "$tag-many")
    [ -n "$few" ] && [ -n "$many" ] || die "$bin: no callgrind totals (see above)"
    per=$(( (many - few) / (MANY - FEW) ))
    [ -n "$first" ] || first=$per
    printf '%-60s %8d instructions per GetSessionStatus, %s of the first\n' "$bin" "$per" \
        "$(awk "BEGIN{printf \"%.3f\", $per/$first}")"
    if [ "$TOP" -gt 0 ]; then
        callgrind_annotate --inclusive=yes "$WORK/$tag-many.callgrind" 2>/dev/null \
            | sed -n '/^Ir/,$p' | sed -n "2,$((TOP + 2))p" | cut -c1-160
    fi
done
