// The web console (/_emulator/ui) in Debian's Chromium, against the real binary under a manual
// clock with fixtures (sessions in two tenants, calculations, a fault rule): what a person sees
// and does on the page, checked against the admin API.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { START_MS, openBrowser, screenshot, startEmulator, until } from '../harness.mjs';

const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'console.json');

// A client polling `poller` once per clock second (the first two polls throttled by the
// fixture's fault), then a calculation on `worker` polled three times: the clock ends at
// 4.9 s, poller still CREATING (CREATED at 5 s, IDLE at 6 s), worker BUSY.
async function clientTraffic(emu) {
  for (let i = 0; i < 4; i += 1) {
    const r = await emu.aws('GetSessionStatus', { SessionId: 'poller' });
    assert.equal(r.status, i < 2 ? 400 : 200, r.text);
    await emu.advance(1000);
  }
  const started = await emu.aws('StartCalculationExecution', { SessionId: 'worker', CodeBlock: 'print(spark.range(10).count())' });
  assert.equal(started.status, 200, started.text);
  const calc = started.json.CalculationExecutionId;
  for (let i = 0; i < 3; i += 1) {
    await emu.advance(300);
    await emu.aws('GetCalculationExecutionStatus', { CalculationExecutionId: calc });
  }
  await emu.aws('GetSessionStatus', { SessionId: 'no-such-session' });
  assert.equal((await emu.aws('ListSessions', { WorkGroup: 'spark' })).status, 200);
  return calc;
}

// One Chromium (a fresh profile) for the whole file; each emulator gets its own tab.
let browser;
before(async () => { browser = await openBrowser(); });
after(async () => { await browser?.close(); });

async function waitForRows(page) {
  await page.waitForSelector('#sessions tbody tr.session');
}

