"""Notebooks, notebook sessions, the engine catalog and dashboards through boto3 (issue 15).

CreateNotebook, ImportNotebook, ExportNotebook, GetNotebookMetadata,
ListNotebookMetadata, UpdateNotebook, UpdateNotebookMetadata, DeleteNotebook,
ListNotebookSessions, CreatePresignedNotebookUrl, ListApplicationDPUSizes,
ListEngineVersions, GetResourceDashboard and StartSession's NotebookVersion,
under the manual clock.

Debian's botocore 1.29 has no GetResourceDashboard and an ImportNotebook whose
Payload is required and which has no NotebookS3LocationUri: those requests go
over raw HTTP there (`self.call` says why), so every assertion runs on both
botocores.
"""

import json
import os
import shutil
import tempfile
import unittest
import uuid

import botocore.session
from emulator import START_MS, Emulator, is_uuid, session, step, workgroup

WG = 'wg-nb'
OTHER_WG = 'wg-other'
SQL_WG = 'wg-sql'
IDLE = [step(0, 'IDLE')]
FIXTURES = {
    'workgroups': [workgroup(WG), workgroup(OTHER_WG),
                   {'name': SQL_WG, 'engine_version': 'Athena engine version 3'}],
    'sessions': [session('s-old', WG, IDLE), session('s-other', OTHER_WG, IDLE)],
}
DOC = {'cells': [{'cell_type': 'code', 'source': 'print(1)', 'metadata': {},
                  'outputs': [], 'execution_count': None}],
       'metadata': {}, 'nbformat': 4, 'nbformat_minor': 5}
PAYLOAD = json.dumps(DOC)
EMPTY = {'cells': [], 'metadata': {}, 'nbformat': 4, 'nbformat_minor': 5}
NOT_FOUND_WG = 'WorkGroup is not found.'
OLD_BOTOCORE = 'GetResourceDashboard' not in botocore.session.get_session() \
    .get_service_model('athena').operation_names


def error_of(ctx):
    err = ctx.exception.response['Error']
    return err['Code'], err['Message']


class RawError(Exception):
    def __init__(self, code, message):
        super().__init__('%s: %s' % (code, message))
        self.response = {'Error': {'Code': code, 'Message': message}}


class NotebookCase(unittest.TestCase):
    fixtures = FIXTURES

    def setUp(self):
        self.emu = Emulator(fixtures=self.fixtures)
        self.emu.start()
        self.addCleanup(self.emu.stop)
        self.c = self.emu.client()

    def raw(self, operation, body):
        """AWS JSON over HTTP, for what botocore 1.29's model lacks: the parsed
        answer, or RawError with the error's code and message."""
        r = self.emu.aws(operation, body)
        doc = r.json()
        if r.status != 200:
            raise RawError(doc['__type'], doc.get('Message'))
        return doc

    def create(self, name, wg=WG, **kw):
        return self.c.create_notebook(WorkGroup=wg, Name=name, **kw)['NotebookId']

    def imported(self, name, payload=PAYLOAD, wg=WG):
        return self.c.import_notebook(WorkGroup=wg, Name=name, Payload=payload,
                                      Type='IPYNB')['NotebookId']

    def metadata(self, nid):
        return self.c.get_notebook_metadata(NotebookId=nid)['NotebookMetadata']

    def assert_error(self, ctx, code, message):
        self.assertEqual(error_of(ctx), (code, message))


