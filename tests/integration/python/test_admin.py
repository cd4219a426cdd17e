"""The /_emulator/ admin API (CONTRACT §5)."""

import json
import time
import unittest

from emulator import (Emulator, HOUR_MS, START_MS, names_path,
                      parse_rfc3339_ms, session, step, workgroup)


def error_of(test, status, doc, want_status):
    test.assertEqual(status, want_status, doc)
    test.assertIsInstance(doc, dict, doc)
    test.assertIn('error', doc, doc)
    test.assertIsInstance(doc['error'], str, doc)
    test.assertTrue(doc['error'], doc)
    return doc['error']


class HealthTest(unittest.TestCase):
    def test_health(self):
        with Emulator() as emu:
            r = emu.http('GET', '/_emulator/health')
            self.assertEqual(r.status, 200, r)
            self.assertTrue(
                (r.header('Content-Type') or '').startswith('application/json'),
                r)
            doc = r.json()
            self.assertEqual(set(doc), {'status', 'version', 'uptime_ms'})
            self.assertEqual(doc['status'], 'ok')
            self.assertIsInstance(doc['version'], str)
            self.assertTrue(doc['version'])
            self.assertIsInstance(doc['uptime_ms'], int)
            self.assertGreaterEqual(doc['uptime_ms'], 0)
            # Uptime is real time: the manual clock does not move it.
            emu.advance(HOUR_MS)
            doc2 = emu.admin_ok('GET', 'health')
            self.assertGreaterEqual(doc2['uptime_ms'], doc['uptime_ms'])
            self.assertLess(doc2['uptime_ms'], HOUR_MS)


class ClockTest(unittest.TestCase):
    def setUp(self):
        self.emu = Emulator().start()
        self.addCleanup(self.emu.__exit__, None, None, None)

    def assert_clock(self, doc, epoch_ms, mode='manual'):
        self.assertEqual(set(doc), {'mode', 'now', 'epoch_ms'}, doc)
        self.assertEqual(doc['mode'], mode)
        self.assertEqual(doc['epoch_ms'], epoch_ms)
        self.assertEqual(parse_rfc3339_ms(doc['now']), epoch_ms)

    def test_get(self):
        doc = self.emu.admin_ok('GET', 'clock')
        self.assert_clock(doc, START_MS)
        self.assertEqual(doc['now'], '2026-01-01T00:00:00.000Z')

    def test_advance(self):
        self.assert_clock(self.emu.advance(1500), START_MS + 1500)
        self.assert_clock(self.emu.advance(0), START_MS + 1500)
        self.assert_clock(self.emu.advance(1), START_MS + 1501)
        self.assert_clock(self.emu.admin_ok('GET', 'clock'), START_MS + 1501)

    def test_negative_advance_is_400(self):
        self.emu.advance(10)
        status, doc = self.emu.admin('POST', 'clock', {'advance_ms': -1})
        error_of(self, status, doc, 400)
        self.assert_clock(self.emu.admin_ok('GET', 'clock'), START_MS + 10)

    def test_bad_bodies_are_400(self):
        for body in ({'advance_ms': 'ten'}, {'set': 'yesterday-ish'}, {},
                     b'{nope', {'set': '2026-13-01T00:00:00Z'}):
            with self.subTest(body=body):
                status, doc = self.emu.admin('POST', 'clock', body)
                error_of(self, status, doc, 400)
        self.assert_clock(self.emu.admin_ok('GET', 'clock'), START_MS)

    def test_set_accepts_rfc3339_and_epoch_seconds(self):
        doc = self.emu.admin_ok('POST', 'clock', {'set': 1767225700})
        self.assert_clock(doc, START_MS + 100000)
        doc = self.emu.admin_ok('POST', 'clock',
                                {'set': '2026-01-01T02:00:00.250+01:00'})
        self.assert_clock(doc, START_MS + HOUR_MS + 250)
        doc = self.emu.admin_ok('POST', 'clock', {'set': 1767229200.5})
        self.assert_clock(doc, START_MS + HOUR_MS + 500)
        doc = self.emu.admin_ok('POST', 'clock',
                                {'set': '2026-01-01T01:00:00.500Z'})
        self.assert_clock(doc, START_MS + HOUR_MS + 500)  # same time: fine

    def test_set_backwards_is_409(self):
        self.emu.advance(5000)
        status, doc = self.emu.admin('POST', 'clock',
                                     {'set': '2026-01-01T00:00:04.999Z'})
        error_of(self, status, doc, 409)
        self.assert_clock(self.emu.admin_ok('GET', 'clock'), START_MS + 5000)

    def test_system_clock_refuses_changes(self):
        with Emulator(clock='system', start_time=None) as emu:
            doc = emu.admin_ok('GET', 'clock')
            self.assertEqual(doc['mode'], 'system')
            self.assertLess(abs(doc['epoch_ms'] - time.time() * 1000), 120000)
            self.assertEqual(parse_rfc3339_ms(doc['now']), doc['epoch_ms'])
            status, body = emu.admin('POST', 'clock', {'advance_ms': 1000})
            error_of(self, status, body, 409)
            status, body = emu.admin('POST', 'clock',
                                     {'set': '2030-01-01T00:00:00Z'})
            error_of(self, status, body, 409)


