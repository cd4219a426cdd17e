"""Calculation output over S3 (issue 14; CONTRACT §3b, §4 stdout/stderr/result_text).

boto3's S3 client, with the same endpoint_url as the Athena client and path-style
addressing, reads what a calculation wrote once it is final: stdout, stderr and
the result of a COMPLETED and a FAILED calculation, head_object, ranges,
list_objects_v2 paging; the errors S3 gives (NoSuchKey before the end,
InvalidRange, AccessDenied for writes, NoSuchBucket); tenancy; a fault rule on
s3:GetObject; the journal, the metrics and the state round trip. Manual clock:
nothing sleeps.
"""

import hashlib
import unittest

from emulator import Emulator, at, session, step, workgroup

ROLE = 'arn:aws:iam::123456789012:role/r'
WG = 'wg-s3'
OUT = 's3://emu-out/spark-results/'
PROFILE = {'creating_ms': 0, 'created_ms': 0, 'terminating_ms': 0,
           'calculation_creating_ms': 100, 'calculation_queued_ms': 200,
           'calculation_running_ms': 1000, 'calculation_canceling_ms': 300}
DONE_AT = 1300
OUTCOMES = [
    {'match': {'code_contains': 'raise'}, 'state': 'FAILED',
     'reason': 'ValueError: bad input', 'stdout': 'before the error\n'},
    {'match': {'code_contains': 'hello'}, 'state': 'COMPLETED',
     'stdout': 'hello world\n', 'stderr': 'a warning\n',
     'result_text': '{"answer": 42}'},
]
TRACEBACK = ('Traceback (most recent call last):\n'
             '  File "<stdin>", line 1, in <module>\n'
             'ValueError: bad input\n')


def fixtures():
    return {
        'profiles': {'calc': PROFILE},
        'workgroups': [
            workgroup(WG, profile='calc', configuration={
                'ExecutionRole': ROLE,
                'ResultConfiguration': {'OutputLocation': OUT}}),
            workgroup('wg-plain', profile='calc',
                      configuration={'ExecutionRole': ROLE}),
        ],
        'sessions': [
            session('s3-a', WG, [step(0, 'IDLE')]),
            session('s3-b', WG, [step(0, 'IDLE')]),
            session('s3-c', 'wg-plain', [step(0, 'IDLE')]),
        ],
        'outcomes': OUTCOMES,
    }


def split(uri):
    assert uri.startswith('s3://'), uri
    bucket, _, key = uri[5:].partition('/')
    return bucket, key


