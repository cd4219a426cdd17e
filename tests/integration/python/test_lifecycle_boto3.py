"""The session lifecycle through boto3 (issue 3; CONTRACT §3, §4, §6).

Workgroups (Create/Get/List/Update/DeleteWorkGroup), StartSession,
GetSession, GetSessionStatus, ListSessions, TerminateSession, tags and
tenancy, all under the manual clock: no test sleeps, every timestamp is
compared with the exact instant it was scheduled for.

The built-in `default` profile: creating_ms 5000, created_ms 1000,
terminating_ms 3000, idle_timeout_minutes_default 20.

Two botocore generations run this file: a current one and Debian's 1.29,
whose model lacks StartSession's ExecutionRole / MonitoringConfiguration /
Tags and SessionConfiguration.SessionIdleTimeoutInMinutes. Where a member is
missing from the client's model, the same request goes over raw HTTP and
the raw JSON answer is checked, so every assertion runs on every client.
"""

import decimal
import json
import unittest

from emulator import (Emulator, SPARK, START_MS, at, is_uuid, workgroup)

ROLE = 'arn:aws:iam::123456789012:role/r'
ROLE2 = 'arn:aws:iam::123456789012:role/override-role'
SQL_ENGINE = 'Athena engine version 3'
ACCOUNT = '123456789012'  # --account-id default: the access key is not 12 digits

# The built-in default profile (CONTRACT §4, README).
CREATING_MS = 5000
CREATED_MS = 1000
TERMINATING_MS = 3000
IDLE_AT = CREATING_MS + CREATED_MS  # a session started at +0 is IDLE at +6 s

SPARK_CONFIG = {'EngineVersion': {'SelectedEngineVersion': SPARK},
                'ExecutionRole': ROLE}
SPARK_VERSION = {'SelectedEngineVersion': SPARK,
                 'EffectiveEngineVersion': SPARK}
PRIMARY_VERSION = {'SelectedEngineVersion': 'AUTO',
                   'EffectiveEngineVersion': SQL_ENGINE}
# Only members both botocore generations know (Debian's 1.29 requires
# MaxConcurrentDpus; every member given, so nothing is left to a default).
ENGINE = {'CoordinatorDpuSize': 1, 'MaxConcurrentDpus': 20,
          'DefaultExecutorDpuSize': 1,
          'AdditionalConfigs': {'NotebookId': 'nb-0001'}}
NOTEBOOK = 'Athena notebook version 1'

MAYBE = object()   # reason: absent, or any non-empty string
ANY = Ellipsis     # reason: any non-empty string (returned for more checks)

FIXTURES = {
    'profiles': {'one-at-a-time': {'max_active_sessions': 1}},
    'workgroups': [
        workgroup('wg-instant', profile='instant',
                  configuration={'ExecutionRole': ROLE}),
        workgroup('wg-limited', profile='one-at-a-time',
                  configuration={'ExecutionRole': ROLE}),
        workgroup('wg-limited-2', profile='one-at-a-time',
                  configuration={'ExecutionRole': ROLE}),
    ],
}


def wg_arn(name, account=ACCOUNT, region='us-east-1'):
    return 'arn:aws:athena:%s:%s:workgroup/%s' % (region, account, name)


def input_members(client, operation):
    return set(client.meta.service_model.operation_model(operation)
               .input_shape.members)


def shape_members(client, shape):
    return set(client.meta.service_model.shape_for(shape).members)


def sorted_tags(tags):
    return sorted(tags, key=lambda t: t['Key'])


class LifecycleAssertions:
    """Mixin for unittest.TestCase: exact checks of session answers."""

    def expect_status(self, client, sid, state, start, last, idle=None,
                      end=None, reason=None):
        """GetSessionStatus, compared exactly. Offsets in ms from START;
        None = member absent; reason MAYBE = absent or any, ANY = any."""
        r = client.get_session_status(SessionId=sid)
        self.assertEqual(set(r), {'SessionId', 'Status', 'ResponseMetadata'})
        self.assertEqual(r['SessionId'], sid)
        self.check_status_struct(r['Status'], state, start, last, idle, end,
                                 reason, sid)
        return r['Status']

    def check_status_struct(self, got, state, start, last, idle=None,
                            end=None, reason=None, what=''):
        got = dict(got)
        want = {'State': state, 'StartDateTime': at(start),
                'LastModifiedDateTime': at(last)}
        if idle is not None:
            want['IdleSinceDateTime'] = at(idle)
        if end is not None:
            want['EndDateTime'] = at(end)
        if reason is ANY or (reason is MAYBE and 'StateChangeReason' in got):
            self.assertIn('StateChangeReason', got, (what, got))
            self.assertIsInstance(got['StateChangeReason'], str)
            self.assertTrue(got['StateChangeReason'], (what, got))
            want['StateChangeReason'] = got['StateChangeReason']
        elif reason is not None and reason is not MAYBE:
            want['StateChangeReason'] = reason
        self.assertEqual(got, want, 'session %s' % (what,))
        return got

    def expect_history(self, emu, sid, transitions):
        """[(state, offset ms, reason None/str/ANY/MAYBE, cause)]."""
        h = emu.history(sid)
        self.assertEqual(h.get('session_id'), sid, h)
        got = h['transitions']
        self.assertEqual(
            [(t['state'], t['epoch_ms'] - START_MS, t['cause']) for t in got],
            [(s, off, cause) for s, off, _, cause in transitions],
            json.dumps(got))
        for t, (_, _, reason, _) in zip(got, transitions):
            if reason is None:
                self.assertNotIn('reason', t, t)
            elif reason is ANY or (reason is MAYBE and 'reason' in t):
                self.assertIsInstance(t['reason'], str, t)
                self.assertTrue(t['reason'], t)
            elif reason is not MAYBE:
                self.assertEqual(t['reason'], reason, t)
        return got

    def expect_error(self, client, exc_name, fn, *args, **kwargs):
        """`fn` raises client.exceptions.<exc_name> (HTTP 400); the error."""
        exc = getattr(client.exceptions, exc_name)
        with self.assertRaises(exc) as cm:
            fn(*args, **kwargs)
        err = cm.exception
        self.assertEqual(err.response['Error']['Code'], exc_name)
        self.assertEqual(
            err.response['ResponseMetadata']['HTTPStatusCode'], 400)
        self.assertTrue(err.response['Error'].get('Message'), err.response)
        return err

    def create_spark_wg(self, client, name, **kw):
        r = client.create_work_group(Name=name, Configuration=SPARK_CONFIG,
                                     **kw)
        self.assertEqual(set(r), {'ResponseMetadata'}, r)
        return r

    def start(self, client, wg, **kw):
        """StartSession; checks the answer; the new id."""
        kw.setdefault('EngineConfiguration', ENGINE)
        r = client.start_session(WorkGroup=wg, **kw)
        self.assertEqual(set(r), {'SessionId', 'State', 'ResponseMetadata'},
                         r)
        self.assertTrue(is_uuid(r['SessionId']), r['SessionId'])
        self.assertEqual(r['SessionId'], r['SessionId'].lower())
        self.assertEqual(r['State'], 'CREATING')
        return r['SessionId']

    def start_extended(self, emu, client, body):
        """StartSession with members an old botocore may lack: through
        boto3 when its model has them all, else raw HTTP (same tenant: the
        default account and region). The SessionId."""
        if set(body) <= input_members(client, 'StartSession'):
            return self.start(client, body['WorkGroup'],
                              **{k: v for k, v in body.items()
                                 if k != 'WorkGroup'})
        resp = emu.aws('StartSession', body)
        self.assertEqual(resp.status, 200, resp)
        doc = resp.json()
        self.assertEqual(set(doc), {'SessionId', 'State'}, doc)
        self.assertTrue(is_uuid(doc['SessionId']), doc)
        self.assertEqual(doc['State'], 'CREATING')
        return doc['SessionId']

    def list_all(self, client, wg, **kw):
        """Every page of ListSessions; the ids, in order."""
        ids, token = [], None
        for _ in range(100):
            args = dict(kw)
            if token is not None:
                args['NextToken'] = token
            r = client.list_sessions(WorkGroup=wg, **args)
            ids += [s['SessionId'] for s in r['Sessions']]
            token = r.get('NextToken')
            if token is None:
                return ids
        self.fail('ListSessions never ended')


