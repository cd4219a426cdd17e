"""Chosen ids (issue 16): StartSession's control tag athena-emu:session-id, the admin call
POST /_emulator/sessions/{id}/next-calculation-id, and control tags kept out of answers.

Through boto3 where its model has StartSession's Tags (botocore >= 1.31); Debian's botocore
1.29 has no such member, so there the StartSession requests go as raw AWS JSON 1.1 and every
other call through boto3.
"""
import json
import unittest

from emulator import Emulator, SPARK, is_uuid

ENGINE = {'MaxConcurrentDpus': 20}
ARN = 'arn:aws:athena:us-east-1:123456789012:session/%s'
FIXTURES = {'workgroups': [{'name': 'wg', 'engine_version': SPARK, 'profile': 'instant'}]}


def tags(d):
    return [{'Key': k, 'Value': v} for k, v in d.items()]


class ChosenIds(unittest.TestCase):
    def setUp(self):
        self.emu = Emulator(fixtures=FIXTURES).start()
        self.addCleanup(self.emu.stop)
        self.athena = self.emu.client()
        self.has_tags = 'Tags' in self.athena.meta.service_model.operation_model(
            'StartSession').input_shape.members

    def start(self, tag_dict, **extra):
        """StartSession with Tags: (status, error code or None, body)."""
        params = dict(WorkGroup='wg', EngineConfiguration=ENGINE, Tags=tags(tag_dict), **extra)
        if self.has_tags:
            try:
                out = self.athena.start_session(**params)
                return 200, None, out
            except self.athena.exceptions.ClientError as e:
                return (e.response['ResponseMetadata']['HTTPStatusCode'], e.response['Error']['Code'],
                        e.response['Error'])
        r = self.emu.aws('StartSession', params)
        doc = r.json()
        return r.status, doc.get('__type'), doc

    def test_session_gets_the_chosen_id(self):
        status, code, out = self.start({'athena-emu:session-id': 'etl-nightly', 'team': 'data'})
        self.assertEqual((status, code), (200, None), out)
        self.assertEqual(out['SessionId'], 'etl-nightly')
        got = self.athena.get_session(SessionId='etl-nightly')
        self.assertEqual(got['SessionId'], 'etl-nightly')
        self.assertNotIn('Tags', got)
        self.assertEqual(got['SessionConfiguration']['WorkingDirectory'],
                         's3://athena-emu-results/wg/etl-nightly/')
        listed = self.athena.list_tags_for_resource(ResourceARN=ARN % 'etl-nightly')['Tags']
        self.assertEqual(listed, [{'Key': 'team', 'Value': 'data'}])
        ids = [s['SessionId'] for s in self.athena.list_sessions(WorkGroup='wg')['Sessions']]
        self.assertEqual(ids, ['etl-nightly'])
        # Without the tag: a UUID as before.
        status, _, out = self.start({'team': 'data'})
        self.assertTrue(is_uuid(out['SessionId']), out)

    def test_an_id_taken_in_the_tenant_is_session_already_exists(self):
        self.assertEqual(self.start({'athena-emu:session-id': 's-1'})[0], 200)
        status, code, err = self.start({'athena-emu:session-id': 's-1'})
        self.assertEqual((status, code), (400, 'SessionAlreadyExistsException'))
        self.assertEqual(err['Message'],
                         'Session s-1 already exists in account 123456789012 region us-east-1: choose '
                         'another id in the tag athena-emu:session-id, or reset the emulator.')
        # The raw body carries exactly the modelled members.
        raw = self.emu.aws('StartSession', {'WorkGroup': 'wg', 'EngineConfiguration': ENGINE,
                                            'Tags': tags({'athena-emu:session-id': 's-1'})})
        self.assertEqual(set(raw.json()), {'__type', 'Message'})
        # Another account may use the same id.
        self.emu.load({'workgroups': [{'name': 'wg', 'engine_version': SPARK, 'account': '210987654321'}]})
        body = {'WorkGroup': 'wg', 'EngineConfiguration': ENGINE, 'Tags': tags({'athena-emu:session-id': 's-1'})}
        r = self.emu.aws('StartSession', body, headers={
            'Authorization': 'AWS4-HMAC-SHA256 Credential=210987654321/20260101/us-east-1/athena/aws4_request, '
                             'SignedHeaders=host, Signature=0'})
        self.assertEqual((r.status, r.json()['SessionId']), (200, 's-1'), r)
        # A rejected start consumed nothing: only one s-1.
        self.assertEqual(len(self.athena.list_sessions(WorkGroup='wg')['Sessions']), 1)

    def test_the_chosen_id_is_validated_like_a_session_id(self):
        status, code, err = self.start({'athena-emu:session-id': ''})
        self.assertEqual((status, code), (400, 'InvalidRequestException'))
        self.assertIn('athena-emu:session-id must hold a session id of 1 to 256 characters (got 0)', err['Message'])
        self.assertEqual(self.start({'athena-emu:session-id': 'é' * 256})[0], 200)

    def test_next_calculation_id(self):
        self.start({'athena-emu:session-id': 's-1'})
        status, doc = self.emu.admin('POST', 'sessions/s-1/next-calculation-id', {'id': 'calc-1'})
        self.assertEqual((status, doc), (200, {'session_id': 's-1', 'next_calculation_id': 'calc-1'}))
        c = self.athena.start_calculation_execution(SessionId='s-1', CodeBlock='print(1)')
        self.assertEqual(c['CalculationExecutionId'], 'calc-1')
        got = self.athena.get_calculation_execution(CalculationExecutionId='calc-1')
        self.assertEqual(got['SessionId'], 's-1')
        self.assertTrue(got['Result']['ResultS3Uri'].endswith('/s-1/calc-1/'), got['Result'])
        # Used once: the next calculation gets a UUID.
        self.emu.advance(1)
        c2 = self.athena.start_calculation_execution(SessionId='s-1', CodeBlock='print(2)')
        self.assertTrue(is_uuid(c2['CalculationExecutionId']), c2)
        # A clash with an existing calculation: 409 naming it.
        status, doc = self.emu.admin('POST', 'sessions/s-1/next-calculation-id', {'id': 'calc-1'})
        self.assertEqual(status, 409)
        self.assertIn('calculation calc-1 already exists', doc['error'])

    def test_next_calculation_id_errors(self):
        self.start({'athena-emu:session-id': 's-1'})
        cases = [('sessions/nope/next-calculation-id', {'id': 'c'}, 404, "no session 'nope'"),
                 ('sessions/s-1/next-calculation-id', {}, 400, 'id is required'),
                 ('sessions/s-1/next-calculation-id', {'id': 7}, 400, 'id is required'),
                 ('sessions/s-1/next-calculation-id', {'id': ''}, 400, '1 to 36 characters (got 0)'),
                 ('sessions/s-1/next-calculation-id', {'id': 'x' * 37}, 400, '1 to 36 characters (got 37)')]
        for path, body, want_status, want_text in cases:
            status, doc = self.emu.admin('POST', path, body)
            self.assertEqual(status, want_status, (path, body, doc))
            self.assertIn(want_text, doc['error'])
        status, doc = self.emu.admin('GET', 'sessions/s-1/next-calculation-id')
        self.assertEqual(status, 404)
        self.assertIn('use POST', doc['error'])

    def test_next_calculation_id_survives_the_state_round_trip_and_a_restart(self):
        self.start({'athena-emu:session-id': 's-1'})
        self.emu.admin_ok('POST', 'sessions/s-1/next-calculation-id', {'id': 'calc-7'})
        doc = self.emu.admin_ok('GET', 'state')
        exported = [s for s in doc['sessions'] if s['id'] == 's-1'][0]
        self.assertEqual(exported['next_calculation_id'], 'calc-7')
        self.emu.admin_ok('POST', 'reset', {'fixtures': False})
        self.emu.load(doc)
        c = self.athena.start_calculation_execution(SessionId='s-1', CodeBlock='print(1)')
        self.assertEqual(c['CalculationExecutionId'], 'calc-7')
        used = [s for s in self.emu.admin_ok('GET', 'state')['sessions'] if s['id'] == 's-1'][0]
        self.assertNotIn('next_calculation_id', used)
        bad = {'workgroups': [{'name': 'wg2', 'engine_version': SPARK}],
               'sessions': [{'id': 'x', 'workgroup': 'wg2', 'next_calculation_id': 'y' * 37}]}
        status, err = self.emu.admin('POST', 'fixtures', bad)
        self.assertEqual(status, 400)
        self.assertIn('sessions[0].next_calculation_id', err['error'])

    def test_scenario_control_tag_is_not_listed_either(self):
        self.emu.load({'scenarios': {'born-idle': [{'after_ms': 0, 'state': 'IDLE'}]}})
        status, _, out = self.start({'athena-emu:scenario': 'born-idle', 'athena-emu:session-id': 'sc',
                                     'k': 'v'})
        self.assertEqual((status, out['State']), (200, 'IDLE'))
        self.assertEqual(self.athena.list_tags_for_resource(ResourceARN=ARN % 'sc')['Tags'],
                         [{'Key': 'k', 'Value': 'v'}])
        state = self.emu.admin_ok('GET', 'state')
        exported = [s for s in state['sessions'] if s['id'] == 'sc'][0]
        self.assertEqual(exported.get('tags'), {'k': 'v'}, json.dumps(exported))


if __name__ == '__main__':
    unittest.main()
