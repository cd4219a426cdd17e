"""Sessions that die under a running calculation, and stops that are not
honoured (issue 19; CONTRACT §4 "A session dies under its calculation",
outcome rules' `session` and `stop`).

Everything runs under the manual clock. The scenario tests load the shipped
fixtures/examples/dies-mid-calculation.json and meet it the way a polling
client does: GetSessionStatus and GetCalculationExecutionStatus after every
clock step, recording each change of (session state, calculation state) with
the instant it was first seen.
"""

import os
import unittest

from emulator import START_MS, Emulator, at, session, step
from test_calculations_boto3 import (ENGINE, WG, CalcTestCase, DONE_AT,
                                     RUNNING_AT, TERMINATING_MS, idle_session)
from test_lifecycle_boto3 import MAYBE

EXAMPLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..',
                       '..', 'fixtures', 'examples',
                       'dies-mid-calculation.json')
DIES = 'The session entered the %s state while the calculation ran.'
DEGRADED_REASON = 'The session has no healthy coordinators.'
OOM_REASON = 'The coordinator ran out of memory.'
ENDING_STATES = ('DEGRADED', 'FAILED', 'TERMINATING', 'TERMINATED')


class PollingClient:
    """Polls like a client: both statuses after each clock step."""

    def __init__(self, test, emu, client):
        self.t, self.emu, self.c = test, emu, client

    def run(self, sid, cid, until_ms, every_ms=1000):
        seen = []
        while True:
            now = self.emu.now_ms() - START_MS
            s = self.c.get_session_status(SessionId=sid)['Status']['State']
            k = self.c.get_calculation_execution_status(
                CalculationExecutionId=cid)['Status']['State']
            if not seen or seen[-1][1:] != (s, k):
                seen.append((now, s, k))
            if now >= until_ms:
                return seen
            self.emu.advance(min(every_ms, until_ms - now))


# ---------------------------------------------------------------------------
class AdminTransitionEndsCalculationTest(CalcTestCase):
    SESSIONS = [idle_session('die-%s' % s.lower()) for s in ENDING_STATES] + \
        [idle_session('die-cancel')]

    def test_each_ending_state_fails_the_running_calculation(self):
        emu, c = self.emu, self.c
        T = 1000
        emu.advance_to(T)
        cids = {s: self.start_calc('die-%s' % s.lower()) for s in ENDING_STATES}
        cut = T + RUNNING_AT + 100
        emu.advance_to(cut)
        for state, cid in cids.items():
            with self.subTest(state=state):
                sid = 'die-%s' % state.lower()
                self.calc_status(cid, 'RUNNING', T)
                status, doc = emu.transition(sid, state, 'forced by a test')
                self.assertEqual(status, 200, doc)
                self.calc_status(cid, 'FAILED', T, cut, DIES % state)
        # Long past the would-be completion: nothing came back to IDLE.
        emu.advance_to(T + DONE_AT + 60000)
        for state, cid in cids.items():
            with self.subTest(state=state, after=True):
                sid = 'die-%s' % state.lower()
                self.calc_status(cid, 'FAILED', T, cut, DIES % state)
                g = c.get_calculation_execution(CalculationExecutionId=cid)
                self.assertEqual(g['Statistics']['DpuExecutionInMillis'],
                                 cut - (T + RUNNING_AT))
                shown = 'TERMINATED' if state == 'TERMINATING' else state
                self.assertEqual(
                    c.get_session_status(SessionId=sid)['Status']['State'],
                    shown)
                workers = [e for e in c.list_executors(SessionId=sid)
                           ['ExecutorsSummary']
                           if e['ExecutorType'] == 'WORKER']
                self.assertTrue(workers)
                for w in workers:
                    self.assertEqual(w['ExecutorState'], 'TERMINATED', w)
                    # ListExecutors' times are epoch ms (a Long in the model).
                    self.assertEqual(w['TerminationDateTime'], START_MS + cut, w)
                history = emu.history(sid)['transitions']
                self.assertEqual(
                    [(h['state'], h['epoch_ms'] - START_MS, h['cause'])
                     for h in history][:3],
                    [('IDLE', 0, 'script'), ('BUSY', T, 'calculation'),
                     (state, cut, 'admin')])

    def test_terminate_session_while_canceling_gives_canceled(self):
        emu, c, sid = self.emu, self.c, 'die-cancel'
        T = 1000
        emu.advance_to(T)
        cid = self.start_calc(sid)
        emu.advance_to(T + RUNNING_AT + 50)
        r = c.stop_calculation_execution(CalculationExecutionId=cid)
        self.assertEqual(r['State'], 'CANCELING')
        cut = T + RUNNING_AT + 100  # before CANCELED (canceling takes 300)
        emu.advance_to(cut)
        self.calc_status(cid, 'CANCELING', T)
        self.assertEqual(c.terminate_session(SessionId=sid)['State'],
                         'TERMINATING')
        self.calc_status(cid, 'CANCELED', T, cut, None)
        emu.advance_to(cut + TERMINATING_MS + 5000)
        self.calc_status(cid, 'CANCELED', T, cut, None)
        self.expect_history(emu, sid, [
            ('IDLE', 0, None, 'script'),
            ('BUSY', T, None, 'calculation'),
            ('TERMINATING', cut, None, 'api'),
            ('TERMINATED', cut + TERMINATING_MS, None, 'profile')])


