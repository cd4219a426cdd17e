// athena-emu console: polls GET /_emulator/summary every second (while the tab is visible),
// draws the sessions table, the selected session's timeline, fault rules and the journal, and
// drives the clock, faults and sessions through the admin API. No framework, no build step.
'use strict';

(function () {
  const API = '/_emulator/';
  // Polls every second, or less often when the summary is slow to build (thousands of
  // sessions): the console takes at most 1/POLL_SHARE of the emulator's time.
  const POLL_MS = 1000;
  const POLL_SHARE = 20;
  const JOURNAL_LIMIT = 200;
  const STATES = ['CREATING', 'CREATED', 'IDLE', 'BUSY', 'TERMINATING', 'TERMINATED', 'DEGRADED', 'FAILED'];
  const OPERATIONS = ['*', 'StartSession', 'GetSessionStatus', 'GetSession', 'ListSessions', 'TerminateSession',
    'StartCalculationExecution', 'GetCalculationExecutionStatus', 'GetCalculationExecution',
    'GetCalculationExecutionCode', 'ListCalculationExecutions', 'StopCalculationExecution', 'GetSessionEndpoint',
    'ListExecutors', 'CreateWorkGroup', 'GetWorkGroup', 'ListWorkGroups', 'UpdateWorkGroup', 'DeleteWorkGroup',
    'TagResource', 'UntagResource', 'ListTagsForResource'];

  const $ = (sel) => document.querySelector(sel);
  const ui = {
    summary: null,
    summaryEtag: null,
    selected: null,        // {account, region, id}
    timeline: null,
    windowMs: 0,
    stateFilter: new Set(),
    journalLatest: undefined,
    journalKey: '',
    journalSeq: 0,
    token: sessionStorage.getItem('athena-emu-admin-token') || '',
    timer: null,
    busy: false,
    pollMs: POLL_MS,
  };

  // --- talking to the emulator ----------------------------------------------------------
  class HttpError extends Error {
    constructor(status, message) { super(message); this.status = status; }
  }

  async function api(method, path, body) {
    const headers = {};
    if (ui.token) headers.Authorization = `Bearer ${ui.token}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(API + path, {
      method, headers, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    if (res.status === 401) {
      askToken(ui.token ? 'That token was refused. Check the value of --admin-token.' : '');
      throw new HttpError(401, 'admin token needed');
    }
    const text = await res.text();
    let json;
    try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
    if (!res.ok) throw new HttpError(res.status, (json && json.error) || `${method} ${path} answered ${res.status}`);
    return { json, text, etag: res.headers.get('ETag') };
  }

  function toast(message, error) {
    const t = document.createElement('div');
    t.className = `toast${error ? ' error' : ''}`;
    t.textContent = message;
    $('#toasts').appendChild(t);
    setTimeout(() => t.remove(), error ? 6000 : 2600);
  }

  // Runs an action, then refreshes; shows its error, if any, as a toast.
  async function act(what, fn) {
    try {
      const msg = await fn();
      if (msg) toast(msg);
    } catch (e) {
      if (e.status !== 401) toast(`${what}: ${e.message}`, true);
    }
    await refresh(true);
  }

  // --- token -----------------------------------------------------------------------------
  function askToken(error) {
    const dlg = $('#token-dialog');
    $('#token-error').hidden = !error;
    $('#token-error').textContent = error || '';
    if (!dlg.open) dlg.showModal();
    $('#token-input').focus();
  }

  $('#token-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    ui.token = $('#token-input').value.trim();
    sessionStorage.setItem('athena-emu-admin-token', ui.token);
    $('#token-dialog').close();
    ui.summaryEtag = null;
    refresh(true);
  });
  $('#token-dialog').addEventListener('cancel', (ev) => ev.preventDefault());

  // --- formatting ------------------------------------------------------------------------
  const pad = (n, w = 2) => String(n).padStart(w, '0');
  function timeText(ms) {
    const d = new Date(ms);
    return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  }
  function relative(ms, now) {
    const d = ms - now;
    const a = Math.abs(d);
    const text = a < 1000 ? `${a} ms` : a < 60000 ? `${Math.round(a / 100) / 10} s` : a < 3600000 ? `${Math.round(a / 6000) / 10} min` : `${Math.round(a / 360000) / 10} h`;
    return d >= 0 ? `in ${text}` : `${text} ago`;
  }
  function pill(state, palette = 's') {
    const span = document.createElement('span');
    span.className = 'pill';
    span.style.setProperty('--pill', `var(--${palette}-${state})`);
    span.textContent = state;
    span.dataset.state = state;
    return span;
  }
  function cell(tr, content, cls) {
    const td = document.createElement('td');
    if (cls) td.className = cls;
    if (content instanceof Node) td.appendChild(content); else td.textContent = content ?? '';
    tr.appendChild(td);
    return td;
  }
  function sessionKey(s) { return `${s.account}/${s.region}/${s.id ?? s.session_id}`; }
  function sessionHash(account, region, id) {
    return `#session=${encodeURIComponent(account)}/${encodeURIComponent(region)}/${encodeURIComponent(id)}`;
  }

  // --- clock -----------------------------------------------------------------------------
  function renderClock(clock) {
    $('#clock-time').textContent = `${timeText(clock.epoch_ms)}.${pad(clock.epoch_ms % 1000, 3)} UTC`;
    $('#clock-time').dataset.epochMs = clock.epoch_ms;
    const mode = $('#clock-mode');
    mode.textContent = `${clock.mode} clock`;
    mode.className = `pill mode ${clock.mode}`;
    const manual = clock.mode === 'manual';
    for (const b of document.querySelectorAll('#clock-controls button, #clock-controls input')) {
      b.disabled = !manual;
      b.title = manual ? '' : 'Only the manual clock moves by hand (--clock manual)';
    }
  }

  for (const b of document.querySelectorAll('[data-advance]'))
    b.addEventListener('click', () => act('Advance the clock', async () => {
      await api('POST', 'clock', { advance_ms: Number(b.dataset.advance) });
    }));
  $('#clock-set').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const value = $('#clock-set-input').value.trim();
    if (!value) return;
    act('Set the clock', async () => {
      await api('POST', 'clock', { set: /^\d+(\.\d+)?$/.test(value) ? Number(value) : value });
      $('#clock-set-input').value = '';
    });
  });

  // --- sessions --------------------------------------------------------------------------
  function renderChips(sessions) {
    const box = $('#state-chips');
    const counts = Object.fromEntries(STATES.map((s) => [s, 0]));
    for (const s of sessions) counts[s.state] += 1;
    box.replaceChildren(...STATES.filter((s) => counts[s] || ui.stateFilter.has(s)).map((s) => {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = `chip${ui.stateFilter.has(s) ? ' on' : ''}`;
      b.dataset.state = s;
      const dot = document.createElement('span');
      dot.className = 'dot';
      dot.style.background = `var(--s-${s})`;
      b.append(dot, `${s} ${counts[s]}`);
      b.addEventListener('click', () => {
        if (ui.stateFilter.has(s)) ui.stateFilter.delete(s); else ui.stateFilter.add(s);
        renderSessions();
      });
      return b;
    }));
  }

  function sessionRow(s, now) {
    const tr = document.createElement('tr');
    tr.className = 'session';
    tr.dataset.key = sessionKey(s);
    tr.dataset.sessionId = s.id;
    if (ui.selected && sessionKey(ui.selected) === sessionKey(s)) tr.classList.add('selected');
    const a = document.createElement('a');
    a.href = sessionHash(s.account, s.region, s.id);
    a.textContent = s.id;
    a.className = 'mono';
    cell(tr, a);
    cell(tr, pill(s.state)).title = s.reason || '';
    cell(tr, timeText(s.start_ms), 'mono').title = relative(s.start_ms, now);
    cell(tr, s.idle_since_ms !== undefined ? relative(s.idle_since_ms, now).replace(' ago', '') : '—', 'mono')
      .title = s.idle_since_ms !== undefined ? timeText(s.idle_since_ms) : '';
    const calc = document.createElement('span');
    calc.textContent = String(s.calculations);
    if (s.active_calculation) {
      calc.append(' ');
      calc.appendChild(pill(s.active_calculation.state, 'c')).title = s.active_calculation.id;
    }
    cell(tr, calc).dataset.calculations = s.calculations;
    const next = document.createElement('span');
    next.className = 'next';
    if (s.next) next.append(`→ ${s.next.state} ${relative(s.next.epoch_ms, now)}`);
    cell(tr, next);
    tr.addEventListener('click', (ev) => {
      if (ev.target.closest('a')) return;
      location.hash = sessionHash(s.account, s.region, s.id);
    });
    return tr;
  }

  function renderSessions() {
    const sum = ui.summary;
    if (!sum) return;
    const q = $('#session-filter').value.trim().toLowerCase();
    renderChips(sum.sessions);
    const shown = sum.sessions.filter((s) =>
      (!ui.stateFilter.size || ui.stateFilter.has(s.state)) &&
      (!q || [s.id, s.workgroup, s.account, s.region, s.state, s.description || ''].some((v) => v.toLowerCase().includes(q))));
    // Grouped by account/region, then workgroup; sessions newest first inside.
    const groups = new Map();
    for (const s of shown) {
      const k = `${s.account}\u0000${s.region}\u0000${s.workgroup}`;
      if (!groups.has(k)) groups.set(k, []);
      groups.get(k).push(s);
    }
    const rows = [];
    for (const key of [...groups.keys()].sort()) {
      const [account, region, workgroup] = key.split('\u0000');
      const tr = document.createElement('tr');
      tr.className = 'group';
      const td = document.createElement('td');
      td.colSpan = 6;
      const wg = document.createElement('strong');
      wg.textContent = workgroup;
      td.append(wg, `  ·  ${account} / ${region}  ·  ${groups.get(key).length} session${groups.get(key).length === 1 ? '' : 's'}`);
      tr.appendChild(td);
      rows.push(tr);
      for (const s of groups.get(key)) rows.push(sessionRow(s, sum.clock.epoch_ms));
    }
    $('#sessions tbody').replaceChildren(...rows);
    $('#sessions-empty').hidden = shown.length > 0;
    const total = sum.total_sessions;
    $('#session-count').textContent = shown.length === total ? `${total}` : `${shown.length} of ${total}`;
  }
  $('#session-filter').addEventListener('input', renderSessions);

  // --- timeline --------------------------------------------------------------------------
  function selectedFromHash() {
    const m = /^#session=([^/]*)\/([^/]*)\/(.+)$/.exec(location.hash);
    if (!m) return null;
    return { account: decodeURIComponent(m[1]), region: decodeURIComponent(m[2]), id: decodeURIComponent(m[3]) };
  }

  async function loadTimeline() {
    const sel = ui.selected;
    if (!sel) return;
    const path = `sessions/${encodeURIComponent(sel.id)}/timeline?account=${encodeURIComponent(sel.account)}&region=${encodeURIComponent(sel.region)}`;
    try {
      const { json } = await api('GET', path);
      if (ui.selected !== sel) return;
      ui.timeline = json;
      renderTimeline();
    } catch (e) {
      if (e.status === 404) {
        $('#timeline-body').replaceChildren(Object.assign(document.createElement('p'), { className: 'empty', textContent: e.message }));
        $('#session-actions').hidden = true;
      }
    }
  }

  function renderTimeline() {
    const t = ui.timeline;
    if (!t) return;
    $('#timeline-title').textContent = `${t.session_id}  ·  ${t.workgroup}  ·  ${t.account} / ${t.region}`;
    $('#timeline-title').title = t.description || '';
    $('#timeline-state').replaceChildren(pill(t.state));
    $('#session-actions').hidden = false;
    window.AthenaTimeline.render($('#timeline-body'), t, { windowMs: ui.windowMs, tooltip: $('#timeline-tooltip') });
  }

  function onHash() {
    ui.selected = selectedFromHash();
    ui.timeline = null;
    if (ui.selected) {
      $('#timeline-title').textContent = ui.selected.id;
      loadTimeline();
      $('#timeline-card').scrollIntoView({ behavior: 'smooth', block: 'nearest' });
    }
    renderSessions();
  }
  window.addEventListener('hashchange', onHash);
  window.addEventListener('resize', () => renderTimeline());

  for (const b of document.querySelectorAll('#timeline-window [data-window]'))
    b.addEventListener('click', () => {
      ui.windowMs = Number(b.dataset.window);
      for (const o of document.querySelectorAll('#timeline-window .chip')) o.classList.toggle('on', o === b);
      renderTimeline();
    });

  function sessionQuery() {
    const s = ui.selected;
    return `${encodeURIComponent(s.id)}?account=${encodeURIComponent(s.account)}&region=${encodeURIComponent(s.region)}`;
  }
  $('#force-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (!ui.selected) return;
    const state = $('#force-state').value;
    const reason = $('#force-reason').value.trim();
    const [id, query] = sessionQuery().split('?');
    act('Force state', async () => {
      await api('POST', `sessions/${id}/transition?${query}`, reason ? { state, reason } : { state });
      $('#force-reason').value = '';
      return `${ui.selected.id} is now ${state}`;
    });
  });
  $('#terminate').addEventListener('click', () => {
    if (!ui.selected) return;
    const [id, query] = sessionQuery().split('?');
    act('Terminate', async () => {
      const { json } = await api('POST', `sessions/${id}/terminate?${query}`);
      return `${json.session_id}: ${json.state}`;
    });
  });

  // --- faults ----------------------------------------------------------------------------
  function faultAction(f) {
    const parts = [];
    if (f.error) parts.push(`${f.error}${f.status ? ` (${f.status})` : ''}`);
    if (f.transport) parts.push(`transport: ${f.transport}`);
    if (f.latency_ms) parts.push(`+${f.latency_ms} ms`);
    const a = f.action || {};
    if (!parts.length) {
      if (a.error) parts.push(`${a.error}${a.status ? ` (${a.status})` : ''}`);
      if (a.transport) parts.push(`transport: ${a.transport}`);
      if (a.latency_ms) parts.push(`+${a.latency_ms} ms`);
    }
    return parts.join(', ');
  }

  function renderFaults(faults) {
    const rows = faults.map((f) => {
      const tr = document.createElement('tr');
      tr.dataset.faultId = f.id;
      cell(tr, f.id, 'mono');
      cell(tr, f.operation, 'mono');
      const m = f.match || {};
      cell(tr, Object.entries(m).map(([k, v]) => `${k}=${v}`).join(' ') || 'any', 'mono');
      cell(tr, faultAction(f), 'mono');
      cell(tr, f.count === undefined ? '∞' : String(f.count)).className = 'mono';
      cell(tr, f.probability === undefined ? '1' : String(f.probability), 'mono');
      cell(tr, String(f.fired ?? 0), 'mono').dataset.fired = f.fired ?? 0;
      const del = document.createElement('button');
      del.className = 'del';
      del.type = 'button';
      del.title = `Delete rule ${f.id}`;
      del.textContent = '×';
      del.setAttribute('aria-label', `Delete rule ${f.id}`);
      del.addEventListener('click', () => act('Delete rule', async () => {
        await api('DELETE', `faults/${encodeURIComponent(f.id)}`);
        return `Rule ${f.id} deleted`;
      }));
      cell(tr, del);
      return tr;
    });
    $('#faults tbody').replaceChildren(...rows);
    $('#faults-empty').hidden = faults.length > 0;
    $('#fault-count').textContent = faults.length ? String(faults.length) : '';
  }

  const faultForm = $('#fault-form');
  function showKind() {
    const kind = faultForm.elements.kind.value;
    for (const l of faultForm.querySelectorAll('[data-kind]')) l.hidden = l.dataset.kind !== kind;
  }
  faultForm.elements.kind.addEventListener('change', showKind);
  faultForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const f = faultForm.elements;
    const rule = { operation: f.operation.value.trim() };
    const match = {};
    if (f.session_id.value.trim()) match.session_id = f.session_id.value.trim();
    if (f.workgroup.value.trim()) match.workgroup = f.workgroup.value.trim();
    if (Object.keys(match).length) rule.match = match;
    const kind = f.kind.value;
    if (kind === 'error') {
      rule.action = { error: f.error.value.trim() };
      if (f.status.value) rule.action.status = Number(f.status.value);
    } else if (kind === 'latency') {
      rule.action = { latency_ms: Number(f.latency_ms.value) };
    } else {
      rule.action = { transport: f.transport.value };
    }
    if (f.count.value) rule.count = Number(f.count.value);
    if (f.probability.value !== '' && Number(f.probability.value) !== 1) rule.probability = Number(f.probability.value);
    $('#fault-error').hidden = true;
    act('Add rule', async () => {
      try {
        const { json } = await api('POST', 'faults', rule);
        return `Rule ${json.id} added`;
      } catch (e) {
        $('#fault-error').textContent = e.message;
        $('#fault-error').hidden = false;
        throw e;
      }
    });
  });

  // --- journal ---------------------------------------------------------------------------
  async function loadJournal(force) {
    const op = $('#journal-operation').value;
    const sid = $('#journal-session').value.trim();
    const key = `${op}\u0000${sid}`;
    const latest = ui.summary ? ui.summary.journal.latest : null;
    if (!force && key === ui.journalKey && latest === ui.journalLatest) return;
    let query = `requests?limit=${JOURNAL_LIMIT}`;
    if (op) query += `&operation=${encodeURIComponent(op)}`;
    if (sid) query += `&session_id=${encodeURIComponent(sid)}`;
    // Filters typed quickly and the poll overlap: only the newest answer is drawn.
    const seq = ++ui.journalSeq;
    const { json } = await api('GET', query);
    if (seq !== ui.journalSeq) return;
    ui.journalKey = key;
    ui.journalLatest = latest;
    renderJournal(json.requests);
  }

  function renderJournal(requests) {
    const rows = requests.slice().reverse().map((r) => {
      const tr = document.createElement('tr');
      tr.dataset.requestId = r.request_id;
      const t = cell(tr, window.AthenaTimeline.clockText(r.clock_epoch_ms), 'mono');
      t.title = `clock ${new Date(r.clock_epoch_ms).toISOString()}\nreceived ${new Date(r.epoch_ms).toISOString()} (wall clock)\nrequest ${r.request_id}`;
      cell(tr, r.operation, 'mono');
      if (r.session_id) {
        const a = document.createElement('a');
        a.href = sessionHash(r.account, r.region, r.session_id);
        a.textContent = r.session_id;
        a.className = 'mono';
        a.title = 'Open this session\'s timeline';
        cell(tr, a);
      } else {
        cell(tr, '—');
      }
      const st = document.createElement('span');
      st.className = `status ${window.AthenaTimeline.statusClass(r.status)}`;
      st.textContent = r.status === 0 ? 'none' : String(r.status);
      const td = cell(tr, st);
      td.appendChild(Object.assign(document.createElement('span'), { className: 'lat', textContent: `${r.latency_ms.toFixed(1)} ms` }));
      if (r.error_code) td.appendChild(Object.assign(document.createElement('span'), { className: 'err', textContent: r.error_code, title: r.error_code }));
      if (r.fault_id) {
        const f = document.createElement('span');
        f.className = 'fault-badge';
        f.textContent = `⚡ ${r.fault_id}`;
        f.title = 'An injected fault answered this request';
        td.appendChild(f);
      }
      return tr;
    });
    $('#journal tbody').replaceChildren(...rows);
    $('#journal-empty').hidden = rows.length > 0;
    const ops = new Set(OPERATIONS.slice(1));
    for (const r of requests) ops.add(r.operation);
    const sel = $('#journal-operation');
    const current = sel.value;
    if (sel.options.length !== ops.size + 1) {
      sel.replaceChildren(new Option('all operations', ''), ...[...ops].sort().map((o) => new Option(o, o)));
      sel.value = current;
    }
  }
  $('#journal-operation').addEventListener('change', () => loadJournal(true).catch(() => {}));
  $('#journal-session').addEventListener('input', () => loadJournal(true).catch(() => {}));

  // --- global actions --------------------------------------------------------------------
  $('#reset').addEventListener('click', () => {
    if (!window.confirm('Reset the emulator? Every session, workgroup, calculation, fault rule and journal entry is dropped and the startup fixtures are applied again.')) return;
    act('Reset', async () => { await api('POST', 'reset', {}); return 'Emulator reset'; });
  });
  $('#fixture-file').addEventListener('change', (ev) => {
    const file = ev.target.files[0];
    ev.target.value = '';
    if (!file) return;
    act(`Load ${file.name}`, async () => {
      const { json } = await api('POST', 'fixtures', await file.text());
      const a = json.applied || {};
      return `${file.name}: ${Object.entries(a).filter(([, n]) => n).map(([k, n]) => `${n} ${k}`).join(', ') || 'nothing new'}`;
    });
  });
  $('#download-state').addEventListener('click', () => act('Download state', async () => {
    const { text } = await api('GET', 'state');
    const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `athena-emu-state-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }));

  // --- polling ---------------------------------------------------------------------------
  async function refresh(force) {
    if (ui.busy && !force) return;
    ui.busy = true;
    const live = $('#live');
    try {
      const started = performance.now();
      const { json, etag } = await api('GET', 'summary');
      ui.pollMs = Math.max(POLL_MS, Math.min(30000, (performance.now() - started) * POLL_SHARE));
      const changed = force || etag !== ui.summaryEtag;
      ui.summaryEtag = etag;
      if (changed) {
        ui.summary = json;
        renderClock(json.clock);
        renderSessions();
        renderFaults(json.faults);
        await loadTimeline();
      }
      await loadJournal(force);
      live.className = 'live';
      live.textContent = 'live';
    } catch (e) {
      live.className = e.status === 401 ? 'live stale' : 'live down';
      live.textContent = e.status === 401 ? 'token needed' : 'unreachable';
    } finally {
      ui.busy = false;
    }
  }

  function schedule() {
    clearTimeout(ui.timer);
    ui.timer = setTimeout(async () => {
      if (document.visibilityState === 'visible' && !$('#token-dialog').open) await refresh(false);
      schedule();
    }, ui.pollMs);
  }
  document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'visible') refresh(false); });

  $('#operations').replaceChildren(...OPERATIONS.map((o) => new Option(o, o)));
  showKind();
  ui.selected = selectedFromHash();
  refresh(true).then(() => { if (ui.selected) onHash(); });
  schedule();
})();
