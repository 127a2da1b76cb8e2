// Audit: the filterable log (auditors), the chain's verification (anyone), and the transparency report with
// simple inline SVG charts (counts only, no personal data).
import { api, describe } from './api.js';
import { h, when, field, table, errorBox } from './ui.js';
import { can } from './session.js';

export async function render(container) {
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

function log() {
  const out = h('div', { id: 'audit-log' });
  const error = errorBox();
  const form = h('form', { class: 'row', 'aria-label': 'Filter the audit log' },
    field('Actor', h('input', { name: 'actor', autocomplete: 'off' })),
    field('Action', h('input', { name: 'action', autocomplete: 'off', placeholder: 'e.g. alert.confirmed' })),
    field('Last', h('input', { name: 'last', type: 'number', min: 1, max: 10000, value: 100 })),
    h('button', { type: 'submit', text: 'Filter' }));
  const load = async () => {
    error.textContent = '';
    const q = new URLSearchParams();
    for (const n of ['actor', 'action', 'last']) {
      const v = form.elements.namedItem(n).value.trim();
      if (v) q.set(n, v);
    }
    try {
      const records = await api(`/api/v1/audit/records?${q}`);
      out.replaceChildren(table(`Audit records (${records.length}, newest last)`, ['#', 'When', 'Actor', 'Action', 'Target', 'Outcome', 'Details'],
        records.map((r) => [String(r.sequence), when(r.occurred_at), r.actor, r.action, r.target, r.outcome, r.details ? JSON.stringify(r.details) : ''])));
    } catch (e) {
      error.textContent = describe(e);
    }
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    load();
  });
  load();
  return h('section', { class: 'card', 'aria-labelledby': 'log-title' }, h('h2', { id: 'log-title', text: 'Audit log' }), form, error, out);
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
