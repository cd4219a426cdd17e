"""Fault injection (issue 5; CONTRACT §7, §5 `faults`, §8 `faults`).

Rules come from POST /_emulator/faults and from fixtures. Each test starts
its own athena-emu (manual clock, its own fixtures) and drives it with boto3
(and raw HTTP where the wire itself is the point).

What boto3 does with each fault (botocore 1.29 and current, checked here):
- an error action: a ClientError with the injected code and status; with
  retries off (`total_max_attempts: 1`) exactly one attempt is made;
- standard retries retry 500/502/503/504 and the throttling codes
  (ThrottlingException, TooManyRequestsException, ...) whatever the status;
  legacy retries retry any 429 but a 400 only for known throttling codes;
- `reset` and `close`: botocore.exceptions.ConnectionClosedError (an
  HTTPClientError);
- `empty` and `malformed_json` on a 200: no exception at all. botocore parses
  an empty body as `{}` and an unparsable one as `{"message": <body>}`, so the
  call "succeeds" with no output members: the client under test must notice
  the missing `Status` itself;
- `stall`: botocore.exceptions.ReadTimeoutError after `read_timeout`.

Note: in botocore's `retries` config, `max_attempts` counts retries (total =
max_attempts + 1) while `total_max_attempts` counts every attempt.
"""

import json
import socket
import threading
import time
import unittest
import urllib.parse

from emulator import (JSON_CT, Emulator, _boto, aws_raw_request, is_uuid,
                      names_path, session, step, workgroup)

ROLE = 'arn:aws:iam::123456789012:role/r'
OTHER_ACCOUNT = '210987654321'
OTHER_REGION = 'eu-west-1'
ENGINE = {'MaxConcurrentDpus': 20}

FIXTURES = {
    'workgroups': [
        workgroup('wg-a', profile='instant',
                  configuration={'ExecutionRole': ROLE}),
        workgroup('wg-b', profile='instant',
                  configuration={'ExecutionRole': ROLE}),
    ],
    'sessions': [
        session('s1', 'wg-a', [step(0, 'IDLE')]),
        session('s2', 'wg-a', [step(0, 'IDLE')]),
        session('s3', 'wg-b', [step(0, 'IDLE')]),
    ],
}

NO_RETRIES = {'total_max_attempts': 1, 'mode': 'legacy'}
STANDARD_RETRIES = {'mode': 'standard', 'max_attempts': 3}  # 4 attempts

RULE_KEYS = {'id', 'operation', 'match', 'probability', 'count', 'skip',
             'action'}


def boto_client(emu, retries=None, read_timeout=15, access_key='AKIDEXAMPLE',
                region='us-east-1'):
    """A boto3 Athena client on `emu` with the given retry config."""
    from botocore.config import Config
    config = Config(retries=dict(retries or NO_RETRIES), connect_timeout=5,
                    read_timeout=read_timeout)
    client = _boto().client(
        'athena', endpoint_url=emu.url, region_name=region,
        aws_access_key_id=access_key, aws_secret_access_key='secret',
        config=config)
    emu.clients.append(client)
    return client


def raw_exchange(port, data, timeout=5.0):
    """Send `data` on a fresh connection, read until the peer closes.

    (bytes received, the ConnectionResetError or None). A socket.timeout
    propagates: the connection neither answered nor closed."""
    s = socket.create_connection(('127.0.0.1', port), timeout=timeout)
    chunks, err = [], None
    try:
        s.sendall(data)
        while True:
            try:
                b = s.recv(65536)
            except ConnectionResetError as e:
                err = e
                break
            if not b:
                break
            chunks.append(b)
    finally:
        s.close()
    return b''.join(chunks), err


class FaultAssertions:
    """Mixin for unittest.TestCase with self.emu."""

    def add(self, rule):
        """POST /_emulator/faults; checks the stored rule; returns it."""
        status, doc = self.emu.admin('POST', 'faults', rule)
        self.assertEqual(status, 200, (rule, doc))
        self.assertIsInstance(doc, dict, doc)
        self.assertIsInstance(doc.get('id'), str, doc)
        self.assertTrue(doc['id'], doc)
        for k, v in rule.items():
            self.assertEqual(doc.get(k), v, ('stored rule member %s' % k,
                                             rule, doc))
        self.assertLessEqual(set(doc), RULE_KEYS | {'fired'}, doc)
        return doc

    def faults(self):
        doc = self.emu.admin_ok('GET', 'faults')
        self.assertEqual(set(doc), {'faults'}, doc)
        self.assertIsInstance(doc['faults'], list, doc)
        for r in doc['faults']:
            self.assertIsInstance(r.get('id'), str, r)
            self.assertIn('operation', r, r)
            self.assertIn('action', r, r)
            self.assertIsInstance(r.get('fired'), int, r)
            self.assertNotIsInstance(r.get('fired'), bool, r)
        return doc['faults']

    def fired(self):
        """{id: fired} of the rules GET /_emulator/faults lists, in order."""
        return {r['id']: r['fired'] for r in self.faults()}

    def journal(self, **filters):
        path = 'requests'
        if filters:
            path += '?' + urllib.parse.urlencode(filters)
        doc = self.emu.admin_ok('GET', path)
        self.assertEqual(set(doc), {'requests'}, doc)
        self.assertIsInstance(doc['requests'], list, doc)
        return doc['requests']

    def gss(self, sid='s1'):
        """GetSessionStatus over raw HTTP: the HttpResponse."""
        return self.emu.aws('GetSessionStatus', {'SessionId': sid})

    def statuses(self, sid='s1', n=1):
        return [self.gss(sid).status for _ in range(n)]

    def expect_client_error(self, fn, code, status, message=None,
                            retry_attempts=0, **kw):
        import botocore.exceptions
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            fn(**kw)
        e = cm.exception
        self.assertEqual(e.response['Error']['Code'], code, e.response)
        meta = e.response['ResponseMetadata']
        self.assertEqual(meta['HTTPStatusCode'], status, e.response)
        self.assertEqual(meta['RetryAttempts'], retry_attempts, e.response)
        if message is None:
            self.assertIsInstance(e.response['Error']['Message'], str)
            self.assertTrue(e.response['Error']['Message'], e.response)
        else:
            self.assertEqual(e.response['Error']['Message'], message)
        self.assertTrue(is_uuid(meta.get('RequestId')), meta)
        return e

    def check_error_wire(self, resp, code, status, message=None,
                         members=None):
        """A raw answer is exactly the injected AWS JSON 1.1 error."""
        self.assertEqual(resp.status, status, resp)
        self.assertEqual(resp.header('Content-Type'), JSON_CT, resp)
        self.assertIsNone(resp.header('X-Amzn-ErrorType'), resp)  # real Athena sends none
        self.assertTrue(is_uuid(resp.header('x-amzn-RequestId')), resp)
        self.assertIsNone(resp.header('x-amzn-query-error'), resp)
        doc = resp.json()
        self.assertEqual(set(doc), {'__type', 'Message'} | set(members or {}),
                         doc)
        self.assertEqual(doc['__type'], code, doc)
        self.assertIsInstance(doc['Message'], str, doc)
        self.assertTrue(doc['Message'], doc)
        if message is not None:
            self.assertEqual(doc['Message'], message, doc)
        for k, v in (members or {}).items():
            self.assertEqual(doc[k], v, doc)
        return doc

    def check_ok_gss(self, resp, sid='s1'):
        self.assertEqual(resp.status, 200, resp)
        doc = resp.json()
        self.assertEqual(doc['SessionId'], sid, doc)
        self.assertEqual(doc['Status']['State'], 'IDLE', doc)
        return doc

    def wait_stderr(self, *needles, timeout=3.0):
        """The stderr lines that contain every needle (waits for one)."""
        deadline = time.monotonic() + timeout
        while True:
            lines = [ln for ln in self.emu.stderr_text().splitlines()
                     if all(n in ln for n in needles)]
            if lines:
                return lines
            if time.monotonic() > deadline:
                self.fail('no stderr line contains %r; stderr:\n%s'
                          % (needles, self.emu.stderr_text()[-4000:]))
            time.sleep(0.05)  # the log line is written after the answer

    def wait_journal(self, pred, timeout=5.0, what=''):
        """The journal entries matching pred (waits for at least one)."""
        deadline = time.monotonic() + timeout
        while True:
            got = [e for e in self.journal() if pred(e)]
            if got:
                return got
            if time.monotonic() > deadline:
                self.fail('no journal entry %s: %s'
                          % (what, json.dumps(self.journal())))
            time.sleep(0.05)  # a connection fault is journaled when it ends


