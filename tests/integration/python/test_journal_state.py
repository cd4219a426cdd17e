"""Request journal, state export/import, scenarios by tag, metrics and JSON
logs (issue 5; CONTRACT §1 --journal-size/--log-format, §4 scenarios, §5
requests/state/metrics, §7).

Every test starts its own athena-emu under the manual clock. The journal's
`time` is the wall-clock time of receipt (not the manual clock), so only its
tests look at the real time; everything else is exact.

State round trip: a rich state is built through the AWS API, every answer
recorded over raw HTTP (status and body bytes), then
- GET /_emulator/state is imported into a SECOND emulator started with the
  same --start-time: every answer is byte-for-byte the same (request ids
  aside), and stays the same as both clocks advance by the same amounts
  (remaining scripts, profile steps, calculations and idle timeouts continue
  identically; fault rules continue with their remaining skip/count);
- on the first emulator, GET state -> POST reset {"fixtures":false} (which
  really drops everything) -> POST fixtures gives the same answers again.
"""

import datetime
import json
import math
import re
import subprocess
import shutil
import time
import unittest
import urllib.parse

from emulator import (SPARK, START_MS, Emulator, at, clean_env, is_uuid,
                      parse_rfc3339_ms, session, step, workgroup)
from test_lifecycle_boto3 import LifecycleAssertions, input_members

ROLE = 'arn:aws:iam::123456789012:role/r'
ACCOUNT = '123456789012'
OTHER_ACCOUNT = '210987654321'
OTHER_REGION = 'eu-west-1'
ENGINE = {'CoordinatorDpuSize': 1, 'MaxConcurrentDpus': 20,
          'DefaultExecutorDpuSize': 1}
SCENARIO_TAG = 'athena-emu:scenario'
FAIL_REASON = 'Session failed to start: no capacity for the coordinator.'

SCENARIOS = {
    'start-then-fail': [step(0, 'CREATING'),
                        step(3000, 'FAILED', FAIL_REASON)],
    'slow-start': [step(0, 'CREATING'), step(8000, 'CREATED'),
                   step(9000, 'IDLE')],
    'born-idle': [step(0, 'IDLE')],
    'flap': [step(0, 'IDLE'), step(2000, 'BUSY'), step(4000, 'IDLE'),
             step(6000, 'BUSY'), step(8000, 'IDLE')],
}

ENTRY_KEYS = {'time', 'epoch_ms', 'clock_time', 'clock_epoch_ms', 'request_id',
              'account', 'region', 'operation', 'session_id', 'calculation_id',
              'workgroup', 'status', 'error_code', 'latency_ms', 'fault_id'}
ENTRY_REQUIRED = {'time', 'epoch_ms', 'clock_time', 'clock_epoch_ms', 'request_id',
                  'account', 'region', 'operation', 'status', 'latency_ms'}
FIXTURE_KEYS = {'profiles', 'scenarios', 'outcomes', 'workgroups',
                'sessions', 'calculations', 'tokens', 'faults', 'clock', 'notebooks'}
SESSION_STATES = ('CREATING', 'CREATED', 'IDLE', 'BUSY', 'TERMINATING',
                  'TERMINATED', 'DEGRADED', 'FAILED')


def tenant_headers(account, region):
    """An Authorization header naming a tenant (not checked: --auth none)."""
    return {'Authorization':
            'AWS4-HMAC-SHA256 Credential=%s/20260101/%s/athena/aws4_request, '
            'SignedHeaders=host;x-amz-date, Signature=%s'
            % (account, region, '0' * 64),
            'X-Amz-Date': '20260101T000000Z'}


def tag_list(tags):
    """Athena's Tags: a list of {Key, Value}."""
    return [{'Key': k, 'Value': v} for k, v in tags.items()]


def time_value_ms(v):
    """Epoch ms of a contract time value (RFC 3339 string or epoch s)."""
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return round(v * 1000)
    dt = datetime.datetime.fromisoformat(v.replace('Z', '+00:00'))
    epoch = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
    return (dt - epoch) // datetime.timedelta(milliseconds=1)


class AdminHelpers:
    def journal(self, emu=None, **filters):
        emu = emu or self.emu
        path = 'requests'
        if filters:
            path += '?' + urllib.parse.urlencode(filters)
        doc = emu.admin_ok('GET', path)
        self.assertEqual(set(doc), {'requests'}, doc)
        self.assertIsInstance(doc['requests'], list, doc)
        return doc['requests']

    def raw_ok(self, emu, op, body, headers=None):
        resp = emu.aws(op, body, headers)
        self.assertEqual(resp.status, 200, (op, body, resp))
        return resp.json()

    def start_tagged(self, client, emu, wg, tags, first_state='CREATING'):
        """StartSession with Tags: through boto3 when its model has Tags
        (Debian's botocore 1.29 has not), else raw HTTP. The SessionId."""
        if 'Tags' in input_members(client, 'StartSession'):
            r = client.start_session(WorkGroup=wg, EngineConfiguration=ENGINE,
                                     Tags=tag_list(tags))
            self.assertEqual(set(r), {'SessionId', 'State',
                                      'ResponseMetadata'}, r)
            doc = r
        else:
            doc = self.raw_ok(emu, 'StartSession', {
                'WorkGroup': wg, 'EngineConfiguration': ENGINE,
                'Tags': tag_list(tags)})
            self.assertEqual(set(doc), {'SessionId', 'State'}, doc)
        self.assertTrue(is_uuid(doc['SessionId']), doc)
        self.assertEqual(doc['State'], first_state, doc)
        return doc['SessionId']


# --------------------------------------------------------------------------
# Request journal
# --------------------------------------------------------------------------

JOURNAL_FIXTURES = {
    'workgroups': [workgroup('wg-j', profile='instant',
                             configuration={'ExecutionRole': ROLE})],
    'sessions': [session('j1', 'wg-j', [step(0, 'IDLE')]),
                 session('j2', 'wg-j', [step(0, 'IDLE')])],
}


