"""Calculations through boto3 (issue 4; CONTRACT §3 calculation rules, §4 outcomes).

StartCalculationExecution, GetCalculationExecutionStatus,
GetCalculationExecution, GetCalculationExecutionCode,
ListCalculationExecutions, StopCalculationExecution, GetSessionEndpoint and
ListExecutors, under the manual clock: no test sleeps, every timestamp is
compared with the exact instant it was scheduled for.

Every test starts athena-emu with `--fixtures none` and loads its fixtures
with POST /_emulator/fixtures: a Spark workgroup whose profile `calc` makes
every calculation step a known duration, and sessions scripted straight to
IDLE at +0. A calculation started at T is therefore
    CREATING at T, CREATED and QUEUED at T+100, RUNNING at T+300,
    COMPLETED (or the outcome rule's state) at T+1300,
and its session is BUSY from T and IDLE again at the final instant.

Where AWS documents only a shape (GetSessionEndpoint, ListExecutors,
Statistics.Progress), only the shape, the types and the required members are
checked. Debian's botocore 1.29 has no GetSessionEndpoint: it goes over raw
HTTP there, so every assertion runs on every client.
"""

import datetime
import re
import unittest
import urllib.parse
import uuid

from emulator import (START_MS, Emulator, at, is_uuid, names_path, session,
                      step, workgroup)
from test_lifecycle_boto3 import ANY, MAYBE, LifecycleAssertions

ROLE = 'arn:aws:iam::123456789012:role/r'
ENGINE = {'CoordinatorDpuSize': 1, 'MaxConcurrentDpus': 20,
          'DefaultExecutorDpuSize': 1}

# The fixture profile: every duration known.
TERMINATING_MS = 1000
CALC_CREATING_MS = 100
CALC_QUEUED_MS = 200
CALC_RUNNING_MS = 1000
CALC_CANCELING_MS = 300
PROFILE = {'creating_ms': 0, 'created_ms': 0,
           'terminating_ms': TERMINATING_MS,
           'calculation_creating_ms': CALC_CREATING_MS,
           'calculation_queued_ms': CALC_QUEUED_MS,
           'calculation_running_ms': CALC_RUNNING_MS,
           'calculation_canceling_ms': CALC_CANCELING_MS}
# Offsets from a calculation's start.
QUEUED_AT = CALC_CREATING_MS                    # CREATED and QUEUED: +100
RUNNING_AT = QUEUED_AT + CALC_QUEUED_MS         # +300
DONE_AT = RUNNING_AT + CALC_RUNNING_MS          # +1300

WG = 'wg-calc'
CALC_STATES = ('CREATING', 'CREATED', 'QUEUED', 'RUNNING', 'CANCELING',
               'CANCELED', 'COMPLETED', 'FAILED')
FINAL_STATES = ('CANCELED', 'COMPLETED', 'FAILED')
EXECUTOR_STATES = ('CREATING', 'CREATED', 'REGISTERED', 'TERMINATING',
                   'TERMINATED', 'FAILED')
EXECUTOR_TYPES = ('COORDINATOR', 'GATEWAY', 'WORKER')
# The model's patterns for S3Uri and CalculationResultType.
S3_URI = re.compile(r'^(https|s3|S3)://([^/]+)/?(.*)$')
RESULT_TYPE = re.compile(r'\w+\/[-+.\w]+')
RESULT_MEMBERS = {'ResultS3Uri', 'StdOutS3Uri', 'StdErrorS3Uri', 'ResultType'}

BUSY_MESSAGE = ('Session is in the %s state; needs to be IDLE to accept '
                'Calculations.')

# CONTRACT §4's example rules, plus one for queued_ms and a regex that is
# a search anywhere in the code.
RULE_RESULT = {'result_s3_uri': 's3://b/r.json', 'stdout_s3_uri': 's3://b/o',
               'stderr_s3_uri': 's3://b/e', 'result_type': 'application/json'}
OUTCOMES = [
    {'match': {'code_contains': 'raise'}, 'state': 'FAILED',
     'reason': 'boom', 'running_ms': 50},
    {'match': {'code_regex': '^select'}, 'state': 'COMPLETED',
     'result': RULE_RESULT},
    {'match': {'code_regex': r'sleep\(\d+\)'}, 'state': 'COMPLETED',
     'queued_ms': 0, 'running_ms': 5000},
]
FAIL_RUNNING_MS = 50
SLEEP_RUNNING_MS = 5000


def idle_session(sid, **kw):
    """A fixture session of WG, IDLE from its start (the load time, +0)."""
    kw.setdefault('engine_configuration', ENGINE)
    return session(sid, WG, [step(0, 'IDLE')], **kw)


def fixture_doc(sessions, outcomes=None):
    doc = {
        'profiles': {'calc': PROFILE},
        'workgroups': [workgroup(WG, profile='calc',
                                 configuration={'ExecutionRole': ROLE})],
        'sessions': sessions,
    }
    if outcomes is not None:
        doc['outcomes'] = outcomes
    return doc


def default_prefix(sid, cid):
    return 's3://athena-emu-results/%s/%s/' % (sid, cid)


