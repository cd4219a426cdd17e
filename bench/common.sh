# Shared by bench/run.sh, startup.sh, rss.sh and sweep.sh (sourced, not run).
#
# Environment:
#   ATHENA_EMU_BIN        the emulator binary (default: <repo>/build/athena-emu, which should be a
#                         Release build: cmake -S . -B build -DCMAKE_BUILD_TYPE=Release &&
#                         cmake --build build -j2)
#   ATHENA_BENCH_ANCHORS  the anchor directory (default: <repo>/../shared/bench-anchors)
#   ATHENA_BENCH_CACHE    where generated fixtures are kept between runs
#                         (default /tmp/athena-bench-cache)
#   RUNS                  runs per figure, the median is reported (default 3)
#   DURATION              seconds per wrk run (default 10)

set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$BENCH_DIR/.." && pwd)"
ANCHORS="${ATHENA_BENCH_ANCHORS:-$REPO/../shared/bench-anchors}"
CACHE="${ATHENA_BENCH_CACHE:-/tmp/athena-bench-cache}"
RUNS="${RUNS:-3}"
DURATION="${DURATION:-10}"
NGINX_PORT=18080          # fixed by the anchor's nginx.conf

BIN="${ATHENA_EMU_BIN:-$REPO/build/athena-emu}"

# the emulator reads ATHENA_EMU_<FLAG> variables: measure its defaults, not the caller's setup
for v in $(compgen -e | grep '^ATHENA_EMU_' || true); do
    [ "$v" = ATHENA_EMU_BIN ] || unset "$v"
done

die() { echo "bench: $*" >&2; exit 1; }
note() { echo "== $*" >&2; }

check_bin() {
    [ -x "$BIN" ] || die "no emulator binary at $BIN. Build a Release first:
  cmake -S . -B build -DCMAKE_BUILD_TYPE=Release && cmake --build build -j2
or point ATHENA_EMU_BIN at one."
    local cache
    cache="$(dirname "$BIN")/CMakeCache.txt"
    if [ -f "$cache" ]; then
        local type
        type="$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$cache")"
        if [ "$type" != "Release" ]; then
            echo "bench: WARNING: $BIN is a '${type:-no build type}' build, not Release; figures" \
                 "will not be comparable (cmake -S . -B build -DCMAKE_BUILD_TYPE=Release)" >&2
        fi
    fi
    note "emulator: $BIN ($("$BIN" --version 2>/dev/null | head -1))"
}

# Installs the Debian packages that provide the given commands when they are missing.
need_tools() {   # need_tools wrk nginx
    local missing=()
    for t in "$@"; do
        case "$t" in
            nginx) command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx-light) ;;
            *) command -v "$t" >/dev/null 2>&1 || missing+=("$t") ;;
        esac
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    note "installing ${missing[*]} (apt-get)"
    [ "$(id -u)" -eq 0 ] || die "missing ${missing[*]}: install them (apt-get install ${missing[*]})"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 || {
        apt-get update -qq >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    }
}

# ---- memory of a process: resident set now and its peak (VmHWM), in KiB; KiB -> MB text
rss_kb() { ps -o rss= -p "$1" | tr -d ' '; }
hwm_kb() { sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$1/status"; }
mb() { awk "BEGIN{printf \"%.1f\", $1/1024}"; }

# ---- processes: every one started here is stopped by the EXIT trap -------------------------

WORK="$(mktemp -d /tmp/athena-bench.XXXXXX)"
PIDS=()

# forget_pid PID: drop a reaped child from PIDS (its number may be reused by another process)
forget_pid() {
    local keep=() p
    for p in "${PIDS[@]:-}"; do [ -n "$p" ] && [ "$p" != "$1" ] && keep+=("$p"); done
    PIDS=("${keep[@]:-}")
}

stop_pid() {   # stop_pid PID: SIGTERM, then SIGKILL after 10 s; reaps it
    local pid="$1" _
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; forget_pid "$pid"; return 0; }
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
    wait "$pid" 2>/dev/null || true
    forget_pid "$pid"
}