class JournalTest(AdminHelpers, unittest.TestCase):
    ARGS = ()

    def setUp(self):
        self.emu = Emulator(*self.ARGS, fixtures=JOURNAL_FIXTURES).start()
        self.addCleanup(self.emu.__exit__, None, None, None)
        self.c = self.emu.client()

    def check_entry(self, e, before, after):
        self.assertLessEqual(ENTRY_REQUIRED, set(e), e)
        self.assertLessEqual(set(e), ENTRY_KEYS, e)
        self.assertEqual(parse_rfc3339_ms(e['time']), e['epoch_ms'], e)
        # Wall-clock time of receipt (the manual clock is at 2026-01-01).
        self.assertGreaterEqual(e['epoch_ms'], math.floor(before * 1000) - 5,
                                e)
        self.assertLessEqual(e['epoch_ms'], math.ceil(after * 1000) + 5, e)
        self.assertIsInstance(e['status'], int, e)
        self.assertIsInstance(e['latency_ms'], (int, float), e)
        self.assertNotIsInstance(e['latency_ms'], bool, e)
        self.assertGreaterEqual(e['latency_ms'], 0, e)
        self.assertTrue(is_uuid(e['request_id']), e)

    def test_entries(self):
        before = time.time()
        r1 = self.c.get_session_status(SessionId='j1')
        with self.assertRaises(self.c.exceptions.ResourceNotFoundException) \
                as cm:
            self.c.get_session_status(SessionId='nope')
        r2 = cm.exception.response
        r3 = self.c.list_sessions(WorkGroup='wg-j')
        other = self.emu.client(access_key=OTHER_ACCOUNT, region=OTHER_REGION)
        r4 = other.list_work_groups()
        r5 = self.c.start_calculation_execution(SessionId='j2',
                                                CodeBlock='print(1)')
        cid = r5['CalculationExecutionId']
        r6 = self.c.get_calculation_execution_status(
            CalculationExecutionId=cid)
        after = time.time()

        entries = self.journal()
        rids = [r['ResponseMetadata']['RequestId']
                for r in (r1, r2, r3, r4, r5, r6)]
        self.assertEqual([e['request_id'] for e in entries], rids,
                         json.dumps(entries))
        self.assertEqual([e['operation'] for e in entries],
                         ['GetSessionStatus', 'GetSessionStatus',
                          'ListSessions', 'ListWorkGroups',
                          'StartCalculationExecution',
                          'GetCalculationExecutionStatus'])
        for e in entries:
            self.check_entry(e, before, after)
        self.assertEqual([e['epoch_ms'] for e in entries],
                         sorted(e['epoch_ms'] for e in entries),
                         'oldest first')
        self.assertEqual([(e['account'], e['region']) for e in entries],
                         [(ACCOUNT, 'us-east-1')] * 3 +
                         [(OTHER_ACCOUNT, OTHER_REGION)] +
                         [(ACCOUNT, 'us-east-1')] * 2)
        self.assertEqual([e['status'] for e in entries],
                         [200, 400, 200, 200, 200, 200])
        self.assertEqual([e.get('error_code') for e in entries],
                         [None, 'ResourceNotFoundException', None, None,
                          None, None])
        self.assertEqual([e.get('fault_id') for e in entries], [None] * 6)
        self.assertEqual(entries[0]['session_id'], 'j1')
        self.assertEqual(entries[1]['session_id'], 'nope')
        self.assertEqual(entries[2]['workgroup'], 'wg-j')
        self.assertNotIn('session_id', entries[2])
        self.assertNotIn('calculation_id', entries[2])
        for k in ('session_id', 'calculation_id', 'workgroup'):
            self.assertNotIn(k, entries[3])
        self.assertEqual(entries[4]['session_id'], 'j2')
        self.assertEqual(entries[5]['calculation_id'], cid)

    def spaced_requests(self):
        """Seven requests 30 ms apart; the journal entries."""
        calls = [('GetSessionStatus', 'j1'), ('GetSessionStatus', 'j2'),
                 ('GetSession', 'j1'), ('ListSessions', None),
                 ('GetSessionStatus', 'j1'), ('GetSession', 'j2'),
                 ('GetSessionStatus', 'j2')]
        for op, sid in calls:
            if sid is None:
                self.raw_ok(self.emu, op, {'WorkGroup': 'wg-j'})
            else:
                self.raw_ok(self.emu, op, {'SessionId': sid})
            time.sleep(0.03)  # distinct receipt times for `since`
        entries = self.journal()
        self.assertEqual([(e['operation'], e.get('session_id'))
                          for e in entries], calls)
        ms = [e['epoch_ms'] for e in entries]
        self.assertEqual(len(set(ms)), len(ms), ms)
        return entries

    def test_filters(self):
        entries = self.spaced_requests()
        ids = [e['request_id'] for e in entries]

        def got(**f):
            return [e['request_id'] for e in self.journal(**f)]

        self.assertEqual(got(operation='GetSessionStatus'),
                         [ids[0], ids[1], ids[4], ids[6]])
        self.assertEqual(got(session_id='j1'), [ids[0], ids[2], ids[4]])
        self.assertEqual(got(operation='GetSession', session_id='j2'),
                         [ids[5]])
        self.assertEqual(got(operation='TerminateSession'), [])
        self.assertEqual(got(session_id='unknown'), [])
        k = 3
        t = entries[k]['time']
        ms = entries[k]['epoch_ms']
        self.assertEqual(got(since=t), ids[k:], 'since is inclusive')
        self.assertEqual(got(since='%.3f' % (ms / 1000.0)), ids[k:])
        plus1 = datetime.datetime.fromtimestamp(
            (ms + 1) / 1000.0, datetime.timezone.utc)
        self.assertEqual(
            got(since=plus1.isoformat(timespec='milliseconds')),
            ids[k + 1:])
        offset = datetime.datetime.fromtimestamp(
            ms / 1000.0, datetime.timezone(datetime.timedelta(hours=2)))
        self.assertEqual(got(since=offset.isoformat(timespec='milliseconds')),
                         ids[k:])
        whole = ms // 1000
        self.assertEqual(got(since=str(whole)),
                         [e['request_id'] for e in entries
                          if e['epoch_ms'] >= whole * 1000])
        self.assertEqual(got(since=t, operation='GetSessionStatus'),
                         [ids[4], ids[6]])
        for bad in ('yesterday', '2026-13-01T00:00:00Z'):
            status, doc = self.emu.admin('GET', 'requests?' +
                                         urllib.parse.urlencode(
                                             {'since': bad}))
            self.assertEqual(status, 400, (bad, doc))
            self.assertTrue(doc.get('error'), doc)

    def test_admin_calls_are_not_journaled(self):
        self.emu.admin_ok('GET', 'clock')
        self.emu.advance(10)
        self.emu.admin_ok('GET', 'faults')
        self.assertEqual(self.journal(), [])
        self.raw_ok(self.emu, 'GetSessionStatus', {'SessionId': 'j1'})
        self.assertEqual([e['operation'] for e in self.journal()],
                         ['GetSessionStatus'])

    def test_delete_and_reset_clear_the_journal(self):
        for _ in range(3):
            self.raw_ok(self.emu, 'GetSessionStatus', {'SessionId': 'j1'})
        self.assertEqual(len(self.journal()), 3)
        self.assertEqual(self.emu.admin_ok('DELETE', 'requests'), {})
        self.assertEqual(self.journal(), [])
        resp = self.emu.aws('GetSession', {'SessionId': 'j2'})
        self.assertEqual(
            [(e['operation'], e['request_id']) for e in self.journal()],
            [('GetSession', resp.header('x-amzn-RequestId'))])
        self.emu.admin_ok('POST', 'reset', {})
        self.assertEqual(self.journal(), [])

    def test_transport_fault_is_journaled_with_status_0(self):
        import botocore.exceptions
        self.emu.admin_ok('POST', 'faults', {
            'id': 'journal-rst', 'operation': 'GetSessionStatus',
            'count': 1, 'action': {'transport': 'reset'}})
        with self.assertRaises((botocore.exceptions.HTTPClientError,
                                botocore.exceptions.ConnectionError)):
            self.c.get_session_status(SessionId='j1')
        deadline = time.monotonic() + 5
        while not self.journal() and time.monotonic() < deadline:
            time.sleep(0.05)  # journaled when the connection ends
        entries = self.journal()
        self.assertEqual(len(entries), 1, entries)
        e = entries[0]
        self.assertEqual((e['operation'], e['session_id'], e['status'],
                          e['fault_id']),
                         ('GetSessionStatus', 'j1', 0, 'journal-rst'), e)
        self.assertLessEqual(set(e), ENTRY_KEYS, e)

    def test_error_fault_is_journaled(self):
        self.emu.admin_ok('POST', 'faults', {
            'id': 'journal-503', 'operation': 'ListSessions',
            'action': {'error': 'ServiceUnavailable'}})
        resp = self.emu.aws('ListSessions', {'WorkGroup': 'wg-j'})
        self.assertEqual(resp.status, 503, resp)
        e, = self.journal()
        self.assertEqual(
            (e['request_id'], e['operation'], e['workgroup'], e['status'],
             e['error_code'], e['fault_id']),
            (resp.header('x-amzn-RequestId'), 'ListSessions', 'wg-j', 503,
             'ServiceUnavailable', 'journal-503'))