class CalculationAssertions(LifecycleAssertions):
    """Mixin: exact checks of calculation answers."""

    def start_calc(self, sid, code='print(1)', client=None, **kw):
        """StartCalculationExecution; checks the answer; the new id."""
        c = client or self.c
        if code is not None:
            kw['CodeBlock'] = code
        r = c.start_calculation_execution(SessionId=sid, **kw)
        self.assertEqual(set(r), {'CalculationExecutionId', 'State',
                                  'ResponseMetadata'}, r)
        cid = r['CalculationExecutionId']
        self.assertTrue(is_uuid(cid), cid)
        self.assertEqual(cid, cid.lower())
        self.assertLessEqual(len(cid), 36)
        self.assertEqual(r['State'], 'CREATING')
        return cid

    def check_reason(self, got, want, reason, what):
        """reason: None = absent, MAYBE = absent or any non-empty string,
        ANY = any non-empty string, else the exact text."""
        if reason is ANY or (reason is MAYBE and 'StateChangeReason' in got):
            self.assertIn('StateChangeReason', got, (what, got))
            self.assertIsInstance(got['StateChangeReason'], str)
            self.assertTrue(got['StateChangeReason'], (what, got))
            self.assertLessEqual(len(got['StateChangeReason']), 1024)
            want['StateChangeReason'] = got['StateChangeReason']
        elif reason is not None and reason is not MAYBE:
            want['StateChangeReason'] = reason

    def check_calc_status(self, st, state, submitted, completed=None,
                          reason=MAYBE, what=''):
        """A CalculationStatus, exactly; offsets in ms from START."""
        want = {'State': state, 'SubmissionDateTime': at(submitted)}
        if completed is not None:
            want['CompletionDateTime'] = at(completed)
        self.check_reason(st, want, reason, what)
        self.assertEqual(dict(st), want, 'calculation %s' % (what,))
        return st

    def check_statistics(self, stats, what=''):
        """CalculationStatistics: only modeled members, of modeled types."""
        self.assertIsInstance(stats, dict, what)
        self.assertLessEqual(set(stats), {'DpuExecutionInMillis', 'Progress'},
                             (what, stats))
        if 'DpuExecutionInMillis' in stats:
            dpu = stats['DpuExecutionInMillis']
            self.assertIsInstance(dpu, int, (what, stats))
            self.assertNotIsInstance(dpu, bool, (what, stats))
            self.assertGreaterEqual(dpu, 0, (what, stats))
        if 'Progress' in stats:
            self.assertIsInstance(stats['Progress'], str, (what, stats))
            self.assertTrue(1 <= len(stats['Progress']) <= 1024,
                            (what, stats))

    def calc_status(self, cid, state, submitted, completed=None,
                    reason=MAYBE, client=None):
        """GetCalculationExecutionStatus, compared exactly; the answer."""
        r = (client or self.c).get_calculation_execution_status(
            CalculationExecutionId=cid)
        members = set(r) - {'ResponseMetadata'}
        self.assertIn('Status', members, r)
        self.assertLessEqual(members, {'Status', 'Statistics'}, r)
        what = '%s at +%d' % (cid, self.emu.now_ms() - START_MS)
        self.check_calc_status(r['Status'], state, submitted, completed,
                               reason, what)
        if 'Statistics' in r:
            self.check_statistics(r['Statistics'], what)
        return r

    def check_result(self, result, sid, cid):
        """A default CalculationResult: every member, all under the
        default location."""
        self.assertEqual(set(result), RESULT_MEMBERS, result)
        prefix = default_prefix(sid, cid)
        for member in ('ResultS3Uri', 'StdOutS3Uri', 'StdErrorS3Uri'):
            uri = result[member]
            self.assertTrue(uri.startswith(prefix), (member, uri, prefix))
            self.assertRegex(uri, S3_URI)
            self.assertLessEqual(len(uri), 1024)
        self.assertNotEqual(result['StdOutS3Uri'], result['StdErrorS3Uri'])
        self.assertTrue(RESULT_TYPE.fullmatch(result['ResultType']), result)

    def get_calc(self, cid, sid, state, description=None):
        """GetCalculationExecution: the members that must be there for
        `state`, checked; the answer (Status is left to the caller)."""
        g = self.c.get_calculation_execution(CalculationExecutionId=cid)
        members = set(g) - {'ResponseMetadata'}
        need = {'CalculationExecutionId', 'SessionId', 'WorkingDirectory',
                'Status'}
        if description is not None:
            need.add('Description')
        optional = {'Statistics'}
        if state == 'COMPLETED':
            need |= {'Statistics', 'Result'}
        elif state in FINAL_STATES:
            optional.add('Result')
        self.assertLessEqual(need, members, g)
        self.assertLessEqual(members, need | optional, g)
        self.assertEqual(g['CalculationExecutionId'], cid)
        self.assertEqual(g['SessionId'], sid)
        if description is not None:
            self.assertEqual(g['Description'], description)
        self.assertRegex(g['WorkingDirectory'], S3_URI)
        self.assertEqual(g['Status']['State'], state, g)
        if 'Statistics' in g:
            self.check_statistics(g['Statistics'], cid)
        if 'Result' in g and state != 'COMPLETED':
            for member in ('ResultS3Uri', 'StdOutS3Uri', 'StdErrorS3Uri'):
                if member in g['Result']:
                    self.assertRegex(g['Result'][member], S3_URI)
        return g

    def busy_error(self, sid, state, client=None, code='print(2)'):
        """StartCalculationExecution refused: the session is in `state`."""
        c = client or self.c
        err = self.expect_error(c, 'InvalidRequestException',
                                c.start_calculation_execution,
                                SessionId=sid, CodeBlock=code)
        self.assertEqual(err.response['Error']['Message'],
                         BUSY_MESSAGE % state)
        return err

    def list_calcs(self, sid, client=None, **kw):
        """Every page of ListCalculationExecutions: the summaries."""
        c = client or self.c
        out, token = [], None
        for _ in range(100):
            args = dict(kw)
            if token is not None:
                args['NextToken'] = token
            r = c.list_calculation_executions(SessionId=sid, **args)
            self.assertLessEqual(set(r), {'Calculations', 'NextToken',
                                          'ResponseMetadata'}, r)
            page = r.get('Calculations', [])
            for summary in page:
                self.assertLessEqual(
                    set(summary),
                    {'CalculationExecutionId', 'Description', 'Status'},
                    summary)
                self.assertIn('CalculationExecutionId', summary)
                self.assertIn('Status', summary)
            out += page
            token = r.get('NextToken')
            if token is None:
                return out
        self.fail('ListCalculationExecutions never ended')

    def listed_ids(self, sid, **kw):
        return [s['CalculationExecutionId'] for s in self.list_calcs(sid, **kw)]

    def session_dpu(self, sid):
        stats = self.c.get_session(SessionId=sid)['Statistics']
        self.assertEqual(set(stats), {'DpuExecutionInMillis'}, stats)
        dpu = stats['DpuExecutionInMillis']
        self.assertIsInstance(dpu, int)
        self.assertNotIsInstance(dpu, bool)
        self.assertGreaterEqual(dpu, 0)
        return dpu

    def run_to_completion(self, sid, start_at, code='print(1)', **kw):
        """Starts a calculation at +start_at, moves the clock to its
        default end (COMPLETED); its id."""
        self.emu.advance_to(start_at)
        cid = self.start_calc(sid, code, **kw)
        self.emu.advance_to(start_at + DONE_AT)
        self.calc_status(cid, 'COMPLETED', start_at, start_at + DONE_AT)
        return cid


class CalcTestCase(CalculationAssertions, unittest.TestCase):
    SESSIONS = [idle_session('calc-s1'), idle_session('calc-s2')]
    OUTCOMES = None

    def setUp(self):
        self.emu = Emulator(fixtures='none').start()
        self.addCleanup(self.emu.__exit__, None, None, None)
        applied = self.emu.load(fixture_doc(self.SESSIONS, self.OUTCOMES))
        self.assertEqual(applied['applied']['workgroups'], 1, applied)
        self.assertEqual(applied['applied']['sessions'], len(self.SESSIONS),
                         applied)
        self.c = self.emu.client()