class FaultTestCase(FaultAssertions, unittest.TestCase):
    ARGS = ()
    FIXTURES = FIXTURES

    def setUp(self):
        self.emu = Emulator(*self.ARGS, fixtures=self.FIXTURES).start()
        self.addCleanup(self.emu.__exit__, None, None, None)
        self.c = self.emu.client()


class MatchTest(FaultTestCase):
    """Which requests a rule matches (CONTRACT §7)."""

    def test_operation_matches_only_that_operation(self):
        self.add({'id': 'op', 'operation': 'GetSessionStatus',
                  'action': {'error': 'InternalServerException'}})
        with self.assertRaises(self.c.exceptions.InternalServerException):
            self.c.get_session_status(SessionId='s1')
        self.expect_client_error(self.c.get_session_status,
                                 'InternalServerException', 500,
                                 SessionId='s2')
        r = self.c.get_session(SessionId='s1')
        self.assertEqual(r['SessionId'], 's1')
        self.assertIn('WorkGroups', self.c.list_work_groups())
        self.assertEqual(self.fired(), {'op': 2})

    def test_star_matches_every_operation(self):
        self.add({'id': 'all', 'operation': '*',
                  'action': {'error': 'ServiceUnavailable'}})
        calls = [
            (self.c.get_session_status, {'SessionId': 's1'}),
            (self.c.get_session, {'SessionId': 's2'}),
            (self.c.list_work_groups, {}),
            (self.c.get_work_group, {'WorkGroup': 'primary'}),
            (self.c.list_sessions, {'WorkGroup': 'wg-a'}),
            (self.c.start_session, {'WorkGroup': 'wg-a',
                                    'EngineConfiguration': ENGINE}),
        ]
        for fn, kw in calls:
            self.expect_client_error(fn, 'ServiceUnavailable', 503, **kw)
        self.assertEqual(self.fired(), {'all': len(calls)})
        # StartSession was refused before anything happened.
        self.emu.admin_ok('DELETE', 'faults')
        self.assertEqual(
            sorted(s['SessionId'] for s in
                   self.c.list_sessions(WorkGroup='wg-a')['Sessions']),
            ['s1', 's2'])

    def test_match_session_id(self):
        self.add({'id': 'sess', 'operation': '*',
                  'match': {'session_id': 's1'},
                  'action': {'error': 'ThrottlingException'}})
        self.expect_client_error(self.c.get_session_status,
                                 'ThrottlingException', 400, SessionId='s1')
        self.expect_client_error(self.c.get_session, 'ThrottlingException',
                                 400, SessionId='s1')
        self.assertEqual(
            self.c.get_session_status(SessionId='s2')['SessionId'], 's2')
        self.assertEqual(self.c.get_session(SessionId='s3')['SessionId'],
                         's3')
        self.assertIn('WorkGroups', self.c.list_work_groups())
        self.assertEqual(self.fired(), {'sess': 2})

    def test_match_workgroup(self):
        self.add({'id': 'wg', 'operation': '*',
                  'match': {'workgroup': 'wg-a'},
                  'action': {'error': 'InternalServerException'}})
        self.expect_client_error(self.c.list_sessions,
                                 'InternalServerException', 500,
                                 WorkGroup='wg-a')
        self.expect_client_error(self.c.get_work_group,
                                 'InternalServerException', 500,
                                 WorkGroup='wg-a')
        self.expect_client_error(self.c.start_session,
                                 'InternalServerException', 500,
                                 WorkGroup='wg-a',
                                 EngineConfiguration=ENGINE)
        # Other workgroups and requests naming none pass.
        self.assertEqual(
            [s['SessionId'] for s in
             self.c.list_sessions(WorkGroup='wg-b')['Sessions']], ['s3'])
        self.assertEqual(
            self.c.get_work_group(WorkGroup='wg-b')['WorkGroup']['Name'],
            'wg-b')
        sid = self.c.start_session(WorkGroup='wg-b',
                                   EngineConfiguration=ENGINE)['SessionId']
        self.assertTrue(is_uuid(sid), sid)
        self.assertIn('WorkGroups', self.c.list_work_groups())
        self.assertEqual(self.fired(), {'wg': 3})

    def test_match_account_and_region(self):
        self.add({'id': 'acct', 'operation': 'ListWorkGroups',
                  'match': {'account': OTHER_ACCOUNT},
                  'action': {'error': 'InternalServerException',
                             'message': 'account rule'}})
        self.add({'id': 'region', 'operation': 'ListWorkGroups',
                  'match': {'region': OTHER_REGION},
                  'action': {'error': 'InternalServerException',
                             'message': 'region rule'}})
        other_acct = self.emu.client(access_key=OTHER_ACCOUNT)
        other_region = self.emu.client(region=OTHER_REGION)
        self.expect_client_error(other_acct.list_work_groups,
                                 'InternalServerException', 500,
                                 message='account rule')
        self.expect_client_error(other_region.list_work_groups,
                                 'InternalServerException', 500,
                                 message='region rule')
        self.assertIn('WorkGroups', self.c.list_work_groups())
        self.assertEqual(self.fired(), {'acct': 1, 'region': 1})

    def test_match_members_all_apply(self):
        self.add({'id': 'both', 'operation': 'ListWorkGroups',
                  'match': {'account': OTHER_ACCOUNT,
                            'region': OTHER_REGION},
                  'action': {'error': 'InternalServerException'}})
        self.assertIn('WorkGroups',
                      self.emu.client(access_key=OTHER_ACCOUNT)
                      .list_work_groups())
        self.assertIn('WorkGroups',
                      self.emu.client(region=OTHER_REGION).list_work_groups())
        both = self.emu.client(access_key=OTHER_ACCOUNT, region=OTHER_REGION)
        self.expect_client_error(both.list_work_groups,
                                 'InternalServerException', 500)
        self.assertEqual(self.fired(), {'both': 1})