class JournalSizeTest(AdminHelpers, unittest.TestCase):
    def test_journal_keeps_the_newest(self):
        with Emulator('--journal-size', '5', fixtures=JOURNAL_FIXTURES) as emu:
            rids = []
            for i in range(8):
                resp = emu.aws('GetSessionStatus',
                               {'SessionId': 'j1' if i % 2 else 'j2'})
                self.assertEqual(resp.status, 200, resp)
                rids.append(resp.header('x-amzn-RequestId'))
            self.assertEqual([e['request_id'] for e in self.journal(emu)],
                             rids[3:])
            self.assertEqual(
                [e['request_id'] for e in self.journal(emu, session_id='j1')],
                [rids[3], rids[5], rids[7]])

    def test_bad_journal_size_exits_2(self):
        for bad in ('abc', '-1'):
            with self.subTest(value=bad):
                emu = Emulator('--journal-size=' + bad, fixtures='none')
                args = emu.args()
                try:
                    p = subprocess.run(args, stdin=subprocess.DEVNULL,
                                       capture_output=True, timeout=10,
                                       env=clean_env())
                finally:
                    shutil.rmtree(emu.tmp, ignore_errors=True)
                self.assertEqual(p.returncode, 2, p.stderr)
                lines = p.stderr.decode('utf-8', 'replace').splitlines()
                self.assertEqual(len(lines), 1, lines)
                self.assertIn('journal-size', lines[0])


# --------------------------------------------------------------------------
# Scenarios chosen by tag (CONTRACT §4)
# --------------------------------------------------------------------------

SCENARIO_FIXTURES = {
    'scenarios': SCENARIOS,
    'workgroups': [
        workgroup('wg-s', configuration={'ExecutionRole': ROLE}),
        workgroup('wg-scripted', scenario='slow-start',
                  configuration={'ExecutionRole': ROLE}),
    ],
}