class EmulatorTestCase(LifecycleAssertions, unittest.TestCase):
    FIXTURES = FIXTURES

    def setUp(self):
        self.emu = Emulator(fixtures=self.FIXTURES).start()
        self.addCleanup(self.emu.__exit__, None, None, None)
        self.c = self.emu.client()


# ---------------------------------------------------------------------------
class WorkGroupTest(EmulatorTestCase):
    FIXTURES = 'none'

    def test_create_and_get_spark_workgroup(self):
        c = self.c
        self.emu.advance(1234)
        self.create_spark_wg(c, 'spark-a', Description='team A',
                             Tags=[{'Key': 'team', 'Value': 'data'}])
        wg = c.get_work_group(WorkGroup='spark-a')
        self.assertEqual(set(wg), {'WorkGroup', 'ResponseMetadata'})
        wg = wg['WorkGroup']
        self.assertEqual(wg['Name'], 'spark-a')
        self.assertEqual(wg['State'], 'ENABLED')
        self.assertEqual(wg['Description'], 'team A')
        self.assertEqual(wg['CreationTime'], at(1234))
        self.assertEqual(wg['Configuration']['EngineVersion'], SPARK_VERSION)
        self.assertEqual(wg['Configuration']['ExecutionRole'], ROLE)
        self.assertNotIn('IdentityCenterApplicationArn', wg)

    def test_primary_is_built_in_sql_workgroup(self):
        wg = self.c.get_work_group(WorkGroup='primary')['WorkGroup']
        self.assertEqual(wg['Name'], 'primary')
        self.assertEqual(wg['State'], 'ENABLED')
        self.assertEqual(wg['Configuration']['EngineVersion'], PRIMARY_VERSION)

    def test_create_refuses_existing_name(self):
        c = self.c
        self.create_spark_wg(c, 'dup')
        self.expect_error(c, 'InvalidRequestException', c.create_work_group,
                          Name='dup', Configuration=SPARK_CONFIG)
        self.expect_error(c, 'InvalidRequestException', c.create_work_group,
                          Name='primary', Configuration=SPARK_CONFIG)
        # The first one is unchanged.
        self.assertEqual(
            c.get_work_group(WorkGroup='dup')['WorkGroup']['Configuration']
            ['ExecutionRole'], ROLE)

    def test_get_missing_workgroup(self):
        self.expect_error(self.c, 'InvalidRequestException',
                          self.c.get_work_group, WorkGroup='nope')

    def test_list_workgroups_paginated(self):
        c = self.c
        for i, name in enumerate(['wg-1', 'wg-2', 'wg-3']):
            self.emu.advance(1000)
            self.create_spark_wg(c, name, Description='number %d' % (i + 1))
        # One page with everything.
        r = c.list_work_groups()
        self.assertEqual(set(r), {'WorkGroups', 'ResponseMetadata'}, r)
        everything = {w['Name']: w for w in r['WorkGroups']}
        self.assertEqual(len(everything), len(r['WorkGroups']))
        self.assertEqual(set(everything), {'primary', 'wg-1', 'wg-2', 'wg-3'})
        # Pages of one, each workgroup exactly once.
        names, token, pages = [], None, 0
        while True:
            kw = {'MaxResults': 1}
            if token is not None:
                kw['NextToken'] = token
            r = c.list_work_groups(**kw)
            pages += 1
            self.assertEqual(len(r['WorkGroups']), 1, r)
            names.append(r['WorkGroups'][0]['Name'])
            token = r.get('NextToken')
            if token is None:
                break
            self.assertLess(pages, 4, 'a NextToken after the last workgroup')
        self.assertEqual(pages, 4)
        self.assertEqual(sorted(names), ['primary', 'wg-1', 'wg-2', 'wg-3'])
        # Summaries.
        for i in (1, 2, 3):
            self.assertEqual(everything['wg-%d' % i], {
                'Name': 'wg-%d' % i, 'State': 'ENABLED',
                'Description': 'number %d' % i,
                'CreationTime': at(1000 * i),
                'EngineVersion': SPARK_VERSION})
        prim = everything['primary']
        self.assertEqual(prim['State'], 'ENABLED')
        self.assertEqual(prim['EngineVersion'], PRIMARY_VERSION)

    def test_update_workgroup(self):
        c = self.c
        self.create_spark_wg(c, 'upd', Description='before')
        r = c.update_work_group(WorkGroup='upd', Description='after')
        self.assertEqual(set(r), {'ResponseMetadata'}, r)
        wg = c.get_work_group(WorkGroup='upd')['WorkGroup']
        self.assertEqual(wg['Description'], 'after')
        self.assertEqual(wg['State'], 'ENABLED')
        self.assertEqual(wg['Configuration']['EngineVersion'], SPARK_VERSION)

        c.update_work_group(WorkGroup='upd', State='DISABLED')
        wg = c.get_work_group(WorkGroup='upd')['WorkGroup']
        self.assertEqual(wg['State'], 'DISABLED')
        self.assertEqual(wg['Description'], 'after')
        summary = [w for w in c.list_work_groups()['WorkGroups']
                   if w['Name'] == 'upd']
        self.assertEqual([w['State'] for w in summary], ['DISABLED'])
        self.expect_error(c, 'InvalidRequestException', c.start_session,
                          WorkGroup='upd', EngineConfiguration=ENGINE)
        self.assertEqual(c.list_sessions(WorkGroup='upd')['Sessions'], [])

        c.update_work_group(WorkGroup='upd', State='ENABLED')
        before = self.start(c, 'upd')
        c.update_work_group(WorkGroup='upd',
                            ConfigurationUpdates={'ExecutionRole': ROLE2})
        wg = c.get_work_group(WorkGroup='upd')['WorkGroup']
        self.assertEqual(wg['State'], 'ENABLED')
        self.assertEqual(wg['Configuration']['ExecutionRole'], ROLE2)
        sid = self.start(c, 'upd')
        self.assertEqual(c.get_session(SessionId=sid)['SessionConfiguration']
                         ['ExecutionRole'], ROLE2)
        # A session keeps the configuration it started with.
        self.assertEqual(c.get_session(SessionId=before)
                         ['SessionConfiguration']['ExecutionRole'], ROLE)

    def test_update_missing_workgroup(self):
        self.expect_error(self.c, 'InvalidRequestException',
                          self.c.update_work_group, WorkGroup='nope',
                          Description='x')

    def test_delete_workgroup_without_sessions(self):
        c = self.c
        self.create_spark_wg(c, 'gone')
        r = c.delete_work_group(WorkGroup='gone')
        self.assertEqual(set(r), {'ResponseMetadata'}, r)
        self.expect_error(c, 'InvalidRequestException', c.get_work_group,
                          WorkGroup='gone')
        self.assertNotIn('gone', [w['Name'] for w in
                                  c.list_work_groups()['WorkGroups']])
        self.expect_error(c, 'InvalidRequestException', c.start_session,
                          WorkGroup='gone', EngineConfiguration=ENGINE)

    def test_delete_refuses_active_sessions_unless_recursive(self):
        c, emu = self.c, self.emu
        self.create_spark_wg(c, 'busy-wg')
        sid = self.start(c, 'busy-wg')
        emu.advance(1000)
        self.expect_error(c, 'InvalidRequestException', c.delete_work_group,
                          WorkGroup='busy-wg')
        self.expect_error(c, 'InvalidRequestException', c.delete_work_group,
                          WorkGroup='busy-wg', RecursiveDeleteOption=False)
        self.assertEqual(c.get_work_group(WorkGroup='busy-wg')['WorkGroup']
                         ['Name'], 'busy-wg')
        self.expect_status(c, sid, 'CREATING', 0, 0)

        emu.advance(1000)  # +2000
        r = c.delete_work_group(WorkGroup='busy-wg', RecursiveDeleteOption=True)
        self.assertEqual(set(r), {'ResponseMetadata'}, r)
        self.expect_error(c, 'InvalidRequestException', c.get_work_group,
                          WorkGroup='busy-wg')
        self.expect_status(c, sid, 'TERMINATING', 0, 2000, reason=MAYBE)
        emu.advance(TERMINATING_MS - 1)
        self.expect_status(c, sid, 'TERMINATING', 0, 2000, reason=MAYBE)
        emu.advance(1)
        self.expect_status(c, sid, 'TERMINATED', 0, 2000 + TERMINATING_MS,
                           end=2000 + TERMINATING_MS, reason=MAYBE)

    def test_primary_cannot_be_deleted(self):
        c = self.c
        self.expect_error(c, 'InvalidRequestException', c.delete_work_group,
                          WorkGroup='primary')
        self.assertEqual(c.get_work_group(WorkGroup='primary')['WorkGroup']
                         ['Name'], 'primary')

    def test_delete_missing_workgroup(self):
        self.expect_error(self.c, 'InvalidRequestException',
                          self.c.delete_work_group, WorkGroup='nope')


