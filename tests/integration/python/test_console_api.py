"""The web console's HTTP side (README "Web console"): the embedded page and its files, and the
admin calls it polls (summary, a session's timeline, terminate), the journal's clock time and
?limit=. The page itself is tested in a browser by tests/browser."""

import unittest

from emulator import Emulator, START_MS, session, step, workgroup

FIXTURE = {
    'workgroups': [workgroup('wg'),
                   workgroup('other', account='210987654321', region='eu-west-1')],
    'sessions': [
        session('starting', 'wg'),
        session('idle', 'wg', [step(0, 'IDLE')], idle_timeout_minutes=10),
        session('elsewhere', 'other', [step(0, 'IDLE')], account='210987654321',
                region='eu-west-1'),
    ],
}
FILES = {'/_emulator/ui': 'text/html; charset=utf-8',
         '/_emulator/ui/': 'text/html; charset=utf-8',
         '/_emulator/ui/console.css': 'text/css; charset=utf-8',
         '/_emulator/ui/console.js': 'text/javascript; charset=utf-8',
         '/_emulator/ui/timeline.js': 'text/javascript; charset=utf-8'}


class PageTest(unittest.TestCase):
    def test_files_are_served_with_type_etag_and_revalidation(self):
        with Emulator() as emu:
            total = 0
            for path, ctype in FILES.items():
                r = emu.http('GET', path)
                self.assertEqual(r.status, 200, path)
                self.assertEqual(r.header('Content-Type'), ctype, path)
                self.assertEqual(r.header('Cache-Control'), 'no-cache', path)
                self.assertIn("default-src 'self'", r.header('Content-Security-Policy'), path)
                etag = r.header('ETag')
                self.assertRegex(etag, r'^"[0-9a-f]{20}"$')
                again = emu.http('GET', path, headers={'If-None-Match': etag})
                self.assertEqual((again.status, again.body), (304, b''), path)
                stale = emu.http('GET', path, headers={'If-None-Match': '"0"'})
                self.assertEqual(stale.status, 200, path)
                total += len(r.body)
            self.assertLess(total, 100 * 1024)
            page = emu.http('GET', '/_emulator/ui').body.decode()
            self.assertIn('/_emulator/ui/console.js', page)
            self.assertNotIn('http://', page.replace('http://www.w3.org/2000/svg', ''))
            missing = emu.http('GET', '/_emulator/ui/nope.js')
            self.assertEqual(missing.status, 404)
            self.assertIn('nope.js', missing.json()['error'])
            self.assertEqual(emu.http('POST', '/_emulator/ui').status, 404)

    def test_token_guards_the_data_not_the_page(self):
        with Emulator(admin_token='s3cret') as emu:
            self.assertEqual(emu.http('GET', '/_emulator/ui').status, 200)
            for path in ('summary', 'sessions/example-idle/timeline'):
                status, _ = emu.admin('GET', path, token=False)
                self.assertEqual(status, 401, path)
                status, _ = emu.admin('GET', path, token='wrong')
                self.assertEqual(status, 401, path)
                status, _ = emu.admin('GET', path)
                self.assertEqual(status, 200, path)
            status, _ = emu.admin('POST', 'sessions/example-idle/terminate', token=False)
            self.assertEqual(status, 401)

    def test_admin_off_removes_the_page(self):
        with Emulator('--admin', 'off') as emu:
            for path in list(FILES) + ['/_emulator/summary']:
                self.assertEqual(emu.http('GET', path).status, 404, path)