describe('console', () => {
  let emu;
  let page;

  let calcId;

  before(async () => {
    emu = await startEmulator(['--fixtures', FIXTURE]);
    calcId = await clientTraffic(emu);
    page = browser.page;
    await page.goto(`${emu.base}/_emulator/ui`);
    await waitForRows(page);
  });

  after(async () => {
    await page?.close();
    await emu?.stop();
  });

  test('the page and its files come from the binary, with types and caching headers', async () => {
    const types = { '/_emulator/ui': 'text/html', '/_emulator/ui/console.css': 'text/css', '/_emulator/ui/console.js': 'text/javascript', '/_emulator/ui/timeline.js': 'text/javascript' };
    let total = 0;
    for (const [path, type] of Object.entries(types)) {
      const r = await emu.request('GET', path, undefined, { token: null });
      assert.equal(r.status, 200, path);
      assert.match(r.headers.get('content-type'), new RegExp(`^${type}`), path);
      assert.equal(r.headers.get('cache-control'), 'no-cache', path);
      const etag = r.headers.get('etag');
      assert.match(etag, /^"[0-9a-f]{20}"$/, path);
      const again = await emu.request('GET', path, undefined, { token: null, headers: { 'If-None-Match': etag } });
      assert.equal(again.status, 304, path);
      assert.equal(again.text, '', path);
      total += Buffer.byteLength(r.text);
    }
    assert.ok(total < 100 * 1024, `the console's files weigh ${total} bytes`);
    assert.equal((await emu.request('GET', '/_emulator/ui/nope.js', undefined, { token: null })).status, 404);
    assert.deepEqual(browser.errors, [], 'no script errors on the page');
  });

  test('the sessions table shows every session, grouped by account/region and workgroup', async () => {
    const summary = await emu.admin('GET', 'summary');
    assert.equal(summary.sessions.length, 4);
    for (const s of summary.sessions) {
      const row = page.locator(`#sessions tr.session[data-key="${s.account}/${s.region}/${s.id}"]`);
      await row.waitFor();
      assert.equal(await row.locator('.pill').first().getAttribute('data-state'), s.state, s.id);
      assert.equal(await row.locator('td[data-calculations]').getAttribute('data-calculations'), String(s.calculations));
    }
    const groups = await page.locator('#sessions tr.group').allTextContents();
    assert.equal(groups.length, 2);
    assert.ok(groups.some((g) => g.includes('etl') && g.includes('210987654321 / eu-west-1')), groups.join(' | '));
    assert.ok(groups.some((g) => g.includes('spark') && g.includes('123456789012 / us-east-1')), groups.join(' | '));
    // worker ran one calculation; broken FAILED at 3 s.
    assert.equal(await page.locator('#sessions tr[data-session-id="worker"] td[data-calculations]').getAttribute('data-calculations'), '1');
    assert.equal(await page.locator('#sessions tr[data-session-id="broken"] .pill').first().getAttribute('data-state'), 'FAILED');
    // The filter narrows the table.
    await page.fill('#session-filter', 'night');
    await until(page, () => document.querySelectorAll('#sessions tr.session').length === 1);
    assert.equal(await page.locator('#sessions tr.session').getAttribute('data-session-id'), 'nightly');
    await page.fill('#session-filter', '');
    await until(page, () => document.querySelectorAll('#sessions tr.session').length === 4);
    await screenshot(page, 'console-overview.png');
  });

  test("a session's timeline has its history as bands and its journal entries as ticks", async () => {
    await page.click('#sessions tr[data-session-id="poller"]');
    await page.waitForSelector('#timeline-body svg .tl-band');
    const history = (await emu.admin('GET', 'sessions/poller/history')).transitions;
    const bands = await page.$$eval('#timeline-body svg .tl-band[data-future="0"]', (els) =>
      els.map((e) => ({ state: e.dataset.state, from: Number(e.dataset.from) })));
    assert.deepEqual(bands, history.map((t) => ({ state: t.state, from: t.epoch_ms })));
    assert.deepEqual(bands.map((b) => b.state), ['CREATING']);
    // CREATED and IDLE are scheduled: drawn faded after "now".
    const scheduled = await page.$$eval('#timeline-body svg .tl-band[data-future="1"]', (els) => els.map((e) => e.dataset.state));
    assert.deepEqual(scheduled.slice(0, 3), ['CREATING', 'CREATED', 'IDLE']);

    const journal = (await emu.admin('GET', 'requests?session_id=poller')).requests;
    assert.equal(journal.length, 4);
    const ticks = await page.$$eval('#timeline-body svg .tl-tick', (els) => els.map((e) => ({
      id: e.dataset.requestId, clock: Number(e.dataset.clockMs), status: Number(e.dataset.status), fault: e.dataset.fault,
    })));
    assert.deepEqual(ticks, journal.map((r) => ({ id: r.request_id, clock: r.clock_epoch_ms, status: r.status, fault: r.fault_id || '' })));
    assert.deepEqual(ticks.map((t) => t.clock - START_MS), [0, 1000, 2000, 3000]);
    assert.deepEqual(ticks.map((t) => t.fault), ['throttle-poller', 'throttle-poller', '', '']);
    assert.equal(await page.locator('#timeline-body svg .tl-fault').count(), 2);
    // Ticks sit left to right in clock order, the "now" line at the clock.
    const xs = await page.$$eval('#timeline-body svg .tl-tick', (els) => els.map((e) => Number(e.getAttribute('x'))));
    assert.deepEqual([...xs].sort((a, b) => a - b), xs);
    const clock = await emu.admin('GET', 'clock');
    assert.equal(Number(await page.locator('#timeline-body svg .tl-now').getAttribute('data-ms')), clock.epoch_ms);
    // Hover shows the exact request.
    await page.locator('#timeline-body svg .tl-tick').nth(0).hover({ force: true });
    const tip = await page.locator('#timeline-tooltip').textContent();
    assert.match(tip, /GetSessionStatus\s+→\s+400 ThrottlingException/);
    assert.match(tip, new RegExp(journal[0].request_id));
    assert.match(tip, /injected fault throttle-poller/);
    assert.ok(await page.locator('.legend').isVisible());
    await screenshot(page.locator('#timeline-card'), 'console-timeline-poller.png');
  });

  test("the worker's calculation is drawn with its states", async () => {
    const status = await emu.aws('GetCalculationExecutionStatus', { CalculationExecutionId: calcId });
    await page.evaluate(() => { location.hash = '#session=123456789012/us-east-1/worker'; });
    await page.waitForSelector('#timeline-body svg .tl-calc');
    // Every step of the calculation, the one it is in now the last one drawn solid, what is
    // scheduled (RUNNING's end, COMPLETED) faded.
    const calcs = await page.$$eval('#timeline-body svg .tl-calc', (els) => els.map((e) => ({ state: e.dataset.state, future: e.classList.contains('future') })));
    assert.deepEqual(calcs.map((c) => c.state), ['CREATING', 'CREATED', 'QUEUED', 'RUNNING', 'COMPLETED']);
    assert.equal(calcs.filter((c) => !c.future).at(-1).state, status.json.Status.State);
    const bands = await page.$$eval('#timeline-body svg .tl-band[data-future="0"]', (els) => els.map((e) => e.dataset.state));
    const history = (await emu.admin('GET', 'sessions/worker/history')).transitions;
    assert.deepEqual(bands, history.map((t) => t.state));
    assert.deepEqual(bands, ['IDLE', 'BUSY']);
    // Its requests: those naming the session, and those naming its calculation (the one a
    // fault answered with a 500 before it was processed names only the calculation).
    const journal = (await emu.admin('GET', 'requests')).requests.filter((r) => r.session_id === 'worker' || r.calculation_id === calcId);
    const ticks = await page.$$eval('#timeline-body svg .tl-tick', (els) => els.map((e) => ({ id: e.dataset.requestId, status: Number(e.dataset.status), fault: e.dataset.fault })));
    assert.deepEqual(ticks, journal.map((r) => ({ id: r.request_id, status: r.status, fault: r.fault_id || '' })));
    assert.deepEqual(ticks.filter((t) => t.fault).map((t) => [t.status, t.fault]), [[500, 'calc-status-500']]);
    await screenshot(page.locator('#timeline-card'), 'console-timeline-worker.png');
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, 'console-worker.png');
    // The README's picture (docs/console.png is a copy of it).
    await screenshot(page, 'console-readme.png', { clip: { x: 0, y: 0, width: 1440, height: 790 } });
  });

  test('moving the clock from the page changes the states the page shows', async () => {
    await page.evaluate(() => { location.hash = '#session=123456789012/us-east-1/poller'; });
    const row = page.locator('#sessions tr[data-session-id="poller"] .pill').first();
    await until(page, () => document.querySelector('#timeline-title').textContent.startsWith('poller'));
    assert.equal(await row.getAttribute('data-state'), 'CREATING');
    const before = (await emu.admin('GET', 'clock')).epoch_ms;
    await page.click('button[data-advance="1000"]');
    await until(page, () => document.querySelector('#sessions tr[data-session-id="poller"] .pill').dataset.state === 'CREATED');
    await page.click('button[data-advance="1000"]');
    await until(page, () => document.querySelector('#sessions tr[data-session-id="poller"] .pill').dataset.state === 'IDLE');
    assert.equal((await emu.admin('GET', 'clock')).epoch_ms, before + 2000);
    assert.equal(Number(await page.locator('#clock-time').getAttribute('data-epoch-ms')), before + 2000);
    // The open timeline follows: CREATING, CREATED, IDLE are history now.
    await until(page, () => [...document.querySelectorAll('#timeline-body .tl-band[data-future="0"]')].map((e) => e.dataset.state).join() === 'CREATING,CREATED,IDLE');
    // Setting a time: 20 minutes idle later, the idle timeout terminates it.
    await page.fill('#clock-set-input', new Date(before + 2000 + 20 * 60000 + 3000).toISOString());
    await page.click('#clock-set button');
    await until(page, () => document.querySelector('#sessions tr[data-session-id="poller"] .pill').dataset.state === 'TERMINATED');
    const history = (await emu.admin('GET', 'sessions/poller/history')).transitions.map((t) => t.state);
    assert.deepEqual(history, ['CREATING', 'CREATED', 'IDLE', 'TERMINATING', 'TERMINATED']);
    await until(page, () => document.querySelectorAll('#timeline-body .tl-band[data-future="0"]').length === 5);
    await screenshot(page, 'console-after-clock.png');
  });

  test('a fault rule is added from the form and deleted from the table', async () => {
    await page.selectOption('#fault-form select[name="kind"]', 'error');
    await page.fill('#fault-form input[name="operation"]', 'GetSession');
    await page.fill('#fault-form input[name="session_id"]', 'worker');
    await page.fill('#fault-form input[name="error"]', 'TooManyRequestsException');
    await page.fill('#fault-form input[name="count"]', '3');
    await page.fill('#fault-form input[name="probability"]', '0.5');
    await page.click('#fault-form button[type="submit"]');
    await until(page, () => document.querySelectorAll('#faults tbody tr').length === 2);
    const rules = (await emu.admin('GET', 'faults')).faults;
    const added = rules.find((r) => r.operation === 'GetSession');
    assert.ok(added, JSON.stringify(rules));
    assert.deepEqual({ match: added.match, count: added.count, probability: added.probability, action: added.action },
      { match: { session_id: 'worker' }, count: 3, probability: 0.5, action: { error: 'TooManyRequestsException' } });
    // The fixture's latency rule fired once, and says so; its throttling rule fired its count
    // (2) and retired.
    assert.equal(await page.locator('#faults tr[data-fault-id="slow-listing"] td[data-fired]').getAttribute('data-fired'), '1');
    assert.equal(await page.locator('#faults tr[data-fault-id="throttle-poller"]').count(), 0);
    // A bad rule shows the emulator's message.
    await page.fill('#fault-form input[name="probability"]', '7');
    await page.click('#fault-form button[type="submit"]');
    await page.waitForSelector('#fault-error:not([hidden])');
    assert.match(await page.locator('#fault-error').textContent(), /probability/);
    // Chromium logs the refused POST (400); that one is expected.
    assert.deepEqual(browser.errors.splice(0), ['Failed to load resource: the server responded with a status of 400 (Bad Request)']);
    await page.fill('#fault-form input[name="probability"]', '1');
    await screenshot(page.locator('#faults-card'), 'console-faults.png');
    await page.click(`#faults tr[data-fault-id="${added.id}"] button.del`);
    await until(page, () => document.querySelectorAll('#faults tbody tr').length === 1);
    assert.deepEqual((await emu.admin('GET', 'faults')).faults.map((r) => r.id), ['slow-listing']);
  });

  test('the journal filters by operation and session and links to the timeline', async () => {
    const all = (await emu.admin('GET', 'requests')).requests;
    assert.equal(await page.locator('#journal tbody tr').count(), all.length);
    await page.selectOption('#journal-operation', 'GetCalculationExecutionStatus');
    await until(page, () => [...document.querySelectorAll('#journal tbody tr td:nth-child(2)')].every((td) => td.textContent === 'GetCalculationExecutionStatus'));
    assert.equal(await page.locator('#journal tbody tr').count(), all.filter((r) => r.operation === 'GetCalculationExecutionStatus').length);
    await page.selectOption('#journal-operation', '');
    await page.fill('#journal-session', 'poller');
    await until(page, (n) => document.querySelectorAll('#journal tbody tr').length === n, all.filter((r) => r.session_id === 'poller').length);
    assert.equal(await page.locator('#journal .fault-badge').count(), 2);
    await page.fill('#journal-session', 'worker');
    await until(page, () => document.querySelector('#journal tbody tr a')?.textContent === 'worker');
    await page.click('#journal tbody tr a');
    await until(page, () => document.querySelector('#timeline-title').textContent.startsWith('worker'));
    await page.fill('#journal-session', '');
  });

  test('force a state with a reason, terminate, and reset from the page', async () => {
    await page.evaluate(() => { location.hash = '#session=210987654321/eu-west-1/nightly'; });
    await until(page, () => document.querySelector('#timeline-title').textContent.startsWith('nightly'));
    await page.selectOption('#force-state', 'DEGRADED');
    await page.fill('#force-reason', 'coordinator lost');
    await page.click('#force-form button[type="submit"]');
    await until(page, () => document.querySelector('#sessions tr[data-session-id="nightly"] .pill').dataset.state === 'DEGRADED');
    const h = (await emu.admin('GET', 'sessions/nightly/history?account=210987654321&region=eu-west-1')).transitions;
    assert.deepEqual(h.at(-1), { ...h.at(-1), state: 'DEGRADED', reason: 'coordinator lost', cause: 'admin' });
    await page.evaluate(() => { location.hash = '#session=123456789012/us-east-1/worker'; });
    await until(page, () => document.querySelector('#timeline-title').textContent.startsWith('worker'));
    await page.click('#terminate');
    await until(page, () => document.querySelector('#sessions tr[data-session-id="worker"] .pill').dataset.state === 'TERMINATING');
    const status = await emu.aws('GetSessionStatus', { SessionId: 'worker' });
    assert.equal(status.json.Status.State, 'TERMINATING');
    page.once('dialog', (d) => d.accept());
    await page.click('#reset');
    await until(page, () => document.querySelector('#sessions tr[data-session-id="poller"] .pill').dataset.state === 'CREATING');
    assert.equal((await emu.admin('GET', 'clock')).epoch_ms, START_MS);
  });

  test('a fixture file loads from the page and the state downloads', async () => {
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.click('label:has(#fixture-file)')]);
    await chooser.setFiles({ name: 'more.json', mimeType: 'application/json',
      buffer: Buffer.from(JSON.stringify({ sessions: [{ id: 'loaded-from-page', workgroup: 'spark', script: [{ after_ms: 0, state: 'BUSY' }] }] })) });
    await page.waitForSelector('#sessions tr[data-session-id="loaded-from-page"]');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-state')]);
    const state = JSON.parse(await (await import('node:fs/promises')).readFile(await download.path(), 'utf8'));
    assert.ok(state.sessions.some((s) => s.id === 'loaded-from-page'));
    assert.deepEqual(browser.errors, []);
  });
});