# ---------------------------------------------------------------------------
class CalculationLifecycleTest(CalcTestCase):
    SESSIONS = [idle_session('calc-s1'), idle_session('calc-s2'),
                session('calc-late', WG, [step(0, 'CREATING'),
                                          step(5000, 'IDLE')]),
                session('calc-degrades', WG, [step(0, 'IDLE'),
                                              step(60000, 'DEGRADED',
                                                   'coordinator lost')])]

    def test_start_busy_queued_running_completed_idle(self):
        emu, c, sid = self.emu, self.c, 'calc-s1'
        T = 1000
        emu.advance_to(T)
        self.expect_status(c, sid, 'IDLE', 0, 0, idle=0)
        dpu_before = self.session_dpu(sid)

        cid = self.start_calc(sid, 'print(1)', Description='first calculation')
        # The session is BUSY at once, the calculation CREATING.
        self.expect_status(c, sid, 'BUSY', 0, T, reason=MAYBE)
        self.calc_status(cid, 'CREATING', T)
        # One calculation at a time; the refused one leaves no trace.
        self.busy_error(sid, 'BUSY')
        self.assertEqual(self.listed_ids(sid), [cid])

        emu.advance_to(T + QUEUED_AT - 1)
        self.calc_status(cid, 'CREATING', T)
        emu.advance_to(T + QUEUED_AT)        # CREATED, then QUEUED at once
        self.calc_status(cid, 'QUEUED', T)
        emu.advance_to(T + RUNNING_AT - 1)
        self.calc_status(cid, 'QUEUED', T)
        emu.advance_to(T + RUNNING_AT)
        self.calc_status(cid, 'RUNNING', T)
        self.expect_status(c, sid, 'BUSY', 0, T, reason=MAYBE)
        running = self.get_calc(cid, sid, 'RUNNING', 'first calculation')
        self.assertNotIn('Result', running)
        self.check_calc_status(running['Status'], 'RUNNING', T)
        emu.advance_to(T + DONE_AT - 1)
        self.calc_status(cid, 'RUNNING', T)
        self.busy_error(sid, 'BUSY')

        emu.advance_to(T + DONE_AT)
        end = T + DONE_AT
        done = self.calc_status(cid, 'COMPLETED', T, end)
        self.expect_status(c, sid, 'IDLE', 0, end, idle=end, reason=MAYBE)
        self.expect_history(emu, sid, [
            ('IDLE', 0, None, 'script'),
            ('BUSY', T, MAYBE, 'calculation'),
            ('IDLE', end, MAYBE, 'calculation')])

        g = self.get_calc(cid, sid, 'COMPLETED', 'first calculation')
        self.assertEqual(g['Status'], done['Status'])
        self.check_result(g['Result'], sid, cid)
        self.assertIn('DpuExecutionInMillis', g['Statistics'], g)
        self.assertGreater(g['Statistics']['DpuExecutionInMillis'], 0, g)

        code = c.get_calculation_execution_code(CalculationExecutionId=cid)
        self.assertEqual(set(code), {'CodeBlock', 'ResponseMetadata'})
        self.assertEqual(code['CodeBlock'], 'print(1)')

        self.assertGreater(self.session_dpu(sid), dpu_before)

        # Reading changed nothing; a minute later the answers are the same.
        emu.advance_to(end + 60000)
        self.calc_status(cid, 'COMPLETED', T, end)
        later = self.get_calc(cid, sid, 'COMPLETED', 'first calculation')
        self.assertEqual({k: v for k, v in later.items()
                          if k != 'ResponseMetadata'},
                         {k: v for k, v in g.items()
                          if k != 'ResponseMetadata'})
        self.expect_status(c, sid, 'IDLE', 0, end, idle=end, reason=MAYBE)

    def test_next_calculation_after_idle_and_dpu_grows(self):
        emu, c, sid = self.emu, self.c, 'calc-s1'
        dpu0 = self.session_dpu(sid)
        a = self.run_to_completion(sid, 1000)
        dpu1 = self.session_dpu(sid)
        self.assertGreater(dpu1, dpu0)
        # The session takes the next one as soon as it is IDLE again.
        t2 = 1000 + DONE_AT
        self.expect_status(c, sid, 'IDLE', 0, t2, idle=t2, reason=MAYBE)
        b = self.start_calc(sid, 'print(2)')
        self.assertNotEqual(a, b)
        self.expect_status(c, sid, 'BUSY', 0, t2, reason=MAYBE)
        emu.advance_to(t2 + DONE_AT)
        self.calc_status(b, 'COMPLETED', t2, t2 + DONE_AT)
        self.assertGreater(self.session_dpu(sid), dpu1)
        self.expect_status(c, sid, 'IDLE', 0, t2 + DONE_AT,
                           idle=t2 + DONE_AT, reason=MAYBE)
        self.expect_history(emu, sid, [
            ('IDLE', 0, None, 'script'),
            ('BUSY', 1000, MAYBE, 'calculation'),
            ('IDLE', t2, MAYBE, 'calculation'),
            ('BUSY', t2, MAYBE, 'calculation'),
            ('IDLE', t2 + DONE_AT, MAYBE, 'calculation')])
        # The other session was never touched.
        self.expect_status(c, 'calc-s2', 'IDLE', 0, 0, idle=0)
        self.assertEqual(self.listed_ids('calc-s2'), [])

    def test_only_idle_sessions_accept_calculations(self):
        emu, c = self.emu, self.c
        # CREATING (scripted IDLE at +5 s).
        self.busy_error('calc-late', 'CREATING')
        emu.advance_to(4999)
        self.busy_error('calc-late', 'CREATING')
        emu.advance_to(5000)
        cid = self.start_calc('calc-late')   # a script's IDLE accepts one
        self.expect_status(c, 'calc-late', 'BUSY', 0, 5000, reason=MAYBE)
        self.assertEqual(self.listed_ids('calc-late'), [cid])
        # TERMINATING, then TERMINATED.
        emu.advance_to(6000)
        r = c.terminate_session(SessionId='calc-s2')
        self.assertEqual(r['State'], 'TERMINATING')
        self.busy_error('calc-s2', 'TERMINATING')
        emu.advance_to(6000 + TERMINATING_MS)
        self.busy_error('calc-s2', 'TERMINATED')
        self.assertEqual(self.listed_ids('calc-s2'), [])

    def test_a_calculation_cancels_the_remaining_script_steps(self):
        emu, c, sid = self.emu, self.c, 'calc-degrades'
        self.run_to_completion(sid, 1000)
        emu.advance_to(60000)   # the script's DEGRADED step is gone
        self.expect_status(c, sid, 'IDLE', 0, 1000 + DONE_AT,
                           idle=1000 + DONE_AT, reason=MAYBE)

    def test_deprecated_calculation_configuration_code_block(self):
        emu, c, sid = self.emu, self.c, 'calc-s1'
        emu.advance_to(1000)
        cid = self.start_calc(sid, None,
                              CalculationConfiguration={'CodeBlock': 'print(7)'})
        self.assertEqual(c.get_calculation_execution_code(
            CalculationExecutionId=cid)['CodeBlock'], 'print(7)')
        emu.advance_to(1000 + DONE_AT)
        self.calc_status(cid, 'COMPLETED', 1000, 1000 + DONE_AT)
        # One of the two, never both, never neither (the model's docs).
        self.expect_error(c, 'InvalidRequestException',
                          c.start_calculation_execution, SessionId=sid,
                          CodeBlock='print(8)',
                          CalculationConfiguration={'CodeBlock': 'print(8)'})
        self.expect_error(c, 'InvalidRequestException',
                          c.start_calculation_execution, SessionId=sid)
        self.assertEqual(self.listed_ids(sid), [cid])
        self.expect_status(c, sid, 'IDLE', 0, 1000 + DONE_AT,
                           idle=1000 + DONE_AT, reason=MAYBE)