class SummaryTest(unittest.TestCase):
    def test_every_session_with_its_state_now(self):
        with Emulator(fixtures=FIXTURE) as emu:
            emu.advance(2000)
            doc = emu.admin_ok('GET', 'summary')
            self.assertEqual(doc['clock'], emu.admin_ok('GET', 'clock'))
            self.assertEqual(doc['total_sessions'], 3)
            by_id = {s['id']: s for s in doc['sessions']}
            self.assertEqual(by_id['starting']['state'], 'CREATING')
            self.assertEqual(by_id['starting']['next'], {'state': 'CREATED', 'epoch_ms': START_MS + 5000})
            self.assertEqual(by_id['idle']['idle_since_ms'], START_MS)
            self.assertEqual(by_id['idle']['next'], {'state': 'TERMINATING', 'epoch_ms': START_MS + 600000})
            self.assertEqual((by_id['elsewhere']['account'], by_id['elsewhere']['region'],
                              by_id['elsewhere']['workgroup']), ('210987654321', 'eu-west-1', 'other'))
            self.assertEqual(by_id['idle']['calculations'], 0)
            # What GetSessionStatus says, the summary says.
            for sid in ('starting', 'idle'):
                r = emu.aws('GetSessionStatus', {'SessionId': sid})
                self.assertEqual(r.json()['Status']['State'], by_id[sid]['state'])

    def test_etag_answers_304_until_something_changes(self):
        with Emulator(fixtures=FIXTURE) as emu:
            r = emu.http('GET', '/_emulator/summary')
            etag = r.header('ETag')
            self.assertEqual(emu.http('GET', '/_emulator/summary', headers={'If-None-Match': etag}).status, 304)
            emu.aws('GetSessionStatus', {'SessionId': 'idle'})  # a new journal entry
            r2 = emu.http('GET', '/_emulator/summary', headers={'If-None-Match': etag})
            self.assertEqual(r2.status, 200)
            latest = emu.admin_ok('GET', 'requests?limit=1')['requests'][0]['request_id']
            self.assertEqual(r2.json()['journal']['latest'], latest)
            etag2 = r2.header('ETag')
            emu.advance(1000)
            self.assertEqual(emu.http('GET', '/_emulator/summary', headers={'If-None-Match': etag2}).status, 200)

    def test_calculations_are_counted(self):
        with Emulator(fixtures=FIXTURE) as emu:
            r = emu.aws('StartCalculationExecution', {'SessionId': 'idle', 'CodeBlock': 'print(1)'})
            self.assertEqual(r.status, 200, r)
            calc = r.json()['CalculationExecutionId']
            s = next(s for s in emu.admin_ok('GET', 'summary')['sessions'] if s['id'] == 'idle')
            self.assertEqual((s['state'], s['calculations']), ('BUSY', 1))
            self.assertEqual(s['active_calculation'], {'id': calc, 'state': 'CREATING'})
            emu.advance(3600 * 1000)
            s = next(s for s in emu.admin_ok('GET', 'summary')['sessions'] if s['id'] == 'idle')
            self.assertEqual(s['calculations'], 1)
            self.assertNotIn('active_calculation', s)


