"""The AWS JSON 1.1 wire protocol over raw HTTP (CONTRACT §2)."""

import decimal
import http.client
import json
import re
import socket
import threading
import unittest

from emulator import (Emulator, HOUR_MS, JSON_CT, aws_raw_request, is_uuid,
                      raw_request, read_http_response, session, step,
                      workgroup)

MIB = 1024 * 1024

DOC = {
    'workgroups': [workgroup('wg')],
    'sessions': [
        session('idle-1', 'wg', [step(0, 'CREATING'), step(500, 'CREATED'),
                                 step(1123, 'IDLE'), step(HOUR_MS, 'BUSY')]),
        session('busy-1', 'wg', [step(0, 'CREATING'),
                                 step(100, 'BUSY', 'working'),
                                 step(HOUR_MS, 'IDLE')]),
        session('failed-1', 'wg', [step(0, 'CREATING'),
                                   step(250, 'FAILED', 'boom')]),
        session('s\u00e9ance-\u2603', 'wg', [step(0, 'CREATING')]),
    ],
}


class ProtocolTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = Emulator(fixtures=DOC).start()
        cls.emu.advance(1123)

    @classmethod
    def tearDownClass(cls):
        cls.emu.__exit__(None, None, None)

    # -- helpers ---------------------------------------------------------
    def assert_success(self, r):
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.header('Content-Type'), JSON_CT, r)
        self.assertTrue(is_uuid(r.header('x-amzn-RequestId')), r)
        self.assertIsNone(r.header('X-Amzn-ErrorType'), r)
        self.assertIsNone(r.header('x-amzn-query-error'), r)
        return r.json()

    def assert_error(self, r, code, status=400, message=True):
        self.assertEqual(r.status, status, r)
        self.assertEqual(r.header('Content-Type'), JSON_CT, r)
        self.assertTrue(is_uuid(r.header('x-amzn-RequestId')), r)
        self.assertIsNone(r.header('X-Amzn-ErrorType'), r)  # real Athena sends none
        self.assertEqual(r.headers_named('x-amzn-query-error'), [], r)
        doc = r.json()
        self.assertEqual(doc['__type'], code, doc)
        if not message:  # real Athena sends none here; the log line says why
            self.assertEqual(doc, {'__type': code}, doc)
            return doc
        self.assertIsInstance(doc['Message'], str, doc)
        self.assertTrue(doc['Message'], doc)
        return doc

    def get_status(self, sid):
        return self.emu.aws(body={'SessionId': sid})

    # -- success ---------------------------------------------------------
    def test_success_shape(self):
        doc = self.assert_success(self.get_status('idle-1'))
        self.assertEqual(set(doc), {'SessionId', 'Status'})
        self.assertEqual(doc['SessionId'], 'idle-1')
        self.assertEqual(set(doc['Status']),
                         {'StartDateTime', 'LastModifiedDateTime',
                          'IdleSinceDateTime', 'State'})
        self.assertEqual(doc['Status']['State'], 'IDLE')

    def test_optional_members_omitted_never_null(self):
        for sid in ('idle-1', 'busy-1', 'failed-1'):
            r = self.get_status(sid)
            self.assert_success(r)
            self.assertNotIn(b'null', r.body, r.body)
        doc = self.get_status('busy-1').json()
        self.assertEqual(set(doc['Status']),
                         {'StartDateTime', 'LastModifiedDateTime', 'State',
                          'StateChangeReason'})
        doc = self.get_status('failed-1').json()
        self.assertEqual(set(doc['Status']),
                         {'StartDateTime', 'LastModifiedDateTime', 'State',
                          'StateChangeReason', 'EndDateTime'})

    def test_timestamps_are_epoch_seconds_with_milliseconds(self):
        r = self.get_status('idle-1')
        self.assert_success(r)
        text = r.body.decode('utf-8')
        for member in ('StartDateTime', 'LastModifiedDateTime',
                       'IdleSinceDateTime'):
            # A bare JSON number, not a string.
            self.assertRegex(
                text, r'"%s"\s*:\s*-?\d' % member, text)
        st = r.json_exact()['Status']
        self.assertEqual(st['StartDateTime'], decimal.Decimal('1767225600'))
        self.assertEqual(st['LastModifiedDateTime'],
                         decimal.Decimal('1767225601.123'))
        self.assertEqual(st['IdleSinceDateTime'],
                         decimal.Decimal('1767225601.123'))
        r = self.get_status('failed-1')
        st = r.json_exact()['Status']
        self.assertEqual(st['EndDateTime'], decimal.Decimal('1767225600.25'))
        self.assertEqual(st['LastModifiedDateTime'],
                         decimal.Decimal('1767225600.25'))

    def test_half_second_timestamp(self):
        doc = {'workgroups': [workgroup('wg')],
               'sessions': [session('h', 'wg', [step(0, 'CREATING'),
                                                step(500, 'CREATED'),
                                                step(HOUR_MS, 'IDLE')])]}
        with Emulator(fixtures=doc) as emu:
            emu.advance(500)
            r = emu.aws(body={'SessionId': 'h'})
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.json_exact()['Status']['LastModifiedDateTime'],
                             decimal.Decimal('1767225600.5'))
            m = re.search(r'"LastModifiedDateTime"\s*:\s*([-0-9.eE+]+)',
                          r.body.decode())
            self.assertIsNotNone(m, r.body)
            self.assertEqual(float(m.group(1)), 1767225600.5)

    def test_request_ids_differ(self):
        ids = {self.get_status('idle-1').header('x-amzn-RequestId')
               for _ in range(3)}
        self.assertEqual(len(ids), 3, ids)

    def test_header_names_are_case_insensitive(self):
        r = self.emu.http('POST', '/', json.dumps({'SessionId': 'busy-1'}), {
            'content-type': JSON_CT,
            'x-amz-target': 'AmazonAthena.GetSessionStatus'})
        self.assertEqual(self.assert_success(r)['Status']['State'], 'BUSY')

    def test_json_escapes_and_utf8_ids(self):
        sid = 's\u00e9ance-\u2603'
        for body in (b'{"SessionId": "s\\u00e9ance-\\u2603"}',
                     json.dumps({'SessionId': sid},
                                ensure_ascii=False).encode('utf-8')):
            with self.subTest(body=body):
                r = self.emu.aws(body=body)
                doc = self.assert_success(r)
                self.assertEqual(doc['SessionId'], sid)
                self.assertEqual(json.loads(r.body)['SessionId'], sid)

    def test_unknown_members_are_ignored(self):
        r = self.emu.aws(body={'SessionId': 'idle-1', 'Extra': [1, 2]})
        self.assertEqual(self.assert_success(r)['SessionId'], 'idle-1')

    # -- operation errors ------------------------------------------------
    # Measured on real Athena (CONTRACT 2a): UnknownOperationException and a
    # body that is not JSON carry no Message; the emulator's log line says why.
    def log_reasons(self):
        return [l for l in self.emu.stderr_text().splitlines() if 'reason=' in l]

    def test_missing_target(self):
        r = self.emu.aws(body={'SessionId': 'idle-1'}, target=False)
        self.assert_error(r, 'UnknownOperationException', message=False)
        self.assertIn('reason="Missing X-Amz-Target header', self.log_reasons()[-1])

    def test_unknown_target_has_no_message(self):
        for target in ('AmazonAthena.Nope', 'AmazonAthena.getsessionstatus',
                       'AmazonAthena.', 'GetSessionStatus'):
            with self.subTest(target=target):
                r = self.emu.aws(body={'SessionId': 'idle-1'}, target=target)
                self.assertEqual(r.body, b'{"__type":"UnknownOperationException"}')
                self.assert_error(r, 'UnknownOperationException', message=False)
        r = self.emu.aws(body={}, target='AmazonAthena.Nope')
        self.assertIn(r.header('x-amzn-RequestId'), self.log_reasons()[-1])
        self.assertIn('reason="Unknown operation Nope', self.log_reasons()[-1])

    def test_other_service_prefix(self):
        r = self.emu.aws(body={'SessionId': 'idle-1'},
                         target='AmazonS3.GetSessionStatus')
        self.assert_error(r, 'UnknownOperationException', message=False)

    def test_unimplemented_athena_operations(self):
        for op in ('StartQueryExecution', 'GetQueryExecution',
                   'ListDataCatalogs'):
            r = self.emu.aws(op, body={})
            self.assert_error(r, 'UnknownOperationException', message=False)
            self.assertIn('reason="Operation %s is outside the Athena session API' % op,
                          self.log_reasons()[-1])

    def test_body_not_json(self):
        for body in (b'{not json', b'{"SessionId": "idle-1"', b'\x00\x01',
                     b'{"SessionId":"idle-1"} trailing', b'{"SessionId":"idle-1",}',
                     b'', b'  '):
            with self.subTest(body=body):
                r = self.emu.aws(body=body)
                self.assertEqual(r.body, b'{"__type":"SerializationException"}')
                self.assert_error(r, 'SerializationException', message=False)
        self.assertIn('reason="the request body is empty', self.log_reasons()[-1])

    def test_body_json_but_not_an_object(self):
        for body in (b'"idle-1"', b'42', b'null', b'true'):
            with self.subTest(body=body):
                self.assert_error(self.emu.aws(body=body),
                                  'SerializationException', message=False)
        for body in (b'[1]', b'[]'):
            doc = self.assert_error(self.emu.aws(body=body), 'SerializationException')
            self.assertEqual(doc['Message'], 'Start of list found where not expected')

    def test_body_not_utf8(self):
        r = self.emu.aws(body=b'{"SessionId":"\xff\xfeab"}')
        self.assert_error(r, 'SerializationException', message=False)

    def test_member_of_wrong_type(self):
        for value, text in ((123, 'NUMBER_VALUE can not be converted to a String'),
                            (1.5, 'NUMBER_VALUE can not be converted to a String'),
                            (True, 'TRUE_VALUE can not be converted to a String'),
                            (False, 'FALSE_VALUE can not be converted to a String'),
                            (['idle-1'], 'Start of list found where not expected'),
                            ({'a': 1}, 'Start of structure or map found where not expected.')):
            with self.subTest(value=value):
                r = self.emu.aws(body={'SessionId': value})
                self.assertEqual(r.json_exact(), {'__type': 'SerializationException', 'Message': text})

    def test_missing_member(self):
        r = self.emu.aws(body=b'{}')
        self.assertEqual(r.json_exact(), {
            '__type': 'InvalidRequestException', 'AthenaErrorCode': 'INVALID_INPUT',
            'ErrorCode': 'INVALID_INPUT',
            'Message': "1 validation error detected: Value null at 'sessionId' failed to "
                       "satisfy constraint: Member must not be null"})

    def test_constraint_violation_message(self):
        sid = 'q' * 257
        doc = self.assert_error(self.get_status(sid),
                                'InvalidRequestException')
        self.assertEqual(doc['AthenaErrorCode'], 'INVALID_INPUT')
        self.assertEqual(doc['ErrorCode'], 'INVALID_INPUT')
        # Never the value (measured on real Athena).
        self.assertEqual(doc['Message'], "1 validation error detected: Value at 'sessionId' failed "
                                         "to satisfy constraint: Member must have length less than "
                                         "or equal to 256")

    def test_not_found_body(self):
        doc = self.assert_error(self.get_status('ghost'),
                                'ResourceNotFoundException')
        self.assertEqual(doc['ResourceName'], 'ghost')

    def test_other_paths_and_methods_are_404(self):
        cases = [('GET', '/', b''), ('POST', '/other', b'{}'),
                 ('PUT', '/', b'{}'), ('DELETE', '/', b''),
                 ('GET', '/favicon.ico', b'')]
        for method, path, body in cases:
            with self.subTest(method=method, path=path):
                h = {'Content-Type': JSON_CT,
                     'X-Amz-Target': 'AmazonAthena.GetSessionStatus'}
                r = self.emu.http(method, path, body, h)
                self.assert_error(r, 'UnknownOperationException', 404, message=False)

    # -- body size -------------------------------------------------------
    def padded(self, size):
        base = json.dumps({'SessionId': 'idle-1'}).encode()
        return base + b' ' * (size - len(base))

    def test_body_of_exactly_1_mib_is_accepted(self):
        r = self.emu.aws(body=self.padded(MIB))
        self.assertEqual(self.assert_success(r)['SessionId'], 'idle-1')

    def test_body_over_1_mib_is_413(self):
        body = self.padded(MIB + 1)
        req = aws_raw_request(self.emu.port, body)
        with socket.create_connection(('127.0.0.1', self.emu.port),
                                      timeout=15) as s:
            # Send in the background: the server may answer before reading
            # the whole body.
            def send():
                try:
                    s.sendall(req)
                except OSError:
                    pass
            t = threading.Thread(target=send, daemon=True)
            t.start()
            r = read_http_response(s.makefile('rb'))
            t.join(15)
        self.assert_error(r, 'RequestEntityTooLargeException', 413)
        # The server still serves others.
        self.assert_success(self.get_status('idle-1'))

    def test_fixture_document_over_1_mib_is_one_post(self):
        # The admin fixtures endpoint has its own limit (64 MiB): a big
        # document needs no splitting.
        doc = {'sessions': [{'id': 'bulk-%05d' % i, 'workgroup': 'wg',
                             'description': 'x' * 40}
                            for i in range(12000)]}
        body = json.dumps(doc).encode()
        self.assertGreater(len(body), 1 * MIB)
        with Emulator(fixtures={'workgroups': [workgroup('wg')]}) as emu:
            status, out = emu.admin('POST', 'fixtures', body=body)
            self.assertEqual(status, 200, out)
            self.assertEqual(out['applied']['sessions'], 12000)
            self.assert_success(emu.aws(body={'SessionId': 'bulk-11999'}))

    def test_fixture_document_over_64_mib_is_413(self):
        # Refused on its Content-Length alone, before any body is sent.
        head = raw_request('POST', '/_emulator/fixtures', self.emu.port,
                           headers={'Content-Length': str(64 * MIB + 1)})
        with socket.create_connection(('127.0.0.1', self.emu.port),
                                      timeout=15) as s:
            s.sendall(head)
            r = read_http_response(s.makefile('rb'))
        self.assertEqual(r.status, 413)
        self.assertIn(b'67108864', r.body)

    # -- connection handling ---------------------------------------------
    def test_keep_alive(self):
        conn = http.client.HTTPConnection('127.0.0.1', self.emu.port,
                                          timeout=15)
        try:
            sock = None
            bodies = [{'SessionId': 'idle-1'}, {'SessionId': 'ghost'},
                      b'{bad', {'SessionId': 'busy-1'}, {'SessionId': 'idle-1'}]
            for i, body in enumerate(bodies):
                data = body if isinstance(body, bytes) else json.dumps(body)
                conn.request('POST', '/', body=data, headers={
                    'Content-Type': JSON_CT,
                    'X-Amz-Target': 'AmazonAthena.GetSessionStatus'})
                r = conn.getresponse()
                r.read()
                if sock is None:
                    sock = conn.sock
                self.assertIsNotNone(conn.sock, 'closed after request %d' % i)
                self.assertIs(conn.sock, sock, 'reconnected at %d' % i)
                self.assertNotEqual((r.getheader('Connection') or '').lower(),
                                    'close')
                self.assertEqual(r.status, 200 if i in (0, 3, 4) else 400)
        finally:
            conn.close()

    def test_pipelining_answers_in_order(self):
        port = self.emu.port
        reqs = (aws_raw_request(port, {'SessionId': 'busy-1'})
                + aws_raw_request(port, {'SessionId': 'ghost-2'})
                + aws_raw_request(port, {'SessionId': 'idle-1'})
                + aws_raw_request(port, {'SessionId': 'failed-1'}))
        with socket.create_connection(('127.0.0.1', port), timeout=15) as s:
            s.sendall(reqs)
            f = s.makefile('rb')
            rs = [read_http_response(f) for _ in range(4)]
        self.assertEqual(self.assert_success(rs[0])['Status']['State'], 'BUSY')
        self.assertEqual(self.assert_error(rs[1], 'ResourceNotFoundException')
                         ['ResourceName'], 'ghost-2')
        self.assertEqual(self.assert_success(rs[2])['SessionId'], 'idle-1')
        self.assertEqual(self.assert_success(rs[3])['Status']['State'],
                         'FAILED')
        ids = {r.header('x-amzn-RequestId') for r in rs}
        self.assertEqual(len(ids), 4)

    def test_chunked_request_body(self):
        port = self.emu.port
        body = json.dumps({'SessionId': 'busy-1'}).encode()
        parts = [body[:3], body[3:10], body[10:]]
        chunked = b''.join(b'%x\r\n%s\r\n' % (len(p), p) for p in parts)
        chunked += b'0\r\n\r\n'
        head = ('POST / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n'
                'Content-Type: %s\r\n'
                'X-Amz-Target: AmazonAthena.GetSessionStatus\r\n'
                'Transfer-Encoding: chunked\r\n\r\n' % (port, JSON_CT))
        with socket.create_connection(('127.0.0.1', port), timeout=15) as s:
            # Two chunked requests back to back on one connection.
            s.sendall(head.encode() + chunked)
            f = s.makefile('rb')
            r1 = read_http_response(f)
            s.sendall(head.encode() + b'0\r\n\r\n')  # empty chunked body
            r2 = read_http_response(f)
        self.assertEqual(self.assert_success(r1)['Status']['State'], 'BUSY')
        # An empty body is not read as {} (measured on real Athena).
        self.assert_error(r2, 'SerializationException', message=False)

    def test_chunked_with_http_client(self):
        conn = http.client.HTTPConnection('127.0.0.1', self.emu.port,
                                          timeout=15)
        try:
            chunks = iter([b'{"Sessi', b'onId": "fa', b'iled-1"}'])
            conn.request('POST', '/', body=chunks, encode_chunked=True,
                         headers={'Content-Type': JSON_CT,
                                  'X-Amz-Target':
                                  'AmazonAthena.GetSessionStatus'})
            r = conn.getresponse()
            doc = json.loads(r.read())
            self.assertEqual(r.status, 200)
            self.assertEqual(doc['Status']['State'], 'FAILED')
        finally:
            conn.close()

    def test_silent_client_does_not_block_others(self):
        port = self.emu.port
        silent = socket.create_connection(('127.0.0.1', port), timeout=15)
        partial = socket.create_connection(('127.0.0.1', port), timeout=15)
        try:
            partial.sendall(b'POST / HTTP/1.1\r\nHost: x\r\nContent-Le')
            half_body = socket.create_connection(('127.0.0.1', port),
                                                 timeout=15)
            half_body.sendall(aws_raw_request(port, {'SessionId': 'idle-1'})
                              [:-5])
            try:
                for _ in range(3):
                    r = self.emu.aws(body={'SessionId': 'busy-1'})
                    self.assertEqual(r.status, 200)
                # The half-sent request still completes once finished.
                half_body.sendall(aws_raw_request(
                    port, {'SessionId': 'idle-1'})[-5:])
                r = read_http_response(half_body.makefile('rb'))
                self.assertEqual(self.assert_success(r)['SessionId'],
                                 'idle-1')
            finally:
                half_body.close()
        finally:
            silent.close()
            partial.close()

    def test_many_parallel_connections(self):
        results = []
        lock = threading.Lock()

        def worker(i):
            sid = ('idle-1', 'busy-1', 'failed-1', 'nobody')[i % 4]
            try:
                r = self.emu.aws(body={'SessionId': sid})
                with lock:
                    results.append((sid, r.status, r.json()))
            except Exception as e:  # reported below
                with lock:
                    results.append((sid, None, repr(e)))
        threads = [threading.Thread(target=worker, args=(i,))
                   for i in range(24)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        self.assertEqual(len(results), 24)
        for sid, status, doc in results:
            if sid == 'nobody':
                self.assertEqual(status, 400, doc)
                self.assertEqual(doc['ResourceName'], 'nobody')
            else:
                self.assertEqual(status, 200, doc)
                self.assertEqual(doc['SessionId'], sid)

    def test_connection_close_request_is_answered(self):
        # A request with Connection: close gets its answer, then EOF.
        port = self.emu.port
        req = raw_request('POST', '/', port,
                          json.dumps({'SessionId': 'idle-1'}),
                          {'Content-Type': JSON_CT,
                           'X-Amz-Target': 'AmazonAthena.GetSessionStatus',
                           'Connection': 'close'})
        with socket.create_connection(('127.0.0.1', port), timeout=15) as s:
            s.sendall(req)
            f = s.makefile('rb')
            r = read_http_response(f)
            self.assertEqual(f.read(), b'')
        self.assertEqual(self.assert_success(r)['SessionId'], 'idle-1')


if __name__ == '__main__':
    unittest.main()