# ---------------------------------------------------------------------------
class StopCalculationTest(CalcTestCase):

    def test_stop_running_then_canceled_and_idle(self):
        emu, c, sid = self.emu, self.c, 'calc-s1'
        T = 1000
        emu.advance_to(T)
        cid = self.start_calc(sid)
        emu.advance_to(T + RUNNING_AT + 500)
        self.calc_status(cid, 'RUNNING', T)
        stop_at = T + RUNNING_AT + 500
        r = c.stop_calculation_execution(CalculationExecutionId=cid)
        self.assertEqual(set(r), {'State', 'ResponseMetadata'}, r)
        self.assertEqual(r['State'], 'CANCELING')
        self.calc_status(cid, 'CANCELING', T)
        # Still BUSY while CANCELING.
        self.expect_status(c, sid, 'BUSY', 0, T, reason=MAYBE)
        self.busy_error(sid, 'BUSY')
        emu.advance_to(stop_at + CALC_CANCELING_MS - 1)
        self.calc_status(cid, 'CANCELING', T)
        emu.advance_to(stop_at + CALC_CANCELING_MS)
        end = stop_at + CALC_CANCELING_MS
        self.calc_status(cid, 'CANCELED', T, end)
        self.expect_status(c, sid, 'IDLE', 0, end, idle=end, reason=MAYBE)
        # Past the instant it would have completed: still CANCELED.
        emu.advance_to(T + DONE_AT + 5000)
        self.calc_status(cid, 'CANCELED', T, end)
        g = self.get_calc(cid, sid, 'CANCELED')
        self.check_calc_status(g['Status'], 'CANCELED', T, end)
        # Stopping a finished calculation succeeds and changes nothing.
        r = c.stop_calculation_execution(CalculationExecutionId=cid)
        self.assertEqual(r['State'], 'CANCELED')
        self.calc_status(cid, 'CANCELED', T, end)
        self.expect_status(c, sid, 'IDLE', 0, end, idle=end, reason=MAYBE)
        self.expect_history(emu, sid, [
            ('IDLE', 0, None, 'script'),
            ('BUSY', T, MAYBE, 'calculation'),
            ('IDLE', end, MAYBE, 'calculation')])
        self.assertEqual(self.listed_ids(sid, StateFilter='CANCELED'), [cid])

    def test_stop_completed_has_no_effect(self):
        emu, c, sid = self.emu, self.c, 'calc-s1'
        cid = self.run_to_completion(sid, 1000)
        end = 1000 + DONE_AT
        emu.advance_to(end + 100)
        r = c.stop_calculation_execution(CalculationExecutionId=cid)
        self.assertEqual(set(r), {'State', 'ResponseMetadata'}, r)
        self.assertEqual(r['State'], 'COMPLETED')
        emu.advance_to(end + 100 + CALC_CANCELING_MS)
        self.calc_status(cid, 'COMPLETED', 1000, end)
        self.expect_status(c, sid, 'IDLE', 0, end, idle=end, reason=MAYBE)
        self.check_result(self.get_calc(cid, sid, 'COMPLETED')['Result'],
                          sid, cid)

    def test_stop_queued(self):
        emu, c, sid = self.emu, self.c, 'calc-s1'
        T = 2000
        emu.advance_to(T)
        cid = self.start_calc(sid)
        emu.advance_to(T + QUEUED_AT + 50)
        self.calc_status(cid, 'QUEUED', T)
        stop_at = T + QUEUED_AT + 50
        r = c.stop_calculation_execution(CalculationExecutionId=cid)
        self.assertEqual(r['State'], 'CANCELING')
        emu.advance_to(T + RUNNING_AT)       # it does not start running
        self.calc_status(cid, 'CANCELING', T)
        emu.advance_to(stop_at + CALC_CANCELING_MS)
        end = stop_at + CALC_CANCELING_MS
        self.calc_status(cid, 'CANCELED', T, end)
        self.expect_status(c, sid, 'IDLE', 0, end, idle=end, reason=MAYBE)


# ---------------------------------------------------------------------------
class TerminateDuringCalculationTest(CalcTestCase):

    def test_terminate_session_fails_its_calculation(self):
        emu, c, sid = self.emu, self.c, 'calc-s1'
        T = 1000
        emu.advance_to(T)
        cid = self.start_calc(sid)
        term_at = T + RUNNING_AT + 100
        emu.advance_to(term_at)
        self.calc_status(cid, 'RUNNING', T)
        r = c.terminate_session(SessionId=sid)
        self.assertEqual(set(r), {'State', 'ResponseMetadata'}, r)
        self.assertEqual(r['State'], 'TERMINATING')
        # FAILED at the TerminateSession instant.
        self.calc_status(cid, 'FAILED', T, term_at)
        self.expect_status(c, sid, 'TERMINATING', 0, term_at, reason=MAYBE)
        self.busy_error(sid, 'TERMINATING')
        emu.advance_to(term_at + TERMINATING_MS)
        self.expect_status(c, sid, 'TERMINATED', 0, term_at + TERMINATING_MS,
                           end=term_at + TERMINATING_MS, reason=MAYBE)
        # Past its would-be completion: still FAILED at the same instant.
        emu.advance_to(T + DONE_AT + 1000)
        self.calc_status(cid, 'FAILED', T, term_at)
        g = self.get_calc(cid, sid, 'FAILED')
        self.check_calc_status(g['Status'], 'FAILED', T, term_at)
        self.busy_error(sid, 'TERMINATED')
        self.assertEqual(self.listed_ids(sid, StateFilter='FAILED'), [cid])
        self.assertEqual(self.listed_ids(sid, StateFilter='RUNNING'), [])
        self.expect_history(emu, sid, [
            ('IDLE', 0, None, 'script'),
            ('BUSY', T, MAYBE, 'calculation'),
            ('TERMINATING', term_at, MAYBE, 'api'),
            ('TERMINATED', term_at + TERMINATING_MS, MAYBE, 'profile')])

    def test_terminate_while_creating(self):
        emu, c, sid = self.emu, self.c, 'calc-s1'
        emu.advance_to(500)
        cid = self.start_calc(sid)
        emu.advance_to(550)
        self.calc_status(cid, 'CREATING', 500)
        self.assertEqual(c.terminate_session(SessionId=sid)['State'],
                         'TERMINATING')
        self.calc_status(cid, 'FAILED', 500, 550)
        emu.advance_to(500 + DONE_AT)
        self.calc_status(cid, 'FAILED', 500, 550)


