"""Calculations through the AWS CLI (issue 4; CONTRACT §3, §4).

For each executable in ATHENA_EMU_AWS_CLIS (see test_cli.py), against a
session scripted straight to IDLE (fixtures loaded with POST
/_emulator/fixtures, profile durations known): start-calculation-execution,
the session BUSY, get-calculation-execution-status CREATING → QUEUED →
RUNNING → COMPLETED at the exact instants, the BUSY error of a second
start-calculation-execution, get-calculation-execution (Result URIs),
get-calculation-execution-code, list-calculation-executions, and
stop-calculation-execution (CANCELING → CANCELED; no effect once finished).
Timestamps are compared with the exact instants (CLI v1 prints epoch
numbers, v2 ISO 8601).
"""

import unittest

from emulator import START_MS, is_uuid, session, step, workgroup
from test_cli import CliCase, generate_cli_tests, instant_ms

ROLE = 'arn:aws:iam::123456789012:role/r'
WG = 'wg-calc-cli'
SID = 'calc-cli'
TERMINATING_MS = 1000
CALC_CANCELING_MS = 300
PROFILE = {'creating_ms': 0, 'created_ms': 0,
           'terminating_ms': TERMINATING_MS,
           'calculation_creating_ms': 100, 'calculation_queued_ms': 200,
           'calculation_running_ms': 1000,
           'calculation_canceling_ms': CALC_CANCELING_MS}
QUEUED_AT, RUNNING_AT, DONE_AT = 100, 300, 1300
DOC = {
    'profiles': {'calc': PROFILE},
    'workgroups': [workgroup(WG, profile='calc',
                             configuration={'ExecutionRole': ROLE})],
    'sessions': [session(SID, WG, [step(0, 'IDLE')])],
}
BUSY_MESSAGE = ('Session is in the BUSY state; needs to be IDLE to accept '
                'Calculations.')


