"""--auth sigv4 through boto3 and raw HTTP (CONTRACT §1, §6; docs/sigv4.md).

Requests are signed by botocore (clients, SigV4Auth on an AWSRequest) or by a small signer
here (hmac + hashlib) when a test needs a date or a scope botocore would not produce. The
skew checks use the real time: the emulator compares X-Amz-Date with it, not with the
manual clock.
"""

import datetime
import hashlib
import hmac
import http.client
import json
import os
import re
import shutil
import tempfile
import unittest

from emulator import (BIN, JSON_CT, TARGET_PREFIX, Emulator, clean_env,
                      workgroup)

ALPHA = {'access_key_id': 'AKIDALPHA', 'secret_access_key': 'alpha/Secret+Key',
         'account_id': '111122223333'}
BETA = {'access_key_id': 'AKIDBETA', 'secret_access_key': 'beta-secret',
        'account_id': '222233334444'}
TEMP = {'access_key_id': 'ASIATEMP', 'secret_access_key': 'temp-secret',
        'account_id': '333344445555',
        'session_token': 'FwoGZXIvYXdzEXAMPLE+session/token=='}
CREDENTIALS = [ALPHA, BETA, TEMP]
ADMIN_TOKEN = 'admin-t0ken'

MISMATCH = ('The request signature we calculated does not match the signature '
            'you provided. Check your AWS Secret Access Key and signing '
            'method. Consult the service documentation for details.')
BAD_TOKEN = 'The security token included in the request is invalid.'
BASIC = re.compile(r'^\d{8}T\d{6}Z$')


def write_credentials(directory, entries=CREDENTIALS, name='credentials.json'):
    path = os.path.join(directory, name)
    with open(path, 'w') as fh:
        fh.write(entries if isinstance(entries, str) else json.dumps(entries))
    return path


def basic(dt):
    return dt.strftime('%Y%m%dT%H%M%SZ')


def parse_basic(text):
    return datetime.datetime.strptime(text, '%Y%m%dT%H%M%SZ').replace(
        tzinfo=datetime.timezone.utc)


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


def sign(port, operation, body, cred, region='us-east-1', amz_date=None,
         service='athena', scope_region=None, token=None,
         date_header='x-amz-date'):
    """Headers of a POST / signed by hand (SigV4 as AWS documents it).

    `scope_region` replaces the region written into the Credential scope
    after signing (the signature stays the one for `region`)."""
    amz_date = amz_date or basic(utcnow())
    if isinstance(body, dict):
        body = json.dumps(body)
    body = body.encode('utf-8') if isinstance(body, str) else body
    headers = {
        'content-type': JSON_CT,
        'host': '127.0.0.1:%d' % port,
        date_header: amz_date,
        'x-amz-target': TARGET_PREFIX + operation,
    }
    if token is not None:
        headers['x-amz-security-token'] = token
    names = sorted(headers)
    canonical = '\n'.join([
        'POST', '/', '',
        ''.join('%s:%s\n' % (n, headers[n]) for n in names),
        ';'.join(names),
        hashlib.sha256(body).hexdigest()])
    scope = '%s/%s/%s/aws4_request' % (amz_date[:8], region, service)
    to_sign = '\n'.join(['AWS4-HMAC-SHA256', amz_date, scope,
                         hashlib.sha256(canonical.encode()).hexdigest()])
    key = ('AWS4' + cred['secret_access_key']).encode()
    for part in (amz_date[:8], region, service, 'aws4_request'):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    if scope_region:
        scope = '%s/%s/%s/aws4_request' % (amz_date[:8], scope_region, service)
    headers['authorization'] = (
        'AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s'
        % (cred['access_key_id'], scope, ';'.join(names), signature))
    return headers, body