# ---------------------------------------------------------------------------
class IdleTimeoutAfterCalculationTest(CalcTestCase):
    SESSIONS = [idle_session('calc-timeout', idle_timeout_minutes=1)]

    def test_idle_timeout_counts_from_the_calculations_end(self):
        emu, c, sid = self.emu, self.c, 'calc-timeout'
        T = 59500   # it would time out at +60 s, but it is BUSY then
        emu.advance_to(T)
        self.expect_status(c, sid, 'IDLE', 0, 0, idle=0)
        cid = self.start_calc(sid)
        emu.advance_to(60000)
        self.expect_status(c, sid, 'BUSY', 0, T, reason=MAYBE)
        self.calc_status(cid, 'RUNNING', T)
        end = T + DONE_AT
        emu.advance_to(end)
        self.calc_status(cid, 'COMPLETED', T, end)
        self.expect_status(c, sid, 'IDLE', 0, end, idle=end, reason=MAYBE)
        timeout_at = end + 60000
        emu.advance_to(timeout_at - 1)
        self.expect_status(c, sid, 'IDLE', 0, end, idle=end, reason=MAYBE)
        emu.advance_to(timeout_at)
        st = self.expect_status(c, sid, 'TERMINATING', 0, timeout_at,
                                reason=ANY)
        self.assertIn('idle', st['StateChangeReason'].lower())
        emu.advance_to(timeout_at + TERMINATING_MS)
        st = self.expect_status(c, sid, 'TERMINATED', 0,
                                timeout_at + TERMINATING_MS,
                                end=timeout_at + TERMINATING_MS, reason=ANY)
        self.assertIn('idle', st['StateChangeReason'].lower())
        self.expect_history(emu, sid, [
            ('IDLE', 0, None, 'script'),
            ('BUSY', T, MAYBE, 'calculation'),
            ('IDLE', end, MAYBE, 'calculation'),
            ('TERMINATING', timeout_at, ANY, 'idle_timeout'),
            ('TERMINATED', timeout_at + TERMINATING_MS, ANY, 'idle_timeout')])
        # The calculation is not touched by the timeout.
        self.calc_status(cid, 'COMPLETED', T, end)


# ---------------------------------------------------------------------------
class ListCalculationsTest(CalcTestCase):

    def test_newest_first_filter_and_pages(self):
        emu, c, sid = self.emu, self.c, 'calc-s1'
        self.assertEqual(
            c.list_calculation_executions(SessionId=sid).get(
                'Calculations', []), [])
        a = self.run_to_completion(sid, 1000, Description='calc a')
        # b: stopped while running → CANCELED at 3000+800+300
        emu.advance_to(3000)
        b = self.start_calc(sid, 'print("b")')
        emu.advance_to(3800)
        self.assertEqual(c.stop_calculation_execution(
            CalculationExecutionId=b)['State'], 'CANCELING')
        emu.advance_to(3800 + CALC_CANCELING_MS)
        self.calc_status(b, 'CANCELED', 3000, 3800 + CALC_CANCELING_MS)
        cc = self.run_to_completion(sid, 5000, 'print("c")',
                                    Description='calc c')
        emu.advance_to(7000)
        d = self.start_calc(sid, 'print("d")')

        summaries = self.list_calcs(sid)
        self.assertEqual([s['CalculationExecutionId'] for s in summaries],
                         [d, cc, b, a])
        descriptions = {s['CalculationExecutionId']: s.get('Description')
                        for s in summaries}
        self.assertEqual(descriptions, {a: 'calc a', b: None, cc: 'calc c',
                                        d: None})
        for s in summaries:
            full = c.get_calculation_execution_status(
                CalculationExecutionId=s['CalculationExecutionId'])
            self.assertEqual(s['Status'], full['Status'])
        self.check_calc_status(summaries[0]['Status'], 'CREATING', 7000)
        self.check_calc_status(summaries[1]['Status'], 'COMPLETED', 5000,
                               5000 + DONE_AT)

        self.assertEqual(self.listed_ids(sid, StateFilter='COMPLETED'),
                         [cc, a])
        self.assertEqual(self.listed_ids(sid, StateFilter='CANCELED'), [b])
        self.assertEqual(self.listed_ids(sid, StateFilter='CREATING'), [d])
        self.assertEqual(self.listed_ids(sid, StateFilter='RUNNING'), [])
        emu.advance_to(7000 + RUNNING_AT)
        self.assertEqual(self.listed_ids(sid, StateFilter='RUNNING'), [d])
        self.assertEqual(self.listed_ids(sid, StateFilter='CREATING'), [])

        # MaxResults=1: one per page, newest first, the last without a token.
        pages, token = [], None
        for _ in range(10):
            args = {'SessionId': sid, 'MaxResults': 1}
            if token:
                args['NextToken'] = token
            r = c.list_calculation_executions(**args)
            pages.append([s['CalculationExecutionId']
                          for s in r['Calculations']])
            token = r.get('NextToken')
            if token is None:
                break
            self.assertIsInstance(token, str)
            self.assertTrue(1 <= len(token) <= 2048, token)
        self.assertEqual(pages, [[d], [cc], [b], [a]])
        # Pages of a filtered list.
        r = c.list_calculation_executions(SessionId=sid, MaxResults=1,
                                          StateFilter='COMPLETED')
        self.assertEqual([s['CalculationExecutionId']
                          for s in r['Calculations']], [cc])
        self.assertIn('NextToken', r)
        r = c.list_calculation_executions(SessionId=sid, MaxResults=1,
                                          StateFilter='COMPLETED',
                                          NextToken=r['NextToken'])
        self.assertEqual([s['CalculationExecutionId']
                          for s in r['Calculations']], [a])
        self.assertNotIn('NextToken', r)
        self.expect_error(c, 'InvalidRequestException',
                          c.list_calculation_executions, SessionId=sid,
                          NextToken='not-a-token')
        # Another session's list is its own.
        self.assertEqual(self.listed_ids('calc-s2'), [])


