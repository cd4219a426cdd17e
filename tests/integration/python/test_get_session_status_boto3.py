"""GetSessionStatus through boto3, on the manual clock (CONTRACT §3, §4)."""

import json
import unittest

from emulator import (Emulator, HOUR_MS, START_MS, at, is_uuid,
                      parse_rfc3339_ms, session, step, workgroup)

ALL_STATES = ['CREATING', 'CREATED', 'IDLE', 'BUSY', 'TERMINATING',
              'TERMINATED', 'DEGRADED', 'FAILED']
CAUSES = {'api', 'profile', 'script', 'calculation', 'idle_timeout', 'admin'}

FAST = {'creating_ms': 1500, 'created_ms': 2500, 'terminating_ms': 500}


class StatusAssertions:
    """Mixin: exact comparison of a GetSessionStatus answer."""

    def expect_status(self, client, sid, state, start, last, idle=None,
                      end=None, reason=None):
        """Offsets in ms from START; None = the member must be absent."""
        r = client.get_session_status(SessionId=sid)
        self.assertEqual(set(r), {'SessionId', 'Status', 'ResponseMetadata'})
        self.assertEqual(r['SessionId'], sid)
        want = {'State': state, 'StartDateTime': at(start),
                'LastModifiedDateTime': at(last)}
        if idle is not None:
            want['IdleSinceDateTime'] = at(idle)
        if end is not None:
            want['EndDateTime'] = at(end)
        if reason is not None:
            want['StateChangeReason'] = reason
        got = dict(r['Status'])
        if reason is Ellipsis:  # any non-empty reason; returned for checks
            self.assertIn('StateChangeReason', got, (sid, got))
            self.assertIsInstance(got['StateChangeReason'], str)
            self.assertTrue(got['StateChangeReason'])
            want['StateChangeReason'] = got['StateChangeReason']
        self.assertEqual(got, want, 'session %s' % sid)
        return r

    def expect_history(self, emu, sid, transitions):
        """transitions: [(state, offset_ms, reason or None, cause)];
        reason Ellipsis = any non-empty reason; cause None = any known."""
        h = emu.history(sid)
        self.assertEqual(set(h), {'session_id', 'transitions'})
        self.assertEqual(h['session_id'], sid)
        got = h['transitions']
        self.assertEqual(len(got), len(transitions),
                         'history of %s: %s' % (sid, json.dumps(got)))
        for t, (state, off, reason, cause) in zip(got, transitions):
            keys = {'state', 'time', 'epoch_ms', 'cause'}
            if reason is not None:
                keys.add('reason')
            self.assertEqual(set(t), keys, t)
            self.assertEqual(t['state'], state, t)
            self.assertEqual(t['epoch_ms'], START_MS + off, t)
            self.assertEqual(parse_rfc3339_ms(t['time']), START_MS + off, t)
            if reason is Ellipsis:
                self.assertIsInstance(t['reason'], str)
                self.assertTrue(t['reason'])
            elif reason is not None:
                self.assertEqual(t['reason'], reason, t)
            if cause is None:
                self.assertIn(t['cause'], CAUSES, t)
            else:
                self.assertEqual(t['cause'], cause, t)
        return got


