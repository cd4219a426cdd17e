// Calculations through @aws-sdk/client-athena (issue 4; CONTRACT §3 calculation rules, §4 outcomes),
// under the manual clock. Fixtures (POST /_emulator/fixtures): a Spark workgroup whose profile
// gives every calculation step a known duration, sessions scripted straight to IDLE at +0, and
// outcome rules. A calculation started at T: CREATING at T, CREATED and QUEUED at T+100, RUNNING at
// T+300, COMPLETED at T+1300; its session BUSY from T, IDLE again at the final instant.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  GetCalculationExecutionCodeCommand,
  GetCalculationExecutionCommand,
  GetCalculationExecutionStatusCommand,
  GetSessionStatusCommand,
  ListCalculationExecutionsCommand,
  StartCalculationExecutionCommand,
  StopCalculationExecutionCommand,
} from '@aws-sdk/client-athena';
import { START_MS, UUID_RE, presentMembers, withEmulator } from './harness.mjs';

const NO_FIXTURES = ['--fixtures', 'none'];
const WG = 'wg-calc-js';
const CALC_CANCELING_MS = 300;
const PROFILE = {
  creating_ms: 0,
  created_ms: 0,
  terminating_ms: 1000,
  calculation_creating_ms: 100,
  calculation_queued_ms: 200,
  calculation_running_ms: 1000,
  calculation_canceling_ms: CALC_CANCELING_MS,
};
const QUEUED_AT = 100;
const RUNNING_AT = 300;
const DONE_AT = 1300;
const FAIL_RUNNING_MS = 50;
const BUSY_MESSAGE = 'Session is in the BUSY state; needs to be IDLE to accept Calculations.';

const FIXTURES = {
  profiles: { calc: PROFILE },
  workgroups: [{
    name: WG,
    engine_version: 'PySpark engine version 3',
    profile: 'calc',
    configuration: { ExecutionRole: 'arn:aws:iam::123456789012:role/r' },
  }],
  sessions: ['js-s1', 'js-s2'].map((id) => ({
    id, workgroup: WG, script: [{ after_ms: 0, state: 'IDLE' }],
  })),
  outcomes: [
    { match: { code_contains: 'raise' }, state: 'FAILED', reason: 'boom', running_ms: FAIL_RUNNING_MS },
    {
      match: { code_regex: '^select' },
      state: 'COMPLETED',
      result: {
        result_s3_uri: 's3://b/r.json',
        stdout_s3_uri: 's3://b/o',
        stderr_s3_uri: 's3://b/e',
        result_type: 'application/json',
      },
    },
  ],
};

async function withCalcEmulator(body) {
  return withEmulator(NO_FIXTURES, async (emu) => {
    const applied = await emu.loadFixtures(FIXTURES);
    assert.equal(applied.applied.sessions, 2, JSON.stringify(applied));
    return body(emu);
  });
}

// Moves the manual clock to START + offsetMs.
async function advanceTo(emu, offsetMs) {
  const now = (await emu.clock()).epoch_ms;
  const delta = START_MS + offsetMs - now;
  assert.ok(delta >= 0, `clock already past +${offsetMs} ms`);
  return emu.advance(delta);
}

function assertDate(value, offsetMs, what) {
  assert.ok(value instanceof Date, `${what} is a Date (got ${value})`);
  assert.equal(value.getTime(), START_MS + offsetMs,
    `${what}: ${value.toISOString()} != ${new Date(START_MS + offsetMs).toISOString()}`);
}

async function startCalc(client, sessionId, code, extra = {}) {
  const out = await client.send(new StartCalculationExecutionCommand({
    SessionId: sessionId, CodeBlock: code, ...extra,
  }));
  assert.deepEqual(presentMembers(out), ['CalculationExecutionId', 'State']);
  assert.match(out.CalculationExecutionId, UUID_RE);
  assert.equal(out.CalculationExecutionId, out.CalculationExecutionId.toLowerCase());
  assert.ok(out.CalculationExecutionId.length <= 36);
  assert.equal(out.State, 'CREATING');
  return out.CalculationExecutionId;
}

