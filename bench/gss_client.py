#!/usr/bin/env python3
"""Sends COUNT GetSessionStatus requests on one keep-alive connection, byte for byte in the
shape boto3 sends them (the header order and values of bench/boto3_wire.lua), on session ids
s-000001..s-<SESSIONS> drawn from a fixed seed, and checks every answer is a 200.

    bench/gss_client.py PORT COUNT [SESSIONS]

Used by bench/instructions.sh: the emulator runs under callgrind, so this client must cost it
nothing but the requests themselves (no pauses, no new connections, the same bytes each run).
"""
import random
import socket
import sys

USER_AGENT = ("Boto3/1.43.11 md/Botocore#1.43.11 ua/2.1 os/linux#6.1.0 md/arch#x86_64 "
              "lang/python#3.11.7 md/pyimpl#CPython m/N,b,Z,e,D cfg/retry-mode#legacy Botocore/1.43.11")


def request(port, rng, sessions):
    body = '{"SessionId": "s-%06d"}' % rng.randint(1, sessions)
    signature = "%064x" % rng.getrandbits(256)
    invocation = "%032x" % rng.getrandbits(128)
    invocation = "-".join([invocation[:8], invocation[8:12], "4" + invocation[13:16],
                           "8" + invocation[17:20], invocation[20:]])
    head = ("POST / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAccept-Encoding: identity\r\n"
            "X-Amz-Target: AmazonAthena.GetSessionStatus\r\n"
            "Content-Type: application/x-amz-json-1.1\r\nUser-Agent: %s\r\n"
            "X-Amz-Date: 20261204T000000Z\r\n"
            "Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261204/us-east-1/"
            "athena/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, "
            "Signature=%s\r\namz-sdk-invocation-id: %s\r\namz-sdk-request: attempt=1\r\n"
            "Content-Length: %d\r\n\r\n") % (port, USER_AGENT, signature, invocation, len(body))
    return (head + body).encode()


def read_answer(sock, buf):
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            raise SystemExit("gss_client: the emulator closed the connection")
        buf += chunk
    head, _, rest = buf.partition(b"\r\n\r\n")
    status = head.split(b" ", 2)[1]
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(rest) < length:
        rest += sock.recv(65536)
    if status != b"200":
        raise SystemExit("gss_client: answer %s: %s" % (status.decode(), rest[:length].decode()))
    return rest[length:]


def main():
    port, count = int(sys.argv[1]), int(sys.argv[2])
    sessions = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
    rng = random.Random(7)
    sock = socket.create_connection(("127.0.0.1", port))
    buf = b""
    for _ in range(count):
        sock.sendall(request(port, rng, sessions))
        buf = read_answer(sock, buf)
    sock.close()


if __name__ == "__main__":
    main()
