// The session lifecycle through @aws-sdk/client-athena (issue 3; CONTRACT §3, §4, §6), under the
// manual clock: create a Spark workgroup, start sessions, follow them CREATING → CREATED → IDLE,
// read them (GetSession, ListSessions with pagination), terminate them; errors by `err.name`.
// Built-in `default` profile: creating_ms 5000, created_ms 1000, terminating_ms 3000.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CreateWorkGroupCommand,
  GetSessionCommand,
  GetSessionStatusCommand,
  GetWorkGroupCommand,
  ListSessionsCommand,
  StartSessionCommand,
  TerminateSessionCommand,
} from '@aws-sdk/client-athena';
import { START_MS, UUID_RE, presentMembers, withEmulator } from './harness.mjs';

const NO_FIXTURES = ['--fixtures', 'none'];
const SPARK = 'PySpark engine version 3';
const ROLE = 'arn:aws:iam::123456789012:role/r';
const ENGINE = { CoordinatorDpuSize: 1, MaxConcurrentDpus: 20, DefaultExecutorDpuSize: 1 };
const CREATING_MS = 5000;
const CREATED_MS = 1000;
const TERMINATING_MS = 3000;
const IDLE_AT = CREATING_MS + CREATED_MS;

function assertDate(value, offsetMs, what) {
  assert.ok(value instanceof Date, `${what} is a Date (got ${value})`);
  assert.equal(value.getTime(), START_MS + offsetMs,
    `${what}: ${value.toISOString()} != ${new Date(START_MS + offsetMs).toISOString()}`);
}

// A Status structure, exactly: times are offsets from START (undefined = member absent);
// reason undefined = absent, a string = exact, MAYBE = absent or any non-empty string.
const MAYBE = Symbol('maybe');
function assertStatus(st, { state, start, last, idle, end, reason }, what) {
  const want = ['LastModifiedDateTime', 'StartDateTime', 'State'];
  if (idle !== undefined) want.push('IdleSinceDateTime');
  if (end !== undefined) want.push('EndDateTime');
  if (reason === MAYBE) {
    if (st.StateChangeReason !== undefined) {
      assert.ok(typeof st.StateChangeReason === 'string' && st.StateChangeReason.length > 0);
      want.push('StateChangeReason');
    }
  } else if (reason !== undefined) {
    assert.equal(st.StateChangeReason, reason, `${what} StateChangeReason`);
    want.push('StateChangeReason');
  }
  assert.deepEqual(presentMembers(st), want.sort(), `${what}: members of ${JSON.stringify(st)}`);
  assert.equal(st.State, state, `${what} State`);
  assertDate(st.StartDateTime, start, `${what} StartDateTime`);
  assertDate(st.LastModifiedDateTime, last, `${what} LastModifiedDateTime`);
  if (idle !== undefined) assertDate(st.IdleSinceDateTime, idle, `${what} IdleSinceDateTime`);
  if (end !== undefined) assertDate(st.EndDateTime, end, `${what} EndDateTime`);
}

async function status(client, id) {
  const out = await client.send(new GetSessionStatusCommand({ SessionId: id }));
  assert.deepEqual(presentMembers(out), ['SessionId', 'Status']);
  assert.equal(out.SessionId, id);
  return out.Status;
}

async function createSparkWorkGroup(client, name, extra = {}) {
  const out = await client.send(new CreateWorkGroupCommand({
    Name: name,
    Configuration: { EngineVersion: { SelectedEngineVersion: SPARK }, ExecutionRole: ROLE },
    ...extra,
  }));
  assert.equal(out.$metadata.httpStatusCode, 200);
  assert.deepEqual(presentMembers(out), []);
}

async function start(client, workGroup, extra = {}) {
  const out = await client.send(new StartSessionCommand({
    WorkGroup: workGroup, EngineConfiguration: ENGINE, ...extra,
  }));
  assert.deepEqual(presentMembers(out), ['SessionId', 'State']);
  assert.match(out.SessionId, UUID_RE);
  assert.equal(out.SessionId, out.SessionId.toLowerCase());
  assert.equal(out.State, 'CREATING');
  return out.SessionId;
}

// Expects `promise` to fail with Athena error `name` (HTTP 400); returns the error.
async function rejectsWith(promise, name) {
  let error;
  await assert.rejects(promise, (err) => {
    error = err;
    return true;
  });
  assert.equal(error.name, name, `error ${error.name}: ${error.message}`);
  assert.equal(error.$metadata?.httpStatusCode, 400, `${error.name}: ${error.message}`);
  assert.ok(typeof error.message === 'string' && error.message.length > 0, 'error has a message');
  return error;
}

async function listIds(client, input) {
  const out = await client.send(new ListSessionsCommand(input));
  return { ids: out.Sessions.map((s) => s.SessionId), out };
}