class CreateAndRead(NotebookCase):
    def test_create_gives_an_empty_notebook_at_the_clock(self):
        self.emu.advance(5000)
        nid = self.create('first')
        self.assertTrue(is_uuid(nid), nid)
        md = self.metadata(nid)
        self.assertEqual(md['NotebookId'], nid)
        self.assertEqual(md['Name'], 'first')
        self.assertEqual(md['WorkGroup'], WG)
        self.assertEqual(md['Type'], 'IPYNB')
        self.assertEqual(int(md['CreationTime'].timestamp() * 1000), START_MS + 5000)
        self.assertEqual(md['LastModifiedTime'], md['CreationTime'])
        out = self.c.export_notebook(NotebookId=nid)
        self.assertEqual(out['NotebookMetadata'], md)
        self.assertEqual(json.loads(out['Payload']), EMPTY)

    def test_import_keeps_the_payload_as_written(self):
        text = json.dumps(DOC, indent=1)
        nid = self.imported('imp', payload=text)
        self.assertEqual(self.c.export_notebook(NotebookId=nid)['Payload'], text)

    def test_names_are_unique_per_workgroup(self):
        self.create('same')
        with self.assertRaises(self.c.exceptions.InvalidRequestException) as ctx:
            self.create('same')
        self.assert_error(ctx, 'InvalidRequestException',
                          "A notebook named 'same' already exists in workgroup wg-nb; choose another name.")
        with self.assertRaises(self.c.exceptions.InvalidRequestException) as ctx:
            self.imported('same')
        self.assertIn("A notebook named 'same' already exists", error_of(ctx)[1])
        self.assertTrue(is_uuid(self.create('same', wg=OTHER_WG)))

    def test_only_spark_workgroups_that_exist(self):
        with self.assertRaises(self.c.exceptions.InvalidRequestException) as ctx:
            self.create('x', wg=SQL_WG)
        self.assert_error(ctx, 'InvalidRequestException',
                          'Workgroup wg-sql is not a Spark workgroup: notebooks live in workgroups whose '
                          'engine is PySpark engine version 3.')
        with self.assertRaises(self.c.exceptions.InvalidRequestException) as ctx:
            self.create('x', wg='nope')
        self.assert_error(ctx, 'InvalidRequestException', NOT_FOUND_WG)

    def test_unknown_notebook(self):
        nid = str(uuid.uuid4())
        msg = 'Notebook %s does not exist.' % nid
        for call in (lambda: self.c.get_notebook_metadata(NotebookId=nid),
                     lambda: self.c.export_notebook(NotebookId=nid),
                     lambda: self.c.delete_notebook(NotebookId=nid),
                     lambda: self.c.update_notebook_metadata(NotebookId=nid, Name='n'),
                     lambda: self.c.update_notebook(NotebookId=nid, Payload=PAYLOAD, Type='IPYNB')):
            with self.assertRaises(self.c.exceptions.InvalidRequestException) as ctx:
                call()
            self.assert_error(ctx, 'InvalidRequestException', msg)

    def test_model_constraints(self):
        c = self.emu.client(parameter_validation=False)
        with self.assertRaises(c.exceptions.InvalidRequestException) as ctx:
            c.get_notebook_metadata(NotebookId='not-a-uuid')
        self.assert_error(ctx, 'InvalidRequestException',
                          "1 validation error detected: Value at 'notebookId' failed to satisfy constraint: "
                          'Member must satisfy regular expression pattern: '
                          '[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}')
        with self.assertRaises(c.exceptions.InvalidRequestException) as ctx:
            c.create_notebook(WorkGroup=WG, Name='a/b')
        self.assertIn("Value at 'name' failed to satisfy constraint: Member must satisfy regular expression",
                      error_of(ctx)[1])
        with self.assertRaises(c.exceptions.InvalidRequestException) as ctx:
            c.list_notebook_metadata(WorkGroup=WG, MaxResults=51)
        self.assertIn("Value at 'maxResults' failed to satisfy constraint: Member must have value less than "
                      'or equal to 50', error_of(ctx)[1])

    def test_tenants_do_not_see_each_other(self):
        nid = self.create('mine')
        other = self.emu.client(access_key='AKIDOTHER', region='eu-west-1')
        with self.assertRaises(other.exceptions.InvalidRequestException):
            other.get_notebook_metadata(NotebookId=nid)


class ImportRules(NotebookCase):
    def import_raw(self, **members):
        body = {'WorkGroup': WG, 'Name': 'imp', 'Type': 'IPYNB'}
        body.update(members)
        if OLD_BOTOCORE:
            # botocore 1.29's ImportNotebook requires Payload and has no
            # NotebookS3LocationUri: the same request over raw HTTP.
            return self.raw('ImportNotebook', body)['NotebookId']
        return self.emu.client(parameter_validation=False).import_notebook(**body)['NotebookId']

    def test_payload_or_uri_never_both_never_neither(self):
        for members, message in (
                ({'Payload': PAYLOAD, 'NotebookS3LocationUri': 's3://b/n.ipynb'},
                 'Give the notebook in Payload or NotebookS3LocationUri, not both.'),
                ({}, 'Payload or NotebookS3LocationUri is required: the notebook to import.'),
                ({'NotebookS3LocationUri': 's3://b/n.ipynb'},
                 'athena-emu cannot read NotebookS3LocationUri: it holds no S3 objects you wrote. '
                 "Send the notebook's document in Payload instead.")):
            with self.assertRaises(Exception) as ctx:
                self.import_raw(**members)
            self.assert_error(ctx, 'InvalidRequestException', message)

    def test_payload_must_be_a_notebook_document(self):
        prefix = 'Payload is not a Jupyter notebook (IPYNB) document: '
        for payload, why in (('{"cells": [', 'it is not JSON ('),
                             ('[1, 2]', 'it is not a JSON object.'),
                             ('{"metadata": {}, "nbformat": 4, "nbformat_minor": 5}',
                              'the member "cells" must be an array.'),
                             ('{"cells": [], "metadata": [], "nbformat": 4, "nbformat_minor": 5}',
                              'the member "metadata" must be an object.'),
                             ('{"cells": [], "metadata": {}, "nbformat": "4", "nbformat_minor": 5}',
                              'the member "nbformat" must be an integer.')):
            with self.assertRaises(self.c.exceptions.InvalidRequestException) as ctx:
                self.imported('bad', payload=payload)
            code, message = error_of(ctx)
            self.assertEqual(code, 'InvalidRequestException')
            self.assertTrue(message.startswith(prefix + why), message)
        nid = self.create('ok')
        with self.assertRaises(self.c.exceptions.InvalidRequestException) as ctx:
            self.c.update_notebook(NotebookId=nid, Payload='[]', Type='IPYNB')
        self.assert_error(ctx, 'InvalidRequestException', prefix + 'it is not a JSON object.')