class ScenarioTest(LifecycleAssertions, AdminHelpers, unittest.TestCase):
    def setUp(self):
        self.emu = Emulator(fixtures=SCENARIO_FIXTURES).start()
        self.addCleanup(self.emu.__exit__, None, None, None)
        self.c = self.emu.client()

    def test_tag_picks_a_scenario(self):
        sid = self.start_tagged(self.c, self.emu, 'wg-s',
                                {SCENARIO_TAG: 'start-then-fail'})
        self.expect_status(self.c, sid, 'CREATING', 0, 0)
        self.emu.advance_to(2999)
        self.expect_status(self.c, sid, 'CREATING', 0, 0)
        self.emu.advance_to(3000)
        self.expect_status(self.c, sid, 'FAILED', 0, 3000, end=3000,
                           reason=FAIL_REASON)
        # The default profile would be CREATED at +5 s, IDLE at +6 s.
        self.emu.advance_to(7000)
        self.expect_status(self.c, sid, 'FAILED', 0, 3000, end=3000,
                           reason=FAIL_REASON)
        self.expect_history(self.emu, sid, [
            ('CREATING', 0, None, 'api'),
            ('FAILED', 3000, FAIL_REASON, 'script')])
        self.assertEqual(self.list_all(self.c, 'wg-s'), [])
        self.assertEqual(self.list_all(self.c, 'wg-s', StateFilter='FAILED'),
                         [sid])

    def test_first_state_is_the_first_step(self):
        sid = self.start_tagged(self.c, self.emu, 'wg-s',
                                {SCENARIO_TAG: 'born-idle'},
                                first_state='IDLE')
        self.expect_status(self.c, sid, 'IDLE', 0, 0, idle=0)

    def test_unknown_scenario_is_refused(self):
        body = {'WorkGroup': 'wg-s', 'EngineConfiguration': ENGINE,
                'Tags': tag_list({SCENARIO_TAG: 'no-such-scenario'})}
        if 'Tags' in input_members(self.c, 'StartSession'):
            self.expect_error(self.c, 'InvalidRequestException',
                              self.c.start_session, **body)
        resp = self.emu.aws('StartSession', body)
        self.assertEqual(resp.status, 400, resp)
        self.assertEqual(resp.json()['__type'], 'InvalidRequestException')
        self.assertEqual(self.list_all(self.c, 'wg-s'), [])
        for state in SESSION_STATES:
            self.assertEqual(
                self.list_all(self.c, 'wg-s', StateFilter=state), [], state)

    def test_workgroup_default_scenario(self):
        sid = self.start(self.c, 'wg-scripted')
        self.emu.advance_to(5000)
        self.expect_status(self.c, sid, 'CREATING', 0, 0)
        self.emu.advance_to(8000)
        self.expect_status(self.c, sid, 'CREATED', 0, 8000)
        self.emu.advance_to(9000)
        self.expect_status(self.c, sid, 'IDLE', 0, 9000, idle=9000)
        self.expect_history(self.emu, sid, [
            ('CREATING', 0, None, 'api'), ('CREATED', 8000, None, 'script'),
            ('IDLE', 9000, None, 'script')])

    def test_tag_wins_over_the_workgroup_scenario(self):
        sid = self.start_tagged(self.c, self.emu, 'wg-scripted',
                                {SCENARIO_TAG: 'start-then-fail',
                                 'team': 'a'})
        self.emu.advance_to(3000)
        self.expect_status(self.c, sid, 'FAILED', 0, 3000, end=3000,
                           reason=FAIL_REASON)

    def test_calculation_cancels_the_remaining_script(self):
        sid = self.start_tagged(self.c, self.emu, 'wg-s',
                                {SCENARIO_TAG: 'flap'}, first_state='IDLE')
        self.emu.advance_to(1000)
        self.c.start_calculation_execution(SessionId=sid, CodeBlock='1')
        self.emu.advance_to(60000)
        # The calculation (default profile: 500+500+3000 ms) ended at +5 s;
        # the script's BUSY at +6 s and IDLE at +8 s were cancelled.
        self.expect_status(self.c, sid, 'IDLE', 0, 5000, idle=5000)


# --------------------------------------------------------------------------
# State export / import
# --------------------------------------------------------------------------

QUICK = {'creating_ms': 200, 'created_ms': 200, 'terminating_ms': 500,
         'calculation_creating_ms': 100, 'calculation_queued_ms': 100,
         'calculation_running_ms': 1000, 'calculation_canceling_ms': 300,
         'idle_timeout_minutes_default': 5}
STATE_FIXTURES = {
    'profiles': {'quick': QUICK},
    'scenarios': SCENARIOS,
    'outcomes': [{'match': {'code_contains': 'raise'}, 'state': 'FAILED',
                  'reason': 'boom'}],
    'workgroups': [
        workgroup('wg-fx', profile='quick', description='fixture workgroup',
                  configuration={'ExecutionRole': ROLE},
                  tags={'origin': 'fixture'}),
        workgroup('wg-scen', scenario='slow-start',
                  configuration={'ExecutionRole': ROLE}),
        workgroup('wg-far', profile='quick', account=OTHER_ACCOUNT,
                  region=OTHER_REGION,
                  configuration={'ExecutionRole': ROLE}),
    ],
    'sessions': [
        session('fx-1', 'wg-fx', scenario='flap'),
        session('fx-2', 'wg-fx', [step(0, 'IDLE')]),
        session('fx-3', 'wg-fx', [step(0, 'IDLE')], description='forced'),
        session('far-1', 'wg-far', [step(0, 'CREATING'), step(5000, 'IDLE')],
                account=OTHER_ACCOUNT, region=OTHER_REGION),
    ],
    'faults': [{'id': 'state-fault', 'operation': 'ListExecutors',
                'match': {'session_id': 'fx-2'}, 'skip': 2, 'count': 3,
                'action': {'error': 'ThrottlingException'}}],
}
TOKEN = 'token-0123456789abcdef0123456789abcdef'
CALC_TOKEN = 'calc-token-0123456789abcdef0123456789'
FAR = tenant_headers(OTHER_ACCOUNT, OTHER_REGION)


def arn(kind, name, account=ACCOUNT, region='us-east-1'):
    return 'arn:aws:athena:%s:%s:%s/%s' % (region, account, kind, name)