EXTRA = {
    'workgroups': [workgroup('wg-extra')],
    'sessions': [session('extra-1', 'wg-extra', [step(0, 'CREATING'),
                                                 step(1000, 'IDLE')])],
}


class ResetTest(unittest.TestCase):
    def status(self, emu, sid):
        return emu.client().get_session_status(SessionId=sid)['Status']

    def assert_missing(self, emu, sid):
        c = emu.client()
        with self.assertRaises(c.exceptions.ResourceNotFoundException):
            c.get_session_status(SessionId=sid)

    def test_reset_restores_startup_state(self):
        with Emulator() as emu:
            before = self.status(emu, 'example-idle')
            self.assertEqual(before['State'], 'IDLE')
            emu.load(EXTRA)
            emu.advance(5000)
            status, doc = emu.transition('example-idle', 'FAILED', 'x')
            self.assertEqual(status, 200, doc)
            self.assertEqual(self.status(emu, 'extra-1')['State'], 'IDLE')
            self.assertEqual(emu.admin_ok('POST', 'reset'), {})
            self.assertEqual(emu.now_ms(), START_MS)
            self.assert_missing(emu, 'extra-1')
            self.assertEqual(self.status(emu, 'example-idle'), before)
            # The workgroup went too: a session cannot reference it.
            status, doc = emu.admin('POST', 'fixtures', {
                'sessions': [session('probe', 'wg-extra')]})
            error_of(self, status, doc, 400)

    def test_reset_without_fixtures(self):
        with Emulator() as emu:
            emu.advance(777)
            self.assertEqual(
                emu.admin_ok('POST', 'reset', {'fixtures': False}), {})
            self.assertEqual(emu.now_ms(), START_MS)
            for sid in ('example-idle', 'example-busy', 'example-failed'):
                self.assert_missing(emu, sid)
            status, doc = emu.admin('POST', 'fixtures', {
                'sessions': [session('probe', 'spark')]})
            error_of(self, status, doc, 400)
            self.assert_missing(emu, 'probe')

    def test_reset_reapplies_startup_fixture_file(self):
        with Emulator(fixtures=EXTRA) as emu:
            emu.advance(2000)
            self.assertEqual(emu.transition('extra-1', 'DEGRADED')[0], 200)
            emu.admin_ok('POST', 'reset')
            st = self.status(emu, 'extra-1')
            self.assertEqual(st['State'], 'CREATING')
            self.assertEqual(emu.history('extra-1')['transitions'][0]
                             ['epoch_ms'], START_MS)
            self.assert_missing(emu, 'example-idle')  # not the built-in

    def test_reset_returns_to_the_configured_start_time(self):
        with Emulator(fixtures='none',
                      start_time='2026-03-01T12:00:00.125Z') as emu:
            t0 = emu.now_ms()
            self.assertEqual(t0, 1772366400125)
            emu.advance(HOUR_MS)
            emu.admin_ok('POST', 'reset')
            self.assertEqual(emu.now_ms(), t0)


