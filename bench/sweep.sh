#!/usr/bin/env bash
# How cost grows with the number of sessions: GetSessionStatus throughput at 1k, 100k and 1M
# sessions, and the time to load a 100k-session fixture.
#
#   bench/sweep.sh                    # ~6-8 minutes with the defaults (most of it loading 1M)
#
# 1. One emulator per size (in-memory, --threads 1, the bench fixture of that many sessions
#    loaded at start); fork to ready file is reported as the load time. A size whose load
#    exceeds SWEEP_LOAD_TIMEOUT s (default 600) is dropped and reported with the 100k rate's
#    extrapolation instead.
# 2. Rounds of wrk (1 thread, SWEEP_CONNS connections, DURATION s) on every size in turn, the
#    ids drawn at random over all of that size's sessions; the ratio is each size's req/s
#    over 1k's in the same round.
# 3. Loading the LOAD_N-session fixture (default 100000), RUNS times each on a fresh emulator:
#    at start (--fixtures FILE: fork to ready file, minus nothing: an empty start is reported
#    beside it) and through POST /_emulator/fixtures (bench/post_fixture.py: the whole document
#    once, then, as the emulator refuses bodies over 1 MiB, the same sessions in pieces of at
#    most 1 MB over one connection).
#
# Environment: SWEEP_SIZES ("1000 100000 1000000"), SWEEP_CONNS ("16"), LOAD_N (100000),
# SWEEP_LOAD_TIMEOUT (600), RUNS (3), DURATION (10), and those of bench/common.sh.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

SIZES="${SWEEP_SIZES:-1000 100000 1000000}"
SCONNS="${SWEEP_CONNS:-16}"
LOAD_N="${LOAD_N:-100000}"
check_bin
need_tools wrk python3
# the same client work per request at every size (a prebuilt head + a prebuilt body)
export ATHENA_REQUESTS=concat
TSV="$WORK/sweep.tsv"
: >"$TSV"
LOADS=()

label() { case "$1" in 1000) echo 1k ;; 100000) echo 100k ;; 1000000) echo 1M ;; *) echo "$1" ;; esac; }

declare -A PORT
ok_sizes=()
rate=""   # sessions/s of the largest size loaded so far, for an extrapolation
for n in $SIZES; do
    f="$(fixture "$n")"
    note "loading $n sessions at start"
    if READY_SOFT=1 READY_TIMEOUT="${SWEEP_LOAD_TIMEOUT:-600}" start_emu "sweep-$n" --threads 1 --fixtures "$f"; then
        PORT[$n]=$EMU_PORT
        ok_sizes+=("$n")
        rss=$(ps -o rss= -p "$EMU_PID" | tr -d ' ')
        note "$n sessions: ready in $EMU_READY_MS ms, RSS $((rss / 1024)) MB"
        rate=$(awk "BEGIN{printf \"%.0f\", $n/($EMU_READY_MS/1000)}")
        LOADS+=("| $(label "$n") sessions at start (--fixtures, once) | $EMU_READY_MS ms | $rate sessions/s | RSS $((rss / 1024)) MB |")
    else
        note "$n sessions: not ready within ${SWEEP_LOAD_TIMEOUT:-600} s; dropped from the sweep"
        LOADS+=("| $(label "$n") sessions at start | > ${SWEEP_LOAD_TIMEOUT:-600} s (timed out) | ${rate:+at $rate sessions/s (rate of the previous size): ~$(awk "BEGIN{printf \"%.0f\", $n/$rate}") s} | |")
    fi
done

note "warm-up (2 s each, not recorded)"
for n in "${ok_sizes[@]}"; do
    wrk -t1 -c16 -d2s -s "$BENCH_DIR/get_session_status.lua" "http://127.0.0.1:${PORT[$n]}/" -- "$n" >/dev/null 2>&1 || true
done

note "GetSessionStatus over all sessions, sizes in turn"
count=${#ok_sizes[@]}
for conns in $SCONNS; do
    for run in $(seq 1 "$RUNS"); do
        for k in $(seq 0 $((count - 1))); do
            n="${ok_sizes[$(( (k + run - 1) % count ))]}"
            wrk_run "$TSV" sweep "$(label "$n")" "$conns" "$run" "http://127.0.0.1:${PORT[$n]}/" \
                "$BENCH_DIR/get_session_status.lua" "$n"
        done
    done
done
for pid in "${PIDS[@]}"; do stop_pid "$pid"; done

note "loading $LOAD_N sessions: at start, and through POST /_emulator/fixtures ($RUNS times each)"
f="$(fixture "$LOAD_N")"
empty=(); atstart=(); posted=(); whole=""
for run in $(seq 1 "$RUNS"); do
    start_emu "empty-$run" --fixtures none; empty+=("$EMU_READY_MS"); stop_pid "$EMU_PID"
    start_emu "load-$run" --fixtures "$f"; atstart+=("$EMU_READY_MS"); stop_pid "$EMU_PID"
    start_emu "post-$run" --fixtures none
    line="$(python3 "$BENCH_DIR/post_fixture.py" "$EMU_PORT" "$f")" || die "POST /_emulator/fixtures failed"
    stop_pid "$EMU_PID"
    note "run $run: empty start ${empty[-1]} ms, start with the fixture ${atstart[-1]} ms, POST: $line"
    whole="$(sed -n 's/.*whole_status=\([^ ]*\) whole_ms=\([0-9.]*\).*/\1 in \2 ms/p' <<<"$line")"
    chunks="$(sed -n 's/.* chunks=\([0-9]*\).*/\1/p' <<<"$line")"
    ms="$(sed -n 's/.* chunked_ms=\([0-9.]*\).*/\1/p' <<<"$line")"
    [ "$chunks" = 0 ] && ms="$(sed -n 's/.* whole_ms=\([0-9.]*\).*/\1/p' <<<"$line")"
    posted+=("$ms")
done
med() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END{print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

echo
echo "athena-emu bench/sweep.sh, $(date -u '+%Y-%m-%d %H:%M UTC'), $RUNS x ${DURATION}s, wrk 1 thread"
echo "(ratio: median over runs of req/s / 1k sessions' req/s in the same round)"
echo
python3 "$BENCH_DIR/summarize.py" "$TSV" 1k
echo
echo "| load | time | rate | |"
echo "|---|---:|---:|---|"
printf '%s\n' "${LOADS[@]}"
m_empty=$(med "${empty[@]}"); m_start=$(med "${atstart[@]}"); m_post=$(med "${posted[@]}")
echo "| empty start (--fixtures none), median of $RUNS | $m_empty ms | | |"
echo "| $(label "$LOAD_N") sessions at start (--fixtures), median of $RUNS | $m_start ms | $(awk "BEGIN{printf \"%.0f\", $LOAD_N/($m_start/1000)}") sessions/s | |"
echo "| $(label "$LOAD_N") sessions via POST /_emulator/fixtures, median of $RUNS | $m_post ms | $(awk "BEGIN{printf \"%.0f\", $LOAD_N/($m_post/1000)}") sessions/s | whole document: $whole$([ "${chunks:-0}" != 0 ] && echo "; then $chunks pieces <= 1 MB") |"
if [ -n "${KEEP_RESULTS:-}" ]; then cp "$TSV" "$KEEP_RESULTS"; cp "$WORK/wrk.log" "$KEEP_RESULTS.wrk.log"; fi