def send(emu, headers, body):
    """POST / with exactly `headers`, plus Host if they have none, and
    Content-Length."""
    conn = http.client.HTTPConnection('127.0.0.1', emu.port, timeout=15)
    try:
        conn.putrequest('POST', '/', skip_host=True,
                        skip_accept_encoding=True)
        if not any(k.lower() == 'host' for k in headers):
            conn.putheader('Host', '127.0.0.1:%d' % emu.port)
        for k, v in headers.items():
            conn.putheader(k, v)
        conn.putheader('Content-Length', str(len(body)))
        conn.endheaders(body)
        r = conn.getresponse()
        return r.status, dict((k.lower(), v) for k, v in r.getheaders()), \
            r.read()
    finally:
        conn.close()


def make_client(emu, cred, region='us-east-1', token=None, secret=None):
    import boto3
    from botocore.config import Config
    client = boto3.session.Session().client(
        'athena', endpoint_url=emu.url, region_name=region,
        aws_access_key_id=cred['access_key_id'],
        aws_secret_access_key=secret or cred['secret_access_key'],
        aws_session_token=token,
        config=Config(retries={'total_max_attempts': 1, 'mode': 'legacy'},
                      connect_timeout=5, read_timeout=15))
    emu.clients.append(client)
    return client


class SigV4Case(unittest.TestCase):
    """One emulator with --auth sigv4 for the class (no fixtures, admin token)."""

    extra_args = ()

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix='athena-emu-sigv4-')
        cls.creds_path = write_credentials(cls.tmp)
        cls.emu = Emulator('--auth', 'sigv4', '--credentials', cls.creds_path,
                           *cls.extra_args, fixtures='none',
                           admin_token=ADMIN_TOKEN).start()

    @classmethod
    def tearDownClass(cls):
        cls.emu.__exit__(None, None, None)
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def assert_error(self, status, headers, body, code, message=None):
        self.assertEqual(status, 400, body)
        doc = json.loads(body)
        self.assertEqual(doc['__type'], code, doc)
        self.assertIsNone(headers.get('x-amzn-errortype'))  # real Athena sends none
        self.assertRegex(headers.get('x-amzn-requestid', ''), r'^[0-9a-f-]{36}$')
        if message is not None:
            self.assertEqual(doc['Message'], message)
        return doc['Message']

    def assert_client_error(self, call, code, message=None):
        from botocore.exceptions import ClientError
        with self.assertRaises(ClientError) as cm:
            call()
        err = cm.exception.response
        self.assertEqual(err['Error']['Code'], code, err)
        self.assertEqual(err['ResponseMetadata']['HTTPStatusCode'], 400)
        if message is not None:
            self.assertEqual(err['Error']['Message'], message)
        return err['Error']['Message']

    def journal(self, request_id):
        status, doc = self.emu.admin('GET', 'requests')
        self.assertEqual(status, 200, doc)
        found = [r for r in doc['requests'] if r['request_id'] == request_id]
        self.assertEqual(len(found), 1, (request_id, doc))
        return found[0]