class StateRoundTripTest(AdminHelpers, unittest.TestCase):
    maxDiff = None

    def build(self, emu):
        """Builds the rich state on `emu` at +0..+3000; ids of what it made."""
        ids = {}
        c = emu.client()
        c.create_work_group(
            Name='wg-api', Description='api workgroup',
            Configuration={
                'EngineVersion': {'SelectedEngineVersion': SPARK},
                'ExecutionRole': ROLE,
                'ResultConfiguration': {
                    'OutputLocation': 's3://bucket/results/'}},
            Tags=[{'Key': 'team', 'Value': 'data'},
                  {'Key': 'env', 'Value': 'test'}])
        c.create_work_group(Name='wg-off', Configuration={
            'EngineVersion': {'SelectedEngineVersion': SPARK},
            'ExecutionRole': ROLE})
        c.update_work_group(WorkGroup='wg-off', State='DISABLED',
                            Description='off now')
        c.create_work_group(Name='wg-sql', Configuration={
            'EngineVersion': {'SelectedEngineVersion':
                              'Athena engine version 3'}})
        self.start_body = {'WorkGroup': 'wg-api', 'ClientRequestToken': TOKEN,
                           'Description': 'token session',
                           'EngineConfiguration': ENGINE}
        ids['sA'] = self.raw_ok(emu, 'StartSession',
                                self.start_body)['SessionId']
        emu.advance_to(100)
        ids['sB'] = self.raw_ok(emu, 'StartSession', {
            'WorkGroup': 'wg-api', 'EngineConfiguration': ENGINE})['SessionId']
        emu.advance_to(200)
        ids['sC'] = self.raw_ok(emu, 'StartSession', {
            'WorkGroup': 'wg-api', 'EngineConfiguration': ENGINE,
            'Tags': tag_list({SCENARIO_TAG: 'slow-start', 'team': 'x'})})[
                'SessionId']
        emu.advance_to(300)
        ids['sD'] = self.raw_ok(emu, 'StartSession', {
            'WorkGroup': 'wg-api', 'EngineConfiguration': ENGINE,
            'Tags': tag_list({SCENARIO_TAG: 'start-then-fail'})})[
                'SessionId']
        emu.advance_to(400)
        ids['sE'] = self.raw_ok(emu, 'StartSession', {
            'WorkGroup': 'wg-fx', 'EngineConfiguration': ENGINE,
            'SessionIdleTimeoutInMinutes': 7})['SessionId']
        emu.advance_to(500)
        ids['sF'] = self.raw_ok(emu, 'StartSession', {
            'WorkGroup': 'wg-fx', 'EngineConfiguration': ENGINE})['SessionId']
        emu.advance_to(1500)
        self.raw_ok(emu, 'TerminateSession', {'SessionId': ids['sB']})
        ids['c1'] = self.raw_ok(emu, 'StartCalculationExecution', {
            'SessionId': ids['sE'], 'CodeBlock': 'print(1)',
            'Description': 'first'})['CalculationExecutionId']
        ids['c2'] = self.raw_ok(emu, 'StartCalculationExecution', {
            'SessionId': ids['sF'],
            'CodeBlock': 'raise ValueError()'})['CalculationExecutionId']
        status, doc = emu.transition('fx-3', 'DEGRADED', 'forced by test')
        self.assertEqual(status, 200, doc)
        self.assertEqual(self.list_executors(emu), [200, 200, 400])
        emu.advance_to(2800)
        self.calc_body = {'SessionId': ids['sE'], 'CodeBlock': 'print(2)',
                          'ClientRequestToken': CALC_TOKEN}
        ids['c3'] = self.raw_ok(emu, 'StartCalculationExecution',
                                self.calc_body)['CalculationExecutionId']
        emu.advance_to(3000)
        return ids

    def list_executors(self, emu, n=3):
        return [emu.aws('ListExecutors', {'SessionId': 'fx-2'}).status
                for _ in range(n)]

    def record(self, emu, ids):
        """Every answer worth comparing: {call: (status, body bytes)}."""
        out = {}

        def call(op, body, headers=None, tag=''):
            resp = emu.aws(op, body, headers)
            key = '%s%s %s' % (tag, op, json.dumps(body, sort_keys=True))
            self.assertNotIn(key, out)
            out[key] = (resp.status, resp.body)

        sessions = [ids[k] for k in ('sA', 'sB', 'sC', 'sD', 'sE', 'sF')] + [
            'fx-1', 'fx-2', 'fx-3', 'no-such-session']
        for sid in sessions:
            call('GetSessionStatus', {'SessionId': sid})
            call('GetSession', {'SessionId': sid})
            call('ListCalculationExecutions', {'SessionId': sid})
            call('ListTagsForResource', {'ResourceARN': arn('session', sid)})
        for wg in ('wg-api', 'wg-fx', 'wg-off'):
            call('ListSessions', {'WorkGroup': wg})
            for state in SESSION_STATES:
                call('ListSessions', {'WorkGroup': wg, 'StateFilter': state})
        for wg in ('wg-api', 'wg-off', 'wg-sql', 'wg-fx', 'primary'):
            call('GetWorkGroup', {'WorkGroup': wg})
            call('ListTagsForResource', {'ResourceARN': arn('workgroup', wg)})
        call('ListWorkGroups', {})
        for k in ('c1', 'c2', 'c3'):
            body = {'CalculationExecutionId': ids[k]}
            call('GetCalculationExecution', body)
            call('GetCalculationExecutionStatus', body)
            call('GetCalculationExecutionCode', body)
        # The other tenant.
        call('GetSessionStatus', {'SessionId': 'far-1'}, FAR, 'far ')
        call('GetSession', {'SessionId': 'far-1'}, FAR, 'far ')
        call('ListSessions', {'WorkGroup': 'wg-far'}, FAR, 'far ')
        call('GetWorkGroup', {'WorkGroup': 'wg-far'}, FAR, 'far ')
        call('ListWorkGroups', {}, FAR, 'far ')
        call('GetSessionStatus', {'SessionId': 'far-1'})  # not ours
        # Replayed tokens: the original answers, nothing new.
        call('StartSession', self.start_body)
        call('StartCalculationExecution', self.calc_body)
        return out

    def assert_same(self, want, got, what):
        self.assertEqual(sorted(want), sorted(got), what)
        bad = [k for k in want if want[k] != got[k]]
        if bad:
            self.fail('%s: %d of %d answers differ:\n%s' % (
                what, len(bad), len(want), '\n'.join(
                    '%s\n    want %d %s\n    got  %d %s' % (
                        k, want[k][0], want[k][1].decode('utf-8', 'replace'),
                        got[k][0], got[k][1].decode('utf-8', 'replace'))
                    for k in bad[:8])))

    def sanity(self, answers, ids):
        """The built state is the one intended (so comparing means much)."""
        def body(op, b, tag=''):
            status, raw = answers['%s%s %s' % (tag, op,
                                               json.dumps(b, sort_keys=True))]
            return status, json.loads(raw.decode('utf-8'))

        def state(sid):
            status, doc = body('GetSessionStatus', {'SessionId': sid})
            self.assertEqual(status, 200, doc)
            return doc['Status']['State']

        self.assertEqual(
            {k: state(ids[k]) for k in ('sA', 'sB', 'sC', 'sD', 'sE', 'sF')},
            {'sA': 'CREATING', 'sB': 'TERMINATING', 'sC': 'CREATING',
             'sD': 'CREATING', 'sE': 'BUSY', 'sF': 'IDLE'})
        self.assertEqual([state(s) for s in ('fx-1', 'fx-2', 'fx-3')],
                         ['BUSY', 'IDLE', 'DEGRADED'])
        calc = {k: body('GetCalculationExecutionStatus',
                        {'CalculationExecutionId': ids[k]})[1]
                ['Status']['State'] for k in ('c1', 'c2', 'c3')}
        self.assertEqual(calc, {'c1': 'COMPLETED', 'c2': 'FAILED',
                                'c3': 'RUNNING'})
        status, doc = body('StartSession', self.start_body)
        self.assertEqual((status, doc),
                         (200, {'SessionId': ids['sA'], 'State': 'CREATING'}))
        status, doc = body('StartCalculationExecution', self.calc_body)
        self.assertEqual((status, doc),
                         (200, {'CalculationExecutionId': ids['c3'],
                                'State': 'CREATING'}))
        status, doc = body('GetSessionStatus', {'SessionId': 'far-1'}, 'far ')
        self.assertEqual((status, doc['Status']['State']), (200, 'CREATING'))
        status, doc = body('GetSessionStatus', {'SessionId': 'far-1'})
        self.assertEqual((status, doc['__type']),
                         (400, 'ResourceNotFoundException'))
        status, doc = body('ListTagsForResource',
                           {'ResourceARN': arn('workgroup', 'wg-api')})
        self.assertEqual(sorted((t['Key'], t['Value']) for t in doc['Tags']),
                         [('env', 'test'), ('team', 'data')])

    def export(self, emu):
        state = emu.admin_ok('GET', 'state')
        self.assertIsInstance(state, dict)
        self.assertLessEqual(set(state), FIXTURE_KEYS, sorted(state))
        self.assertIn('clock', state)
        self.assertEqual(time_value_ms(state['clock']), emu.now_ms())
        json.dumps(state)  # a plain JSON document
        return state

    def test_export_import_reproduces_every_answer(self):
        with Emulator('--seed', '11', fixtures=STATE_FIXTURES) as a:
            ids = self.build(a)
            want = self.record(a, ids)
            self.sanity(want, ids)
            state = self.export(a)
            faults = {r.get('id'): r for r in state.get('faults', [])}
            self.assertIn('state-fault', faults, state.get('faults'))
            self.assertEqual(faults['state-fault'].get('count'), 2,
                             'the remaining count')
            self.assertIn(faults['state-fault'].get('skip', 0), (0, None),
                          'no skip left')

            with Emulator('--seed', '99', fixtures='none') as b:
                applied = b.load(state)
                self.assertIn('applied', applied)
                self.assertEqual(b.now_ms(), START_MS + 3000)
                self.assert_same(want, self.record(b, ids),
                                 'second emulator after import')
                # The fault rule continues: skip spent, 2 firings left.
                self.assertEqual(self.list_executors(a, 3), [400, 400, 200])
                self.assertEqual(self.list_executors(b, 3), [400, 400, 200])
                # The token is still bound to its parameters.
                other = dict(self.start_body, Description='something else')
                ra, rb = a.aws('StartSession', other), \
                    b.aws('StartSession', other)
                self.assertEqual((ra.status, ra.json()['__type']),
                                 (400, 'InvalidRequestException'))
                self.assertEqual((rb.status, rb.body), (ra.status, ra.body))
                # Both clocks move the same: scripts, profile steps,
                # calculations and idle timeouts go on identically.
                for ms in (500, 600, 500, 1500, 3200, 5 * 60000,
                           20 * 60000):
                    a.advance(ms)
                    b.advance(ms)
                    self.assertEqual(a.now_ms(), b.now_ms())
                    self.assert_same(self.record(a, ids),
                                     self.record(b, ids),
                                     'after advancing to +%d'
                                     % (a.now_ms() - START_MS))
                final_b = self.record(b, ids)

            # Same emulator: export -> reset {"fixtures":false} -> import.
            state2 = self.export(a)
            before = self.record(a, ids)
            self.assertEqual(before, final_b)
            self.assertEqual(a.admin_ok('POST', 'reset', {'fixtures': False}),
                             {})
            self.assertEqual(a.now_ms(), START_MS)
            self.assertEqual(a.admin_ok('GET', 'faults'), {'faults': []})
            for probe in (a.aws('GetSessionStatus', {'SessionId': ids['sA']}),
                          a.aws('GetSessionStatus', {'SessionId': 'fx-1'})):
                self.assertEqual(probe.status, 400, probe)
            probe = a.aws('GetWorkGroup', {'WorkGroup': 'wg-api'})
            self.assertEqual(probe.status, 400, probe)
            a.load(state2)
            self.assert_same(before, self.record(a, ids),
                             'after reset + import')

    def test_imported_definitions_govern_new_work(self):
        """Profiles, scenarios (by tag and a workgroup's default) and outcome
        rules come back with the state: new sessions and calculations made
        after the import follow them."""
        with Emulator(fixtures=STATE_FIXTURES) as a:
            a.advance(12345)
            state = self.export(a)
        self.assertEqual(time_value_ms(state['clock']), START_MS + 12345)
        t0 = 12345
        with Emulator(fixtures='none') as b:
            b.load(state)
            self.assertEqual(b.now_ms(), START_MS + t0)
            c = b.client()
            quick = self.raw_ok(b, 'StartSession', {
                'WorkGroup': 'wg-fx', 'EngineConfiguration': ENGINE})
            self.assertEqual(quick['State'], 'CREATING')
            tagged = self.raw_ok(b, 'StartSession', {
                'WorkGroup': 'wg-fx', 'EngineConfiguration': ENGINE,
                'Tags': tag_list({SCENARIO_TAG: 'start-then-fail'})})
            default = self.raw_ok(b, 'StartSession', {
                'WorkGroup': 'wg-scen', 'EngineConfiguration': ENGINE})
            cid = c.start_calculation_execution(
                SessionId='fx-2', CodeBlock='raise KeyError()')[
                    'CalculationExecutionId']

            def state_of(sid):
                return c.get_session_status(SessionId=sid)['Status']

            b.advance(400)   # the quick profile: CREATED +200, IDLE +400
            st = state_of(quick['SessionId'])
            self.assertEqual((st['State'], st['IdleSinceDateTime']),
                             ('IDLE', at(t0 + 400)))
            b.advance(800)   # quick calculations: 100 + 100 + 1000 ms
            r = c.get_calculation_execution_status(CalculationExecutionId=cid)
            self.assertEqual((r['Status']['State'],
                              r['Status'].get('StateChangeReason'),
                              r['Status']['CompletionDateTime']),
                             ('FAILED', 'boom', at(t0 + 1200)))
            b.advance(1800)  # +3000
            st = state_of(tagged['SessionId'])
            self.assertEqual((st['State'], st.get('StateChangeReason'),
                              st['EndDateTime']),
                             ('FAILED', FAIL_REASON, at(t0 + 3000)))
            self.assertEqual(state_of(default['SessionId'])['State'],
                             'CREATING')
            b.advance(5000)  # +8000: slow-start's CREATED
            st = state_of(default['SessionId'])
            self.assertEqual((st['State'], st['LastModifiedDateTime']),
                             ('CREATED', at(t0 + 8000)))