# ---------------------------------------------------------------------------
class ClientRequestTokenTest(CalcTestCase):
    TOKEN = 'calc-token-' + 'x' * 30

    def test_replay_and_mismatch(self):
        emu, c, sid = self.emu, self.c, 'calc-s1'
        T = 1000
        emu.advance_to(T)
        cid = self.start_calc(sid, 'print(1)', Description='tok',
                              ClientRequestToken=self.TOKEN)
        # The same request again, while BUSY: the original answer.
        again = c.start_calculation_execution(
            SessionId=sid, CodeBlock='print(1)', Description='tok',
            ClientRequestToken=self.TOKEN)
        self.assertEqual({k: v for k, v in again.items()
                          if k != 'ResponseMetadata'},
                         {'CalculationExecutionId': cid, 'State': 'CREATING'})
        emu.advance_to(T + DONE_AT)
        self.calc_status(cid, 'COMPLETED', T, T + DONE_AT)
        # After it finished, still the original answer, and nothing starts.
        again = c.start_calculation_execution(
            SessionId=sid, CodeBlock='print(1)', Description='tok',
            ClientRequestToken=self.TOKEN)
        self.assertEqual({k: v for k, v in again.items()
                          if k != 'ResponseMetadata'},
                         {'CalculationExecutionId': cid, 'State': 'CREATING'})
        self.assertEqual(self.listed_ids(sid), [cid])
        self.expect_status(c, sid, 'IDLE', 0, T + DONE_AT, idle=T + DONE_AT,
                           reason=MAYBE)
        # The same token with another parameter: refused, though the
        # session is IDLE and would take a new calculation.
        for changed in ({'CodeBlock': 'print(2)', 'Description': 'tok'},
                        {'CodeBlock': 'print(1)', 'Description': 'other'},
                        {'CodeBlock': 'print(1)'}):
            self.expect_error(c, 'InvalidRequestException',
                              c.start_calculation_execution, SessionId=sid,
                              ClientRequestToken=self.TOKEN, **changed)
        self.expect_error(c, 'InvalidRequestException',
                          c.start_calculation_execution, SessionId='calc-s2',
                          CodeBlock='print(1)', Description='tok',
                          ClientRequestToken=self.TOKEN)
        self.assertEqual(self.listed_ids(sid), [cid])
        self.assertEqual(self.listed_ids('calc-s2'), [])
        self.expect_status(c, sid, 'IDLE', 0, T + DONE_AT, idle=T + DONE_AT,
                           reason=MAYBE)
        self.expect_status(c, 'calc-s2', 'IDLE', 0, 0, idle=0)
        # Another token starts another calculation.
        other = self.start_calc(sid, 'print(1)', Description='tok',
                                ClientRequestToken=self.TOKEN[::-1])
        self.assertNotEqual(other, cid)
        self.assertEqual(self.listed_ids(sid), [other, cid])

    def test_tokens_are_per_operation(self):
        c = self.c
        cid = self.start_calc('calc-s1', ClientRequestToken=self.TOKEN)
        r = c.start_session(WorkGroup=WG, EngineConfiguration=ENGINE,
                            ClientRequestToken=self.TOKEN)
        self.assertTrue(is_uuid(r['SessionId']), r)
        self.assertEqual(r['State'], 'CREATING')
        self.assertNotEqual(r['SessionId'], cid)


# ---------------------------------------------------------------------------
class NotFoundAndValidationTest(CalcTestCase):

    def test_unknown_calculation_and_session(self):
        c = self.c
        unknown = str(uuid.uuid4())
        for fn in (c.get_calculation_execution_status,
                   c.get_calculation_execution,
                   c.get_calculation_execution_code,
                   c.stop_calculation_execution):
            err = self.expect_error(c, 'ResourceNotFoundException', fn,
                                    CalculationExecutionId=unknown)
            if 'ResourceName' in err.response:
                self.assertEqual(err.response['ResourceName'], unknown)
        self.expect_error(c, 'ResourceNotFoundException',
                          c.start_calculation_execution,
                          SessionId='no-such-session',
                          CodeBlock='print(1)')
        self.expect_error(c, 'ResourceNotFoundException',
                          c.list_calculation_executions,
                          SessionId='no-such-session')
        self.expect_error(c, 'ResourceNotFoundException', c.list_executors,
                          SessionId='no-such-session')
        r = self.emu.aws('GetSessionEndpoint', {'SessionId': 'no-such-session'})
        self.assertEqual(r.status, 400, r)
        self.assertEqual(r.json()['__type'], 'ResourceNotFoundException', r)

    def test_other_tenants_do_not_see_calculations(self):
        emu, sid = self.emu, 'calc-s1'
        emu.advance_to(1000)
        cid = self.start_calc(sid)
        for other in (emu.client(access_key='222222222222'),
                      emu.client(region='eu-west-1')):
            for fn in (other.get_calculation_execution_status,
                       other.get_calculation_execution,
                       other.get_calculation_execution_code,
                       other.stop_calculation_execution):
                self.expect_error(other, 'ResourceNotFoundException', fn,
                                  CalculationExecutionId=cid)
            self.expect_error(other, 'ResourceNotFoundException',
                              other.list_calculation_executions,
                              SessionId=sid)
            self.expect_error(other, 'ResourceNotFoundException',
                              other.start_calculation_execution,
                              SessionId=sid, CodeBlock='print(1)')
        # The stop from elsewhere did nothing.
        emu.advance_to(1000 + DONE_AT)
        self.calc_status(cid, 'COMPLETED', 1000, 1000 + DONE_AT)

    def invalid(self, fn, member, value=None, **kw):
        err = self.expect_error(self.raw, 'InvalidRequestException', fn, **kw)
        self.assertEqual(err.response.get('AthenaErrorCode'), 'INVALID_INPUT',
                         err.response)
        msg = err.response['Error']['Message']
        self.assertIn(member.lower(), msg.lower())
        if value is not None:  # never echoed (measured on real Athena)
            self.assertIn("Value at '", msg)
            self.assertNotIn("Value '%s'" % value, msg)
        return err

    def test_constraints(self):
        self.raw = r = self.emu.client(parameter_validation=False)
        sid = 'calc-s1'
        self.invalid(r.get_calculation_execution_status,
                     'calculationExecutionId', CalculationExecutionId='x' * 37)
        self.invalid(r.get_calculation_execution,
                     'calculationExecutionId', CalculationExecutionId='')
        self.invalid(r.stop_calculation_execution,
                     'calculationExecutionId', CalculationExecutionId='y' * 37)
        self.invalid(r.list_calculation_executions, 'maxResults', 101,
                     SessionId=sid, MaxResults=101)
        self.invalid(r.list_calculation_executions, 'maxResults', 0,
                     SessionId=sid, MaxResults=0)
        self.invalid(r.list_calculation_executions, 'stateFilter', 'DONE',
                     SessionId=sid, StateFilter='DONE')
        self.invalid(r.start_calculation_execution, 'clientRequestToken',
                     SessionId=sid, CodeBlock='print(1)',
                     ClientRequestToken='too-short')
        self.invalid(r.start_calculation_execution, 'description',
                     SessionId=sid, CodeBlock='print(1)', Description='')
        self.invalid(r.start_calculation_execution, 'codeBlock',
                     SessionId=sid, CodeBlock='#' * 68001)
        self.invalid(r.list_executors, 'maxResults', 101, SessionId=sid,
                     MaxResults=101)
        self.invalid(r.list_executors, 'executorStateFilter', 'SLEEPING',
                     SessionId=sid, ExecutorStateFilter='SLEEPING')
        # None of them started anything.
        self.assertEqual(self.listed_ids(sid), [])
        self.expect_status(self.c, sid, 'IDLE', 0, 0, idle=0)
        # The largest code block is accepted and kept exactly.
        big = 'print(1)\n' + '#' * (68000 - 9)
        cid = self.start_calc(sid, big)
        self.assertEqual(self.c.get_calculation_execution_code(
            CalculationExecutionId=cid)['CodeBlock'], big)