class S3Outputs(unittest.TestCase):
    def setUp(self):
        self.emu = Emulator(fixtures='none').start()
        self.addCleanup(self.emu.stop)
        self.emu.admin_ok('POST', 'fixtures', fixtures())
        self.athena = self.emu.client()

    def s3(self, access_key='AKIDEXAMPLE', **s3_config):
        import boto3
        from botocore.config import Config
        cfg = Config(s3=dict({'addressing_style': 'path'}, **s3_config),
                     retries={'total_max_attempts': 1, 'mode': 'legacy'})
        client = boto3.session.Session().client(
            's3', endpoint_url=self.emu.url, region_name='us-east-1',
            aws_access_key_id=access_key, aws_secret_access_key='secret',
            config=cfg)
        self.emu.clients.append(client)  # closed with the emulator
        return client

    def run_calc(self, sid, code, finish=True):
        cid = self.athena.start_calculation_execution(
            SessionId=sid, CodeBlock=code)['CalculationExecutionId']
        if finish:
            self.emu.advance(DONE_AT)
        return cid, self.athena.get_calculation_execution(
            CalculationExecutionId=cid)

    def read(self, s3, uri, **kw):
        bucket, key = split(uri)
        return s3.get_object(Bucket=bucket, Key=key, **kw)

    def assert_s3_error(self, fn, code, status):
        from botocore.exceptions import ClientError
        with self.assertRaises(ClientError) as cm:
            fn()
        err = cm.exception.response
        self.assertEqual(err['Error']['Code'], code, err)
        self.assertEqual(err['ResponseMetadata']['HTTPStatusCode'], status)
        self.assertTrue(err['ResponseMetadata']['RequestId'], err)
        return err

    # -- content ---------------------------------------------------------
    def test_completed_calculation_output_under_the_working_directory(self):
        s3 = self.s3()
        cid, calc = self.run_calc('s3-a', 'print("hello")')
        self.assertEqual(calc['Status']['State'], 'COMPLETED')
        wd = calc['WorkingDirectory']
        self.assertEqual(wd, OUT + 's3-a/')
        res = calc['Result']
        self.assertEqual(res['StdOutS3Uri'], wd + cid + '/stdout.txt')
        self.assertEqual(res['StdErrorS3Uri'], wd + cid + '/stderr.txt')
        self.assertEqual(res['ResultS3Uri'], wd + cid + '/')
        out = self.read(s3, res['StdOutS3Uri'])
        self.assertEqual(out['Body'].read(), b'hello world\n')
        self.assertEqual(out['ContentType'], 'text/plain')
        self.assertEqual(out['ContentLength'], 12)
        self.assertEqual(out['ETag'],
                         '"%s"' % hashlib.md5(b'hello world\n').hexdigest())
        self.assertEqual(out['LastModified'], at(DONE_AT).replace(microsecond=0))
        self.assertEqual(self.read(s3, res['StdErrorS3Uri'])['Body'].read(),
                         b'a warning\n')
        result = self.read(s3, res['ResultS3Uri'] + 'result.json')
        self.assertEqual(result['Body'].read(), b'{"answer": 42}')
        self.assertEqual(result['ContentType'], res['ResultType'])

    def test_failed_calculation_stderr_is_a_traceback_tail(self):
        s3 = self.s3()
        cid, calc = self.run_calc('s3-a', 'raise ValueError("bad input")')
        self.assertEqual(calc['Status']['State'], 'FAILED')
        res = calc['Result']
        self.assertNotIn('ResultS3Uri', res)
        self.assertEqual(self.read(s3, res['StdOutS3Uri'])['Body'].read(),
                         b'before the error\n')
        self.assertEqual(self.read(s3, res['StdErrorS3Uri'])['Body'].read(),
                         TRACEBACK.encode())
        bucket, key = split(res['StdErrorS3Uri'])
        result_key = key.rsplit('/', 1)[0] + '/result.json'
        self.assert_s3_error(lambda: s3.get_object(Bucket=bucket, Key=result_key),
                             'NoSuchKey', 404)

    def test_defaults_without_a_rule_and_default_bucket(self):
        s3 = self.s3()
        cid, calc = self.run_calc('s3-c', 'print(1)')
        res = calc['Result']
        self.assertEqual(res['StdOutS3Uri'],
                         's3://athena-emu-results/wg-plain/s3-c/%s/stdout.txt' % cid)
        for uri in (res['StdOutS3Uri'], res['StdErrorS3Uri'],
                    res['ResultS3Uri'] + 'result.json'):
            obj = self.read(s3, uri)
            self.assertEqual(obj['Body'].read(), b'', uri)
            self.assertEqual(obj['ContentLength'], 0)

    def test_no_such_key_until_the_calculation_is_final(self):
        s3 = self.s3()
        cid, calc = self.run_calc('s3-a', 'print("hello")', finish=False)
        uri = OUT + 's3-a/%s/stdout.txt' % cid
        bucket, key = split(uri)
        err = self.assert_s3_error(lambda: s3.get_object(Bucket=bucket, Key=key),
                                   'NoSuchKey', 404)
        self.assertEqual(err['Error']['Key'], key)
        self.emu.advance(DONE_AT - 1)
        self.assert_s3_error(lambda: s3.get_object(Bucket=bucket, Key=key),
                             'NoSuchKey', 404)
        self.emu.advance(1)
        self.assertEqual(s3.get_object(Bucket=bucket, Key=key)['Body'].read(),
                         b'hello world\n')

    # -- HeadObject, ranges ------------------------------------------------
    def test_head_object_and_ranges(self):
        s3 = self.s3()
        _, calc = self.run_calc('s3-a', 'print("hello")')
        bucket, key = split(calc['Result']['StdOutS3Uri'])
        head = s3.head_object(Bucket=bucket, Key=key)
        self.assertEqual(head['ContentLength'], 12)
        self.assertEqual(head['ContentType'], 'text/plain')
        self.assertEqual(head['ETag'], '"%s"' % hashlib.md5(b'hello world\n').hexdigest())
        self.assertEqual(head['AcceptRanges'], 'bytes')
        self.assertEqual(head['ResponseMetadata']['HTTPHeaders']['x-amz-request-id'],
                         head['ResponseMetadata']['RequestId'])
        part = s3.get_object(Bucket=bucket, Key=key, Range='bytes=6-10')
        self.assertEqual(part['ResponseMetadata']['HTTPStatusCode'], 206)
        self.assertEqual(part['Body'].read(), b'world')
        self.assertEqual(part['ContentRange'], 'bytes 6-10/12')
        self.assertEqual(s3.get_object(Bucket=bucket, Key=key, Range='bytes=-3')['Body'].read(), b'ld\n')
        self.assertEqual(s3.get_object(Bucket=bucket, Key=key, Range='bytes=9-')['Body'].read(), b'ld\n')
        err = self.assert_s3_error(
            lambda: s3.get_object(Bucket=bucket, Key=key, Range='bytes=12-'), 'InvalidRange', 416)
        self.assertEqual(err['Error']['ActualObjectSize'], '12')
        missing = self.assert_s3_error(lambda: s3.head_object(Bucket=bucket, Key=key + 'x'), '404', 404)
        self.assertTrue(missing['ResponseMetadata']['RequestId'])

    # -- ListObjectsV2 -------------------------------------------------------
    def test_list_objects_v2_paging_prefix_delimiter(self):
        s3 = self.s3()
        cid1, _ = self.run_calc('s3-a', 'print("hello")')
        cid2, _ = self.run_calc('s3-b', 'raise X')
        bucket, prefix = split(OUT)
        want = sorted(['%ss3-a/%s/%s' % (prefix, cid1, n) for n in ('stdout.txt', 'stderr.txt', 'result.json')] +
                      ['%ss3-b/%s/%s' % (prefix, cid2, n) for n in ('stdout.txt', 'stderr.txt')])
        keys, token, pages = [], None, 0
        while True:
            kw = {'Bucket': bucket, 'Prefix': prefix, 'MaxKeys': 2}
            if token:
                kw['ContinuationToken'] = token
            page = s3.list_objects_v2(**kw)
            pages += 1
            self.assertLessEqual(page['KeyCount'], 2)
            keys += [o['Key'] for o in page.get('Contents', [])]
            if not page['IsTruncated']:
                break
            token = page['NextContinuationToken']
        self.assertEqual(keys, want)
        self.assertEqual(pages, 3)
        sizes = {o['Key']: o['Size'] for o in s3.list_objects_v2(Bucket=bucket)['Contents']}
        self.assertEqual(sizes['%ss3-a/%s/stdout.txt' % (prefix, cid1)], 12)
        top = s3.list_objects_v2(Bucket=bucket, Prefix=prefix, Delimiter='/')
        self.assertEqual([p['Prefix'] for p in top['CommonPrefixes']],
                         [prefix + 's3-a/', prefix + 's3-b/'])
        self.assertNotIn('Contents', top)
        paged = s3.list_objects_v2(Bucket=bucket, Prefix=prefix, Delimiter='/', MaxKeys=1)
        self.assertTrue(paged['IsTruncated'])
        rest = s3.list_objects_v2(Bucket=bucket, Prefix=prefix, Delimiter='/',
                                  ContinuationToken=paged['NextContinuationToken'])
        self.assertEqual([p['Prefix'] for p in rest['CommonPrefixes']], [prefix + 's3-b/'])
        self.assert_s3_error(lambda: s3.list_objects_v2(Bucket='no-such-bucket'), 'NoSuchBucket', 404)

    # -- refusals, tenancy ---------------------------------------------------
    def test_writes_are_refused(self):
        s3 = self.s3()
        _, calc = self.run_calc('s3-a', 'print("hello")')
        bucket, key = split(calc['Result']['StdOutS3Uri'])
        self.assert_s3_error(lambda: s3.put_object(Bucket=bucket, Key=key, Body=b'x'), 'AccessDenied', 403)
        self.assert_s3_error(lambda: s3.delete_object(Bucket=bucket, Key=key), 'AccessDenied', 403)
        self.assertEqual(s3.get_object(Bucket=bucket, Key=key)['Body'].read(), b'hello world\n')
        r = self.emu.http('PATCH', '/%s/%s' % (bucket, key))
        self.assertEqual(r.status, 405)
        self.assertIn(b'<Code>MethodNotAllowed</Code>', r.body)

    def test_another_accounts_objects_are_invisible(self):
        _, calc = self.run_calc('s3-c', 'print("hello")')
        bucket, key = split(calc['Result']['StdOutS3Uri'])
        other = self.s3(access_key='111122223333')
        self.assert_s3_error(lambda: other.get_object(Bucket=bucket, Key=key), 'NoSuchKey', 404)
        self.assertEqual(other.list_objects_v2(Bucket=bucket)['KeyCount'], 0)
        _, calc = self.run_calc('s3-a', 'print("hello")')
        bucket, key = split(calc['Result']['StdOutS3Uri'])
        self.assert_s3_error(lambda: other.get_object(Bucket=bucket, Key=key), 'NoSuchBucket', 404)
        self.assertEqual(self.s3().get_object(Bucket=bucket, Key=key)['Body'].read(), b'hello world\n')

    # -- virtual-hosted style ------------------------------------------------
    def test_virtual_hosted_with_an_explicit_host(self):
        _, calc = self.run_calc('s3-a', 'print("hello")')
        bucket, key = split(calc['Result']['StdOutS3Uri'])
        r = self.emu.http('GET', '/' + key, headers={'Host': '%s.localhost:%d' % (bucket, self.emu.port)})
        self.assertEqual((r.status, r.body), (200, b'hello world\n'))
        r = self.emu.http('GET', '/?list-type=2&prefix=' + key,
                          headers={'Host': '%s.s3.us-east-1.amazonaws.com' % bucket})
        self.assertEqual(r.status, 200)
        self.assertIn(('<Key>%s</Key>' % key).encode(), r.body)

    # -- faults, journal, metrics, state ---------------------------------------
    def test_fault_rule_on_get_object_answers_s3_xml(self):
        s3 = self.s3()
        _, calc = self.run_calc('s3-a', 'print("hello")')
        bucket, key = split(calc['Result']['StdOutS3Uri'])
        self.emu.admin_ok('POST', 'faults', {'id': 'slow-s3', 'operation': 's3:GetObject', 'count': 1,
                                             'action': {'error': 'SlowDown', 'status': 503,
                                                        'message': 'Please reduce your request rate.'}})
        err = self.assert_s3_error(lambda: s3.get_object(Bucket=bucket, Key=key), 'SlowDown', 503)
        self.assertEqual(err['Error']['Message'], 'Please reduce your request rate.')
        self.assertEqual(err['ResponseMetadata']['HTTPHeaders']['content-type'], 'application/xml')
        self.assertEqual(s3.get_object(Bucket=bucket, Key=key)['Body'].read(), b'hello world\n')
        journal = self.emu.admin_ok('GET', 'requests?operation=s3:GetObject')['requests']
        self.assertEqual([(j['status'], j.get('error_code'), j.get('fault_id')) for j in journal],
                         [(503, 'SlowDown', 'slow-s3'), (200, None, None)])
        self.assertEqual(journal[1]['account'], '123456789012')
        s3.head_object(Bucket=bucket, Key=key)
        s3.list_objects_v2(Bucket=bucket)
        metrics = self.emu.http('GET', '/_emulator/metrics').body.decode()
        for op in ('s3:GetObject', 's3:HeadObject', 's3:ListObjectsV2'):
            self.assertIn('athena_emu_requests_total{operation="%s",status="200"' % op, metrics)

    def test_state_round_trip_and_reset(self):
        s3 = self.s3()
        _, calc = self.run_calc('s3-a', 'print("hello")')
        bucket, key = split(calc['Result']['StdOutS3Uri'])
        state = self.emu.admin_ok('GET', 'state')
        [exported] = state['calculations']
        self.assertEqual(exported['stdout'], 'hello world\n')
        self.assertEqual(exported['result_text'], '{"answer": 42}')
        self.assertEqual(state['outcomes'][1]['stderr'], 'a warning\n')
        self.emu.admin_ok('POST', 'reset', {'fixtures': False})
        self.assert_s3_error(lambda: s3.get_object(Bucket=bucket, Key=key), 'NoSuchBucket', 404)
        self.emu.admin_ok('POST', 'fixtures', state)
        self.assertEqual(s3.get_object(Bucket=bucket, Key=key)['Body'].read(), b'hello world\n')
        self.assertEqual(self.emu.admin_ok('GET', 'state')['calculations'], state['calculations'])