class CountSkipOrderTest(FaultTestCase):
    """count, skip, probability 0, and the first rule that fires acts."""

    def test_count_fires_n_times_then_retires(self):
        self.add({'id': 'twice', 'operation': 'GetSessionStatus', 'count': 2,
                  'action': {'error': 'InternalServerException'}})
        self.assertEqual(self.fired(), {'twice': 0})
        self.check_error_wire(self.gss(), 'InternalServerException', 500)
        self.assertEqual(self.fired(), {'twice': 1})
        self.check_error_wire(self.gss(), 'InternalServerException', 500)
        self.assertEqual(self.faults(), [], 'a retired rule is dropped')
        self.check_ok_gss(self.gss())
        self.check_ok_gss(self.gss())

    def test_skip_lets_the_first_matches_pass(self):
        self.add({'id': 'later', 'operation': 'GetSessionStatus', 'skip': 2,
                  'count': 1, 'action': {'error': 'ThrottlingException'}})
        self.check_ok_gss(self.gss())
        self.check_ok_gss(self.gss('s2'), 's2')
        self.assertEqual(self.fired(), {'later': 0})
        self.check_error_wire(self.gss(), 'ThrottlingException', 400)
        self.assertEqual(self.faults(), [])
        self.check_ok_gss(self.gss())

    def test_skip_counts_only_matching_requests(self):
        self.add({'id': 'later', 'operation': 'GetSessionStatus',
                  'match': {'session_id': 's1'}, 'skip': 1,
                  'action': {'error': 'ThrottlingException'}})
        self.check_ok_gss(self.gss('s2'), 's2')
        self.check_ok_gss(self.gss('s2'), 's2')
        self.check_ok_gss(self.gss('s1'))  # the one skipped match
        self.check_error_wire(self.gss('s1'), 'ThrottlingException', 400)
        self.check_error_wire(self.gss('s1'), 'ThrottlingException', 400)
        self.check_ok_gss(self.gss('s2'), 's2')
        self.assertEqual(self.fired(), {'later': 2})

    def test_probability_zero_never_fires_one_always(self):
        self.add({'id': 'never', 'operation': 'GetSessionStatus',
                  'probability': 0,
                  'action': {'error': 'InternalServerException'}})
        self.assertEqual(self.statuses(n=20), [200] * 20)
        self.assertEqual(self.fired(), {'never': 0})
        self.add({'id': 'always', 'operation': 'GetSessionStatus',
                  'probability': 1, 'action': {'error': 'ThrottlingException'}})
        self.assertEqual(self.statuses(n=10), [400] * 10)
        self.assertEqual(self.fired(), {'never': 0, 'always': 10})

    def test_first_matching_rule_in_insertion_order_acts(self):
        self.add({'id': 'a-throttle', 'operation': 'GetSessionStatus',
                  'match': {'session_id': 's1'},
                  'action': {'error': 'ThrottlingException'}})
        self.add({'id': 'b-500', 'operation': '*',
                  'action': {'error': 'InternalServerException'}})
        self.check_error_wire(self.gss('s1'), 'ThrottlingException', 400)
        self.check_error_wire(self.gss('s2'), 'InternalServerException', 500)
        self.check_error_wire(self.gss('s1'), 'ThrottlingException', 400)
        self.assertEqual([r['id'] for r in self.faults()],
                         ['a-throttle', 'b-500'])
        self.assertEqual(self.fired(), {'a-throttle': 2, 'b-500': 1})

    def test_a_rule_that_does_not_fire_lets_the_next_one_act(self):
        self.add({'id': 'p0', 'operation': 'GetSessionStatus',
                  'probability': 0,
                  'action': {'error': 'ThrottlingException'}})
        self.add({'id': 'skip1', 'operation': 'GetSessionStatus', 'skip': 1,
                  'action': {'error': 'ServiceUnavailable'}})
        self.add({'id': 'last', 'operation': 'GetSessionStatus', 'count': 1,
                  'action': {'error': 'InternalServerException'}})
        # p0 does not fire, skip1 skips (counting down), `last` fires.
        self.check_error_wire(self.gss(), 'InternalServerException', 500)
        self.assertEqual(self.fired(), {'p0': 0, 'skip1': 0})
        # skip1 has no skip left: it fires now.
        self.check_error_wire(self.gss(), 'ServiceUnavailable', 503)
        self.assertEqual(self.fired(), {'p0': 0, 'skip1': 1})

    def test_no_rule_after_the_one_that_fired_is_consulted(self):
        self.add({'id': 'first', 'operation': 'GetSessionStatus',
                  'action': {'error': 'ThrottlingException'}})
        self.add({'id': 'second', 'operation': 'GetSessionStatus',
                  'skip': 1, 'count': 1,
                  'action': {'error': 'InternalServerException'}})
        for _ in range(3):
            self.check_error_wire(self.gss(), 'ThrottlingException', 400)
        self.assertEqual(self.fired(), {'first': 3, 'second': 0})
        self.emu.admin_ok('DELETE', 'faults/first')
        # `second` still has its skip: it was never consulted.
        self.check_ok_gss(self.gss())
        self.check_error_wire(self.gss(), 'InternalServerException', 500)
        self.check_ok_gss(self.gss())
        self.assertEqual(self.faults(), [])


