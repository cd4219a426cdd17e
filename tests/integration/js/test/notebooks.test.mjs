// Notebooks, notebook sessions, the engine catalog and dashboards through @aws-sdk/client-athena
// (issue 15), under the manual clock: every operation, its answer's members and the error texts.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CreateNotebookCommand,
  CreatePresignedNotebookUrlCommand,
  DeleteNotebookCommand,
  DeleteWorkGroupCommand,
  ExportNotebookCommand,
  GetNotebookMetadataCommand,
  GetResourceDashboardCommand,
  GetSessionCommand,
  ImportNotebookCommand,
  ListApplicationDPUSizesCommand,
  ListEngineVersionsCommand,
  ListNotebookMetadataCommand,
  ListNotebookSessionsCommand,
  StartSessionCommand,
  TerminateSessionCommand,
  UpdateNotebookCommand,
  UpdateNotebookMetadataCommand,
} from '@aws-sdk/client-athena';
import { START_MS, UUID_RE, withEmulator } from './harness.mjs';

const WG = 'wg-nb-js';
const FIXTURES = {
  workgroups: [
    { name: WG, engine_version: 'PySpark engine version 3' },
    { name: 'wg-sql-js', engine_version: 'Athena engine version 3' },
  ],
  sessions: [{ id: 'js-nb-s', workgroup: WG, script: [{ after_ms: 0, state: 'IDLE' }] }],
};
const PAYLOAD = JSON.stringify({ cells: [], metadata: { js: true }, nbformat: 4, nbformat_minor: 5 });

async function withNotebooks(body) {
  return withEmulator(['--fixtures', 'none'], async (emu) => {
    await emu.loadFixtures(FIXTURES);
    return body(emu, emu.client);
  });
}

async function rejects(promise, name, message) {
  await assert.rejects(promise, (e) => {
    assert.equal(e.name, name, e.message);
    assert.equal(e.message, message);
    return true;
  });
}

test('create, import, read, list, rename, update, delete', () => withNotebooks(async (emu, c) => {
  await emu.advance(1000);
  const { NotebookId: id } = await c.send(new CreateNotebookCommand({ WorkGroup: WG, Name: 'made' }));
  assert.match(id, UUID_RE);
  const { NotebookId: imp } = await c.send(new ImportNotebookCommand({
    WorkGroup: WG, Name: 'imported', Type: 'IPYNB', Payload: PAYLOAD,
  }));
  const md = (await c.send(new GetNotebookMetadataCommand({ NotebookId: id }))).NotebookMetadata;
  assert.deepEqual([md.NotebookId, md.Name, md.WorkGroup, md.Type], [id, 'made', WG, 'IPYNB']);
  assert.equal(md.CreationTime.getTime(), START_MS + 1000);
  assert.equal(md.LastModifiedTime.getTime(), START_MS + 1000);
  const exported = await c.send(new ExportNotebookCommand({ NotebookId: imp }));
  assert.equal(exported.Payload, PAYLOAD);
  assert.equal(exported.NotebookMetadata.Name, 'imported');
  const listed = await c.send(new ListNotebookMetadataCommand({ WorkGroup: WG, Filters: { Name: 'mad' } }));
  assert.deepEqual(listed.NotebookMetadataList.map((m) => m.NotebookId), [id]);
  await rejects(c.send(new CreateNotebookCommand({ WorkGroup: WG, Name: 'made' })), 'InvalidRequestException',
    "A notebook named 'made' already exists in workgroup wg-nb-js; choose another name.");
  await rejects(c.send(new CreateNotebookCommand({ WorkGroup: 'wg-sql-js', Name: 'x' })), 'InvalidRequestException',
    'Workgroup wg-sql-js is not a Spark workgroup: notebooks live in workgroups whose engine is PySpark engine version 3.');
  await rejects(c.send(new ImportNotebookCommand({ WorkGroup: WG, Name: 'b', Type: 'IPYNB', Payload: '1' })),
    'InvalidRequestException', 'Payload is not a Jupyter notebook (IPYNB) document: it is not a JSON object.');
  await rejects(c.send(new ImportNotebookCommand({
    WorkGroup: WG, Name: 'b', Type: 'IPYNB', Payload: PAYLOAD, NotebookS3LocationUri: 's3://b/k.ipynb',
  })), 'InvalidRequestException', 'Give the notebook in Payload or NotebookS3LocationUri, not both.');
  await emu.advance(1000);
  await c.send(new UpdateNotebookCommand({ NotebookId: id, Payload: PAYLOAD, Type: 'IPYNB', SessionId: 'js-nb-s' }));
  await c.send(new UpdateNotebookMetadataCommand({ NotebookId: id, Name: 'renamed' }));
  const after = (await c.send(new ExportNotebookCommand({ NotebookId: id })));
  assert.equal(after.Payload, PAYLOAD);
  assert.equal(after.NotebookMetadata.Name, 'renamed');
  assert.equal(after.NotebookMetadata.LastModifiedTime.getTime(), START_MS + 2000);
  await c.send(new DeleteNotebookCommand({ NotebookId: id }));
  await rejects(c.send(new GetNotebookMetadataCommand({ NotebookId: id })), 'InvalidRequestException',
    `Notebook ${id} does not exist.`);
}));

