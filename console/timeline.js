// The timeline picture of one session (SVG): its states as bands, its calculations as bars
// beneath, the journal's requests as ticks at their clock times, and a "now" line.
// AthenaTimeline.render(container, data, {windowMs, tooltip}) draws the answer of
// GET /_emulator/sessions/{id}/timeline into `container`.
'use strict';

(function () {
  const NS = 'http://www.w3.org/2000/svg';
  const GUTTER = 104;          // row labels
  const PAD_RIGHT = 18;
  const TOP = 24;              // room for the "now" label
  const SESSION_H = 30;
  const CALC_H = 16;
  const CALC_GAP = 5;
  const REQ_H = 34;
  const AXIS_H = 26;
  const MAX_CALC_ROWS = 12;
  const STEPS = [1e3, 2e3, 5e3, 1e4, 15e3, 3e4, 6e4, 12e4, 3e5, 6e5, 9e5, 18e5, 36e5, 72e5, 108e5, 216e5, 432e5, 864e5];

  function el(name, attrs, parent) {
    const e = document.createElementNS(NS, name);
    for (const [k, v] of Object.entries(attrs || {})) if (v !== undefined && v !== null) e.setAttribute(k, String(v));
    if (parent) parent.appendChild(e);
    return e;
  }

  function css(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#9aa3b5';
  }

  function pad(n, w = 2) { return String(n).padStart(w, '0'); }
  function clockText(ms) {
    const d = new Date(ms);
    return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}`;
  }
  function isoText(ms) { return new Date(ms).toISOString(); }
  function duration(ms) {
    if (ms < 1000) return `${ms} ms`;
    if (ms < 60000) return `${+(ms / 1000).toFixed(ms % 1000 ? 1 : 0)} s`;
    if (ms < 3600000) return `${Math.floor(ms / 60000)} min ${Math.round((ms % 60000) / 1000)} s`;
    return `${Math.floor(ms / 3600000)} h ${Math.round((ms % 3600000) / 60000)} min`;
  }

  function statusClass(status) {
    if (status === 0) return 'none';
    if (status < 400) return 'ok';
    if (status < 500) return 'client';
    return 'server';
  }
  const STATUS_COLOURS = { ok: '#16a34a', client: '#d97706', server: '#dc2626', none: '#111827' };

  // [from, to) of each state: the transitions up to now, then the scheduled ones (future).
  function sessionBands(data) {
    const bands = [];
    const past = data.transitions;
    past.forEach((s, i) => {
      const to = i + 1 < past.length ? past[i + 1].epoch_ms : data.now_ms;
      bands.push({ ...s, from: s.epoch_ms, to, future: false });
    });
    const last = past[past.length - 1];
    const sched = data.scheduled;
    if (last && sched.length) bands.push({ ...last, from: data.now_ms, to: sched[0].epoch_ms, future: true, continued: true });
    sched.forEach((s, i) => {
      const to = i + 1 < sched.length ? sched[i + 1].epoch_ms : Infinity;
      bands.push({ ...s, from: s.epoch_ms, to, future: true });
    });
    return bands;
  }

  function domain(data, windowMs) {
    let lo = data.start_ms;
    let hi = data.now_ms;
    for (const r of data.requests) hi = Math.max(hi, r.clock_epoch_ms);
    if (windowMs) lo = Math.max(lo, hi - windowMs);
    const span = Math.max(hi - lo, 10000);
    return { lo, hi: lo + span + Math.max(span * 0.1, 1500) };
  }

  function axis(svg, x, d, y0, y1) {
    const g = el('g', { class: 'tl-axis' }, svg);
    const width = x(d.hi) - x(d.lo);
    const step = STEPS.find((s) => ((d.hi - d.lo) / s) * 95 <= width) || STEPS[STEPS.length - 1];
    for (let t = Math.ceil(d.lo / step) * step; t <= d.hi; t += step) {
      el('line', { x1: x(t), x2: x(t), y1: y0, y2: y1 }, g);
      const label = el('text', { x: x(t), y: y1 + 16, 'text-anchor': 'middle' }, g);
      label.textContent = step % 60000 === 0 ? clockText(t).slice(0, 5) : clockText(t).slice(0, 8);
    }
  }

  function bandTip(b, data) {
    const lines = [`${b.state}${b.future ? ' (scheduled)' : ''}`, `from  ${isoText(b.from)}`];
    if (Number.isFinite(b.to) && !(b.to === data.now_ms && !b.future)) lines.push(`until ${isoText(b.to)}  (${duration(b.to - b.from)})`);
    else if (!b.future) lines.push(`until now  (${duration(data.now_ms - b.from)} so far)`);
    if (b.cause && !b.continued) lines.push(`cause ${b.cause}`);
    if (b.reason && !b.continued) lines.push(b.reason);
    return lines.join('\n');
  }

  function drawSession(svg, x, d, data, y) {
    const label = el('text', { x: 0, y: y + SESSION_H / 2 + 4, class: 'tl-label' }, svg);
    label.textContent = 'Session';
    for (const b of sessionBands(data)) {
      const from = Math.max(b.from, d.lo);
      const to = Math.min(b.to, d.hi);
      if (to < from || b.from > d.hi) continue;
      const w = Math.max(x(to) - x(from), b.future ? 0 : 3);
      const r = el('rect', {
        x: x(from), y, width: w, height: SESSION_H, rx: 4, fill: css(`--s-${b.state}`),
        class: `tl-band${b.future ? ' future' : ''}`, 'data-state': b.state, 'data-from': b.from,
        'data-to': Number.isFinite(b.to) ? b.to : '', 'data-future': b.future ? '1' : '0',
      }, svg);
      r.dataset.tip = bandTip(b, data);
      if (w > 74 && !b.continued) {
        const t = el('text', { x: x(from) + 7, y: y + SESSION_H / 2 + 4, class: `tl-band-text${b.future ? ' future' : ''}` }, svg);
        t.textContent = b.future ? `${b.state} ›` : b.state;
      }
    }
  }

  function calcTip(c, s, to, future) {
    const lines = [`${c.id}`, `${s.state}${future ? ' (scheduled)' : ''} from ${isoText(s.epoch_ms)}`];
    if (to !== undefined) lines.push(`until ${isoText(to)}  (${duration(to - s.epoch_ms)})`);
    if (s.reason) lines.push(s.reason);
    if (c.code) lines.push(`code: ${c.code.length > 160 ? `${c.code.slice(0, 160)}…` : c.code}`);
    return lines.join('\n');
  }

  function drawCalculations(svg, x, d, data, y) {
    const calcs = data.calculations.slice().sort((a, b) => a.submitted_ms - b.submitted_ms).slice(-MAX_CALC_ROWS);
    if (!calcs.length) return y;
    const label = el('text', { x: 0, y: y + CALC_H / 2 + 4, class: 'tl-label' }, svg);
    label.textContent = 'Calculations';
    for (const c of calcs) {
      const steps = c.steps.map((s) => ({ ...s, future: false })).concat(c.scheduled.map((s) => ({ ...s, future: true })));
      steps.forEach((s, i) => {
        const next = steps[i + 1];
        const final = !next && ['COMPLETED', 'FAILED', 'CANCELED'].includes(s.state);
        const end = next ? next.epoch_ms : final ? s.epoch_ms : data.now_ms;
        const from = Math.max(s.epoch_ms, d.lo);
        const to = Math.min(Math.max(end, s.epoch_ms), d.hi);
        if (to < from) return;
        const w = final ? 4 : Math.max(x(to) - x(from), 2);
        const r = el('rect', {
          x: x(from), y, width: w, height: CALC_H, rx: final ? 2 : 3, fill: css(`--c-${s.state}`),
          class: `tl-calc${s.future ? ' tl-band future' : ''}`, 'data-calc-id': c.id, 'data-state': s.state, 'data-from': s.epoch_ms,
        }, svg);
        r.dataset.tip = calcTip(c, s, next ? next.epoch_ms : undefined, s.future);
        if (w > 70) {
          const t = el('text', { x: x(from) + 6, y: y + CALC_H / 2 + 4, class: 'tl-calc-text' }, svg);
          t.textContent = s.state;
        }
      });
      y += CALC_H + CALC_GAP;
    }
    return y;
  }

  function requestTip(r) {
    const lines = [`${r.operation}  →  ${r.status === 0 ? 'no answer' : r.status}${r.error_code ? ` ${r.error_code}` : ''}`,
      `clock ${isoText(r.clock_epoch_ms)}`, `received ${isoText(r.epoch_ms)} (wall)`, `latency ${r.latency_ms.toFixed(2)} ms`,
      `request ${r.request_id}`];
    if (r.calculation_id) lines.push(`calculation ${r.calculation_id}`);
    if (r.fault_id) lines.push(`⚡ injected fault ${r.fault_id}`);
    return lines.join('\n');
  }

  // Requests at the same pixel stack up (a manual clock that did not move between polls).
  function drawRequests(svg, x, d, data, y) {
    const label = el('text', { x: 0, y: y + REQ_H / 2 + 4, class: 'tl-label' }, svg);
    label.textContent = `Requests (${data.requests.length})`;
    el('line', { x1: GUTTER, x2: x(d.hi), y1: y + REQ_H, y2: y + REQ_H, stroke: '#d9dcea' }, svg);
    const groups = new Map();
    for (const r of data.requests) {
      if (r.clock_epoch_ms < d.lo || r.clock_epoch_ms > d.hi) continue;
      const px = Math.round(x(r.clock_epoch_ms) / 3) * 3;
      if (!groups.has(px)) groups.set(px, []);
      groups.get(px).push(r);
    }
    for (const [px, list] of groups) {
      const shown = Math.min(list.length, 7);
      const h = list.length === 1 ? REQ_H - 10 : Math.max(3, (REQ_H - 8 - (shown - 1)) / shown);
      list.forEach((r, i) => {
        const slot = Math.min(i, shown - 1);
        const top = y + REQ_H - (slot + 1) * (h + 1);
        const colour = STATUS_COLOURS[statusClass(r.status)];
        const tick = el('rect', {
          x: x(r.clock_epoch_ms) - 1.5, y: top, width: 3, height: h, rx: 1, fill: colour,
          class: 'tl-tick', 'data-request-id': r.request_id, 'data-clock-ms': r.clock_epoch_ms,
          'data-status': r.status, 'data-fault': r.fault_id || '', 'data-operation': r.operation,
        }, svg);
        tick.dataset.tip = requestTip(r);
        if (r.fault_id) {
          const m = el('rect', {
            x: px - 4, y: y - 7, width: 8, height: 8, transform: `rotate(45 ${px} ${y - 3})`,
            fill: '#fff', stroke: '#dc2626', 'stroke-width': 2, class: 'tl-fault', 'data-request-id': r.request_id,
          }, svg);
          m.dataset.tip = tick.dataset.tip;
        }
      });
      if (list.length > shown) {
        const more = el('text', { x: px + 4, y: y + 9, class: 'tl-label' }, svg);
        more.textContent = `×${list.length}`;
      }
      // A wider invisible target so thin ticks are easy to hover.
      const hit = el('rect', { x: px - 4, y, width: 8, height: REQ_H, class: 'tl-tick-hit' }, svg);
      hit.dataset.tip = list.length === 1 ? requestTip(list[0])
        : `${list.length} requests at ${isoText(list[0].clock_epoch_ms)}\n` + list.slice(-6).map((r) => `${r.operation} → ${r.status || 'no answer'}${r.fault_id ? ' ⚡' + r.fault_id : ''}`).join('\n');
    }
    return y + REQ_H;
  }

  function render(container, data, opts = {}) {
    const width = Math.max(container.clientWidth - 32, 640);
    const d = domain(data, opts.windowMs);
    const x = (t) => GUTTER + ((t - d.lo) / (d.hi - d.lo)) * (width - GUTTER - PAD_RIGHT);
    const calcRows = Math.min(data.calculations.length, MAX_CALC_ROWS);
    const calcSpace = calcRows ? calcRows * (CALC_H + CALC_GAP) + 8 : 0;
    const height = TOP + SESSION_H + 12 + calcSpace + 14 + REQ_H + AXIS_H;
    const svg = el('svg', { viewBox: `0 0 ${width} ${height}`, width, height, role: 'img',
      'aria-label': `Timeline of session ${data.session_id}`, class: 'timeline' });
    axis(svg, x, d, TOP - 6, height - AXIS_H);
    drawSession(svg, x, d, data, TOP);
    const calcEnd = drawCalculations(svg, x, d, data, TOP + SESSION_H + 12);
    drawRequests(svg, x, d, data, (calcRows ? calcEnd + 8 : TOP + SESSION_H + 12) + 14);
    const nx = x(data.now_ms);
    el('line', { x1: nx, x2: nx, y1: TOP - 8, y2: height - AXIS_H, class: 'tl-now', 'data-ms': data.now_ms }, svg);
    const nowLabel = el('text', { x: nx, y: TOP - 11, 'text-anchor': 'middle', class: 'tl-now-label' }, svg);
    nowLabel.textContent = 'now';
    const cursor = el('line', { y1: TOP - 6, y2: height - AXIS_H, stroke: '#4f46e5', 'stroke-opacity': 0.35, visibility: 'hidden' }, svg);
    attachHover(svg, opts.tooltip, cursor, x, d, width);
    // A redraw of the same session (each poll) keeps the tooltip; another session hides it.
    if (opts.tooltip && container.dataset.session !== data.session_id) opts.tooltip.hidden = true;
    container.dataset.session = data.session_id;
    container.replaceChildren(svg, legend());
  }

  function attachHover(svg, tooltip, cursor, x, d, width) {
    if (!tooltip) return;
    svg.addEventListener('mousemove', (ev) => {
      const box = svg.getBoundingClientRect();
      const px = ((ev.clientX - box.left) / box.width) * width;
      const inside = px >= GUTTER && px <= x(d.hi);
      cursor.setAttribute('visibility', inside ? 'visible' : 'hidden');
      cursor.setAttribute('x1', px);
      cursor.setAttribute('x2', px);
      const target = ev.target.closest('[data-tip]');
      const t = d.lo + ((px - GUTTER) / (x(d.hi) - GUTTER)) * (d.hi - d.lo);
      const text = target ? target.dataset.tip : inside ? `clock ${isoText(Math.round(t))}` : '';
      if (!text) { tooltip.hidden = true; return; }
      tooltip.textContent = text;
      tooltip.hidden = false;
      const left = Math.min(ev.clientX + 14, window.innerWidth - tooltip.offsetWidth - 8);
      tooltip.style.left = `${left}px`;
      tooltip.style.top = `${ev.clientY + 16}px`;
    });
    svg.addEventListener('mouseleave', () => { tooltip.hidden = true; cursor.setAttribute('visibility', 'hidden'); });
  }

  function legend() {
    const div = document.createElement('div');
    div.className = 'legend';
    const group = (title, items) => {
      const g = document.createElement('span');
      g.className = 'group';
      const b = document.createElement('b');
      b.textContent = title;
      g.appendChild(b);
      for (const [cls, colour, text] of items) {
        const s = document.createElement('span');
        s.className = 'sw';
        const i = document.createElement('i');
        if (cls) i.className = cls;
        if (colour) i.style.background = colour;
        s.append(i, text);
        g.appendChild(s);
      }
      div.appendChild(g);
    };
    const states = ['CREATING', 'CREATED', 'IDLE', 'BUSY', 'TERMINATING', 'TERMINATED', 'DEGRADED', 'FAILED'];
    group('Session', states.map((s) => ['', css(`--s-${s}`), s]).concat([['future', '', 'scheduled']]));
    const cstates = ['QUEUED', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELED'];
    group('Calculation', cstates.map((s) => ['', css(`--c-${s}`), s]));
    group('Requests', [['tick', STATUS_COLOURS.ok, '2xx'], ['tick', STATUS_COLOURS.client, '4xx'], ['tick', STATUS_COLOURS.server, '5xx'],
      ['tick', STATUS_COLOURS.none, 'no answer'], ['fault', '', 'injected fault'], ['now', '', 'now']]);
    return div;
  }

  window.AthenaTimeline = { render, statusClass, clockText, duration };
})();
