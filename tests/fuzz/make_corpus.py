#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets into tests/fuzz/corpus/ (see docs/hardening.md).

    python3 tests/fuzz/make_corpus.py build/athena-emu

Runs the given athena-emu on --port 0 with the fuzz targets' world (manual clock at
2026-01-01T00:00:00Z, --seed 1, built-in fixtures) and drives it with boto3, recording every
request exactly as botocore prepared it: the bodies become fuzz_aws_operation seeds (selector
byte + body), the whole requests fuzz_http_request seeds. Because the seed is the fuzz
targets' seed, the ids a story of requests gets back (a started session, a calculation) are the
ids the fuzz target's fresh world hands out, so the multi-request seeds reach deep states.
Hand-made bad inputs and the fixture files are added too. Files are named by content; running
it again rewrites the same files.
"""

import hashlib
import json
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, 'tests', 'integration', 'python'))

# The order of implemented_operations() (server/operations.cpp, kOperations).
OPERATIONS = [
    'GetSessionStatus', 'StartSession', 'GetSession', 'ListSessions', 'TerminateSession',
    'CreateWorkGroup', 'GetWorkGroup', 'ListWorkGroups', 'UpdateWorkGroup', 'DeleteWorkGroup',
    'TagResource', 'UntagResource', 'ListTagsForResource', 'StartCalculationExecution',
    'GetCalculationExecutionStatus', 'GetCalculationExecution', 'GetCalculationExecutionCode',
    'ListCalculationExecutions', 'StopCalculationExecution', 'GetSessionEndpoint', 'ListExecutors',
    # server/notebook_operations.cpp, kNotebookOperations
    'CreateNotebook', 'ImportNotebook', 'ExportNotebook', 'GetNotebookMetadata', 'ListNotebookMetadata',
    'UpdateNotebook', 'UpdateNotebookMetadata', 'DeleteNotebook', 'ListNotebookSessions',
    'CreatePresignedNotebookUrl', 'ListApplicationDPUSizes', 'ListEngineVersions', 'GetResourceDashboard',
]
SELECTORS = 40  # per caller (fuzz_aws_operation.cpp)
UNKNOWN, ADVANCE_MINUTE, ADVANCE_HOUR = 34, 38, 39
NOTEBOOK = json.dumps({'cells': [{'cell_type': 'code', 'source': ['print(1)'], 'metadata': {}, 'outputs': [],
                                  'execution_count': None}],
                       'metadata': {'kernelspec': {'name': 'python3'}}, 'nbformat': 4, 'nbformat_minor': 5})
NB_TOKEN = '00000000-0000-4000-8000-00000000f022'
NOTEBOOK_FIXTURE = json.dumps({
    'workgroups': [{'name': 'nb', 'engine_version': 'PySpark engine version 3'}],
    'sessions': [{'id': 'nb-s', 'workgroup': 'nb'}],
    'notebooks': [{'id': '11111111-1111-4111-8111-111111111111', 'workgroup': 'nb', 'name': 'n', 'type': 'IPYNB',
                   'payload': NOTEBOOK, 'sessions': ['nb-s'], 'created': '2025-12-31T00:00:00Z',
                   'modified': '2025-12-31T01:00:00Z', 'account': '123456789012', 'region': 'us-east-1'}],
    'tokens': [{'operation': 'CreateNotebook', 'token': '00000000-0000-4000-8000-00000000f022',
                'fingerprint': 'f', 'result': '11111111-1111-4111-8111-111111111111'}]})
SESSION_ARN = 'arn:aws:athena:us-east-1:123456789012:session/example-idle'
SEPARATOR = b'\xff'
WG_ARN = 'arn:aws:athena:us-east-1:123456789012:workgroup/spark'
TOKEN = 'athena-emu-fuzz-seed-token-0000000001'


def write(target, data, name=None):
    d = os.path.join(HERE, 'corpus', target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode('utf-8')
    name = name or hashlib.sha1(data).hexdigest()[:16]
    with open(os.path.join(d, name), 'wb') as fh:
        fh.write(data)


class Recorder:
    """Keeps each request botocore sends (method, path, headers, body), in order."""

    def __init__(self):
        self.requests = []

    def __call__(self, request, **_):
        self.requests.append(request)


def raw_http(request, port):
    path = request.url.split('://', 1)[1]
    path = '/' + path.split('/', 1)[1] if '/' in path else '/'
    body = request.body or b''
    if isinstance(body, str):
        body = body.encode('utf-8')
    head = '%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n' % (request.method, path, port)
    for k, v in request.headers.items():
        v = v.decode('latin-1') if isinstance(v, bytes) else v
        head += '%s: %s\r\n' % (k, v)
    if 'Content-Length' not in request.headers:
        head += 'Content-Length: %d\r\n' % len(body)
    return head.encode('latin-1') + b'\r\n' + body


def selector(request, caller=0):
    op = request.headers['X-Amz-Target'].decode() if isinstance(request.headers['X-Amz-Target'], bytes) \
        else request.headers['X-Amz-Target']
    op = op.split('.', 1)[1]
    return bytes([OPERATIONS.index(op) + SELECTORS * caller])


def body_of(request):
    b = request.body or b''
    return b.encode('utf-8') if isinstance(b, str) else b


def main():
    if len(sys.argv) != 2:
        sys.exit('usage: make_corpus.py PATH/TO/athena-emu')
    os.environ['ATHENA_EMU_BIN'] = os.path.abspath(sys.argv[1])
    import emulator
    from botocore.exceptions import ClientError

    for target in ('fuzz_http_request', 'fuzz_aws_operation', 'fuzz_fixture'):
        shutil.rmtree(os.path.join(HERE, 'corpus', target), ignore_errors=True)

    with emulator.Emulator('--seed', '1', fixtures=None) as emu:
        rec = Recorder()
        c = emu.client(parameter_validation=False)
        c.meta.events.register('before-send.athena.*', rec)

        def call(name, **kw):
            try:
                return getattr(c, name)(**kw)
            except ClientError as e:
                return e.response

        # One story, each step also a seed on its own.
        sid = call('start_session', WorkGroup='spark', Description='fuzz seed',
                   EngineConfiguration={'CoordinatorDpuSize': 1, 'MaxConcurrentDpus': 20,
                                        'DefaultExecutorDpuSize': 1,
                                        'SparkProperties': {'spark.executor.memory': '4g'}},
                   NotebookVersion='Athena notebook version 1', SessionIdleTimeoutInMinutes=15,
                   ClientRequestToken=TOKEN, Tags=[{'Key': 'team', 'Value': 'data'}],
                   CopyWorkGroupTags=True)['SessionId']
        story = [selector(rec.requests[-1]) + body_of(rec.requests[-1])]
        emu.advance(60000)
        story.append(bytes([ADVANCE_MINUTE]))
        for name, kw in [
                ('get_session_status', {'SessionId': sid}),
                ('get_session', {'SessionId': sid}),
                ('start_calculation_execution', {'SessionId': sid, 'Description': 'seed',
                                                 'CodeBlock': 'print(1)', 'ClientRequestToken': TOKEN}),
        ]:
            out = call(name, **kw)
            story.append(selector(rec.requests[-1]) + body_of(rec.requests[-1]))
        cid = out.get('CalculationExecutionId', '00000000-0000-0000-0000-000000000000')
        for name, kw in [
                ('get_calculation_execution_status', {'CalculationExecutionId': cid}),
                ('get_calculation_execution', {'CalculationExecutionId': cid}),
                ('get_calculation_execution_code', {'CalculationExecutionId': cid}),
                ('list_calculation_executions', {'SessionId': sid, 'StateFilter': 'RUNNING', 'MaxResults': 5}),
                ('list_executors', {'SessionId': sid, 'ExecutorStateFilter': 'REGISTERED', 'MaxResults': 5}),
                ('get_session_endpoint', {'SessionId': sid}),
                ('stop_calculation_execution', {'CalculationExecutionId': cid}),
                ('terminate_session', {'SessionId': sid}),
        ]:
            call(name, **kw)
            story.append(selector(rec.requests[-1]) + body_of(rec.requests[-1]))
        write('fuzz_aws_operation', SEPARATOR.join(story), 'story-session-calculation')

        # A notebook's story: create, import, read, list, link a session, rename, delete.
        story = []
        nid = call('create_notebook', WorkGroup='spark', Name='seed notebook',
                   ClientRequestToken=NB_TOKEN).get('NotebookId', '00000000-0000-4000-8000-000000000000')
        story.append(selector(rec.requests[-1]) + body_of(rec.requests[-1]))
        for name, kw in [
                ('import_notebook', {'WorkGroup': 'spark', 'Name': 'imported', 'Type': 'IPYNB', 'Payload': NOTEBOOK}),
                ('get_notebook_metadata', {'NotebookId': nid}),
                ('export_notebook', {'NotebookId': nid}),
                ('list_notebook_metadata', {'WorkGroup': 'spark', 'Filters': {'Name': 'seed'}, 'MaxResults': 1}),
                ('update_notebook', {'NotebookId': nid, 'Payload': NOTEBOOK, 'Type': 'IPYNB',
                                     'SessionId': 'example-idle', 'ClientRequestToken': NB_TOKEN}),
                ('list_notebook_sessions', {'NotebookId': nid, 'MaxResults': 1}),
                ('create_presigned_notebook_url', {'SessionId': 'example-idle'}),
                ('update_notebook_metadata', {'NotebookId': nid, 'Name': 'renamed', 'ClientRequestToken': NB_TOKEN}),
                ('delete_notebook', {'NotebookId': nid}),
        ]:
            call(name, **kw)
            story.append(selector(rec.requests[-1]) + body_of(rec.requests[-1]))
        write('fuzz_aws_operation', SEPARATOR.join(story), 'story-notebook')

        # Every other operation, with most of its members.
        for name, kw in [
                ('get_session_status', {'SessionId': 'example-idle'}),
                ('list_sessions', {'WorkGroup': 'spark', 'StateFilter': 'IDLE', 'MaxResults': 2}),
                ('list_sessions', {'WorkGroup': 'spark'}),
                ('create_work_group', {'Name': 'etl', 'Description': 'seed',
                                       'Configuration': {
                                           'EngineVersion': {'SelectedEngineVersion': 'PySpark engine version 3'},
                                           'ExecutionRole': 'arn:aws:iam::123456789012:role/etl',
                                           'ResultConfiguration': {'OutputLocation': 's3://bucket/etl/'},
                                           'PublishCloudWatchMetricsEnabled': False},
                                       'Tags': [{'Key': 'athena-emu:scenario', 'Value': 'slow-start'}]}),
                ('get_work_group', {'WorkGroup': 'spark'}),
                ('list_work_groups', {'MaxResults': 1}),
                ('update_work_group', {'WorkGroup': 'spark', 'Description': 'updated', 'State': 'DISABLED',
                                       'ConfigurationUpdates': {
                                           'ResultConfigurationUpdates': {'OutputLocation': 's3://b/x/',
                                                                          'RemoveEncryptionConfiguration': True},
                                           'ExecutionRole': 'arn:aws:iam::123456789012:role/x'}}),
                ('update_work_group', {'WorkGroup': 'spark', 'State': 'ENABLED'}),
                ('tag_resource', {'ResourceARN': WG_ARN, 'Tags': [{'Key': 'k', 'Value': 'v'}]}),
                ('list_tags_for_resource', {'ResourceARN': WG_ARN, 'MaxResults': 75}),
                ('untag_resource', {'ResourceARN': WG_ARN, 'TagKeys': ['k']}),
                ('delete_work_group', {'WorkGroup': 'etl', 'RecursiveDeleteOption': True}),
                ('start_calculation_execution', {'SessionId': 'example-idle',
                                                 'CalculationConfiguration': {'CodeBlock': 'spark.sql("select 1")'}}),
                ('list_calculation_executions', {'SessionId': 'example-idle'}),
                ('list_executors', {'SessionId': 'example-idle'}),
                ('get_session_endpoint', {'SessionId': 'example-idle'}),
                ('terminate_session', {'SessionId': 'example-busy'}),
                ('get_session', {'SessionId': 'example-failed'}),
                # Constraint violations, as a client without validation sends them.
                ('get_session_status', {'SessionId': ''}),
                ('start_session', {'WorkGroup': 'spark', 'EngineConfiguration': {'MaxConcurrentDpus': 0}}),
                ('list_sessions', {'WorkGroup': 'spark', 'StateFilter': 'SLEEPING', 'NextToken': 'bm9wZQ=='}),
                ('get_calculation_execution_status', {'CalculationExecutionId': 'x' * 200}),
                # The measured texts (CONTRACT 2a): decimals, past 32 bits, map keys, tokens.
                ('list_work_groups', {'MaxResults': 1.5}),
                ('list_work_groups', {'MaxResults': 2 ** 40}),
                ('start_session', {'WorkGroup': 'spark', 'EngineConfiguration': {
                    'MaxConcurrentDpus': 4, 'SparkProperties': {'a\u0001b': 'v', '': 'x' * 300}}}),
                ('untag_resource', {'ResourceARN': WG_ARN, 'TagKeys': ['', 'k' * 200]}),
                ('list_tags_for_resource', {'ResourceARN': 'arn:aws:athena:us-east-1::workgroup/spark'}),
                ('list_tags_for_resource', {'ResourceARN': WG_ARN, 'NextToken': 'bm9wZQ=='}),
                ('start_session', {'WorkGroup': 'spark', 'EngineConfiguration': {'MaxConcurrentDpus': 4},
                                   'ClientRequestToken': '\u00e9' * 100}),
                ('start_session', {'WorkGroup': 'nowhere', 'EngineConfiguration': {'MaxConcurrentDpus': 4}}),
                # Notebooks and the catalog: the model's members, then what the rules refuse.
                ('list_application_dpu_sizes', {'MaxResults': 1}),
                ('list_engine_versions', {'MaxResults': 2}),
                ('get_resource_dashboard', {'ResourceARN': SESSION_ARN}),
                ('import_notebook', {'WorkGroup': 'spark', 'Name': 'n', 'Type': 'IPYNB',
                                     'NotebookS3LocationUri': 's3://bucket/n.ipynb'}),
                ('import_notebook', {'WorkGroup': 'spark', 'Name': 'n', 'Type': 'IPYNB', 'Payload': '{"cells": 1}'}),
                ('import_notebook', {'WorkGroup': 'spark', 'Name': 'a/b:c', 'Type': 'HTML', 'Payload': ''}),
                ('create_notebook', {'WorkGroup': 'primary', 'Name': 'n', 'ClientRequestToken': 'not-a-uuid'}),
                ('list_notebook_metadata', {'WorkGroup': 'spark', 'NextToken': 'bm9wZQ==', 'MaxResults': 51}),
                ('update_notebook', {'NotebookId': '00000000-0000-4000-8000-000000000000', 'Payload': '[]',
                                     'Type': 'IPYNB', 'SessionId': 'example-terminated'}),
                ('list_notebook_sessions', {'NotebookId': 'x'}),
                ('start_session', {'WorkGroup': 'spark', 'EngineConfiguration': {'MaxConcurrentDpus': 4},
                                   'NotebookVersion': 'Athena notebook version 2'}),
        ]:
            call(name, **kw)
        # A real paging token, then the same token with one character changed.
        token = call('list_work_groups', MaxResults=1).get('NextToken', '')
        call('list_work_groups', MaxResults=1, NextToken=token)
        call('list_work_groups', MaxResults=1, NextToken=token[:-3] + ('A' if token[-3] != 'A' else 'B') + token[-2:])
        requests = list(rec.requests)
        port = emu.port
        # Admin API requests, as the harness sends them.
        emu.advance(1000)
        emu.admin_ok('GET', 'state')

    for i, r in enumerate(requests):
        write('fuzz_aws_operation', selector(r) + body_of(r))
        write('fuzz_aws_operation', selector(r, caller=2) + body_of(r)) if i % 5 == 0 else None
        write('fuzz_http_request', raw_http(r, port))
    # Two pipelined requests, and a chunked body.
    write('fuzz_http_request', raw_http(requests[0], port) + raw_http(requests[1], port), 'pipelined')
    r = requests[0]
    body = body_of(r)
    chunked = raw_http(r, port).split(b'\r\n\r\n', 1)[0].replace(
        b'Content-Length: %d' % len(body), b'Transfer-Encoding: chunked')
    write('fuzz_http_request', chunked + b'\r\n\r\n%x\r\n' % len(body) + body + b'\r\n0\r\n\r\n', 'chunked')

    # Bad AWS inputs: broken JSON, wrong types, an unknown operation, clock moves.
    for data in [b'\x00{', b'\x00[]', b'\x00', b'\x00null', b'\x00"x"', b'\x00{"SessionId": "x",}',
                 b'\x00{"SessionId": true}', b'\x00{"SessionId": {}}', b'\x07{"MaxResults": "5"}',
                 b'\x07{"MaxResults": 1e300}', b'\x09{"WorkGroup": "w", "RecursiveDeleteOption": 1}',
                 b'\x05{"Name": "w", "Configuration": "x", "Tags": {}}', b'\x00{"SessionId": 5}', b'\x00{"SessionId": "\xc3\x28"}',
                 b'\x01{"WorkGroup": "spark", "EngineConfiguration": {"MaxConcurrentDpus": 1e400}}',
                 b'\x03{"WorkGroup": "spark", "MaxResults": -1}', bytes([UNKNOWN]) + b'{}',
                 bytes([ADVANCE_HOUR]) + SEPARATOR + b'\x00{"SessionId": "example-creating"}']:
        write('fuzz_aws_operation', data)

    # Admin API and plain HTTP.
    admin = [
        ('GET', '/_emulator/health', ''), ('GET', '/_emulator/clock', ''),
        ('POST', '/_emulator/clock', '{"advance_ms": 5000}'), ('POST', '/_emulator/clock', '{"set": "2026-01-02T00:00:00Z"}'),
        ('POST', '/_emulator/reset', '{"fixtures": false}'), ('GET', '/_emulator/state', ''),
        ('GET', '/_emulator/metrics', ''), ('GET', '/_emulator/requests?operation=GetSessionStatus&since=0', ''),
        ('DELETE', '/_emulator/requests', ''),
        ('POST', '/_emulator/sessions/example-idle/transition', '{"state": "DEGRADED", "reason": "seed"}'),
        ('GET', '/_emulator/sessions/example%2Didle/history?account=123456789012&region=us-east-1', ''),
        ('POST', '/_emulator/faults', '{"operation": "GetSessionStatus", "count": 1, "skip": 0, "probability": 0.5, '
                                      '"match": {"session_id": "example-idle"}, "action": {"error": "ThrottlingException", '
                                      '"status": 429, "members": {"Reason": "x"}, "latency_ms": 10}}'),
        ('POST', '/_emulator/faults', '{"id": "mj", "operation": "*", "action": {"transport": "malformed_json"}}'),
        ('GET', '/_emulator/faults', ''), ('DELETE', '/_emulator/faults/mj', ''), ('DELETE', '/_emulator/faults', ''),
        ('POST', '/_emulator/fixtures', json.dumps({'workgroups': [{'name': 'w2', 'engine_version': 'AUTO'}]})),
        ('GET', '/nowhere?x=1', ''), ('PUT', '/', '{}'),
    ]
    for method, path, body in admin:
        b = body.encode()
        write('fuzz_http_request', ('%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n'
                                    'Content-Length: %d\r\n\r\n' % (method, path, len(b))).encode() + b)
    # A fault rule, then an AWS request it breaks, on one connection.
    fault = b'{"operation": "*", "action": {"transport": "malformed_json"}}'
    write('fuzz_http_request', b'POST /_emulator/faults HTTP/1.1\r\nHost: h\r\nContent-Length: %d\r\n\r\n' % len(fault) +
          fault + raw_http(requests[0], port), 'fault-then-request')
    for data in [b'GET / HTTP/1.1\r\n\r\n', b'POST / HTTP/1.0\r\nContent-Length: 2\r\n\r\n{}',
                 b'POST / HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n{}',
                 b'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
                 b'POST / HTTP/1.1\r\nX-Amz-Target: AmazonAthena.GetSessionStatus\r\nContent-Length: 5\r\n\r\n{"Se',
                 b'GET /_emulator/health HTTP/1.1\r\nConnection: close\r\n\r\n', b'\r\n\r\n',
                 b'POST / HTTP/1.1\r\nX-Amz-Target: Other.Op\r\nAuthorization: AWS4-HMAC-SHA256 Credential=111122223333/'
                 b'20260101/eu-west-1/athena/aws4_request\r\nContent-Length: 0\r\n\r\n']:
        write('fuzz_http_request', data)

    # Fixtures: the shipped files, a state export, bad documents.
    fixtures = [os.path.join(REPO, 'fixtures', 'default.json')] + sorted(
        os.path.join(REPO, 'fixtures', 'examples', f) for f in os.listdir(os.path.join(REPO, 'fixtures', 'examples')))
    for f in fixtures:
        with open(f, 'rb') as fh:
            write('fuzz_fixture', fh.read(), os.path.basename(f))
    for data in [
            '{}', '[]', '{"clock": "2026-01-01T00:00:00Z", "sessions": [{"id": "s", "workgroup": "spark", '
            '"history": [{"state": "IDLE", "time": "2025-12-31T00:00:00Z"}], "script": [{"after_ms": 9e15, "state": "BUSY"}]}]}',
            '{"workgroups": [{"name": "primary", "engine_version": "AUTO"}]}',
            '{"sessions": [{"id": "s", "workgroup": "nope"}]}',
            '{"profiles": {"p": {"creating_ms": -1}}}',
            '{"faults": [{"operation": "*", "count": 0, "action": {"latency_ms": 10}}]}',
            '{"outcomes": [{"match": {"code_regex": "(a*)*$"}, "state": "FAILED", "reason": "r"}]}',
            '{"workgroups": [{"name": "w", "engine_version": "PySpark engine version 3", "account": "111122223333", '
            '"region": "eu-west-1", "tags": {"a": "b"}, "configuration": {"ExecutionRole": "arn:aws:iam::1:role/r"}}], '
            '"sessions": [{"id": "s", "workgroup": "w", "account": "111122223333", "region": "eu-west-1", '
            '"engine_configuration": {"CoordinatorDpuSize": 1, "MaxConcurrentDpus": 4, "DefaultExecutorDpuSize": 1}}]}',
            NOTEBOOK_FIXTURE,
            '{"notebooks": [{"id": "NOT-A-UUID", "workgroup": "spark", "name": "a/b", "type": "HTML", '
            '"payload": "{\\"cells\\": 1}", "sessions": [7], "created": "2999-01-01T00:00:00Z"}]}']:
        write('fuzz_fixture', data)
    print('corpus written to', os.path.join(HERE, 'corpus'))


if __name__ == '__main__':
    main()