# Each session's script ends in (or stays in, until HOUR_MS) one state.
SCRIPTED = {
    'profiles': {'fast': dict(FAST)},
    'workgroups': [workgroup('wg'), workgroup('wg-fast', profile='fast')],
    'sessions': [
        session('st-creating', 'wg', [
            step(0, 'CREATING', 'waiting for capacity'),
            step(HOUR_MS, 'CREATED')]),
        session('st-created', 'wg', [
            step(0, 'CREATING', 'provisioning'), step(1000, 'CREATED'),
            step(HOUR_MS, 'IDLE')]),
        session('st-idle', 'wg', [
            step(0, 'CREATING'), step(1000, 'CREATED'), step(2000, 'IDLE'),
            step(HOUR_MS, 'BUSY')]),
        session('st-busy', 'wg', [
            step(0, 'CREATING'), step(1000, 'CREATED'), step(2000, 'IDLE'),
            step(3000, 'BUSY', 'running a calculation'),
            step(HOUR_MS, 'IDLE')]),
        session('st-terminating', 'wg', [
            step(0, 'CREATING'), step(1000, 'CREATED'), step(2000, 'IDLE'),
            step(4000, 'TERMINATING', 'user asked'),
            step(HOUR_MS, 'TERMINATED')]),
        session('st-terminated', 'wg', [
            step(0, 'CREATING'), step(2000, 'IDLE'),
            step(5000, 'TERMINATING'), step(6000, 'TERMINATED', 'done')]),
        session('st-degraded', 'wg', [
            step(0, 'CREATING'), step(2000, 'IDLE'),
            step(3500, 'DEGRADED', 'executor lost'), step(HOUR_MS, 'IDLE')]),
        session('st-failed', 'wg', [
            step(0, 'CREATING'), step(1500, 'FAILED', 'no capacity')]),
        session('journey', 'wg', [
            step(0, 'CREATING'), step(1000, 'CREATED'), step(2000, 'IDLE'),
            step(3000, 'BUSY'), step(4000, 'IDLE'),
            step(5000, 'DEGRADED', 'disk full'), step(6000, 'IDLE'),
            step(7000, 'TERMINATING', 'shutting down'),
            step(8000, 'TERMINATED')]),
        # Same script as `journey`, never read until the end.
        session('journey-unread', 'wg', [
            step(0, 'CREATING'), step(1000, 'CREATED'), step(2000, 'IDLE'),
            step(3000, 'BUSY'), step(4000, 'IDLE'),
            step(5000, 'DEGRADED', 'disk full'), step(6000, 'IDLE'),
            step(7000, 'TERMINATING', 'shutting down'),
            step(8000, 'TERMINATED')]),
        session('doomed', 'wg', [
            step(0, 'CREATING'), step(1000, 'CREATED'),
            step(2500, 'FAILED', 'image pull failed')]),
    ],
}


