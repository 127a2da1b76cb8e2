// Audit: the filterable log (auditors), the chain's verification (anyone), and the transparency report with
// simple inline SVG charts (counts only, no personal data).
import { api, describe } from './api.js';
import { h, when, field, errorBox, label } from './ui.js';
import { can } from './session.js';

export async function render(container) {
  // The chain's verification stands beside the log: what the auditor reads is only worth what the chain proves.
  container.append(h('h1', { text: 'Audit and reports' }), await verification());
  if (can('read_audit')) container.append(log());
  if (can('read_reports')) container.append(report());
}

async function verification() {
  const box = h('section', { class: 'card', 'aria-labelledby': 'chain-title' }, h('h2', { id: 'chain-title', text: 'Audit chain' }));
  try {
    const v = await api('/api/v1/audit/verification');
    box.append(h('p', { class: v.intact ? 'ok' : 'error', id: 'chain-result',
      text: v.intact ? `Intact: ${v.records} record(s), every HMAC link verified. Head ${v.head ?? '–'}.` : `BROKEN at record ${v.first_bad_sequence}: ${v.reason}` }));
  } catch (e) {
    box.append(h('p', { class: 'error', text: describe(e) }));
  }
  return box;
}

// Reads repeated by one actor (a camera grid polling frames, a wall listing alerts) are grouped into one row:
// "viewed camera frames 1,200 times between 09:00 and 11:00". Changes and refusals are never grouped.
const readActions = /(\.(view|list|get|frame_viewed|photo_view|history|health|quality_check|session|verify|flags|steward_alerts|gate_monitor)|_viewed)$/;
const readNames = { 'camera.frame_viewed': 'viewed camera frames', 'alert.view': 'viewed alerts', 'alert.list': 'listed alerts', 'entry.photo_view': 'viewed entry photos' };

/** Consecutive records (newest first) of one actor, one read action and one outcome, folded into groups. */
export function group(records) {
  const rows = [];
  for (const r of records) {
    const last = rows[rows.length - 1];
    const read = r.outcome === 'ok' && readActions.test(r.action);
    if (read && last?.group && last.actor === r.actor && last.action === r.action) {
      last.count += 1;
      last.first = r;
      last.targets.add(r.target);
    } else rows.push(read ? { group: true, actor: r.actor, action: r.action, count: 1, first: r, last: r, targets: new Set([r.target]) } : { record: r });
  }
  return rows;
}

const clock = (iso) => new Date(iso).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });

function log() {
  const out = h('div', { id: 'audit-log' });
  const error = errorBox();
  const more = h('div', { class: 'more' });
  const input = (name, props = {}) => h('input', { name, autocomplete: 'off', ...props });
  const form = h('form', { class: 'row', 'aria-label': 'Filter the audit log' },
    field('Actor', input('actor')),
    field('Action', input('action', { placeholder: 'e.g. alert.confirmed or alert.' })),
    field('Outcome', h('select', { name: 'outcome' }, [['', 'Any outcome'], ['ok', 'Ok'], ['refused', 'Refused'], ['failed', 'Failed']].map(([v, t]) => h('option', { value: v, text: t })))),
    field('Target', input('target', { placeholder: 'e.g. alert:12' })),
    field('From', input('from', { type: 'datetime-local' })),
    field('To', input('to', { type: 'datetime-local' })),
    h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'grouped', checked: true }), ' Group repeated reads'),
    h('button', { type: 'submit', text: 'Filter' }));
  const exportLink = h('a', { id: 'audit-export', text: 'Export these records (CSV)', download: 'argus-audit.csv' });
  const params = (before) => {
    const q = new URLSearchParams({ limit: '200' });
    for (const n of ['actor', 'action', 'outcome', 'target']) {
      const v = form.elements.namedItem(n).value.trim();
      if (v) q.set(n, v);
    }
    for (const n of ['from', 'to']) {
      const v = form.elements.namedItem(n).value;
      if (v) q.set(n, new Date(v).toISOString());
    }
    if (before) q.set('before', String(before));
    return q;
  };
  let shown = [];
  const draw = () => {
    const grouped = form.elements.namedItem('grouped').checked;
    const rows = grouped ? group(shown) : shown.map((record) => ({ record }));
    out.replaceChildren(h('table', {},
      h('caption', { text: `Audit records (${shown.length}, newest first${grouped ? ', repeated reads grouped' : ''})` }),
      h('thead', {}, h('tr', {}, ['#', 'When', 'Actor', 'Action', 'Target', 'Outcome', 'Details'].map((t) => h('th', { scope: 'col', text: t })))),
      h('tbody', {}, rows.length === 0 ? h('tr', {}, h('td', { colspan: 7, text: 'Nothing to show.' })) : rows.map((row) => {
        if (row.record) {
          const r = row.record;
          return h('tr', {}, [String(r.sequence), when(r.occurred_at), r.actor, r.action, r.target, label(r.outcome), r.details ? JSON.stringify(r.details) : ''].map((c) => h('td', { text: c })));
        }
        const what = readNames[row.action] ?? row.action;
        const text = row.count === 1 ? `${what} once` : `${what} ${row.count.toLocaleString('en')} times between ${clock(row.first.occurred_at)} and ${clock(row.last.occurred_at)}`;
        return h('tr', { class: row.count > 1 ? 'group' : '' },
          h('td', { text: row.count === 1 ? String(row.last.sequence) : `${row.first.sequence}–${row.last.sequence}` }),
          h('td', { text: row.count === 1 ? when(row.last.occurred_at) : `${when(row.first.occurred_at)} – ${when(row.last.occurred_at)}` }),
          h('td', { text: row.actor }), h('td', { text: row.action }),
          h('td', { text: row.targets.size === 1 ? [...row.targets][0] : `${row.targets.size} targets` }),
          h('td', { text: 'ok' }), h('td', { text: text }));
      }))));
  };
  // Only the latest request's answer is drawn: the first, unfiltered load may answer after a filter was applied.
  let latest = 0;
  const load = async (before) => {
    error.textContent = '';
    const ticket = ++latest;
    try {
      const q = params(before);
      const records = await api(`/api/v1/audit/records?${q}`);
      if (ticket !== latest) return;
      shown = before ? shown.concat(records) : records;
      draw();
      const all = params();
      all.set('limit', '10000');
      all.set('format', 'csv');
      exportLink.href = `/api/v1/audit/records?${all}`;
      more.replaceChildren(records.length === 200
        ? h('button', { type: 'button', class: 'dismiss', text: 'Older records', onclick: () => load(records[records.length - 1].sequence) })
        : h('p', { class: 'hint', text: 'No older records match.' }));
    } catch (e) {
      if (ticket === latest) error.textContent = describe(e);
    }
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    load();
  });
  form.elements.namedItem('grouped').addEventListener('change', draw);
  load();
  return h('section', { class: 'card', 'aria-labelledby': 'log-title' }, h('h2', { id: 'log-title', text: 'Audit log' }), form, h('p', {}, exportLink), error, out, more);
}