// GetCalculationExecutionStatus, exactly: reason undefined = absent or any non-empty string,
// a string = exact. Statistics, when present, only with the model's members and types.
async function calcStatus(client, id, { state, submitted, completed, reason }) {
  const out = await client.send(new GetCalculationExecutionStatusCommand({ CalculationExecutionId: id }));
  const members = presentMembers(out);
  assert.ok(members.includes('Status'), JSON.stringify(out));
  assert.ok(members.every((m) => m === 'Status' || m === 'Statistics'), JSON.stringify(members));
  const st = out.Status;
  const want = ['State', 'SubmissionDateTime'];
  if (completed !== undefined) want.push('CompletionDateTime');
  if (reason !== undefined) {
    assert.equal(st.StateChangeReason, reason, `${id} StateChangeReason`);
    want.push('StateChangeReason');
  } else if (st.StateChangeReason !== undefined) {
    assert.ok(typeof st.StateChangeReason === 'string' && st.StateChangeReason.length > 0);
    want.push('StateChangeReason');
  }
  assert.deepEqual(presentMembers(st), want.sort(), `${id}: ${JSON.stringify(st)}`);
  assert.equal(st.State, state, `${id} State`);
  assertDate(st.SubmissionDateTime, submitted, `${id} SubmissionDateTime`);
  if (completed !== undefined) assertDate(st.CompletionDateTime, completed, `${id} CompletionDateTime`);
  if (out.Statistics !== undefined) {
    const stats = out.Statistics;
    assert.ok(presentMembers(stats).every((m) => m === 'DpuExecutionInMillis' || m === 'Progress'),
      JSON.stringify(stats));
    if (stats.DpuExecutionInMillis !== undefined) {
      assert.ok(Number.isInteger(stats.DpuExecutionInMillis) && stats.DpuExecutionInMillis >= 0,
        JSON.stringify(stats));
    }
    if (stats.Progress !== undefined) {
      assert.ok(typeof stats.Progress === 'string' && stats.Progress.length >= 1 &&
        stats.Progress.length <= 1024, `Progress ${JSON.stringify(stats.Progress)} (model: 1–1024 characters)`);
    }
  }
  return out;
}

// GetSessionStatus: state, LastModifiedDateTime, IdleSinceDateTime (undefined = absent).
async function sessionStatus(client, id, { state, last, idle }) {
  const out = await client.send(new GetSessionStatusCommand({ SessionId: id }));
  assert.equal(out.Status.State, state, `session ${id}: ${JSON.stringify(out.Status)}`);
  assertDate(out.Status.LastModifiedDateTime, last, `${id} LastModifiedDateTime`);
  if (idle === undefined) {
    assert.equal(out.Status.IdleSinceDateTime, undefined, `${id} IdleSinceDateTime`);
  } else {
    assertDate(out.Status.IdleSinceDateTime, idle, `${id} IdleSinceDateTime`);
  }
  return out.Status;
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
  return error;
}

async function busyError(client, sessionId) {
  const err = await rejectsWith(
    client.send(new StartCalculationExecutionCommand({ SessionId: sessionId, CodeBlock: 'print(2)' })),
    'InvalidRequestException');
  assert.equal(err.message, BUSY_MESSAGE);
  return err;
}

async function listIds(client, input) {
  const out = await client.send(new ListCalculationExecutionsCommand(input));
  return (out.Calculations ?? []).map((c) => c.CalculationExecutionId);
}