class Listing(NotebookCase):
    def test_filter_and_paging(self):
        for name in ('beta', 'alpha', 'alphabet', 'gamma', 'alps'):
            self.create(name)
        page = self.c.list_notebook_metadata(WorkGroup=WG)
        self.assertEqual([m['Name'] for m in page['NotebookMetadataList']],
                         ['alpha', 'alphabet', 'alps', 'beta', 'gamma'])
        self.assertNotIn('NextToken', page)
        names, token = [], None
        while True:
            kw = {'NextToken': token} if token else {}
            page = self.c.list_notebook_metadata(WorkGroup=WG, Filters={'Name': 'al'}, MaxResults=2, **kw)
            names += [m['Name'] for m in page['NotebookMetadataList']]
            token = page.get('NextToken')
            if not token:
                break
        self.assertEqual(names, ['alpha', 'alphabet', 'alps'])
        self.assertEqual(self.c.list_notebook_metadata(WorkGroup=OTHER_WG)['NotebookMetadataList'], [])

    def test_unknown_workgroup_and_bad_token(self):
        with self.assertRaises(self.c.exceptions.InvalidRequestException) as ctx:
            self.c.list_notebook_metadata(WorkGroup='nope')
        self.assert_error(ctx, 'InvalidRequestException', NOT_FOUND_WG)
        with self.assertRaises(self.c.exceptions.InvalidRequestException) as ctx:
            self.c.list_notebook_metadata(WorkGroup=WG, NextToken='garbage')
        self.assertIn('garbage', error_of(ctx)[1])


class Updates(NotebookCase):
    def test_update_writes_payload_and_time(self):
        nid = self.create('n')
        self.emu.advance(7000)
        self.c.update_notebook(NotebookId=nid, Payload=PAYLOAD, Type='IPYNB')
        out = self.c.export_notebook(NotebookId=nid)
        self.assertEqual(out['Payload'], PAYLOAD)
        md = out['NotebookMetadata']
        self.assertEqual(int(md['LastModifiedTime'].timestamp() * 1000), START_MS + 7000)
        self.assertEqual(int(md['CreationTime'].timestamp() * 1000), START_MS)

    def test_rename(self):
        nid = self.create('old')
        other = self.create('taken')
        self.emu.advance(1000)
        self.c.update_notebook_metadata(NotebookId=nid, Name='new')
        md = self.metadata(nid)
        self.assertEqual(md['Name'], 'new')
        self.assertEqual(int(md['LastModifiedTime'].timestamp() * 1000), START_MS + 1000)
        self.c.update_notebook_metadata(NotebookId=other, Name='taken')  # its own name: fine
        with self.assertRaises(self.c.exceptions.InvalidRequestException) as ctx:
            self.c.update_notebook_metadata(NotebookId=nid, Name='taken')
        self.assert_error(ctx, 'InvalidRequestException',
                          "A notebook named 'taken' already exists in workgroup wg-nb; choose another name.")

    def test_session_must_be_live_and_of_the_workgroup(self):
        nid = self.create('n')
        cases = (('s-missing', 'Session s-missing does not exist.'),
                 ('s-other', "Session s-other belongs to workgroup wg-other, not to the notebook's wg-nb: "
                             'use a session of wg-nb.'))
        for sid, message in cases:
            with self.assertRaises(self.c.exceptions.InvalidRequestException) as ctx:
                self.c.update_notebook(NotebookId=nid, Payload=PAYLOAD, Type='IPYNB', SessionId=sid)
            self.assert_error(ctx, 'InvalidRequestException', message)
        self.c.terminate_session(SessionId='s-old')
        with self.assertRaises(self.c.exceptions.InvalidRequestException) as ctx:
            self.c.update_notebook(NotebookId=nid, Payload=PAYLOAD, Type='IPYNB', SessionId='s-old')
        self.assert_error(ctx, 'InvalidRequestException',
                          'Session s-old is TERMINATING; a notebook can use a session that is CREATING, '
                          'CREATED, IDLE or BUSY.')
        self.assertEqual(json.loads(self.c.export_notebook(NotebookId=nid)['Payload']), EMPTY)

    def test_delete(self):
        nid = self.create('gone')
        self.c.delete_notebook(NotebookId=nid)
        with self.assertRaises(self.c.exceptions.InvalidRequestException):
            self.metadata(nid)
        self.assertTrue(is_uuid(self.create('gone')))  # the name is free again


