// Sessions that die under a running calculation, and stops that are not honoured (issue 19;
// CONTRACT §4), through @aws-sdk/client-athena on the manual clock. The emulator loads the shipped
// fixtures/examples/dies-mid-calculation.json (default profile: a calculation started at T is
// RUNNING at T+1000; every example session is IDLE from +6 s). A polling client reads
// GetSessionStatus and GetCalculationExecutionStatus after every clock step and records each
// change of (session state, calculation state) with the instant it first saw it.

import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  GetCalculationExecutionStatusCommand,
  GetSessionStatusCommand,
  StartCalculationExecutionCommand,
  StopCalculationExecutionCommand,
  TerminateSessionCommand,
} from '@aws-sdk/client-athena';
import { START_MS, withEmulator } from './harness.mjs';

const EXAMPLE = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'fixtures', 'examples',
  'dies-mid-calculation.json');
const dies = (state) => `The session entered the ${state} state while the calculation ran.`;

function withExample(body) {
  return withEmulator(['--fixtures', EXAMPLE], async (emu) => {
    await emu.advance(10000); // every example session IDLE since +6 s
    return body(emu, emu.client);
  });
}

async function start(c, sessionId, code) {
  const out = await c.send(new StartCalculationExecutionCommand({ SessionId: sessionId, CodeBlock: code }));
  assert.equal(out.State, 'CREATING');
  return out.CalculationExecutionId;
}

async function calc(c, id) {
  return (await c.send(new GetCalculationExecutionStatusCommand({ CalculationExecutionId: id }))).Status;
}

async function session(c, id) {
  return (await c.send(new GetSessionStatusCommand({ SessionId: id }))).Status;
}

// Polls every `everyMs` up to +untilMs: [[offset, session state, calculation state], ...] at each change.
async function poll(emu, c, sessionId, calcId, untilMs, everyMs = 1000) {
  const seen = [];
  for (;;) {
    const now = (await emu.clock()).epoch_ms - START_MS;
    const s = (await session(c, sessionId)).State;
    const k = (await calc(c, calcId)).State;
    const last = seen[seen.length - 1];
    if (!last || last[1] !== s || last[2] !== k) seen.push([now, s, k]);
    if (now >= untilMs) return seen;
    await emu.advance(Math.min(everyMs, untilMs - now));
  }
}

test('a script step (DEGRADED at 30 s) fails the running calculation; no way back to IDLE', () =>
  withExample(async (emu, c) => {
    const id = await start(c, 'dies-1', 'spark.range(10).count()  # long');
    assert.deepEqual(await poll(emu, c, 'dies-1', id, 80000), [
      [10000, 'BUSY', 'CREATING'], [11000, 'BUSY', 'RUNNING'], [30000, 'DEGRADED', 'FAILED']]);
    const st = await calc(c, id);
    assert.equal(st.CompletionDateTime.getTime(), START_MS + 30000);
    assert.equal(st.StateChangeReason, dies('DEGRADED'));
    assert.equal((await session(c, 'dies-1')).StateChangeReason, 'The session has no healthy coordinators.');
  }));

test('an admin transition to FAILED fails the running calculation at that instant', () =>
  withExample(async (emu, c) => {
    const id = await start(c, 'flaky-2', 'print(1)');
    await emu.advance(1500);
    await emu.transition('flaky-2', 'FAILED', 'pulled the plug');
    const st = await calc(c, id);
    assert.equal(st.State, 'FAILED');
    assert.equal(st.CompletionDateTime.getTime(), START_MS + 11500);
    assert.equal(st.StateChangeReason, dies('FAILED'));
    await emu.advance(60000);
    assert.equal((await session(c, 'flaky-2')).State, 'FAILED');
    const causes = (await emu.history('flaky-2')).transitions.map((t) => [t.state, t.cause]);
    assert.deepEqual(causes.slice(-2), [['BUSY', 'calculation'], ['FAILED', 'admin']]);
  }));

test('an outcome rule takes the session down after_ms into the calculation', () =>
  withExample(async (emu, c) => {
    const id = await start(c, 'flaky-1', 'df.collect()  # oom');
    assert.deepEqual(await poll(emu, c, 'flaky-1', id, 90000), [
      [10000, 'BUSY', 'CREATING'], [11000, 'BUSY', 'RUNNING'], [20000, 'FAILED', 'FAILED']]);
    const s = await session(c, 'flaky-1');
    assert.equal(s.StateChangeReason, 'The coordinator ran out of memory.');
    assert.equal(s.EndDateTime.getTime(), START_MS + 20000);
  }));

test('"stop": "ignored" answers the current state and the calculation runs on', () =>
  withExample(async (emu, c) => {
    const id = await start(c, 'flaky-2', 'loop()  # uncancellable');
    await emu.advance(2000);
    const out = await c.send(new StopCalculationExecutionCommand({ CalculationExecutionId: id }));
    assert.equal(out.State, 'RUNNING');
    assert.deepEqual(await poll(emu, c, 'flaky-2', id, 40000), [
      [12000, 'BUSY', 'RUNNING'], [31000, 'IDLE', 'COMPLETED']]);
  }));

test('"stop": "delayed" is CANCELING for stop_after_ms, then CANCELED', () =>
  withExample(async (emu, c) => {
    const id = await start(c, 'flaky-3', 'loop()  # slow cancel');
    await emu.advance(2000);
    const out = await c.send(new StopCalculationExecutionCommand({ CalculationExecutionId: id }));
    assert.equal(out.State, 'CANCELING');
    assert.deepEqual(await poll(emu, c, 'flaky-3', id, 40000), [
      [12000, 'BUSY', 'CANCELING'], [27000, 'IDLE', 'CANCELED']]);
  }));

test('TerminateSession while the calculation is CANCELING ends it CANCELED', () =>
  withExample(async (emu, c) => {
    const id = await start(c, 'flaky-3', 'loop()  # slow cancel');
    await emu.advance(2000);
    await c.send(new StopCalculationExecutionCommand({ CalculationExecutionId: id }));
    await emu.advance(3000);
    const out = await c.send(new TerminateSessionCommand({ SessionId: 'flaky-3' }));
    assert.equal(out.State, 'TERMINATING');
    const st = await calc(c, id);
    assert.equal(st.State, 'CANCELED');
    assert.equal(st.CompletionDateTime.getTime(), START_MS + 15000);
    assert.equal(st.StateChangeReason, undefined);
  }));