test('start → BUSY → QUEUED → RUNNING → COMPLETED → IDLE, with results and code', () =>
  withCalcEmulator(async (emu) => {
    const c = emu.client;
    const T = 1000;
    await advanceTo(emu, T);
    await sessionStatus(c, 'js-s1', { state: 'IDLE', last: 0, idle: 0 });
    const id = await startCalc(c, 'js-s1', 'print(1)', { Description: 'js calc' });
    await sessionStatus(c, 'js-s1', { state: 'BUSY', last: T });
    await calcStatus(c, id, { state: 'CREATING', submitted: T });
    await busyError(c, 'js-s1');

    await advanceTo(emu, T + QUEUED_AT - 1);
    await calcStatus(c, id, { state: 'CREATING', submitted: T });
    await advanceTo(emu, T + QUEUED_AT);
    await calcStatus(c, id, { state: 'QUEUED', submitted: T });
    await advanceTo(emu, T + RUNNING_AT);
    await calcStatus(c, id, { state: 'RUNNING', submitted: T });
    const running = await c.send(new GetCalculationExecutionCommand({ CalculationExecutionId: id }));
    assert.equal(running.Result, undefined, 'no Result before the calculation completed');
    await advanceTo(emu, T + DONE_AT - 1);
    await calcStatus(c, id, { state: 'RUNNING', submitted: T });
    await sessionStatus(c, 'js-s1', { state: 'BUSY', last: T });

    await advanceTo(emu, T + DONE_AT);
    const end = T + DONE_AT;
    const done = await calcStatus(c, id, { state: 'COMPLETED', submitted: T, completed: end });
    await sessionStatus(c, 'js-s1', { state: 'IDLE', last: end, idle: end });

    const got = await c.send(new GetCalculationExecutionCommand({ CalculationExecutionId: id }));
    assert.deepEqual(presentMembers(got), [
      'CalculationExecutionId', 'Description', 'Result', 'SessionId', 'Statistics', 'Status',
      'WorkingDirectory']);
    assert.equal(got.CalculationExecutionId, id);
    assert.equal(got.SessionId, 'js-s1');
    assert.equal(got.Description, 'js calc');
    assert.match(got.WorkingDirectory, /^(https|s3|S3):\/\/([^/]+)\/?(.*)$/);
    assert.deepEqual(got.Status, done.Status);
    assert.deepEqual(presentMembers(got.Result),
      ['ResultS3Uri', 'ResultType', 'StdErrorS3Uri', 'StdOutS3Uri']);
    const prefix = `s3://athena-emu-results/${WG}/js-s1/${id}/`;
    for (const m of ['ResultS3Uri', 'StdOutS3Uri', 'StdErrorS3Uri']) {
      assert.ok(got.Result[m].startsWith(prefix), `${m} ${got.Result[m]} under ${prefix}`);
    }
    assert.match(got.Result.ResultType, /^\w+\/[-+.\w]+$/);
    assert.ok(Number.isInteger(got.Statistics.DpuExecutionInMillis) && got.Statistics.DpuExecutionInMillis > 0,
      JSON.stringify(got.Statistics));

    const code = await c.send(new GetCalculationExecutionCodeCommand({ CalculationExecutionId: id }));
    assert.deepEqual(presentMembers(code), ['CodeBlock']);
    assert.equal(code.CodeBlock, 'print(1)');
    assert.deepEqual(await listIds(c, { SessionId: 'js-s1' }), [id]);
    assert.deepEqual(await listIds(c, { SessionId: 'js-s2' }), []);

    // The next calculation is accepted as soon as the session is IDLE again.
    const next = await startCalc(c, 'js-s1', 'print(3)');
    assert.notEqual(next, id);
    assert.deepEqual(await listIds(c, { SessionId: 'js-s1' }), [next, id]);
  }));

test('outcome rules: a FAILED calculation with its reason and running time; a rule result', () =>
  withCalcEmulator(async (emu) => {
    const c = emu.client;
    const T = 1000;
    await advanceTo(emu, T);
    const id = await startCalc(c, 'js-s1', 'raise RuntimeError("x")');
    await advanceTo(emu, T + RUNNING_AT);
    await calcStatus(c, id, { state: 'RUNNING', submitted: T });
    const end = T + RUNNING_AT + FAIL_RUNNING_MS;
    await advanceTo(emu, end - 1);
    await calcStatus(c, id, { state: 'RUNNING', submitted: T });
    await sessionStatus(c, 'js-s1', { state: 'BUSY', last: T });
    await advanceTo(emu, end);
    await calcStatus(c, id, { state: 'FAILED', submitted: T, completed: end, reason: 'boom' });
    await sessionStatus(c, 'js-s1', { state: 'IDLE', last: end, idle: end });
    assert.deepEqual(await listIds(c, { SessionId: 'js-s1', StateFilter: 'FAILED' }), [id]);
    assert.deepEqual(await listIds(c, { SessionId: 'js-s1', StateFilter: 'COMPLETED' }), []);

    // The regex rule: COMPLETED with the rule's URIs and type.
    const sel = await startCalc(c, 'js-s1', 'select 1');
    await advanceTo(emu, end + DONE_AT);
    await calcStatus(c, sel, { state: 'COMPLETED', submitted: end, completed: end + DONE_AT });
    const got = await c.send(new GetCalculationExecutionCommand({ CalculationExecutionId: sel }));
    assert.deepEqual({ ...got.Result }, {
      ResultS3Uri: 's3://b/r.json', StdOutS3Uri: 's3://b/o', StdErrorS3Uri: 's3://b/e',
      ResultType: 'application/json',
    });
  }));