# ---------------------------------------------------------------------------
class SessionLifecycleTest(EmulatorTestCase):
    def setUp(self):
        super().setUp()
        self.create_spark_wg(self.c, 'spark')

    def test_start_session_answer(self):
        a = self.start(self.c, 'spark')
        b = self.start(self.c, 'spark')
        self.assertNotEqual(a, b)

    def test_default_profile_timeline(self):
        c, emu = self.c, self.emu
        sid = self.start(c, 'spark')
        self.expect_status(c, sid, 'CREATING', 0, 0)
        emu.advance_to(CREATING_MS - 1)
        self.expect_status(c, sid, 'CREATING', 0, 0)
        emu.advance(1)
        self.expect_status(c, sid, 'CREATED', 0, CREATING_MS)
        emu.advance_to(IDLE_AT - 1)
        self.expect_status(c, sid, 'CREATED', 0, CREATING_MS)
        emu.advance(1)
        self.expect_status(c, sid, 'IDLE', 0, IDLE_AT, idle=IDLE_AT)
        self.expect_history(emu, sid, [
            ('CREATING', 0, None, 'api'),
            ('CREATED', CREATING_MS, None, 'profile'),
            ('IDLE', IDLE_AT, None, 'profile')])

    def test_session_started_later_has_its_own_times(self):
        c, emu = self.c, self.emu
        emu.advance(7777)
        sid = self.start(c, 'spark')
        self.expect_status(c, sid, 'CREATING', 7777, 7777)
        emu.advance(100000)  # one jump: the times are the scheduled ones
        self.expect_status(c, sid, 'IDLE', 7777, 7777 + IDLE_AT,
                           idle=7777 + IDLE_AT)

    def test_instant_profile_is_idle_at_once(self):
        c = self.c
        sid = self.start(c, 'wg-instant')  # checks State == CREATING
        self.expect_status(c, sid, 'IDLE', 0, 0, idle=0)
        self.emu.advance(1000)
        # terminating_ms 0: the answer is still TERMINATING, the state at
        # once TERMINATED.
        self.assertEqual(c.terminate_session(SessionId=sid)['State'],
                         'TERMINATING')
        self.expect_status(c, sid, 'TERMINATED', 0, 1000, end=1000,
                           reason=MAYBE)

    def test_idle_timeout(self):
        c, emu = self.c, self.emu
        sid = self.start(c, 'spark', SessionIdleTimeoutInMinutes=1)
        emu.advance_to(IDLE_AT)
        self.expect_status(c, sid, 'IDLE', 0, IDLE_AT, idle=IDLE_AT)
        timeout_at = IDLE_AT + 60000
        emu.advance_to(timeout_at - 1)
        self.expect_status(c, sid, 'IDLE', 0, IDLE_AT, idle=IDLE_AT)
        emu.advance(1)
        st = self.expect_status(c, sid, 'TERMINATING', 0, timeout_at,
                                reason=ANY)
        self.assertIn('idle', st['StateChangeReason'].lower())
        emu.advance(TERMINATING_MS - 1)
        self.expect_status(c, sid, 'TERMINATING', 0, timeout_at, reason=ANY)
        emu.advance(1)
        end = timeout_at + TERMINATING_MS
        st = self.expect_status(c, sid, 'TERMINATED', 0, end, end=end,
                                reason=ANY)
        self.assertIn('idle', st['StateChangeReason'].lower())
        self.expect_history(emu, sid, [
            ('CREATING', 0, None, 'api'),
            ('CREATED', CREATING_MS, None, 'profile'),
            ('IDLE', IDLE_AT, None, 'profile'),
            ('TERMINATING', timeout_at, ANY, 'idle_timeout'),
            ('TERMINATED', end, ANY, 'idle_timeout')])
        # Terminated sessions leave the default listing.
        self.assertEqual(self.list_all(c, 'spark'), [])
        self.assertEqual(self.list_all(c, 'spark', StateFilter='TERMINATED'),
                         [sid])

    def test_default_idle_timeout_is_20_minutes(self):
        c, emu = self.c, self.emu
        sid = self.start(c, 'spark')
        conf = c.get_session(SessionId=sid)['SessionConfiguration']
        self.assertEqual(conf['IdleTimeoutSeconds'], 1200)
        if 'SessionIdleTimeoutInMinutes' in shape_members(
                c, 'SessionConfiguration'):
            self.assertEqual(conf['SessionIdleTimeoutInMinutes'], 20)
        emu.advance_to(IDLE_AT + 20 * 60000 - 1)
        self.expect_status(c, sid, 'IDLE', 0, IDLE_AT, idle=IDLE_AT)
        emu.advance(1)
        self.expect_status(c, sid, 'TERMINATING', 0, IDLE_AT + 20 * 60000,
                           reason=ANY)

    def test_get_session_returns_every_member(self):
        c, emu = self.c, self.emu
        sid = self.start(c, 'spark', Description='my session',
                         NotebookVersion=NOTEBOOK,
                         SessionIdleTimeoutInMinutes=15)
        emu.advance_to(IDLE_AT + 500)
        r = c.get_session(SessionId=sid)
        self.assertEqual(set(r), {
            'SessionId', 'Description', 'WorkGroup', 'EngineVersion',
            'EngineConfiguration', 'NotebookVersion', 'SessionConfiguration',
            'Status', 'Statistics', 'ResponseMetadata'}, r)
        self.assertEqual(r['SessionId'], sid)
        self.assertEqual(r['Description'], 'my session')
        self.assertEqual(r['WorkGroup'], 'spark')
        self.assertEqual(r['EngineVersion'], SPARK)
        self.assertEqual(r['EngineConfiguration'], ENGINE)
        self.assertEqual(r['NotebookVersion'], NOTEBOOK)
        conf = dict(r['SessionConfiguration'])
        wd = conf.pop('WorkingDirectory', None)
        self.assertIsInstance(wd, str, r['SessionConfiguration'])
        self.assertTrue(wd.startswith('s3://') and len(wd) > len('s3://'), wd)
        want_conf = {'ExecutionRole': ROLE, 'IdleTimeoutSeconds': 900,
                     'SessionIdleTimeoutInMinutes': 15}
        known = shape_members(c, 'SessionConfiguration')
        self.assertEqual(conf, {k: v for k, v in want_conf.items()
                                if k in known})
        self.check_status_struct(r['Status'], 'IDLE', 0, IDLE_AT,
                                 idle=IDLE_AT, what=sid)
        self.assertEqual(
            r['Status'], c.get_session_status(SessionId=sid)['Status'])
        self.assertEqual(set(r['Statistics']), {'DpuExecutionInMillis'})
        dpu = r['Statistics']['DpuExecutionInMillis']
        self.assertIsInstance(dpu, int)
        self.assertNotIsInstance(dpu, bool)
        self.assertGreaterEqual(dpu, 0)

    def test_get_session_on_the_wire(self):
        """The raw JSON, whatever members this botocore knows."""
        c, emu = self.c, self.emu
        sid = self.start(c, 'spark', Description='wire',
                         NotebookVersion=NOTEBOOK,
                         SessionIdleTimeoutInMinutes=7)
        resp = emu.aws('GetSession', {'SessionId': sid})
        self.assertEqual(resp.status, 200, resp)
        doc = resp.json_exact()
        self.assertEqual(set(doc), {
            'SessionId', 'Description', 'WorkGroup', 'EngineVersion',
            'EngineConfiguration', 'NotebookVersion', 'SessionConfiguration',
            'Status', 'Statistics'}, doc)
        self.assertEqual(doc['EngineVersion'], SPARK)
        self.assertEqual(doc['EngineConfiguration'], ENGINE)
        conf = doc['SessionConfiguration']
        self.assertEqual(set(conf), {'ExecutionRole', 'WorkingDirectory',
                                     'IdleTimeoutSeconds',
                                     'SessionIdleTimeoutInMinutes'}, conf)
        self.assertEqual(conf['ExecutionRole'], ROLE)
        self.assertEqual(conf['IdleTimeoutSeconds'], 420)
        self.assertEqual(conf['SessionIdleTimeoutInMinutes'], 7)
        st = doc['Status']
        self.assertEqual(st, {'State': 'CREATING',
                              'StartDateTime': decimal.Decimal(START_MS) / 1000,
                              'LastModifiedDateTime':
                                  decimal.Decimal(START_MS) / 1000}, st)
        self.assertEqual(set(doc['Statistics']), {'DpuExecutionInMillis'})
        plain = resp.json()  # JSON integers stay int, fractions are float
        for value in (plain['Statistics']['DpuExecutionInMillis'],
                      plain['SessionConfiguration']['IdleTimeoutSeconds'],
                      plain['SessionConfiguration']
                      ['SessionIdleTimeoutInMinutes']):
            self.assertIsInstance(value, int, resp)
            self.assertNotIsInstance(value, bool, resp)
        self.assertGreaterEqual(plain['Statistics']['DpuExecutionInMillis'], 0)

    def test_start_session_execution_role_overrides_workgroup(self):
        c = self.c
        sid = self.start_extended(self.emu, c, {
            'WorkGroup': 'spark', 'EngineConfiguration': ENGINE,
            'ExecutionRole': ROLE2})
        self.assertEqual(c.get_session(SessionId=sid)['SessionConfiguration']
                         ['ExecutionRole'], ROLE2)
        # Without one: the workgroup's.
        sid2 = self.start(c, 'spark')
        self.assertEqual(c.get_session(SessionId=sid2)['SessionConfiguration']
                         ['ExecutionRole'], ROLE)

    def test_monitoring_configuration_is_echoed(self):
        monitoring = {'ManagedLoggingConfiguration': {'Enabled': True}}
        sid = self.start_extended(self.emu, self.c, {
            'WorkGroup': 'spark', 'EngineConfiguration': ENGINE,
            'MonitoringConfiguration': monitoring})
        resp = self.emu.aws('GetSession', {'SessionId': sid})
        self.assertEqual(resp.status, 200, resp)
        self.assertEqual(resp.json().get('MonitoringConfiguration'),
                         monitoring, resp)

    def test_unknown_session(self):
        c = self.c
        err = self.expect_error(c, 'ResourceNotFoundException',
                                c.get_session_status,
                                SessionId='no-such-session')
        self.assertEqual(err.response.get('ResourceName'), 'no-such-session')
        for op in (c.get_session, c.terminate_session):
            self.expect_error(c, 'ResourceNotFoundException', op,
                              SessionId='no-such-session')

    # -- ListSessions ------------------------------------------------------
    def test_list_sessions_active_only_newest_first(self):
        c, emu = self.c, self.emu
        s1 = self.start(c, 'spark', Description='first',
                        NotebookVersion=NOTEBOOK)
        emu.advance(1000)
        s2 = self.start(c, 'spark')
        emu.advance(1000)  # +2000
        s3 = self.start(c, 'spark')
        self.assertEqual(c.terminate_session(SessionId=s2)['State'],
                         'TERMINATING')
        r = c.list_sessions(WorkGroup='spark')
        self.assertEqual(set(r), {'Sessions', 'ResponseMetadata'}, r)
        self.assertEqual([s['SessionId'] for s in r['Sessions']], [s3, s1])
        summary = r['Sessions'][1]
        self.assertEqual(set(summary), {'SessionId', 'Description',
                                        'EngineVersion', 'NotebookVersion',
                                        'Status'}, summary)
        self.assertEqual(summary['Description'], 'first')
        self.assertEqual(summary['NotebookVersion'], NOTEBOOK)
        self.assertEqual(summary['EngineVersion'], SPARK_VERSION)
        self.check_status_struct(summary['Status'], 'CREATING', 0, 0, what=s1)

        self.assertEqual(self.list_all(c, 'spark', StateFilter='TERMINATING'),
                         [s2])
        emu.advance_to(CREATING_MS)  # s2 TERMINATED at +5000, s1 CREATED
        self.assertEqual(self.list_all(c, 'spark', StateFilter='TERMINATED'),
                         [s2])
        self.assertEqual(self.list_all(c, 'spark', StateFilter='TERMINATING'),
                         [])
        self.assertEqual(self.list_all(c, 'spark', StateFilter='CREATED'),
                         [s1])
        self.assertEqual(self.list_all(c, 'spark', StateFilter='CREATING'),
                         [s3])
        self.assertEqual(self.list_all(c, 'spark', StateFilter='IDLE'), [])
        self.assertEqual(self.list_all(c, 'spark'), [s3, s1])
        terminated = c.list_sessions(WorkGroup='spark',
                                     StateFilter='TERMINATED')['Sessions'][0]
        self.check_status_struct(terminated['Status'], 'TERMINATED', 1000,
                                 2000 + TERMINATING_MS,
                                 end=2000 + TERMINATING_MS, reason=MAYBE,
                                 what=s2)

    def test_list_sessions_pagination_survives_new_sessions(self):
        c, emu = self.c, self.emu
        ids = []
        for i in range(5):
            if i:
                emu.advance(1000)
            ids.append(self.start(c, 'spark'))
        newest_first = ids[::-1]

        r1 = c.list_sessions(WorkGroup='spark', MaxResults=2)
        self.assertEqual([s['SessionId'] for s in r1['Sessions']],
                         newest_first[0:2])
        token1 = r1['NextToken']
        self.assertIsInstance(token1, str)
        self.assertTrue(token1)
        emu.advance(1000)
        late = self.start(c, 'spark')  # newer than all: before the cursor

        r2 = c.list_sessions(WorkGroup='spark', MaxResults=2,
                             NextToken=token1)
        self.assertEqual([s['SessionId'] for s in r2['Sessions']],
                         newest_first[2:4])
        token2 = r2['NextToken']
        r3 = c.list_sessions(WorkGroup='spark', MaxResults=2,
                             NextToken=token2)
        self.assertEqual([s['SessionId'] for s in r3['Sessions']],
                         newest_first[4:5])
        self.assertNotIn('NextToken', r3)
        # The token is still valid, and names the same place.
        again = c.list_sessions(WorkGroup='spark', MaxResults=2,
                                NextToken=token1)
        self.assertEqual([s['SessionId'] for s in again['Sessions']],
                         newest_first[2:4])
        # From the top again: the late session first, all six once.
        self.assertEqual(self.list_all(c, 'spark', MaxResults=2),
                         [late] + newest_first)
        self.assertEqual(self.list_all(c, 'spark'), [late] + newest_first)

    def test_list_sessions_errors(self):
        c = self.c
        self.start(c, 'spark')
        self.expect_error(c, 'InvalidRequestException', c.list_sessions,
                          WorkGroup='spark', NextToken='not-a-token')
        err = self.expect_error(c, 'InvalidRequestException', c.list_sessions,
                                WorkGroup='nope')
        self.assertIn('WorkGroup is not found',
                      err.response['Error']['Message'])

    # -- TerminateSession --------------------------------------------------
    def test_terminate_idle_session(self):
        c, emu = self.c, self.emu
        sid = self.start(c, 'spark')
        emu.advance_to(IDLE_AT)
        r = c.terminate_session(SessionId=sid)
        self.assertEqual(set(r), {'State', 'ResponseMetadata'}, r)
        self.assertEqual(r['State'], 'TERMINATING')
        self.expect_status(c, sid, 'TERMINATING', 0, IDLE_AT, reason=MAYBE)
        emu.advance(1000)
        # Again while TERMINATING: nothing changes, not even the deadline.
        self.assertEqual(c.terminate_session(SessionId=sid)['State'],
                         'TERMINATING')
        end = IDLE_AT + TERMINATING_MS
        emu.advance_to(end - 1)
        self.expect_status(c, sid, 'TERMINATING', 0, IDLE_AT, reason=MAYBE)
        emu.advance(1)
        before = self.expect_status(c, sid, 'TERMINATED', 0, end, end=end,
                                    reason=MAYBE)
        emu.advance(5000)
        r = c.terminate_session(SessionId=sid)
        self.assertEqual(set(r), {'State', 'ResponseMetadata'}, r)
        self.assertEqual(r['State'], 'TERMINATED')
        after = self.expect_status(c, sid, 'TERMINATED', 0, end, end=end,
                                   reason=MAYBE)
        self.assertEqual(before, after)
        self.expect_history(emu, sid, [
            ('CREATING', 0, None, 'api'),
            ('CREATED', CREATING_MS, None, 'profile'),
            ('IDLE', IDLE_AT, None, 'profile'),
            ('TERMINATING', IDLE_AT, MAYBE, 'api'),
            ('TERMINATED', end, MAYBE, 'profile')])

    def test_terminate_while_creating_cancels_the_profile_steps(self):
        c, emu = self.c, self.emu
        emu.advance(1000)
        sid = self.start(c, 'spark')
        emu.advance(1000)  # +2000
        self.assertEqual(c.terminate_session(SessionId=sid)['State'],
                         'TERMINATING')
        emu.advance(60000)
        self.expect_status(c, sid, 'TERMINATED', 1000, 2000 + TERMINATING_MS,
                           end=2000 + TERMINATING_MS, reason=MAYBE)
        self.assertEqual(
            [t['state'] for t in self.emu.history(sid)['transitions']],
            ['CREATING', 'TERMINATING', 'TERMINATED'])

    # -- StartSession errors -----------------------------------------------
    def test_start_session_on_missing_workgroup(self):
        err = self.expect_error(self.c, 'InvalidRequestException',
                                self.c.start_session, WorkGroup='nope',
                                EngineConfiguration=ENGINE)
        self.assertIn('WorkGroup is not found',
                      err.response['Error']['Message'])

    def test_start_session_on_sql_workgroup(self):
        err = self.expect_error(self.c, 'InvalidRequestException',
                                self.c.start_session, WorkGroup='primary',
                                EngineConfiguration=ENGINE)
        self.assertIn('Workgroup EngineVersion is not Spark.',
                      err.response['Error']['Message'])

    def test_client_request_token_replay(self):
        c, emu = self.c, self.emu
        token = 'token-' + 'a' * 40
        first = c.start_session(WorkGroup='spark', EngineConfiguration=ENGINE,
                                Description='once', ClientRequestToken=token)
        self.assertEqual(first['State'], 'CREATING')
        emu.advance_to(IDLE_AT + 1000)  # the session is IDLE by now
        again = c.start_session(WorkGroup='spark', EngineConfiguration=ENGINE,
                                Description='once', ClientRequestToken=token)
        # The original answer, unchanged.
        self.assertEqual(again['SessionId'], first['SessionId'])
        self.assertEqual(again['State'], 'CREATING')
        self.assertEqual(self.list_all(c, 'spark'), [first['SessionId']])
        self.expect_status(c, first['SessionId'], 'IDLE', 0, IDLE_AT,
                           idle=IDLE_AT)
        # Same token, other parameters.
        self.expect_error(c, 'InvalidRequestException', c.start_session,
                          WorkGroup='spark', EngineConfiguration=ENGINE,
                          Description='twice', ClientRequestToken=token)
        self.assertEqual(self.list_all(c, 'spark'), [first['SessionId']])
        # Still the original answer once the session has ended.
        c.terminate_session(SessionId=first['SessionId'])
        emu.advance(TERMINATING_MS)
        again = c.start_session(WorkGroup='spark', EngineConfiguration=ENGINE,
                                Description='once', ClientRequestToken=token)
        self.assertEqual((again['SessionId'], again['State']),
                         (first['SessionId'], 'CREATING'))
        self.assertEqual(self.list_all(c, 'spark'), [])
        # Another token: another session.
        other = self.start(c, 'spark', Description='once',
                           ClientRequestToken='token-' + 'b' * 40)
        self.assertNotEqual(other, first['SessionId'])

    def test_max_active_sessions(self):
        c = self.c
        s1 = self.start(c, 'wg-limited')
        err = self.expect_error(c, 'TooManyRequestsException',
                                c.start_session, WorkGroup='wg-limited',
                                EngineConfiguration=ENGINE)
        self.assertEqual(err.response.get('Reason'),
                         'CONCURRENT_QUERY_LIMIT_EXCEEDED', err.response)
        self.assertEqual(self.list_all(c, 'wg-limited'), [s1])
        # The limit is per workgroup.
        self.start(c, 'wg-limited-2')
        # TERMINATING is not active: room for one more.
        c.terminate_session(SessionId=s1)
        s2 = self.start(c, 'wg-limited')
        self.assertNotEqual(s1, s2)
        self.expect_error(c, 'TooManyRequestsException', c.start_session,
                          WorkGroup='wg-limited', EngineConfiguration=ENGINE)


