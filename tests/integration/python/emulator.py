"""Harness for the integration tests: runs the real athena-emu binary.

Usage:
    with Emulator(fixtures=doc) as emu:
        emu.client().get_session_status(SessionId='s1')
        emu.advance(1000)

The binary is ATHENA_EMU_BIN, which CTest sets to the build's athena-emu (run a
test by hand with ATHENA_EMU_BIN=build/athena-emu python3 -m unittest ...). It is
started on --port 0 with --ready-file and, unless told otherwise, --clock
manual --start-time 2026-01-01T00:00:00Z, so no test ever sleeps.
"""

import datetime
import decimal
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid



def _binary():
    """The athena-emu binary under test: ATHENA_EMU_BIN, set by CTest."""
    path = os.environ.get('ATHENA_EMU_BIN', '')
    if not path:
        raise RuntimeError(
            'ATHENA_EMU_BIN is not set: it must name the athena-emu binary under test. '
            'Run the tests through CTest (ctest --test-dir build -L integration), which '
            'sets it, or set it by hand: ATHENA_EMU_BIN=build/athena-emu')
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        raise RuntimeError('ATHENA_EMU_BIN=%s is not an executable file: build it first '
                           '(cmake --build build) or point ATHENA_EMU_BIN at the binary' % path)
    return path


BIN = _binary()

START = '2026-01-01T00:00:00Z'
START_DT = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
START_MS = 1767225600000
SPARK = 'PySpark engine version 3'
JSON_CT = 'application/x-amz-json-1.1'
TARGET_PREFIX = 'AmazonAthena.'
HOUR_MS = 3600 * 1000

READY_TIMEOUT_S = 20.0
EXIT_TIMEOUT_S = 10.0

# Traffic goes to 127.0.0.1 only: never through a proxy from the environment.
for _var in ('NO_PROXY', 'no_proxy'):
    os.environ[_var] = ','.join(
        x for x in ['127.0.0.1', 'localhost', os.environ.get(_var, '')] if x)


def at(ms):
    """The aware datetime `ms` milliseconds after START."""
    return START_DT + datetime.timedelta(milliseconds=ms)


def epoch_ms_of(dt):
    """Exact epoch milliseconds of an aware datetime."""
    epoch = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
    return (dt - epoch) // datetime.timedelta(milliseconds=1)