# --------------------------------------------------------------------------
# Metrics (Prometheus text)
# --------------------------------------------------------------------------

_SAMPLE = re.compile(r'^([A-Za-z_:][A-Za-z0-9_:]*)(?:\{(.*)\})?[ \t]+(\S+)'
                     r'(?:[ \t]+-?\d+)?[ \t]*$')
_LABEL = re.compile(r'[ \t]*([A-Za-z_][A-Za-z0-9_]*)[ \t]*=[ \t]*'
                    r'"((?:[^"\\\n]|\\.)*)"[ \t]*(?:,|$)')


def parse_prometheus(text):
    """(samples [(name, {labels}, float)], {family: type})."""
    samples, types = [], {}
    for line in text.splitlines():
        if not line.strip():
            continue
        if line.startswith('#'):
            parts = line.split()
            if len(parts) >= 4 and parts[1] == 'TYPE':
                types[parts[2]] = parts[3]
            continue
        m = _SAMPLE.match(line)
        if not m:
            raise AssertionError('not a Prometheus sample line: %r' % line)
        labels, rest, pos = {}, m.group(2) or '', 0
        while pos < len(rest):
            lm = _LABEL.match(rest, pos)
            if not lm:
                raise AssertionError('bad labels in %r' % line)
            value = re.sub(r'\\(.)', lambda x: {'n': '\n'}.get(
                x.group(1), x.group(1)), lm.group(2))
            labels[lm.group(1)] = value
            pos = lm.end()
        samples.append((m.group(1), labels, float(m.group(3))))
    return samples, types