# ---------------------------------------------------------------------------
class TagTest(EmulatorTestCase):
    FIXTURES = 'none'

    def test_tags_on_a_workgroup(self):
        c = self.c
        self.create_spark_wg(c, 'tagged', Tags=[
            {'Key': 'team', 'Value': 'data'}, {'Key': 'cost', 'Value': '42'}])
        arn = wg_arn('tagged')
        r = c.list_tags_for_resource(ResourceARN=arn)
        self.assertEqual(set(r), {'Tags', 'ResponseMetadata'}, r)
        self.assertEqual(sorted_tags(r['Tags']), [
            {'Key': 'cost', 'Value': '42'}, {'Key': 'team', 'Value': 'data'}])

        r = c.tag_resource(ResourceARN=arn, Tags=[
            {'Key': 'env', 'Value': 'dev'}, {'Key': 'team', 'Value': 'ml'}])
        self.assertEqual(set(r), {'ResponseMetadata'}, r)
        self.assertEqual(
            sorted_tags(c.list_tags_for_resource(ResourceARN=arn)['Tags']), [
                {'Key': 'cost', 'Value': '42'}, {'Key': 'env', 'Value': 'dev'},
                {'Key': 'team', 'Value': 'ml'}])

        r = c.untag_resource(ResourceARN=arn, TagKeys=['cost', 'team'])
        self.assertEqual(set(r), {'ResponseMetadata'}, r)
        self.assertEqual(c.list_tags_for_resource(ResourceARN=arn)['Tags'],
                         [{'Key': 'env', 'Value': 'dev'}])

    def test_workgroup_without_tags(self):
        self.create_spark_wg(self.c, 'plain')
        self.assertEqual(self.c.list_tags_for_resource(
            ResourceARN=wg_arn('plain'))['Tags'], [])

    def test_unknown_arn(self):
        c = self.c
        self.create_spark_wg(c, 'real')
        for arn in (wg_arn('nope'),
                    wg_arn('real', region='eu-west-1'),
                    wg_arn('real', account='999999999999')):
            self.expect_error(c, 'ResourceNotFoundException',
                              c.list_tags_for_resource, ResourceARN=arn)
            self.expect_error(c, 'ResourceNotFoundException', c.tag_resource,
                              ResourceARN=arn,
                              Tags=[{'Key': 'k', 'Value': 'v'}])
            self.expect_error(c, 'ResourceNotFoundException',
                              c.untag_resource, ResourceARN=arn,
                              TagKeys=['k'])
        self.assertEqual(c.list_tags_for_resource(
            ResourceARN=wg_arn('real'))['Tags'], [])