# ---------------------------------------------------------------------------
class OutcomeRulesTest(CalcTestCase):
    OUTCOMES = OUTCOMES

    def test_failed_outcome_with_its_own_running_time(self):
        emu, c, sid = self.emu, self.c, 'calc-s1'
        T = 1000
        emu.advance_to(T)
        cid = self.start_calc(sid, 'raise ValueError("no")')
        self.calc_status(cid, 'CREATING', T)
        emu.advance_to(T + QUEUED_AT)
        self.calc_status(cid, 'QUEUED', T)
        emu.advance_to(T + RUNNING_AT)
        self.calc_status(cid, 'RUNNING', T)
        end = T + RUNNING_AT + FAIL_RUNNING_MS
        emu.advance_to(end - 1)
        self.calc_status(cid, 'RUNNING', T)
        self.expect_status(c, sid, 'BUSY', 0, T, reason=MAYBE)
        emu.advance_to(end)
        self.calc_status(cid, 'FAILED', T, end, reason='boom')
        self.expect_status(c, sid, 'IDLE', 0, end, idle=end, reason=MAYBE)
        g = self.get_calc(cid, sid, 'FAILED')
        self.check_calc_status(g['Status'], 'FAILED', T, end, reason='boom')
        self.assertEqual(self.listed_ids(sid, StateFilter='FAILED'), [cid])
        # The session takes the next one.
        nxt = self.start_calc(sid, 'print(1)')
        emu.advance_to(end + DONE_AT)
        self.calc_status(nxt, 'COMPLETED', end, end + DONE_AT)

    def test_regex_rule_sets_the_result(self):
        emu, c, sid = self.emu, self.c, 'calc-s1'
        T = 1000
        emu.advance_to(T)
        cid = self.start_calc(sid, 'select * from t')
        emu.advance_to(T + DONE_AT - 1)
        self.calc_status(cid, 'RUNNING', T)
        emu.advance_to(T + DONE_AT)
        self.calc_status(cid, 'COMPLETED', T, T + DONE_AT)
        g = self.get_calc(cid, sid, 'COMPLETED')
        self.assertEqual(g['Result'], {
            'ResultS3Uri': 's3://b/r.json', 'StdOutS3Uri': 's3://b/o',
            'StdErrorS3Uri': 's3://b/e', 'ResultType': 'application/json'})
        self.expect_status(c, sid, 'IDLE', 0, T + DONE_AT, idle=T + DONE_AT,
                           reason=MAYBE)

    def test_first_matching_rule_wins(self):
        emu, sid = self.emu, 'calc-s1'
        T = 1000
        emu.advance_to(T)
        # Both the `raise` and the `^select` rules match: the first wins.
        cid = self.start_calc(sid, 'select 1  # raise')
        end = T + RUNNING_AT + FAIL_RUNNING_MS
        emu.advance_to(end)
        self.calc_status(cid, 'FAILED', T, end, reason='boom')

    def test_regex_is_an_ecmascript_search(self):
        emu, c, sid = self.emu, self.c, 'calc-s1'
        # `^` anchors at the start of the code only (no multiline flag):
        # no rule matches, the default outcome applies.
        T = 1000
        emu.advance_to(T)
        a = self.start_calc(sid, 'x = 1\nselect 2')
        emu.advance_to(T + DONE_AT)
        self.calc_status(a, 'COMPLETED', T, T + DONE_AT)
        self.check_result(self.get_calc(a, sid, 'COMPLETED')['Result'],
                          sid, a)
        # An unanchored pattern matches anywhere; queued_ms 0 and its own
        # running_ms: RUNNING right after CREATING, done 5 s later.
        T2 = T + DONE_AT
        b = self.start_calc(sid, 'import time\ntime.sleep(10)\n')
        emu.advance_to(T2 + QUEUED_AT - 1)
        self.calc_status(b, 'CREATING', T2)
        emu.advance_to(T2 + QUEUED_AT)
        self.calc_status(b, 'RUNNING', T2)
        end = T2 + QUEUED_AT + SLEEP_RUNNING_MS
        emu.advance_to(end - 1)
        self.calc_status(b, 'RUNNING', T2)
        self.expect_status(c, sid, 'BUSY', 0, T2, reason=MAYBE)
        emu.advance_to(end)
        self.calc_status(b, 'COMPLETED', T2, end)
        self.check_result(self.get_calc(b, sid, 'COMPLETED')['Result'],
                          sid, b)
        self.expect_status(c, sid, 'IDLE', 0, end, idle=end, reason=MAYBE)

    def test_stop_overrides_the_outcome(self):
        emu, c, sid = self.emu, self.c, 'calc-s1'
        emu.advance_to(1000)
        cid = self.start_calc(sid, 'time.sleep(60)')
        emu.advance_to(1000 + QUEUED_AT + 1000)
        self.assertEqual(c.stop_calculation_execution(
            CalculationExecutionId=cid)['State'], 'CANCELING')
        end = 1000 + QUEUED_AT + 1000 + CALC_CANCELING_MS
        emu.advance_to(end)
        self.calc_status(cid, 'CANCELED', 1000, end)
        emu.advance_to(1000 + QUEUED_AT + SLEEP_RUNNING_MS)
        self.calc_status(cid, 'CANCELED', 1000, end)

    def test_invalid_outcome_rules_are_refused(self):
        emu = self.emu
        for rules, path in (
                ([{'match': {'code_contains': 'x'}, 'state': 'RUNNING'}],
                 ['outcomes', 0, 'state']),
                ([{'match': {'code_contains': 'x'}, 'state': 'FAILED',
                   'reason': 'must not apply'},
                  {'match': {'code_regex': '('}, 'state': 'FAILED'}],
                 ['outcomes', 1, 'match', 'code_regex'])):
            status, doc = emu.admin('POST', 'fixtures', {
                'outcomes': rules,
                'sessions': [idle_session('calc-never')]})
            self.assertEqual(status, 400, doc)
            self.assertTrue(names_path(doc['error'], path), doc)
        # Nothing of those documents was applied: no session, and the
        # `x` rule does not fail this calculation.
        self.expect_error(self.c, 'ResourceNotFoundException',
                          self.c.get_session_status, SessionId='calc-never')
        cid = self.start_calc('calc-s1', 'x = 1')
        self.emu.advance_to(DONE_AT)
        self.calc_status(cid, 'COMPLETED', 0, DONE_AT)


