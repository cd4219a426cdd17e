// --auth sigv4 through @aws-sdk/client-athena (CONTRACT §6; docs/sigv4.md): the keys of a
// credentials entry, a wrong secret, temporary keys with their session token, and a client
// clock off by more than --max-skew-s (systemClockOffset).

import assert from 'node:assert/strict';
import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { GetSessionStatusCommand, ListWorkGroupsCommand } from '@aws-sdk/client-athena';
import { UUID_RE, withEmulator } from './harness.mjs';

const KEY = { access_key_id: 'AKIDJS', secret_access_key: 'js/Secret+Key', account_id: '121212121212' };
const TEMP = {
  access_key_id: 'ASIAJS',
  secret_access_key: 'js-temp-secret',
  account_id: '343434343434',
  session_token: 'js-session-token/+==',
};
const MISMATCH = 'The request signature we calculated does not match the signature you provided. Check your '
  + 'AWS Secret Access Key and signing method. Consult the service documentation for details.';
const BAD_TOKEN = 'The security token included in the request is invalid.';

let dir;
let args;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'athena-emu-js-sigv4-'));
  const path = join(dir, 'credentials.json');
  await writeFile(path, JSON.stringify([KEY, TEMP]));
  args = ['--fixtures', 'none', '--auth', 'sigv4', '--credentials', path];
});

after(() => rm(dir, { recursive: true, force: true }));

function credentials(entry, overrides = {}) {
  return { accessKeyId: entry.access_key_id, secretAccessKey: entry.secret_access_key, ...overrides };
}

// Expects `promise` to fail with error `name` (HTTP 400, one attempt); returns the error.
async function rejectsWith(promise, name) {
  let error;
  await assert.rejects(promise, (err) => {
    error = err;
    return true;
  });
  assert.equal(error.name, name, `error ${error.name}: ${error.message}`);
  assert.equal(error.$fault, 'client');
  assert.equal(error.$metadata.httpStatusCode, 400);
  assert.match(error.$metadata.requestId ?? '', UUID_RE);
  assert.equal(error.$metadata.attempts, 1);
  return error;
}

async function journal(emu) {
  return (await emu.adminOk('GET', 'requests')).requests.map((r) => [r.operation, r.account, r.status]);
}

test('the keys of a credentials entry work, in the entry\'s account', () =>
  withEmulator(args, async (emu) => {
    const client = emu.makeClient({ credentials: credentials(KEY), region: 'eu-central-1' });
    try {
      const out = await client.send(new ListWorkGroupsCommand({}));
      assert.deepEqual(out.WorkGroups.map((w) => w.Name), ['primary']);
      // Verified, then answered by the operation: the session does not exist in this account.
      await rejectsWith(client.send(new GetSessionStatusCommand({ SessionId: 'none-here' })),
        'ResourceNotFoundException');
      const { requests } = await emu.adminOk('GET', 'requests');
      assert.deepEqual(requests.map((r) => [r.account, r.region]),
        [['121212121212', 'eu-central-1'], ['121212121212', 'eu-central-1']]);
    } finally {
      client.destroy();
    }
  }));

test('a wrong secret is InvalidSignatureException', () =>
  withEmulator(args, async (emu) => {
    const client = emu.makeClient({ credentials: credentials(KEY, { secretAccessKey: 'wrong' }) });
    try {
      const err = await rejectsWith(client.send(new ListWorkGroupsCommand({})), 'InvalidSignatureException');
      assert.equal(err.message, MISMATCH);
      assert.deepEqual(await journal(emu), [['ListWorkGroups', '121212121212', 400]]);
    } finally {
      client.destroy();
    }
  }));

test('temporary keys need their session token', () =>
  withEmulator(args, async (emu) => {
    const right = emu.makeClient({ credentials: credentials(TEMP, { sessionToken: TEMP.session_token }) });
    const wrong = emu.makeClient({ credentials: credentials(TEMP, { sessionToken: 'not-it' }) });
    const none = emu.makeClient({ credentials: credentials(TEMP) });
    try {
      const out = await right.send(new ListWorkGroupsCommand({}));
      assert.deepEqual(out.WorkGroups.map((w) => w.Name), ['primary']);
      for (const client of [wrong, none]) {
        const err = await rejectsWith(client.send(new ListWorkGroupsCommand({})), 'UnrecognizedClientException');
        assert.equal(err.message, BAD_TOKEN);
      }
      assert.deepEqual(await journal(emu), [
        ['ListWorkGroups', '343434343434', 200],
        ['ListWorkGroups', '343434343434', 400],
        ['ListWorkGroups', '343434343434', 400],
      ]);
    } finally {
      for (const c of [right, wrong, none]) c.destroy();
    }
  }));

test('a client clock more than --max-skew-s off the real time is refused, within it is fine', () =>
  withEmulator(args, async (emu) => {
    const offsets = { behind: -400_000, ahead: 400_000, close: -100_000 };
    const clients = Object.fromEntries(Object.entries(offsets).map(([k, systemClockOffset]) =>
      [k, emu.makeClient({ credentials: credentials(KEY), systemClockOffset })]));
    try {
      const behind = await rejectsWith(clients.behind.send(new ListWorkGroupsCommand({})), 'InvalidSignatureException');
      assert.match(behind.message,
        /^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 5 min\.\)$/);
      const ahead = await rejectsWith(clients.ahead.send(new ListWorkGroupsCommand({})), 'InvalidSignatureException');
      assert.match(ahead.message,
        /^Signature not yet current: \d{8}T\d{6}Z is still later than \d{8}T\d{6}Z \(\d{8}T\d{6}Z \+ 5 min\.\)$/);
      const out = await clients.close.send(new ListWorkGroupsCommand({}));
      assert.equal(out.$metadata.httpStatusCode, 200);
    } finally {
      for (const c of Object.values(clients)) c.destroy();
    }
  }));
