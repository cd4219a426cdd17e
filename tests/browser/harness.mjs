// The real athena-emu binary (ATHENA_EMU_BIN) on --port 0 under a manual clock, plain HTTP
// helpers for its admin API and AWS endpoint, and Debian's Chromium through playwright-core
// (launchPersistentContext on a fresh --user-data-dir; no browser is ever downloaded).

import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { chromium } from 'playwright-core';

export const START_TIME = '2026-01-01T00:00:00Z';
export const START_MS = Date.parse(START_TIME);
export const CHROMIUM = process.env.ATHENA_CHROMIUM || '/usr/bin/chromium';
export const ARTIFACTS = process.env.ATHENA_BROWSER_ARTIFACTS || join(tmpdir(), 'athena-emu-browser-artifacts');
const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export class Emulator {
  constructor(child, port, dir, output, token) {
    Object.assign(this, { child, port, dir, output, token });
    this.base = `http://127.0.0.1:${port}`;
    this.exited = new Promise((resolve) => child.once('exit', resolve));
  }

  // { status, headers, text, json } of one call; `token` (default: the emulator's) as Bearer.
  async request(method, path, body, { token = this.token, headers = {} } = {}) {
    const h = { ...headers };
    if (token) h.Authorization = `Bearer ${token}`;
    const res = await fetch(this.base + path, {
      method, headers: h, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let json;
    try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
    return { status: res.status, headers: res.headers, text, json };
  }

  // An admin call that must answer 200: its JSON.
  async admin(method, path, body) {
    const r = await this.request(method, `/_emulator/${path}`, body);
    if (r.status !== 200) throw new Error(`${method} /_emulator/${path} answered ${r.status}: ${r.text}`);
    return r.json;
  }

  // One AWS JSON 1.1 call, as an SDK sends it: { status, json }.
  aws(operation, input) {
    return this.request('POST', '/', input, {
      token: null,
      headers: { 'X-Amz-Target': `AmazonAthena.${operation}`, 'Content-Type': 'application/x-amz-json-1.1' },
    });
  }

  advance(ms) { return this.admin('POST', 'clock', { advance_ms: ms }); }

  async stop() {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      const outcome = await Promise.race([this.exited, delay(10000, 'timeout')]);
      if (outcome === 'timeout') this.child.kill('SIGKILL');
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}

export async function startEmulator(args = [], token = undefined) {
  const bin = process.env.ATHENA_EMU_BIN;
  if (!bin) throw new Error('ATHENA_EMU_BIN is not set: it must name the athena-emu binary');
  const dir = await mkdtemp(join(tmpdir(), 'athena-emu-browser-'));
  const ready = join(dir, 'ready.json');
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ATHENA_EMU_')));
  const full = ['--port', '0', '--ready-file', ready, '--clock', 'manual', '--start-time', START_TIME, ...args];
  const child = spawn(bin, full, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = { text: '' };
  child.stdout.on('data', (d) => { output.text += d; });
  child.stderr.on('data', (d) => { output.text += d; });
  // The ready file is written once the port listens (write + rename): poll for it.
  for (const deadline = Date.now() + 20000; Date.now() < deadline;) {
    if (child.exitCode !== null) break;
    try {
      const { port } = JSON.parse(await readFile(ready, 'utf8'));
      return new Emulator(child, port, dir, output, token);
    } catch {
      await delay(20);
    }
  }
  child.kill('SIGKILL');
  throw new Error(`athena-emu did not become ready (args ${full.join(' ')}):\n${output.text}`);
}

// A fresh Chromium profile; returns { context, page, close }.
export async function openBrowser() {
  const profile = await mkdtemp(join(tmpdir(), 'athena-emu-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1440, height: 1000 },
    deviceScaleFactor: 1,
  });
  const page = context.pages()[0] || (await context.newPage());
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  return {
    context, page, errors,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

export async function screenshot(target, name, options = {}) {
  await mkdir(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, name);
  await target.screenshot({ path, ...options });
  return path;
}

// Waits until `fn(arg)`, run in the page, is true (10 s at most). Not page.waitForFunction:
// that evaluates a string in the page, which the console's Content-Security-Policy forbids.
export async function until(page, fn, arg, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await page.evaluate(fn, arg)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${fn.toString()}`);
    await delay(25);
  }
}
