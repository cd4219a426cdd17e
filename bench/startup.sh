#!/usr/bin/env bash
# Start to first successful GetSessionStatus answer (bench/first_answer.py: the clock starts
# just before the fork; a tight loop of connect + boto3-shaped GetSessionStatus until a 200).
#
#   bench/startup.sh                  # RUNS=7 by default here
#
# Figures (medians of RUNS starts):
#   in-memory    athena-emu with its defaults (:memory:, built-in fixtures), asking for
#                example-idle
#   db-100k      athena-emu on a database file that already holds 100k sessions (made
#                beforehand by starting once with the 100k fixture, then stopping), asking
#                for s-000001
#   nginx        the anchor (for scale: the time to exec a server and answer), when
#                127.0.0.1:18080 is free
# Also printed: the time the 100k-session database file took to create (fixture load into a
# file database, fork to ready file).
#
# Environment: RUNS (7), STARTUP_SESSIONS (100000), and those of bench/common.sh.
RUNS="${RUNS:-7}"
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

N="${STARTUP_SESSIONS:-100000}"
check_bin
need_tools python3
FA="$BENCH_DIR/first_answer.py"
OUT="$WORK/startup.txt"
: >"$OUT"

note "in-memory, default fixtures ($RUNS starts)"
python3 "$FA" --runs "$RUNS" --label in-memory --session example-idle -- \
    "$BIN" --port '{port}' --log-level warn | tee -a "$OUT" >&2

FIX="$(fixture "$N")"
DB="$WORK/bench-$N.db"
note "creating the $N-session database file $DB"
start_emu make-db --db "$DB" --fixtures "$FIX"
CREATE_MS=$EMU_READY_MS
stop_pid "$EMU_PID"
note "database file: $(du -h "$DB" | cut -f1), created in $CREATE_MS ms (start with the fixture to ready)"

note "database file with $N sessions ($RUNS starts)"
python3 "$FA" --runs "$RUNS" --label "db-$N" --session s-000001 -- \
    "$BIN" --port '{port}' --db "$DB" --log-level warn | tee -a "$OUT" >&2

if (exec 3<>"/dev/tcp/127.0.0.1/$NGINX_PORT") 2>/dev/null; then
    note "skipping nginx: 127.0.0.1:$NGINX_PORT is busy"
elif [ -x "$ANCHORS/anchor_nginx.sh" ] && { command -v nginx >/dev/null || [ -x /usr/sbin/nginx ]; }; then
    note "nginx anchor ($RUNS starts)"
    mkdir -p "$WORK/nginx"
    python3 "$FA" --runs "$RUNS" --label nginx --port "$NGINX_PORT" --session s-000001 -- \
        "$ANCHORS/anchor_nginx.sh" 1 "$WORK/nginx" | tee -a "$OUT" >&2
fi

echo
echo "athena-emu bench/startup.sh, $(date -u '+%Y-%m-%d %H:%M UTC'), medians of $RUNS starts"
echo
echo "| start | median ms | min ms | max ms |"
echo "|---|---:|---:|---:|"
sed -n 's/^FIRST_ANSWER label=\([^ ]*\) runs=[0-9]* median_ms=\([0-9.]*\) min_ms=\([0-9.]*\) max_ms=\([0-9.]*\)$/| \1 | \2 | \3 | \4 |/p' "$OUT"
echo "| (creating the $N-session database file: fixture load, once) | $CREATE_MS | | |"