class SeededProbabilityTest(FaultAssertions, unittest.TestCase):
    """`probability` is seeded by --seed (CONTRACT §1, §7)."""

    N = 40

    def pattern(self, seed):
        """The firing pattern of a probability-0.5 rule over N requests."""
        with Emulator('--seed', str(seed), fixtures=FIXTURES) as emu:
            self.emu = emu
            self.add({'id': 'coin', 'operation': 'GetSessionStatus',
                      'probability': 0.5,
                      'action': {'error': 'InternalServerException'}})
            statuses = []
            for i in range(self.N):
                r = self.gss('s1' if i % 2 else 's2')
                self.assertIn(r.status, (200, 500), r)
                if r.status == 500:
                    self.check_error_wire(r, 'InternalServerException', 500)
                statuses.append(r.status)
            fires = statuses.count(500)
            self.assertEqual(self.fired(), {'coin': fires})
            entries = self.journal()
            self.assertEqual([e['status'] for e in entries], statuses)
            self.assertEqual([e.get('fault_id') for e in entries],
                             ['coin' if s == 500 else None
                              for s in statuses])
            return ''.join('x' if s == 500 else '.' for s in statuses)

    def test_same_seed_same_firings_other_seed_other_firings(self):
        first = self.pattern(42)
        second = self.pattern(42)
        other = self.pattern(7)
        for p in (first, other):
            # 0.5 over 40 requests: all-or-nothing has odds of 2^-39.
            self.assertIn('x', p)
            self.assertIn('.', p)
        self.assertEqual(first, second, 'same seed, same requests')
        self.assertNotEqual(first, other, 'seeds 42 and 7')


class ErrorActionTest(FaultTestCase):
    """`{"error":Code, "status"?, "message"?, "members"?}` as boto3 and the
    wire see it, retries off."""

    def test_default_statuses(self):
        cases = [('InternalServerException', 500),
                 ('ServiceUnavailable', 503),
                 ('ThrottlingException', 400),
                 ('InvalidRequestException', 400),
                 ('AccessDeniedException', 400)]
        for code, status in cases:
            with self.subTest(code=code):
                self.emu.admin_ok('DELETE', 'faults')
                self.add({'id': 'e-' + code, 'operation': 'GetSessionStatus',
                          'action': {'error': code}})
                self.check_error_wire(self.gss(), code, status)
                self.expect_client_error(self.c.get_session_status, code,
                                         status, SessionId='s1')
                self.assertEqual(self.fired(), {'e-' + code: 2})

    def test_modeled_exceptions_are_raised_as_their_classes(self):
        self.add({'id': 'ise', 'operation': 'GetSessionStatus', 'count': 1,
                  'action': {'error': 'InternalServerException'}})
        with self.assertRaises(self.c.exceptions.InternalServerException):
            self.c.get_session_status(SessionId='s1')
        self.add({'id': 'ire', 'operation': 'GetSessionStatus', 'count': 1,
                  'action': {'error': 'InvalidRequestException'}})
        with self.assertRaises(self.c.exceptions.InvalidRequestException):
            self.c.get_session_status(SessionId='s1')
        self.assertEqual(
            self.c.get_session_status(SessionId='s1')['Status']['State'],
            'IDLE')

    def test_too_many_requests_with_members(self):
        members = {'Reason': 'CONCURRENT_QUERY_LIMIT_EXCEEDED'}
        self.add({'id': 'tmr', 'operation': 'StartSession',
                  'action': {'error': 'TooManyRequestsException',
                             'members': members}})
        resp = self.emu.aws('StartSession', {'WorkGroup': 'wg-a',
                                             'EngineConfiguration': ENGINE})
        self.check_error_wire(resp, 'TooManyRequestsException', 400,
                              members=members)
        with self.assertRaises(
                self.c.exceptions.TooManyRequestsException) as cm:
            self.c.start_session(WorkGroup='wg-a', EngineConfiguration=ENGINE)
        err = cm.exception
        self.assertEqual(err.response['Error']['Code'],
                         'TooManyRequestsException')
        self.assertEqual(err.response['ResponseMetadata']['HTTPStatusCode'],
                         400)
        self.assertEqual(err.response['Reason'],
                         'CONCURRENT_QUERY_LIMIT_EXCEEDED', err.response)
        self.assertEqual(self.fired(), {'tmr': 2})
        # No session was started by the refused calls.
        self.emu.admin_ok('DELETE', 'faults')
        self.assertEqual(
            sorted(s['SessionId'] for s in
                   self.c.list_sessions(WorkGroup='wg-a')['Sessions']),
            ['s1', 's2'])

    def test_explicit_status_and_message(self):
        self.add({'id': 'rate', 'operation': 'GetSessionStatus',
                  'action': {'error': 'ThrottlingException', 'status': 429,
                             'message': 'Rate exceeded'}})
        self.check_error_wire(self.gss(), 'ThrottlingException', 429,
                              message='Rate exceeded')
        self.expect_client_error(self.c.get_session_status,
                                 'ThrottlingException', 429,
                                 message='Rate exceeded', SessionId='s1')

    def test_any_code_any_status(self):
        self.add({'id': 'denied', 'operation': 'GetSession',
                  'action': {'error': 'AccessDeniedException', 'status': 403,
                             'message': 'not for you',
                             'members': {'Hint': 'ask'}}})
        resp = self.emu.aws('GetSession', {'SessionId': 's1'})
        self.check_error_wire(resp, 'AccessDeniedException', 403,
                              message='not for you', members={'Hint': 'ask'})
        self.expect_client_error(self.c.get_session, 'AccessDeniedException',
                                 403, message='not for you', SessionId='s1')


