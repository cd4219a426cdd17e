// Fault injection through @aws-sdk/client-athena (issue 5; CONTRACT §7): a reset connection is a
// connection error (no HTTP status), an injected ThrottlingException arrives by name and status,
// and the SDK's standard retries recover from a one-off 500.
//
// Rules go in with POST /_emulator/faults; sessions come from fixtures (scripted IDLE at +0).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  AthenaServiceException,
  GetSessionStatusCommand,
  ListSessionsCommand,
} from '@aws-sdk/client-athena';
import { withEmulator } from './harness.mjs';

const NO_FIXTURES = ['--fixtures', 'none'];
const WG = 'wg-faults-js';
const FIXTURES = {
  workgroups: [{
    name: WG,
    engine_version: 'PySpark engine version 3',
    profile: 'instant',
    configuration: { ExecutionRole: 'arn:aws:iam::123456789012:role/r' },
  }],
  sessions: ['js-f1', 'js-f2'].map((id) => ({
    id, workgroup: WG, script: [{ after_ms: 0, state: 'IDLE' }],
  })),
};

async function addFault(emu, rule) {
  const stored = await emu.adminOk('POST', 'faults', rule);
  assert.equal(stored.id, rule.id, JSON.stringify(stored));
  assert.equal(stored.operation, rule.operation);
  assert.deepEqual(stored.action, rule.action);
  return stored;
}

async function faults(emu) {
  const doc = await emu.adminOk('GET', 'faults');
  assert.ok(Array.isArray(doc.faults), JSON.stringify(doc));
  return doc.faults;
}

async function journal(emu) {
  const doc = await emu.adminOk('GET', 'requests');
  assert.ok(Array.isArray(doc.requests), JSON.stringify(doc));
  return doc.requests;
}

// The error `promise` rejects with (fails if it resolves).
async function rejection(promise) {
  try {
    const out = await promise;
    assert.fail(`expected an error, got ${JSON.stringify(out)}`);
  } catch (err) {
    if (err instanceof assert.AssertionError) throw err;
    return err;
  }
}

function expectIdle(out, id) {
  assert.equal(out.SessionId, id);
  assert.equal(out.Status.State, 'IDLE');
}

test('a reset connection is a connection error, not an HTTP answer', () =>
  withEmulator(NO_FIXTURES, async (emu) => {
    await emu.loadFixtures(FIXTURES);
    await addFault(emu, {
      id: 'js-reset', operation: 'GetSessionStatus', count: 1, action: { transport: 'reset' },
    });
    const started = Date.now();
    const err = await rejection(emu.client.send(new GetSessionStatusCommand({ SessionId: 'js-f1' })));
    assert.ok(Date.now() - started < 5000, 'no answer at once, not a timeout');
    assert.equal(err.code, 'ECONNRESET', `${err.name}: ${err.message}`);
    assert.ok(!(err instanceof AthenaServiceException), `${err.name}: ${err.message}`);
    assert.equal(err.$response, undefined);
    assert.equal(err.$metadata?.httpStatusCode, undefined);
    assert.equal(err.$metadata?.attempts, 1);
    // The rule retired; the next call is answered.
    expectIdle(await emu.client.send(new GetSessionStatusCommand({ SessionId: 'js-f1' })), 'js-f1');
    assert.deepEqual(await faults(emu), []);
    const entries = (await journal(emu)).filter((e) => e.fault_id === 'js-reset');
    assert.deepEqual(entries.map((e) => [e.operation, e.session_id, e.status]),
      [['GetSessionStatus', 'js-f1', 0]]);
  }));

test('a clean close without an answer is a connection error too', () =>
  withEmulator(NO_FIXTURES, async (emu) => {
    await emu.loadFixtures(FIXTURES);
    await addFault(emu, {
      id: 'js-close', operation: 'GetSessionStatus', count: 1, action: { transport: 'close' },
    });
    const err = await rejection(emu.client.send(new GetSessionStatusCommand({ SessionId: 'js-f1' })));
    assert.equal(err.code, 'ECONNRESET', `${err.name}: ${err.message}`);
    assert.ok(!(err instanceof AthenaServiceException));
    assert.equal(err.$metadata?.httpStatusCode, undefined);
    expectIdle(await emu.client.send(new GetSessionStatusCommand({ SessionId: 'js-f1' })), 'js-f1');
  }));

