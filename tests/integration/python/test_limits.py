"""The server's limits (issue 8 §2): connections, header and body sizes, JSON depth, the
request / idle / write timeouts, and that one slow client never holds up the others.

These tests are about real time (sockets and their timeouts), so some of them wait about a
second: the limits are set to 1 s for them.
"""

import email.utils
import json
import socket
import threading
import time
import unittest

from emulator import (Emulator, START_MS, JSON_CT, aws_raw_request,
                      raw_request, read_http_response, session, step,
                      workgroup)

DOC = {
    'workgroups': [workgroup('wg')],
    'sessions': [session('s-1', 'wg', [step(0, 'CREATING'), step(10, 'IDLE')])],
}
GOOD = {'SessionId': 's-1'}


def connect(port, rcvbuf=None):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf is not None:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(10)
    s.connect(('127.0.0.1', port))
    return s


def exchange(sock, data):
    sock.sendall(data)
    return read_http_response(sock.makefile('rb'))


def closed_by_peer(sock, within_s):
    """True when the server closes `sock` (EOF or reset) within `within_s` seconds."""
    sock.settimeout(within_s)
    try:
        while True:
            if not sock.recv(65536):
                return True
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


class LimitsCase(unittest.TestCase):
    def assert_aws_error(self, r, status, code, *needles):
        self.assertEqual(r.status, status, r)
        self.assertEqual(r.header('Content-Type'), JSON_CT, r)
        self.assertIsNone(r.header('X-Amzn-ErrorType'), r)  # real Athena sends none
        doc = r.json()
        self.assertEqual(doc['__type'], code, doc)
        for n in needles:
            self.assertIn(n, doc['Message'])
        return doc

    def assert_serving(self, emu):
        """A fresh connection still gets its answer."""
        r = emu.aws('GetSessionStatus', GOOD)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()['Status']['State'], 'IDLE')