class RetryTest(FaultTestCase):
    """boto3's retry modes against injected errors."""

    def test_standard_retries_recover_from_two_500s(self):
        self.add({'id': 'two-500', 'operation': 'GetSessionStatus',
                  'count': 2, 'action': {'error': 'InternalServerException'}})
        c = boto_client(self.emu, STANDARD_RETRIES)
        r = c.get_session_status(SessionId='s1')
        self.assertEqual(r['SessionId'], 's1')
        self.assertEqual(r['Status']['State'], 'IDLE')
        self.assertEqual(r['ResponseMetadata']['RetryAttempts'], 2)
        self.assertEqual(self.faults(), [])
        entries = self.journal()
        self.assertEqual([(e['operation'], e['status'], e.get('error_code'),
                           e.get('fault_id')) for e in entries],
                         [('GetSessionStatus', 500, 'InternalServerException',
                           'two-500')] * 2 +
                         [('GetSessionStatus', 200, None, None)])
        ids = [e['request_id'] for e in entries]
        self.assertEqual(len(set(ids)), 3, ids)
        self.assertEqual(ids[-1], r['ResponseMetadata']['RequestId'])

    def test_standard_retries_recover_from_a_503(self):
        self.add({'id': 'one-503', 'operation': 'ListSessions', 'count': 1,
                  'action': {'error': 'ServiceUnavailable'}})
        c = boto_client(self.emu, STANDARD_RETRIES)
        r = c.list_sessions(WorkGroup='wg-b')
        self.assertEqual([s['SessionId'] for s in r['Sessions']], ['s3'])
        self.assertEqual(r['ResponseMetadata']['RetryAttempts'], 1)
        self.assertEqual(self.faults(), [])

    def test_standard_retries_give_up(self):
        self.add({'id': 'many', 'operation': 'GetSessionStatus', 'count': 10,
                  'action': {'error': 'InternalServerException'}})
        c = boto_client(self.emu, {'mode': 'standard',
                                   'total_max_attempts': 3})
        self.expect_client_error(c.get_session_status,
                                 'InternalServerException', 500,
                                 retry_attempts=2, SessionId='s1')
        self.assertEqual(self.fired(), {'many': 3})

    def test_retries_off_make_one_attempt(self):
        self.add({'id': 'ise', 'operation': 'GetSessionStatus', 'count': 1,
                  'action': {'error': 'InternalServerException'}})
        self.expect_client_error(self.c.get_session_status,
                                 'InternalServerException', 500,
                                 SessionId='s1')
        self.assertEqual(len(self.journal()), 1)

    def test_throttle_429_versus_400(self):
        # Retries off: boto3 reports the status the emulator chose.
        for status in (400, 429):
            self.add({'id': 'thr-%d' % status, 'operation': 'GetSession',
                      'count': 1,
                      'action': {'error': 'ThrottlingException',
                                 'status': status}})
            self.expect_client_error(self.c.get_session,
                                     'ThrottlingException', status,
                                     SessionId='s1')
        # Standard retries retry ThrottlingException whatever the status.
        std = boto_client(self.emu, {'mode': 'standard',
                                     'total_max_attempts': 2})
        for status in (400, 429):
            self.add({'id': 'std-%d' % status, 'operation': 'GetSession',
                      'count': 1,
                      'action': {'error': 'ThrottlingException',
                                 'status': status}})
            r = std.get_session(SessionId='s1')
            self.assertEqual(r['ResponseMetadata']['RetryAttempts'], 1,
                             status)
        # Legacy retries retry any 429, but a 400 only for the known
        # throttling codes: an unknown code shows the difference.
        legacy = boto_client(self.emu, {'mode': 'legacy',
                                        'total_max_attempts': 2})
        self.add({'id': 'slow-429', 'operation': 'GetSession', 'count': 1,
                  'action': {'error': 'RequestLimitReached', 'status': 429}})
        r = legacy.get_session(SessionId='s1')
        self.assertEqual(r['SessionId'], 's1')
        self.assertEqual(r['ResponseMetadata']['RetryAttempts'], 1)
        self.add({'id': 'slow-400', 'operation': 'GetSession', 'count': 1,
                  'action': {'error': 'RequestLimitReached', 'status': 400}})
        self.expect_client_error(legacy.get_session, 'RequestLimitReached',
                                 400, SessionId='s1')
        self.assertEqual(self.faults(), [])
        self.assertEqual(
            [(e['status'], e.get('fault_id')) for e in self.journal()],
            [(400, 'thr-400'), (429, 'thr-429'),
             (400, 'std-400'), (200, None), (429, 'std-429'), (200, None),
             (429, 'slow-429'), (200, None), (400, 'slow-400')])


class LatencyTest(FaultTestCase):
    """`{"latency_ms":N}` delays the matched answer only."""

    def timed(self, fn, **kw):
        t = time.monotonic()
        try:
            return fn(**kw), None, time.monotonic() - t
        except Exception as e:  # returned for the caller to check
            return None, e, time.monotonic() - t

    def test_latency_delays_only_the_matched_request(self):
        self.add({'id': 'slow', 'operation': 'GetSessionStatus',
                  'match': {'session_id': 's1'},
                  'action': {'latency_ms': 1500}})
        slow_client = self.emu.client()
        fast_client = self.emu.client()
        out = {}

        def slow():
            out['r'], out['e'], out['elapsed'] = self.timed(
                slow_client.get_session_status, SessionId='s1')
            out['done'] = time.monotonic()

        th = threading.Thread(target=slow)
        th.start()
        try:
            time.sleep(0.3)  # let the slow request reach the emulator
            r, e, fast_elapsed = self.timed(fast_client.get_session_status,
                                            SessionId='s2')
            fast_done = time.monotonic()
        finally:
            th.join(15)
        self.assertFalse(th.is_alive())
        self.assertIsNone(e)
        self.assertEqual(r['Status']['State'], 'IDLE')
        self.assertLess(fast_elapsed, 0.7,
                        'the other connection was delayed')
        self.assertIsNone(out['e'])
        self.assertEqual(out['r']['SessionId'], 's1')
        self.assertEqual(out['r']['Status']['State'], 'IDLE')
        self.assertGreaterEqual(out['elapsed'], 1.5)
        self.assertLess(out['elapsed'], 5.0)
        self.assertLess(fast_done, out['done'],
                        'the fast answer came after the slow one')
        self.assertEqual(self.fired(), {'slow': 1})
        by_session = {e['session_id']: e for e in self.journal()}
        self.assertEqual(by_session['s1']['status'], 200)
        self.assertEqual(by_session['s1'].get('fault_id'), 'slow')
        self.assertEqual(by_session['s1']['request_id'],
                         out['r']['ResponseMetadata']['RequestId'])
        self.assertNotIn('fault_id', by_session['s2'])

    def test_latency_with_an_error(self):
        self.add({'id': 'slow-500', 'operation': 'GetSessionStatus',
                  'action': {'latency_ms': 800,
                             'error': 'InternalServerException'}})
        t = time.monotonic()
        self.expect_client_error(self.c.get_session_status,
                                 'InternalServerException', 500,
                                 SessionId='s1')
        elapsed = time.monotonic() - t
        self.assertGreaterEqual(elapsed, 0.8)
        self.assertLess(elapsed, 5.0)

    def test_latency_with_a_transport_fault(self):
        import botocore.exceptions
        self.add({'id': 'slow-close', 'operation': 'GetSessionStatus',
                  'action': {'latency_ms': 700, 'transport': 'close'}})
        t = time.monotonic()
        with self.assertRaises(botocore.exceptions.ConnectionClosedError):
            self.c.get_session_status(SessionId='s1')
        elapsed = time.monotonic() - t
        self.assertGreaterEqual(elapsed, 0.7)
        self.assertLess(elapsed, 5.0)


