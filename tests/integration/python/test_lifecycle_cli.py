"""The session lifecycle through the AWS CLI (issue 3; CONTRACT §3, §4).

For each executable in ATHENA_EMU_AWS_CLIS (see test_cli.py): create a Spark
workgroup, start a session, follow it CREATING → CREATED → IDLE while the
manual clock moves through the admin API, inspect it (get-session,
list-sessions with pagination), terminate it, and one error: start-session
on a missing workgroup. Timestamps are compared with the exact instants
(CLI v1 prints epoch numbers, v2 ISO 8601).
"""

import json
import unittest

from emulator import SPARK, START_MS, is_uuid
from test_cli import CliCase, generate_cli_tests, instant_ms

ROLE = 'arn:aws:iam::123456789012:role/r'
WG_CONFIG = {'EngineVersion': {'SelectedEngineVersion': SPARK},
             'ExecutionRole': ROLE}
ENGINE = {'CoordinatorDpuSize': 1, 'MaxConcurrentDpus': 20,
          'DefaultExecutorDpuSize': 1}
CREATING_MS, CREATED_MS, TERMINATING_MS = 5000, 1000, 3000  # profile default


class CliLifecycleTest(CliCase):
    def check_status(self, st, state, times, reason=None):
        """times: {member: offset ms}; reason None = must be absent,
        Ellipsis = absent or any non-empty string, else exact."""
        keys = set(times) | {'State'}
        if reason is Ellipsis:
            if 'StateChangeReason' in st:
                self.assertTrue(st['StateChangeReason'])
                keys.add('StateChangeReason')
        elif reason is not None:
            keys.add('StateChangeReason')
            self.assertEqual(st.get('StateChangeReason'), reason, st)
        self.assertEqual(set(st), keys, st)
        self.assertEqual(st['State'], state, st)
        for member, off in times.items():
            self.assertEqual(instant_ms(st[member]), START_MS + off,
                             '%s = %r' % (member, st[member]))

    def status(self, cli, sid, state, times, reason=None):
        doc = self.ok(cli, ['get-session-status', '--session-id', sid])
        self.assertEqual(set(doc), {'SessionId', 'Status'}, doc)
        self.assertEqual(doc['SessionId'], sid)
        self.check_status(doc['Status'], state, times, reason)

    def lifecycle(self, cli):
        emu = self.emu
        out = self.ok(cli, ['create-work-group', '--name', 'spark-cli',
                            '--description', 'from the CLI',
                            '--configuration', json.dumps(WG_CONFIG)])
        self.assertIn(out, (None, {}))
        wg = self.ok(cli, ['get-work-group', '--work-group', 'spark-cli'])
        self.assertEqual(wg['WorkGroup']['Name'], 'spark-cli')
        self.assertEqual(wg['WorkGroup']['State'], 'ENABLED')
        self.assertEqual(wg['WorkGroup']['Configuration']['EngineVersion'],
                         {'SelectedEngineVersion': SPARK,
                          'EffectiveEngineVersion': SPARK})

        started = self.ok(cli, [
            'start-session', '--work-group', 'spark-cli',
            '--description', 'cli session',
            '--engine-configuration', json.dumps(ENGINE),
            '--session-idle-timeout-in-minutes', '1'])
        self.assertEqual(set(started), {'SessionId', 'State'}, started)
        self.assertEqual(started['State'], 'CREATING')
        sid = started['SessionId']
        self.assertTrue(is_uuid(sid), sid)
        self.status(cli, sid, 'CREATING',
                    {'StartDateTime': 0, 'LastModifiedDateTime': 0})

        emu.advance(CREATING_MS)
        self.status(cli, sid, 'CREATED',
                    {'StartDateTime': 0, 'LastModifiedDateTime': CREATING_MS})
        emu.advance(CREATED_MS)
        idle_at = CREATING_MS + CREATED_MS
        self.status(cli, sid, 'IDLE',
                    {'StartDateTime': 0, 'LastModifiedDateTime': idle_at,
                     'IdleSinceDateTime': idle_at})

        got = self.ok(cli, ['get-session', '--session-id', sid])
        self.assertEqual(got['SessionId'], sid)
        self.assertEqual(got['WorkGroup'], 'spark-cli')
        self.assertEqual(got['Description'], 'cli session')
        self.assertEqual(got['EngineVersion'], SPARK)
        self.assertEqual(got['EngineConfiguration'], ENGINE)
        self.assertEqual(got['SessionConfiguration']['ExecutionRole'], ROLE)
        self.assertEqual(got['SessionConfiguration']['IdleTimeoutSeconds'], 60)
        self.check_status(got['Status'], 'IDLE', {
            'StartDateTime': 0, 'LastModifiedDateTime': idle_at,
            'IdleSinceDateTime': idle_at})

        # A second session, one second later: newest first, two pages.
        emu.advance(1000)
        sid2 = self.ok(cli, ['start-session', '--work-group', 'spark-cli',
                             '--engine-configuration',
                             json.dumps(ENGINE)])['SessionId']
        page = self.ok(cli, ['list-sessions', '--work-group', 'spark-cli',
                             '--max-results', '1'])
        self.assertEqual([s['SessionId'] for s in page['Sessions']], [sid2])
        token = page['NextToken']
        page = self.ok(cli, ['list-sessions', '--work-group', 'spark-cli',
                             '--max-results', '1', '--next-token', token])
        self.assertEqual([s['SessionId'] for s in page['Sessions']], [sid])
        self.assertNotIn('NextToken', page)
        self.check_status(page['Sessions'][0]['Status'], 'IDLE', {
            'StartDateTime': 0, 'LastModifiedDateTime': idle_at,
            'IdleSinceDateTime': idle_at})
        self.assertEqual(page['Sessions'][0]['Description'], 'cli session')

        term_at = idle_at + 1000
        out = self.ok(cli, ['terminate-session', '--session-id', sid])
        self.assertEqual(out, {'State': 'TERMINATING'})
        self.status(cli, sid, 'TERMINATING',
                    {'StartDateTime': 0, 'LastModifiedDateTime': term_at},
                    reason=Ellipsis)
        emu.advance(TERMINATING_MS)
        end = term_at + TERMINATING_MS
        self.status(cli, sid, 'TERMINATED',
                    {'StartDateTime': 0, 'LastModifiedDateTime': end,
                     'EndDateTime': end}, reason=Ellipsis)
        listed = self.ok(cli, ['list-sessions', '--work-group', 'spark-cli'])
        self.assertEqual([s['SessionId'] for s in listed['Sessions']], [sid2])
        listed = self.ok(cli, ['list-sessions', '--work-group', 'spark-cli',
                               '--state-filter', 'TERMINATED'])
        self.assertEqual([s['SessionId'] for s in listed['Sessions']], [sid])
        # Terminating a terminated session changes nothing.
        self.assertEqual(
            self.ok(cli, ['terminate-session', '--session-id', sid]),
            {'State': 'TERMINATED'})

    def missing_workgroup(self, cli, version):
        rc, out, err = self.run_cli(cli, [
            'start-session', '--work-group', 'no-such-wg',
            '--engine-configuration', json.dumps(ENGINE)])
        self.assertEqual(rc, 255 if version[0] == 1 else 254, (out, err))
        self.assertIn('InvalidRequestException', err)
        self.assertIn('StartSession', err)
        self.assertIn('WorkGroup is not found', err)
        self.assertEqual(out.strip(), '')


generate_cli_tests(CliLifecycleTest, lambda cli, version: {
    'lifecycle': lambda self, cli, v: self.lifecycle(cli),
    'missing_workgroup': lambda self, cli, v: self.missing_workgroup(cli, v),
})


if __name__ == '__main__':
    unittest.main()
