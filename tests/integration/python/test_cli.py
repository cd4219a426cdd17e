"""GetSessionStatus through the AWS CLI.

Every executable in ATHENA_EMU_AWS_CLIS (':'-separated; default `aws` on
PATH) gets its own generated test methods. CLI v1 prints timestamps as the
service sent them (epoch numbers), v2 as ISO 8601 strings: both are parsed
and compared with the exact expected instants.
"""

import datetime
import decimal
import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

from emulator import (HOUR_MS, START_MS, Emulator, clean_env, epoch_ms_of,
                      session, step, workgroup)

CLI_TIMEOUT_S = 120


def cli_list():
    spec = os.environ.get('ATHENA_EMU_AWS_CLIS')
    if spec:
        return [c for c in spec.split(':') if c]
    return [shutil.which('aws') or 'aws']


def isolated_env(home, extra=None):
    """No user config, fixed credentials, no pager, nothing from AWS_*."""
    env = clean_env({
        'HOME': home,
        'AWS_ACCESS_KEY_ID': 'AKIDEXAMPLE',
        'AWS_SECRET_ACCESS_KEY': 'secret',
        'AWS_CONFIG_FILE': os.path.join(home, 'no-config'),
        'AWS_SHARED_CREDENTIALS_FILE': os.path.join(home, 'no-credentials'),
        'AWS_PAGER': '',
        'AWS_EC2_METADATA_DISABLED': 'true',
    })
    env.update(extra or {})
    return env


def probe(cli):
    """(cli version tuple, --version text) or (None, why)."""
    home = tempfile.mkdtemp(prefix='athena-emu-cli-')
    try:
        p = subprocess.run([cli, '--version'], stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           env=isolated_env(home), timeout=CLI_TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired) as e:
        return None, repr(e)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    text = (p.stdout + p.stderr).decode('utf-8', 'replace')
    m = re.search(r'aws-cli/(\d+)\.(\d+)\.(\d+)', text)
    if p.returncode != 0 or not m:
        return None, 'exit %s: %s' % (p.returncode, text)
    return tuple(int(x) for x in m.groups()), text.strip()


def supports_service_endpoint_env(version):
    """AWS_ENDPOINT_URL_<SERVICE> arrived in CLI v1 1.29.0 and v2 2.13.0."""
    return version >= ((1, 29, 0) if version[0] == 1 else (2, 13, 0))


def instant_ms(value):
    """Epoch ms of a timestamp as the CLI printed it (number or ISO 8601)."""
    if isinstance(value, str) and re.fullmatch(r'-?\d+(\.\d+)?', value):
        value = decimal.Decimal(value)
    if isinstance(value, decimal.Decimal):
        ms = value * 1000
        if ms != ms.to_integral_value():
            raise AssertionError('not a whole millisecond: %s' % value)
        return int(ms)
    if isinstance(value, str):
        dt = datetime.datetime.fromisoformat(value.replace('Z', '+00:00'))
        if dt.tzinfo is None:
            raise AssertionError('timestamp without offset: %r' % value)
        if dt.microsecond % 1000:
            raise AssertionError('not a whole millisecond: %r' % value)
        return epoch_ms_of(dt)
    raise AssertionError('not a timestamp: %r' % (value,))


DOC = {
    'workgroups': [workgroup('wg')],
    'sessions': [
        session('cli-idle', 'wg', [step(0, 'CREATING'), step(1000, 'CREATED'),
                                   step(2123, 'IDLE'), step(HOUR_MS, 'BUSY')]),
        session('cli-terminated', 'wg', [
            step(0, 'CREATING'), step(1000, 'IDLE'),
            step(3000, 'TERMINATING', 'stopping'),
            step(4500, 'TERMINATED', 'user request')]),
        session('cli-failed', 'wg', [step(0, 'CREATING'),
                                     step(2500, 'FAILED', 'no capacity')]),
        session('cli-busy', 'wg', [step(0, 'CREATING'), step(1000, 'IDLE'),
                                   step(2000, 'BUSY', 'calculation'),
                                   step(HOUR_MS, 'IDLE')]),
    ],
}

# session id → (state, {timestamp member: offset ms}, reason or None)
EXPECTED = {
    'cli-idle': ('IDLE', {'StartDateTime': 0, 'LastModifiedDateTime': 2123,
                          'IdleSinceDateTime': 2123}, None),
    'cli-terminated': ('TERMINATED', {'StartDateTime': 0,
                                      'LastModifiedDateTime': 4500,
                                      'EndDateTime': 4500}, 'user request'),
    'cli-failed': ('FAILED', {'StartDateTime': 0, 'LastModifiedDateTime': 2500,
                              'EndDateTime': 2500}, 'no capacity'),
    'cli-busy': ('BUSY', {'StartDateTime': 0, 'LastModifiedDateTime': 2000},
                 'calculation'),
}