class FixturesTest(unittest.TestCase):
    def setUp(self):
        self.emu = Emulator(fixtures='none').start()
        self.addCleanup(self.emu.__exit__, None, None, None)
        self.c = self.emu.client()

    def assert_missing(self, sid):
        with self.assertRaises(self.c.exceptions.ResourceNotFoundException):
            self.c.get_session_status(SessionId=sid)

    def test_applied_counts(self):
        doc = {
            'profiles': {'p': {'creating_ms': 10}},
            'scenarios': {'sc': [step(0, 'CREATING'), step(5, 'IDLE')]},
            'workgroups': [workgroup('wg-a', profile='p'),
                           workgroup('wg-b', scenario='sc')],
            'sessions': [session('a1', 'wg-a'), session('a2', 'wg-a'),
                         session('b1', 'wg-b')],
        }
        out = self.emu.load(doc)
        self.assertEqual(set(out), {'applied'})
        self.assertEqual(out['applied']['workgroups'], 2, out)
        self.assertEqual(out['applied']['sessions'], 3, out)
        for sid in ('a1', 'a2', 'b1'):
            self.assertEqual(self.c.get_session_status(SessionId=sid)
                             ['Status']['State'], 'CREATING')
        # A later document may use what an earlier one defined.
        out = self.emu.load({'sessions': [session('a3', 'wg-b')]})
        self.assertEqual(out['applied']['sessions'], 1)
        self.assertEqual(out['applied'].get('workgroups', 0), 0)
        self.emu.advance(10)
        self.assertEqual(self.c.get_session_status(SessionId='a1')
                         ['Status']['State'], 'CREATED')
        self.assertEqual(self.c.get_session_status(SessionId='a3')
                         ['Status']['State'], 'IDLE')

    def test_invalid_documents_apply_nothing(self):
        good = session('ok-1', 'wg-new', [step(0, 'CREATING')])
        cases = [
            # (second session or a whole-document change, path, words)
            ('bad state',
             session('bad', 'wg-new', [step(0, 'CREATING'),
                                       step(10, 'SLEEPING')]),
             ['sessions', 1, 'script', 1, 'state'], []),
            ('missing workgroup', session('bad', 'wg-missing'),
             ['sessions', 1], ['workgroup']),
            ('unknown field', dict(session('bad', 'wg-new'), colour='red'),
             ['sessions', 1], ['colour']),
            ('first step not at 0',
             session('bad', 'wg-new', [step(5, 'CREATING')]),
             ['sessions', 1, 'script'], []),
            ('offsets not increasing',
             session('bad', 'wg-new', [step(0, 'CREATING'),
                                       step(50, 'CREATED'),
                                       step(50, 'IDLE')]),
             ['sessions', 1, 'script'], []),
            ('start_time in the future',
             session('bad', 'wg-new', start_time='2026-01-01T00:00:01Z'),
             ['sessions', 1], ['start_time']),
            ('unknown scenario', session('bad', 'wg-new', scenario='nope'),
             ['sessions', 1], ['scenario']),
            ('id too long', session('b' * 257, 'wg-new'),
             ['sessions', 1], ['id']),
            ('id wrong type', session(5, 'wg-new'), ['sessions', 1], ['id']),
            ('idle timeout out of range',
             session('bad', 'wg-new', idle_timeout_minutes=481),
             ['sessions', 1], ['idle_timeout_minutes']),
            ('script and scenario',
             session('bad', 'wg-new', [step(0, 'CREATING')], scenario='sc'),
             ['sessions', 1], []),
        ]
        for name, bad, path, words in cases:
            with self.subTest(name):
                doc = {'scenarios': {'sc': [step(0, 'CREATING')]},
                       'workgroups': [workgroup('wg-new')],
                       'sessions': [good, bad]}
                status, out = self.emu.admin('POST', 'fixtures', doc)
                msg = error_of(self, status, out, 400)
                self.assertTrue(names_path(msg, path), (path, msg))
                for w in words:
                    self.assertIn(w, msg)
                self.assert_nothing_applied()

    def test_invalid_workgroups_and_top_level(self):
        cases = [
            ('unknown top-level field', {'sesions': []}, [], ['sesions']),
            ('unknown profile',
             {'workgroups': [workgroup('wg-new', profile='nope')]},
             ['workgroups', 0], ['profile']),
            ('bad engine version type',
             {'workgroups': [workgroup('wg-new', engine_version=3)]},
             ['workgroups', 0], ['engine_version']),
            ('unknown profile field',
             {'profiles': {'p': {'creating_msec': 5}},
              'workgroups': [workgroup('wg-new')]},
             ['profiles', 'p'], ['creating_msec']),
            ('negative duration',
             {'profiles': {'p': {'creating_ms': -5}},
              'workgroups': [workgroup('wg-new')]},
             ['profiles', 'p', 'creating_ms'], []),
        ]
        for name, doc, path, words in cases:
            with self.subTest(name):
                status, out = self.emu.admin('POST', 'fixtures', doc)
                msg = error_of(self, status, out, 400)
                if path:
                    self.assertTrue(names_path(msg, path), (path, msg))
                for w in words:
                    self.assertIn(w, msg)
                self.assert_nothing_applied()

    def test_not_json_is_400(self):
        status, out = self.emu.admin('POST', 'fixtures', b'{"sessions": [')
        error_of(self, status, out, 400)
        status, out = self.emu.admin('POST', 'fixtures', b'[]')
        error_of(self, status, out, 400)

    def assert_nothing_applied(self):
        self.assert_missing('ok-1')
        self.assert_missing('bad')
        # Nor the workgroup: a session that references it is refused.
        status, out = self.emu.admin('POST', 'fixtures', {
            'sessions': [session('probe', 'wg-new')]})
        error_of(self, status, out, 400)
        self.assert_missing('probe')

    def test_fixture_clock_applies_first(self):
        doc = dict(EXTRA, clock='2026-01-01T00:10:00Z')
        self.emu.load(doc)
        self.assertEqual(self.emu.now_ms(), START_MS + 600000)
        st = self.c.get_session_status(SessionId='extra-1')['Status']
        self.assertEqual(st['State'], 'CREATING')
        self.assertEqual(st['StartDateTime'].timestamp(),
                         (START_MS + 600000) / 1000)
        self.emu.advance(1000)
        st = self.c.get_session_status(SessionId='extra-1')['Status']
        self.assertEqual(st['State'], 'IDLE')
        self.assertEqual(st['IdleSinceDateTime'].timestamp(),
                         (START_MS + 601000) / 1000)

    def test_fixture_clock_backwards_is_409(self):
        self.emu.advance(5000)
        status, out = self.emu.admin('POST', 'fixtures',
                                     dict(EXTRA, clock=START_MS / 1000))
        error_of(self, status, out, 409)
        self.assertEqual(self.emu.now_ms(), START_MS + 5000)
        self.assert_missing('extra-1')


class TransitionAndHistoryTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = Emulator(fixtures=EXTRA).start()

    @classmethod
    def tearDownClass(cls):
        cls.emu.__exit__(None, None, None)

    def test_unknown_session(self):
        status, doc = self.emu.transition('ghost', 'IDLE')
        error_of(self, status, doc, 404)
        status, doc = self.emu.admin('GET', 'sessions/ghost/history')
        error_of(self, status, doc, 404)

    def test_bad_state(self):
        before = self.emu.history('extra-1')
        for body in ({'state': 'SLEEPING'}, {'state': 'idle'}, {},
                     {'state': 3}, {'state': 'IDLE', 'reason': 7}):
            with self.subTest(body=body):
                status, doc = self.emu.admin(
                    'POST', 'sessions/extra-1/transition', body)
                error_of(self, status, doc, 400)
        self.assertEqual(self.emu.history('extra-1'), before)

    def test_history_shape(self):
        doc = self.emu.history('extra-1')
        self.assertEqual(set(doc), {'session_id', 'transitions'})
        self.assertEqual(doc['session_id'], 'extra-1')
        t = doc['transitions'][0]
        self.assertEqual(set(t), {'state', 'time', 'epoch_ms', 'cause'})
        self.assertEqual((t['state'], t['epoch_ms'], t['cause']),
                         ('CREATING', START_MS, 'script'))
        self.assertEqual(t['time'], '2026-01-01T00:00:00.000Z')