METRIC_FIXTURES = {
    'workgroups': [workgroup('wg-m', profile='instant',
                             configuration={'ExecutionRole': ROLE})],
    'sessions': [
        session('m1', 'wg-m', [step(0, 'IDLE')]),
        session('m2', 'wg-m', [step(0, 'IDLE')]),
        session('m3', 'wg-m', [step(0, 'IDLE'),
                               step(1000, 'TERMINATED', 'gone')]),
        session('m4', 'wg-m', [step(0, 'BUSY')]),
    ],
}


class MetricsTest(AdminHelpers, unittest.TestCase):
    def setUp(self):
        self.emu = Emulator(fixtures=METRIC_FIXTURES).start()
        self.addCleanup(self.emu.__exit__, None, None, None)

    def metrics(self):
        resp = self.emu.http('GET', '/_emulator/metrics')
        self.assertEqual(resp.status, 200, resp)
        self.assertTrue((resp.header('Content-Type') or '')
                        .startswith('text/plain'), resp.headers)
        return parse_prometheus(resp.body.decode('utf-8'))

    def value(self, samples, name, **labels):
        """The value of the one sample with exactly these labels, or None."""
        got = [v for n, ls, v in samples if n == name and ls == labels]
        self.assertLessEqual(len(got), 1, (name, labels))
        return got[0] if got else None

    def requests_total(self, samples, op, status, error=''):
        return self.value(samples, 'athena_emu_requests_total',
                          operation=op, status=str(status), error=error)

    def gss(self, sid):
        return self.emu.aws('GetSessionStatus', {'SessionId': sid})

    def check_histogram(self, samples, op, count):
        name = 'athena_emu_request_duration_seconds'
        buckets = sorted(
            (float(ls['le']), v) for n, ls, v in samples
            if n == name + '_bucket' and ls.get('operation') == op)
        for n, ls, v in samples:
            if n == name + '_bucket' and ls.get('operation') == op:
                self.assertEqual(set(ls), {'operation', 'le'}, ls)
        self.assertGreaterEqual(len(buckets), 2, buckets)
        self.assertEqual(buckets[-1][0], float('inf'), buckets)
        values = [v for _, v in buckets]
        self.assertEqual(values, sorted(values), 'cumulative buckets')
        self.assertEqual(buckets[-1][1], count, buckets)
        self.assertEqual(self.value(samples, name + '_count', operation=op),
                         count)
        total = self.value(samples, name + '_sum', operation=op)
        self.assertIsNotNone(total, op)
        self.assertGreaterEqual(total, 0)
        self.assertLess(total, 60 * count + 1)

    def test_requests_and_durations(self):
        for _ in range(3):
            self.assertEqual(self.gss('m1').status, 200)
        self.assertEqual(self.gss('nope').status, 400)
        self.assertEqual(self.emu.aws('ListSessions',
                                      {'WorkGroup': 'wg-m'}).status, 200)
        samples, types = self.metrics()
        self.assertEqual(types.get('athena_emu_requests_total'), 'counter')
        self.assertEqual(types.get('athena_emu_request_duration_seconds'),
                         'histogram')
        self.assertEqual(self.requests_total(samples, 'GetSessionStatus',
                                             200), 3)
        self.assertEqual(self.requests_total(samples, 'GetSessionStatus', 400,
                                             'ResourceNotFoundException'), 1)
        self.assertEqual(self.requests_total(samples, 'ListSessions', 200), 1)
        gss_series = [(ls, v) for n, ls, v in samples
                      if n == 'athena_emu_requests_total'
                      and ls.get('operation') == 'GetSessionStatus']
        self.assertEqual(sum(v for _, v in gss_series), 4, gss_series)
        for ls, _ in gss_series:
            self.assertEqual(set(ls), {'operation', 'status', 'error'}, ls)
        self.check_histogram(samples, 'GetSessionStatus', 4)
        self.check_histogram(samples, 'ListSessions', 1)
        # Counting goes on.
        self.gss('m2')
        self.gss('m2')
        samples, _ = self.metrics()
        self.assertEqual(self.requests_total(samples, 'GetSessionStatus',
                                             200), 5)
        self.check_histogram(samples, 'GetSessionStatus', 6)

    def test_sessions_by_state_follow_the_clock(self):
        samples, types = self.metrics()
        self.assertEqual(types.get('athena_emu_sessions'), 'gauge')

        def gauge(state):
            v = self.value(samples, 'athena_emu_sessions', state=state)
            return 0 if v is None else v

        self.assertEqual((gauge('IDLE'), gauge('BUSY'), gauge('TERMINATED')),
                         (3, 1, 0))
        self.emu.advance(1000)
        samples, _ = self.metrics()
        self.assertEqual((gauge('IDLE'), gauge('BUSY'), gauge('TERMINATED')),
                         (2, 1, 1))
        self.assertEqual(gauge('FAILED'), 0)

    def test_faults_fired(self):
        self.emu.admin_ok('POST', 'faults', {
            'id': 'metric-fault', 'operation': 'GetSessionStatus',
            'match': {'session_id': 'm2'}, 'count': 5,
            'action': {'error': 'InternalServerException'}})
        self.assertEqual(self.gss('m2').status, 500)
        self.assertEqual(self.gss('m1').status, 200)
        self.assertEqual(self.gss('m2').status, 500)
        samples, types = self.metrics()
        self.assertEqual(types.get('athena_emu_faults_fired_total'),
                         'counter')
        self.assertEqual(self.value(samples, 'athena_emu_faults_fired_total',
                                    fault_id='metric-fault'), 2)
        self.assertEqual(self.requests_total(samples, 'GetSessionStatus', 500,
                                             'InternalServerException'), 2)
        self.assertEqual(self.requests_total(samples, 'GetSessionStatus',
                                             200), 1)


