"""Issue 13: athena-emu answers as real Athena was measured to answer (CONTRACT 2a, 3), through
boto3 (run under every Python that has it: botocore 1.43 and Debian's 1.29) and raw HTTP for
the bytes of bodies and headers.

Missing workgroups, error members and headers, validation texts, paging tokens, client
request tokens, workgroup configuration defaults, ARNs with an empty account, GetSession's
EngineConfiguration and the journal's numbers.
"""

import json
import re
import unittest

from emulator import SPARK, Emulator, session, step, workgroup

ROLE = 'arn:aws:iam::123456789012:role/r'
ENGINE = {'MaxConcurrentDpus': 4}  # botocore 1.29's model requires MaxConcurrentDpus
NOT_FOUND = 'WorkGroup is not found.'
DOC = {
    'workgroups': [workgroup('wg', profile='instant', configuration={'ExecutionRole': ROLE}),
                   # A fixture Spark workgroup that names no execution role.
                   workgroup('spark-bare', profile='instant')],
    'sessions': [session('bare-1', 'wg', [step(0, 'IDLE')])],  # no engine configuration
}
KEY_CONSTRAINTS = ('[Member must have length less than or equal to 255, Member must have length '
                   'greater than or equal to 1, Member must satisfy regular expression pattern: '
                   '[\\u0020-\\uD7FF\\uE000-\\uFFFD\\uD800\\uDC00-\\uDBFF\\uDFFF\\t]*]')