test('create a Spark workgroup, start a session, poll it to IDLE, read it, terminate it', () =>
  withEmulator(NO_FIXTURES, async (emu) => {
    const c = emu.client;
    await emu.advance(250);
    await createSparkWorkGroup(c, 'spark', { Description: 'js workgroup' });
    const wg = (await c.send(new GetWorkGroupCommand({ WorkGroup: 'spark' }))).WorkGroup;
    assert.equal(wg.Name, 'spark');
    assert.equal(wg.State, 'ENABLED');
    assert.equal(wg.Description, 'js workgroup');
    assertDate(wg.CreationTime, 250, 'CreationTime');
    assert.deepEqual(wg.Configuration.EngineVersion,
      { SelectedEngineVersion: SPARK, EffectiveEngineVersion: SPARK });
    assert.equal(wg.Configuration.ExecutionRole, ROLE);

    await emu.advance(750); // +1000
    const sid = await start(c, 'spark', {
      Description: 'js session', NotebookVersion: 'Athena notebook version 1',
      SessionIdleTimeoutInMinutes: 1,
    });
    assertStatus(await status(c, sid), { state: 'CREATING', start: 1000, last: 1000 }, 'new');
    await emu.advance(CREATING_MS - 1);
    assertStatus(await status(c, sid), { state: 'CREATING', start: 1000, last: 1000 }, 'creating');
    await emu.advance(1);
    assertStatus(await status(c, sid),
      { state: 'CREATED', start: 1000, last: 1000 + CREATING_MS }, 'created');
    await emu.advance(CREATED_MS);
    const idleAt = 1000 + IDLE_AT;
    const idle = await status(c, sid);
    assertStatus(idle, { state: 'IDLE', start: 1000, last: idleAt, idle: idleAt }, 'idle');

    const got = await c.send(new GetSessionCommand({ SessionId: sid }));
    assert.deepEqual(presentMembers(got), [
      'Description', 'EngineConfiguration', 'EngineVersion', 'NotebookVersion',
      'SessionConfiguration', 'SessionId', 'Statistics', 'Status', 'WorkGroup']);
    assert.equal(got.SessionId, sid);
    assert.equal(got.Description, 'js session');
    assert.equal(got.WorkGroup, 'spark');
    assert.equal(got.EngineVersion, SPARK);
    assert.deepEqual(got.EngineConfiguration, ENGINE);
    assert.equal(got.NotebookVersion, 'Athena notebook version 1');
    const conf = { ...got.SessionConfiguration };
    assert.match(conf.WorkingDirectory ?? '', /^s3:\/\/.+/);
    delete conf.WorkingDirectory;
    assert.deepEqual(conf, {
      ExecutionRole: ROLE, IdleTimeoutSeconds: 60, SessionIdleTimeoutInMinutes: 1,
    });
    assert.deepEqual(got.Status, idle);
    assert.deepEqual(presentMembers(got.Statistics), ['DpuExecutionInMillis']);
    assert.ok(Number.isInteger(got.Statistics.DpuExecutionInMillis) &&
      got.Statistics.DpuExecutionInMillis >= 0, `DpuExecutionInMillis ${got.Statistics.DpuExecutionInMillis}`);

    let { ids, out } = await listIds(c, { WorkGroup: 'spark' });
    assert.deepEqual(ids, [sid]);
    assert.equal(out.NextToken, undefined);
    const summary = out.Sessions[0];
    assert.deepEqual(presentMembers(summary),
      ['Description', 'EngineVersion', 'NotebookVersion', 'SessionId', 'Status']);
    assert.deepEqual(summary.EngineVersion,
      { SelectedEngineVersion: SPARK, EffectiveEngineVersion: SPARK });
    assert.deepEqual(summary.Status, idle);

    await emu.advance(500);
    const termAt = idleAt + 500;
    const term = await c.send(new TerminateSessionCommand({ SessionId: sid }));
    assert.deepEqual(presentMembers(term), ['State']);
    assert.equal(term.State, 'TERMINATING');
    assertStatus(await status(c, sid),
      { state: 'TERMINATING', start: 1000, last: termAt, reason: MAYBE }, 'terminating');
    ({ ids } = await listIds(c, { WorkGroup: 'spark' }));
    assert.deepEqual(ids, [], 'TERMINATING is not active');
    await emu.advance(TERMINATING_MS - 1);
    assertStatus(await status(c, sid),
      { state: 'TERMINATING', start: 1000, last: termAt, reason: MAYBE }, 'still terminating');
    await emu.advance(1);
    const end = termAt + TERMINATING_MS;
    const done = await status(c, sid);
    assertStatus(done,
      { state: 'TERMINATED', start: 1000, last: end, end, reason: MAYBE }, 'terminated');
    ({ ids } = await listIds(c, { WorkGroup: 'spark', StateFilter: 'TERMINATED' }));
    assert.deepEqual(ids, [sid]);

    // Again on a TERMINATED session: succeeds, changes nothing.
    await emu.advance(10_000);
    const again = await c.send(new TerminateSessionCommand({ SessionId: sid }));
    assert.equal(again.State, 'TERMINATED');
    assert.deepEqual(await status(c, sid), done);
  }));

