#!/usr/bin/env python3
"""Start a server and time it to its first successful GetSessionStatus answer.

    bench/first_answer.py [--runs R] [--port P] [--session ID] [--label L] -- COMMAND ...

For each of R runs: pick a free loopback port (or use --port), start COMMAND (every `{port}`
in it replaced by the port), and from just before the fork send GetSessionStatus for
--session, shaped as boto3 sends it, in a tight loop (connect; on ECONNREFUSED retry at
once) until an answer `HTTP/1.1 200` arrives. The time from before the fork to that answer is
one sample. The server is then stopped with SIGTERM (SIGKILL after 10 s) and reaped.

Prints one line per run and then
    FIRST_ANSWER label=L runs=R median_ms=.. min_ms=.. max_ms=..
Exit status 1 if a run did not answer 200 within --timeout seconds (the server's output is
then shown).
"""
import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def request_bytes(port: int, session: str) -> bytes:
    body = ('{"SessionId": "%s"}' % session).encode()
    day = time.strftime("%Y%m%d", time.gmtime())
    amz = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    head = (
        "POST / HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{port}\r\n"
        "Accept-Encoding: identity\r\n"
        "X-Amz-Target: AmazonAthena.GetSessionStatus\r\n"
        "Content-Type: application/x-amz-json-1.1\r\n"
        "User-Agent: Boto3/1.43.11 md/Botocore#1.43.11 ua/2.1 os/linux md/arch#x86_64 "
        "lang/python#3.11.7 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.43.11\r\n"
        f"X-Amz-Date: {amz}\r\n"
        f"Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/{day}/us-east-1/athena/"
        "aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, "
        "Signature=" + "5f" * 32 + "\r\n"
        "amz-sdk-invocation-id: 6eaf9d5f-69c4-41d1-8dc6-a4c0f36c51f9\r\n"
        "amz-sdk-request: attempt=1\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


def one_answer(port: int, req: bytes):
    """One attempt: the status line's code, or None when nothing listens yet."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        s.connect(("127.0.0.1", port))
        s.sendall(req)
        data = b""
        while b"\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                return None
            data += chunk
        return int(data.split(b" ", 2)[1])
    except (ConnectionRefusedError, ConnectionResetError, BrokenPipeError):
        return None
    finally:
        s.close()


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--port", type=int, default=0, help="fixed port (default: a free one per run)")
    ap.add_argument("--session", default="example-idle")
    ap.add_argument("--label", default="server")
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("command", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.command[1:] if a.command[:1] == ["--"] else a.command
    if not cmd:
        ap.error("COMMAND is missing (after --)")

    samples = []
    for run in range(1, a.runs + 1):
        port = a.port or free_port()
        req = request_bytes(port, a.session)
        argv = [c.replace("{port}", str(port)) for c in cmd]
        log = tempfile.TemporaryFile()
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        try:
            attempts = 0
            status = None
            while True:
                attempts += 1
                status = one_answer(port, req)
                if status == 200:
                    break
                if proc.poll() is not None or time.perf_counter() - t0 > a.timeout:
                    log.seek(0)
                    sys.stderr.write(log.read().decode(errors="replace"))
                    print(f"first_answer.py: {a.label}: no 200 answer (last status {status}, "
                          f"exit {proc.poll()})", file=sys.stderr)
                    return 1
            ms = (time.perf_counter() - t0) * 1000.0
        finally:
            stop(proc)
            log.close()
        samples.append(ms)
        print(f"  {a.label} run {run}: {ms:.1f} ms ({attempts} attempts)", flush=True)
    print("FIRST_ANSWER label=%s runs=%d median_ms=%.1f min_ms=%.1f max_ms=%.1f" % (
        a.label, len(samples), statistics.median(samples), min(samples), max(samples)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