_RFC3339_MS = re.compile(
    r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(Z|[+-]\d\d:\d\d)$')


def parse_rfc3339_ms(text):
    """Epoch ms of an admin-API time: RFC 3339 with exactly 3 fraction digits."""
    if not isinstance(text, str) or not _RFC3339_MS.match(text):
        raise AssertionError('not RFC 3339 with milliseconds: %r' % (text,))
    dt = datetime.datetime.fromisoformat(text.replace('Z', '+00:00'))
    return epoch_ms_of(dt)


def is_uuid(text):
    try:
        return str(uuid.UUID(text)) == text.lower() and len(text) == 36
    except (ValueError, TypeError, AttributeError):
        return False


def step(after_ms, state, reason=None):
    s = {'after_ms': after_ms, 'state': state}
    if reason is not None:
        s['reason'] = reason
    return s


def workgroup(name, **kw):
    wg = {'name': name, 'engine_version': SPARK}
    wg.update(kw)
    return wg


def session(sid, wg, script=None, **kw):
    s = {'id': sid, 'workgroup': wg}
    if script is not None:
        s['script'] = script
    s.update(kw)
    return s


def path_variants(parts):
    """Spellings of a JSON path such as ['sessions', 1, 'state']."""
    def render(style):
        out = ''
        for p in parts:
            if isinstance(p, int):
                out += {'bracket': '[%d]' % p, 'slash': '/%d' % p,
                        'dot': '.%d' % p}[style]
            else:
                sep = {'bracket': '.', 'slash': '/', 'dot': '.'}[style]
                out += (sep if out else '') + p
        return out
    return [render(s) for s in ('bracket', 'slash', 'dot')]


def names_path(text, parts):
    return any(v in text for v in path_variants(parts))


def clean_env(extra=None):
    """The environment without ATHENA_EMU_* and AWS_* settings, plus `extra`."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith('ATHENA_EMU_') and not k.startswith('AWS_')}
    env.update(extra or {})
    return env


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


_boto_session = None


def _boto():
    global _boto_session
    if _boto_session is None:
        import boto3
        _boto_session = boto3.session.Session()
    return _boto_session


class HttpResponse:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # list of (name, value), as received
        self.body = body

    def header(self, name):
        """The one value of header `name` (case-insensitive), or None."""
        vals = self.headers_named(name)
        if len(vals) > 1:
            raise AssertionError('header %s repeated: %r' % (name, vals))
        return vals[0] if vals else None

    def headers_named(self, name):
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def json(self):
        try:
            return json.loads(self.body.decode('utf-8'))
        except ValueError:
            raise AssertionError('body is not JSON: %r' % self.body[:300])

    def json_exact(self):
        """The body with numbers as Decimal, to check exact values."""
        return json.loads(self.body.decode('utf-8'),
                          parse_float=decimal.Decimal,
                          parse_int=decimal.Decimal)

    def __repr__(self):
        return 'HttpResponse(%d, %r, %r)' % (self.status, self.headers,
                                              self.body[:500])


class Emulator:
    """A running athena-emu; a context manager that stops it with SIGTERM."""

    def __init__(self, *extra_args, fixtures=None, db=None, clock='manual',
                 start_time=START, port=0, env=None, cwd=None,
                 admin_token=None, ready_timeout=READY_TIMEOUT_S):
        self.extra_args = list(extra_args)
        self.fixtures = fixtures
        self.db = db
        self.clock = clock
        self.start_time = start_time
        self.port_arg = port
        self.env_extra = env or {}
        self.cwd = cwd
        self.admin_token = admin_token
        self.ready_timeout = ready_timeout
        self.proc = None
        self.stopped = False  # stop() or kill9() was called: an exit is expected
        self.port = None
        self.tmp = None
        self.clients = []

    # -- lifecycle -------------------------------------------------------
    def args(self):
        self.tmp = tempfile.mkdtemp(prefix='athena-emu-it-')
        self.ready_path = os.path.join(self.tmp, 'ready.json')
        args = [BIN]
        if self.port_arg is not None:
            args += ['--port', str(self.port_arg)]
        args += ['--ready-file', self.ready_path]
        if self.clock is not None:
            args += ['--clock', self.clock]
        if self.start_time is not None:
            args += ['--start-time', self.start_time]
        fixtures = self.fixtures
        if fixtures is not None:
            if not isinstance(fixtures, list):
                fixtures = [fixtures]
            for i, f in enumerate(fixtures):
                if isinstance(f, dict):
                    path = os.path.join(self.tmp, 'fixtures-%d.json' % i)
                    with open(path, 'w') as fh:
                        json.dump(f, fh)
                    f = path
                args += ['--fixtures', f]
        if self.db is not None:
            args += ['--db', self.db]
        if self.admin_token is not None:
            args += ['--admin-token', self.admin_token]
        return args + self.extra_args

    def start(self):
        try:
            return self._start()
        except BaseException:
            if self.proc is not None and self.proc.poll() is None:
                self.kill9()
            shutil.rmtree(self.tmp, ignore_errors=True)
            raise

    def _start(self):
        args = self.args()
        self.stdout_path = os.path.join(self.tmp, 'stdout.txt')
        self.stderr_path = os.path.join(self.tmp, 'stderr.txt')
        with open(self.stdout_path, 'wb') as out, \
                open(self.stderr_path, 'wb') as err:
            self.proc = subprocess.Popen(
                args, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                env=clean_env(self.env_extra), cwd=self.cwd)
        deadline = time.monotonic() + self.ready_timeout
        while True:
            if self.proc.poll() is not None:
                raise AssertionError(
                    'athena-emu exited with %s before it was ready; args %r; '
                    'stderr: %s' % (self.proc.returncode, args,
                                    self.stderr_text()))
            try:
                with open(self.ready_path) as fh:
                    self.ready = json.load(fh)
                break
            except (OSError, ValueError):
                pass
            if time.monotonic() > deadline:
                self.kill9()
                raise AssertionError(
                    'athena-emu wrote no ready file in %.1fs; args %r; '
                    'stderr: %s' % (self.ready_timeout, args,
                                    self.stderr_text()))
            time.sleep(0.01)  # waiting for the process to start
        self.port = self.ready['port']
        self.url = 'http://127.0.0.1:%d' % self.port
        return self

    def __enter__(self):
        return self.start()

    def __exit__(self, exc_type, exc, tb):
        for c in self.clients:
            c.close()
        self.clients = []
        if self.proc is not None and self.proc.poll() is None:
            rc = self.stop()
            if exc_type is None and rc != 0:
                raise AssertionError(
                    'athena-emu exited with %s on SIGTERM (want 0); stderr: %s'
                    % (rc, self.stderr_text()))
        elif self.proc is not None and not self.stopped and self.proc.returncode != 0:
            # It died on its own: a crash or a sanitizer report (exit 86 in the asan build).
            msg = ('athena-emu exited by itself with %s; stderr: %s'
                   % (self.proc.returncode, self.report_text()))
            if exc_type is None:
                shutil.rmtree(self.tmp, ignore_errors=True)
                raise AssertionError(msg)
            sys.stderr.write(msg + '\n')
        shutil.rmtree(self.tmp, ignore_errors=True)
        return False

    def stop(self, sig=signal.SIGTERM, timeout=EXIT_TIMEOUT_S):
        """Send `sig` and wait; the exit code (kill -9 after `timeout`)."""
        self.stopped = True
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError('athena-emu did not exit within %ss of %s; '
                                 'stderr: %s' % (timeout, sig,
                                                 self.stderr_text()))

    def kill9(self):
        self.stopped = True
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(EXIT_TIMEOUT_S)

    def stderr_text(self):
        try:
            with open(self.stderr_path, 'rb') as fh:
                return fh.read().decode('utf-8', 'replace')
        except (OSError, AttributeError):
            return ''

    def report_text(self, limit=6000):
        """The start of a sanitizer report on stderr, else the end of stderr."""
        text = self.stderr_text()
        m = re.search(r'^.*(runtime error:|ERROR: \w+Sanitizer)', text, re.M)
        return text[m.start():m.start() + limit] if m else text[-limit:]

    def stdout_text(self):
        try:
            with open(self.stdout_path, 'rb') as fh:
                return fh.read().decode('utf-8', 'replace')
        except (OSError, AttributeError):
            return ''

    # -- AWS side --------------------------------------------------------
    def client(self, parameter_validation=True, access_key='AKIDEXAMPLE',
               region='us-east-1'):
        from botocore.config import Config
        # total_max_attempts 1: exactly one attempt, never a retry.
        config = Config(retries={'total_max_attempts': 1, 'mode': 'legacy'},
                        parameter_validation=parameter_validation,
                        connect_timeout=5, read_timeout=15)
        client = _boto().client(
            'athena', endpoint_url=self.url, region_name=region,
            aws_access_key_id=access_key, aws_secret_access_key='secret',
            config=config)
        self.clients.append(client)
        return client

    def http(self, method, path, body=b'', headers=None, timeout=15):
        """One request on a fresh connection; an HttpResponse."""
        conn = http.client.HTTPConnection('127.0.0.1', self.port,
                                          timeout=timeout)
        try:
            if isinstance(body, str):
                body = body.encode('utf-8')
            conn.request(method, path, body=body, headers=headers or {})
            r = conn.getresponse()
            data = r.read()
            return HttpResponse(r.status, r.getheaders(), data)
        finally:
            conn.close()

    def aws(self, operation='GetSessionStatus', body=b'', headers=None,
            target=None):
        """POST / with the AWS JSON 1.1 headers; body a dict, str or bytes."""
        h = {'Content-Type': JSON_CT}
        if target is not False:
            h['X-Amz-Target'] = target or TARGET_PREFIX + operation
        h.update(headers or {})
        if isinstance(body, dict):
            body = json.dumps(body)
        return self.http('POST', '/', body, h)

    # -- admin side ------------------------------------------------------
    def admin(self, method, path, body=None, token=None, headers=None):
        """(status, parsed JSON body) of an admin call.

        `path` is relative to /_emulator/ unless it starts with '/'. The
        admin token given to the constructor is sent unless `token` is given
        (False: send none; a string: send that bearer token)."""
        if not path.startswith('/'):
            path = '/_emulator/' + path
        h = dict(headers or {})
        tok = self.admin_token if token is None else token
        if tok:
            h['Authorization'] = 'Bearer ' + tok
        data = b''
        if body is not None:
            data = body if isinstance(body, (bytes, str)) else json.dumps(body)
            h.setdefault('Content-Type', 'application/json')
        r = self.http(method, path, data, h)
        return r.status, r.json()

    def admin_ok(self, method, path, body=None):
        status, doc = self.admin(method, path, body)
        if status != 200:
            raise AssertionError('%s %s -> %d %r' % (method, path, status, doc))
        return doc

    def advance(self, ms):
        return self.admin_ok('POST', 'clock', {'advance_ms': ms})

    def now_ms(self):
        return self.admin_ok('GET', 'clock')['epoch_ms']

    def advance_to(self, offset_ms):
        """Move the manual clock to START + offset_ms."""
        delta = START_MS + offset_ms - self.now_ms()
        if delta < 0:
            raise AssertionError('clock already past +%dms' % offset_ms)
        return self.advance(delta)

    def load(self, fixture_doc):
        return self.admin_ok('POST', 'fixtures', fixture_doc)

    def transition(self, session_id, state, reason=None):
        body = {'state': state}
        if reason is not None:
            body['reason'] = reason
        return self.admin('POST', 'sessions/%s/transition' % session_id, body)

    def history(self, session_id):
        return self.admin_ok('GET', 'sessions/%s/history' % session_id)


def read_http_response(f):
    """Read one HTTP/1.1 response from binary file `f`; an HttpResponse.

    Frames the body by Content-Length or chunked encoding, never by EOF
    unless neither is present."""
    line = f.readline()
    if not line:
        raise AssertionError('connection closed before a status line')
    m = re.match(rb'HTTP/1\.[01] (\d{3})', line)
    if not m:
        raise AssertionError('bad status line %r' % line)
    status = int(m.group(1))
    headers = []
    while True:
        line = f.readline()
        if not line:
            raise AssertionError('connection closed inside headers')
        if line in (b'\r\n', b'\n'):
            break
        k, _, v = line.decode('latin-1').partition(':')
        headers.append((k.strip(), v.strip()))
    resp = HttpResponse(status, headers, b'')
    te = (resp.header('Transfer-Encoding') or '').lower()
    cl = resp.header('Content-Length')
    if 'chunked' in te:
        body = b''
        while True:
            size = int(f.readline().split(b';')[0].strip(), 16)
            if size == 0:
                while f.readline() not in (b'\r\n', b'\n', b''):
                    pass
                break
            body += f.read(size)
            f.readline()
        resp.body = body
    elif cl is not None:
        n = int(cl)
        body = f.read(n)
        if len(body) != n:
            raise AssertionError('short body: %d of %d bytes' % (len(body), n))
        resp.body = body
    else:
        resp.body = f.read()
    return resp


def raw_request(method, path, port, body=b'', headers=None):
    """Bytes of one HTTP/1.1 request with Content-Length."""
    if isinstance(body, str):
        body = body.encode('utf-8')
    h = {'Host': '127.0.0.1:%d' % port, 'Content-Length': str(len(body))}
    h.update(headers or {})
    head = '%s %s HTTP/1.1\r\n' % (method, path)
    head += ''.join('%s: %s\r\n' % kv for kv in h.items()) + '\r\n'
    return head.encode('latin-1') + body


def aws_raw_request(port, body, operation='GetSessionStatus', headers=None):
    h = {'Content-Type': JSON_CT, 'X-Amz-Target': TARGET_PREFIX + operation}
    h.update(headers or {})
    if isinstance(body, dict):
        body = json.dumps(body)
    return raw_request('POST', '/', port, body, h)
