#!/usr/bin/env python3
"""Time loading a fixture document through POST /_emulator/fixtures.

    bench/post_fixture.py PORT FILE [--max-bytes B]

First POSTs the whole document once and reports its status and time. When that is refused
(the emulator limits every request body to 1 MiB: 413), the document is cut into documents of
at most B bytes (default 1,000,000): the first carries the profiles, scenarios and workgroups
and as many sessions as fit, the others only sessions. The pieces are built before the clock
starts and POSTed one after the other over one keep-alive connection; the time of all of them
together is reported.

Prints:  POST_FIXTURE whole_status=S whole_ms=T sessions=N chunks=K chunked_ms=T
(chunks=0 chunked_ms=0 when the whole document was accepted; whole_status=closed when the
connection was reset before an answer could be read.) Exit 1 on any other failure.
"""
import argparse
import http.client
import json
import sys
import time


def post(conn, body: bytes):
    t0 = time.perf_counter()
    try:
        conn.request("POST", "/_emulator/fixtures", body=body, headers={"Content-Type": "application/json"})
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server answered early (413) and closed: read that answer if it is there
    try:
        resp = conn.getresponse()
    except (ConnectionResetError, http.client.RemoteDisconnected, BrokenPipeError) as e:
        return 0, (time.perf_counter() - t0) * 1000.0, repr(e).encode(), ""
    data = resp.read()
    return resp.status, (time.perf_counter() - t0) * 1000.0, data, resp.getheader("Connection", "")


def pieces(doc: dict, max_bytes: int):
    sessions = doc.get("sessions", [])
    head = {k: v for k, v in doc.items() if k != "sessions"}
    out, cur, cur_len = [], [], 0
    base = len(json.dumps(head)) + 20
    for s in sessions:
        text = json.dumps(s)
        limit = max_bytes - (base if not out else 20)
        if cur and cur_len + len(text) + 2 > limit:
            out.append(cur)
            cur, cur_len = [], 0
        cur.append(text)
        cur_len += len(text) + 2
    if cur or not out:
        out.append(cur)
    docs = []
    for i, chunk in enumerate(out):
        first = json.dumps(head)[:-1] + (", " if head else "") if i == 0 else "{"
        docs.append((first + '"sessions": [' + ", ".join(chunk) + "]}").encode())
    return docs


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("port", type=int)
    ap.add_argument("file")
    ap.add_argument("--max-bytes", type=int, default=1_000_000)
    a = ap.parse_args()
    raw = open(a.file, "rb").read()
    doc = json.loads(raw)
    n = len(doc.get("sessions", []))

    conn = http.client.HTTPConnection("127.0.0.1", a.port, timeout=600)
    status, whole_ms, data, _ = post(conn, raw)
    conn.close()
    if status == 200:
        print("POST_FIXTURE whole_status=200 whole_ms=%.1f sessions=%d chunks=0 chunked_ms=0" % (whole_ms, n))
        return 0
    if status not in (0, 413):
        print("post_fixture.py: whole document: %d %s" % (status, data[:300]), file=sys.stderr)
        return 1

    whole_status = str(status) if status else "closed"   # closed: reset before an answer
    docs = pieces(doc, a.max_bytes)
    conn = http.client.HTTPConnection("127.0.0.1", a.port, timeout=600)
    t0 = time.perf_counter()
    for i, body in enumerate(docs):
        status, _, data, _ = post(conn, body)
        if status != 200:
            print("post_fixture.py: piece %d/%d (%d bytes): %d %s" % (i + 1, len(docs), len(body), status, data[:300]),
                  file=sys.stderr)
            return 1
    chunked_ms = (time.perf_counter() - t0) * 1000.0
    conn.close()
    print("POST_FIXTURE whole_status=%s whole_ms=%.1f sessions=%d chunks=%d chunked_ms=%.1f" % (
        whole_status, whole_ms, n, len(docs), chunked_ms))
    return 0


if __name__ == "__main__":
    sys.exit(main())