class CliCalculationTest(CliCase):
    def setUp(self):
        super().setUp()
        self.emu.load(DOC)

    def session_status(self, cli, state, last, idle=None):
        doc = self.ok(cli, ['get-session-status', '--session-id', SID])
        st = doc['Status']
        self.assertEqual(st['State'], state, st)
        self.assertEqual(instant_ms(st['LastModifiedDateTime']),
                         START_MS + last, st)
        if idle is None:
            self.assertNotIn('IdleSinceDateTime', st)
        else:
            self.assertEqual(instant_ms(st['IdleSinceDateTime']),
                             START_MS + idle, st)

    def calc_status(self, cli, cid, state, submitted, completed=None):
        doc = self.ok(cli, ['get-calculation-execution-status',
                            '--calculation-execution-id', cid])
        self.assertLessEqual(set(doc), {'Status', 'Statistics'}, doc)
        st = doc['Status']
        want = {'State', 'SubmissionDateTime'}
        if completed is not None:
            want.add('CompletionDateTime')
        self.assertEqual(set(st) - {'StateChangeReason'}, want, st)
        self.assertEqual(st['State'], state, st)
        self.assertEqual(instant_ms(st['SubmissionDateTime']),
                         START_MS + submitted, st)
        if completed is not None:
            self.assertEqual(instant_ms(st['CompletionDateTime']),
                             START_MS + completed, st)
        return doc

    def start(self, cli, code, *extra):
        out = self.ok(cli, ['start-calculation-execution', '--session-id',
                            SID, '--code-block', code] + list(extra))
        self.assertEqual(set(out), {'CalculationExecutionId', 'State'}, out)
        self.assertEqual(out['State'], 'CREATING')
        cid = out['CalculationExecutionId']
        self.assertTrue(is_uuid(cid), cid)
        self.assertLessEqual(len(cid), 36)
        return cid

    def busy_error(self, cli, version):
        rc, out, err = self.run_cli(cli, [
            'start-calculation-execution', '--session-id', SID,
            '--code-block', 'print(2)'])
        self.assertEqual(rc, 255 if version[0] == 1 else 254, (out, err))
        self.assertIn('InvalidRequestException', err)
        self.assertIn('StartCalculationExecution', err)
        self.assertIn(BUSY_MESSAGE, err)
        self.assertEqual(out.strip(), '')

    def calculation(self, cli, version):
        emu = self.emu
        T = 1000
        emu.advance_to(T)
        cid = self.start(cli, 'print(1)', '--description', 'cli calc')
        self.session_status(cli, 'BUSY', T)
        self.calc_status(cli, cid, 'CREATING', T)
        self.busy_error(cli, version)

        emu.advance_to(T + QUEUED_AT)
        self.calc_status(cli, cid, 'QUEUED', T)
        emu.advance_to(T + RUNNING_AT)
        self.calc_status(cli, cid, 'RUNNING', T)
        self.busy_error(cli, version)
        emu.advance_to(T + DONE_AT - 1)
        self.calc_status(cli, cid, 'RUNNING', T)
        emu.advance_to(T + DONE_AT)
        end = T + DONE_AT
        self.calc_status(cli, cid, 'COMPLETED', T, end)
        self.session_status(cli, 'IDLE', end, idle=end)

        got = self.ok(cli, ['get-calculation-execution',
                            '--calculation-execution-id', cid])
        self.assertEqual(got['CalculationExecutionId'], cid)
        self.assertEqual(got['SessionId'], SID)
        self.assertEqual(got['Description'], 'cli calc')
        self.assertEqual(got['Status']['State'], 'COMPLETED')
        self.assertEqual(set(got['Result']), {'ResultS3Uri', 'StdOutS3Uri',
                                              'StdErrorS3Uri', 'ResultType'})
        prefix = 's3://athena-emu-results/%s/%s/%s/' % (WG, SID, cid)
        for member in ('ResultS3Uri', 'StdOutS3Uri', 'StdErrorS3Uri'):
            self.assertTrue(got['Result'][member].startswith(prefix),
                            got['Result'])
        code = self.ok(cli, ['get-calculation-execution-code',
                             '--calculation-execution-id', cid])
        self.assertEqual(code, {'CodeBlock': 'print(1)'})
        listed = self.ok(cli, ['list-calculation-executions',
                               '--session-id', SID])
        self.assertEqual([c['CalculationExecutionId']
                          for c in listed['Calculations']], [cid])

    def stop(self, cli, version):
        emu = self.emu
        T = 1000
        emu.advance_to(T)
        cid = self.start(cli, 'print(3)')
        stop_at = T + RUNNING_AT + 200
        emu.advance_to(stop_at)
        self.calc_status(cli, cid, 'RUNNING', T)
        out = self.ok(cli, ['stop-calculation-execution',
                            '--calculation-execution-id', cid])
        self.assertEqual(out, {'State': 'CANCELING'})
        self.calc_status(cli, cid, 'CANCELING', T)
        self.session_status(cli, 'BUSY', T)
        self.busy_error(cli, version)
        emu.advance_to(stop_at + CALC_CANCELING_MS - 1)
        self.calc_status(cli, cid, 'CANCELING', T)
        emu.advance_to(stop_at + CALC_CANCELING_MS)
        end = stop_at + CALC_CANCELING_MS
        self.calc_status(cli, cid, 'CANCELED', T, end)
        self.session_status(cli, 'IDLE', end, idle=end)
        # Finished: stopping again succeeds and changes nothing.
        emu.advance_to(T + DONE_AT + 1000)
        out = self.ok(cli, ['stop-calculation-execution',
                            '--calculation-execution-id', cid])
        self.assertEqual(out, {'State': 'CANCELED'})
        self.calc_status(cli, cid, 'CANCELED', T, end)
        self.session_status(cli, 'IDLE', end, idle=end)
        listed = self.ok(cli, ['list-calculation-executions',
                               '--session-id', SID,
                               '--state-filter', 'CANCELED'])
        self.assertEqual([c['CalculationExecutionId']
                          for c in listed['Calculations']], [cid])


generate_cli_tests(CliCalculationTest, lambda cli, version: {
    'calculation': lambda self, cli, v: self.calculation(cli, v),
    'stop': lambda self, cli, v: self.stop(cli, v),
})


if __name__ == '__main__':
    unittest.main()