class Tokens(NotebookCase):
    def test_create_and_import_replay(self):
        token = str(uuid.uuid4())
        nid = self.create('t', ClientRequestToken=token)
        self.assertEqual(self.create('t', ClientRequestToken=token), nid)
        self.assertEqual(len(self.c.list_notebook_metadata(WorkGroup=WG)['NotebookMetadataList']), 1)
        with self.assertRaises(self.c.exceptions.InvalidRequestException) as ctx:
            self.create('other', ClientRequestToken=token)
        self.assert_error(ctx, 'InvalidRequestException', 'Idempotent parameters do not match')
        self.assertEqual(ctx.exception.response['AthenaErrorCode'], 'IDEMPOTENT_PARAMETER_MISMATCH')
        itoken = str(uuid.uuid4())
        first = self.c.import_notebook(WorkGroup=WG, Name='i', Payload=PAYLOAD, Type='IPYNB',
                                       ClientRequestToken=itoken)['NotebookId']
        again = self.c.import_notebook(WorkGroup=WG, Name='i', Payload=PAYLOAD, Type='IPYNB',
                                       ClientRequestToken=itoken)['NotebookId']
        self.assertEqual(first, again)

    def test_update_replay(self):
        nid = self.create('u')
        token = str(uuid.uuid4())
        self.c.update_notebook(NotebookId=nid, Payload=PAYLOAD, Type='IPYNB', ClientRequestToken=token)
        self.emu.advance(1000)
        self.c.update_notebook(NotebookId=nid, Payload=PAYLOAD, Type='IPYNB', ClientRequestToken=token)
        md = self.metadata(nid)
        self.assertEqual(int(md['LastModifiedTime'].timestamp() * 1000), START_MS)  # replayed, not redone
        with self.assertRaises(self.c.exceptions.InvalidRequestException) as ctx:
            self.c.update_notebook(NotebookId=nid, Payload=json.dumps(EMPTY), Type='IPYNB',
                                   ClientRequestToken=token)
        self.assert_error(ctx, 'InvalidRequestException', 'Idempotent parameters do not match')
        rtoken = str(uuid.uuid4())
        self.c.update_notebook_metadata(NotebookId=nid, Name='r', ClientRequestToken=rtoken)
        self.c.update_notebook_metadata(NotebookId=nid, Name='r', ClientRequestToken=rtoken)
        with self.assertRaises(self.c.exceptions.InvalidRequestException):
            self.c.update_notebook_metadata(NotebookId=nid, Name='r2', ClientRequestToken=rtoken)


