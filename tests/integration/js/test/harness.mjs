// Starts the athena-emu binary (ATHENA_EMU_BIN) on a free port under a manual clock, and gives
// tests an AthenaClient pointed at it plus helpers for the admin API (/_emulator/...).
//
//   const emu = await startEmulator(['--fixtures', 'none']);
//   try { ... emu.client.send(...) ... await emu.advance(1000) ... } finally { await emu.stop(); }

import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { AthenaClient } from '@aws-sdk/client-athena';

export const START_TIME = '2026-01-01T00:00:00Z';
export const START_MS = Date.parse(START_TIME);
export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

const READY_TIMEOUT_MS = 15000;
const STOP_TIMEOUT_MS = 10000;

// Emulators still running if the test process dies early.
const live = new Set();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

// One admin call on a fresh connection (no keep-alive left open at shutdown).
function adminRequest(port, method, path, body) {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method,
        path: `/_emulator/${path}`,
        agent: false,
        headers: payload === undefined
          ? {}
          : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json;
          try {
            json = text === '' ? undefined : JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode, headers: res.headers, text, json });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

export class Emulator {
  constructor(child, port, dir, output) {
    this.child = child;
    this.port = port;
    this.dir = dir;
    this.output = output; // { text } — the emulator's stdout + stderr so far
    this.endpoint = `http://127.0.0.1:${port}`;
    this.exited = new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) {
        resolve({ code: child.exitCode, signal: child.signalCode });
      } else {
        child.once('exit', (code, signal) => resolve({ code, signal }));
      }
    });
    this.client = this.makeClient();
  }

  // An AthenaClient on this emulator; `overrides` replace any of the defaults.
  makeClient(overrides = {}) {
    return new AthenaClient({
      endpoint: this.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'x' },
      maxAttempts: 1,
      ...overrides,
    });
  }

  // Raw admin call: { status, headers, text, json }.
  admin(method, path, body) {
    return adminRequest(this.port, method, path, body);
  }

  // Admin call that must answer 200; returns the parsed JSON body.
  async adminOk(method, path, body) {
    const res = await this.admin(method, path, body);
    if (res.status !== 200) {
      throw new Error(`${method} /_emulator/${path} answered ${res.status}: ${res.text}`);
    }
    if (res.json === undefined) {
      throw new Error(`${method} /_emulator/${path} answered 200 without a JSON body: ${JSON.stringify(res.text)}`);
    }
    return res.json;
  }

  loadFixtures(doc) {
    return this.adminOk('POST', 'fixtures', doc);
  }

  clock() {
    return this.adminOk('GET', 'clock');
  }

  // Moves the manual clock forward; returns {mode, now, epoch_ms}.
  advance(ms) {
    return this.adminOk('POST', 'clock', { advance_ms: ms });
  }

  transition(sessionId, state, reason) {
    const body = reason === undefined ? { state } : { state, reason };
    return this.adminOk('POST', `sessions/${encodeURIComponent(sessionId)}/transition`, body);
  }

  history(sessionId) {
    return this.adminOk('GET', `sessions/${encodeURIComponent(sessionId)}/history`);
  }

  // SIGTERM, wait for the exit (SIGKILL after STOP_TIMEOUT_MS); returns {code, signal, killed}.
  async stop() {
    this.client.destroy();
    let killed = false;
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      const cancel = new AbortController();
      const timer = delay(STOP_TIMEOUT_MS, 'timeout', { signal: cancel.signal }).catch(() => undefined);
      const outcome = await Promise.race([this.exited, timer]);
      cancel.abort(); // a pending timer would keep the test process alive
      if (outcome === 'timeout') {
        killed = true;
        this.child.kill('SIGKILL');
      }
    }
    const { code, signal } = await this.exited;
    live.delete(this.child);
    await rm(this.dir, { recursive: true, force: true });
    return { code, signal, killed };
  }
}

// Starts the emulator with `--port 0 --ready-file … --clock manual --start-time START_TIME`
// plus `extraArgs`, and waits for its ready file.
export async function startEmulator(extraArgs = []) {
  const bin = process.env.ATHENA_EMU_BIN;
  if (!bin) {
    throw new Error('ATHENA_EMU_BIN is not set: it must name the athena-emu binary under test. ' +
      'Run the tests through CTest (ctest --test-dir build -L js), which sets it, or set it by ' +
      'hand: ATHENA_EMU_BIN=build/athena-emu node --test test/');
  }
  const dir = await mkdtemp(join(tmpdir(), 'athena-emu-js-'));
  const readyFile = join(dir, 'ready.json');
  const args = [
    '--port', '0',
    '--ready-file', readyFile,
    '--clock', 'manual',
    '--start-time', START_TIME,
    ...extraArgs,
  ];
  // The emulator reads ATHENA_EMU_<FLAG> variables: keep the test's own out of its way.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('ATHENA_EMU_')),
  );
  const child = spawn(bin, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  const output = { text: '' };
  child.stdout.on('data', (d) => { output.text += d; });
  child.stderr.on('data', (d) => { output.text += d; });
  const failed = new Promise((resolve) => {
    child.once('error', (err) => resolve(`could not start ${bin}: ${err.message}`));
    child.once('exit', (code, signal) => resolve(`exited (code ${code}, signal ${signal}) before it was ready`));
  });

  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    let ready;
    try {
      ready = JSON.parse(await readFile(readyFile, 'utf8'));
    } catch {
      ready = undefined; // not written yet
    }
    if (ready !== undefined) {
      if (!Number.isInteger(ready.port) || ready.port <= 0 || ready.port > 65535 || ready.pid !== child.pid) {
        child.kill('SIGKILL');
        live.delete(child);
        throw new Error(`bad ready file ${JSON.stringify(ready)} (emulator pid ${child.pid})`);
      }
      return new Emulator(child, ready.port, dir, output);
    }
    const why = await Promise.race([failed, delay(10).then(() => undefined)]);
    if (why !== undefined || Date.now() > deadline) {
      child.kill('SIGKILL');
      live.delete(child);
      await rm(dir, { recursive: true, force: true });
      throw new Error(`athena-emu ${why ?? `wrote no ready file within ${READY_TIMEOUT_MS} ms`}; args ${args.join(' ')}\n${output.text}`);
    }
  }
}

// Runs `body(emu)` against a fresh emulator and stops it afterwards, whatever happens.
export async function withEmulator(extraArgs, body) {
  const emu = await startEmulator(extraArgs);
  try {
    return await body(emu);
  } catch (err) {
    if (emu.output.text) err.message += `\n--- emulator output (last 4000 chars) ---\n${emu.output.text.slice(-4000)}`;
    throw err;
  } finally {
    await emu.stop();
  }
}

// The names of an SDK output object's members that hold a value ($metadata left out).
export function presentMembers(obj) {
  return Object.entries(obj)
    .filter(([k, v]) => k !== '$metadata' && v !== undefined)
    .map(([k]) => k)
    .sort();
}