class S3OutputsSigv4(unittest.TestCase):
    def test_sigv4_verifies_s3_requests(self):
        import json
        import os
        import tempfile
        creds = [{'access_key_id': 'AKIDS3', 'secret_access_key': 's3secret',
                                  'account_id': '123456789012'}]
        with tempfile.NamedTemporaryFile('w', suffix='.json', delete=False) as f:
            json.dump(creds, f)
        self.addCleanup(os.unlink, f.name)
        emu = Emulator('--auth', 'sigv4', '--credentials', f.name, fixtures='none').start()
        self.addCleanup(emu.stop)
        emu.admin_ok('POST', 'fixtures', fixtures())
        import boto3
        from botocore.config import Config
        from botocore.exceptions import ClientError

        def client(service, secret, **kw):
            c = boto3.session.Session().client(
                service, endpoint_url=emu.url, region_name='us-east-1', aws_access_key_id='AKIDS3',
                aws_secret_access_key=secret,
                config=Config(s3={'addressing_style': 'path', **kw}, retries={'total_max_attempts': 1, 'mode': 'legacy'}))
            emu.clients.append(c)
            return c
        athena = client('athena', 's3secret')
        cid = athena.start_calculation_execution(SessionId='s3-a', CodeBlock='hello')['CalculationExecutionId']
        emu.advance(DONE_AT)
        bucket, key = split(athena.get_calculation_execution(CalculationExecutionId=cid)['Result']['StdOutS3Uri'])
        for kw in ({}, {'payload_signing_enabled': True}):
            self.assertEqual(client('s3', 's3secret', **kw).get_object(Bucket=bucket, Key=key)['Body'].read(),
                             b'hello world\n')
        with self.assertRaises(ClientError) as cm:
            client('s3', 'wrong').get_object(Bucket=bucket, Key=key)
        self.assertEqual(cm.exception.response['Error']['Code'], 'SignatureDoesNotMatch')
        r = emu.http('GET', '/%s/%s' % (bucket, key))
        self.assertEqual(r.status, 403)
        self.assertIn(b'<Code>AccessDenied</Code>', r.body)


if __name__ == '__main__':
    unittest.main()