class GoodCredentialsTest(SigV4Case):
    def test_several_operations_in_the_entrys_account(self):
        alpha = make_client(self.emu, ALPHA)
        alpha.create_work_group(Name='alpha-wg', Configuration={
            'EngineVersion': {'SelectedEngineVersion': 'PySpark engine version 3'},
            'ExecutionRole': 'arn:aws:iam::111122223333:role/r'})
        got = alpha.get_work_group(WorkGroup='alpha-wg')
        self.assertEqual(got['WorkGroup']['Name'], 'alpha-wg')
        names = [w['Name'] for w in alpha.list_work_groups()['WorkGroups']]
        self.assertEqual(names, ['alpha-wg', 'primary'])
        sid = alpha.start_session(
            WorkGroup='alpha-wg',
            EngineConfiguration={'MaxConcurrentDpus': 4})['SessionId']
        st = alpha.get_session_status(SessionId=sid)
        self.assertEqual(st['Status']['State'], 'CREATING')
        self.assertEqual(alpha.terminate_session(SessionId=sid)['State'],
                         'TERMINATING')
        rid = st['ResponseMetadata']['RequestId']
        entry = self.journal(rid)
        self.assertEqual((entry['account'], entry['region'], entry['status']),
                         ('111122223333', 'us-east-1', 200))

        # Another key is another account: alpha's resources do not exist there.
        beta = make_client(self.emu, BETA)
        self.assert_client_error(lambda: beta.get_session_status(SessionId=sid),
                                 'ResourceNotFoundException')
        self.assertEqual([w['Name'] for w in beta.list_work_groups()['WorkGroups']],
                         ['primary'])

    def test_region_comes_from_the_scope(self):
        eu = make_client(self.emu, BETA, region='eu-west-1')
        eu.create_work_group(Name='eu-only')
        r = eu.get_work_group(WorkGroup='eu-only')
        entry = self.journal(r['ResponseMetadata']['RequestId'])
        self.assertEqual((entry['account'], entry['region']),
                         ('222233334444', 'eu-west-1'))
        us = make_client(self.emu, BETA, region='us-east-1')
        self.assert_client_error(lambda: us.get_work_group(WorkGroup='eu-only'),
                                 'InvalidRequestException')

    def test_hand_signed_request_and_date_header(self):
        headers, body = sign(self.emu.port, 'ListWorkGroups', {}, ALPHA)
        status, _, data = send(self.emu, headers, body)
        self.assertEqual(status, 200, data)
        # Date instead of X-Amz-Date (same basic format).
        headers, body = sign(self.emu.port, 'ListWorkGroups', {}, ALPHA,
                             date_header='date')
        self.assertNotIn('x-amz-date', headers)
        status, _, data = send(self.emu, headers, body)
        self.assertEqual(status, 200, data)

    def test_within_the_allowed_skew(self):
        then = basic(utcnow() - datetime.timedelta(seconds=200))
        headers, body = sign(self.emu.port, 'ListWorkGroups', {}, ALPHA,
                             amz_date=then)
        status, _, data = send(self.emu, headers, body)
        self.assertEqual(status, 200, data)