# ---------------------------------------------------------------------------
class TenancyTest(EmulatorTestCase):
    FIXTURES = 'none'

    def test_resources_are_invisible_to_other_tenants(self):
        emu = self.emu
        a = emu.client(access_key='111111111111', region='us-east-1')
        b = emu.client(access_key='222222222222', region='us-east-1')
        a_eu = emu.client(access_key='111111111111', region='eu-west-1')
        default = self.c  # AKIDEXAMPLE: the --account-id 123456789012

        self.create_spark_wg(a, 'shared', Description='a',
                             Tags=[{'Key': 'o', 'Value': 'a'}])
        sid = self.start(a, 'shared')
        self.expect_status(a, sid, 'CREATING', 0, 0)

        for other in (b, a_eu, default):
            e = self.expect_error(other, 'ResourceNotFoundException',
                                  other.get_session_status, SessionId=sid)
            self.assertEqual(e.response.get('ResourceName'), sid)
            self.expect_error(other, 'ResourceNotFoundException',
                              other.get_session, SessionId=sid)
            self.expect_error(other, 'ResourceNotFoundException',
                              other.terminate_session, SessionId=sid)
            self.expect_error(other, 'InvalidRequestException',
                              other.get_work_group, WorkGroup='shared')
            e = self.expect_error(other, 'InvalidRequestException',
                                  other.list_sessions, WorkGroup='shared')
            self.assertIn('WorkGroup is not found',
                          e.response['Error']['Message'])
            e = self.expect_error(other, 'InvalidRequestException',
                                  other.start_session, WorkGroup='shared',
                                  EngineConfiguration=ENGINE)
            self.assertIn('WorkGroup is not found',
                          e.response['Error']['Message'])
            self.assertEqual([w['Name'] for w in
                              other.list_work_groups()['WorkGroups']],
                             ['primary'])
            self.expect_error(other, 'ResourceNotFoundException',
                              other.list_tags_for_resource,
                              ResourceARN=wg_arn('shared', '111111111111'))
        # Nothing the others tried changed a's session.
        self.expect_status(a, sid, 'CREATING', 0, 0)
        self.assertEqual(
            a.list_tags_for_resource(
                ResourceARN=wg_arn('shared', '111111111111'))['Tags'],
            [{'Key': 'o', 'Value': 'a'}])

        # b makes its own workgroup of the same name: a separate one.
        emu.advance(500)
        b.create_work_group(Name='shared', Configuration=SPARK_CONFIG,
                            Description='b')
        sid_b = self.start(b, 'shared')
        self.assertEqual(self.list_all(a, 'shared'), [sid])
        self.assertEqual(self.list_all(b, 'shared'), [sid_b])
        self.assertEqual(a.get_work_group(WorkGroup='shared')['WorkGroup']
                         ['Description'], 'a')
        self.assertEqual(b.get_work_group(WorkGroup='shared')['WorkGroup']
                         ['Description'], 'b')
        self.assertEqual(b.list_tags_for_resource(
            ResourceARN=wg_arn('shared', '222222222222'))['Tags'], [])
        self.expect_error(a, 'ResourceNotFoundException',
                          a.get_session_status, SessionId=sid_b)
        # a_eu still sees nothing of either.
        self.expect_error(a_eu, 'InvalidRequestException',
                          a_eu.get_work_group, WorkGroup='shared')
        b.terminate_session(SessionId=sid_b)
        self.expect_status(a, sid, 'CREATING', 0, 0)

    def test_fixture_workgroup_in_another_account_and_region(self):
        emu = self.emu
        emu.load({'workgroups': [workgroup(
            'far', account='111111111111', region='eu-west-1',
            configuration={'ExecutionRole': ROLE})]})
        far = emu.client(access_key='111111111111', region='eu-west-1')
        wg = far.get_work_group(WorkGroup='far')['WorkGroup']
        self.assertEqual(wg['Configuration']['EngineVersion'], SPARK_VERSION)
        sid = self.start(far, 'far')
        self.assertEqual(self.list_all(far, 'far'), [sid])
        self.assertEqual(far.list_tags_for_resource(ResourceARN=wg_arn(
            'far', '111111111111', 'eu-west-1'))['Tags'], [])
        for other in (self.c,
                      emu.client(access_key='111111111111'),
                      emu.client(access_key='222222222222',
                                 region='eu-west-1')):
            self.expect_error(other, 'InvalidRequestException',
                              other.get_work_group, WorkGroup='far')
            self.expect_error(other, 'ResourceNotFoundException',
                              other.get_session_status, SessionId=sid)

    def test_client_request_tokens_are_per_tenant(self):
        emu = self.emu
        a = emu.client(access_key='111111111111')
        b = emu.client(access_key='222222222222')
        token = 'shared-token-' + 'z' * 30
        for cl in (a, b):
            self.create_spark_wg(cl, 'spark')
        ra = a.start_session(WorkGroup='spark', EngineConfiguration=ENGINE,
                             ClientRequestToken=token)
        rb = b.start_session(WorkGroup='spark', EngineConfiguration=ENGINE,
                             ClientRequestToken=token)
        self.assertNotEqual(ra['SessionId'], rb['SessionId'])
        self.assertEqual(self.list_all(a, 'spark'), [ra['SessionId']])
        self.assertEqual(self.list_all(b, 'spark'), [rb['SessionId']])


