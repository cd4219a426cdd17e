#!/usr/bin/env bash
# Soak: a bounded mixed load for a long time, sampling the emulator's resident memory and
# open file descriptors; fails on growth after warm-up or on a 5xx that was not injected.
#
#   bench/soak.sh [SECONDS] [RATE]      # defaults: 600 s, RATE 0 = as fast as it answers
#
# One emulator (Release build, see bench/README.md) on a database file (DB=memory for
# :memory:), workgroup `bench` with the `instant` profile, and wrk (1 thread, CONNS
# connections) running bench/soak.lua: StartSession, GetSessionStatus, GetSession,
# StartCalculationExecution, GetCalculationExecutionStatus, ListSessions, TerminateSession,
# each wrk thread keeping at most SOAK_LIVE_MAX (64) sessions alive (it terminates what it
# starts). The store keeps every session it ever started (AWS lists terminated ones too): on
# a database file that growth goes to the file (SQLite's page cache is bounded), so RSS
# growth after warm-up is not explained by state; its size per session is reported.
#
# Fault phase: from FAULT_FROM% to FAULT_TO% of the run (default 50-70) a rule answers 500
# InternalServerException to FAULT_PCT% (default 5) of GetSessionStatus; those 5xx are
# counted apart (athena_emu_faults_fired_total), every other 5xx fails the run.
#
# Every SAMPLE_S (5) seconds a line goes to $OUT_DIR/soak.csv: elapsed_s, rss_kb, fds,
# sessions (counted in the database file; empty with DB=memory), db_kb (database + WAL),
# metrics_ms (how long GET /_emulator/metrics took, when it was asked). /_emulator/metrics
# walks every session holding the store (its athena_emu_sessions gauge), which stalls the
# server for seconds once it holds ~100 000 sessions: it is asked only at the end of warm-up
# (metrics-warmup.txt) and at the end (metrics.txt), plus every METRICS_EVERY-th sample when
# set. At the end a summary: RSS and fds at the end of warm-up (WARMUP_S, default 60, or a
# tenth of shorter runs) and at the end, the least-squares slope of each after warm-up,
# sessions added, non-2xx answers by status, error code and operation (from the metrics),
# 5xx injected vs other, wrk's own counts.
#
# Growth the design explains: the store keeps every session; on a database file that is disk,
# but the timeline cache (state/store.cpp `timelines_`: every session GetSessionStatus read
# since its last write, unbounded) and the heap high-water of whole-store walks grow with it.
# SESSION_BYTES (default 0) per session added after warm-up may be allowed for that; the
# summary prints the measured bytes per session either way.
#
# Fails (exit 1) when, after warm-up: RSS grew more than SESSION_BYTES x sessions added +
# RSS_SLACK_KB (default 16384), or the open fds more than FD_SLACK (default 4), or any 5xx
# was not injected, or wrk saw a socket error. The summary is bench/soak_summary.py, which
# also re-reads a kept OUT_DIR. Environment: CONNS (16), SAMPLE_S, WARMUP_S, FAULT_PCT,
# FAULT_FROM, FAULT_TO, RSS_SLACK_KB, FD_SLACK, SESSION_BYTES, METRICS_EVERY, DB (file|memory), OUT_DIR
# (default: a directory under /tmp that is kept and printed), SOAK_LIVE_MAX, ATHENA_MIX
# (soak.lua weights), and those of common.sh.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

SECONDS_TOTAL="${1:-600}"
RATE="${2:-0}"
CONNS="${CONNS:-16}"
SAMPLE_S="${SAMPLE_S:-5}"
if [ -z "${WARMUP_S:-}" ]; then
    WARMUP_S=60
    [ "$SECONDS_TOTAL" -lt 600 ] && WARMUP_S=$(( SECONDS_TOTAL / 10 > SAMPLE_S ? SECONDS_TOTAL / 10 : SAMPLE_S ))
fi
FAULT_PCT="${FAULT_PCT:-5}"
FAULT_FROM="${FAULT_FROM:-50}"
FAULT_TO="${FAULT_TO:-70}"
RSS_SLACK_KB="${RSS_SLACK_KB:-16384}"
SESSION_BYTES="${SESSION_BYTES:-0}"
METRICS_EVERY="${METRICS_EVERY:-0}"
FD_SLACK="${FD_SLACK:-4}"
DB="${DB:-file}"
OUT_DIR="${OUT_DIR:-$(mktemp -d /tmp/athena-soak.XXXXXX)}"
mkdir -p "$OUT_DIR"
CSV="$OUT_DIR/soak.csv"

check_bin
need_tools wrk python3 curl

DB_ARGS=()
DB_PATH=""
if [ "$DB" = file ]; then
    DB_PATH="$WORK/soak.db"
    DB_ARGS=(--db "$DB_PATH")
fi
note "soak: ${SECONDS_TOTAL}s, rate ${RATE:-0} (0: unthrottled), $CONNS connections, warm-up ${WARMUP_S}s," \
     "faults ${FAULT_PCT}% of GetSessionStatus from ${FAULT_FROM}% to ${FAULT_TO}% of the run, db $DB; output $OUT_DIR"