class RejectedTest(SigV4Case):
    def test_wrong_secret(self):
        c = make_client(self.emu, ALPHA, secret='not-the-secret')
        self.assert_client_error(lambda: c.list_work_groups(),
                                 'InvalidSignatureException', MISMATCH)
        # The log shows what the emulator computed, to compare with the client.
        log = self.emu.stderr_text()
        self.assertIn('signature mismatch', log)
        self.assertIn('x-amz-target:AmazonAthena.ListWorkGroups', log.replace('\\n', '\n'))
        self.assertIn('string_to_sign=', log)

    def test_unknown_key(self):
        c = make_client(self.emu, {'access_key_id': 'AKIDUNKNOWN',
                                   'secret_access_key': 'x'})
        self.assert_client_error(lambda: c.list_work_groups(),
                                 'UnrecognizedClientException', BAD_TOKEN)

    def test_no_authorization(self):
        r = self.emu.aws('GetSessionStatus', {'SessionId': 's1'})
        self.assert_error(r.status, {k.lower(): v for k, v in r.headers},
                          r.body, 'MissingAuthenticationTokenException',
                          'Request is missing Authentication Token')
        r = self.emu.aws('GetSessionStatus', {'SessionId': 's1'},
                         headers={'Authorization': 'Bearer ' + ADMIN_TOKEN})
        self.assertEqual(r.json()['__type'], 'MissingAuthenticationTokenException')

    def test_malformed_authorization(self):
        headers, body = sign(self.emu.port, 'ListWorkGroups', {}, ALPHA)
        headers['authorization'] = 'AWS4-HMAC-SHA256 Credential=AKIDALPHA/x'
        status, h, data = send(self.emu, headers, body)
        self.assert_error(
            status, h, data, 'IncompleteSignatureException',
            "Authorization header requires 'Signature' parameter. "
            "Authorization header requires 'SignedHeaders' parameter. "
            "Authorization=AWS4-HMAC-SHA256 Credential=AKIDALPHA/x")
        del headers['x-amz-date']
        headers['authorization'] = 'AWS4-HMAC-SHA256 Signature=abc'
        status, h, data = send(self.emu, headers, body)
        self.assert_error(
            status, h, data, 'IncompleteSignatureException',
            "Authorization header requires 'Credential' parameter. "
            "Authorization header requires 'SignedHeaders' parameter. "
            "Authorization header requires existence of either a 'X-Amz-Date' "
            "or a 'Date' header. Authorization=AWS4-HMAC-SHA256 Signature=abc")
        headers, body = sign(self.emu.port, 'ListWorkGroups', {}, ALPHA,
                             amz_date='2026-01-01T00:00:00Z')
        status, h, data = send(self.emu, headers, body)
        self.assert_error(
            status, h, data, 'IncompleteSignatureException',
            "Date must be in ISO-8601 'basic format'. Got "
            "'2026-01-01T00:00:00Z'. See http://en.wikipedia.org/wiki/ISO_8601")

    def test_changed_after_signing(self):
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials

        def signed():
            req = AWSRequest(method='POST', url=self.emu.url + '/',
                             data=b'{}',
                             headers={'Content-Type': JSON_CT,
                                      'X-Amz-Target': TARGET_PREFIX + 'ListWorkGroups'})
            SigV4Auth(Credentials(ALPHA['access_key_id'],
                                  ALPHA['secret_access_key']),
                      'athena', 'us-east-1').add_auth(req)
            return {k: v for k, v in req.headers.items()}, req.body

        headers, body = signed()
        self.assertIn('x-amz-target', headers['Authorization'])
        status, _, data = send(self.emu, headers, body)
        self.assertEqual(status, 200, data)

        headers, body = signed()
        headers['X-Amz-Target'] = TARGET_PREFIX + 'ListSessions'
        status, h, data = send(self.emu, headers, body)
        self.assert_error(status, h, data, 'InvalidSignatureException', MISMATCH)

        headers, body = signed()
        status, h, data = send(self.emu, headers, b'{"MaxResults":1}')
        self.assert_error(status, h, data, 'InvalidSignatureException', MISMATCH)

        # An unsigned header may change.
        headers, body = signed()
        headers['User-Agent'] = 'changed/1.0'
        status, _, data = send(self.emu, headers, body)
        self.assertEqual(status, 200, data)

    def test_region_in_scope_differs_from_the_signature(self):
        headers, body = sign(self.emu.port, 'ListWorkGroups', {}, ALPHA,
                             region='us-west-2', scope_region='us-east-1')
        status, h, data = send(self.emu, headers, body)
        self.assert_error(status, h, data, 'InvalidSignatureException', MISMATCH)

    def test_wrong_service_and_terminator_in_scope(self):
        headers, body = sign(self.emu.port, 'ListWorkGroups', {}, ALPHA,
                             service='s3')
        status, h, data = send(self.emu, headers, body)
        self.assert_error(status, h, data, 'InvalidSignatureException',
                          "Credential should be scoped to correct service: "
                          "'athena'. ")

    def test_host_not_signed(self):
        headers, body = sign(self.emu.port, 'ListWorkGroups', {}, ALPHA)
        headers['authorization'] = headers['authorization'].replace(
            'host;', '')
        status, h, data = send(self.emu, headers, body)
        self.assert_error(status, h, data, 'InvalidSignatureException',
                          "'Host' or ':authority' must be a 'SignedHeader' in "
                          "the AWS Authorization.")

    def check_skew(self, seconds, pattern, sign_word):
        before = utcnow()
        then = basic(before + datetime.timedelta(seconds=seconds))
        headers, body = sign(self.emu.port, 'ListWorkGroups', {}, ALPHA,
                             amz_date=then)
        status, h, data = send(self.emu, headers, body)
        after = utcnow() + datetime.timedelta(seconds=1)
        message = self.assert_error(status, h, data,
                                    'InvalidSignatureException')
        m = re.fullmatch(pattern, message)
        self.assertTrue(m, message)
        self.assertEqual(m.group(1), then)
        limit, now = parse_basic(m.group(2)), parse_basic(m.group(3))
        self.assertTrue(before <= now <= after, (before, now, after))
        self.assertEqual(limit, now + sign_word * datetime.timedelta(seconds=300))

    def test_signature_expired(self):
        self.check_skew(
            -400, r'Signature expired: (\d{8}T\d{6}Z) is now earlier than '
                  r'(\d{8}T\d{6}Z) \((\d{8}T\d{6}Z) - 5 min\.\)', -1)

    def test_signature_not_yet_current(self):
        self.check_skew(
            400, r'Signature not yet current: (\d{8}T\d{6}Z) is still later '
                 r'than (\d{8}T\d{6}Z) \((\d{8}T\d{6}Z) \+ 5 min\.\)', 1)

    def test_skew_uses_the_real_time_not_the_manual_clock(self):
        self.emu.advance(24 * 3600 * 1000)  # the manual clock is a day ahead
        headers, body = sign(self.emu.port, 'ListWorkGroups', {}, ALPHA)
        status, _, data = send(self.emu, headers, body)
        self.assertEqual(status, 200, data)

    def test_failed_requests_are_journaled_and_counted(self):
        c = make_client(self.emu, BETA, secret='wrong')
        self.assert_client_error(lambda: c.get_session_status(SessionId='x-1'),
                                 'InvalidSignatureException')
        status, doc = self.emu.admin('GET', 'requests?operation=GetSessionStatus')
        self.assertEqual(status, 200)
        mine = [r for r in doc['requests']
                if r.get('error_code') == 'InvalidSignatureException']
        self.assertTrue(mine, doc)
        self.assertEqual(mine[-1]['status'], 400)
        r = self.emu.http('GET', '/_emulator/metrics',
                          headers={'Authorization': 'Bearer ' + ADMIN_TOKEN})
        self.assertEqual(r.status, 200)
        self.assertRegex(r.body.decode(),
                         r'athena_emu_requests_total\{operation="GetSessionStatus",'
                         r'status="400",error="InvalidSignatureException"\} [1-9]')