test('StopCalculationExecution: CANCELING, CANCELED after calculation_canceling_ms, then no effect', () =>
  withCalcEmulator(async (emu) => {
    const c = emu.client;
    const T = 1000;
    await advanceTo(emu, T);
    const id = await startCalc(c, 'js-s1', 'print(1)');
    const stopAt = T + RUNNING_AT + 400;
    await advanceTo(emu, stopAt);
    await calcStatus(c, id, { state: 'RUNNING', submitted: T });
    let out = await c.send(new StopCalculationExecutionCommand({ CalculationExecutionId: id }));
    assert.deepEqual(presentMembers(out), ['State']);
    assert.equal(out.State, 'CANCELING');
    await calcStatus(c, id, { state: 'CANCELING', submitted: T });
    await sessionStatus(c, 'js-s1', { state: 'BUSY', last: T });
    await busyError(c, 'js-s1');
    await advanceTo(emu, stopAt + CALC_CANCELING_MS - 1);
    await calcStatus(c, id, { state: 'CANCELING', submitted: T });
    await advanceTo(emu, stopAt + CALC_CANCELING_MS);
    const end = stopAt + CALC_CANCELING_MS;
    await calcStatus(c, id, { state: 'CANCELED', submitted: T, completed: end });
    await sessionStatus(c, 'js-s1', { state: 'IDLE', last: end, idle: end });
    await advanceTo(emu, T + DONE_AT + 1000);
    await calcStatus(c, id, { state: 'CANCELED', submitted: T, completed: end });

    out = await c.send(new StopCalculationExecutionCommand({ CalculationExecutionId: id }));
    assert.equal(out.State, 'CANCELED');
    await calcStatus(c, id, { state: 'CANCELED', submitted: T, completed: end });
    await sessionStatus(c, 'js-s1', { state: 'IDLE', last: end, idle: end });

    // A COMPLETED calculation: stopping it changes nothing.
    const T2 = T + DONE_AT + 1000;
    const done = await startCalc(c, 'js-s1', 'print(2)');
    await advanceTo(emu, T2 + DONE_AT);
    out = await c.send(new StopCalculationExecutionCommand({ CalculationExecutionId: done }));
    assert.equal(out.State, 'COMPLETED');
    await advanceTo(emu, T2 + DONE_AT + CALC_CANCELING_MS);
    await calcStatus(c, done, { state: 'COMPLETED', submitted: T2, completed: T2 + DONE_AT });
  }));

test('errors by name: BUSY, unknown calculation, unknown session', () =>
  withCalcEmulator(async (emu) => {
    const c = emu.client;
    await startCalc(c, 'js-s2', 'print(1)');
    const err = await busyError(c, 'js-s2');
    assert.equal(err.$fault, 'client');
    // The refused request created nothing.
    assert.equal((await listIds(c, { SessionId: 'js-s2' })).length, 1);

    const unknown = '00000000-0000-4000-8000-000000000000';
    await rejectsWith(c.send(new GetCalculationExecutionStatusCommand({ CalculationExecutionId: unknown })),
      'ResourceNotFoundException');
    await rejectsWith(c.send(new GetCalculationExecutionCommand({ CalculationExecutionId: unknown })),
      'ResourceNotFoundException');
    await rejectsWith(c.send(new GetCalculationExecutionCodeCommand({ CalculationExecutionId: unknown })),
      'ResourceNotFoundException');
    await rejectsWith(c.send(new StopCalculationExecutionCommand({ CalculationExecutionId: unknown })),
      'ResourceNotFoundException');
    await rejectsWith(c.send(new StartCalculationExecutionCommand({ SessionId: 'nope', CodeBlock: 'x' })),
      'ResourceNotFoundException');
  }));
