"""Running the binary: flags, env vars, fixtures files, signals, --db (§1)."""

import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

from emulator import (BIN, SPARK, START_MS, Emulator, clean_env, free_port,
                      names_path, session, step, workgroup)

FLAGS = ['--host', '--port', '--ready-file', '--db', '--fixtures', '--clock',
         '--start-time', '--seed', '--account-id', '--region', '--threads',
         '--journal-size',
         '--log-format', '--log-level', '--admin', '--admin-token', '--auth',
         '--credentials', '--max-skew-s', '--help', '--version']

RUN_TIMEOUT_S = 30


def run(args, env=None, cwd=None):
    """Run the binary to completion: (exit code, stdout, stderr)."""
    try:
        p = subprocess.run([BIN] + args, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           env=clean_env(env), cwd=cwd,
                           timeout=RUN_TIMEOUT_S)
    except subprocess.TimeoutExpired as e:
        raise AssertionError('%r still running after %ss; stderr: %r'
                             % (args, RUN_TIMEOUT_S, e.stderr))
    return (p.returncode, p.stdout.decode('utf-8', 'replace'),
            p.stderr.decode('utf-8', 'replace'))


class TempDirTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix='athena-emu-startup-')
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def write(self, name, content):
        path = os.path.join(self.tmp, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w') as fh:
            fh.write(content if isinstance(content, str)
                     else json.dumps(content))
        return path

    def assert_usage_error(self, args, words=(), env=None):
        """Exit 2, nothing on stdout, exactly one stderr line with `words`."""
        ready = os.path.join(self.tmp, 'ready-never.json')
        base = ['--ready-file', ready]
        if '--port' not in args and 'ATHENA_EMU_PORT' not in (env or {}):
            base += ['--port', '0']
        rc, out, err = run(base + args, env=env)
        self.assertEqual(rc, 2, (args, out, err))
        self.assertEqual(out, '', (args, err))
        lines = err.splitlines()
        self.assertEqual(len(lines), 1, (args, err))
        self.assertTrue(lines[0].strip(), (args, err))
        for w in words:
            self.assertIn(w, lines[0], (args, err))
        self.assertFalse(os.path.exists(ready), args)
        return lines[0]


class FlagsTest(TempDirTest):
    def test_help_mentions_every_flag(self):
        rc, out, err = run(['--help'])
        self.assertEqual(rc, 0, err)
        missing = [f for f in FLAGS
                   if not re.search(r'(?<![\w-])%s(?![\w-])' % re.escape(f),
                                    out)]
        self.assertEqual(missing, [], 'flags missing from --help')

    def test_version(self):
        rc, out, err = run(['--version'])
        self.assertEqual(rc, 0, err)
        self.assertEqual(len(out.splitlines()), 1, out)
        with Emulator() as emu:
            version = emu.admin_ok('GET', 'health')['version']
        self.assertIn(version, out)

    def test_bad_flags_and_values(self):
        cases = [
            (['--nope'], ['--nope']),
            (['--port', 'abc'], ['port', 'abc']),
            (['--port', '70000'], ['port', '70000']),
            (['--port'], ['port']),
            (['--clock', 'weird'], ['clock', 'weird']),
            (['--threads', '0'], ['threads']),
            (['--threads', 'many'], ['threads', 'many']),
            (['--log-format', 'xml'], ['xml']),
            (['--log-level', 'chatty'], ['chatty']),
            (['--admin', 'maybe'], ['maybe']),
            (['--auth', 'weird'], ['--auth', 'weird', 'sigv4']),
            (['--auth', 'sigv4'], ['--auth sigv4', '--credentials']),
            (['--start-time', 'not-a-time'], ['not-a-time']),
            (['--journal-size', 'lots'], ['--journal-size', 'lots']),
            (['--seed', 'xyz'], ['xyz']),
            (['--max-skew-s', 'soon'], ['--max-skew-s', 'soon']),
            (['--max-skew-s', '604801'], ['--max-skew-s', '604801']),
            (['--credentials', '/nonexistent/creds.json'],
             ['--credentials', '/nonexistent/creds.json']),
            (['--clock', 'manual', 'stray-positional'], ['stray-positional']),
        ]
        for args, words in cases:
            with self.subTest(args=args):
                self.assert_usage_error(args, words)

    def test_bad_env_values(self):
        self.assert_usage_error([], ['weird'], env={'ATHENA_EMU_CLOCK': 'weird'})
        self.assert_usage_error([], ['abc'], env={'ATHENA_EMU_PORT': 'abc'})
        self.assert_usage_error([], ['0'], env={'ATHENA_EMU_THREADS': '0'})
        self.assert_usage_error([], ['ATHENA_EMU_AUTH', 'weird'],
                                env={'ATHENA_EMU_AUTH': 'weird'})
        self.assert_usage_error([], ['ATHENA_EMU_MAX_SKEW_S', '-1'],
                                env={'ATHENA_EMU_MAX_SKEW_S': '-1'})

    def test_ready_file_and_listening_log(self):
        with Emulator('--seed', '4242') as emu:
            with open(emu.ready_path) as fh:
                ready = json.load(fh)
            self.assertEqual(set(ready), {'port', 'pid'})
            self.assertEqual(ready['pid'], emu.proc.pid)
            self.assertIsInstance(ready['port'], int)
            self.assertNotEqual(ready['port'], 0)
            want = 'listening on http://127.0.0.1:%d' % emu.port
            deadline = time.monotonic() + 20
            while want not in emu.stderr_text() + emu.stdout_text():
                self.assertLess(time.monotonic(), deadline,
                                'no %r in the log: %s' % (want,
                                                          emu.stderr_text()))
                time.sleep(0.01)  # waiting for the start-up log
            log = emu.stderr_text() + emu.stdout_text()
            self.assertRegex(log, r'listening on http://127\.0\.0\.1:%d(?!\d)'
                             % emu.port)
            self.assertIn('seed', log.lower())
            self.assertIn('4242', log)

    def test_random_seed_is_logged(self):
        with Emulator() as emu:
            want = 'listening on http://127.0.0.1:%d' % emu.port
            deadline = time.monotonic() + 20
            while want not in emu.stderr_text() + emu.stdout_text():
                self.assertLess(time.monotonic(), deadline, emu.stderr_text())
                time.sleep(0.01)  # waiting for the start-up log
            log = emu.stderr_text() + emu.stdout_text()
            self.assertRegex(log.lower(), r'seed\W{0,3}\d+')

    def test_start_time_forms(self):
        for value, epoch_ms in [('1767225600', START_MS),
                                ('1767225600.25', START_MS + 250),
                                ('2026-01-01T01:00:00+01:00', START_MS),
                                ('2026-01-01T00:00:00.125Z', START_MS + 125)]:
            with self.subTest(value=value):
                with Emulator(fixtures='none', start_time=value) as emu:
                    self.assertEqual(emu.now_ms(), epoch_ms)

    def test_explicit_host(self):
        with Emulator('--host', '127.0.0.1') as emu:
            self.assertEqual(emu.admin_ok('GET', 'health')['status'], 'ok')


class EnvTest(TempDirTest):
    def test_port_from_env_and_flag_wins(self):
        p1 = free_port()
        with Emulator(port=None, env={'ATHENA_EMU_PORT': str(p1)}) as emu:
            self.assertEqual(emu.port, p1)
            self.assertEqual(emu.admin_ok('GET', 'health')['status'], 'ok')
        p1, p2 = free_port(), free_port()
        with Emulator(port=p2, env={'ATHENA_EMU_PORT': str(p1)}) as emu:
            self.assertEqual(emu.port, p2)

    def test_clock_from_env_and_flag_wins(self):
        with Emulator(clock=None, env={'ATHENA_EMU_CLOCK': 'manual'}) as emu:
            doc = emu.admin_ok('GET', 'clock')
            self.assertEqual((doc['mode'], doc['epoch_ms']),
                             ('manual', START_MS))
        with Emulator(clock='system', start_time=None,
                      env={'ATHENA_EMU_CLOCK': 'manual'}) as emu:
            self.assertEqual(emu.admin_ok('GET', 'clock')['mode'], 'system')
        with Emulator(clock='manual', env={'ATHENA_EMU_CLOCK': 'system'}) \
                as emu:
            self.assertEqual(emu.admin_ok('GET', 'clock')['mode'], 'manual')

    def test_other_flags_from_env(self):
        with Emulator(start_time=None, fixtures='none', env={
                'ATHENA_EMU_START_TIME': '2026-05-05T05:05:05Z'}) as emu:
            self.assertEqual(emu.now_ms(), 1777957505000)
        with Emulator(env={'ATHENA_EMU_FIXTURES': 'none'}) as emu:
            c = emu.client()
            with self.assertRaises(c.exceptions.ResourceNotFoundException):
                c.get_session_status(SessionId='example-idle')
        with Emulator(env={'ATHENA_EMU_ADMIN_TOKEN': 'tok'}) as emu:
            self.assertEqual(emu.admin('GET', 'clock')[0], 401)
            self.assertEqual(emu.admin('GET', 'clock', token='tok')[0], 200)
        with Emulator(env={'ATHENA_EMU_ADMIN': 'off'}) as emu:
            self.assertEqual(emu.http('GET', '/_emulator/clock').status, 404)
        path = self.write('f.json', {
            'workgroups': [workgroup('wg')],
            'sessions': [session('from-flag', 'wg', [step(0, 'CREATING')])]})
        with Emulator(fixtures=path, env={'ATHENA_EMU_FIXTURES': 'none'}) \
                as emu:
            c = emu.client()
            self.assertEqual(c.get_session_status(SessionId='from-flag')
                             ['Status']['State'], 'CREATING')


BAD_FIXTURES = [
    # (name, content, JSON path or None, words)
    ('invalid JSON', '{"workgroups": [', None, []),
    ('unknown field', {'workgroups': [{'name': 'wg', 'engine_version': SPARK,
                                       'colour': 'red'}]},
     ['workgroups', 0], ['colour']),
    ('bad state name', {'workgroups': [workgroup('wg')],
                        'sessions': [session('s', 'wg', [
                            step(0, 'CREATING'), step(5, 'SLEEPING')])]},
     ['sessions', 0, 'script', 1, 'state'], []),
    ('missing workgroup', {'workgroups': [workgroup('wg')],
                           'sessions': [session('s', 'wg'),
                                        session('t', 'wg-missing')]},
     ['sessions', 1], ['workgroup']),
    ('unknown top-level field', {'workgroup': []}, None, ['workgroup']),
]


class FixtureFilesTest(TempDirTest):
    def test_bad_fixture_files(self):
        for name, content, path, words in BAD_FIXTURES:
            with self.subTest(name):
                f = self.write(name.replace(' ', '-') + '.json', content)
                line = self.assert_usage_error(['--fixtures', f], [f] + words)
                if path:
                    self.assertTrue(names_path(line, path), (path, line))

    def test_missing_fixture_file(self):
        f = os.path.join(self.tmp, 'absent.json')
        self.assert_usage_error(['--fixtures', f], [f])

    def test_directory_of_json_files(self):
        d = os.path.join(self.tmp, 'fx')
        self.write('fx/a.json', {
            'workgroups': [workgroup('wg-a')],
            'sessions': [session('dir-a', 'wg-a', [step(0, 'CREATING')])]})
        self.write('fx/b.json', {
            'workgroups': [workgroup('wg-b')],
            'sessions': [session('dir-b', 'wg-b', [step(0, 'IDLE')])]})
        self.write('fx/notes.txt', 'not a fixture {')
        with Emulator(fixtures=d) as emu:
            c = emu.client()
            self.assertEqual(c.get_session_status(SessionId='dir-a')
                             ['Status']['State'], 'CREATING')
            self.assertEqual(c.get_session_status(SessionId='dir-b')
                             ['Status']['State'], 'IDLE')
            with self.assertRaises(c.exceptions.ResourceNotFoundException):
                c.get_session_status(SessionId='example-idle')

    def test_bad_file_in_directory_is_named(self):
        d = os.path.join(self.tmp, 'fx')
        self.write('fx/a.json', {'workgroups': [workgroup('wg-a')]})
        bad = self.write('fx/b.json', {'workgroups': [
            workgroup('wg-b', colour='red')]})
        line = self.assert_usage_error(['--fixtures', d], ['b.json', 'colour'])
        self.assertTrue(names_path(line, ['workgroups', 0]), line)
        self.assertIn(bad, line)

    def test_repeated_fixtures_flag(self):
        a = {'workgroups': [workgroup('wg-a')],
             'sessions': [session('rep-a', 'wg-a', [step(0, 'CREATING')])]}
        b = {'workgroups': [workgroup('wg-b')],
             'sessions': [session('rep-b', 'wg-b', [step(0, 'BUSY')])]}
        with Emulator(fixtures=[a, b]) as emu:
            c = emu.client()
            self.assertEqual(c.get_session_status(SessionId='rep-a')
                             ['Status']['State'], 'CREATING')
            self.assertEqual(c.get_session_status(SessionId='rep-b')
                             ['Status']['State'], 'BUSY')

    def test_fixtures_none(self):
        with Emulator(fixtures='none') as emu:
            c = emu.client()
            for sid in ('example-idle', 'example-busy'):
                with self.assertRaises(
                        c.exceptions.ResourceNotFoundException):
                    c.get_session_status(SessionId=sid)
            status, doc = emu.admin('POST', 'fixtures',
                                    {'sessions': [session('p', 'spark')]})
            self.assertEqual(status, 400, doc)

    def test_builtin_default_from_another_cwd(self):
        with Emulator(cwd=self.tmp) as emu:
            c = emu.client()
            want = {'example-idle': 'IDLE', 'example-busy': 'BUSY',
                    'example-terminated': 'TERMINATED',
                    'example-failed': 'FAILED',
                    'example-creating': 'CREATING'}
            now = emu.now_ms() / 1000
            for sid, state in want.items():
                st = c.get_session_status(SessionId=sid)['Status']
                self.assertEqual(st['State'], state, sid)
                self.assertLessEqual(st['StartDateTime'],
                                     st['LastModifiedDateTime'])
                self.assertLessEqual(st['LastModifiedDateTime'].timestamp(),
                                     now)
                self.assertEqual('IdleSinceDateTime' in st, state == 'IDLE',
                                 (sid, st))
                self.assertEqual('EndDateTime' in st,
                                 state in ('TERMINATED', 'FAILED'), (sid, st))
            # The Spark workgroup `spark` exists.
            out = emu.load({'sessions': [session('on-spark', 'spark', [
                step(0, 'CREATING')])]})
            self.assertEqual(out['applied']['sessions'], 1)


class SignalsTest(TempDirTest):
    def test_sigterm_exits_0(self):
        emu = Emulator().start()
        try:
            self.assertEqual(emu.stop(signal.SIGTERM), 0, emu.stderr_text())
        finally:
            emu.__exit__(None, None, None)

    def test_sigint_exits_0(self):
        emu = Emulator().start()
        try:
            self.assertEqual(emu.stop(signal.SIGINT), 0, emu.stderr_text())
        finally:
            emu.__exit__(None, None, None)

    def test_sigterm_with_idle_keep_alive_connection(self):
        emu = Emulator().start()
        conn = http.client.HTTPConnection('127.0.0.1', emu.port, timeout=10)
        try:
            conn.request('GET', '/_emulator/health')
            self.assertEqual(conn.getresponse().read()[:1], b'{')
            self.assertEqual(emu.stop(signal.SIGTERM), 0, emu.stderr_text())
        finally:
            conn.close()
            emu.__exit__(None, None, None)

    def test_two_emulators_on_port_0(self):
        doc_a = {'workgroups': [workgroup('wg')],
                 'sessions': [session('only-a', 'wg', [step(0, 'IDLE')])]}
        with Emulator(fixtures=doc_a) as a, Emulator(fixtures='none') as b:
            self.assertNotEqual(a.port, b.port)
            self.assertEqual(a.client().get_session_status(
                SessionId='only-a')['Status']['State'], 'IDLE')
            cb = b.client()
            with self.assertRaises(cb.exceptions.ResourceNotFoundException):
                cb.get_session_status(SessionId='only-a')


PERSIST = {
    'workgroups': [workgroup('wg-p')],
    'sessions': [session('persist-1', 'wg-p', [
        step(0, 'CREATING'), step(1000, 'CREATED'), step(2000, 'IDLE'),
        step(10000, 'BUSY', 'later')])],
}


class DatabaseTest(TempDirTest):
    def snapshot(self, emu, sids):
        c = emu.client()
        out = {'clock': emu.admin_ok('GET', 'clock')}
        for sid in sids:
            out[sid] = (c.get_session_status(SessionId=sid)['Status'],
                        emu.history(sid))
        return out

    def test_state_survives_kill_9(self):
        db = os.path.join(self.tmp, 'state.db')
        sids = ['persist-1', 'example-busy', 'example-idle']
        emu = Emulator(db=db).start()
        try:
            emu.load(PERSIST)
            emu.advance(3000)
            status, doc = emu.transition('example-busy', 'FAILED', 'forced')
            self.assertEqual(status, 200, doc)
            emu.advance(500)
            before = self.snapshot(emu, sids)
            self.assertEqual(before['persist-1'][0]['State'], 'IDLE')
            emu.kill9()
        finally:
            emu.__exit__(None, None, None)
        # Another --start-time does not apply to an existing database.
        with Emulator(db=db, start_time='2030-01-01T00:00:00Z') as emu:
            after = self.snapshot(emu, sids)
            self.assertEqual(after, before)
            self.assertEqual(after['clock']['epoch_ms'], START_MS + 3500)
            # The rest of the script survived too.
            emu.advance_to(10000)
            st = emu.client().get_session_status(
                SessionId='persist-1')['Status']
            self.assertEqual((st['State'], st['StateChangeReason']),
                             ('BUSY', 'later'))
            # reset goes back to the database's start time, not 2030.
            emu.admin_ok('POST', 'reset')
            self.assertEqual(emu.now_ms(), START_MS)

    def test_clean_restart_keeps_state(self):
        db = os.path.join(self.tmp, 'state.db')
        with Emulator(db=db) as emu:
            emu.advance(1234)
            self.assertEqual(
                emu.transition('example-idle', 'TERMINATED', 'bye')[0], 200)
            before = self.snapshot(emu, ['example-idle'])
        with Emulator(db=db) as emu:
            self.assertEqual(self.snapshot(emu, ['example-idle']), before)
            self.assertEqual(before['example-idle'][0]['State'], 'TERMINATED')

    def test_startup_fixtures_not_reapplied(self):
        db = os.path.join(self.tmp, 'state.db')
        with Emulator(db=db, fixtures='none') as emu:
            emu.load(PERSIST)
        with Emulator(db=db) as emu:  # the built-in default fixtures
            c = emu.client()
            with self.assertRaises(c.exceptions.ResourceNotFoundException):
                c.get_session_status(SessionId='example-idle')
            self.assertEqual(c.get_session_status(SessionId='persist-1')
                             ['Status']['State'], 'CREATING')

    def test_corrupt_database(self):
        db = self.write('corrupt.db', 'this is not an SQLite database\n' * 200)
        self.assert_usage_error(['--db', db, '--clock', 'manual'], [db])

    def test_database_in_missing_directory(self):
        db = os.path.join(self.tmp, 'no', 'such', 'dir', 'x.db')
        self.assert_usage_error(['--db', db], [db])


if __name__ == '__main__':
    unittest.main()
