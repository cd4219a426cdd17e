// Issue 13 through @aws-sdk/client-athena: athena-emu answers as real Athena was measured to
// answer. Missing workgroups, ErrorCode next to AthenaErrorCode, no X-Amzn-ErrorType, validation
// texts, Jackson's type texts, paging tokens, client request tokens, workgroup defaults, ARNs with
// an empty account, GetSession's EngineConfiguration.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CreateWorkGroupCommand,
  DeleteWorkGroupCommand,
  GetSessionCommand,
  GetWorkGroupCommand,
  ListSessionsCommand,
  ListTagsForResourceCommand,
  ListWorkGroupsCommand,
  StartSessionCommand,
  TagResourceCommand,
  UpdateWorkGroupCommand,
} from '@aws-sdk/client-athena';
import { withEmulator } from './harness.mjs';

const ROLE = 'arn:aws:iam::123456789012:role/r';
const ENGINE = { MaxConcurrentDpus: 4 };
const DOC = {
  workgroups: [
    { name: 'wg', engine_version: 'PySpark engine version 3', profile: 'instant', configuration: { ExecutionRole: ROLE } },
    { name: 'spark-bare', engine_version: 'PySpark engine version 3', profile: 'instant' },
  ],
  sessions: [{ id: 'bare-1', workgroup: 'wg', script: [{ after_ms: 0, state: 'IDLE' }] }],
};

async function fails(promise, name, message) {
  const err = await promise.then(
    () => assert.fail(`expected ${name}`),
    (e) => e,
  );
  assert.equal(err.name, name, err.stack);
  assert.equal(err.message, message);
  assert.equal(err.$metadata.httpStatusCode, 400);
  // Real Athena sends no X-Amzn-ErrorType; the SDK reads __type.
  assert.equal(err.$response?.headers?.['x-amzn-errortype'], undefined);
  return err;
}

async function withDoc(body) {
  return withEmulator(['--fixtures', 'none'], async (emu) => {
    await emu.loadFixtures(DOC);
    await body(emu, emu.client);
  });
}

test('a missing workgroup: InvalidRequestException, INVALID_INPUT, "WorkGroup is not found."', () =>
  withDoc(async (emu, c) => {
    for (const cmd of [
      new GetWorkGroupCommand({ WorkGroup: 'nope' }),
      new UpdateWorkGroupCommand({ WorkGroup: 'nope', Description: 'd' }),
      new DeleteWorkGroupCommand({ WorkGroup: 'nope' }),
      new StartSessionCommand({ WorkGroup: 'nope', EngineConfiguration: ENGINE }),
      new ListSessionsCommand({ WorkGroup: 'nope' }),
    ]) {
      const err = await fails(c.send(cmd), 'InvalidRequestException', 'WorkGroup is not found.');
      assert.equal(err.AthenaErrorCode, 'INVALID_INPUT');
    }
  }));

test('validation texts never echo the value; wrong types get Jackson\'s text', () =>
  withDoc(async (emu, c) => {
    await fails(c.send(new ListWorkGroupsCommand({ MaxResults: 51 })), 'InvalidRequestException',
      "1 validation error detected: Value at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 50");
    await fails(c.send(new ListWorkGroupsCommand({ MaxResults: 2 ** 40 })), 'InvalidRequestException',
      "1 validation error detected: Value at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 50");
    await fails(c.send(new ListWorkGroupsCommand({ MaxResults: '5' })), 'SerializationException',
      'STRING_VALUE can not be converted to an Integer');
    const out = await c.send(new ListWorkGroupsCommand({ MaxResults: 1.5 }));
    assert.equal(out.WorkGroups.length, 1);
    await fails(c.send(new StartSessionCommand({ WorkGroup: 'wg', EngineConfiguration: { ...ENGINE, SparkProperties: { 'a\u0001b': 'v' } } })),
      'InvalidRequestException',
      "1 validation error detected: Value at 'engineConfiguration.sparkProperties' failed to satisfy constraint: Map keys must satisfy constraint: " +
      '[Member must have length less than or equal to 255, Member must have length greater than or equal to 1, ' +
      'Member must satisfy regular expression pattern: [\\u0020-\\uD7FF\\uE000-\\uFFFD\\uD800\\uDC00-\\uDBFF\\uDFFF\\t]*]');
  }));