describe('console with --admin-token', () => {
  test('the page asks for the token and sends it', async () => {
    const emu = await startEmulator(['--admin-token', 's3cret'], 's3cret');
    const page = await browser.context.newPage();
    try {
      assert.equal((await emu.request('GET', '/_emulator/ui', undefined, { token: null })).status, 200);
      assert.equal((await emu.request('GET', '/_emulator/summary', undefined, { token: null })).status, 401);
      await page.goto(`${emu.base}/_emulator/ui`);
      await page.waitForSelector('#token-dialog[open]');
      await screenshot(page, 'console-token.png');
      await page.fill('#token-input', 'wrong');
      await page.click('#token-form button[type="submit"]');
      await page.waitForSelector('#token-dialog[open] #token-error:not([hidden])');
      assert.match(await page.locator('#token-error').textContent(), /refused/);
      await page.fill('#token-input', 's3cret');
      await page.click('#token-form button[type="submit"]');
      await page.waitForSelector('#sessions tr[data-session-id="example-idle"]');
      assert.equal(await page.locator('#token-dialog').getAttribute('open'), null);
      // Moving the clock from the page works with the token too.
      await page.click('button[data-advance="5000"]');
      await until(page, () => document.querySelector('#sessions tr[data-session-id="example-creating"] .pill').dataset.state === 'CREATED');
    } finally {
      await page.close();
      await emu.stop();
    }
  });

  test('with --admin off the page is gone', async () => {
    const emu = await startEmulator(['--admin', 'off']);
    try {
      assert.equal((await emu.request('GET', '/_emulator/ui')).status, 404);
      assert.equal((await emu.request('GET', '/_emulator/ui/console.js')).status, 404);
      assert.equal((await emu.request('GET', '/_emulator/summary')).status, 404);
      assert.equal((await emu.request('GET', '/_emulator/health')).status, 200);
    } finally {
      await emu.stop();
    }
  });
});
