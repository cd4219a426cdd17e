"""Notebooks through the AWS CLI (issue 15).

For each executable in ATHENA_EMU_AWS_CLIS (see test_cli.py): create-notebook,
import-notebook, get-notebook-metadata, export-notebook, list-notebook-metadata
(filter), update-notebook (with a session), update-notebook-metadata,
list-notebook-sessions, create-presigned-notebook-url, list-application-dpu-sizes,
list-engine-versions, get-resource-dashboard, start-session --notebook-version,
delete-notebook, and the error texts the CLI prints. CLI v2.9 (Debian) has no
get-resource-dashboard: that command is checked only on a CLI whose `athena help`
lists it, and the test says so on the other.
"""

import json
import subprocess
import unittest

from emulator import START_MS, is_uuid, session, step, workgroup
from test_cli import CLI_TIMEOUT_S, CliCase, generate_cli_tests, instant_ms, isolated_env

ROLE = 'arn:aws:iam::123456789012:role/r'
WG = 'wg-nb-cli'
DOC = {'workgroups': [workgroup(WG, configuration={'ExecutionRole': ROLE})],
       'sessions': [session('nb-cli-s', WG, [step(0, 'IDLE')])]}
PAYLOAD = json.dumps({'cells': [], 'metadata': {'k': 'v'}, 'nbformat': 4, 'nbformat_minor': 5})


def has_command(cli, command):
    p = subprocess.run([cli, 'athena', 'help'], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, env=isolated_env('/nonexistent'), timeout=CLI_TIMEOUT_S)
    return command in p.stdout.decode('utf-8', 'replace')


