"""Issue 13 through each AWS CLI in ATHENA_EMU_AWS_CLIS (v1 and Debian's v2): the measured
texts as the CLI prints them (`An error occurred (Code) when calling the Op operation: Message`),
paging tokens, client request tokens, workgroup defaults, an ARN with an empty account and
GetSession's EngineConfiguration (which CLI v2.9 parses with botocore's old model).
"""

import json
import unittest

from emulator import session, step, workgroup
from test_cli import CliCase, generate_cli_tests

ROLE = 'arn:aws:iam::123456789012:role/r'
DOC = {
    'workgroups': [workgroup('wg', profile='instant', configuration={'ExecutionRole': ROLE},
                             tags={'via': 'fixture'}),
                   workgroup('spark-bare', profile='instant')],
    'sessions': [session('bare-1', 'wg', [step(0, 'IDLE')])],
}
ENGINE = json.dumps({'MaxConcurrentDpus': 4})


class CliFidelityTest(CliCase):
    def setUp(self):
        super().setUp()
        self.emu.load(DOC)

    def fails(self, cli, args, op, message):
        rc, out, err = self.run_cli(cli, args)
        self.assertNotEqual(rc, 0, out)
        self.assertIn('An error occurred (InvalidRequestException) when calling the %s operation: %s'
                      % (op, message), err)
        return err

    def story(self, cli):
        self.fails(cli, ['get-work-group', '--work-group', 'nope'], 'GetWorkGroup', 'WorkGroup is not found.')
        self.fails(cli, ['list-work-groups', '--no-paginate', '--max-results', '51'], 'ListWorkGroups',
                   "1 validation error detected: Value at 'maxResults' failed to satisfy constraint: "
                   "Member must have value less than or equal to 50")

        page = self.ok(cli, ['list-work-groups', '--no-paginate', '--max-results', '1'])
        token = page['NextToken']
        bad = token[:5] + ('B' if token[5] != 'B' else 'C') + token[6:]
        self.fails(cli, ['list-work-groups', '--no-paginate', '--max-results', '1', '--next-token', bad],
                   'ListWorkGroups', 'The nextPageToken is malformed: ' + bad)
        # A real token leads to the next page.
        page = self.ok(cli, ['list-work-groups', '--no-paginate', '--max-results', '1', '--next-token', token])
        self.assertEqual([w['Name'] for w in page['WorkGroups']], ['spark-bare'])

        token = 'cli-fidelity-token-' + '0' * 20
        self.ok(cli, ['start-session', '--work-group', 'wg', '--engine-configuration', ENGINE,
                      '--description', 'one', '--client-request-token', token])
        self.fails(cli, ['start-session', '--work-group', 'wg', '--engine-configuration', ENGINE,
                         '--description', 'two', '--client-request-token', token],
                   'StartSession', 'Idempotent parameters do not match')

        primary = self.ok(cli, ['get-work-group', '--work-group', 'primary'])['WorkGroup']['Configuration']
        for flag in ('EnforceWorkGroupConfiguration', 'PublishCloudWatchMetricsEnabled', 'RequesterPaysEnabled'):
            self.assertIs(primary[flag], False, primary)
        self.ok(cli, ['update-work-group', '--work-group', 'spark-bare', '--state', 'DISABLED'])
        bare = self.ok(cli, ['get-work-group', '--work-group', 'spark-bare'])['WorkGroup']
        self.assertEqual(bare['State'], 'DISABLED')
        self.assertEqual(bare['Configuration']['ExecutionRole'], 'arn:aws:iam::123456789012:role/athena-emu-spark')
        # Created without values (a fixture here): enforces its configuration, publishes metrics.
        self.assertIs(bare['Configuration']['EnforceWorkGroupConfiguration'], True, bare)
        self.assertIs(bare['Configuration']['PublishCloudWatchMetricsEnabled'], True, bare)

        arn = 'arn:aws:athena:us-east-1::workgroup/wg'
        tags = self.ok(cli, ['list-tags-for-resource', '--resource-arn', arn])['Tags']
        self.assertEqual(tags, [{'Key': 'via', 'Value': 'fixture'}])

        cfg = self.ok(cli, ['get-session', '--session-id', 'bare-1'])['EngineConfiguration']
        self.assertEqual(cfg, {'CoordinatorDpuSize': 1, 'MaxConcurrentDpus': 20, 'DefaultExecutorDpuSize': 1})


generate_cli_tests(CliFidelityTest, lambda cli, version: {
    'fidelity': lambda self, cli, v: self.story(cli),  # issue 13
})


if __name__ == '__main__':
    unittest.main()