class NotebookSessions(NotebookCase):
    def start(self):
        return self.c.start_session(WorkGroup=WG, EngineConfiguration={'MaxConcurrentDpus': 20},
                                    NotebookVersion='Athena notebook version 1')['SessionId']

    def test_active_linked_sessions_newest_first(self):
        nid = self.create('n')
        self.assertEqual(self.c.list_notebook_sessions(NotebookId=nid)['NotebookSessionsList'], [])
        self.c.update_notebook(NotebookId=nid, Payload=PAYLOAD, Type='IPYNB', SessionId='s-old')
        self.emu.advance(1000)
        s1 = self.start()
        self.emu.advance(1000)
        s2 = self.start()
        s3 = self.start()  # not linked
        for sid in (s1, s2):
            self.c.update_notebook(NotebookId=nid, Payload=PAYLOAD, Type='IPYNB', SessionId=sid)
        out = self.c.list_notebook_sessions(NotebookId=nid)['NotebookSessionsList']
        self.assertEqual([s['SessionId'] for s in out], [s2, s1, 's-old'])
        self.assertEqual([int(s['CreationTime'].timestamp() * 1000) for s in out],
                         [START_MS + 2000, START_MS + 1000, START_MS])
        self.assertNotIn(s3, [s['SessionId'] for s in out])
        self.c.terminate_session(SessionId=s2)
        page = self.c.list_notebook_sessions(NotebookId=nid, MaxResults=1)
        self.assertEqual([s['SessionId'] for s in page['NotebookSessionsList']], [s1])
        page = self.c.list_notebook_sessions(NotebookId=nid, MaxResults=1, NextToken=page['NextToken'])
        self.assertEqual([s['SessionId'] for s in page['NotebookSessionsList']], ['s-old'])
        self.assertNotIn('NextToken', page)

    def test_unknown_notebook_is_resource_not_found(self):
        nid = str(uuid.uuid4())
        with self.assertRaises(self.c.exceptions.ResourceNotFoundException) as ctx:
            self.c.list_notebook_sessions(NotebookId=nid)
        self.assert_error(ctx, 'ResourceNotFoundException', 'Notebook %s does not exist.' % nid)

    def test_presigned_url(self):
        self.emu.advance(500)
        out = self.c.create_presigned_notebook_url(SessionId='s-old')
        self.assertEqual(out['NotebookUrl'], 'https://s-old.notebook.us-east-1.athena-emu.invalid/lab')
        self.assertTrue(is_uuid(out['AuthToken']))
        self.assertEqual(out['AuthTokenExpirationTime'], (START_MS + 500) // 1000 + 3600)
        with self.assertRaises(self.c.exceptions.ResourceNotFoundException) as ctx:
            self.c.create_presigned_notebook_url(SessionId='s-missing')
        self.assert_error(ctx, 'ResourceNotFoundException', 'Session s-missing does not exist.')
        self.c.terminate_session(SessionId='s-old')
        with self.assertRaises(self.c.exceptions.InvalidRequestException) as ctx:
            self.c.create_presigned_notebook_url(SessionId='s-old')
        self.assert_error(ctx, 'InvalidRequestException',
                          'Session s-old is TERMINATING; a notebook URL is available while it is CREATING, '
                          'CREATED, IDLE or BUSY.')


class Catalog(NotebookCase):
    def test_application_dpu_sizes(self):
        out = self.c.list_application_dpu_sizes()
        self.assertEqual(out['ApplicationDPUSizes'],
                         [{'ApplicationRuntimeId': 'Athena notebook version 1', 'SupportedDPUSizes': [1]}])
        self.assertNotIn('NextToken', out)

    def test_engine_versions_with_paging(self):
        out = self.c.list_engine_versions()
        expected = [{'SelectedEngineVersion': 'AUTO', 'EffectiveEngineVersion': 'Athena engine version 3'},
                    {'SelectedEngineVersion': 'Athena engine version 2',
                     'EffectiveEngineVersion': 'Athena engine version 2'},
                    {'SelectedEngineVersion': 'Athena engine version 3',
                     'EffectiveEngineVersion': 'Athena engine version 3'},
                    {'SelectedEngineVersion': 'PySpark engine version 3',
                     'EffectiveEngineVersion': 'PySpark engine version 3'}]
        self.assertEqual(out['EngineVersions'], expected)
        seen, token = [], None
        while True:
            kw = {'NextToken': token} if token else {}
            page = self.c.list_engine_versions(MaxResults=3, **kw)
            seen += page['EngineVersions']
            token = page.get('NextToken')
            if not token:
                break
        self.assertEqual(seen, expected)
        # Every listed version is one CreateWorkGroup accepts.
        for i, v in enumerate(expected):
            self.c.create_work_group(Name='wg-v%d' % i, Configuration={
                'EngineVersion': {'SelectedEngineVersion': v['SelectedEngineVersion']},
                'ExecutionRole': 'arn:aws:iam::123456789012:role/r'})
            got = self.c.get_work_group(WorkGroup='wg-v%d' % i)['WorkGroup']['Configuration']['EngineVersion']
            self.assertEqual(got, v)

    def test_start_session_notebook_version(self):
        sid = self.c.start_session(WorkGroup=WG, EngineConfiguration={'MaxConcurrentDpus': 20},
                                   NotebookVersion='Athena notebook version 1')['SessionId']
        self.assertEqual(self.c.get_session(SessionId=sid)['NotebookVersion'], 'Athena notebook version 1')
        with self.assertRaises(self.c.exceptions.InvalidRequestException) as ctx:
            self.c.start_session(WorkGroup=WG, EngineConfiguration={'MaxConcurrentDpus': 20},
                                 NotebookVersion='Athena notebook version 9')
        self.assert_error(ctx, 'InvalidRequestException',
                          "NotebookVersion 'Athena notebook version 9' is not supported; use Athena notebook "
                          'version 1 (ListApplicationDPUSizes lists them).')

    def dashboard(self, arn):
        if OLD_BOTOCORE:
            # botocore 1.29 has no GetResourceDashboard: the same request over raw HTTP.
            return self.raw('GetResourceDashboard', {'ResourceARN': arn})['Url']
        return self.c.get_resource_dashboard(ResourceARN=arn)['Url']

    def test_resource_dashboard(self):
        arn = 'arn:aws:athena:us-east-1:123456789012:session/s-old'
        self.assertEqual(self.dashboard(arn), 'https://s-old.spark-ui.us-east-1.athena-emu.invalid/')
        for bad in ('arn:aws:athena:us-east-1:123456789012:session/s-missing',
                    'arn:aws:athena:eu-west-1:123456789012:session/s-old',
                    'arn:aws:athena:us-east-1:123456789012:workgroup/wg-nb', 'not-an-arn'):
            with self.assertRaises(Exception) as ctx:
                self.dashboard(bad)
            code, message = error_of(ctx)
            self.assertEqual(code, 'ResourceNotFoundException')
            self.assertEqual(message, 'The resource %s does not exist: give the ARN of a session of this account '
                                      'and region (arn:aws:athena:<region>:<account>:session/<id>).' % bad)


class Observability(NotebookCase):
    """Faults, the journal and the metrics see the new operations through the router."""

    def journal(self, **filters):
        path = 'requests'
        if filters:
            path += '?' + '&'.join('%s=%s' % kv for kv in filters.items())
        return self.emu.admin_ok('GET', path)['requests']

    def test_fault_rules_match_notebook_operations(self):
        self.emu.admin_ok('POST', 'faults', {'id': 'nb', 'operation': 'CreateNotebook', 'match': {'workgroup': WG},
                                             'count': 2, 'action': {'error': 'InternalServerException'}})
        with self.assertRaises(self.c.exceptions.InternalServerException):
            self.create('x')
        self.create('y', wg=OTHER_WG)  # another workgroup: not matched
        self.emu.admin_ok('POST', 'faults', {'id': 'ls', 'operation': 'ListNotebookSessions',
                                             'action': {'error': 'TooManyRequestsException'}})
        with self.assertRaises(self.c.exceptions.TooManyRequestsException):
            self.c.list_notebook_sessions(NotebookId=str(uuid.uuid4()))
        fired = {r['id']: r['fired'] for r in self.emu.admin_ok('GET', 'faults')['faults']}
        self.assertEqual(fired, {'nb': 1, 'ls': 1})
        with self.assertRaises(self.c.exceptions.InternalServerException):
            self.create('x')
        self.create('x')  # the rule fired twice and retired
        self.assertEqual(len(self.c.list_notebook_metadata(WorkGroup=WG)['NotebookMetadataList']), 1)

    def test_journal_and_metrics(self):
        nid = self.create('j')
        self.c.update_notebook(NotebookId=nid, Payload=PAYLOAD, Type='IPYNB', SessionId='s-old')
        with self.assertRaises(self.c.exceptions.InvalidRequestException):
            self.c.get_notebook_metadata(NotebookId=str(uuid.uuid4()))
        self.c.list_engine_versions()
        ops = [e['operation'] for e in self.journal()]
        self.assertEqual(sorted(ops), sorted(['CreateNotebook', 'UpdateNotebook', 'GetNotebookMetadata',
                                              'ListEngineVersions']))
        created = self.journal(operation='CreateNotebook')
        self.assertEqual([e['workgroup'] for e in created], [WG])
        updated = self.journal(session_id='s-old')
        self.assertEqual([e['operation'] for e in updated], ['UpdateNotebook'])
        text = self.emu.http('GET', '/_emulator/metrics').body.decode()
        for line in ('athena_emu_requests_total{operation="CreateNotebook",status="200",error=""} 1',
                     'athena_emu_requests_total{operation="GetNotebookMetadata",status="400",'
                     'error="InvalidRequestException"} 1',
                     'athena_emu_requests_total{operation="ListEngineVersions",status="200",error=""} 1'):
            self.assertIn(line, text.splitlines())


class WorkgroupDeletion(NotebookCase):
    def test_a_workgroup_holding_notebooks_is_deleted_only_recursively(self):
        self.c.terminate_session(SessionId='s-old')  # no active session: the notebooks alone refuse
        first = self.create('one')
        self.create('two')
        with self.assertRaises(self.c.exceptions.InvalidRequestException) as ctx:
            self.c.delete_work_group(WorkGroup=WG)
        self.assert_error(ctx, 'InvalidRequestException',
                          'WorkGroup wg-nb has 2 notebooks; delete them (DeleteNotebook) or set '
                          'RecursiveDeleteOption.')
        self.assertEqual(self.metadata(first)['Name'], 'one')
        self.c.delete_work_group(WorkGroup=WG, RecursiveDeleteOption=True)
        with self.assertRaises(self.c.exceptions.InvalidRequestException):
            self.metadata(first)
        # A new workgroup of the same name starts empty.
        self.c.create_work_group(Name=WG, Configuration={
            'EngineVersion': {'SelectedEngineVersion': 'PySpark engine version 3'},
            'ExecutionRole': 'arn:aws:iam::123456789012:role/r'})
        self.assertEqual(self.c.list_notebook_metadata(WorkGroup=WG)['NotebookMetadataList'], [])

    def test_reset_drops_notebooks(self):
        nid = self.create('n')
        self.emu.admin_ok('POST', 'reset', {})
        with self.assertRaises(self.c.exceptions.InvalidRequestException):
            self.metadata(nid)
        self.assertEqual(self.c.list_notebook_metadata(WorkGroup=WG)['NotebookMetadataList'], [])


NB1 = '11111111-1111-4111-8111-111111111111'
NB2 = '22222222-2222-4222-8222-222222222222'


class Fixtures(unittest.TestCase):
    def fixture_doc(self, **notebook):
        nb = {'id': NB1, 'workgroup': WG, 'name': 'from-fixture'}
        nb.update(notebook)
        doc = dict(FIXTURES)
        doc['notebooks'] = [nb]
        return doc

    def test_fixture_notebooks(self):
        doc = self.fixture_doc(payload=PAYLOAD, sessions=['s-old'], created='2025-12-31T00:00:00Z',
                               modified='2025-12-31T12:00:00Z')
        doc['notebooks'].append({'id': NB2, 'workgroup': OTHER_WG, 'name': 'plain', 'account': '210987654321'})
        doc['workgroups'] = doc['workgroups'] + [dict(workgroup(OTHER_WG), account='210987654321')]
        with Emulator(fixtures=doc) as emu:
            c = emu.client()
            out = c.export_notebook(NotebookId=NB1)
            self.assertEqual(out['Payload'], PAYLOAD)
            md = out['NotebookMetadata']
            self.assertEqual((md['Name'], md['WorkGroup'], md['Type']), ('from-fixture', WG, 'IPYNB'))
            self.assertEqual(int(md['CreationTime'].timestamp() * 1000), START_MS - 86400000)
            self.assertEqual(int(md['LastModifiedTime'].timestamp() * 1000), START_MS - 43200000)
            self.assertEqual([s['SessionId'] for s in c.list_notebook_sessions(NotebookId=NB1)['NotebookSessionsList']],
                             ['s-old'])
            other = emu.client(access_key='210987654321')
            self.assertEqual(json.loads(other.export_notebook(NotebookId=NB2)['Payload']), EMPTY)
            with self.assertRaises(c.exceptions.InvalidRequestException):
                c.get_notebook_metadata(NotebookId=NB2)  # another account's
            applied = emu.load({'notebooks': [{'id': NB1, 'workgroup': WG, 'name': 'replaced'}]})
            self.assertEqual(applied['applied']['notebooks'], 1)
            self.assertEqual(c.get_notebook_metadata(NotebookId=NB1)['NotebookMetadata']['Name'], 'replaced')
            self.assertEqual(c.list_notebook_sessions(NotebookId=NB1)['NotebookSessionsList'], [])

    def test_fixture_errors_name_the_path(self):
        cases = [
            ({'id': 'NB1'}, 'notebooks[0].id: must be a lowercase UUID, as a NotebookId'),
            ({'workgroup': 'nope'}, "notebooks[0].workgroup: workgroup 'nope' does not exist in account "
                                    '123456789012, region us-east-1 (define it under "workgroups" first)'),
            ({'workgroup': SQL_WG}, "notebooks[0].workgroup: workgroup 'wg-sql' is not a Spark workgroup"),
            ({'payload': '[]'}, 'notebooks[0].payload: Payload is not a Jupyter notebook (IPYNB) document: '
                                'it is not a JSON object.'),
            ({'type': 'HTML'}, 'notebooks[0].type: must be IPYNB'),
            ({'name': 'a/b'}, "notebooks[0].name: must not contain '/', ':' or '\\'"),
            ({'sessions': ['s-other']}, "notebooks[0].sessions[0]: session 's-other' does not exist in workgroup "
                                        "'wg-nb' in account 123456789012, region us-east-1"),
            ({'created': '2027-01-01T00:00:00Z'}, 'notebooks[0].created: a notebook cannot be created in the future'),
            ({'extra': 1}, 'notebooks[0]'),
        ]
        with Emulator(fixtures=FIXTURES) as emu:
            for notebook, message in cases:
                nb = {'id': NB1, 'workgroup': WG, 'name': 'n'}
                nb.update(notebook)
                status, doc = emu.admin('POST', 'fixtures', {'notebooks': [nb]})
                with self.subTest(notebook=notebook):
                    self.assertEqual(status, 400, doc)
                    self.assertIn(message, doc['error'])
            emu.load({'notebooks': [{'id': NB1, 'workgroup': WG, 'name': 'taken'}]})
            status, doc = emu.admin('POST', 'fixtures', {'notebooks': [{'id': NB2, 'workgroup': WG, 'name': 'taken'}]})
            self.assertEqual(status, 400, doc)
            self.assertIn("notebooks[0].name: notebook %s of workgroup 'wg-nb' is named 'taken' already" % NB1,
                          doc['error'])

    def answers(self, emu, ids):
        out = {}
        for op, body in [('ListNotebookMetadata', {'WorkGroup': WG}), ('ListNotebookMetadata', {'WorkGroup': OTHER_WG}),
                         ('ListEngineVersions', {}), ('ListApplicationDPUSizes', {})] + \
                [(op, {'NotebookId': nid}) for nid in ids
                 for op in ('GetNotebookMetadata', 'ExportNotebook', 'ListNotebookSessions')]:
            r = emu.aws(op, body)
            out[op + json.dumps(body, sort_keys=True)] = (r.status, r.body)
        return out

    def test_export_round_trip_reproduces_every_answer(self):
        with Emulator('--seed', '3', fixtures=FIXTURES) as a:
            c = a.client()
            token = str(uuid.uuid4())
            n1 = c.import_notebook(WorkGroup=WG, Name='one', Payload=PAYLOAD, Type='IPYNB',
                                   ClientRequestToken=token)['NotebookId']
            a.advance(1500)
            n2 = c.create_notebook(WorkGroup=OTHER_WG, Name='two')['NotebookId']
            sid = c.start_session(WorkGroup=WG, EngineConfiguration={'MaxConcurrentDpus': 20})['SessionId']
            for s in ('s-old', sid):
                c.update_notebook(NotebookId=n1, Payload=PAYLOAD, Type='IPYNB', SessionId=s)
            a.advance(700)
            c.update_notebook_metadata(NotebookId=n1, Name='one renamed')
            gone = c.create_notebook(WorkGroup=WG, Name='gone')['NotebookId']
            c.delete_notebook(NotebookId=gone)
            ids = [n1, n2, gone]
            want = self.answers(a, ids)
            state = a.admin_ok('GET', 'state')
            self.assertEqual(len(state['notebooks']), 2, state['notebooks'])
            with Emulator('--seed', '4', fixtures='none') as b:
                self.assertEqual(b.load(state)['applied']['notebooks'], 2)
                self.assertEqual(self.answers(b, ids), want)
                # The token replays on both, and is bound to its parameters on both.
                again = {'WorkGroup': WG, 'Name': 'one', 'Payload': PAYLOAD, 'Type': 'IPYNB',
                         'ClientRequestToken': token}
                ra, rb = a.aws('ImportNotebook', again), b.aws('ImportNotebook', again)
                self.assertEqual((ra.status, ra.json()), (200, {'NotebookId': n1}))
                self.assertEqual((rb.status, rb.body), (ra.status, ra.body))
                again['Name'] = 'other'
                ra, rb = a.aws('ImportNotebook', again), b.aws('ImportNotebook', again)
                self.assertEqual(ra.status, 400)
                self.assertEqual((rb.status, rb.body), (ra.status, ra.body))
                # Terminating a linked session changes both the same way.
                for emu in (a, b):
                    emu.aws('TerminateSession', {'SessionId': sid})
                self.assertEqual(self.answers(b, ids), self.answers(a, ids))
                self.assertEqual(b.admin_ok('GET', 'state')['notebooks'], a.admin_ok('GET', 'state')['notebooks'])


class Persistence(unittest.TestCase):
    def test_notebooks_survive_kill9(self):
        tmp = tempfile.mkdtemp(prefix='athena-emu-nb-')
        self.addCleanup(shutil.rmtree, tmp, True)
        db = os.path.join(tmp, 'state.db')
        emu = Emulator(fixtures=FIXTURES, db=db)
        emu.start()
        c = emu.client()
        nid = c.import_notebook(WorkGroup=WG, Name='kept', Payload=PAYLOAD, Type='IPYNB')['NotebookId']
        c.update_notebook(NotebookId=nid, Payload=PAYLOAD, Type='IPYNB', SessionId='s-old')
        before = c.export_notebook(NotebookId=nid)
        emu.kill9()
        emu2 = Emulator(fixtures=FIXTURES, db=db)
        emu2.start()
        self.addCleanup(emu2.stop)
        c2 = emu2.client()
        after = c2.export_notebook(NotebookId=nid)
        self.assertEqual(after['NotebookMetadata'], before['NotebookMetadata'])
        self.assertEqual(after['Payload'], PAYLOAD)
        self.assertEqual([s['SessionId'] for s in c2.list_notebook_sessions(NotebookId=nid)['NotebookSessionsList']],
                         ['s-old'])


if __name__ == '__main__':
    unittest.main()
