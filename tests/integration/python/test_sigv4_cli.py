"""--auth sigv4 through the AWS CLI (CONTRACT §6; docs/sigv4.md).

For each executable in ATHENA_EMU_AWS_CLIS (see test_cli.py): the keys of a
credentials entry work (and the requests land in the entry's account),
temporary keys work with their session token, a wrong secret fails with
InvalidSignatureException.
"""

import json
import os
import shutil
import tempfile
import unittest

from test_cli import CliCase, generate_cli_tests

KEY = {'access_key_id': 'AKIDCLI', 'secret_access_key': 'cli/Secret+1',
       'account_id': '555566667777'}
TEMP = {'access_key_id': 'ASIACLI', 'secret_access_key': 'cli-temp',
        'account_id': '888899990000', 'session_token': 'cli-session-token=='}


class SigV4CliTest(CliCase):
    def setUp(self):
        tmp = tempfile.mkdtemp(prefix='athena-emu-sigv4-cli-')
        self.addCleanup(shutil.rmtree, tmp, True)
        path = os.path.join(tmp, 'credentials.json')
        with open(path, 'w') as fh:
            json.dump([KEY, TEMP], fh)
        self.emulator_args = ('--auth', 'sigv4', '--credentials', path)
        self.use(KEY)
        super().setUp()

    def use(self, cred, secret=None, token=None):
        self.cli_env = {'AWS_ACCESS_KEY_ID': cred['access_key_id'],
                        'AWS_SECRET_ACCESS_KEY': secret or cred['secret_access_key']}
        if token:
            self.cli_env['AWS_SESSION_TOKEN'] = token

    def accounts(self):
        status, doc = self.emu.admin('GET', 'requests')
        self.assertEqual(status, 200, doc)
        return [(r['operation'], r['account'], r['status']) for r in doc['requests']]

    def right_keys(self, cli):
        self.ok(cli, ['create-work-group', '--name', 'cli-wg'])
        got = self.ok(cli, ['get-work-group', '--work-group', 'cli-wg'])
        self.assertEqual(got['WorkGroup']['Name'], 'cli-wg')
        listed = self.ok(cli, ['list-work-groups'])
        self.assertEqual([w['Name'] for w in listed['WorkGroups']],
                         ['cli-wg', 'primary'])
        self.assertEqual(self.accounts(), [
            ('CreateWorkGroup', '555566667777', 200),
            ('GetWorkGroup', '555566667777', 200),
            ('ListWorkGroups', '555566667777', 200)])

    def session_token(self, cli):
        self.use(TEMP, token=TEMP['session_token'])
        self.ok(cli, ['list-work-groups'])
        self.use(TEMP)
        rc, out, err = self.run_cli(cli, ['list-work-groups'])
        self.assertNotEqual(rc, 0, out)
        self.assertIn('UnrecognizedClientException', err)
        self.assertEqual(self.accounts(), [
            ('ListWorkGroups', '888899990000', 200),
            ('ListWorkGroups', '888899990000', 400)])

    def wrong_secret(self, cli, version):
        self.use(KEY, secret='not-the-secret')
        rc, out, err = self.run_cli(cli, ['list-work-groups'])
        self.assertEqual(rc, 255 if version[0] == 1 else 254, (out, err))
        self.assertIn('InvalidSignatureException', err)
        self.assertIn('The request signature we calculated does not match', err)
        self.assertEqual(out.strip(), '')


generate_cli_tests(SigV4CliTest, lambda cli, version: {
    'right_keys': lambda self, cli, v: self.right_keys(cli),
    'session_token': lambda self, cli, v: self.session_token(cli),
    'wrong_secret': lambda self, cli, v: self.wrong_secret(cli, v),
})


if __name__ == '__main__':
    unittest.main()