# ---------------------------------------------------------------------------
class EndpointAndExecutorsTest(CalcTestCase):
    SESSIONS = [idle_session('calc-s1'),
                idle_session('calc-s2', idle_timeout_minutes=480)]

    def session_endpoint(self, sid):
        """GetSessionEndpoint: (EndpointUrl, AuthToken, expiry epoch ms),
        through boto3 when its model has the operation, else raw HTTP."""
        if 'GetSessionEndpoint' in self.c.meta.service_model.operation_names:
            r = self.c.get_session_endpoint(SessionId=sid)
            self.assertEqual(set(r), {'EndpointUrl', 'AuthToken',
                                      'AuthTokenExpirationTime',
                                      'ResponseMetadata'}, r)
            expiry = r['AuthTokenExpirationTime']
            self.assertIsInstance(expiry, datetime.datetime)
            self.assertIsNotNone(expiry.tzinfo)
            epoch = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
            expiry_ms = (expiry - epoch) // datetime.timedelta(milliseconds=1)
        else:
            resp = self.emu.aws('GetSessionEndpoint', {'SessionId': sid})
            self.assertEqual(resp.status, 200, resp)
            r = resp.json()
            self.assertEqual(set(r), {'EndpointUrl', 'AuthToken',
                                      'AuthTokenExpirationTime'}, r)
            self.assertIsInstance(r['AuthTokenExpirationTime'], (int, float))
            self.assertNotIsInstance(r['AuthTokenExpirationTime'], bool)
            expiry_ms = round(r['AuthTokenExpirationTime'] * 1000)
        # The raw answer: a JSON number for the timestamp, strings else.
        raw = self.emu.aws('GetSessionEndpoint', {'SessionId': sid}).json()
        self.assertIsInstance(raw['AuthTokenExpirationTime'], (int, float))
        self.assertNotIsInstance(raw['AuthTokenExpirationTime'], bool)
        for member in ('EndpointUrl', 'AuthToken'):
            self.assertIsInstance(r[member], str, r)
            self.assertTrue(r[member], r)
        url = urllib.parse.urlsplit(r['EndpointUrl'])
        self.assertTrue(url.scheme and url.netloc, r['EndpointUrl'])
        return r['EndpointUrl'], r['AuthToken'], expiry_ms

    def check_executors(self, sid, **kw):
        """ListExecutors (every page): the summaries, checked against the
        model (required members, enums, Long as integers)."""
        out, token = [], None
        for _ in range(100):
            args = dict(kw)
            if token is not None:
                args['NextToken'] = token
            r = self.c.list_executors(SessionId=sid, **args)
            self.assertLessEqual(set(r), {'SessionId', 'NextToken',
                                          'ExecutorsSummary',
                                          'ResponseMetadata'}, r)
            self.assertEqual(r['SessionId'], sid)
            for e in r.get('ExecutorsSummary', []):
                self.assertLessEqual(set(e), {
                    'ExecutorId', 'ExecutorType', 'StartDateTime',
                    'TerminationDateTime', 'ExecutorState', 'ExecutorSize'},
                    e)
                self.assertIsInstance(e['ExecutorId'], str, e)
                self.assertLessEqual(len(e['ExecutorId']), 100000)
                if 'ExecutorType' in e:
                    self.assertIn(e['ExecutorType'], EXECUTOR_TYPES, e)
                if 'ExecutorState' in e:
                    self.assertIn(e['ExecutorState'], EXECUTOR_STATES, e)
                for member in ('StartDateTime', 'TerminationDateTime',
                               'ExecutorSize'):
                    if member in e:
                        self.assertIsInstance(e[member], int, e)
                        self.assertNotIsInstance(e[member], bool, e)
            out += r.get('ExecutorsSummary', [])
            token = r.get('NextToken')
            if token is None:
                break
        else:
            self.fail('ListExecutors never ended')
        # Newest first (the model's documentation).
        starts = [e['StartDateTime'] for e in out if 'StartDateTime' in e]
        self.assertEqual(starts, sorted(starts, reverse=True), out)
        ids = [e['ExecutorId'] for e in out]
        self.assertEqual(len(ids), len(set(ids)), out)
        # The same answer over raw HTTP: Long members are JSON integers.
        body = {'SessionId': sid}
        body.update({k: v for k, v in kw.items() if k != 'MaxResults'})
        raw = self.emu.aws('ListExecutors', body)
        self.assertEqual(raw.status, 200, raw)
        for e in raw.json().get('ExecutorsSummary', []):
            for member in ('StartDateTime', 'TerminationDateTime',
                           'ExecutorSize'):
                if member in e:
                    self.assertIsInstance(e[member], int, e)
                    self.assertNotIsInstance(e[member], bool, e)
        return out

    def test_get_session_endpoint(self):
        emu, sid = self.emu, 'calc-s1'
        emu.advance_to(5000)
        _, _, expiry_ms = self.session_endpoint(sid)
        self.assertGreater(expiry_ms, emu.now_ms())
        # Also while BUSY.
        self.start_calc(sid)
        _, _, expiry2_ms = self.session_endpoint(sid)
        self.assertGreater(expiry2_ms, emu.now_ms())
        # Hours later on the manual clock, the expiry is still ahead of it.
        emu.advance_to(5 * 3600 * 1000)
        self.expect_status(self.c, 'calc-s2', 'IDLE', 0, 0, idle=0)
        _, _, expiry3_ms = self.session_endpoint('calc-s2')
        self.assertGreater(expiry3_ms, emu.now_ms())

    def test_list_executors(self):
        emu, sid = self.emu, 'calc-s1'
        emu.advance_to(1000)
        idle = self.check_executors(sid)
        coordinators = [e for e in idle if e.get('ExecutorType') ==
                        'COORDINATOR']
        self.assertGreaterEqual(len(coordinators), 1, idle)
        # Filtering by state returns only that state, and every state's
        # list together is the whole list.
        by_state = []
        for state in EXECUTOR_STATES:
            got = self.check_executors(sid, ExecutorStateFilter=state)
            for e in got:
                self.assertEqual(e.get('ExecutorState'), state, e)
            by_state += [e['ExecutorId'] for e in got]
        self.assertEqual(sorted(by_state),
                         sorted(e['ExecutorId'] for e in idle))
        # One per page, same order.
        paged = self.check_executors(sid, MaxResults=1)
        self.assertEqual([e['ExecutorId'] for e in paged],
                         [e['ExecutorId'] for e in idle])
        # While BUSY there is still a coordinator.
        self.start_calc(sid)
        emu.advance_to(1000 + RUNNING_AT)
        busy = self.check_executors(sid)
        self.assertGreaterEqual(
            len([e for e in busy if e.get('ExecutorType') == 'COORDINATOR']),
            1, busy)


if __name__ == '__main__':
    unittest.main()
