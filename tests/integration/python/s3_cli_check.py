"""`aws s3 cp s3://.../stdout.txt -` against athena-emu (issue 14; CONTRACT §3b).

Runs for each executable in ATHENA_EMU_AWS_CLIS (CTest registers one test per
CLI: s3_cli.<n>; the second one is labelled `full`). A calculation is run to its
end with boto3's Athena client; the CLI then copies its stdout and its result to
standard output through the same endpoint (path-style addressing via the CLI's
config file), and fails on a key that does not exist.
"""

import os
import subprocess
import unittest

from emulator import Emulator, session, step, workgroup
from test_cli import CLI_TIMEOUT_S, cli_list, isolated_env

ROLE = 'arn:aws:iam::123456789012:role/r'
DOC = {
    'profiles': {'calc': {'creating_ms': 0, 'created_ms': 0, 'terminating_ms': 0,
                          'calculation_creating_ms': 0, 'calculation_queued_ms': 0,
                          'calculation_running_ms': 1000, 'calculation_canceling_ms': 0}},
    'workgroups': [workgroup('wg-s3-cli', profile='calc', configuration={'ExecutionRole': ROLE})],
    'sessions': [session('s3-cli', 'wg-s3-cli', [step(0, 'IDLE')])],
    'outcomes': [{'match': {'code_contains': 'hello'}, 'state': 'COMPLETED',
                  'stdout': 'hello from the CLI\n', 'result_text': '{"rows": 3}'}],
}


class S3CliCopy(unittest.TestCase):
    def setUp(self):
        import tempfile
        import shutil
        self.emu = Emulator(fixtures='none').start()
        self.addCleanup(self.emu.__exit__, None, None, None)
        self.emu.admin_ok('POST', 'fixtures', DOC)
        self.home = tempfile.mkdtemp(prefix='athena-emu-s3-cli-')
        self.addCleanup(shutil.rmtree, self.home, True)
        with open(os.path.join(self.home, 'config'), 'w') as fh:
            fh.write('[default]\ns3 =\n    addressing_style = path\n')

    def cp(self, cli, uri):
        env = isolated_env(self.home, {'AWS_CONFIG_FILE': os.path.join(self.home, 'config')})
        p = subprocess.run([cli, 's3', 'cp', uri, '-', '--endpoint-url', self.emu.url,
                            '--region', 'us-east-1', '--cli-connect-timeout', '5',
                            '--cli-read-timeout', '30'],
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, env=env, timeout=CLI_TIMEOUT_S)
        return p.returncode, p.stdout, p.stderr.decode('utf-8', 'replace')

    def test_cp_to_stdout(self):
        athena = self.emu.client()
        cid = athena.start_calculation_execution(SessionId='s3-cli', CodeBlock='print("hello")')[
            'CalculationExecutionId']
        self.emu.advance(1000)
        result = athena.get_calculation_execution(CalculationExecutionId=cid)['Result']
        clis = cli_list()
        self.assertTrue(clis)
        for cli in clis:
            with self.subTest(cli=cli):
                rc, out, err = self.cp(cli, result['StdOutS3Uri'])
                self.assertEqual((rc, out), (0, b'hello from the CLI\n'), err)
                rc, out, err = self.cp(cli, result['ResultS3Uri'] + 'result.json')
                self.assertEqual((rc, out), (0, b'{"rows": 3}'), err)
                rc, out, err = self.cp(cli, result['StdOutS3Uri'] + '.missing')
                self.assertNotEqual(rc, 0)
                self.assertIn('404', err)
                self.assertEqual(out, b'')


if __name__ == '__main__':
    unittest.main()