class FidelityBoto3Test(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = Emulator(fixtures=DOC).start()
        cls.c = cls.emu.client()
        cls.loose = cls.emu.client(parameter_validation=False)

    @classmethod
    def tearDownClass(cls):
        cls.emu.__exit__(None, None, None)

    def error(self, call, code, message, athena_code=None):
        from botocore.exceptions import ClientError
        with self.assertRaises(ClientError) as cm:
            call()
        r = cm.exception.response
        self.assertEqual(r['Error']['Code'], code, r)
        self.assertEqual(r['Error'].get('Message'), message, r)
        self.assertEqual(r['ResponseMetadata']['HTTPStatusCode'], 400, r)
        # Real Athena sends no X-Amzn-ErrorType (botocore lower-cases header names).
        self.assertNotIn('x-amzn-errortype', r['ResponseMetadata']['HTTPHeaders'], r)
        if athena_code is not None:
            self.assertEqual(r.get('AthenaErrorCode'), athena_code, r)
        return r

    def invalid(self, call, message, athena_code='INVALID_INPUT'):
        return self.error(call, 'InvalidRequestException', message, athena_code)

    def raw(self, op, body):
        r = self.emu.aws(op, json.dumps(body))
        self.assertIsNone(r.header('X-Amzn-ErrorType'), r)
        return r

    # -- 1, 2: missing workgroup; ErrorCode next to AthenaErrorCode; no X-Amzn-ErrorType --
    def test_missing_workgroup(self):
        calls = {
            'GetWorkGroup': lambda: self.c.get_work_group(WorkGroup='nope'),
            'UpdateWorkGroup': lambda: self.c.update_work_group(WorkGroup='nope', Description='d'),
            'DeleteWorkGroup': lambda: self.c.delete_work_group(WorkGroup='nope'),
            'StartSession': lambda: self.c.start_session(WorkGroup='nope', EngineConfiguration=ENGINE),
            'ListSessions': lambda: self.c.list_sessions(WorkGroup='nope'),
        }
        bodies = {'GetWorkGroup': {'WorkGroup': 'nope'}, 'UpdateWorkGroup': {'WorkGroup': 'nope'},
                  'DeleteWorkGroup': {'WorkGroup': 'nope'}, 'ListSessions': {'WorkGroup': 'nope'},
                  'StartSession': {'WorkGroup': 'nope', 'EngineConfiguration': ENGINE}}
        for op, call in calls.items():
            with self.subTest(op=op):
                self.invalid(call, NOT_FOUND)
                r = self.raw(op, bodies[op])
                self.assertEqual(r.status, 400, r)
                self.assertEqual(r.body, b'{"__type":"InvalidRequestException","Message":"WorkGroup is not '
                                         b'found.","AthenaErrorCode":"INVALID_INPUT","ErrorCode":"INVALID_INPUT"}')
                self.assertEqual(sorted(k.lower() for k, _ in r.headers),
                                 ['content-length', 'content-type', 'date', 'x-amzn-requestid'], r)

    # -- 3: validation texts -------------------------------------------------------------
    def test_constraint_messages_never_echo_the_value(self):
        self.invalid(lambda: self.loose.list_work_groups(MaxResults=51),
                     "1 validation error detected: Value at 'maxResults' failed to satisfy constraint: "
                     "Member must have value less than or equal to 50")
        self.invalid(lambda: self.loose.list_sessions(WorkGroup='bad name', MaxResults=0),
                     "2 validation errors detected: Value at 'workGroup' failed to satisfy constraint: "
                     "Member must satisfy regular expression pattern: [a-zA-Z0-9._-]{1,128}; Value at "
                     "'maxResults' failed to satisfy constraint: Member must have value greater than or "
                     "equal to 1")
        self.invalid(lambda: self.loose.get_work_group(),
                     "1 validation error detected: Value null at 'workGroup' failed to satisfy "
                     "constraint: Member must not be null")
        self.invalid(lambda: self.loose.start_session(WorkGroup='wg', EngineConfiguration={'MaxConcurrentDpus': 1}),
                     "1 validation error detected: Value at 'engineConfiguration.maxConcurrentDpus' failed "
                     "to satisfy constraint: Member must have value greater than or equal to 2")

    def test_map_keys_values_and_list_elements_are_reported_at_the_container(self):
        # AdditionalConfigs: botocore 1.29's model has no SparkProperties (the same ParametersMap).
        self.invalid(lambda: self.loose.start_session(WorkGroup='wg', EngineConfiguration=dict(
            ENGINE, AdditionalConfigs={'a\u0001b': 'v'})),
            "1 validation error detected: Value at 'engineConfiguration.additionalConfigs' failed to "
            "satisfy constraint: Map keys must satisfy constraint: " + KEY_CONSTRAINTS)
        self.invalid(lambda: self.loose.start_session(WorkGroup='wg', EngineConfiguration=dict(
            ENGINE, AdditionalConfigs={'k': 'v' * 51201})),
            "1 validation error detected: Value at 'engineConfiguration.additionalConfigs' failed to "
            "satisfy constraint: Map value must satisfy constraint: [Member must have length less "
            "than or equal to 51200]")
        self.invalid(lambda: self.loose.untag_resource(
            ResourceARN='arn:aws:athena:us-east-1:123456789012:workgroup/wg', TagKeys=['ok', '']),
            "1 validation error detected: Value at 'tagKeys' failed to satisfy constraint: Member "
            "must satisfy constraint: [Member must have length less than or equal to 128, Member "
            "must have length greater than or equal to 1]")
        # A tab and characters past U+FFFF are fine in a key.
        out = self.c.start_session(WorkGroup='wg', EngineConfiguration=dict(
            ENGINE, AdditionalConfigs={'a\tb \U0001F600': 'v'}))
        self.assertEqual(out['State'], 'CREATING')

    def test_identity_center_instance_arn_pattern(self):
        body = {'Name': 'ic', 'Configuration': {'IdentityCenterConfiguration': {
            'EnableIdentityCenter': True, 'IdentityCenterInstanceArn': 'arn:aws:sso:::instance/nope'}}}
        text = ("1 validation error detected: Value at 'configuration.identityCenterConfiguration."
                "identityCenterInstanceArn' failed to satisfy constraint: Member must satisfy regular "
                "expression pattern: ^arn:(aws|aws-us-gov|aws-cn|aws-iso|aws-iso-b):sso:::instance/"
                "(sso)?ins-[a-zA-Z0-9-.]{16}$")
        shape = self.c.meta.service_model.shape_for('WorkGroupConfiguration')
        if 'IdentityCenterConfiguration' in shape.members:
            self.invalid(lambda: self.loose.create_work_group(**body), text)
        else:  # botocore 1.29's model predates the member: it cannot send it, raw HTTP can
            self.assertEqual(self.raw('CreateWorkGroup', body).json()['Message'], text)

    def test_wrong_json_types_get_jacksons_text(self):
        for call, text in [
                (lambda: self.loose.list_work_groups(MaxResults='5'), 'STRING_VALUE can not be converted to an Integer'),
                (lambda: self.loose.list_work_groups(MaxResults=True), 'TRUE_VALUE can not be converted to an Integer'),
                (lambda: self.loose.get_work_group(WorkGroup=5), 'NUMBER_VALUE can not be converted to a String'),
                (lambda: self.loose.get_work_group(WorkGroup=False), 'FALSE_VALUE can not be converted to a String'),
                (lambda: self.loose.delete_work_group(WorkGroup='x', RecursiveDeleteOption='yes'),
                 'STRING_VALUE can not be converted to a Boolean')]:
            self.error(call, 'SerializationException', text)
        for body, text in [
                ({'WorkGroup': ['wg']}, 'Start of list found where not expected'),
                ({'WorkGroup': {'a': 1}}, 'Start of structure or map found where not expected.'),
                ({'WorkGroup': 'wg', 'ConfigurationUpdates': 'x'}, 'Expected null'),
                ({'WorkGroup': 'wg', 'ConfigurationUpdates': {'BytesScannedCutoffPerQuery': '1'}},
                 'STRING_VALUE can not be converted to a Long')]:
            self.assertEqual(self.raw('UpdateWorkGroup', body).json_exact(),
                             {'__type': 'SerializationException', 'Message': text})
        self.assertEqual(self.raw('TagResource', {'ResourceARN': 'a', 'Tags': {}}).json()['Message'],
                         'Expected list or null')

    def test_numbers(self):
        # A decimal is truncated and accepted; past 32 bits is a range violation.
        out = self.loose.list_work_groups(MaxResults=1.5)
        self.assertEqual(len(out['WorkGroups']), 1)
        self.assertIn('NextToken', out)
        for big in (2 ** 31, 2 ** 40, 2 ** 64):
            self.invalid(lambda: self.loose.list_work_groups(MaxResults=big),
                         "1 validation error detected: Value at 'maxResults' failed to satisfy "
                         "constraint: Member must have value less than or equal to 50")

    # -- 4: paging tokens ----------------------------------------------------------------
    def test_paging_tokens(self):
        first = self.c.list_work_groups(MaxResults=1)
        token = first['NextToken']
        second = self.c.list_work_groups(MaxResults=1, NextToken=token)
        self.assertNotEqual(first['WorkGroups'], second['WorkGroups'])
        for i in (0, len(token) // 2, len(token) - 3):
            bad = token[:i] + ('B' if token[i] != 'B' else 'C') + token[i + 1:]
            self.invalid(lambda: self.c.list_work_groups(MaxResults=1, NextToken=bad),
                         'The nextPageToken is malformed: ' + bad)
        for bad in ('not-a-token', '\u2603', 'czE6MTox'):
            self.invalid(lambda: self.c.list_sessions(WorkGroup='wg', NextToken=bad),
                         'The nextPageToken is malformed: ' + bad)
            self.invalid(lambda: self.c.list_calculation_executions(SessionId='bare-1', NextToken=bad),
                         'The nextPageToken is malformed: ' + bad)
            self.invalid(lambda: self.c.list_executors(SessionId='bare-1', NextToken=bad),
                         'The nextPageToken is malformed: ' + bad)
            self.invalid(lambda: self.c.list_tags_for_resource(
                ResourceARN='arn:aws:athena:us-east-1:123456789012:workgroup/wg', NextToken=bad),
                'The nextPageToken is malformed: ' + bad)
        # The named resource must exist before the token is read.
        self.invalid(lambda: self.c.list_sessions(WorkGroup='nope', NextToken='x'), NOT_FOUND)
        self.error(lambda: self.c.list_calculation_executions(SessionId='nope', NextToken='x'),
                   'ResourceNotFoundException', 'Session nope does not exist.')
        self.error(lambda: self.c.list_executors(SessionId='nope', NextToken='x'),
                   'ResourceNotFoundException', 'Session nope does not exist.')
        # A token of one list is no token of another.
        self.invalid(lambda: self.c.list_sessions(WorkGroup='wg', NextToken=token),
                     'The nextPageToken is malformed: ' + token)

    # -- 5: ClientRequestToken -----------------------------------------------------------
    def test_client_request_token(self):
        token = 'fidelity-token-%s' % ('0' * 20)
        # A rejected call does not consume its token; validation comes before the lookup.
        self.invalid(lambda: self.c.start_session(WorkGroup='nope', EngineConfiguration=ENGINE,
                                                  ClientRequestToken=token), NOT_FOUND)
        first = self.c.start_session(WorkGroup='wg', EngineConfiguration=ENGINE, Description='one',
                                     ClientRequestToken=token)
        again = self.c.start_session(WorkGroup='wg', EngineConfiguration=ENGINE, Description='one',
                                     ClientRequestToken=token)
        self.assertEqual(again['SessionId'], first['SessionId'])
        self.invalid(lambda: self.c.start_session(WorkGroup='wg', EngineConfiguration=ENGINE,
                                                  Description='two', ClientRequestToken=token),
                     'Idempotent parameters do not match', 'IDEMPOTENT_PARAMETER_MISMATCH')
        r = self.raw('StartSession', {'WorkGroup': 'wg', 'EngineConfiguration': ENGINE,
                                      'Description': 'two', 'ClientRequestToken': token})
        self.assertEqual(r.json(), {'__type': 'InvalidRequestException',
                                    'Message': 'Idempotent parameters do not match',
                                    'AthenaErrorCode': 'IDEMPOTENT_PARAMETER_MISMATCH',
                                    'ErrorCode': 'IDEMPOTENT_PARAMETER_MISMATCH'})
        self.invalid(lambda: self.loose.start_session(WorkGroup='wg', EngineConfiguration=ENGINE,
                                                      Description='two', ClientRequestToken=token,
                                                      SessionIdleTimeoutInMinutes=0),
                     "1 validation error detected: Value at 'sessionIdleTimeoutInMinutes' failed to "
                     "satisfy constraint: Member must have value greater than or equal to 1")
        # Length: characters for the model's 32-128, UTF-8 bytes for real Athena's 128.
        self.invalid(lambda: self.loose.start_session(WorkGroup='wg', EngineConfiguration=ENGINE,
                                                      ClientRequestToken='t' * 31),
                     "1 validation error detected: Value at 'clientRequestToken' failed to satisfy "
                     "constraint: Member must have length greater than or equal to 32")
        self.invalid(lambda: self.loose.start_session(WorkGroup='wg', EngineConfiguration=ENGINE,
                                                      ClientRequestToken='t' * 129),
                     "1 validation error detected: Value at 'clientRequestToken' failed to satisfy "
                     "constraint: Member must have length less than or equal to 128")
        self.invalid(lambda: self.c.start_session(WorkGroup='wg', EngineConfiguration=ENGINE,
                                                  ClientRequestToken='\u00e9' * 100),
                     'clientRequestToken exceeds maximum allowed length 128')
        self.invalid(lambda: self.c.start_calculation_execution(SessionId='bare-1', CodeBlock='1',
                                                                ClientRequestToken='\u00e9' * 65),
                     'clientRequestToken exceeds maximum allowed length 128')
        ok = self.c.start_session(WorkGroup='wg', EngineConfiguration=ENGINE, ClientRequestToken='\u00e9' * 64)
        self.assertEqual(ok['State'], 'CREATING')

    # -- 6: workgroup configuration ------------------------------------------------------
    def flags(self, name):
        """The four flags: from boto3, and from the raw body for a member this botocore's
        model does not know (1.29 has no EnableMinimumEncryptionConfiguration)."""
        cfg = self.c.get_work_group(WorkGroup=name)['WorkGroup']['Configuration']
        raw = self.raw('GetWorkGroup', {'WorkGroup': name}).json()['WorkGroup']['Configuration']
        out = {}
        for k in ('EnableMinimumEncryptionConfiguration', 'EnforceWorkGroupConfiguration',
                  'PublishCloudWatchMetricsEnabled', 'RequesterPaysEnabled'):
            self.assertIn(k, raw)
            out[k] = cfg.get(k, raw[k])
            self.assertIs(out[k], raw[k])
        return out

    def test_workgroup_configuration_defaults(self):
        self.assertEqual(self.flags('primary'), dict.fromkeys(self.flags('primary'), False))
        self.c.create_work_group(Name='plain-sql')
        self.assertEqual(self.flags('plain-sql'), {
            'EnableMinimumEncryptionConfiguration': False, 'EnforceWorkGroupConfiguration': True,
            'PublishCloudWatchMetricsEnabled': True, 'RequesterPaysEnabled': False})
        self.c.create_work_group(Name='explicit', Configuration={
            'EnforceWorkGroupConfiguration': False, 'RequesterPaysEnabled': True})
        self.assertEqual(self.flags('explicit'), {
            'EnableMinimumEncryptionConfiguration': False, 'EnforceWorkGroupConfiguration': False,
            'PublishCloudWatchMetricsEnabled': True, 'RequesterPaysEnabled': True})

    def test_fixture_spark_workgroup_gets_the_default_role(self):
        wg = self.c.get_work_group(WorkGroup='spark-bare')['WorkGroup']
        self.assertEqual(wg['Configuration']['ExecutionRole'], 'arn:aws:iam::123456789012:role/athena-emu-spark')
        self.assertEqual(wg['Configuration']['EngineVersion']['SelectedEngineVersion'], SPARK)
        self.c.update_work_group(WorkGroup='spark-bare', State='DISABLED', Description='off')
        wg = self.c.get_work_group(WorkGroup='spark-bare')['WorkGroup']
        self.assertEqual((wg['State'], wg['Description']), ('DISABLED', 'off'))
        self.c.update_work_group(WorkGroup='spark-bare', State='ENABLED',
                                 ConfigurationUpdates={'PublishCloudWatchMetricsEnabled': False})
        wg = self.c.get_work_group(WorkGroup='spark-bare')['WorkGroup']
        self.assertEqual(wg['Configuration']['ExecutionRole'], 'arn:aws:iam::123456789012:role/athena-emu-spark')
        self.assertIs(wg['Configuration']['PublishCloudWatchMetricsEnabled'], False)

    # -- 7: an ARN with an empty account is the caller's ----------------------------------
    def test_empty_account_arn(self):
        empty = 'arn:aws:athena:us-east-1::workgroup/wg'
        full = 'arn:aws:athena:us-east-1:123456789012:workgroup/wg'
        self.c.tag_resource(ResourceARN=empty, Tags=[{'Key': 'via', 'Value': 'empty-account'}])
        self.assertIn({'Key': 'via', 'Value': 'empty-account'}, self.c.list_tags_for_resource(ResourceARN=full)['Tags'])
        self.assertIn({'Key': 'via', 'Value': 'empty-account'}, self.c.list_tags_for_resource(ResourceARN=empty)['Tags'])
        self.c.untag_resource(ResourceARN=empty, TagKeys=['via'])
        self.assertNotIn('via', [t['Key'] for t in self.c.list_tags_for_resource(ResourceARN=full)['Tags']])
        self.error(lambda: self.c.list_tags_for_resource(ResourceARN='arn:aws:athena:us-east-1::workgroup/nope'),
                   'ResourceNotFoundException',
                   'The resource arn:aws:athena:us-east-1::workgroup/nope does not exist.')

    # -- 8: GetSession's EngineConfiguration ----------------------------------------------
    def test_get_session_engine_configuration_is_complete(self):
        cfg = self.c.get_session(SessionId='bare-1')['EngineConfiguration']
        self.assertEqual(cfg, {'CoordinatorDpuSize': 1, 'MaxConcurrentDpus': 20, 'DefaultExecutorDpuSize': 1})
        sid = self.c.start_session(WorkGroup='wg', EngineConfiguration={
            'MaxConcurrentDpus': 6, 'AdditionalConfigs': {'x': '1'}})['SessionId']
        cfg = self.c.get_session(SessionId=sid)['EngineConfiguration']
        self.assertEqual(cfg, {'MaxConcurrentDpus': 6, 'AdditionalConfigs': {'x': '1'},
                               'CoordinatorDpuSize': 1, 'DefaultExecutorDpuSize': 1})

    # -- 9: the journal's numbers ----------------------------------------------------------
    def test_journal_latency_is_a_plain_decimal(self):
        self.c.get_session_status(SessionId='bare-1')
        body = self.emu.http('GET', '/_emulator/requests').body.decode()
        values = re.findall(r'"latency_ms":([^,}]*)', body)
        self.assertTrue(values, body[:300])
        for v in values:
            self.assertRegex(v, r'^[0-9]+(\.[0-9]+)?$')


if __name__ == '__main__':
    unittest.main()