# ---------------------------------------------------------------------------
class ScriptFailureKeptTest(CalcTestCase):
    SESSIONS = [session('script-s', WG, [
        step(0, 'IDLE'), step(5000, 'BUSY'), step(6000, 'IDLE'),
        step(8000, 'FAILED', 'lost the coordinator'), step(9000, 'IDLE')],
        engine_configuration=ENGINE)]

    def test_a_script_failure_step_survives_the_calculation_start(self):
        emu, c, sid = self.emu, self.c, 'script-s'
        emu.advance_to(7500)  # the script's BUSY/IDLE at 5 s and 6 s are past
        cid = self.start_calc(sid)
        emu.advance_to(7500 + DONE_AT + 10000)
        self.calc_status(cid, 'FAILED', 7500, 8000, DIES % 'FAILED')
        self.expect_status(c, sid, 'FAILED', 0, 8000, end=8000,
                           reason='lost the coordinator')
        self.expect_history(emu, sid, [
            ('IDLE', 0, None, 'script'), ('BUSY', 5000, None, 'script'),
            ('IDLE', 6000, None, 'script'),
            ('BUSY', 7500, None, 'calculation'),
            ('FAILED', 8000, 'lost the coordinator', 'script')])


# ---------------------------------------------------------------------------
class ExampleScenarioTest(unittest.TestCase):
    """fixtures/examples/dies-mid-calculation.json, end to end."""

    def setUp(self):
        self.emu = Emulator(fixtures=EXAMPLE).start()
        self.addCleanup(self.emu.__exit__, None, None, None)
        self.c = self.emu.client()
        self.poll = PollingClient(self, self.emu, self.c)
        self.emu.advance(10000)  # every example session IDLE since +6 s

    def start(self, sid, code):
        r = self.c.start_calculation_execution(SessionId=sid, CodeBlock=code)
        self.assertEqual(r['State'], 'CREATING')
        return r['CalculationExecutionId']

    def calc(self, cid):
        return self.c.get_calculation_execution_status(
            CalculationExecutionId=cid)['Status']

    def test_script_degraded_at_30s_fails_the_running_calculation(self):
        cid = self.start('dies-1', 'spark.range(10).count()  # long')
        seen = self.poll.run('dies-1', cid, 80000)
        self.assertEqual(seen, [(10000, 'BUSY', 'CREATING'),
                                (11000, 'BUSY', 'RUNNING'),
                                (30000, 'DEGRADED', 'FAILED')])
        st = self.calc(cid)
        self.assertEqual(st['CompletionDateTime'], at(30000))
        self.assertEqual(st['StateChangeReason'], DIES % 'DEGRADED')
        s = self.c.get_session_status(SessionId='dies-1')['Status']
        self.assertEqual(s['StateChangeReason'], DEGRADED_REASON)
        self.assertNotIn('IdleSinceDateTime', s)
        g = self.c.get_calculation_execution(CalculationExecutionId=cid)
        self.assertEqual(g['Statistics']['DpuExecutionInMillis'], 19000)

    def test_outcome_rule_takes_the_session_down(self):
        cid = self.start('flaky-1', 'df.collect()  # oom')
        seen = self.poll.run('flaky-1', cid, 90000)
        self.assertEqual(seen, [(10000, 'BUSY', 'CREATING'),
                                (11000, 'BUSY', 'RUNNING'),
                                (20000, 'FAILED', 'FAILED')])
        self.assertEqual(self.calc(cid)['StateChangeReason'], DIES % 'FAILED')
        s = self.c.get_session_status(SessionId='flaky-1')['Status']
        self.assertEqual(s['StateChangeReason'], OOM_REASON)
        self.assertEqual(s['EndDateTime'], at(20000))
        h = self.emu.history('flaky-1')['transitions'][-1]
        self.assertEqual((h['state'], h['epoch_ms'] - START_MS, h['cause']),
                         ('FAILED', 20000, 'calculation'))

    def test_stop_ignored_runs_on_to_the_outcome(self):
        cid = self.start('flaky-2', 'loop()  # uncancellable')
        self.emu.advance(2000)
        r = self.c.stop_calculation_execution(CalculationExecutionId=cid)
        self.assertEqual(r['State'], 'RUNNING')
        seen = self.poll.run('flaky-2', cid, 40000)
        self.assertEqual(seen, [(12000, 'BUSY', 'RUNNING'),
                                (31000, 'IDLE', 'COMPLETED')])
        # A second stop on the finished calculation: its final state.
        r = self.c.stop_calculation_execution(CalculationExecutionId=cid)
        self.assertEqual(r['State'], 'COMPLETED')

    def test_stop_delayed_cancels_after_stop_after_ms(self):
        cid = self.start('flaky-3', 'loop()  # slow cancel')
        self.emu.advance(2000)
        r = self.c.stop_calculation_execution(CalculationExecutionId=cid)
        self.assertEqual(r['State'], 'CANCELING')
        seen = self.poll.run('flaky-3', cid, 40000)
        self.assertEqual(seen, [(12000, 'BUSY', 'CANCELING'),
                                (27000, 'IDLE', 'CANCELED')])
        self.assertEqual(self.calc(cid)['CompletionDateTime'], at(27000))

    def test_terminate_during_a_delayed_stop_gives_canceled(self):
        cid = self.start('flaky-3', 'loop()  # slow cancel')
        self.emu.advance(2000)
        self.c.stop_calculation_execution(CalculationExecutionId=cid)
        self.emu.advance(3000)
        self.assertEqual(
            self.c.terminate_session(SessionId='flaky-3')['State'],
            'TERMINATING')
        st = self.calc(cid)
        self.assertEqual(st['State'], 'CANCELED')
        self.assertEqual(st['CompletionDateTime'], at(15000))
        self.assertNotIn('StateChangeReason', st)

    def test_state_export_round_trips_rules_and_pending_deaths(self):
        cid = self.start('dies-1', 'x  # long')
        self.emu.advance(2000)
        state = self.emu.admin_ok('GET', 'state')
        rules = {r['match']['code_contains']: r for r in state['outcomes']}
        self.assertEqual(rules['# oom']['session'],
                         {'state': 'FAILED', 'after_ms': 10000,
                          'reason': OOM_REASON})
        self.assertEqual(rules['# uncancellable']['stop'], 'ignored')
        self.assertEqual((rules['# slow cancel']['stop'],
                          rules['# slow cancel']['stop_after_ms']),
                         ('delayed', 15000))
        self.assertNotIn('stop', rules['# long'])
        with Emulator(fixtures='none') as b:
            b.load(state)
            self.assertEqual(b.admin_ok('GET', 'state')['outcomes'],
                             state['outcomes'])
            bc = b.client()
            for emu, client in ((self.emu, self.c), (b, bc)):
                emu.advance_to(30000)
                st = client.get_calculation_execution_status(
                    CalculationExecutionId=cid)['Status']
                self.assertEqual((st['State'], st['CompletionDateTime']),
                                 ('FAILED', at(30000)))
                self.assertEqual(
                    client.get_session_status(SessionId='dies-1')
                    ['Status']['State'], 'DEGRADED')
            # The imported rules govern new work the same way.
            cid2 = bc.start_calculation_execution(
                SessionId='flaky-1', CodeBlock='x  # uncancellable'
            )['CalculationExecutionId']
            self.assertEqual(bc.stop_calculation_execution(
                CalculationExecutionId=cid2)['State'], 'CREATING')


if __name__ == '__main__':
    unittest.main()