test('paging tokens: a tampered token is malformed; an unknown workgroup wins', () =>
  withDoc(async (emu, c) => {
    const { NextToken: token } = await c.send(new ListWorkGroupsCommand({ MaxResults: 1 }));
    const next = await c.send(new ListWorkGroupsCommand({ MaxResults: 1, NextToken: token }));
    assert.equal(next.WorkGroups[0].Name, 'spark-bare');
    const bad = token.slice(0, 4) + (token[4] === 'B' ? 'C' : 'B') + token.slice(5);
    await fails(c.send(new ListWorkGroupsCommand({ MaxResults: 1, NextToken: bad })),
      'InvalidRequestException', `The nextPageToken is malformed: ${bad}`);
    await fails(c.send(new ListSessionsCommand({ WorkGroup: 'nope', NextToken: bad })),
      'InvalidRequestException', 'WorkGroup is not found.');
    await fails(c.send(new ListTagsForResourceCommand({
      ResourceARN: 'arn:aws:athena:us-east-1:123456789012:workgroup/wg', NextToken: 'x' })),
    'InvalidRequestException', 'The nextPageToken is malformed: x');
  }));

test('ClientRequestToken: other parameters → IDEMPOTENT_PARAMETER_MISMATCH; 128 UTF-8 bytes', () =>
  withDoc(async (emu, c) => {
    const token = `js-fidelity-token-${'0'.repeat(20)}`;
    await c.send(new StartSessionCommand({ WorkGroup: 'wg', EngineConfiguration: ENGINE, Description: 'one', ClientRequestToken: token }));
    const err = await fails(
      c.send(new StartSessionCommand({ WorkGroup: 'wg', EngineConfiguration: ENGINE, Description: 'two', ClientRequestToken: token })),
      'InvalidRequestException', 'Idempotent parameters do not match');
    assert.equal(err.AthenaErrorCode, 'IDEMPOTENT_PARAMETER_MISMATCH');
    await fails(
      c.send(new StartSessionCommand({ WorkGroup: 'wg', EngineConfiguration: ENGINE, ClientRequestToken: 'é'.repeat(100) })),
      'InvalidRequestException', 'clientRequestToken exceeds maximum allowed length 128');
  }));

test('workgroup defaults, a fixture Spark workgroup\'s role, an ARN with an empty account', () =>
  withDoc(async (emu, c) => {
    const flags = async (name) => {
      const { Configuration: cfg } = (await c.send(new GetWorkGroupCommand({ WorkGroup: name }))).WorkGroup;
      return [cfg.EnableMinimumEncryptionConfiguration, cfg.EnforceWorkGroupConfiguration,
        cfg.PublishCloudWatchMetricsEnabled, cfg.RequesterPaysEnabled];
    };
    assert.deepEqual(await flags('primary'), [false, false, false, false]);
    await c.send(new CreateWorkGroupCommand({ Name: 'plain' }));
    assert.deepEqual(await flags('plain'), [false, true, true, false]);

    await c.send(new UpdateWorkGroupCommand({ WorkGroup: 'spark-bare', State: 'DISABLED' }));
    const bare = (await c.send(new GetWorkGroupCommand({ WorkGroup: 'spark-bare' }))).WorkGroup;
    assert.equal(bare.State, 'DISABLED');
    assert.equal(bare.Configuration.ExecutionRole, 'arn:aws:iam::123456789012:role/athena-emu-spark');

    const arn = 'arn:aws:athena:us-east-1::workgroup/wg';
    await c.send(new TagResourceCommand({ ResourceARN: arn, Tags: [{ Key: 'via', Value: 'js' }] }));
    const { Tags } = await c.send(new ListTagsForResourceCommand({ ResourceARN: arn }));
    assert.deepEqual(Tags, [{ Key: 'via', Value: 'js' }]);

    const s = await c.send(new GetSessionCommand({ SessionId: 'bare-1' }));
    assert.deepEqual(s.EngineConfiguration, { CoordinatorDpuSize: 1, MaxConcurrentDpus: 20, DefaultExecutorDpuSize: 1 });
  }));
