// GetSessionStatus through @aws-sdk/client-athena against the real binary, under a manual clock
// (CONTRACT §3 GetSessionStatus, §4 scripts, §5 clock/transition, §2 errors). No test sleeps.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GetSessionStatusCommand } from '@aws-sdk/client-athena';
import { START_MS, UUID_RE, presentMembers, startEmulator, withEmulator } from './harness.mjs';

const NO_FIXTURES = ['--fixtures', 'none'];

const SPARK_WG = { name: 'wg', engine_version: 'PySpark engine version 3' };
const S1 = {
  id: 's1',
  workgroup: 'wg',
  script: [
    { after_ms: 0, state: 'CREATING' },
    { after_ms: 1000, state: 'IDLE' },
  ],
};

async function status(client, id) {
  const out = await client.send(new GetSessionStatusCommand({ SessionId: id }));
  assert.equal(out.$metadata.httpStatusCode, 200);
  assert.match(out.$metadata.requestId ?? '', UUID_RE, 'x-amzn-RequestId is a UUID');
  assert.deepEqual(presentMembers(out), ['SessionId', 'Status']);
  assert.equal(out.SessionId, id);
  return out.Status;
}

function assertDate(value, expectedMs, what) {
  assert.ok(value instanceof Date, `${what} is a Date (got ${value})`);
  assert.equal(value.getTime(), expectedMs,
    `${what}: ${value.toISOString()} != ${new Date(expectedMs).toISOString()}`);
}

// Expects `promise` to fail with Athena error `name` (HTTP 400); returns the error.
async function rejectsWith(promise, name) {
  let error;
  await assert.rejects(promise, (err) => {
    error = err;
    return true;
  });
  assert.equal(error.name, name, `error ${error.name}: ${error.message}`);
  assert.equal(error.$fault, 'client');
  assert.equal(error.$metadata.httpStatusCode, 400);
  assert.match(error.$metadata.requestId ?? '', UUID_RE, 'x-amzn-RequestId is a UUID');
  assert.equal(error.$metadata.attempts, 1);
  assert.ok(typeof error.message === 'string' && error.message.length > 0, 'error has a message');
  return error;
}

test('a scripted session reads CREATING at its start time, then IDLE once the step is due', () =>
  withEmulator(NO_FIXTURES, async (emu) => {
    const applied = await emu.loadFixtures({ workgroups: [SPARK_WG], sessions: [S1] });
    assert.equal(applied.applied?.workgroups, 1);
    assert.equal(applied.applied?.sessions, 1);

    const clock = await emu.clock();
    assert.equal(clock.mode, 'manual');
    assert.equal(clock.epoch_ms, START_MS);

    let st = await status(emu.client, 's1');
    assert.deepEqual(presentMembers(st), ['LastModifiedDateTime', 'StartDateTime', 'State']);
    assert.equal(st.State, 'CREATING');
    assertDate(st.StartDateTime, START_MS, 'StartDateTime');
    assertDate(st.LastModifiedDateTime, START_MS, 'LastModifiedDateTime');

    // Reading changes nothing.
    assert.deepEqual(await status(emu.client, 's1'), st);

    // One millisecond before the step: still CREATING.
    assert.equal((await emu.advance(999)).epoch_ms, START_MS + 999);
    st = await status(emu.client, 's1');
    assert.equal(st.State, 'CREATING');
    assertDate(st.LastModifiedDateTime, START_MS, 'LastModifiedDateTime');

    // The step is in effect from its scheduled millisecond on.
    assert.equal((await emu.advance(1)).epoch_ms, START_MS + 1000);
    st = await status(emu.client, 's1');
    assert.deepEqual(presentMembers(st),
      ['IdleSinceDateTime', 'LastModifiedDateTime', 'StartDateTime', 'State']);
    assert.equal(st.State, 'IDLE');
    assertDate(st.StartDateTime, START_MS, 'StartDateTime');
    assertDate(st.IdleSinceDateTime, START_MS + 1000, 'IdleSinceDateTime');
    assertDate(st.LastModifiedDateTime, START_MS + 1000, 'LastModifiedDateTime');

    // Later reads keep the transition's scheduled time, not the time of the read.
    await emu.advance(60_000);
    st = await status(emu.client, 's1');
    assert.equal(st.State, 'IDLE');
    assertDate(st.IdleSinceDateTime, START_MS + 1000, 'IdleSinceDateTime');
    assertDate(st.LastModifiedDateTime, START_MS + 1000, 'LastModifiedDateTime');
  }));