class CliNotebookTest(CliCase):
    def setUp(self):
        super().setUp()
        self.emu.load(DOC)

    def err(self, cli, args, text):
        rc, _, err = self.run_cli(cli, args)
        self.assertNotEqual(rc, 0, args)
        self.assertIn(text, err)

    def notebooks(self, cli):
        self.emu.advance(1000)
        nid = self.ok(cli, ['create-notebook', '--work-group', WG, '--name', 'made'])['NotebookId']
        self.assertTrue(is_uuid(nid))
        imp = self.ok(cli, ['import-notebook', '--work-group', WG, '--name', 'imported', '--type', 'IPYNB',
                            '--payload', PAYLOAD])['NotebookId']
        md = self.ok(cli, ['get-notebook-metadata', '--notebook-id', nid])['NotebookMetadata']
        self.assertEqual((md['Name'], md['WorkGroup'], md['Type']), ('made', WG, 'IPYNB'))
        self.assertEqual(instant_ms(md['CreationTime']), START_MS + 1000)
        out = self.ok(cli, ['export-notebook', '--notebook-id', imp])
        self.assertEqual(out['Payload'], PAYLOAD)
        listed = self.ok(cli, ['list-notebook-metadata', '--work-group', WG, '--filters', 'Name=mport'])
        self.assertEqual([m['NotebookId'] for m in listed['NotebookMetadataList']], [imp])
        self.err(cli, ['create-notebook', '--work-group', WG, '--name', 'made'],
                 "A notebook named 'made' already exists in workgroup wg-nb-cli; choose another name.")
        self.err(cli, ['import-notebook', '--work-group', WG, '--name', 'bad', '--type', 'IPYNB', '--payload', '[]'],
                 'Payload is not a Jupyter notebook (IPYNB) document: it is not a JSON object.')
        self.emu.advance(1000)
        self.ok(cli, ['update-notebook', '--notebook-id', nid, '--payload', PAYLOAD, '--type', 'IPYNB',
                      '--session-id', 'nb-cli-s'])
        self.ok(cli, ['update-notebook-metadata', '--notebook-id', nid, '--name', 'renamed'])
        md = self.ok(cli, ['get-notebook-metadata', '--notebook-id', nid])['NotebookMetadata']
        self.assertEqual(md['Name'], 'renamed')
        self.assertEqual(instant_ms(md['LastModifiedTime']), START_MS + 2000)
        sessions = self.ok(cli, ['list-notebook-sessions', '--notebook-id', nid])['NotebookSessionsList']
        self.assertEqual([s['SessionId'] for s in sessions], ['nb-cli-s'])
        self.assertEqual(instant_ms(sessions[0]['CreationTime']), START_MS)
        self.err(cli, ['delete-work-group', '--work-group', WG],
                 'WorkGroup wg-nb-cli has 1 active sessions; terminate them or set RecursiveDeleteOption.')
        self.ok(cli, ['terminate-session', '--session-id', 'nb-cli-s'])
        self.err(cli, ['delete-work-group', '--work-group', WG],
                 'WorkGroup wg-nb-cli has 2 notebooks; delete them (DeleteNotebook) or set RecursiveDeleteOption.')
        self.ok(cli, ['delete-notebook', '--notebook-id', nid])
        self.err(cli, ['get-notebook-metadata', '--notebook-id', nid], 'Notebook %s does not exist.' % nid)
        self.err(cli, ['list-notebook-sessions', '--notebook-id', nid], 'ResourceNotFoundException')
        self.ok(cli, ['delete-work-group', '--work-group', WG, '--recursive-delete-option'])
        self.err(cli, ['get-notebook-metadata', '--notebook-id', imp], 'Notebook %s does not exist.' % imp)

    def sessions_and_catalog(self, cli):
        url = self.ok(cli, ['create-presigned-notebook-url', '--session-id', 'nb-cli-s'])
        self.assertEqual(url['NotebookUrl'], 'https://nb-cli-s.notebook.us-east-1.athena-emu.invalid/lab')
        self.assertEqual(int(url['AuthTokenExpirationTime']), START_MS // 1000 + 3600)
        self.err(cli, ['create-presigned-notebook-url', '--session-id', 'nope'], 'Session nope does not exist.')
        sizes = self.ok(cli, ['list-application-dpu-sizes'])['ApplicationDPUSizes']
        self.assertEqual([(s['ApplicationRuntimeId'], [int(x) for x in s['SupportedDPUSizes']]) for s in sizes],
                         [('Athena notebook version 1', [1])])
        versions = self.ok(cli, ['list-engine-versions'])['EngineVersions']
        self.assertEqual([v['SelectedEngineVersion'] for v in versions],
                         ['AUTO', 'Athena engine version 2', 'Athena engine version 3', 'PySpark engine version 3'])
        engine = ['--engine-configuration', 'CoordinatorDpuSize=1,MaxConcurrentDpus=20,DefaultExecutorDpuSize=1']
        sid = self.ok(cli, ['start-session', '--work-group', WG, '--notebook-version', 'Athena notebook version 1'] +
                      engine)['SessionId']
        self.assertEqual(self.ok(cli, ['get-session', '--session-id', sid])['NotebookVersion'],
                         'Athena notebook version 1')
        self.err(cli, ['start-session', '--work-group', WG, '--notebook-version', 'v2'] + engine,
                 "NotebookVersion 'v2' is not supported; use Athena notebook version 1")

    def dashboard(self, cli):
        arn = 'arn:aws:athena:us-east-1:123456789012:session/nb-cli-s'
        out = self.ok(cli, ['get-resource-dashboard', '--resource-arn', arn])
        self.assertEqual(out, {'Url': 'https://nb-cli-s.spark-ui.us-east-1.athena-emu.invalid/'})
        self.err(cli, ['get-resource-dashboard', '--resource-arn', arn + 'x'], 'ResourceNotFoundException')


def _cases(cli, version):
    cases = {
        'notebooks': lambda self, cli, v: self.notebooks(cli),
        'sessions_and_catalog': lambda self, cli, v: self.sessions_and_catalog(cli),
    }
    # CLI v2.9 (Debian 12's) predates get-resource-dashboard: there is nothing to run there;
    # the boto3 tests cover the operation on both botocores.
    if has_command(cli, 'get-resource-dashboard'):
        cases['dashboard'] = lambda self, cli, v: self.dashboard(cli)
    return cases


generate_cli_tests(CliNotebookTest, _cases)


if __name__ == '__main__':
    unittest.main()
