// Chosen ids through @aws-sdk/client-athena: StartSession's control tag athena-emu:session-id
// (SessionAlreadyExistsException when taken), POST /_emulator/sessions/{id}/next-calculation-id,
// and control tags kept out of ListTagsForResource.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  GetSessionCommand,
  ListTagsForResourceCommand,
  SessionAlreadyExistsException,
  StartCalculationExecutionCommand,
  StartSessionCommand,
} from '@aws-sdk/client-athena';
import { UUID_RE, withEmulator } from './harness.mjs';

const FIXTURES = { workgroups: [{ name: 'wg', engine_version: 'PySpark engine version 3', profile: 'instant' }] };
const ENGINE = { MaxConcurrentDpus: 20 };
const start = (client, tags) =>
  client.send(new StartSessionCommand({ WorkGroup: 'wg', EngineConfiguration: ENGINE,
    Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }));

test('the session gets the chosen id; a taken id is SessionAlreadyExistsException', async () => {
  await withEmulator(['--fixtures', 'none'], async (emu) => {
    await emu.loadFixtures(FIXTURES);
    const out = await start(emu.client, { 'athena-emu:session-id': 'etl-nightly', team: 'data' });
    assert.equal(out.SessionId, 'etl-nightly');
    const got = await emu.client.send(new GetSessionCommand({ SessionId: 'etl-nightly' }));
    assert.equal(got.WorkGroup, 'wg');
    const tags = await emu.client.send(new ListTagsForResourceCommand({
      ResourceARN: 'arn:aws:athena:us-east-1:123456789012:session/etl-nightly' }));
    assert.deepEqual(tags.Tags, [{ Key: 'team', Value: 'data' }]);

    await assert.rejects(start(emu.client, { 'athena-emu:session-id': 'etl-nightly' }), (e) => {
      assert.ok(e instanceof SessionAlreadyExistsException, e.name);
      assert.equal(e.$metadata.httpStatusCode, 400);
      assert.equal(e.message, 'Session etl-nightly already exists in account 123456789012 region us-east-1: ' +
        'choose another id in the tag athena-emu:session-id, or reset the emulator.');
      return true;
    });
    assert.match((await start(emu.client, {})).SessionId, UUID_RE);
  });
});

test('next-calculation-id: used by the next calculation, once; clashes are 409', async () => {
  await withEmulator(['--fixtures', 'none'], async (emu) => {
    await emu.loadFixtures(FIXTURES);
    await start(emu.client, { 'athena-emu:session-id': 's-1' });
    const set = await emu.admin('POST', 'sessions/s-1/next-calculation-id', { id: 'calc-1' });
    assert.equal(set.status, 200);
    assert.deepEqual(set.json, { session_id: 's-1', next_calculation_id: 'calc-1' });
    const c1 = await emu.client.send(new StartCalculationExecutionCommand({ SessionId: 's-1', CodeBlock: 'print(1)' }));
    assert.equal(c1.CalculationExecutionId, 'calc-1');
    await emu.advance(1);
    const c2 = await emu.client.send(new StartCalculationExecutionCommand({ SessionId: 's-1', CodeBlock: 'print(2)' }));
    assert.match(c2.CalculationExecutionId, UUID_RE);
    const clash = await emu.admin('POST', 'sessions/s-1/next-calculation-id', { id: 'calc-1' });
    assert.equal(clash.status, 409);
    assert.match(clash.json.error, /calculation calc-1 already exists/);
    const unknown = await emu.admin('POST', 'sessions/nope/next-calculation-id', { id: 'x' });
    assert.equal(unknown.status, 404);
  });
});