test('FAILED and TERMINATED sessions have EndDateTime and StateChangeReason', () =>
  withEmulator(NO_FIXTURES, async (emu) => {
    await emu.loadFixtures({
      workgroups: [SPARK_WG],
      sessions: [
        {
          id: 'f1',
          workgroup: 'wg',
          script: [
            { after_ms: 0, state: 'CREATING' },
            { after_ms: 500, state: 'FAILED', reason: 'boom' },
          ],
        },
        {
          id: 't1',
          workgroup: 'wg',
          script: [
            { after_ms: 0, state: 'CREATING' },
            { after_ms: 1000, state: 'IDLE' },
            { after_ms: 2500, state: 'TERMINATING', reason: 'going' },
            { after_ms: 3000, state: 'TERMINATED', reason: 'gone' },
          ],
        },
      ],
    });

    await emu.advance(499);
    let st = await status(emu.client, 'f1');
    assert.equal(st.State, 'CREATING');
    assert.equal(st.EndDateTime, undefined);

    await emu.advance(1);
    st = await status(emu.client, 'f1');
    assert.deepEqual(presentMembers(st),
      ['EndDateTime', 'LastModifiedDateTime', 'StartDateTime', 'State', 'StateChangeReason']);
    assert.equal(st.State, 'FAILED');
    assert.equal(st.StateChangeReason, 'boom');
    assertDate(st.StartDateTime, START_MS, 'StartDateTime');
    assertDate(st.EndDateTime, START_MS + 500, 'EndDateTime');
    assertDate(st.LastModifiedDateTime, START_MS + 500, 'LastModifiedDateTime');

    await emu.advance(2499); // START + 2999
    st = await status(emu.client, 't1');
    assert.deepEqual(presentMembers(st),
      ['LastModifiedDateTime', 'StartDateTime', 'State', 'StateChangeReason']);
    assert.equal(st.State, 'TERMINATING');
    assert.equal(st.StateChangeReason, 'going');
    assertDate(st.LastModifiedDateTime, START_MS + 2500, 'LastModifiedDateTime');

    await emu.advance(1); // START + 3000
    st = await status(emu.client, 't1');
    assert.deepEqual(presentMembers(st),
      ['EndDateTime', 'LastModifiedDateTime', 'StartDateTime', 'State', 'StateChangeReason']);
    assert.equal(st.State, 'TERMINATED');
    assert.equal(st.StateChangeReason, 'gone');
    assertDate(st.EndDateTime, START_MS + 3000, 'EndDateTime');
    assertDate(st.LastModifiedDateTime, START_MS + 3000, 'LastModifiedDateTime');

    // The failed session stays as it ended.
    st = await status(emu.client, 'f1');
    assert.equal(st.State, 'FAILED');
    assertDate(st.EndDateTime, START_MS + 500, 'EndDateTime');
  }));

test('an unknown session id is ResourceNotFoundException naming the id', () =>
  withEmulator(NO_FIXTURES, async (emu) => {
    await emu.loadFixtures({ workgroups: [SPARK_WG], sessions: [S1] });
    const err = await rejectsWith(
      emu.client.send(new GetSessionStatusCommand({ SessionId: 'no-such-session' })),
      'ResourceNotFoundException');
    assert.equal(err.ResourceName, 'no-such-session');
  }));