class TransportTest(FaultTestCase):
    """`{"transport": reset|close|empty|malformed_json|stall}`."""

    def expect_connection_error(self, fn, **kw):
        import botocore.exceptions
        t = time.monotonic()
        with self.assertRaises((botocore.exceptions.HTTPClientError,
                                botocore.exceptions.ConnectionError)) as cm:
            fn(**kw)
        elapsed = time.monotonic() - t
        self.assertNotIsInstance(cm.exception,
                                 botocore.exceptions.ReadTimeoutError,
                                 'no answer at once, not a timeout')
        self.assertLess(elapsed, 5.0)
        return cm.exception

    def test_reset_through_boto3(self):
        import botocore.exceptions
        self.add({'id': 'fault-rst-1', 'operation': 'GetSessionStatus', 'count': 1,
                  'action': {'transport': 'reset'}})
        err = self.expect_connection_error(self.c.get_session_status,
                                           SessionId='s1')
        self.assertIsInstance(err, botocore.exceptions.ConnectionClosedError)
        self.assertEqual(self.c.get_session_status(SessionId='s1')
                         ['Status']['State'], 'IDLE')
        self.assertEqual(self.faults(), [])
        entry = self.wait_journal(lambda e: e.get('fault_id') == 'fault-rst-1',
                                  what='for the reset')
        self.assertEqual(len(entry), 1)
        self.assertEqual(entry[0]['status'], 0)
        self.assertEqual(entry[0]['operation'], 'GetSessionStatus')
        self.assertEqual(entry[0]['session_id'], 's1')
        self.wait_stderr('fault-rst-1', 'GetSessionStatus')

    def test_reset_is_a_tcp_rst(self):
        self.add({'id': 'fault-rst-1', 'operation': 'GetSessionStatus',
                  'action': {'transport': 'reset'}})
        data, err = raw_exchange(self.emu.port, aws_raw_request(
            self.emu.port, {'SessionId': 's1'}))
        self.assertEqual(data, b'')
        self.assertIsInstance(err, ConnectionResetError,
                              'a reset, not a clean close')

    def test_close_is_a_clean_close_without_answer(self):
        self.add({'id': 'fault-fin-1', 'operation': 'GetSessionStatus',
                  'action': {'transport': 'close'}})
        data, err = raw_exchange(self.emu.port, aws_raw_request(
            self.emu.port, {'SessionId': 's1'}))
        self.assertEqual(data, b'')
        self.assertIsNone(err, 'a clean close, not a reset')

    def test_close_through_boto3(self):
        import botocore.exceptions
        self.add({'id': 'fault-fin-1', 'operation': 'GetSessionStatus', 'count': 1,
                  'action': {'transport': 'close'}})
        err = self.expect_connection_error(self.c.get_session_status,
                                           SessionId='s1')
        self.assertIsInstance(err, botocore.exceptions.ConnectionClosedError)
        self.check_ok_gss(self.gss())
        entry = self.wait_journal(lambda e: e.get('fault_id') == 'fault-fin-1',
                                  what='for the close')
        self.assertEqual([e['status'] for e in entry], [0])
        self.wait_stderr('fault-fin-1', 'GetSessionStatus')

    def test_empty_answer(self):
        self.add({'id': 'empty', 'operation': 'GetSessionStatus', 'count': 2,
                  'action': {'transport': 'empty'}})
        resp = self.gss()
        self.assertEqual(resp.status, 200, resp)
        self.assertEqual(resp.body, b'', resp)
        # boto3 parses an empty 200 as a success with no output members.
        r = self.c.get_session_status(SessionId='s1')
        self.assertEqual(set(r), {'ResponseMetadata'}, r)
        self.assertEqual(r['ResponseMetadata']['HTTPStatusCode'], 200)
        self.assertEqual(r['ResponseMetadata']['RetryAttempts'], 0)
        self.assertEqual(self.faults(), [])
        self.check_ok_gss(self.gss())
        self.assertEqual(
            [(e['status'], e.get('fault_id')) for e in self.journal()],
            [(200, 'empty'), (200, 'empty'), (200, None)])

    def test_malformed_json_answer(self):
        self.add({'id': 'bad-json', 'operation': 'GetSessionStatus',
                  'count': 2, 'action': {'transport': 'malformed_json'}})
        resp = self.gss()
        self.assertEqual(resp.status, 200, resp)
        self.assertTrue(resp.body.startswith(b'{'), resp)
        with self.assertRaises(ValueError, msg=repr(resp.body)):
            json.loads(resp.body.decode('utf-8', 'replace'))
        # boto3 does not raise: botocore turns an unparsable body into
        # {"message": body}, which holds none of the output members.
        r = self.c.get_session_status(SessionId='s1')
        self.assertEqual(set(r), {'ResponseMetadata'}, r)
        self.assertEqual(r['ResponseMetadata']['HTTPStatusCode'], 200)
        self.check_ok_gss(self.gss())
        self.assertEqual(
            [(e['status'], e.get('fault_id')) for e in self.journal()],
            [(200, 'bad-json'), (200, 'bad-json'), (200, None)])

    def test_stall_until_the_client_gives_up(self):
        import botocore.exceptions
        self.add({'id': 'fault-stall-1', 'operation': 'GetSessionStatus',
                  'match': {'session_id': 's1'}, 'count': 1,
                  'action': {'transport': 'stall'}})
        impatient = boto_client(self.emu, NO_RETRIES, read_timeout=1)
        out = {}

        def stalled():
            t = time.monotonic()
            try:
                out['r'] = impatient.get_session_status(SessionId='s1')
            except Exception as e:  # checked below
                out['e'] = e
            out['elapsed'] = time.monotonic() - t

        th = threading.Thread(target=stalled)
        th.start()
        try:
            time.sleep(0.3)
            t = time.monotonic()
            r = self.emu.client().get_session_status(SessionId='s2')
            served_in = time.monotonic() - t
            still_stalled = th.is_alive()
        finally:
            th.join(15)
        self.assertFalse(th.is_alive())
        self.assertEqual(r['Status']['State'], 'IDLE')
        self.assertLess(served_in, 0.5, 'another client waited')
        self.assertTrue(still_stalled)
        self.assertNotIn('r', out, out.get('r'))
        self.assertIsInstance(out.get('e'),
                              botocore.exceptions.ReadTimeoutError)
        self.assertGreaterEqual(out['elapsed'], 1.0)
        self.assertLess(out['elapsed'], 5.0)
        # The emulator goes on serving, the stalled session included.
        self.assertEqual(self.emu.client().get_session_status(
            SessionId='s1')['Status']['State'], 'IDLE')
        entry = self.wait_journal(lambda e: e.get('fault_id') == 'fault-stall-1',
                                  what='for the stall')
        self.assertEqual([e['status'] for e in entry], [0])
        self.wait_stderr('fault-stall-1', 'GetSessionStatus')


