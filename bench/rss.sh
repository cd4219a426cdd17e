#!/usr/bin/env bash
# Resident memory of the emulator (ps -o rss), idle and with many sessions.
#
#   bench/rss.sh
#
# For each case a fresh emulator (in-memory database) is started and measured:
#   default     built-in fixtures (5 sessions), idle after start
#   N sessions  the bench fixture of N sessions (RSS_SIZES, default "1000 100000 1000000")
#               loaded at start with --fixtures
# Columns: RSS once ready (idle); RSS after LOAD_S seconds of GetSessionStatus over every
# session (wrk 1 thread x 16; pages the lookups touch); the peak RSS of the process (VmHWM,
# fixture parsing included); fork to ready file, in ms.
#
# Environment: RSS_SIZES, LOAD_S (5), and those of bench/common.sh.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

SIZES="${RSS_SIZES:-1000 100000 1000000}"
LOAD_S="${LOAD_S:-5}"
check_bin
need_tools wrk python3

ROWS=()
measure() {   # measure LABEL N_FOR_WRK [flags...]
    local label="$1" n="$2"; shift 2
    start_emu "rss-$label" "$@"
    local ready_ms=$EMU_READY_MS
    sleep 0.5
    local idle after hwm
    idle=$(rss_kb "$EMU_PID")
    wrk -t1 -c16 -d"${LOAD_S}s" -s "$BENCH_DIR/get_session_status.lua" \
        "http://127.0.0.1:$EMU_PORT/" -- "$n" >/dev/null 2>&1 || true
    after=$(rss_kb "$EMU_PID")
    hwm=$(hwm_kb "$EMU_PID")
    stop_pid "$EMU_PID"
    note "$label: idle $(mb "$idle") MB, after load $(mb "$after") MB, peak $(mb "$hwm") MB, ready in $ready_ms ms"
    ROWS+=("| $label | $(mb "$idle") | $(mb "$after") | $(mb "$hwm") | $ready_ms |")
}

# the default fixtures' sessions are not s-000001...: the lookups then answer
# ResourceNotFoundException, which still walks the whole request path
measure "default fixtures" 5
for n in $SIZES; do
    measure "$n sessions" "$n" --fixtures "$(fixture "$n")"
done

echo
echo "athena-emu bench/rss.sh, $(date -u '+%Y-%m-%d %H:%M UTC') (MB = 1024 kB)"
echo
echo "| emulator | RSS idle MB | RSS after ${LOAD_S}s of GetSessionStatus MB | peak (VmHWM) MB | start to ready ms |"
echo "|---|---:|---:|---:|---:|"
printf '%s\n' "${ROWS[@]}"