test('a session lives in one account and region only', () =>
  withEmulator(NO_FIXTURES, async (emu) => {
    await emu.loadFixtures({ workgroups: [SPARK_WG], sessions: [S1] });
    assert.equal((await status(emu.client, 's1')).State, 'CREATING');

    const otherAccount = emu.makeClient({
      credentials: { accessKeyId: '111122223333', secretAccessKey: 'x' },
    });
    const otherRegion = emu.makeClient({ region: 'eu-west-1' });
    try {
      let err = await rejectsWith(
        otherAccount.send(new GetSessionStatusCommand({ SessionId: 's1' })),
        'ResourceNotFoundException');
      assert.equal(err.ResourceName, 's1');
      err = await rejectsWith(
        otherRegion.send(new GetSessionStatusCommand({ SessionId: 's1' })),
        'ResourceNotFoundException');
      assert.equal(err.ResourceName, 's1');
    } finally {
      otherAccount.destroy();
      otherRegion.destroy();
    }
  }));

test('a forced transition shows through the SDK and cancels the remaining script', () =>
  withEmulator(NO_FIXTURES, async (emu) => {
    await emu.loadFixtures({ workgroups: [SPARK_WG], sessions: [S1] });
    await emu.advance(250);

    const forced = await emu.transition('s1', 'DEGRADED', 'r');
    assert.equal(forced.session_id, 's1');
    assert.equal(forced.state, 'DEGRADED');
    assert.equal(forced.epoch_ms, START_MS + 250);
    assert.equal(Date.parse(forced.time), START_MS + 250);

    let st = await status(emu.client, 's1');
    assert.deepEqual(presentMembers(st),
      ['LastModifiedDateTime', 'StartDateTime', 'State', 'StateChangeReason']);
    assert.equal(st.State, 'DEGRADED');
    assert.equal(st.StateChangeReason, 'r');
    assertDate(st.StartDateTime, START_MS, 'StartDateTime');
    assertDate(st.LastModifiedDateTime, START_MS + 250, 'LastModifiedDateTime');

    // The script's IDLE step at +1000 ms was cancelled by the forced transition.
    await emu.advance(5000);
    st = await status(emu.client, 's1');
    assert.equal(st.State, 'DEGRADED');
    assertDate(st.LastModifiedDateTime, START_MS + 250, 'LastModifiedDateTime');

    const history = await emu.history('s1');
    assert.equal(history.session_id, 's1');
    const last = history.transitions.at(-1);
    assert.equal(last.state, 'DEGRADED');
    assert.equal(last.cause, 'admin');
    assert.equal(last.reason, 'r');
    assert.equal(last.epoch_ms, START_MS + 250);
    assert.deepEqual(history.transitions.map((t) => t.state), ['CREATING', 'DEGRADED']);

    // Unknown id on the admin API: 404 with {"error": ...}.
    const res = await emu.admin('POST', 'sessions/nope/transition', { state: 'IDLE' });
    assert.equal(res.status, 404);
    assert.equal(typeof res.json?.error, 'string');
  }));

test('SessionId length is validated: 0 and 257 characters are InvalidRequestException', () =>
  withEmulator(NO_FIXTURES, async (emu) => {
    for (const bad of ['x'.repeat(257), '']) {
      const err = await rejectsWith(
        emu.client.send(new GetSessionStatusCommand({ SessionId: bad })),
        'InvalidRequestException');
      assert.equal(err.AthenaErrorCode, 'INVALID_INPUT');
      assert.match(err.message, /sessionid/i, 'the message names the member');
    }
    // 256 characters is a valid id that does not exist.
    const id = 'y'.repeat(256);
    const err = await rejectsWith(
      emu.client.send(new GetSessionStatusCommand({ SessionId: id })),
      'ResourceNotFoundException');
    assert.equal(err.ResourceName, id);
  }));