class FaultAdminTest(FaultTestCase):
    """GET/POST/DELETE /_emulator/faults, validation, journal and log."""

    def test_post_assigns_distinct_ids(self):
        rule = {'operation': 'ListExecutors',
                'action': {'error': 'InternalServerException'}}
        a = self.add(rule)
        b = self.add(rule)
        self.assertNotEqual(a['id'], b['id'])
        listed = self.faults()
        self.assertEqual([r['id'] for r in listed], [a['id'], b['id']])
        for r in listed:
            self.assertEqual(r['fired'], 0)
            self.assertEqual(r['operation'], 'ListExecutors')
            self.assertEqual(r['action'], rule['action'])

    def test_get_lists_rules_with_their_fields_and_fired_counts(self):
        full = {'id': 'full', 'operation': 'GetSessionStatus',
                'match': {'session_id': 's1', 'workgroup': 'wg-a',
                          'account': '123456789012', 'region': 'us-east-1'},
                'probability': 1, 'count': 5, 'skip': 1,
                'action': {'error': 'ThrottlingException', 'status': 429,
                           'message': 'slow down', 'members': {'X': 'y'},
                           'latency_ms': 10}}
        self.add(full)
        listed = self.faults()
        self.assertEqual(len(listed), 1)
        for k in ('id', 'operation', 'match', 'probability', 'action'):
            self.assertEqual(listed[0][k], full[k], listed)
        self.assertEqual(listed[0]['fired'], 0)

    def test_delete_one_rule(self):
        self.add({'id': 'x', 'operation': 'GetSessionStatus',
                  'action': {'error': 'InternalServerException'}})
        self.add({'id': 'y', 'operation': 'GetSession',
                  'action': {'error': 'InternalServerException'}})
        self.assertEqual(self.gss().status, 500)
        self.assertEqual(self.emu.admin_ok('DELETE', 'faults/x'), {})
        self.assertEqual(self.fired(), {'y': 0})
        self.check_ok_gss(self.gss())
        self.assertEqual(
            self.emu.aws('GetSession', {'SessionId': 's1'}).status, 500)
        status, doc = self.emu.admin('DELETE', 'faults/x')
        self.assertEqual(status, 404, doc)
        self.assertIsInstance(doc.get('error'), str, doc)
        self.assertTrue(doc['error'])

    def test_delete_all_rules(self):
        for op in ('GetSessionStatus', 'GetSession', '*'):
            self.add({'operation': op,
                      'action': {'error': 'InternalServerException'}})
        self.assertEqual(len(self.faults()), 3)
        self.assertEqual(self.emu.admin_ok('DELETE', 'faults'), {})
        self.assertEqual(self.faults(), [])
        self.check_ok_gss(self.gss())
        self.assertEqual(
            self.emu.aws('GetSession', {'SessionId': 's1'}).status, 200)

    def test_reset_drops_rules(self):
        self.add({'id': 'gone', 'operation': '*',
                  'action': {'error': 'InternalServerException'}})
        self.assertEqual(self.emu.admin_ok('POST', 'reset', {}), {})
        self.assertEqual(self.faults(), [])
        self.check_ok_gss(self.gss())

    def test_bad_rules_are_refused(self):
        ok_action = {'error': 'InternalServerException'}
        bad = [
            {},
            {'action': ok_action},                                # no operation
            {'operation': 'GetSessionStatus'},                    # no action
            {'operation': 'GetSessionStatus', 'action': {}},
            {'operation': '', 'action': ok_action},
            {'operation': 'NoSuchOperation', 'action': ok_action},
            {'operation': 42, 'action': ok_action},
            {'operation': 'GetSessionStatus',
             'action': {'transport': 'explode'}},
            {'operation': 'GetSessionStatus', 'action': {'error': 42}},
            {'operation': 'GetSessionStatus', 'action': {'error': ''}},
            {'operation': 'GetSessionStatus',
             'action': {'error': 'X', 'status': 99}},
            {'operation': 'GetSessionStatus',
             'action': {'error': 'X', 'status': 600}},
            {'operation': 'GetSessionStatus',
             'action': {'error': 'X', 'members': 'nope'}},
            {'operation': 'GetSessionStatus',
             'action': {'error': 'X', 'transport': 'reset'}},
            {'operation': 'GetSessionStatus', 'action': {'latency_ms': -5}},
            {'operation': 'GetSessionStatus', 'action': ok_action,
             'probability': 1.5},
            {'operation': 'GetSessionStatus', 'action': ok_action,
             'probability': -0.1},
            {'operation': 'GetSessionStatus', 'action': ok_action,
             'probability': 'high'},
            {'operation': 'GetSessionStatus', 'action': ok_action,
             'count': -1},
            {'operation': 'GetSessionStatus', 'action': ok_action,
             'count': 1.5},
            {'operation': 'GetSessionStatus', 'action': ok_action,
             'skip': -1},
            {'operation': 'GetSessionStatus', 'action': ok_action,
             'match': {'colour': 'red'}},
            {'operation': 'GetSessionStatus', 'action': ok_action,
             'match': {'session_id': 7}},
            {'operation': 'GetSessionStatus', 'action': ok_action,
             'colour': 'red'},
            {'operation': 'GetSessionStatus',
             'action': {'error': 'X', 'colour': 'red'}},
            [],
            'GetSessionStatus',
        ]
        for body in bad:
            with self.subTest(body=body):
                status, doc = self.emu.admin('POST', 'faults', body)
                self.assertEqual(status, 400, (body, doc))
                self.assertIsInstance(doc.get('error'), str, doc)
                self.assertTrue(doc['error'], doc)
        status, doc = self.emu.admin('POST', 'faults', b'{not json')
        self.assertEqual(status, 400, doc)
        self.assertTrue(doc.get('error'), doc)
        self.assertEqual(self.faults(), [], 'nothing stored')
        self.check_ok_gss(self.gss())

    def test_every_firing_is_journaled_and_logged(self):
        self.add({'id': 'logged-fault-7', 'operation': 'GetSessionStatus',
                  'match': {'session_id': 's1'},
                  'action': {'error': 'ServiceUnavailable'}})
        e1 = self.expect_client_error(self.c.get_session_status,
                                      'ServiceUnavailable', 503,
                                      SessionId='s1')
        ok = self.c.get_session_status(SessionId='s2')
        e2 = self.expect_client_error(self.c.get_session_status,
                                      'ServiceUnavailable', 503,
                                      SessionId='s1')
        rid1 = e1.response['ResponseMetadata']['RequestId']
        rid2 = e2.response['ResponseMetadata']['RequestId']
        entries = self.journal()
        self.assertEqual(
            [(e['request_id'], e['session_id'], e['status'],
              e.get('error_code'), e.get('fault_id')) for e in entries],
            [(rid1, 's1', 503, 'ServiceUnavailable', 'logged-fault-7'),
             (ok['ResponseMetadata']['RequestId'], 's2', 200, None, None),
             (rid2, 's1', 503, 'ServiceUnavailable', 'logged-fault-7')])
        self.wait_stderr(rid1, 'logged-fault-7')
        self.wait_stderr(rid2, 'logged-fault-7')
        ok_lines = self.wait_stderr(ok['ResponseMetadata']['RequestId'])
        self.assertNotIn('logged-fault-7', '\n'.join(ok_lines))


