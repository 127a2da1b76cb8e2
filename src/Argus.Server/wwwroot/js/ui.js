// Small DOM helpers: elements built with properties (never innerHTML with data), dates, messages.
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'text') el.textContent = value;
    else if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (key in el && typeof value !== 'string') el[key] = value;
    else el.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export const when = (iso) => (iso ? new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' }) : '–');
export const day = (iso) => (iso ? new Date(iso).toISOString().slice(0, 10) : '–');

/** A field: label wrapping the control, so the control's accessible name is the label text. */
export function field(label, control, hint) {
  return h('label', { class: 'field' }, h('span', { text: label }), control, hint ? h('small', { class: 'hint', text: hint }) : null);
}

// Human labels for the server's snake_case values ("notrequired" is what a person must never read).
const labels = {
  notrequired: 'not required', not_required: 'not required', pending: 'pending', authorised: 'authorised', overdue: 'overdue',
  awaiting_second_confirmation: 'awaiting a second confirmation', open: 'open', confirmed: 'confirmed', dismissed: 'dismissed',
  'venue-ban': 'venue ban', administrative: 'administrative', wanted: 'wanted', missing: 'missing person', custom: 'custom',
  proposed: 'proposed', active: 'active', rejected: 'rejected', removed: 'removed', ok: 'ok', refused: 'refused', failed: 'failed',
};
export const label = (value) => (value === null || value === undefined ? '–' : labels[value] ?? String(value).replaceAll('_', ' '));

export function say(text) {
  const status = document.getElementById('status');
  status.textContent = text;
}

export function dl(pairs) {
  return h('dl', { class: 'facts' }, pairs.filter(([, v]) => v !== undefined && v !== null && v !== '').flatMap(([k, v]) => [h('dt', { text: k }), h('dd', {}, v)]));
}

export function table(caption, headers, rows) {
  return h('table', {},
    h('caption', { text: caption }),
    h('thead', {}, h('tr', {}, headers.map((t) => h('th', { scope: 'col', text: t })))),
    h('tbody', {}, rows.length ? rows.map((r) => h('tr', {}, r.map((c) => h('td', {}, c)))) : h('tr', {}, h('td', { colspan: headers.length, text: 'Nothing to show.' }))));
}

export function errorBox() {
  return h('p', { class: 'error', role: 'alert' });
}
