#!/usr/bin/env bash
# Resident memory per session: what one more session costs the emulator, at scale.
#
#   bench/rss_per_session.sh
#
# For each size N (RSS_SIZES, default "100000 1000000") a fresh emulator (in-memory database)
# loads the bench fixture of N idle sessions at start (--fixtures, bench/make_fixture.py) and
# its RSS is read once ready (`ps -o rss`, after SETTLE_S seconds); then `POST /_emulator/reset`
# applies the startup fixture again and RSS is read once more. The baseline is an emulator
# with `--fixtures none`. Per session = (RSS with N - baseline) / N. No request load runs (no
# wrk): the figure is the state's footprint, not the request journal's.
# Columns: RSS idle; bytes per session; peak (VmHWM, fixture parsing included) once ready; RSS
# after the reset and the peak by then; fork to ready file, in ms; the reset's time in ms.
#
# Environment: RSS_SIZES, SETTLE_S (0.5), and those of bench/common.sh.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

SIZES="${RSS_SIZES:-100000 1000000}"
SETTLE_S="${SETTLE_S:-0.5}"
check_bin
need_tools curl python3

start_emu baseline --fixtures none
sleep "$SETTLE_S"
BASE_KB=$(rss_kb "$EMU_PID")
stop_pid "$EMU_PID"
note "baseline (--fixtures none): $(mb "$BASE_KB") MB"

ROWS=()
for n in $SIZES; do
    f="$(fixture "$n")"
    start_emu "rss-$n" --fixtures "$f"
    ready_ms=$EMU_READY_MS
    sleep "$SETTLE_S"
    idle=$(rss_kb "$EMU_PID")
    hwm_ready=$(hwm_kb "$EMU_PID")
    t0=$(date +%s%N)
    curl -sf -X POST -H 'Content-Type: application/json' -d '{}' \
        "http://127.0.0.1:$EMU_PORT/_emulator/reset" >/dev/null || die "$n: POST /_emulator/reset failed"
    reset_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
    sleep "$SETTLE_S"
    after_reset=$(rss_kb "$EMU_PID")
    hwm=$(hwm_kb "$EMU_PID")
    stop_pid "$EMU_PID"
    per=$(( (idle - BASE_KB) * 1024 / n ))
    note "$n sessions: idle $(mb "$idle") MB ($per bytes/session), peak $(mb "$hwm_ready") MB at ready," \
         "after reset $(mb "$after_reset") MB (peak $(mb "$hwm") MB), ready in $ready_ms ms, reset in $reset_ms ms"
    ROWS+=("| $n | $(mb "$idle") | $per | $(mb "$hwm_ready") | $(mb "$after_reset") | $(mb "$hwm") | $ready_ms | $reset_ms |")
done

echo
echo "athena-emu bench/rss_per_session.sh, $(date -u '+%Y-%m-%d %H:%M UTC') (MB = 1024 kB;" \
     "baseline --fixtures none: $(mb "$BASE_KB") MB)"
echo
echo "| sessions | RSS idle MB | bytes per session | peak at ready MB | RSS after reset MB | peak after reset MB | start to ready ms | reset ms |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|"
printf '%s\n' "${ROWS[@]}"