FIXTURE_FAULTS = dict(FIXTURES, faults=[
    {'id': 'fx-throttle', 'operation': 'GetSessionStatus',
     'match': {'session_id': 's1'}, 'count': 1,
     'action': {'error': 'ThrottlingException', 'status': 429}},
    {'id': 'fx-503', 'operation': 'ListSessions', 'skip': 1,
     'action': {'error': 'ServiceUnavailable'}},
])


class FixtureFaultTest(FaultTestCase):
    """`"faults": [...]` in startup fixtures and in POST /_emulator/fixtures."""

    FIXTURES = FIXTURE_FAULTS

    def test_startup_fixture_rules(self):
        self.assertEqual(self.fired(), {'fx-throttle': 0, 'fx-503': 0})
        self.expect_client_error(self.c.get_session_status,
                                 'ThrottlingException', 429, SessionId='s1')
        self.assertEqual(self.c.get_session_status(SessionId='s1')
                         ['Status']['State'], 'IDLE')
        self.assertEqual(self.c.list_sessions(WorkGroup='wg-b')
                         ['Sessions'][0]['SessionId'], 's3')
        self.expect_client_error(self.c.list_sessions, 'ServiceUnavailable',
                                 503, WorkGroup='wg-b')
        self.assertEqual(self.fired(), {'fx-503': 1})
        # reset re-applies the startup fixtures, rules included.
        self.emu.admin_ok('POST', 'reset', {})
        self.assertEqual(self.fired(), {'fx-throttle': 0, 'fx-503': 0})
        self.assertEqual(self.gss('s1').status, 429)
        self.emu.admin_ok('POST', 'reset', {'fixtures': False})
        self.assertEqual(self.faults(), [])

    def test_rules_from_post_fixtures_come_after_existing_ones(self):
        self.emu.admin_ok('DELETE', 'faults')
        self.add({'id': 'api-first', 'operation': 'GetSession', 'count': 1,
                  'action': {'error': 'InternalServerException'}})
        doc = self.emu.load({'faults': [
            {'id': 'posted', 'operation': 'GetSession',
             'action': {'error': 'ThrottlingException'}}]})
        self.assertEqual(doc['applied'].get('faults'), 1, doc)
        self.assertEqual([r['id'] for r in self.faults()],
                         ['api-first', 'posted'])
        self.assertEqual(self.emu.aws('GetSession',
                                      {'SessionId': 's1'}).status, 500)
        self.check_error_wire(self.emu.aws('GetSession', {'SessionId': 's1'}),
                              'ThrottlingException', 400)
        self.assertEqual(self.fired(), {'posted': 1})

    def test_invalid_fixture_fault_applies_nothing(self):
        self.emu.admin_ok('DELETE', 'faults')
        status, doc = self.emu.admin('POST', 'fixtures', {
            'workgroups': [workgroup('wg-new', profile='instant',
                                     configuration={'ExecutionRole': ROLE})],
            'faults': [
                {'id': 'good', 'operation': 'GetSession',
                 'action': {'error': 'ThrottlingException'}},
                {'id': 'bad', 'operation': 'GetSession',
                 'action': {'transport': 'explode'}}]})
        self.assertEqual(status, 400, doc)
        self.assertTrue(names_path(doc.get('error', ''), ['faults', 1]), doc)
        self.assertEqual(self.faults(), [])
        resp = self.emu.aws('GetWorkGroup', {'WorkGroup': 'wg-new'})
        self.assertEqual(resp.status, 400, resp)
        self.assertEqual(resp.json()['__type'], 'InvalidRequestException')

    def test_invalid_startup_fixture_fault_exits_2(self):
        bad = dict(FIXTURES, faults=[{'operation': 'GetSessionStatus',
                                      'probability': 2,
                                      'action': {'error': 'X'}}])
        emu = Emulator(fixtures=bad)
        args = emu.args()
        import subprocess
        from emulator import clean_env
        try:
            p = subprocess.run(args, stdin=subprocess.DEVNULL,
                               capture_output=True, timeout=10,
                               env=clean_env())
        finally:
            import shutil
            shutil.rmtree(emu.tmp, ignore_errors=True)
        self.assertEqual(p.returncode, 2, p.stderr)
        lines = p.stderr.decode('utf-8', 'replace').strip().splitlines()
        self.assertEqual(len(lines), 1, lines)
        self.assertTrue(names_path(lines[0], ['faults', 0]), lines)


if __name__ == '__main__':
    unittest.main()