class ScriptedStatesTest(StatusAssertions, unittest.TestCase):
    def setUp(self):
        self.emu = Emulator(fixtures=SCRIPTED).start()
        self.addCleanup(self.emu.__exit__, None, None, None)
        self.c = self.emu.client()

    def test_all_eight_states_by_script(self):
        self.emu.advance(10000)
        c = self.c
        self.expect_status(c, 'st-creating', 'CREATING', 0, 0,
                           reason='waiting for capacity')
        # The latest transition has no reason: none, though CREATING had one.
        self.expect_status(c, 'st-created', 'CREATED', 0, 1000)
        self.expect_status(c, 'st-idle', 'IDLE', 0, 2000, idle=2000)
        self.expect_status(c, 'st-busy', 'BUSY', 0, 3000,
                           reason='running a calculation')
        self.expect_status(c, 'st-terminating', 'TERMINATING', 0, 4000,
                           reason='user asked')
        self.expect_status(c, 'st-terminated', 'TERMINATED', 0, 6000,
                           end=6000, reason='done')
        self.expect_status(c, 'st-degraded', 'DEGRADED', 0, 3500,
                           reason='executor lost')
        self.expect_status(c, 'st-failed', 'FAILED', 0, 1500, end=1500,
                           reason='no capacity')

    def test_state_at_load_time_is_first_step(self):
        self.expect_status(self.c, 'st-idle', 'CREATING', 0, 0)
        self.expect_status(self.c, 'st-failed', 'CREATING', 0, 0)

    def test_step_takes_effect_at_its_scheduled_millisecond(self):
        c, emu = self.c, self.emu
        emu.advance(999)
        self.expect_status(c, 'st-created', 'CREATING', 0, 0,
                           reason='provisioning')
        emu.advance(1)
        self.expect_status(c, 'st-created', 'CREATED', 0, 1000)
        emu.advance(1499)
        self.expect_status(c, 'doomed', 'CREATED', 0, 1000)
        emu.advance(1)
        self.expect_status(c, 'doomed', 'FAILED', 0, 2500, end=2500,
                           reason='image pull failed')

    def test_clock_advance_walks_the_script(self):
        c, emu = self.c, self.emu
        expected = [
            # (at, state, idle since, end, reason)
            (0, 'CREATING', None, None, None),
            (1000, 'CREATED', None, None, None),
            (2000, 'IDLE', 2000, None, None),
            (3000, 'BUSY', None, None, None),
            (4000, 'IDLE', 4000, None, None),
            (5000, 'DEGRADED', None, None, 'disk full'),
            (6000, 'IDLE', 6000, None, None),
            (7000, 'TERMINATING', None, None, 'shutting down'),
            (8000, 'TERMINATED', None, 8000, None),
        ]
        prev = None
        for off, state, idle, end, reason in expected:
            if prev is not None:
                emu.advance_to(off - 1)
                p_off, p_state, p_idle, p_end, p_reason = prev
                self.expect_status(c, 'journey', p_state, 0, p_off,
                                   idle=p_idle, end=p_end, reason=p_reason)
                emu.advance(1)
            self.expect_status(c, 'journey', state, 0, off, idle=idle,
                               end=end, reason=reason)
            prev = (off, state, idle, end, reason)
        emu.advance(HOUR_MS)
        self.expect_status(c, 'journey', 'TERMINATED', 0, 8000, end=8000)
        hist = [('CREATING', 0, None, 'script'),
                ('CREATED', 1000, None, 'script'),
                ('IDLE', 2000, None, 'script'),
                ('BUSY', 3000, None, 'script'),
                ('IDLE', 4000, None, 'script'),
                ('DEGRADED', 5000, 'disk full', 'script'),
                ('IDLE', 6000, None, 'script'),
                ('TERMINATING', 7000, 'shutting down', 'script'),
                ('TERMINATED', 8000, None, 'script')]
        self.expect_history(emu, 'journey', hist)
        # Reading along the way changed nothing: the unread twin agrees.
        self.expect_history(emu, 'journey-unread', hist)
        self.expect_status(c, 'journey-unread', 'TERMINATED', 0, 8000,
                           end=8000)

    def test_times_are_scheduled_not_observed(self):
        # One big jump: every transition keeps the time it was due.
        self.emu.advance(HOUR_MS // 2)
        self.expect_status(self.c, 'st-terminated', 'TERMINATED', 0, 6000,
                           end=6000, reason='done')
        self.expect_status(self.c, 'journey', 'TERMINATED', 0, 8000,
                           end=8000)
        self.expect_history(self.emu, 'st-terminated', [
            ('CREATING', 0, None, 'script'), ('IDLE', 2000, None, 'script'),
            ('TERMINATING', 5000, None, 'script'),
            ('TERMINATED', 6000, 'done', 'script')])

    def test_clock_set_moves_sessions_too(self):
        doc = self.emu.admin_ok('POST', 'clock',
                                {'set': '2026-01-01T00:00:03.500Z'})
        self.assertEqual(doc['epoch_ms'], START_MS + 3500)
        self.expect_status(self.c, 'st-degraded', 'DEGRADED', 0, 3500,
                           reason='executor lost')
        self.expect_status(self.c, 'journey', 'BUSY', 0, 3000)

    def test_history_lists_only_transitions_already_made(self):
        self.emu.advance(2500)
        self.expect_history(self.emu, 'journey', [
            ('CREATING', 0, None, 'script'),
            ('CREATED', 1000, None, 'script'),
            ('IDLE', 2000, None, 'script')])

    def test_reading_never_changes_state(self):
        self.emu.advance(3200)
        for sid in ('st-busy', 'journey', 'st-created'):
            a = self.c.get_session_status(SessionId=sid)
            h1 = self.emu.history(sid)
            b = self.c.get_session_status(SessionId=sid)
            h2 = self.emu.history(sid)
            self.assertEqual(a['Status'], b['Status'])
            self.assertEqual(a['SessionId'], b['SessionId'])
            self.assertEqual(h1, h2)
        self.assertEqual(self.emu.now_ms(), START_MS + 3200)

    def test_request_id_is_uuid_and_matches_header(self):
        ids = set()
        for sid in ('st-idle', 'st-idle', 'st-failed'):
            r = self.c.get_session_status(SessionId=sid)
            md = r['ResponseMetadata']
            self.assertEqual(md['HTTPStatusCode'], 200)
            self.assertTrue(is_uuid(md['RequestId']), md['RequestId'])
            self.assertEqual(md['HTTPHeaders']['x-amzn-requestid'],
                             md['RequestId'])
            self.assertEqual(md['HTTPHeaders']['content-type'],
                             'application/x-amz-json-1.1')
            ids.add(md['RequestId'])
        self.assertEqual(len(ids), 3, 'request ids must differ: %s' % ids)


class ErrorsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = Emulator(fixtures=SCRIPTED).start()
        cls.c = cls.emu.client()
        cls.loose = cls.emu.client(parameter_validation=False)

    @classmethod
    def tearDownClass(cls):
        cls.emu.__exit__(None, None, None)

    def assert_not_found(self, sid):
        with self.assertRaises(self.c.exceptions.ResourceNotFoundException) \
                as cm:
            self.loose.get_session_status(SessionId=sid)
        e = cm.exception
        self.assertEqual(e.response['Error']['Code'],
                         'ResourceNotFoundException')
        self.assertEqual(e.response['ResourceName'], sid)
        self.assertIsInstance(e.response['Error']['Message'], str)
        md = e.response['ResponseMetadata']
        self.assertEqual(md['HTTPStatusCode'], 400)
        self.assertTrue(is_uuid(md['RequestId']), md)
        self.assertEqual(md['HTTPHeaders']['x-amzn-requestid'],
                         md['RequestId'])
        self.assertNotIn('x-amzn-errortype', md['HTTPHeaders'])  # real Athena sends none
        self.assertNotIn('x-amzn-query-error', md['HTTPHeaders'])

    def test_unknown_id_is_resource_not_found(self):
        self.assert_not_found('no-such-session')

    def test_unknown_unicode_id_is_named_exactly(self):
        self.assert_not_found('sessão-ünknown-☃')

    def test_unknown_id_of_256_chars_is_not_found_not_invalid(self):
        self.assert_not_found('x' * 256)

    def test_unknown_id_raw_body_names_resource(self):
        r = self.emu.aws(body={'SessionId': 'missing-1'})
        self.assertEqual(r.status, 400)
        doc = r.json()
        self.assertEqual(doc['__type'], 'ResourceNotFoundException')
        self.assertEqual(doc['ResourceName'], 'missing-1')
        self.assertIsInstance(doc['Message'], str)
        self.assertIsNone(r.header('X-Amzn-ErrorType'), r)  # real Athena sends none
        self.assertTrue(is_uuid(r.header('x-amzn-RequestId')), r)

    def test_too_long_id_is_invalid_request(self):
        sid = 'a' * 257
        with self.assertRaises(self.c.exceptions.InvalidRequestException) \
                as cm:
            self.loose.get_session_status(SessionId=sid)
        resp = cm.exception.response
        self.assertEqual(resp['Error']['Code'], 'InvalidRequestException')
        self.assertEqual(resp['AthenaErrorCode'], 'INVALID_INPUT')
        self.assertEqual(resp['ResponseMetadata']['HTTPStatusCode'], 400)
        # Names the member and the constraint, never the value (measured on real Athena).
        self.assertEqual(resp['Error']['Message'],
                         "1 validation error detected: Value at 'sessionId' failed to satisfy "
                         "constraint: Member must have length less than or equal to 256")

    def test_empty_id_is_invalid_request(self):
        with self.assertRaises(self.c.exceptions.InvalidRequestException) \
                as cm:
            self.loose.get_session_status(SessionId='')
        resp = cm.exception.response
        self.assertEqual(resp['AthenaErrorCode'], 'INVALID_INPUT')
        self.assertIn('sessionid', resp['Error']['Message'].lower())

    def test_not_found_does_not_disturb_others(self):
        self.assert_not_found('nope')
        r = self.c.get_session_status(SessionId='st-creating')
        self.assertEqual(r['Status']['State'], 'CREATING')


class ForcedTransitionTest(StatusAssertions, unittest.TestCase):
    def setUp(self):
        doc = {
            'profiles': {'fast': dict(FAST)},
            'workgroups': [workgroup('wg'),
                           workgroup('wg-fast', profile='fast')],
            'sessions': [
                session('f-%s' % s.lower(), 'wg', [
                    step(0, 'CREATING'), step(1000, 'CREATED'),
                    step(2000, 'IDLE'), step(HOUR_MS, 'BUSY')])
                for s in ALL_STATES] + [
                session('f-cancel', 'wg', [
                    step(0, 'CREATING'), step(1000, 'CREATED'),
                    step(2000, 'IDLE'), step(9000, 'BUSY'),
                    step(12000, 'IDLE')]),
                session('f-idle-timeout', 'wg-fast', [
                    step(0, 'CREATING'), step(30000, 'IDLE'),
                    step(40000, 'BUSY')], idle_timeout_minutes=1),
            ],
        }
        self.emu = Emulator(fixtures=doc).start()
        self.addCleanup(self.emu.__exit__, None, None, None)
        self.c = self.emu.client()

    def test_force_each_of_the_eight_states(self):
        self.emu.advance(7000)
        for i, state in enumerate(ALL_STATES):
            sid = 'f-%s' % state.lower()
            reason = 'forced to %s' % state if i % 2 == 0 else None
            status, doc = self.emu.transition(sid, state, reason)
            self.assertEqual(status, 200, doc)
            self.assertEqual(set(doc), {'session_id', 'state', 'time',
                                        'epoch_ms'})
            self.assertEqual(doc['session_id'], sid)
            self.assertEqual(doc['state'], state)
            self.assertEqual(doc['epoch_ms'], START_MS + 7000)
            self.assertEqual(parse_rfc3339_ms(doc['time']), START_MS + 7000)
            self.expect_status(
                self.c, sid, state, 0, 7000,
                idle=7000 if state == 'IDLE' else None,
                end=7000 if state in ('TERMINATED', 'FAILED') else None,
                reason=reason)
            self.expect_history(self.emu, sid, [
                ('CREATING', 0, None, 'script'),
                ('CREATED', 1000, None, 'script'),
                ('IDLE', 2000, None, 'script'),
                (state, 7000, reason, 'admin')])

    def test_forced_transition_cancels_remaining_steps(self):
        self.emu.advance(5000)
        status, doc = self.emu.transition('f-cancel', 'DEGRADED', 'ops')
        self.assertEqual(status, 200, doc)
        self.emu.advance(20000)
        self.expect_status(self.c, 'f-cancel', 'DEGRADED', 0, 5000,
                           reason='ops')
        self.expect_history(self.emu, 'f-cancel', [
            ('CREATING', 0, None, 'script'),
            ('CREATED', 1000, None, 'script'),
            ('IDLE', 2000, None, 'script'),
            ('DEGRADED', 5000, 'ops', 'admin')])

    def test_forced_idle_starts_the_idle_timeout(self):
        self.emu.advance(5000)
        status, doc = self.emu.transition('f-idle-timeout', 'IDLE')
        self.assertEqual(status, 200, doc)
        # The script's IDLE (30 s) and BUSY (40 s) steps are cancelled.
        self.emu.advance_to(64999)
        self.expect_status(self.c, 'f-idle-timeout', 'IDLE', 0, 5000,
                           idle=5000)
        self.emu.advance(1)
        r = self.expect_status(self.c, 'f-idle-timeout', 'TERMINATING', 0,
                               65000, reason=Ellipsis)
        self.assertIn('idle', r['Status']['StateChangeReason'].lower())
        self.emu.advance(500)
        self.expect_status(self.c, 'f-idle-timeout', 'TERMINATED', 0, 65500,
                           end=65500, reason=Ellipsis)
        self.expect_history(self.emu, 'f-idle-timeout', [
            ('CREATING', 0, None, 'script'),
            ('IDLE', 5000, None, 'admin'),
            ('TERMINATING', 65000, Ellipsis, 'idle_timeout'),
            ('TERMINATED', 65500, Ellipsis, 'idle_timeout')])


class ProfileAndIdleTimeoutTest(StatusAssertions, unittest.TestCase):
    DOC = {
        'profiles': {
            'fast': dict(FAST),
            'idle3': {'idle_timeout_minutes_default': 3,
                      'terminating_ms': 250},
            'partial': {'creating_ms': 700},
        },
        'workgroups': [
            workgroup('wg-fast', profile='fast'),
            workgroup('wg-idle3', profile='idle3'),
            workgroup('wg-default'),
            workgroup('wg-partial', profile='partial'),
            workgroup('wg-instant', profile='instant'),
        ],
        'sessions': [
            session('idle1', 'wg-fast', [
                step(0, 'CREATING'), step(1000, 'CREATED'),
                step(2000, 'IDLE')], idle_timeout_minutes=1),
            session('profiled', 'wg-fast', idle_timeout_minutes=2),
            session('idle3', 'wg-idle3', [step(0, 'CREATING'),
                                          step(1000, 'IDLE')]),
            session('idle20', 'wg-default', [step(0, 'CREATING'),
                                             step(1000, 'IDLE')]),
            session('by-default', 'wg-default'),
            session('by-partial', 'wg-partial'),
            session('by-instant', 'wg-instant'),
            session('long-script', 'wg-fast', [
                step(0, 'CREATING'), step(1000, 'IDLE'), step(90000, 'BUSY'),
                step(95000, 'IDLE')], idle_timeout_minutes=1),
        ],
    }

    def setUp(self):
        self.emu = Emulator(fixtures=self.DOC).start()
        self.addCleanup(self.emu.__exit__, None, None, None)
        self.c = self.emu.client()

    def test_idle_timeout_terminates_with_reason(self):
        c, emu = self.c, self.emu
        emu.advance(2000)
        self.expect_status(c, 'idle1', 'IDLE', 0, 2000, idle=2000)
        emu.advance_to(61999)
        self.expect_status(c, 'idle1', 'IDLE', 0, 2000, idle=2000)
        emu.advance(1)
        r = self.expect_status(c, 'idle1', 'TERMINATING', 0, 62000,
                               reason=Ellipsis)
        self.assertIn('idle', r['Status']['StateChangeReason'].lower())
        emu.advance(499)
        self.expect_status(c, 'idle1', 'TERMINATING', 0, 62000,
                           reason=Ellipsis)
        emu.advance(1)
        r = self.expect_status(c, 'idle1', 'TERMINATED', 0, 62500, end=62500,
                               reason=Ellipsis)
        self.assertIn('idle', r['Status']['StateChangeReason'].lower())
        self.expect_history(emu, 'idle1', [
            ('CREATING', 0, None, 'script'), ('CREATED', 1000, None, 'script'),
            ('IDLE', 2000, None, 'script'),
            ('TERMINATING', 62000, Ellipsis, 'idle_timeout'),
            ('TERMINATED', 62500, Ellipsis, 'idle_timeout')])

    def test_idle_timeout_in_one_jump_keeps_scheduled_times(self):
        self.emu.advance(100000)
        self.expect_status(self.c, 'idle1', 'TERMINATED', 0, 62500,
                           end=62500, reason=Ellipsis)
        self.expect_history(self.emu, 'idle1', [
            ('CREATING', 0, None, 'script'), ('CREATED', 1000, None, 'script'),
            ('IDLE', 2000, None, 'script'),
            ('TERMINATING', 62000, Ellipsis, 'idle_timeout'),
            ('TERMINATED', 62500, Ellipsis, 'idle_timeout')])

    def test_no_idle_timeout_while_script_steps_remain(self):
        c, emu = self.c, self.emu
        # IDLE for 89 s at +1 s, but steps remain: no timeout at +61 s.
        emu.advance_to(89999)
        self.expect_status(c, 'long-script', 'IDLE', 0, 1000, idle=1000)
        emu.advance_to(95000)
        self.expect_status(c, 'long-script', 'IDLE', 0, 95000, idle=95000)
        # After the last step the timeout runs from the last IDLE entry.
        emu.advance_to(154999)
        self.expect_status(c, 'long-script', 'IDLE', 0, 95000, idle=95000)
        emu.advance(1)
        self.expect_status(c, 'long-script', 'TERMINATING', 0, 155000,
                           reason=Ellipsis)
        self.expect_history(emu, 'long-script', [
            ('CREATING', 0, None, 'script'), ('IDLE', 1000, None, 'script'),
            ('BUSY', 90000, None, 'script'), ('IDLE', 95000, None, 'script'),
            ('TERMINATING', 155000, Ellipsis, 'idle_timeout')])

    def test_session_without_script_follows_its_profile(self):
        c, emu = self.c, self.emu
        self.expect_status(c, 'profiled', 'CREATING', 0, 0)
        emu.advance(1499)
        self.expect_status(c, 'profiled', 'CREATING', 0, 0)
        emu.advance(1)
        self.expect_status(c, 'profiled', 'CREATED', 0, 1500)
        emu.advance_to(3999)
        self.expect_status(c, 'profiled', 'CREATED', 0, 1500)
        emu.advance(1)
        self.expect_status(c, 'profiled', 'IDLE', 0, 4000, idle=4000)
        # idle_timeout_minutes 2 from the IDLE entry, then terminating_ms.
        emu.advance_to(123999)
        self.expect_status(c, 'profiled', 'IDLE', 0, 4000, idle=4000)
        emu.advance(1)
        self.expect_status(c, 'profiled', 'TERMINATING', 0, 124000,
                           reason=Ellipsis)
        emu.advance(500)
        self.expect_status(c, 'profiled', 'TERMINATED', 0, 124500,
                           end=124500, reason=Ellipsis)
        self.expect_history(emu, 'profiled', [
            ('CREATING', 0, None, None),
            ('CREATED', 1500, None, 'profile'),
            ('IDLE', 4000, None, 'profile'),
            ('TERMINATING', 124000, Ellipsis, 'idle_timeout'),
            ('TERMINATED', 124500, Ellipsis, 'idle_timeout')])

    def test_profile_idle_timeout_default(self):
        self.emu.advance_to(180999)
        self.expect_status(self.c, 'idle3', 'IDLE', 0, 1000, idle=1000)
        self.emu.advance(1)
        self.expect_status(self.c, 'idle3', 'TERMINATING', 0, 181000,
                           reason=Ellipsis)
        self.emu.advance(250)
        self.expect_status(self.c, 'idle3', 'TERMINATED', 0, 181250,
                           end=181250, reason=Ellipsis)

    def test_built_in_idle_timeout_is_20_minutes(self):
        self.emu.advance_to(1000 + 20 * 60000 - 1)
        self.expect_status(self.c, 'idle20', 'IDLE', 0, 1000, idle=1000)
        self.emu.advance(1)
        r = self.expect_status(self.c, 'idle20', 'TERMINATING', 0,
                               1000 + 20 * 60000, reason=Ellipsis)
        self.assertIn('idle', r['Status']['StateChangeReason'].lower())

    def test_omitted_profile_fields_take_default_values(self):
        self.emu.advance(10 * 60000)  # default durations are seconds
        hd = self.emu.history('by-default')['transitions']
        hp = self.emu.history('by-partial')['transitions']
        self.assertEqual([t['state'] for t in hd],
                         ['CREATING', 'CREATED', 'IDLE'], hd)
        self.assertEqual([t['state'] for t in hp],
                         ['CREATING', 'CREATED', 'IDLE'], hp)
        created_ms = hd[2]['epoch_ms'] - hd[1]['epoch_ms']
        self.assertGreater(hd[1]['epoch_ms'], START_MS)  # 'realistic'
        self.assertEqual(hp[1]['epoch_ms'], START_MS + 700)
        self.assertEqual(hp[2]['epoch_ms'], START_MS + 700 + created_ms)
        self.assertEqual([t['cause'] for t in hp[1:]], ['profile', 'profile'])

    def test_instant_profile_is_idle_at_once(self):
        self.expect_status(self.c, 'by-instant', 'IDLE', 0, 0, idle=0)
        self.expect_history(self.emu, 'by-instant', [
            ('CREATING', 0, None, None), ('CREATED', 0, None, 'profile'),
            ('IDLE', 0, None, 'profile')])


class ScenarioTest(StatusAssertions, unittest.TestCase):
    DOC = {
        'profiles': {'fast': dict(FAST)},
        'scenarios': {
            'slowstart': [step(0, 'CREATING'), step(5000, 'CREATED'),
                          step(9000, 'IDLE')],
            'doomed': [step(0, 'CREATING'),
                       step(2000, 'FAILED', 'capacity exhausted')],
        },
        'workgroups': [workgroup('wg-fast', profile='fast'),
                       workgroup('wg-doomed', scenario='doomed')],
        'sessions': [
            session('sc-session', 'wg-fast', scenario='slowstart',
                    idle_timeout_minutes=1),
            session('sc-workgroup', 'wg-doomed'),
            session('sc-own-script', 'wg-doomed', [step(0, 'CREATING'),
                                                   step(1000, 'IDLE')]),
            session('sc-override', 'wg-doomed', scenario='slowstart'),
        ],
    }

    def setUp(self):
        self.emu = Emulator(fixtures=self.DOC).start()
        self.addCleanup(self.emu.__exit__, None, None, None)
        self.c = self.emu.client()

    def test_session_scenario(self):
        c, emu = self.c, self.emu
        emu.advance(4999)
        self.expect_status(c, 'sc-session', 'CREATING', 0, 0)
        emu.advance(1)
        # Not the profile's CREATED at 1500: the scenario replaces it.
        self.expect_status(c, 'sc-session', 'CREATED', 0, 5000)
        emu.advance_to(9000)
        self.expect_status(c, 'sc-session', 'IDLE', 0, 9000, idle=9000)
        # After the last step, the idle timeout runs from the IDLE entry.
        emu.advance_to(68999)
        self.expect_status(c, 'sc-session', 'IDLE', 0, 9000, idle=9000)
        emu.advance(1)
        self.expect_status(c, 'sc-session', 'TERMINATING', 0, 69000,
                           reason=Ellipsis)
        emu.advance(500)
        self.expect_status(c, 'sc-session', 'TERMINATED', 0, 69500,
                           end=69500, reason=Ellipsis)
        self.expect_history(emu, 'sc-session', [
            ('CREATING', 0, None, 'script'), ('CREATED', 5000, None, 'script'),
            ('IDLE', 9000, None, 'script'),
            ('TERMINATING', 69000, Ellipsis, 'idle_timeout'),
            ('TERMINATED', 69500, Ellipsis, 'idle_timeout')])

    def test_workgroup_default_scenario(self):
        self.emu.advance(1999)
        self.expect_status(self.c, 'sc-workgroup', 'CREATING', 0, 0)
        self.emu.advance(1)
        self.expect_status(self.c, 'sc-workgroup', 'FAILED', 0, 2000,
                           end=2000, reason='capacity exhausted')
        self.expect_history(self.emu, 'sc-workgroup', [
            ('CREATING', 0, None, 'script'),
            ('FAILED', 2000, 'capacity exhausted', 'script')])

    def test_session_choice_beats_workgroup_scenario(self):
        self.emu.advance(3000)
        self.expect_status(self.c, 'sc-own-script', 'IDLE', 0, 1000,
                           idle=1000)
        self.expect_status(self.c, 'sc-override', 'CREATING', 0, 0)


class TimestampPrecisionTest(StatusAssertions, unittest.TestCase):
    def test_millisecond_times_reach_boto3_exactly(self):
        doc = {'workgroups': [workgroup('wg')],
               'sessions': [session('ms', 'wg', [
                   step(0, 'CREATING'), step(1, 'CREATED'),
                   step(1123, 'IDLE'), step(HOUR_MS, 'BUSY')])]}
        with Emulator(fixtures=doc) as emu:
            c = emu.client()
            emu.advance(1)
            self.expect_status(c, 'ms', 'CREATED', 0, 1)
            emu.advance(1122)
            self.expect_status(c, 'ms', 'IDLE', 0, 1123, idle=1123)

    def test_start_time_with_fraction(self):
        doc = {'workgroups': [workgroup('wg')],
               'sessions': [session('half', 'wg', [step(0, 'CREATING')])]}
        with Emulator(fixtures=doc,
                      start_time='2026-01-01T00:00:00.5Z') as emu:
            self.expect_status(emu.client(), 'half', 'CREATING', 500, 500)

    def test_explicit_past_start_time(self):
        doc = {'workgroups': [workgroup('wg')],
               'sessions': [session(
                   'past', 'wg',
                   [step(0, 'CREATING'), step(30000, 'IDLE'),
                    step(45000, 'TERMINATING', 'bye'),
                    step(50000, 'TERMINATED', 'bye')],
                   start_time='2025-12-31T23:59:00Z')]}
        with Emulator(fixtures=doc) as emu:
            # Loaded at +0: all steps (−60 s … −10 s) are already due.
            self.expect_status(emu.client(), 'past', 'TERMINATED', -60000,
                               -10000, end=-10000, reason='bye')
            self.expect_history(emu, 'past', [
                ('CREATING', -60000, None, 'script'),
                ('IDLE', -30000, None, 'script'),
                ('TERMINATING', -15000, 'bye', 'script'),
                ('TERMINATED', -10000, 'bye', 'script')])


if __name__ == '__main__':
    unittest.main()