class TimelineTest(unittest.TestCase):
    def test_transitions_schedule_calculations_and_requests(self):
        with Emulator(fixtures=FIXTURE) as emu:
            emu.admin_ok('POST', 'faults', {'id': 'f1', 'operation': 'GetCalculationExecutionStatus',
                                            'count': 1, 'action': {'error': 'InternalServerException'}})
            emu.aws('GetSessionStatus', {'SessionId': 'idle'})
            emu.advance(1000)
            calc = emu.aws('StartCalculationExecution', {'SessionId': 'idle', 'CodeBlock': 'x' * 1000}).json()['CalculationExecutionId']
            emu.advance(700)
            faulted = emu.aws('GetCalculationExecutionStatus', {'CalculationExecutionId': calc})
            self.assertEqual(faulted.status, 500)
            doc = emu.admin_ok('GET', 'sessions/idle/timeline')
            history = emu.history('idle')['transitions']
            self.assertEqual([(t['state'], t['epoch_ms'], t['cause']) for t in doc['transitions']],
                             [(t['state'], t['epoch_ms'], t['cause']) for t in history])
            self.assertEqual(doc['now_ms'], START_MS + 1700)
            self.assertEqual([s['state'] for s in doc['scheduled']], ['IDLE', 'TERMINATING', 'TERMINATED'])
            self.assertTrue(all(s['epoch_ms'] > doc['now_ms'] for s in doc['scheduled']))
            [c] = doc['calculations']
            self.assertEqual((c['id'], len(c['code'])), (calc, 400))
            self.assertEqual(c['steps'][0], {'state': 'CREATING', 'epoch_ms': START_MS + 1000})
            self.assertEqual(c['scheduled'][-1]['state'], 'COMPLETED')
            journal = emu.admin_ok('GET', 'requests')['requests']
            self.assertEqual([r['request_id'] for r in doc['requests']], [r['request_id'] for r in journal])
            self.assertEqual(doc['requests'][-1]['fault_id'], 'f1')
            self.assertNotIn('session_id', doc['requests'][-1])  # faulted before it was processed
            self.assertEqual(doc['requests_total'], 3)

    def test_tenant_and_errors(self):
        with Emulator(fixtures=FIXTURE) as emu:
            status, doc = emu.admin('GET', 'sessions/elsewhere/timeline')
            self.assertEqual(status, 404, doc)
            doc = emu.admin_ok('GET', 'sessions/elsewhere/timeline?account=210987654321&region=eu-west-1')
            self.assertEqual((doc['workgroup'], doc['state']), ('other', 'IDLE'))
            status, doc = emu.admin('GET', 'sessions/idle/timeline?colour=blue')
            self.assertEqual(status, 400, doc)
            self.assertIn('account', doc['error'])
            emu.load({'sessions': [session('a/b c', 'wg', [step(0, 'BUSY')])]})
            doc = emu.admin_ok('GET', 'sessions/a%2Fb%20c/timeline')
            self.assertEqual((doc['session_id'], doc['state']), ('a/b c', 'BUSY'))
            status, doc = emu.admin('GET', 'sessions/a/b c/timeline'.replace(' ', '%20'))
            self.assertEqual(status, 400, doc)
            status, doc = emu.admin('GET', 'sessions/%zz/timeline')
            self.assertEqual(status, 400, doc)
            status, doc = emu.admin('POST', 'sessions/idle/timeline')
            self.assertEqual(status, 404, doc)
            status, doc = emu.admin('GET', 'sessions/idle/terminate')
            self.assertEqual(status, 404, doc)


class TerminateTest(unittest.TestCase):
    def test_terminate_is_terminate_session(self):
        with Emulator(fixtures=FIXTURE) as emu:
            calc = emu.aws('StartCalculationExecution', {'SessionId': 'idle', 'CodeBlock': 'print(1)'}).json()['CalculationExecutionId']
            doc = emu.admin_ok('POST', 'sessions/idle/terminate')
            self.assertEqual(doc, {'session_id': 'idle', 'state': 'TERMINATING'})
            r = emu.aws('GetCalculationExecutionStatus', {'CalculationExecutionId': calc}).json()
            self.assertEqual(r['Status']['State'], 'FAILED')
            self.assertEqual(emu.history('idle')['transitions'][-1]['cause'], 'api')
            emu.advance(3000)
            self.assertEqual(emu.aws('GetSessionStatus', {'SessionId': 'idle'}).json()['Status']['State'], 'TERMINATED')
            # Again: nothing changes, the state is answered.
            self.assertEqual(emu.admin_ok('POST', 'sessions/idle/terminate')['state'], 'TERMINATED')
            status, _ = emu.admin('POST', 'sessions/nope/terminate')
            self.assertEqual(status, 404)


class JournalTest(unittest.TestCase):
    def test_clock_time_and_limit(self):
        with Emulator(fixtures=FIXTURE) as emu:
            for i in range(5):
                emu.aws('GetSessionStatus', {'SessionId': 'idle'})
                emu.advance(1000)
            doc = emu.admin_ok('GET', 'requests')['requests']
            self.assertEqual([r['clock_epoch_ms'] - START_MS for r in doc], [0, 1000, 2000, 3000, 4000])
            self.assertEqual(doc[0]['clock_time'], '2026-01-01T00:00:00.000Z')
            last2 = emu.admin_ok('GET', 'requests?limit=2')['requests']
            self.assertEqual([r['request_id'] for r in last2], [r['request_id'] for r in doc[-2:]])
            for bad in ('0', '-1', 'x', '100001'):
                status, err = emu.admin('GET', 'requests?limit=' + bad)
                self.assertEqual(status, 400, bad)
                self.assertIn('limit', err['error'])


if __name__ == '__main__':
    unittest.main()