test('the idle timeout ends an IDLE session by itself, with a reason', () =>
  withEmulator(NO_FIXTURES, async (emu) => {
    const c = emu.client;
    await createSparkWorkGroup(c, 'spark');
    const sid = await start(c, 'spark', { SessionIdleTimeoutInMinutes: 1 });
    await emu.advance(IDLE_AT + 60_000 - 1);
    assertStatus(await status(c, sid), { state: 'IDLE', start: 0, last: IDLE_AT, idle: IDLE_AT }, 'idle');
    await emu.advance(1);
    const timeoutAt = IDLE_AT + 60_000;
    let st = await status(c, sid);
    assert.match(st.StateChangeReason ?? '', /idle/i);
    assertStatus(st, { state: 'TERMINATING', start: 0, last: timeoutAt, reason: st.StateChangeReason }, 'timeout');
    await emu.advance(TERMINATING_MS);
    st = await status(c, sid);
    assert.match(st.StateChangeReason ?? '', /idle/i);
    assertStatus(st, {
      state: 'TERMINATED', start: 0, last: timeoutAt + TERMINATING_MS,
      end: timeoutAt + TERMINATING_MS, reason: st.StateChangeReason,
    }, 'timed out');
  }));

test('ListSessions pages newest first; the NextToken survives a new session', () =>
  withEmulator(NO_FIXTURES, async (emu) => {
    const c = emu.client;
    await createSparkWorkGroup(c, 'spark');
    const started = [];
    for (let i = 0; i < 5; i += 1) {
      if (i > 0) await emu.advance(1000);
      started.push(await start(c, 'spark'));
    }
    const newestFirst = [...started].reverse();

    const seen = [];
    let token;
    let pages = 0;
    let late;
    do {
      const { ids, out } = await listIds(c, {
        WorkGroup: 'spark', MaxResults: 2, ...(token ? { NextToken: token } : {}),
      });
      pages += 1;
      assert.ok(ids.length <= 2, `page of ${ids.length}`);
      seen.push(...ids);
      token = out.NextToken;
      if (pages === 1) {
        await emu.advance(1000);
        late = await start(c, 'spark'); // between pages
      }
      assert.ok(pages <= 3, 'too many pages');
    } while (token !== undefined);
    assert.equal(pages, 3);
    assert.deepEqual(seen, newestFirst);

    const { ids: all, out } = await listIds(c, { WorkGroup: 'spark' });
    assert.deepEqual(all, [late, ...newestFirst]);
    assert.equal(out.NextToken, undefined);

    await rejectsWith(
      c.send(new ListSessionsCommand({ WorkGroup: 'spark', NextToken: 'not-a-token' })),
      'InvalidRequestException');
    const err = await rejectsWith(
      c.send(new ListSessionsCommand({ WorkGroup: 'no-such-wg' })), 'InvalidRequestException');
    assert.match(err.message, /WorkGroup is not found/);
  }));

test('errors by name: missing and SQL workgroups, unknown sessions, other tenants', () =>
  withEmulator(NO_FIXTURES, async (emu) => {
    const c = emu.client;
    let err = await rejectsWith(
      c.send(new StartSessionCommand({ WorkGroup: 'no-such-wg', EngineConfiguration: ENGINE })),
      'InvalidRequestException');
    assert.match(err.message, /WorkGroup is not found/);
    err = await rejectsWith(
      c.send(new StartSessionCommand({ WorkGroup: 'primary', EngineConfiguration: ENGINE })),
      'InvalidRequestException');
    assert.match(err.message, /Workgroup EngineVersion is not Spark\./);

    await rejectsWith(c.send(new GetSessionCommand({ SessionId: 'nope' })), 'ResourceNotFoundException');
    await rejectsWith(c.send(new TerminateSessionCommand({ SessionId: 'nope' })), 'ResourceNotFoundException');

    await createSparkWorkGroup(c, 'spark');
    await rejectsWith(c.send(new CreateWorkGroupCommand({
      Name: 'spark',
      Configuration: { EngineVersion: { SelectedEngineVersion: SPARK }, ExecutionRole: ROLE },
    })), 'InvalidRequestException');
    const sid = await start(c, 'spark');

    const other = emu.makeClient({ credentials: { accessKeyId: '222222222222', secretAccessKey: 'x' } });
    const otherRegion = emu.makeClient({ region: 'eu-west-1' });
    try {
      for (const o of [other, otherRegion]) {
        err = await rejectsWith(o.send(new GetSessionStatusCommand({ SessionId: sid })),
          'ResourceNotFoundException');
        assert.equal(err.ResourceName, sid);
        await rejectsWith(o.send(new GetSessionCommand({ SessionId: sid })), 'ResourceNotFoundException');
        await rejectsWith(o.send(new TerminateSessionCommand({ SessionId: sid })), 'ResourceNotFoundException');
        await rejectsWith(o.send(new GetWorkGroupCommand({ WorkGroup: 'spark' })), 'InvalidRequestException');
        await rejectsWith(o.send(new ListSessionsCommand({ WorkGroup: 'spark' })), 'InvalidRequestException');
      }
    } finally {
      other.destroy();
      otherRegion.destroy();
    }
    assertStatus(await status(c, sid), { state: 'CREATING', start: 0, last: 0 }, 'untouched');
  }));
