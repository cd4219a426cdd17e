#!/usr/bin/env bash
# Before/after one change: two emulator binaries and nginx side by side in one run.
#
#   bench/compare.sh BEFORE_BIN AFTER_BIN
#
# Build the "before" from a commit without touching the work tree, e.g.:
#   git archive <commit> | tar -x -C /tmp/before-src
#   cmake -S /tmp/before-src -B /tmp/before-build -DCMAKE_BUILD_TYPE=Release
#   cmake --build /tmp/before-build -j2 --target athena-emu
#
# GetSessionStatus (SESSIONS sessions, random ids) at each of CONNS connections with both
# binaries (--threads 1) and nginx taking turns every round, then the mixed load at
# MIXED_CONNS with a fresh emulator per run, before and after in turn. Prints the medians,
# the ratios to nginx, and after/before.
#
# Environment: SESSIONS (1000), CONNS ("16 64"), MIXED_CONNS ("16"), RUNS (3), DURATION (10),
# EMU_FLAGS (extra athena-emu flags for both, e.g. "--threads 2"), and those of
# bench/common.sh (ATHENA_EMU_BIN is ignored here).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

[ $# -eq 2 ] || die "usage: bench/compare.sh BEFORE_BIN AFTER_BIN"
BEFORE="$1"; AFTER="$2"
SESSIONS="${SESSIONS:-1000}"
CONNS="${CONNS:-16 64}"
MIXED_CONNS="${MIXED_CONNS:-16}"
read -r -a EXTRA <<<"${EMU_FLAGS:-}"

for b in "$BEFORE" "$AFTER"; do BIN="$b"; check_bin; done
need_tools wrk nginx python3
FIX="$(fixture "$SESSIONS")"
TSV="$WORK/compare.tsv"
: >"$TSV"
GSS="$BENCH_DIR/get_session_status.lua"

start_nginx
BIN="$BEFORE"; start_emu before --fixtures "$FIX" "${EXTRA[@]}"; PB=$EMU_PORT
BIN="$AFTER";  start_emu after --fixtures "$FIX" "${EXTRA[@]}"; PA=$EMU_PORT
declare -A URL=([before]="http://127.0.0.1:$PB/" [after]="http://127.0.0.1:$PA/"
                [nginx]="http://127.0.0.1:$NGINX_PORT/")
for t in before after nginx; do
    wrk -t1 -c16 -d2s -s "$GSS" "${URL[$t]}" -- "$SESSIONS" >/dev/null 2>&1 || true
done

order=(before after nginx)
for conns in $CONNS; do
    for run in $(seq 1 "$RUNS"); do
        for k in 0 1 2; do
            t="${order[$(( (k + run - 1) % 3 ))]}"
            wrk_run "$TSV" GetSessionStatus "$t" "$conns" "$run" "${URL[$t]}" "$GSS" "$SESSIONS"
        done
    done
done
for conns in $MIXED_CONNS; do
    for run in $(seq 1 "$RUNS"); do
        for t in before after; do
            BIN=$([ "$t" = before ] && echo "$BEFORE" || echo "$AFTER")
            start_emu "mixed-$t-$run" --fixtures "$FIX" "${EXTRA[@]}"
            wrk_run "$TSV" mixed "$t" "$conns" "$run" "http://127.0.0.1:$EMU_PORT/" "$BENCH_DIR/mixed.lua" "$SESSIONS"
            stop_pid "$EMU_PID"
        done
        wrk_run "$TSV" mixed nginx "$conns" "$run" "${URL[nginx]}" "$GSS" "$SESSIONS"
    done
done

echo
echo "athena-emu bench/compare.sh, $(date -u '+%Y-%m-%d %H:%M UTC'), $RUNS x ${DURATION}s, wrk 1 thread, $SESSIONS sessions"
echo "before: $BEFORE"
echo "after:  $AFTER"
echo
python3 "$BENCH_DIR/summarize.py" "$TSV" nginx
echo
echo "after / before (median over runs of the same round's ratio):"
python3 "$BENCH_DIR/summarize.py" "$TSV" before | grep -E '^\| [^|]+ \| [0-9]+ \| after ' || true
if [ -n "${KEEP_RESULTS:-}" ]; then cp "$TSV" "$KEEP_RESULTS"; cp "$WORK/wrk.log" "$KEEP_RESULTS.wrk.log"; fi