class UnknownPathTest(unittest.TestCase):
    def test_unknown_admin_paths_are_404_json(self):
        with Emulator() as emu:
            for method, path in [('GET', 'nope'), ('POST', 'nope'),
                                 ('GET', ''), ('GET', 'clock/extra'),
                                 ('POST', 'sessions/example-idle/nope'),
                                 ('GET', 'sessions/example-idle'),
                                 ('GET', 'sessions')]:
                with self.subTest(method=method, path=path):
                    status, doc = emu.admin(method, path,
                                            {} if method == 'POST' else None)
                    error_of(self, status, doc, 404)


class AdminTokenTest(unittest.TestCase):
    def test_token_required(self):
        with Emulator(admin_token='s3cret-T') as emu:
            for tok in (False, 'wrong', 's3cret-', 's3cret-TT'):
                with self.subTest(token=tok):
                    status, doc = emu.admin('GET', 'clock', token=tok)
                    error_of(self, status, doc, 401)
            for auth in ('s3cret-T', 'Basic s3cret-T', 'Bearer'):
                status, doc = emu.admin('GET', 'clock', token=False,
                                        headers={'Authorization': auth})
                error_of(self, status, doc, 401)
            self.assertEqual(emu.admin('GET', 'clock')[0], 200)
            status, doc = emu.admin('GET', 'health', token=False)
            self.assertEqual((status, doc['status']), (200, 'ok'))
            # Refused calls change nothing.
            emu.advance(1000)
            status, doc = emu.admin('POST', 'reset', token=False)
            error_of(self, status, doc, 401)
            status, doc = emu.admin('POST', 'fixtures', EXTRA, token='no')
            error_of(self, status, doc, 401)
            status, doc = emu.admin('POST', 'clock', {'advance_ms': 5},
                                    token=False)
            error_of(self, status, doc, 401)
            self.assertEqual(emu.now_ms(), START_MS + 1000)
            c = emu.client()
            with self.assertRaises(c.exceptions.ResourceNotFoundException):
                c.get_session_status(SessionId='extra-1')
            # The AWS API needs no admin token.
            self.assertEqual(c.get_session_status(SessionId='example-idle')
                             ['Status']['State'], 'IDLE')


class AdminOffTest(unittest.TestCase):
    def test_only_health_answers(self):
        with Emulator('--admin', 'off') as emu:
            status, doc = emu.admin('GET', 'health')
            self.assertEqual(status, 200)
            self.assertEqual(doc['status'], 'ok')
            calls = [('GET', 'clock', None),
                     ('POST', 'clock', {'advance_ms': 1}),
                     ('POST', 'reset', {}), ('POST', 'fixtures', EXTRA),
                     ('GET', 'state', None),
                     ('GET', 'sessions/example-idle/history', None),
                     ('POST', 'sessions/example-idle/transition',
                      {'state': 'FAILED'}),
                     ('GET', 'faults', None), ('GET', 'requests', None),
                     ('GET', 'metrics', None)]
            for method, path, body in calls:
                with self.subTest(method=method, path=path):
                    r = emu.http(method, '/_emulator/' + path,
                                 b'' if body is None else json.dumps(body),
                                 {'Content-Type': 'application/json'})
                    self.assertEqual(r.status, 404, r)
            c = emu.client()
            self.assertEqual(c.get_session_status(SessionId='example-idle')
                             ['Status']['State'], 'IDLE')
            with self.assertRaises(c.exceptions.ResourceNotFoundException):
                c.get_session_status(SessionId='extra-1')


if __name__ == '__main__':
    unittest.main()