class SessionTokenTest(SigV4Case):
    def test_right_token(self):
        c = make_client(self.emu, TEMP, token=TEMP['session_token'])
        r = c.list_work_groups()
        entry = self.journal(r['ResponseMetadata']['RequestId'])
        self.assertEqual(entry['account'], '333344445555')

    def test_wrong_token(self):
        c = make_client(self.emu, TEMP, token='another-token')
        self.assert_client_error(lambda: c.list_work_groups(),
                                 'UnrecognizedClientException', BAD_TOKEN)

    def test_missing_token(self):
        c = make_client(self.emu, TEMP)
        self.assert_client_error(lambda: c.list_work_groups(),
                                 'UnrecognizedClientException', BAD_TOKEN)

    def test_unsigned_token(self):
        headers, body = sign(self.emu.port, 'ListWorkGroups', {}, TEMP)
        headers['x-amz-security-token'] = TEMP['session_token']
        status, h, data = send(self.emu, headers, body)
        self.assert_error(status, h, data, 'UnrecognizedClientException',
                          BAD_TOKEN)
        headers, body = sign(self.emu.port, 'ListWorkGroups', {}, TEMP,
                             token=TEMP['session_token'])
        status, _, data = send(self.emu, headers, body)
        self.assertEqual(status, 200, data)

    def test_token_on_a_key_without_one(self):
        c = make_client(self.emu, ALPHA, token=TEMP['session_token'])
        self.assert_client_error(lambda: c.list_work_groups(),
                                 'UnrecognizedClientException', BAD_TOKEN)


class AdminApiTest(SigV4Case):
    def test_admin_api_needs_no_signature(self):
        status, doc = self.emu.admin('GET', 'clock')
        self.assertEqual(status, 200, doc)
        status, doc = self.emu.admin('POST', 'fixtures',
                                     {'workgroups': [workgroup('adm',
                                                               account='111122223333')]})
        self.assertEqual(status, 200, doc)
        status, doc = self.emu.admin('GET', 'clock', token=False)
        self.assertEqual(status, 401, doc)
        status, doc = self.emu.admin('GET', 'health', token=False)
        self.assertEqual(status, 200, doc)
        # The workgroup the admin API made is alpha's.
        alpha = make_client(self.emu, ALPHA)
        self.assertEqual(alpha.get_work_group(WorkGroup='adm')['WorkGroup']['Name'],
                         'adm')