cleanup() {
    local pid
    for pid in "${PIDS[@]:-}"; do
        [ -n "$pid" ] && stop_pid "$pid"
    done
    PIDS=()
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start_emu NAME [athena-emu flags...]: starts the emulator on a free port with a ready file
# and waits for it (up to READY_TIMEOUT s, default 600; past it: exits, or with READY_SOFT=1
# stops it and returns 1). Sets EMU_PID, EMU_PORT and EMU_READY_MS (fork to ready file,
# measured by this shell: a few ms of polling overhead).
start_emu() {
    local name="$1"; shift
    local ready="$WORK/$name.ready" t0 t1 waited=0 limit="${READY_TIMEOUT:-600}"
    rm -f "$ready"
    t0=$(date +%s%N)
    "$BIN" --port 0 --ready-file "$ready" --log-level warn "$@" >"$WORK/$name.log" 2>&1 &
    EMU_PID=$!
    PIDS+=("$EMU_PID")
    while [ ! -s "$ready" ]; do
        if ! kill -0 "$EMU_PID" 2>/dev/null; then
            cat "$WORK/$name.log" >&2
            die "$name: the emulator exited before it was ready"
        fi
        sleep 0.005
        waited=$(( $(date +%s%N) - t0 ))
        if [ "$waited" -gt $(( limit * 1000000000 )) ]; then
            stop_pid "$EMU_PID"
            [ -n "${READY_SOFT:-}" ] && { EMU_READY_MS=""; return 1; }
            die "$name: not ready after $limit s"
        fi
    done
    t1=$(date +%s%N)
    # shellcheck disable=SC2034  # read by the scripts that source this file
    EMU_READY_MS=$(( (t1 - t0) / 1000000 ))
    EMU_PORT="$(sed -n 's/.*"port":\([0-9]*\).*/\1/p' "$ready")"
    [ -n "$EMU_PORT" ] || die "$name: no port in $ready"
}

# start_nginx: the anchor (fixed GetSessionStatus answer) on 127.0.0.1:18080, 1 worker.
start_nginx() {
    [ -x "$ANCHORS/anchor_nginx.sh" ] || die "no anchor at $ANCHORS/anchor_nginx.sh (set ATHENA_BENCH_ANCHORS)"
    if (exec 3<>"/dev/tcp/127.0.0.1/$NGINX_PORT") 2>/dev/null; then
        die "something already listens on 127.0.0.1:$NGINX_PORT (the anchor's port); stop it first"
    fi
    mkdir -p "$WORK/nginx"
    "$ANCHORS/anchor_nginx.sh" 1 "$WORK/nginx" >"$WORK/nginx.log" 2>&1 &
    NGINX_PID=$!
    PIDS+=("$NGINX_PID")
    local _
    for _ in $(seq 1 200); do
        (exec 3<>"/dev/tcp/127.0.0.1/$NGINX_PORT") 2>/dev/null && return 0
        kill -0 "$NGINX_PID" 2>/dev/null || { cat "$WORK/nginx.log" >&2; die "nginx exited"; }
        sleep 0.025
    done
    die "nginx did not listen on $NGINX_PORT within 5 s"
}

# fixture N: path of the cached `make_fixture.py N --idle` document (made when missing).
fixture() {
    local n="$1" f="$CACHE/bench-$1-idle.json"
    mkdir -p "$CACHE"
    if [ ! -s "$f" ]; then
        note "writing the $n-session fixture to $f"
        python3 "$BENCH_DIR/make_fixture.py" "$n" --idle -o "$f"
    fi
    echo "$f"
}

# wrk_run TSV GROUP TARGET CONNS RUN URL SCRIPT [SCRIPT ARGS...]: one wrk run (1 thread,
# DURATION s); appends "group target conns run rps p50_us p99_us non2xx sockerr" to TSV and
# echoes a one-line summary. The full wrk output goes to $WORK/wrk.log.
wrk_run() {
    local tsv="$1" group="$2" target="$3" conns="$4" run="$5" url="$6" script="$7"; shift 7
    local out line wpid
    # in the background + wait: a SIGINT/SIGTERM to this script then acts at once (bash runs
    # a trap only after its foreground child ends), and the EXIT trap stops wrk too
    wrk -t1 -c"$conns" -d"${DURATION}s" --timeout 5s -s "$script" "$url" ${1+--} "$@" >"$WORK/wrk.out" 2>&1 &
    wpid=$!
    PIDS+=("$wpid")
    wait "$wpid" || true
    forget_pid "$wpid"
    out="$(cat "$WORK/wrk.out")"
    printf '### %s %s c%s run %s\n%s\n' "$group" "$target" "$conns" "$run" "$out" >>"$WORK/wrk.log"
    line="$(printf '%s\n' "$out" | grep '^BENCH ' | tail -1)"
    if [ -z "$line" ]; then
        printf '%s\n' "$out" >&2
        die "wrk gave no BENCH line ($group $target c$conns)"
    fi
    local rps p50 p99 non2xx ec er ew et
    rps=$(sed -n 's/.* rps=\([0-9.]*\).*/\1/p' <<<"$line")
    p50=$(sed -n 's/.* p50_us=\([0-9]*\).*/\1/p' <<<"$line")
    p99=$(sed -n 's/.* p99_us=\([0-9]*\).*/\1/p' <<<"$line")
    non2xx=$(sed -n 's/.* non2xx=\([0-9]*\).*/\1/p' <<<"$line")
    ec=$(sed -n 's/.* err_connect=\([0-9]*\).*/\1/p' <<<"$line")
    er=$(sed -n 's/.* err_read=\([0-9]*\).*/\1/p' <<<"$line")
    ew=$(sed -n 's/.* err_write=\([0-9]*\).*/\1/p' <<<"$line")
    et=$(sed -n 's/.* err_timeout=\([0-9]*\).*/\1/p' <<<"$line")
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$group" "$target" "$conns" "$run" "$rps" "$p50" "$p99" \
        "$non2xx" "$((ec + er + ew + et))" >>"$tsv"
    printf '   %-8s %-18s c%-3s run %s: %9.0f req/s  p99 %6.2f ms  non2xx %s  socket errors %s\n' \
        "$group" "$target" "$conns" "$run" "$rps" "$(awk "BEGIN{print $p99/1000}")" "$non2xx" \
        "$((ec + er + ew + et))" >&2
    printf '%s\n' "$out" | grep '^MIX' | sed 's/^/      /' >&2 || true
}