test('an injected ThrottlingException: err.name and the status, 400 or 429', () =>
  withEmulator(NO_FIXTURES, async (emu) => {
    await emu.loadFixtures(FIXTURES);
    await addFault(emu, {
      id: 'js-throttle-400',
      operation: 'ListSessions',
      count: 1,
      action: { error: 'ThrottlingException' },
    });
    let err = await rejection(emu.client.send(new ListSessionsCommand({ WorkGroup: WG })));
    assert.ok(err instanceof AthenaServiceException, `${err.name}: ${err.message}`);
    assert.equal(err.name, 'ThrottlingException');
    assert.equal(err.$metadata.httpStatusCode, 400);
    assert.equal(err.$metadata.attempts, 1);
    assert.equal(err.$fault, 'client');
    assert.ok(typeof err.message === 'string' && err.message.length > 0);

    await addFault(emu, {
      id: 'js-throttle-429',
      operation: 'ListSessions',
      count: 1,
      action: { error: 'ThrottlingException', status: 429, message: 'Rate exceeded' },
    });
    err = await rejection(emu.client.send(new ListSessionsCommand({ WorkGroup: WG })));
    assert.equal(err.name, 'ThrottlingException');
    assert.equal(err.$metadata.httpStatusCode, 429);
    assert.equal(err.message, 'Rate exceeded');

    const out = await emu.client.send(new ListSessionsCommand({ WorkGroup: WG }));
    assert.deepEqual(out.Sessions.map((s) => s.SessionId).sort(), ['js-f1', 'js-f2']);
    assert.deepEqual(
      (await journal(emu)).map((e) => [e.operation, e.status, e.error_code, e.fault_id]),
      [
        ['ListSessions', 400, 'ThrottlingException', 'js-throttle-400'],
        ['ListSessions', 429, 'ThrottlingException', 'js-throttle-429'],
        ['ListSessions', 200, undefined, undefined],
      ],
    );
  }));

test('with maxAttempts 3 a one-off 500 is retried and succeeds', () =>
  withEmulator(NO_FIXTURES, async (emu) => {
    await emu.loadFixtures(FIXTURES);
    await addFault(emu, {
      id: 'js-500', operation: 'GetSessionStatus', count: 1, action: { error: 'InternalServerException' },
    });
    const client = emu.makeClient({ maxAttempts: 3 });
    try {
      const out = await client.send(new GetSessionStatusCommand({ SessionId: 'js-f2' }));
      expectIdle(out, 'js-f2');
      assert.equal(out.$metadata.httpStatusCode, 200);
      assert.equal(out.$metadata.attempts, 2);
    } finally {
      client.destroy();
    }
    assert.deepEqual(await faults(emu), []);
    const entries = await journal(emu);
    assert.deepEqual(entries.map((e) => [e.status, e.error_code, e.fault_id]), [
      [500, 'InternalServerException', 'js-500'],
      [200, undefined, undefined],
    ]);
  }));

test('with maxAttempts 1 the injected 500 reaches the caller', () =>
  withEmulator(NO_FIXTURES, async (emu) => {
    await emu.loadFixtures(FIXTURES);
    await addFault(emu, {
      id: 'js-500-once', operation: 'GetSessionStatus', count: 1, action: { error: 'InternalServerException' },
    });
    const err = await rejection(emu.client.send(new GetSessionStatusCommand({ SessionId: 'js-f2' })));
    assert.equal(err.name, 'InternalServerException');
    assert.equal(err.$metadata.httpStatusCode, 500);
    assert.equal(err.$metadata.attempts, 1);
    assert.equal(err.$fault, 'server');
  }));