class TightSkewTest(SigV4Case):
    extra_args = ('--max-skew-s', '60')

    def test_max_skew_s(self):
        then = basic(utcnow() - datetime.timedelta(seconds=120))
        headers, body = sign(self.emu.port, 'ListWorkGroups', {}, ALPHA,
                             amz_date=then)
        status, h, data = send(self.emu, headers, body)
        message = self.assert_error(status, h, data, 'InvalidSignatureException')
        self.assertRegex(message, r'^Signature expired: %s is now earlier than '
                                  r'\d{8}T\d{6}Z \(\d{8}T\d{6}Z - 1 min\.\)$' % then)
        headers, body = sign(self.emu.port, 'ListWorkGroups', {}, ALPHA)
        status, _, data = send(self.emu, headers, body)
        self.assertEqual(status, 200, data)


class StartupTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix='athena-emu-sigv4-start-')
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def usage_error(self, args, env=None):
        import subprocess
        p = subprocess.run([BIN, '--port', '0'] + args, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           env=clean_env(env), timeout=10)
        err = p.stderr.decode('utf-8', 'replace')
        self.assertEqual(p.returncode, 2, err)
        self.assertEqual(p.stdout, b'')
        lines = err.splitlines()
        self.assertEqual(len(lines), 1, err)
        return lines[0]

    def test_sigv4_needs_credentials(self):
        line = self.usage_error(['--auth', 'sigv4'])
        self.assertIn('--credentials', line)
        line = self.usage_error([], env={'ATHENA_EMU_AUTH': 'sigv4'})
        self.assertIn('--credentials', line)

    def test_bad_credentials_files(self):
        cases = [
            ('[{"access_key_id": "A", "secret_access_key": "s"}]',
             '[0].account_id', 'is required'),
            ('[{"access_key_id": "A", "secret_access_key": "s", '
             '"account_id": "1234"}]', '[0].account_id', '12-digit'),
            (json.dumps([ALPHA, dict(ALPHA)]), '[1].access_key_id',
             'already listed'),
            ('{"keys": []}', '$', 'JSON list'),
            ('[{"access_key_id": ', '$', 'invalid JSON'),
            (json.dumps([dict(ALPHA, colour='red')]), '[0].colour',
             'unknown field'),
        ]
        for text, path, reason in cases:
            with self.subTest(text=text):
                f = write_credentials(self.tmp, text, name='bad.json')
                line = self.usage_error(['--auth', 'sigv4', '--credentials', f])
                self.assertIn(f, line)
                self.assertIn(': %s: ' % path, line)
                self.assertIn(reason, line)
        missing = os.path.join(self.tmp, 'missing.json')
        line = self.usage_error(['--credentials', missing])
        self.assertIn(missing, line)

    def test_settings_from_the_environment(self):
        path = write_credentials(self.tmp)
        with Emulator(fixtures='none', env={
                'ATHENA_EMU_AUTH': 'sigv4', 'ATHENA_EMU_CREDENTIALS': path,
                'ATHENA_EMU_MAX_SKEW_S': '60'}) as emu:
            r = emu.aws('ListWorkGroups', {})
            self.assertEqual(r.json()['__type'],
                             'MissingAuthenticationTokenException')
            c = make_client(emu, ALPHA)
            self.assertEqual(c.list_work_groups()['WorkGroups'][0]['Name'],
                             'primary')
            log = emu.stderr_text()
            self.assertIn('auth=sigv4', log)
            self.assertIn('max_skew_s=60', log)

    def test_auth_none_reads_accounts_from_credentials(self):
        path = write_credentials(self.tmp)
        with Emulator('--credentials', path, fixtures='none') as emu:
            c = make_client(emu, BETA, secret='anything: not checked')
            r = c.list_work_groups()
            status, doc = emu.admin('GET', 'requests')
            entry = [e for e in doc['requests']
                     if e['request_id'] == r['ResponseMetadata']['RequestId']][0]
            self.assertEqual(entry['account'], '222233334444')
            r = emu.aws('ListWorkGroups', {})
            self.assertEqual(r.status, 200, r.body)


if __name__ == '__main__':
    unittest.main()