start_emu soak --fixtures "$(fixture 10)" "${DB_ARGS[@]}"
URL="http://127.0.0.1:$EMU_PORT"

metrics() { curl -s --max-time 300 "$URL/_emulator/metrics"; }
# scrape OUT: /_emulator/metrics into OUT; echoes how long it took, in ms
scrape() {
    local m0; m0=$(date +%s%N)
    metrics >"$1" || true
    echo $(( ($(date +%s%N) - m0) / 1000000 ))
}
fd_count() { find "/proc/$EMU_PID/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }
# sessions in the store: counted in the database file (read-only), not through /metrics
sessions_in_db() {
    [ -n "$DB_PATH" ] || { echo ""; return; }
    python3 -c 'import sqlite3, sys
c = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True, timeout=5)
print(c.execute("SELECT count(*) FROM sessions").fetchone()[0])' "$DB_PATH" 2>/dev/null || echo ""
}
db_kb() {
    [ -n "$DB_PATH" ] || { echo 0; return; }
    du -k -c "$DB_PATH" "$DB_PATH-wal" 2>/dev/null | tail -1 | cut -f1
}

# wrk in the background (stopped by the EXIT trap on Ctrl-C)
SOAK_RATE="$RATE" SOAK_CONNS="$CONNS" wrk -t1 -c"$CONNS" -d"${SECONDS_TOTAL}s" --timeout 10s \
    -s "$BENCH_DIR/soak.lua" "$URL/" >"$OUT_DIR/wrk.out" 2>&1 &
WRK_PID=$!
PIDS+=("$WRK_PID")

echo "elapsed_s,rss_kb,fds,sessions,db_kb,metrics_ms" >"$CSV"
T0=$(date +%s)
fault_on=0 fault_done=0 sample=0 warm_scraped=0
while kill -0 "$WRK_PID" 2>/dev/null; do
    now=$(( $(date +%s) - T0 ))
    pct=$(( now * 100 / SECONDS_TOTAL ))
    if [ "$fault_on" = 0 ] && [ "$fault_done" = 0 ] && [ "$pct" -ge "$FAULT_FROM" ]; then
        curl -s --max-time 60 -X POST "$URL/_emulator/faults" -d "{\"id\":\"soak-500\",\"operation\":\"GetSessionStatus\",
            \"probability\":$(awk "BEGIN{print $FAULT_PCT/100}"),\"action\":{\"error\":\"InternalServerException\"}}" >/dev/null \
            || die "could not add the fault rule"
        fault_on=1
        note "t=${now}s: fault rule soak-500 on (500 for ${FAULT_PCT}% of GetSessionStatus)"
    elif [ "$fault_on" = 1 ] && [ "$pct" -ge "$FAULT_TO" ]; then
        curl -s --max-time 60 -X DELETE "$URL/_emulator/faults/soak-500" >/dev/null || die "could not delete the fault rule"
        fault_on=0 fault_done=1
        note "t=${now}s: fault rule soak-500 off"
    fi
    # /_emulator/metrics walks every session (the athena_emu_sessions gauge) holding the store:
    # asked at the end of warm-up and at the end, and every METRICS_EVERY-th sample if set
    metrics_ms=""
    if { [ "$warm_scraped" = 0 ] && [ "$now" -ge "$WARMUP_S" ]; } ||
       { [ "$METRICS_EVERY" -gt 0 ] && [ $(( sample % METRICS_EVERY )) -eq 0 ]; }; then
        metrics_ms=$(scrape "$WORK/m.txt")
        if [ "$warm_scraped" = 0 ] && [ "$now" -ge "$WARMUP_S" ]; then
            cp "$WORK/m.txt" "$OUT_DIR/metrics-warmup.txt"
            warm_scraped=1
        fi
    fi
    sample=$(( sample + 1 ))
    printf '%s,%s,%s,%s,%s,%s\n' "$now" "$(rss_kb "$EMU_PID")" "$(fd_count)" "$(sessions_in_db)" "$(db_kb)" "$metrics_ms" >>"$CSV"
    sleep "$SAMPLE_S" &
    wait $! || true
done
wait "$WRK_PID" || true
forget_pid "$WRK_PID"
kill -0 "$EMU_PID" 2>/dev/null || die "the emulator died during the soak; its log: $(tail -5 "$WORK/soak.log")"
END_METRICS_MS=$(scrape "$OUT_DIR/metrics.txt")
[ -s "$OUT_DIR/metrics.txt" ] || die "no answer from /_emulator/metrics at the end"
echo "$END_METRICS_MS" >"$OUT_DIR/metrics-end-ms.txt"
grep -v '^#' "$OUT_DIR/metrics.txt" | grep 'athena_emu_requests_total' | grep -v 'status="200"' \
    >"$OUT_DIR/non2xx.txt" || true
cp "$WORK/soak.log" "$OUT_DIR/emulator.log"
stop_pid "$EMU_PID"

python3 "$BENCH_DIR/soak_summary.py" "$OUT_DIR" "$WARMUP_S" "$RSS_SLACK_KB" "$FD_SLACK" "$SESSION_BYTES" \
    "$SECONDS_TOTAL" "$RATE" "$CONNS" "$DB"