test('the built-in default fixtures: example sessions in each state, and a profile lifecycle', async () => {
  const emu = await startEmulator(); // no --fixtures: the built-in default
  let stopped = false;
  try {
    const now = START_MS;
    const read = (id) => status(emu.client, id);
    const assertOrdered = (st, atMost) => {
      assert.ok(st.StartDateTime instanceof Date && st.LastModifiedDateTime instanceof Date);
      assert.ok(st.StartDateTime.getTime() <= st.LastModifiedDateTime.getTime(), 'start <= last modified');
      assert.ok(st.LastModifiedDateTime.getTime() <= atMost, 'last modified <= now');
    };

    let st = await read('example-idle');
    assert.equal(st.State, 'IDLE');
    assert.equal(st.EndDateTime, undefined);
    assert.ok(st.IdleSinceDateTime instanceof Date, 'an IDLE session has IdleSinceDateTime');
    assert.equal(st.IdleSinceDateTime.getTime(), st.LastModifiedDateTime.getTime());
    assertOrdered(st, now);

    st = await read('example-busy');
    assert.equal(st.State, 'BUSY');
    assert.equal(st.IdleSinceDateTime, undefined);
    assert.equal(st.EndDateTime, undefined);
    assertOrdered(st, now);

    st = await read('example-terminated');
    assert.equal(st.State, 'TERMINATED');
    assert.equal(st.IdleSinceDateTime, undefined);
    assert.ok(st.EndDateTime instanceof Date, 'a TERMINATED session has EndDateTime');
    assert.equal(st.EndDateTime.getTime(), st.LastModifiedDateTime.getTime());
    assertOrdered(st, now);

    st = await read('example-failed');
    assert.equal(st.State, 'FAILED');
    assert.equal(st.IdleSinceDateTime, undefined);
    assert.ok(st.EndDateTime instanceof Date, 'a FAILED session has EndDateTime');
    assert.equal(st.EndDateTime.getTime(), st.LastModifiedDateTime.getTime());
    assert.ok(typeof st.StateChangeReason === 'string' && st.StateChangeReason.length > 0,
      'a FAILED example says why');
    assertOrdered(st, now);

    // example-creating follows its profile: CREATING -> CREATED -> IDLE, each transition
    // stamped with its scheduled time. Walk the clock in 250 ms steps (at most 5 minutes).
    st = await read('example-creating');
    assert.equal(st.State, 'CREATING');
    assert.equal(st.IdleSinceDateTime, undefined);
    assert.equal(st.EndDateTime, undefined);
    assertOrdered(st, now);
    const seen = [{ state: st.State, at: st.LastModifiedDateTime.getTime() }];
    let prev = now;
    for (let i = 0; i < 1200 && seen.at(-1).state !== 'IDLE'; i++) {
      const t = (await emu.advance(250)).epoch_ms;
      assert.equal(t, prev + 250);
      st = await read('example-creating');
      if (st.State !== seen.at(-1).state) {
        const at = st.LastModifiedDateTime.getTime();
        assert.ok(at > prev && at <= t,
          `${st.State} at ${new Date(at).toISOString()} lies in (${new Date(prev).toISOString()}, ${new Date(t).toISOString()}]`);
        seen.push({ state: st.State, at });
      }
      prev = t;
    }
    assert.deepEqual(seen.map((s) => s.state), ['CREATING', 'CREATED', 'IDLE']);
    assert.equal(st.IdleSinceDateTime?.getTime(), seen[2].at);

    const history = await emu.history('example-creating');
    const steps = history.transitions.map((t) => [t.state, t.epoch_ms]);
    assert.deepEqual(steps.slice(-2), [['CREATED', seen[1].at], ['IDLE', seen[2].at]]);
    assert.deepEqual(history.transitions.slice(-2).map((t) => t.cause), ['profile', 'profile']);

    // SIGTERM: clean exit 0.
    stopped = true;
    const exit = await emu.stop();
    assert.deepEqual(exit, { code: 0, signal: null, killed: false },
      `exit on SIGTERM\n${emu.output.text.slice(-4000)}`);
  } finally {
    if (!stopped) await emu.stop();
  }
});