# ---------------------------------------------------------------------------
class ValidationTest(EmulatorTestCase):
    FIXTURES = 'none'

    def setUp(self):
        super().setUp()
        self.raw = self.emu.client(parameter_validation=False)
        self.create_spark_wg(self.c, 'spark')

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

    def test_start_session_constraints(self):
        r = self.raw
        self.invalid(r.start_session, 'sessionIdleTimeoutInMinutes', 481,
                     WorkGroup='spark', EngineConfiguration=ENGINE,
                     SessionIdleTimeoutInMinutes=481)
        self.invalid(r.start_session, 'sessionIdleTimeoutInMinutes', 0,
                     WorkGroup='spark', EngineConfiguration=ENGINE,
                     SessionIdleTimeoutInMinutes=0)
        self.invalid(r.start_session, 'workGroup', 'bad/name',
                     WorkGroup='bad/name', EngineConfiguration=ENGINE)
        self.invalid(r.start_session, 'clientRequestToken',
                     WorkGroup='spark', EngineConfiguration=ENGINE,
                     ClientRequestToken='too-short')
        self.invalid(r.start_session, 'description', WorkGroup='spark',
                     EngineConfiguration=ENGINE, Description='')
        self.invalid(r.start_session, 'engineConfiguration',
                     WorkGroup='spark')
        self.invalid(r.start_session, 'maxConcurrentDpus', 1,
                     WorkGroup='spark',
                     EngineConfiguration=dict(ENGINE, MaxConcurrentDpus=1))
        # None of them started anything.
        self.assertEqual(self.c.list_sessions(WorkGroup='spark')['Sessions'],
                         [])

    def test_boundaries_are_accepted(self):
        c = self.c
        a = self.start(c, 'spark', SessionIdleTimeoutInMinutes=480)
        b = self.start(c, 'spark', SessionIdleTimeoutInMinutes=1)
        self.assertEqual(c.get_session(SessionId=a)['SessionConfiguration']
                         ['IdleTimeoutSeconds'], 480 * 60)
        self.assertEqual(c.get_session(SessionId=b)['SessionConfiguration']
                         ['IdleTimeoutSeconds'], 60)
        self.assertEqual(len(c.list_sessions(WorkGroup='spark',
                                             MaxResults=100)['Sessions']), 2)
        self.assertEqual(len(c.list_sessions(WorkGroup='spark',
                                             MaxResults=1)['Sessions']), 1)

    def test_list_constraints(self):
        r = self.raw
        self.invalid(r.list_sessions, 'maxResults', 101, WorkGroup='spark',
                     MaxResults=101)
        self.invalid(r.list_sessions, 'maxResults', 0, WorkGroup='spark',
                     MaxResults=0)
        self.invalid(r.list_sessions, 'stateFilter', 'SLEEPING',
                     WorkGroup='spark', StateFilter='SLEEPING')
        self.invalid(r.list_sessions, 'workGroup', 'bad name',
                     WorkGroup='bad name')
        self.invalid(r.list_work_groups, 'maxResults', 51, MaxResults=51)

    def test_workgroup_constraints(self):
        r = self.raw
        self.invalid(r.create_work_group, 'name', 'bad name!',
                     Name='bad name!', Configuration=SPARK_CONFIG)
        self.invalid(r.create_work_group, 'name', Name='x' * 129,
                     Configuration=SPARK_CONFIG)
        self.invalid(r.get_work_group, 'workGroup', 'no/slash',
                     WorkGroup='no/slash')
        self.invalid(r.update_work_group, 'state', 'PAUSED',
                     WorkGroup='spark', State='PAUSED')
        self.invalid(r.create_work_group, 'executionRole', 'not-a-role-arn',
                     Name='wg-bad-role',
                     Configuration={'EngineVersion':
                                    {'SelectedEngineVersion': SPARK},
                                    'ExecutionRole': 'not-a-role-arn'})
        names = [w['Name'] for w in self.c.list_work_groups()['WorkGroups']]
        self.assertEqual(sorted(names), ['primary', 'spark'])


if __name__ == '__main__':
    unittest.main()