class CliCase(unittest.TestCase):
    """A fresh emulator (no fixtures) per test and an isolated HOME; run_cli/ok call an `aws`."""

    emulator_args = ()  # more athena-emu flags
    cli_env = None      # more environment for the CLI (other credentials, ...)

    def setUp(self):
        self.emu = Emulator(*self.emulator_args, fixtures='none').start()
        self.addCleanup(self.emu.__exit__, None, None, None)
        self.home = tempfile.mkdtemp(prefix='athena-emu-cli-home-')
        self.addCleanup(shutil.rmtree, self.home, True)

    def run_cli(self, cli, args):
        cmd = [cli, 'athena'] + args + [
            '--region', 'us-east-1', '--endpoint-url', self.emu.url,
            '--cli-connect-timeout', '5', '--cli-read-timeout', '30',
            '--output', 'json']
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           env=isolated_env(self.home, self.cli_env),
                           timeout=CLI_TIMEOUT_S)
        return (p.returncode, p.stdout.decode('utf-8', 'replace'),
                p.stderr.decode('utf-8', 'replace'))

    def ok(self, cli, args):
        """Runs the CLI; exit 0 required; the parsed JSON output (or None)."""
        rc, out, err = self.run_cli(cli, args)
        self.assertEqual(rc, 0, '%s: %s' % (args[0], err))
        if not out.strip():
            return None
        return json.loads(out, parse_float=decimal.Decimal,
                          parse_int=decimal.Decimal)

class CliTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = Emulator(fixtures=DOC).start()
        cls.emu.advance(5000)
        cls.home = tempfile.mkdtemp(prefix='athena-emu-cli-home-')

    @classmethod
    def tearDownClass(cls):
        cls.emu.__exit__(None, None, None)
        shutil.rmtree(cls.home, ignore_errors=True)

    def run_cli(self, cli, args, endpoint_flag=True, env=None):
        cmd = [cli, 'athena'] + args + ['--region', 'us-east-1',
                                        '--cli-connect-timeout', '5',
                                        '--cli-read-timeout', '30']
        if endpoint_flag:
            cmd += ['--endpoint-url', self.emu.url]
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           env=isolated_env(self.home, env),
                           timeout=CLI_TIMEOUT_S)
        return (p.returncode, p.stdout.decode('utf-8', 'replace'),
                p.stderr.decode('utf-8', 'replace'))

    def check_status(self, cli, sid, **kw):
        rc, out, err = self.run_cli(
            cli, ['get-session-status', '--session-id', sid,
                  '--output', 'json'], **kw)
        self.assertEqual(rc, 0, err)
        doc = json.loads(out, parse_float=decimal.Decimal,
                         parse_int=decimal.Decimal)
        state, times, reason = EXPECTED[sid]
        self.assertEqual(set(doc), {'SessionId', 'Status'}, doc)
        self.assertEqual(doc['SessionId'], sid)
        st = doc['Status']
        keys = set(times) | {'State'} | ({'StateChangeReason'}
                                         if reason else set())
        self.assertEqual(set(st), keys, st)
        self.assertEqual(st['State'], state)
        if reason:
            self.assertEqual(st['StateChangeReason'], reason)
        for member, off in times.items():
            self.assertEqual(instant_ms(st[member]), START_MS + off,
                             '%s %s = %r' % (sid, member, st[member]))

    def check_unknown_id(self, cli, version):
        rc, out, err = self.run_cli(
            cli, ['get-session-status', '--session-id', 'no-such-session',
                  '--output', 'json'])
        self.assertEqual(rc, 255 if version[0] == 1 else 254, (out, err))
        self.assertIn('ResourceNotFoundException', err)
        self.assertIn('GetSessionStatus', err)
        self.assertEqual(out.strip(), '')

    def check_text_query(self, cli):
        rc, out, err = self.run_cli(
            cli, ['get-session-status', '--session-id', 'cli-busy',
                  '--query', 'Status.[State,StateChangeReason]',
                  '--output', 'text'])
        self.assertEqual(rc, 0, err)
        self.assertEqual(out.split(), ['BUSY', 'calculation'])

    def check_endpoint_env(self, cli):
        self.check_status(cli, 'cli-idle', endpoint_flag=False,
                          env={'AWS_ENDPOINT_URL_ATHENA': self.emu.url})


def generate_cli_tests(test_class, cases_for):
    """Adds to test_class one test per (case, AWS CLI found): cases_for(cli, version) gives
    {name: fn(self, cli, version)}; the test is test_<name>_cli<index>_v<version>. A CLI that
    cannot run at all gets one failing test, test_cli<index>_runs, saying why."""
    for index, cli in enumerate(cli_list()):
        version, text = probe(cli)
        if version is None:
            def broken(self, cli=cli, text=text):
                self.fail('cannot run AWS CLI %r: %s' % (cli, text))
            setattr(test_class, 'test_cli%d_runs' % index, broken)
            continue
        label = 'cli%d_v%s' % (index, '_'.join(str(x) for x in version))
        for name, case in cases_for(cli, version).items():
            def fn(self, case=case, cli=cli, version=version):
                case(self, cli, version)
            fn.__doc__ = '%s: %s (%s)' % (name, cli, text.split()[0])
            setattr(test_class, 'test_%s_%s' % (name, label), fn)


def _cases(cli, version):
    cases = {
        'idle': lambda self, cli, v: self.check_status(cli, 'cli-idle'),
        'terminated': lambda self, cli, v: self.check_status(cli, 'cli-terminated'),
        'failed': lambda self, cli, v: self.check_status(cli, 'cli-failed'),
        'busy': lambda self, cli, v: self.check_status(cli, 'cli-busy'),
        'unknown_id': lambda self, cli, v: self.check_unknown_id(cli, v),
        'text_query': lambda self, cli, v: self.check_text_query(cli),
    }
    # Older CLIs do not know the variable: they would call real AWS.
    if supports_service_endpoint_env(version):
        cases['endpoint_env'] = lambda self, cli, v: self.check_endpoint_env(cli)
    return cases


generate_cli_tests(CliTest, _cases)


if __name__ == '__main__':
    unittest.main()
