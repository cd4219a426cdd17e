#!/usr/bin/env bash
# GetSessionStatus and a mixed load: athena-emu beside nginx serving a fixed answer, in one run.
#
#   bench/run.sh                      # ~6 minutes with the defaults
#   RUNS=5 DURATION=10 bench/run.sh
#
# Builds nothing: uses build/athena-emu (build a Release first:
#   cmake -S . -B build -DCMAKE_BUILD_TYPE=Release && cmake --build build -j2)
# or ATHENA_EMU_BIN. Installs wrk and nginx-light with apt-get when missing. Everything listens
# on 127.0.0.1; every process started here is stopped on exit.
#
# What it does (wrk: 1 thread, DURATION s per run, RUNS runs per figure, medians reported):
#   1. GetSessionStatus (bench/get_session_status.lua, random ids over SESSIONS sessions) at
#      each of CONNS connections on three servers started side by side: the emulator with
#      --threads 1, the emulator with --threads 2, and the nginx anchor (1 worker). The three
#      take turns in every round (the order rotates), so the machine's noise hits them alike.
#   2. The mixed load (bench/mixed.lua) at each of MIXED_CONNS connections on a fresh emulator
#      (--threads 1) per run, alternating with an nginx GetSessionStatus run; the ratio is
#      mixed requests/s over nginx's GetSessionStatus requests/s of the same round.
#
# Environment: SESSIONS (1000), CONNS ("16 64"), MIXED_CONNS ("16 64"), RUNS (3),
# DURATION (10), MIXED (1; 0 skips step 2), and those of bench/common.sh.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

SESSIONS="${SESSIONS:-1000}"
CONNS="${CONNS:-16 64}"
MIXED_CONNS="${MIXED_CONNS:-16 64}"
MIXED="${MIXED:-1}"

check_bin
need_tools wrk nginx python3
FIX="$(fixture "$SESSIONS")"
TSV="$WORK/results.tsv"
: >"$TSV"
GSS="$BENCH_DIR/get_session_status.lua"

note "$(date -u '+%Y-%m-%d %H:%M:%S UTC'), $(nproc) CPUs, $RUNS runs x ${DURATION}s, $SESSIONS sessions"
start_nginx
start_emu emu-t1 --threads 1 --fixtures "$FIX"; PORT1=$EMU_PORT
start_emu emu-t2 --threads 2 --fixtures "$FIX"; PORT2=$EMU_PORT
declare -A URL=([emu-t1]="http://127.0.0.1:$PORT1/" [emu-t2]="http://127.0.0.1:$PORT2/"
                [nginx]="http://127.0.0.1:$NGINX_PORT/")

note "warm-up (2 s each, not recorded)"
for t in emu-t1 emu-t2 nginx; do
    wrk -t1 -c16 -d2s -s "$GSS" "${URL[$t]}" -- "$SESSIONS" >/dev/null 2>&1 || true
done

note "GetSessionStatus: emulator --threads 1, --threads 2 and nginx, in turn"
order=(emu-t1 emu-t2 nginx)
for conns in $CONNS; do
    for run in $(seq 1 "$RUNS"); do
        for k in 0 1 2; do
            t="${order[$(( (k + run - 1) % 3 ))]}"
            wrk_run "$TSV" GetSessionStatus "$t" "$conns" "$run" "${URL[$t]}" "$GSS" "$SESSIONS"
        done
    done
done

if [ "$MIXED" = 1 ]; then
    note "mixed load (fresh emulator per run) vs nginx GetSessionStatus"
    for conns in $MIXED_CONNS; do
        for run in $(seq 1 "$RUNS"); do
            start_emu "mixed-$conns-$run" --threads 1 --fixtures "$FIX"
            wrk_run "$TSV" mixed emu-t1 "$conns" "$run" "http://127.0.0.1:$EMU_PORT/" \
                "$BENCH_DIR/mixed.lua" "$SESSIONS"
            stop_pid "$EMU_PID"
            wrk_run "$TSV" mixed nginx "$conns" "$run" "${URL[nginx]}" "$GSS" "$SESSIONS"
        done
    done
fi

echo
echo "athena-emu bench/run.sh, $(date -u '+%Y-%m-%d %H:%M UTC'), $RUNS x ${DURATION}s, wrk 1 thread, $SESSIONS sessions"
echo "(ratio: median over runs of emulator req/s / nginx req/s in the same round)"
echo
python3 "$BENCH_DIR/summarize.py" "$TSV" nginx
echo
echo "--threads 2 / --threads 1 (median over runs of the same round's ratio, last column):"
python3 "$BENCH_DIR/summarize.py" "$TSV" emu-t1 | grep -E '^\| GetSessionStatus \| [0-9]+ \| emu-t2 ' || true
if [ -n "${KEEP_RESULTS:-}" ]; then cp "$TSV" "$KEEP_RESULTS"; cp "$WORK/wrk.log" "$KEEP_RESULTS.wrk.log"; fi