# --------------------------------------------------------------------------
# --log-format json
# --------------------------------------------------------------------------

class JsonLogTest(AdminHelpers, unittest.TestCase):
    def test_every_line_is_json_and_each_request_has_one(self):
        emu = Emulator('--log-format', 'json', fixtures=JOURNAL_FIXTURES)
        emu.start()
        self.addCleanup(emu.__exit__, None, None, None)
        c = emu.client()
        rids = {}
        r = c.get_session_status(SessionId='j1')
        rids[r['ResponseMetadata']['RequestId']] = ('GetSessionStatus', 200)
        with self.assertRaises(c.exceptions.ResourceNotFoundException) as cm:
            c.get_session(SessionId='nope')
        rids[cm.exception.response['ResponseMetadata']['RequestId']] = (
            'GetSession', 400)
        emu.admin_ok('POST', 'faults', {
            'id': 'json-log-fault', 'operation': 'ListSessions', 'count': 1,
            'action': {'error': 'ThrottlingException'}})
        resp = emu.aws('ListSessions', {'WorkGroup': 'wg-j'})
        self.assertEqual(resp.status, 400)
        fault_rid = resp.header('x-amzn-RequestId')
        rids[fault_rid] = ('ListSessions', 400)
        r = c.list_work_groups()
        rids[r['ResponseMetadata']['RequestId']] = ('ListWorkGroups', 200)
        self.assertEqual(emu.stop(), 0)

        lines = [ln for ln in emu.stderr_text().splitlines() if ln.strip()]
        self.assertTrue(lines)
        docs = []
        for ln in lines:
            try:
                doc = json.loads(ln)
            except ValueError:
                self.fail('not a JSON log line: %r' % ln)
            self.assertIsInstance(doc, dict, ln)
            docs.append(doc)
        for rid, (op, status) in rids.items():
            # One request line (with the status) per AWS request; a fault
            # firing may add its own line naming the same request.
            mine = [d for d in docs if d.get('request_id') == rid]
            lines = [d for d in mine if 'status' in d]
            self.assertEqual(len(lines), 1, (rid, mine))
            self.assertEqual(lines[0].get('operation'), op, mine)
            self.assertIn(lines[0].get('status'), (status, str(status)),
                          mine)
            named = [d for d in mine if 'json-log-fault' in d.values()]
            if rid == fault_rid:
                self.assertTrue(named, mine)
            else:
                self.assertEqual(named, [], mine)
                self.assertEqual(len(mine), 1, mine)


if __name__ == '__main__':
    unittest.main()