class TimeoutTest(LimitsCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = Emulator('--request-timeout-s', '1', '--idle-timeout-s', '1',
                           '--write-timeout-s', '1', fixtures=DOC).start()
        cls.emu.advance(10)

    @classmethod
    def tearDownClass(cls):
        cls.emu.__exit__(None, None, None)

    def test_slowloris_is_cut_off_while_others_are_served(self):
        req = aws_raw_request(self.emu.port, GOOD)
        slow = connect(self.emu.port)
        outcome = {}

        def drip():
            t0 = time.monotonic()
            try:
                for i in range(len(req) - 1):   # never the last byte
                    slow.sendall(req[i:i + 1])
                    time.sleep(0.05)
            except OSError:
                pass
            outcome['cut_after_s'] = time.monotonic() - t0

        t = threading.Thread(target=drip)
        t.start()
        # Meanwhile (one I/O thread) other clients are answered at once, again and again.
        client = self.emu.client()
        latencies = []
        t_end = time.monotonic() + 0.8
        while time.monotonic() < t_end:
            t0 = time.monotonic()
            self.assertEqual(client.get_session_status(SessionId='s-1')['Status']['State'], 'IDLE')
            latencies.append(time.monotonic() - t0)
        self.assertGreater(len(latencies), 5)
        self.assertLess(max(latencies), 0.5, latencies)
        # The slow client gets a 408 naming the flag, then the connection closes.
        r = read_http_response(slow.makefile('rb'))
        self.assert_aws_error(r, 408, 'RequestTimeoutException', '--request-timeout-s', '1 s')
        self.assertEqual(r.header('Connection'), 'close')
        self.assertTrue(closed_by_peer(slow, 3))
        t.join(10)
        slow.close()
        self.assertIn('not received in full in time', self.emu.stderr_text())
        self.assert_serving(self.emu)

    def test_connection_that_sends_nothing_is_closed_quietly(self):
        s = connect(self.emu.port)
        t0 = time.monotonic()
        s.settimeout(5)
        self.assertEqual(s.recv(100), b'')   # closed, no answer
        self.assertGreaterEqual(time.monotonic() - t0, 0.9)
        s.close()

    def test_idle_keep_alive_connection_is_closed(self):
        s = connect(self.emu.port)
        r = exchange(s, aws_raw_request(self.emu.port, GOOD))
        self.assertEqual(r.status, 200)
        self.assertIsNone(r.header('Connection'))   # kept alive
        t0 = time.monotonic()
        self.assertTrue(closed_by_peer(s, 5))
        self.assertGreaterEqual(time.monotonic() - t0, 0.9)
        s.close()

    def test_keep_alive_within_idle_timeout_survives(self):
        s = connect(self.emu.port)
        f = s.makefile('rb')
        for _ in range(3):
            s.sendall(aws_raw_request(self.emu.port, GOOD))
            self.assertEqual(read_http_response(f).status, 200)
            time.sleep(0.4)   # below the 1 s idle timeout each time: 1.2 s in all
        s.close()

    def test_client_that_does_not_read_its_answer_is_cut_off(self):
        # A state export of 20000 sessions (~8 MB) is more than the socket buffers hold
        # (the server's send buffer grows to tcp_wmem's 4 MiB; the client's is 4 KiB).
        big = [session('big-%05d' % i, 'wg', [step(0, 'CREATING')]) for i in range(20000)]
        for i in range(0, len(big), 5000):
            self.emu.load({'sessions': big[i:i + 5000]})
        try:
            s = connect(self.emu.port, rcvbuf=4096)
            s.sendall(raw_request('GET', '/_emulator/state', self.emu.port))
            time.sleep(2.5)   # not reading, past the 1 s write timeout
            data = b''
            s.settimeout(5)
            try:
                while True:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    data += chunk
            except ConnectionResetError:
                pass
            s.close()
            head, _, body = data.partition(b'\r\n\r\n')
            length = int([l for l in head.split(b'\r\n') if l.lower().startswith(b'content-length:')][0]
                         .split(b':')[1])
            self.assertLess(len(body), length, 'the whole answer arrived: the write was not cut off')
            self.assertIn('did not read its answer in time', self.emu.stderr_text())
            self.assert_serving(self.emu)
        finally:
            self.emu.admin_ok('POST', 'reset')
            self.emu.load(DOC)
            self.emu.advance(10)


class ConnectionLimitTest(LimitsCase):
    def test_connections_over_the_limit_get_503_and_then_room_again(self):
        with Emulator('--max-connections', '3', fixtures=DOC) as emu:
            emu.advance(10)
            held = [connect(emu.port) for _ in range(3)]
            for s in held:   # each is served: the server has accepted all three
                self.assertEqual(exchange(s, aws_raw_request(emu.port, GOOD)).status, 200)
            extra = connect(emu.port)
            r = exchange(extra, aws_raw_request(emu.port, GOOD))
            doc = self.assert_aws_error(r, 503, 'ServiceUnavailableException', '--max-connections 3')
            self.assertIn('3 open connections', doc['Message'])
            self.assertTrue(closed_by_peer(extra, 5))
            extra.close()
            self.assertIn('too many open', emu.stderr_text())
            # One of the three goes away: the next connection is served (the server notices
            # the close asynchronously, so allow it a moment).
            held.pop().close()
            deadline = time.monotonic() + 5
            while True:
                s = connect(emu.port)
                r = exchange(s, aws_raw_request(emu.port, GOOD))
                s.close()
                if r.status == 200 or time.monotonic() > deadline:
                    break
                time.sleep(0.05)
            self.assertEqual(r.status, 200, r)
            for s in held:
                s.close()

    def test_boto3_retries_a_503_until_there_is_room(self):
        from botocore.config import Config
        import boto3
        with Emulator('--max-connections', '1', fixtures=DOC) as emu:
            emu.advance(10)
            # The harness's own connections close asynchronously: wait for the one slot.
            deadline = time.monotonic() + 5
            while True:
                blocker = connect(emu.port)
                r = exchange(blocker, aws_raw_request(emu.port, GOOD))
                if r.status == 200 or time.monotonic() > deadline:
                    break
                blocker.close()
                time.sleep(0.05)
            self.assertEqual(r.status, 200, r)
            client = boto3.client(
                'athena', endpoint_url=emu.url, region_name='us-east-1',
                aws_access_key_id='AKIDEXAMPLE', aws_secret_access_key='secret',
                config=Config(retries={'max_attempts': 10, 'mode': 'standard'}))
            threading.Timer(0.5, blocker.close).start()
            out = client.get_session_status(SessionId='s-1')
            self.assertEqual(out['Status']['State'], 'IDLE')
            self.assertGreaterEqual(out['ResponseMetadata']['RetryAttempts'], 1)
            client.close()


class SizeLimitTest(LimitsCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = Emulator('--max-header-bytes', '2048', '--max-body-bytes', '2048',
                           '--max-admin-body-bytes', '65536', '--max-json-depth', '5',
                           fixtures=DOC).start()
        cls.emu.advance(10)

    @classmethod
    def tearDownClass(cls):
        cls.emu.__exit__(None, None, None)

    def test_headers_over_the_limit_get_431(self):
        s = connect(self.emu.port)
        r = exchange(s, aws_raw_request(self.emu.port, GOOD, headers={'X-Big': 'a' * 3000}))
        self.assert_aws_error(r, 431, 'RequestHeaderFieldsTooLargeException', '2048 bytes', '--max-header-bytes')
        self.assertTrue(closed_by_peer(s, 5))
        s.close()
        self.assert_serving(self.emu)

    def test_headers_just_under_the_limit_are_fine(self):
        r = self.emu.aws('GetSessionStatus', GOOD, headers={'X-Big': 'a' * 1500})
        self.assertEqual(r.status, 200, r)

    def test_body_over_the_limit_gets_413_before_it_is_sent(self):
        s = connect(self.emu.port)
        head = (b'POST / HTTP/1.1\r\nHost: x\r\nContent-Type: ' + JSON_CT.encode() +
                b'\r\nX-Amz-Target: AmazonAthena.GetSessionStatus\r\nContent-Length: 5000\r\n\r\n')
        r = exchange(s, head)   # the body never comes: the answer does not wait for it
        self.assert_aws_error(r, 413, 'RequestEntityTooLargeException', '2048 bytes', '--max-body-bytes')
        s.close()
        self.assert_serving(self.emu)

    def test_chunked_body_over_the_limit_gets_413(self):
        s = connect(self.emu.port)
        chunk = b'{"SessionId": "' + b'x' * 3000 + b'"}'
        head = (b'POST / HTTP/1.1\r\nHost: x\r\nContent-Type: ' + JSON_CT.encode() +
                b'\r\nX-Amz-Target: AmazonAthena.GetSessionStatus\r\nTransfer-Encoding: chunked\r\n\r\n')
        r = exchange(s, head + b'%x\r\n' % len(chunk) + chunk + b'\r\n0\r\n\r\n')
        self.assert_aws_error(r, 413, 'RequestEntityTooLargeException', '--max-body-bytes')
        s.close()

    def test_admin_api_has_its_own_body_limit(self):
        small = {'sessions': [session('a-%03d' % i, 'wg', [step(0, 'CREATING')]) for i in range(60)]}
        body = json.dumps(small)
        self.assertGreater(len(body), 2048)   # over the AWS limit, under the admin one
        status, doc = self.emu.admin('POST', 'fixtures', small)
        self.assertEqual(status, 200, doc)
        big = {'sessions': [session('b-%04d' % i, 'wg', [step(0, 'CREATING')]) for i in range(1000)]}
        self.assertGreater(len(json.dumps(big)), 65536)
        r = self.emu.http('POST', '/_emulator/fixtures', json.dumps(big),
                          {'Content-Type': 'application/json'})
        self.assertEqual(r.status, 413, r)
        self.assertIn('--max-admin-body-bytes', r.json()['Message'])
        self.assertEqual(self.emu.aws('GetSessionStatus', {'SessionId': 'b-0001'}).status, 400)

    def test_json_deeper_than_the_limit_is_a_serialization_error(self):
        deep = '{"SessionId": "s-1", "x": [[[[[1]]]]]}'   # 6 levels
        r = self.emu.aws('GetSessionStatus', deep)
        self.assert_aws_error(r, 400, 'SerializationException', 'deeper than 5 levels', '--max-json-depth')
        ok = '{"SessionId": "s-1", "x": [[[[1]]]]}'      # 5 levels: parsed (unknown member ignored)
        self.assertEqual(self.emu.aws('GetSessionStatus', ok).status, 200)

    def test_expect_100_continue(self):
        s = connect(self.emu.port)
        body = json.dumps(GOOD).encode()
        s.sendall(b'POST / HTTP/1.1\r\nHost: x\r\nContent-Type: ' + JSON_CT.encode() +
                  b'\r\nX-Amz-Target: AmazonAthena.GetSessionStatus\r\nExpect: 100-continue\r\n'
                  b'Content-Length: %d\r\n\r\n' % len(body))
        f = s.makefile('rb')
        self.assertEqual(f.readline(), b'HTTP/1.1 100 Continue\r\n')
        self.assertEqual(f.readline(), b'\r\n')
        s.sendall(body)
        r = read_http_response(f)
        self.assertEqual(r.status, 200, r)
        s.close()


class DefaultsTest(LimitsCase):
    def test_defaults_and_date_header(self):
        big = {'sessions': [session('d-%05d' % i, 'wg', [step(0, 'CREATING')]) for i in range(15000)]}
        with Emulator(fixtures=DOC) as emu:
            emu.advance(10)
            t0 = time.time()
            r = emu.aws('GetSessionStatus', GOOD)
            self.assertEqual(r.status, 200)
            # Date: the real time (not the manual clock), IMF-fixdate.
            date = r.header('Date')
            self.assertRegex(date, r'^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d GMT$')
            self.assertLess(abs(email.utils.parsedate_to_datetime(date).timestamp() - t0), 5)
            self.assertGreater(abs(t0 * 1000 - START_MS), 3600 * 1000)
            # The default AWS limit is 1 MiB, JSON depth 32.
            r = emu.aws('GetSessionStatus', '{"SessionId": "s-1", "x": ' + '[' * 40 + ']' * 40 + '}')
            self.assert_aws_error(r, 400, 'SerializationException', 'deeper than 32')
            r = emu.aws('GetSessionStatus', {'SessionId': 's-1', 'x': 'y' * (1024 * 1024)})
            self.assert_aws_error(r, 413, 'RequestEntityTooLargeException', '1048576 bytes')
            # The admin API takes a fixture well over 1 MiB (64 MiB by default).
            body = json.dumps(big)
            self.assertGreater(len(body), 1024 * 1024)
            r = emu.http('POST', '/_emulator/fixtures', body, {'Content-Type': 'application/json'})
            self.assertEqual(r.status, 200, r)
            self.assertEqual(emu.aws('GetSessionStatus', {'SessionId': 'd-14999'}).status, 200)

    def test_bad_limit_flags_are_refused_with_one_line(self):
        import subprocess
        from emulator import BIN, clean_env
        for args, needle in [(['--max-connections', '0'], '--max-connections'),
                             (['--max-body-bytes', 'lots'], '--max-body-bytes'),
                             (['--request-timeout-s', '0'], '--request-timeout-s'),
                             (['--idle-timeout-s', '-1'], '--idle-timeout-s'),
                             (['--max-json-depth', '100000'], '--max-json-depth')]:
            p = subprocess.run([BIN, '--port', '0'] + args, capture_output=True, text=True,
                               env=clean_env(), timeout=10)
            self.assertEqual(p.returncode, 2, (args, p.stderr))
            lines = p.stderr.strip().splitlines()
            self.assertEqual(len(lines), 1, p.stderr)
            self.assertIn(needle, lines[0])


if __name__ == '__main__':
    unittest.main()
