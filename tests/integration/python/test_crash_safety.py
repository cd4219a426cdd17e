"""Crash safety (hardening issue, item 5): kill -9 under load, on a database
file, several rounds; every acknowledged write survives and every session's
timeline stays whole.

Each round starts athena-emu on the same file, runs concurrent boto3 writers
(StartSession, TerminateSession, StartCalculationExecution,
StopCalculationExecution, CreateWorkGroup, TagResource, UntagResource), a
thread that moves the manual clock and a thread that reads session histories,
then kill -9s the server at a random moment. Before the restart SQLite's
`PRAGMA integrity_check` must pass; after it, everything acknowledged in any
round is checked, at the restored clock and at later clock points.

Why the manual clock: the writers hold a shared lock around each request and
the clock thread an exclusive one around each advance, so every write is
processed at a clock value the test knows exactly. Timelines are then
compared to the millisecond (a session's first step is its StartSession's
instant, a calculation's submission its call's instant, a canceled one ends
exactly calculation_canceling_ms later ...). On the system clock the test
could only check bounds.

A write the server never acknowledged (in flight at the kill) may or may not
be there, but what is there must be whole: a session found in a workgroup
that no acknowledged StartSession returned must be one of the in-flight
starts, with a complete timeline.

The seed is printed; ATHENA_CRASH_SEED=N replays the same choices (thread
scheduling still varies). ATHENA_CRASH_ROUNDS overrides the number of rounds.
"""

import os
import random
import sqlite3
import sys
import tempfile
import threading
import time
import unittest
import shutil

from botocore.exceptions import ClientError

from emulator import Emulator, workgroup

ACCOUNT = '123456789012'
REGION = 'us-east-1'
WG = 'crash'
ROLE = 'arn:aws:iam::123456789012:role/crash'
PROFILE = {'creating_ms': 300, 'created_ms': 200, 'terminating_ms': 1000,
           'calculation_creating_ms': 100, 'calculation_queued_ms': 100,
           'calculation_running_ms': 500, 'calculation_canceling_ms': 300}
DOC = {'profiles': {'crash': PROFILE},
       'workgroups': [workgroup(WG, profile='crash',
                                configuration={'ExecutionRole': ROLE})]}

ROUNDS = int(os.environ.get('ATHENA_CRASH_ROUNDS', '5'))
WRITERS = 4
KILL_AFTER_S = (0.2, 1.0)      # the kill comes this long after the load starts
CLOCK_STEP_MS = (50, 400)      # each advance of the manual clock
ACTIVE = ('CREATING', 'CREATED', 'IDLE', 'BUSY')
SESSION_STATES = ACTIVE + ('TERMINATING', 'TERMINATED', 'DEGRADED', 'FAILED')
CALC_FINAL = ('CANCELED', 'COMPLETED', 'FAILED')

# Exceptions that mean "no answer": the server died with the request in flight.
from botocore.exceptions import (ConnectionClosedError,  # noqa: E402
                                 EndpointConnectionError, ReadTimeoutError)
try:
    from urllib3.exceptions import ProtocolError
except ImportError:  # pragma: no cover
    ProtocolError = OSError
NO_ANSWER = (ConnectionClosedError, EndpointConnectionError, ReadTimeoutError,
             ProtocolError, ConnectionError, OSError)


def session_arn(sid):
    return 'arn:aws:athena:%s:%s:session/%s' % (REGION, ACCOUNT, sid)


def wg_arn(name):
    return 'arn:aws:athena:%s:%s:workgroup/%s' % (REGION, ACCOUNT, name)


def ms(dt):
    """Epoch ms of a boto3 datetime (exact: the wire has milliseconds)."""
    return round(dt.timestamp() * 1000)


class SharedExclusive:
    """Writers share it; the clock thread takes it alone (writer-preferring)."""

    def __init__(self):
        self.cv = threading.Condition()
        self.readers = 0
        self.exclusive = False
        self.waiting = 0

    def acquire_shared(self):
        with self.cv:
            while self.exclusive or self.waiting:
                self.cv.wait()
            self.readers += 1

    def release_shared(self):
        with self.cv:
            self.readers -= 1
            self.cv.notify_all()

    def acquire_exclusive(self):
        with self.cv:
            self.waiting += 1
            while self.exclusive or self.readers:
                self.cv.wait()
            self.waiting -= 1
            self.exclusive = True

    def release_exclusive(self):
        with self.cv:
            self.exclusive = False
            self.cv.notify_all()