function report() {
  const today = new Date().toISOString().slice(0, 10);
  const monthAgo = new Date(Date.now() - 30 * 864e5).toISOString().slice(0, 10);
  const out = h('div', { id: 'report' });
  const error = errorBox();
  const form = h('form', { class: 'row', 'aria-label': 'Transparency report period' },
    field('From', h('input', { name: 'from', type: 'date', value: monthAgo, required: true })),
    field('To', h('input', { name: 'to', type: 'date', value: today, required: true })),
    h('button', { type: 'submit', text: 'Show report' }));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.textContent = '';
    try {
      const m = await api(`/api/v1/reports/transparency?from=${form.elements.namedItem('from').value}&to=${form.elements.namedItem('to').value}`);
      const purposes = Object.entries(m.searches.by_purpose ?? {}).map(([k, v]) => [k, typeof v === 'object' ? v.searches ?? 0 : v]);
      out.replaceChildren(
        h('p', { text: `${m.from} to ${m.to}: ${m.entries.active_total} active entries at the end; ${m.searches.total} searches; ${m.alerts.raised} alerts; ${m.erasures} erasures. Audit chain ${m.audit.intact ? 'intact' : 'BROKEN'} (${m.audit.records} records).` }),
        h('div', { class: 'charts' },
          chart('Watchlist entries', [['proposed', m.entries.proposed], ['added', m.entries.added], ['rejected', m.entries.rejected], ['amended', m.entries.amended], ['removed', m.entries.removed], ['expired', m.entries.expired]]),
          chart('Searches by purpose', purposes),
          chart('Alerts', [['raised', m.alerts.raised], ['confirmed', m.alerts.confirmed], ['dismissed', m.alerts.dismissed], ['awaiting 2nd', m.alerts.awaiting_second_confirmation]]),
          chart('Abuse flags', Object.entries(m.abuse_flags ?? {}))));
    } catch (err) {
      error.textContent = describe(err);
    }
  });
  return h('section', { class: 'card', 'aria-labelledby': 'report-title' }, h('h2', { id: 'report-title', text: 'Transparency report' }), form, error, out);
}

/** A horizontal bar chart as inline SVG, with a text equivalent for screen readers. */
function chart(title, pairs) {
  const ns = 'http://www.w3.org/2000/svg';
  const max = Math.max(1, ...pairs.map(([, v]) => Number(v) || 0));
  const rowH = 24;
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', `0 0 360 ${Math.max(1, pairs.length) * rowH + 4}`);
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', `${title}: ${pairs.map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}`);
  pairs.forEach(([label, value], i) => {
    const y = i * rowH + 2;
    const text = document.createElementNS(ns, 'text');
    text.setAttribute('x', 0);
    text.setAttribute('y', y + 16);
    text.textContent = label;
    const bar = document.createElementNS(ns, 'rect');
    bar.setAttribute('x', 175);
    bar.setAttribute('y', y + 3);
    bar.setAttribute('height', 16);
    bar.setAttribute('width', Math.max(1, (150 * (Number(value) || 0)) / max));
    bar.setAttribute('class', 'bar');
    const num = document.createElementNS(ns, 'text');
    num.setAttribute('x', 179 + (150 * (Number(value) || 0)) / max);
    num.setAttribute('y', y + 16);
    num.textContent = String(value);
    svg.append(text, bar, num);
  });
  return h('figure', { class: 'chart' }, svg, h('figcaption', { text: title }));
}
