#!/usr/bin/env python3
"""The summary of a bench/soak.sh run (soak.sh calls it; it also re-reads a kept OUT_DIR).

    bench/soak_summary.py OUT_DIR WARMUP_S RSS_SLACK_KB FD_SLACK SESSION_BYTES SECONDS RATE CONNS DB

Reads OUT_DIR/soak.csv, metrics.txt (the last /_emulator/metrics) and wrk.out; prints the
figures; exits 1 when RSS grew after warm-up by more than SESSION_BYTES per session added
plus RSS_SLACK_KB, when the open fds grew by more than FD_SLACK, on a 5xx that was not
injected, or on a wrk socket error.
"""
import csv, re, sys
out, warm, rss_slack, fd_slack, session_bytes, total, rate, conns, db = sys.argv[1:]
path = out + '/soak.csv'
warm, rss_slack, fd_slack, session_bytes = int(warm), int(rss_slack), int(fd_slack), int(session_bytes)
rows = [{k: int(v or 0) for k, v in r.items()} for r in csv.DictReader(open(path))]
if len(rows) < 3:
    sys.exit('soak: too few samples (%d)' % len(rows))
after = [r for r in rows if r['elapsed_s'] >= warm] or rows[-2:]
w, e = after[0], rows[-1]

def slope(key):  # least squares, per minute
    xs = [r['elapsed_s'] / 60 for r in after]; ys = [r[key] for r in after]
    n = len(xs); mx = sum(xs) / n; my = sum(ys) / n
    d = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / d if d else 0.0

metrics = open(out + '/metrics.txt').read()
non2xx, by_code = 0, {}
for m in re.finditer(r'^athena_emu_requests_total\{operation="([^"]*)",status="(\d+)",error="([^"]*)"\} (\d+)', metrics, re.M):
    op, status, err, n = m.group(1), int(m.group(2)), m.group(3), int(m.group(4))
    if status != 200:
        non2xx += n
        key = '%d %s %s' % (status, err or '-', op)
        by_code[key] = by_code.get(key, 0) + n
injected = sum(int(m.group(1)) for m in re.finditer(
    r'^athena_emu_faults_fired_total\{fault_id="soak-500"\} (\d+)', metrics, re.M))
total_5xx = sum(n for k, n in by_code.items() if k.startswith('5'))
requests = sum(int(m.group(1)) for m in re.finditer(r'^athena_emu_requests_total\{[^}]*\} (\d+)', metrics, re.M))
wrk = open(out + '/wrk.out').read()
bench = re.search(r'^BENCH .*$', wrk, re.M)
soak = re.search(r'^SOAK .*$', wrk, re.M)
sock = sum(int(x) for x in re.findall(r'err_\w+=(\d+)', bench.group(0))) if bench else -1

rss_growth = e['rss_kb'] - w['rss_kb']
fd_growth = e['fds'] - w['fds']
sessions_after = e['sessions'] - w['sessions']
print()
print('athena-emu bench/soak.sh: %s s, rate %s (0: unthrottled), %s connections, db %s' % (total, rate, conns, db))
print('requests answered: %d (%.0f/s)' % (requests, requests / max(1, e['elapsed_s'])))
print('RSS   warm-up end (t=%ds) %.1f MB, end (t=%ds) %.1f MB: %+.1f MB, slope %+.0f kB/min (peak %.1f MB)'
      % (w['elapsed_s'], w['rss_kb'] / 1024, e['elapsed_s'], e['rss_kb'] / 1024, rss_growth / 1024,
         slope('rss_kb'), max(r['rss_kb'] for r in rows) / 1024))
print('fds   warm-up end %d, end %d: %+d, slope %+.2f/min (min %d, max %d after warm-up)'
      % (w['fds'], e['fds'], fd_growth, slope('fds'), min(r['fds'] for r in after), max(r['fds'] for r in after)))
print('sessions in the store: %d at warm-up end, %d at the end (+%d); database %.1f MB -> %.1f MB (%s per session)'
      % (w['sessions'], e['sessions'], sessions_after, w['db_kb'] / 1024, e['db_kb'] / 1024,
         '%.0f bytes' % ((e['db_kb'] - w['db_kb']) * 1024 / sessions_after) if sessions_after > 0 and db == 'file' else 'n/a'))
allowed = session_bytes * max(0, sessions_after) // 1024
if sessions_after > 0:
    print('RSS per session added after warm-up: %+.0f bytes (allowance SESSION_BYTES=%d: %d kB);'
          ' RSS growth beyond the allowance: %+.1f MB'
          % (rss_growth * 1024 / sessions_after, session_bytes, allowed, (rss_growth - allowed) / 1024))
import os
scraped = [r for r in rows if r.get('metrics_ms')]
end_ms = open(out + '/metrics-end-ms.txt').read().strip() if os.path.exists(out + '/metrics-end-ms.txt') else '?'
print('GET /_emulator/metrics (walks every session, holding the store): %s; at the end (%d sessions) %s ms'
      % (', '.join('%d ms at t=%ds (%d sessions)' % (r['metrics_ms'], r['elapsed_s'], r['sessions']) for r in scraped[:3]) or '-',
         e['sessions'], end_ms))
print('5xx: %d, of which injected by soak-500: %d, other: %d' % (total_5xx, injected, total_5xx - injected))
print('non-2xx by status, error, operation (%d):' % non2xx)
for k, n in sorted(by_code.items()):
    print('  %-70s %d' % (k, n))
print('wrk: %s' % (soak.group(0) if soak else '(no SOAK line)'))
print('wrk: %s' % (bench.group(0) if bench else '(no BENCH line)'))
fail = []
if rss_growth - allowed > rss_slack:
    fail.append('RSS grew %d kB after warm-up, %d kB more than SESSION_BYTES x sessions added'
                ' (> RSS_SLACK_KB=%d)' % (rss_growth, rss_growth - allowed, rss_slack))
if fd_growth > fd_slack:
    fail.append('open fds grew by %d after warm-up (> FD_SLACK=%d)' % (fd_growth, fd_slack))
if total_5xx != injected:
    fail.append('%d 5xx answers that were not injected' % (total_5xx - injected))
if sock != 0:
    fail.append('wrk socket errors: %d' % sock)
print('samples: %s' % path)
if fail:
    print('SOAK FAILED: ' + '; '.join(fail))
    sys.exit(1)
print('SOAK PASSED')