class Ledger:
    """Everything the writers did, across rounds: (op, args, clock, outcome, answer)."""

    def __init__(self):
        self.mu = threading.Lock()
        self.ops = []
        self.sessions = {}      # acknowledged StartSession: id -> op
        self.calcs = {}         # acknowledged StartCalculationExecution: id -> op
        self.workgroups = {}    # acknowledged CreateWorkGroup: name -> op
        self.tag_ops = []       # TagResource ops (any outcome)
        self.untag_ops = []
        self.history_reads = []  # (session id, transitions) read before a kill
        self.clock_ms = None    # the clock's value as last acknowledged
        self.clock_unknown = None  # the value of an advance in flight at the kill
        self.stop_clocks = {}   # calculation id -> clocks of stops that may have canceled it
        self.settled = {}       # session id -> its final history (TERMINATED, checked)
        self.settled_calcs = {}  # calculation id -> its final status (checked)
        self.adopted = set()    # sessions / calculations of in-flight starts that made it
        self.round_sessions = []  # acknowledged in the round running
        self.round_calcs = []

    def add(self, op):
        with self.mu:
            self.ops.append(op)
            if op['outcome'] == 'ack':
                if op['op'] == 'start_session':
                    self.sessions[op['answer']['SessionId']] = op
                    self.round_sessions.append(op['answer']['SessionId'])
                elif op['op'] == 'start_calculation_execution':
                    self.calcs[op['answer']['CalculationExecutionId']] = op
                    self.round_calcs.append(op['answer']['CalculationExecutionId'])
                elif op['op'] == 'create_work_group':
                    self.workgroups[op['args']['Name']] = op
            if op['op'] == 'tag_resource':
                self.tag_ops.append(op)
            elif op['op'] == 'untag_resource':
                self.untag_ops.append(op)
            elif op['op'] == 'stop_calculation_execution' and (
                    op['outcome'] == 'unknown' or
                    (op['outcome'] == 'ack' and op['answer']['State'] == 'CANCELING')):
                self.stop_clocks.setdefault(op['args']['CalculationExecutionId'], set()).add(op['clock'])

    def pick_session(self, rnd):
        """Mostly a session of this round (alive), sometimes any."""
        with self.mu:
            pool = self.round_sessions if self.round_sessions and rnd.random() < 0.9 else list(self.sessions)
            return rnd.choice(pool) if pool else None

    def pick_calc(self, rnd):
        with self.mu:
            pool = self.round_calcs if self.round_calcs and rnd.random() < 0.9 else list(self.calcs)
            return rnd.choice(pool) if pool else None

    def pick_tag(self, rnd):
        with self.mu:
            acked = [op for op in self.tag_ops if op['outcome'] == 'ack']
            return rnd.choice(acked) if acked else None

    def unknown(self, name):
        return [op for op in self.ops if op['op'] == name and op['outcome'] == 'unknown']


class CrashSafetyTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix='athena-emu-crash-')
        self.db = os.path.join(self.tmp, 'state.db')
        self.seed = int(os.environ.get('ATHENA_CRASH_SEED') or random.SystemRandom().randrange(1 << 32))
        sys.stderr.write('\ntest_crash_safety: seed %d (ATHENA_CRASH_SEED=%d replays it)\n'
                         % (self.seed, self.seed))
        self.rnd = random.Random(self.seed)
        self.ledger = Ledger()
        self.emu = None

    def tearDown(self):
        if self.emu is not None and self.emu.proc.poll() is None:
            self.emu.kill9()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def msg(self, text):
        return 'seed %d: %s' % (self.seed, text)

    # -- the load ------------------------------------------------------------
    def call(self, client, lock, name, args):
        """One AWS call under the shared lock; the ledger records it."""
        lock.acquire_shared()
        try:
            op = {'op': name, 'args': args, 'clock': self.ledger.clock_ms}
            try:
                op['answer'] = getattr(client, name)(**args)
                op['outcome'] = 'ack'
            except ClientError as e:
                status = e.response['ResponseMetadata'].get('HTTPStatusCode', 0)
                if status >= 500:
                    raise AssertionError(self.msg('%s answered %d: %r' % (name, status, e.response)))
                op['outcome'] = 'refused'
                op['answer'] = e.response['Error']
            except EndpointConnectionError as e:
                op['outcome'] = 'unsent'  # could not connect: never sent
                op['answer'] = repr(e)
            except NO_ANSWER as e:
                op['outcome'] = 'unknown'
                op['answer'] = repr(e)
        finally:
            lock.release_shared()
        self.ledger.add(op)
        return op

    def writer(self, n, client, rnd, lock, stop, errors):
        seq = 0
        try:
            while not stop.is_set():
                seq += 1
                uniq = '%d-%d-%d' % (self.round, n, seq)
                pick = rnd.random()
                if pick < 0.25 or not self.ledger.sessions:
                    args = {'WorkGroup': WG, 'EngineConfiguration': {'MaxConcurrentDpus': rnd.choice([2, 20])},
                            'Description': 'crash ' + uniq,
                            'SessionIdleTimeoutInMinutes': rnd.randint(1, 3)}
                    if self.start_tags:  # StartSession.Tags is newer than Debian's botocore 1.29
                        args['Tags'] = [{'Key': 'start', 'Value': uniq}]
                    op = self.call(client, lock, 'start_session', args)
                elif pick < 0.40:
                    op = self.call(client, lock, 'terminate_session',
                                   {'SessionId': self.ledger.pick_session(rnd)})
                elif pick < 0.65:
                    op = self.call(client, lock, 'start_calculation_execution',
                                   {'SessionId': self.ledger.pick_session(rnd),
                                    'CodeBlock': 'print(%r)' % uniq})
                elif pick < 0.75:
                    calc = self.ledger.pick_calc(rnd)
                    if calc is None:
                        continue
                    op = self.call(client, lock, 'stop_calculation_execution',
                                   {'CalculationExecutionId': calc})
                elif pick < 0.83:
                    op = self.call(client, lock, 'create_work_group',
                                   {'Name': 'wg-' + uniq, 'Description': 'made ' + uniq})
                elif pick < 0.95:
                    sid = self.ledger.pick_session(rnd)
                    arn = rnd.choice([session_arn(sid), wg_arn(WG)])
                    op = self.call(client, lock, 'tag_resource',
                                   {'ResourceARN': arn, 'Tags': [{'Key': 'k-' + uniq, 'Value': uniq}]})
                else:
                    tag = self.ledger.pick_tag(rnd)
                    if tag is None:
                        continue
                    op = self.call(client, lock, 'untag_resource',
                                   {'ResourceARN': tag['args']['ResourceARN'],
                                    'TagKeys': [tag['args']['Tags'][0]['Key']]})
                if op['outcome'] in ('unknown', 'unsent'):
                    return  # the server is gone
        except Exception as e:  # reported by the main thread
            errors.append(e)

    def clock_mover(self, rnd, lock, stop, errors):
        try:
            while not stop.is_set():
                step = rnd.randint(*CLOCK_STEP_MS)
                lock.acquire_exclusive()
                try:
                    target = self.ledger.clock_ms + step
                    try:
                        status, doc = self.emu.admin('POST', 'clock', {'advance_ms': step})
                    except NO_ANSWER:
                        self.ledger.clock_unknown = target
                        return
                    if status != 200 or doc['epoch_ms'] != target:
                        raise AssertionError(self.msg('clock advance: %d %r (want %d)'
                                                      % (status, doc, target)))
                    self.ledger.clock_ms = target
                finally:
                    lock.release_exclusive()
                time.sleep(0.01)
        except Exception as e:
            errors.append(e)

    def history_reader(self, rnd, stop, errors):
        try:
            while not stop.is_set():
                sid = self.ledger.pick_session(rnd)
                if sid is None:
                    time.sleep(0.005)
                    continue
                try:
                    status, doc = self.emu.admin('GET', 'sessions/%s/history' % sid)
                except NO_ANSWER:
                    return
                if status != 200:
                    raise AssertionError(self.msg('history of %s: %d %r' % (sid, status, doc)))
                with self.ledger.mu:
                    self.ledger.history_reads.append((sid, doc['transitions']))
        except Exception as e:
            errors.append(e)

    def run_round(self):
        self.emu = Emulator(db=self.db, fixtures=DOC).start()
        self.ledger.clock_ms = self.emu.now_ms()
        self.ledger.clock_unknown = None
        self.ledger.round_sessions, self.ledger.round_calcs = [], []
        lock = SharedExclusive()
        stop = threading.Event()
        errors = []
        clients = [self.emu.client() for _ in range(WRITERS)]
        self.start_tags = 'Tags' in clients[0].meta.service_model.operation_model(
            'StartSession').input_shape.members
        threads = [threading.Thread(target=self.writer,
                                    args=(i, clients[i], random.Random(self.rnd.random()), lock, stop, errors))
                   for i in range(WRITERS)]
        threads.append(threading.Thread(target=self.clock_mover,
                                        args=(random.Random(self.rnd.random()), lock, stop, errors)))
        threads.append(threading.Thread(target=self.history_reader,
                                        args=(random.Random(self.rnd.random()), stop, errors)))
        for t in threads:
            t.start()
        time.sleep(self.rnd.uniform(*KILL_AFTER_S))
        self.emu.kill9()  # kill -9, mid-load
        stop.set()
        for t in threads:
            t.join(30)
            self.assertFalse(t.is_alive(), self.msg('a load thread hangs'))
        if errors:
            raise errors[0]
        self.in_flight = sum(op['outcome'] == 'unknown' for op in self.ledger.ops) + \
            (self.ledger.clock_unknown is not None)
        self.emu.__exit__(None, None, None)
        self.emu = None

    # -- the checks ----------------------------------------------------------
    def check_integrity(self):
        conn = sqlite3.connect(self.db)
        try:
            self.assertEqual(conn.execute('PRAGMA integrity_check').fetchall(), [('ok',)],
                             self.msg('integrity_check after the kill'))
        finally:
            conn.close()

    def all_sessions(self, c, wg):
        found = set()
        for state in SESSION_STATES:
            kw = {'WorkGroup': wg, 'StateFilter': state, 'MaxResults': 100}
            while True:
                page = c.list_sessions(**kw)
                for s in page['Sessions']:
                    self.assertEqual(s['Status']['State'], state, s)
                    found.add(s['SessionId'])
                if 'NextToken' not in page:
                    break
                kw['NextToken'] = page['NextToken']
        return found

    def all_calcs(self, c, sid):
        out = {}
        kw = {'SessionId': sid, 'MaxResults': 100}
        while True:
            page = c.list_calculation_executions(**kw)
            for calc in page['Calculations']:
                out[calc['CalculationExecutionId']] = calc
            if 'NextToken' not in page:
                return out
            kw['NextToken'] = page['NextToken']

    def check_timeline(self, c, sid, now, timeout_ms=None):
        """GetSessionStatus (and GetSession, unless the timeout is given) and
        the history agree; the rules hold. (history, GetSession answer or None)."""
        hist = self.emu.history(sid)['transitions']
        where = self.msg('session %s at %d: %r' % (sid, now, hist))
        self.assertTrue(hist, where)
        self.assertEqual((hist[0]['state'], hist[0]['cause']), ('CREATING', 'api'), where)
        times = [t['epoch_ms'] for t in hist]
        self.assertEqual(times, sorted(times), where)
        self.assertLessEqual(times[-1], now, where)
        st = c.get_session_status(SessionId=sid)['Status']
        got = None
        if timeout_ms is None:
            got = c.get_session(SessionId=sid)
            self.assertEqual(got['Status'], st, where)
            # IdleTimeoutSeconds: Debian's botocore 1.29 has no SessionIdleTimeoutInMinutes
            timeout_ms = got['SessionConfiguration']['IdleTimeoutSeconds'] * 1000
        last = hist[-1]
        self.assertEqual(st['State'], last['state'], where)
        self.assertEqual(ms(st['StartDateTime']), times[0], where)
        self.assertEqual(ms(st['LastModifiedDateTime']), last['epoch_ms'], where)
        if last['state'] in ('TERMINATED', 'FAILED'):
            self.assertEqual(ms(st['EndDateTime']), last['epoch_ms'], where)
        else:
            self.assertNotIn('EndDateTime', st, where)
        if last['state'] == 'IDLE':
            self.assertEqual(ms(st['IdleSinceDateTime']), last['epoch_ms'], where)
        else:
            self.assertNotIn('IdleSinceDateTime', st, where)
        # Each step may only be followed by what the profile or an API call makes, when
        # they make it (CREATING -> CREATED +300 ms, CREATED -> IDLE +200 ms, TERMINATING
        # -> TERMINATED +1000 ms, IDLE -> TERMINATING after the idle timeout, ...).
        for a, b in zip(hist, hist[1:] + [None]):
            gap = (b['epoch_ms'] if b else now) - a['epoch_ms']
            if b is None:
                due = {'CREATING': PROFILE['creating_ms'], 'CREATED': PROFILE['created_ms'],
                       'TERMINATING': PROFILE['terminating_ms'], 'IDLE': timeout_ms}.get(a['state'])
                if due is not None:
                    self.assertLess(gap, due, where)  # the next step is not late
                continue
            nxt = (b['state'], b['cause'])
            if a['state'] in ('CREATING', 'CREATED'):
                due = PROFILE['creating_ms'] if a['state'] == 'CREATING' else PROFILE['created_ms']
                if nxt == ('TERMINATING', 'api'):
                    self.assertLess(gap, due, where)
                else:
                    want = 'CREATED' if a['state'] == 'CREATING' else 'IDLE'
                    self.assertEqual((nxt, gap), ((want, 'profile'), due), where)
            elif a['state'] == 'IDLE':
                if nxt == ('TERMINATING', 'idle_timeout'):
                    self.assertEqual(gap, timeout_ms, where)
                else:
                    self.assertIn(nxt, (('BUSY', 'calculation'), ('TERMINATING', 'api')), where)
                    self.assertLess(gap, timeout_ms, where)
            elif a['state'] == 'BUSY':
                self.assertIn(nxt, (('IDLE', 'calculation'), ('TERMINATING', 'api')), where)
                # a calculation runs 700 ms; a stop ends it 300 ms after the stop
                self.assertLessEqual(gap, 1000, where)
            elif a['state'] == 'TERMINATING':
                self.assertEqual((b['state'], gap), ('TERMINATED', PROFILE['terminating_ms']), where)
            else:
                self.fail('%s followed by %r: %s' % (a['state'], b, where))
        return hist, got

    def verify(self):
        """Everything acknowledged in every round so far is there and whole."""
        led = self.ledger
        self.emu = Emulator(db=self.db, fixtures=DOC).start()
        c = self.emu.client()
        now = self.emu.now_ms()
        # The clock: the last acknowledged advance, or the one in flight.
        self.assertIn(now, {led.clock_ms, led.clock_unknown}, self.msg('restored clock'))
        led.clock_ms = now

        # Sessions: every acknowledged one; any other is an in-flight start.
        found = self.all_sessions(c, WG)
        missing = (set(led.sessions) | set(led.settled)) - found
        self.assertFalse(missing, self.msg('acknowledged sessions lost: %r' % missing))
        extra = found - set(led.sessions) - led.adopted
        in_flight = led.unknown('start_session')
        self.assertLessEqual(len(extra), len(in_flight), self.msg('sessions nobody started: %r' % extra))
        # Sessions that ended in an earlier round: their history is final.
        for sid, final in led.settled.items():
            self.assertEqual(self.emu.history(sid)['transitions'], final, self.msg('settled %s' % sid))
        fresh = found - set(led.settled)

        histories, details = {}, {}
        for sid in fresh:
            histories[sid], details[sid] = self.check_timeline(c, sid, now)
        for sid, op in led.sessions.items():
            if sid not in fresh:
                continue
            hist = histories[sid]
            where = self.msg('session %s started at %d: %r' % (sid, op['clock'], hist))
            self.assertEqual(hist[0]['epoch_ms'], op['clock'], where)
            got = details[sid]
            self.assertEqual(got['Description'], op['args']['Description'], where)
            # GetSession fills the DPU sizes a session runs with (botocore 1.29 needs them).
            want = dict({'CoordinatorDpuSize': 1, 'MaxConcurrentDpus': 20, 'DefaultExecutorDpuSize': 1},
                        **op['args']['EngineConfiguration'])
            self.assertEqual(got['EngineConfiguration'], want, where)
            self.assertEqual(got['SessionConfiguration']['IdleTimeoutSeconds'],
                             op['args']['SessionIdleTimeoutInMinutes'] * 60, where)
            if 'Tags' in op['args']:
                tags = c.list_tags_for_resource(ResourceARN=session_arn(sid))['Tags']
                self.assertIn(op['args']['Tags'][0], tags, where)
        for sid in extra:  # an in-flight start that made it: whole, at a known instant
            hist = histories[sid]
            self.assertIn(hist[0]['epoch_ms'], {o['clock'] for o in in_flight}, self.msg(sid))
            self.assertIn(details[sid]['Description'],
                          {o['args']['Description'] for o in in_flight}, self.msg(sid))
            led.adopted.add(sid)
        # Reads made before the kill are prefixes of what the file holds now.
        for sid, before in led.history_reads:
            hist = histories.get(sid) or led.settled[sid]
            self.assertEqual(hist[:len(before)], before,
                             self.msg('history of %s read before the kill' % sid))
        led.history_reads = []

        # Terminations (of this round's sessions; settled ones are checked above).
        for op in led.ops:
            if op['op'] != 'terminate_session' or op['outcome'] != 'ack' or op['args']['SessionId'] not in fresh:
                continue
            sid, t = op['args']['SessionId'], op['clock']
            hist = histories[sid]
            where = self.msg('%s terminated at %d (%s): %r' % (sid, t, op['answer']['State'], hist))
            ended = [h for h in hist if h['state'] in ('TERMINATING', 'TERMINATED', 'FAILED')]
            self.assertTrue(ended and ended[0]['epoch_ms'] <= t, where)
            self.assertTrue(all(h['state'] == 'TERMINATED' for h in hist if h['epoch_ms'] > t), where)
            if op['answer']['State'] == 'TERMINATING':  # this call's or an earlier one's
                self.assertEqual(ended[0]['state'], 'TERMINATING', where)
                self.assertFalse([h for h in ended if h['state'] != 'TERMINATING' and h['epoch_ms'] <= t], where)
        # Every TERMINATING made through the API is a TerminateSession's (acknowledged or in flight).
        terminate_clocks = {}
        for op in led.ops:
            if op['op'] == 'terminate_session' and op['outcome'] in ('ack', 'unknown'):
                terminate_clocks.setdefault(op['args']['SessionId'], set()).add(op['clock'])
        for sid in fresh:
            for h in histories[sid]:
                if h['state'] == 'TERMINATING' and h['cause'] == 'api':
                    self.assertIn(h['epoch_ms'], terminate_clocks.get(sid, ()), self.msg('%s: %r' % (sid, h)))

        # Calculations: acknowledged ones listed under their session, at their instant.
        for cid, final in led.settled_calcs.items():
            self.assertEqual(c.get_calculation_execution_status(CalculationExecutionId=cid)['Status'],
                             final, self.msg('settled calculation %s' % cid))
        calcs = {}
        for sid in fresh:
            for cid, calc in self.all_calcs(c, sid).items():
                calcs[cid] = (sid, calc)
        for cid, op in led.calcs.items():
            if cid in led.settled_calcs:
                continue
            where = self.msg('calculation %s started at %d' % (cid, op['clock']))
            self.assertIn(cid, calcs, where)
            sid = op['args']['SessionId']
            self.assertEqual(calcs[cid][0], sid, where)
            st = c.get_calculation_execution_status(CalculationExecutionId=cid)['Status']
            self.assertEqual(st, calcs[cid][1]['Status'], where)
            self.assertEqual(ms(st['SubmissionDateTime']), op['clock'], where)
            self.assertIn(op['clock'], [h['epoch_ms'] for h in histories[sid]
                                        if h['state'] == 'BUSY' and h['cause'] == 'calculation'], where)
        unknown_calcs = led.unknown('start_calculation_execution')
        extra_calcs = set(calcs) - set(led.calcs) - led.adopted
        self.assertLessEqual(len(extra_calcs), len(unknown_calcs), self.msg('calculations nobody started'))
        for cid in extra_calcs:
            st = c.get_calculation_execution_status(CalculationExecutionId=cid)['Status']
            self.assertIn(ms(st['SubmissionDateTime']), {o['clock'] for o in unknown_calcs}, self.msg(cid))
            led.adopted.add(cid)
        for op in led.ops:
            if op['op'] != 'stop_calculation_execution' or op['outcome'] != 'ack':
                continue
            cid, t = op['args']['CalculationExecutionId'], op['clock']
            if cid in led.settled_calcs:
                continue
            st = c.get_calculation_execution_status(CalculationExecutionId=cid)['Status']
            where = self.msg('calculation %s stopped at %d (%s): %r' % (cid, t, op['answer']['State'], st))
            if op['answer']['State'] == 'CANCELING':
                self.assertIn(st['State'], ('CANCELING', 'CANCELED', 'FAILED'), where)
                if st['State'] == 'CANCELED':
                    # Canceled by this stop, or by an earlier one (acknowledged or in flight).
                    canceled_at = ms(st['CompletionDateTime']) - PROFILE['calculation_canceling_ms']
                    self.assertIn(canceled_at, led.stop_clocks[cid], where)
                    self.assertLessEqual(canceled_at, t, where)
            else:
                self.assertEqual(st['State'], op['answer']['State'], where)

        # Workgroups and tags.
        for name, op in led.workgroups.items():
            got = c.get_work_group(WorkGroup=name)['WorkGroup']
            self.assertEqual(got['Description'], op['args']['Description'], self.msg(name))
        untagged = {(o['args']['ResourceARN'], o['args']['TagKeys'][0]): o['outcome']
                    for o in led.untag_ops if o['outcome'] in ('ack', 'unknown')}
        tags_of = {}
        for op in led.tag_ops:
            if op['outcome'] != 'ack':
                continue
            arn, tag = op['args']['ResourceARN'], op['args']['Tags'][0]
            if arn not in tags_of:
                tags_of[arn] = c.list_tags_for_resource(ResourceARN=arn)['Tags']
            state = untagged.get((arn, tag['Key']))
            if state is None:
                self.assertIn(tag, tags_of[arn], self.msg('tag %r on %s' % (tag, arn)))
            elif state == 'ack':
                self.assertNotIn(tag, tags_of[arn], self.msg('untagged %r on %s' % (tag, arn)))

        # Later clock points: the timelines go on by the rules, and what was
        # history stays history.
        for advance in (PROFILE['terminating_ms'] + 1000, 25 * 60 * 1000):
            now = self.emu.advance(advance)['epoch_ms']
            for sid in fresh:
                timeout_ms = details[sid]['SessionConfiguration']['IdleTimeoutSeconds'] * 1000
                hist, _ = self.check_timeline(c, sid, now, timeout_ms)
                self.assertEqual(hist[:len(histories[sid])], histories[sid], self.msg(sid))
                histories[sid] = hist
        for sid in fresh:  # 25 minutes on, every session timed out (1-3 minutes)
            self.assertEqual(histories[sid][-1]['state'], 'TERMINATED', self.msg(sid))
            led.settled[sid] = histories[sid]
        for cid in calcs:
            st = c.get_calculation_execution_status(CalculationExecutionId=cid)['Status']
            self.assertIn(st['State'], CALC_FINAL, self.msg(cid))
            led.settled_calcs[cid] = st
        led.clock_ms = now
        self.assertEqual(self.emu.stop(), 0)
        self.emu.__exit__(None, None, None)
        self.emu = None
        # Ops never acknowledged are settled now: later rounds check acknowledged ones.
        led.ops = [op for op in led.ops if op['outcome'] == 'ack']
        led.tag_ops = [op for op in led.tag_ops if op['outcome'] == 'ack']
        led.untag_ops = [op for op in led.untag_ops if op['outcome'] == 'ack']
        return len(found), len(led.settled_calcs)

    def test_kill_9_under_load(self):
        started = time.monotonic()
        for self.round in range(1, ROUNDS + 1):
            self.run_round()
            self.check_integrity()
            sessions, calcs = self.verify()
            acked = len(self.ledger.ops)
            sys.stderr.write('  round %d: %d requests in flight at the kill; so far %d acknowledged writes, '
                             '%d sessions, %d calculations; %.1fs\n'
                             % (self.round, self.in_flight, acked, sessions, calcs, time.monotonic() - started))
        self.assertGreater(len(self.ledger.sessions), 0)
        self.assertGreater(len(self.ledger.calcs), 0)


if __name__ == '__main__':
    unittest.main()