test('notebook sessions and presigned URLs', () => withNotebooks(async (emu, c) => {
  const { NotebookId: id } = await c.send(new CreateNotebookCommand({ WorkGroup: WG, Name: 'n' }));
  await emu.advance(1000);
  const { SessionId: sid } = await c.send(new StartSessionCommand({
    WorkGroup: WG, EngineConfiguration: { MaxConcurrentDpus: 20 }, NotebookVersion: 'Athena notebook version 1',
  }));
  assert.equal((await c.send(new GetSessionCommand({ SessionId: sid }))).NotebookVersion, 'Athena notebook version 1');
  for (const s of ['js-nb-s', sid]) {
    await c.send(new UpdateNotebookCommand({ NotebookId: id, Payload: PAYLOAD, Type: 'IPYNB', SessionId: s }));
  }
  let out = await c.send(new ListNotebookSessionsCommand({ NotebookId: id }));
  assert.deepEqual(out.NotebookSessionsList.map((s) => [s.SessionId, s.CreationTime.getTime()]),
    [[sid, START_MS + 1000], ['js-nb-s', START_MS]]);
  await c.send(new TerminateSessionCommand({ SessionId: sid }));
  out = await c.send(new ListNotebookSessionsCommand({ NotebookId: id }));
  assert.deepEqual(out.NotebookSessionsList.map((s) => s.SessionId), ['js-nb-s']);
  const missing = '00000000-0000-4000-8000-000000000000';
  await rejects(c.send(new ListNotebookSessionsCommand({ NotebookId: missing })), 'ResourceNotFoundException',
    `Notebook ${missing} does not exist.`);
  const url = await c.send(new CreatePresignedNotebookUrlCommand({ SessionId: 'js-nb-s' }));
  assert.equal(url.NotebookUrl, 'https://js-nb-s.notebook.us-east-1.athena-emu.invalid/lab');
  assert.match(url.AuthToken, UUID_RE);
  assert.equal(url.AuthTokenExpirationTime, Math.floor((START_MS + 1000) / 1000) + 3600);
  await rejects(c.send(new CreatePresignedNotebookUrlCommand({ SessionId: sid })), 'InvalidRequestException',
    `Session ${sid} is TERMINATING; a notebook URL is available while it is CREATING, CREATED, IDLE or BUSY.`);
  await rejects(c.send(new StartSessionCommand({
    WorkGroup: WG, EngineConfiguration: { MaxConcurrentDpus: 20 }, NotebookVersion: 'nope',
  })), 'InvalidRequestException',
  "NotebookVersion 'nope' is not supported; use Athena notebook version 1 (ListApplicationDPUSizes lists them).");
}));

test('catalog and dashboard', () => withNotebooks(async (emu, c) => {
  const sizes = await c.send(new ListApplicationDPUSizesCommand({}));
  assert.deepEqual(sizes.ApplicationDPUSizes,
    [{ ApplicationRuntimeId: 'Athena notebook version 1', SupportedDPUSizes: [1] }]);
  const first = await c.send(new ListEngineVersionsCommand({ MaxResults: 2 }));
  const rest = await c.send(new ListEngineVersionsCommand({ MaxResults: 2, NextToken: first.NextToken }));
  assert.equal(rest.NextToken, undefined);
  assert.deepEqual([...first.EngineVersions, ...rest.EngineVersions].map((v) => v.SelectedEngineVersion),
    ['AUTO', 'Athena engine version 2', 'Athena engine version 3', 'PySpark engine version 3']);
  const arn = 'arn:aws:athena:us-east-1:123456789012:session/js-nb-s';
  const dash = await c.send(new GetResourceDashboardCommand({ ResourceARN: arn }));
  assert.equal(dash.Url, 'https://js-nb-s.spark-ui.us-east-1.athena-emu.invalid/');
  await rejects(c.send(new GetResourceDashboardCommand({ ResourceARN: `${arn}-gone` })), 'ResourceNotFoundException',
    `The resource ${arn}-gone does not exist: give the ARN of a session of this account and region `
    + '(arn:aws:athena:<region>:<account>:session/<id>).');
}));

test('a workgroup holding notebooks is deleted only recursively; tokens replay', () => withNotebooks(async (emu, c) => {
  await c.send(new TerminateSessionCommand({ SessionId: 'js-nb-s' }));
  const token = '3f1c7e52-0000-4000-8000-00000000beef';
  const { NotebookId: id } = await c.send(new CreateNotebookCommand({ WorkGroup: WG, Name: 'kept', ClientRequestToken: token }));
  const again = await c.send(new CreateNotebookCommand({ WorkGroup: WG, Name: 'kept', ClientRequestToken: token }));
  assert.equal(again.NotebookId, id);
  await rejects(c.send(new CreateNotebookCommand({ WorkGroup: WG, Name: 'other', ClientRequestToken: token })),
    'InvalidRequestException', 'Idempotent parameters do not match');
  await rejects(c.send(new DeleteWorkGroupCommand({ WorkGroup: WG })), 'InvalidRequestException',
    'WorkGroup wg-nb-js has 1 notebook; delete them (DeleteNotebook) or set RecursiveDeleteOption.');
  await c.send(new DeleteWorkGroupCommand({ WorkGroup: WG, RecursiveDeleteOption: true }));
  await rejects(c.send(new GetNotebookMetadataCommand({ NotebookId: id })), 'InvalidRequestException',
    `Notebook ${id} does not exist.`);
}));
