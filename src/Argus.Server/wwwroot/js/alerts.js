// The live alert wall: alerts of the user's sites, newest first, each with the camera snapshot beside the enrolled
// photo, the category colour (red with a warning for wanted persons, grey for administrative lists), the score and
// the entry's legal basis; confirm or dismiss with a reason (a second, different user confirms where required).
import { api, describe } from './api.js';
import { h, when, day, dl, errorBox, say, field, label } from './ui.js';
import { username } from './session.js';

let wall = null;
let more = null;
let filters = null;
let timeline = null;
const cards = new Map();

export async function render(container) {
  cards.clear();
  const lists = await api('/api/v1/watchlists').catch(() => []);
  const cams = await api('/api/v1/cameras').catch(() => []);
  const select = (name, text, options) => field(text, h('select', { name }, options.map(([v, t]) => h('option', { value: v, text: t }))));
  filters = h('form', { class: 'row', id: 'alert-filters', 'aria-label': 'Filter alerts' },
    select('status', 'Status', [['undecided', 'Undecided (open or awaiting a second confirmation)'], ['', 'Any status'], ['open', 'Open'],
      ['awaiting_second_confirmation', 'Awaiting a second confirmation'], ['confirmed', 'Confirmed'], ['dismissed', 'Dismissed']]),
    select('camera', 'Camera', [['', 'Any camera'], ...(Array.isArray(cams) ? cams : []).map((c) => [c.id ?? c.camera_id, c.name ? `${c.name} (${c.id ?? c.camera_id})` : (c.id ?? c.camera_id)])]),
    select('watchlist', 'Watchlist', [['', 'Any watchlist'], ...lists.map((w) => [w.name, w.name])]),
    field('From', h('input', { name: 'from', type: 'datetime-local' })),
    field('To', h('input', { name: 'to', type: 'datetime-local' })),
    h('button', { type: 'submit', text: 'Show' }));
  filters.addEventListener('submit', (e) => {
    e.preventDefault();
    load();
  });
  filters.addEventListener('change', (e) => {
    if (e.target.tagName === 'SELECT') load();
  });
  wall = h('div', { class: 'wall', id: 'alert-wall', 'aria-live': 'polite', 'aria-relevant': 'additions' });
  more = h('div', { class: 'more' });
  timeline = h('div', { id: 'camera-timeline' });
  container.append(
    h('h1', { text: 'Live alerts' }),
    h('p', { class: 'hint', text: 'New alerts and everyone\'s decisions appear here as they happen. Compare the camera snapshot with the enrolled photo before deciding; every decision is audited with its reason. Keys: with a card focused, c confirms and d dismisses.' }),
    filters, timeline, wall, more);
  document.getElementById('nav-alerts')?.removeAttribute('data-unseen');
  await load();
}

export function leave() {
  wall = null;
  filters = null;
}

function query(before) {
  const f = (n) => filters.elements.namedItem(n).value;
  const q = new URLSearchParams({ limit: '50' });
  if (f('status') && f('status') !== 'undecided') q.set('status', f('status'));
  for (const n of ['camera', 'watchlist']) if (f(n)) q.set(n, f(n));
  for (const n of ['from', 'to']) if (f(n)) q.set(n, new Date(f(n)).toISOString());
  if (before) q.set('before', String(before));
  return q;
}

/** Whether a live alert belongs on the wall with the filters chosen (time filters: only when "to" is open). */
function matches(a) {
  if (!filters) return true;
  const f = (n) => filters.elements.namedItem(n).value;
  if (f('status') === 'undecided' ? !undecided(a) : f('status') && a.status !== f('status')) return false;
  if (f('camera') && a.camera_id !== f('camera')) return false;
  if (f('watchlist') && a.watchlist !== f('watchlist')) return false;
  return !f('to');
}

const undecided = (a) => a.status === 'open' || a.status === 'awaiting_second_confirmation';

/** A page of 50 alerts (newest first); "Older alerts" fetches the next page after the last id shown. */
async function load(before) {
  if (!wall) return;
  const onlyUndecided = filters.elements.namedItem('status').value === 'undecided';
  let list;
  try {
    list = await api(`/api/v1/alerts?${query(before)}`);
  } catch (e) {
    say(describe(e));
    return;
  }
  if (!wall) return;
  if (!before) {
    cards.clear();
    wall.replaceChildren();
    drawTimeline(list);
  }
  const shown = onlyUndecided ? list.filter(undecided) : list;
  for (const a of shown) await show(a.id, false);
  if (cards.size === 0) wall.append(h('p', { class: 'empty', id: 'no-alerts', text: 'No alerts to review.' }));
  more.replaceChildren(list.length === 50
    ? h('button', { type: 'button', class: 'dismiss', text: 'Older alerts', onclick: () => load(list[list.length - 1].id) })
    : h('p', { class: 'hint', text: before || list.length ? 'No older alerts.' : '' }));
}

/** A camera's alerts on a time line (one mark per alert, coloured by list) when a camera is chosen. */
function drawTimeline(list) {
  const camera = filters.elements.namedItem('camera').value;
  if (!camera || list.length === 0) {
    timeline.replaceChildren();
    return;
  }
  const times = list.map((a) => Date.parse(a.raised_at));
  const start = Math.min(...times);
  const end = Math.max(...times, start + 60_000);
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 1000 60');
  svg.setAttribute('class', 'timeline');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', `Timeline of camera ${camera}: ${list.length} alert(s) from ${when(new Date(start).toISOString())} to ${when(new Date(end).toISOString())}`);
  const axis = document.createElementNS(ns, 'line');
  Object.entries({ x1: 10, x2: 990, y1: 40, y2: 40, class: 'axis' }).forEach(([k, v]) => axis.setAttribute(k, v));
  svg.append(axis);
  for (const a of list) {
    const x = 10 + (980 * (Date.parse(a.raised_at) - start)) / (end - start);
    const mark = document.createElementNS(ns, 'rect');
    Object.entries({ x: x - 3, y: 12, width: 6, height: 28, class: `mark colour-${a.colour} status-${a.status}` }).forEach(([k, v]) => mark.setAttribute(k, v));
    const title = document.createElementNS(ns, 'title');
    title.textContent = `Alert ${a.id} · ${a.watchlist} · ${label(a.status)} · ${when(a.raised_at)}`;
    mark.append(title);
    svg.append(mark);
  }
  timeline.replaceChildren(h('figure', { class: 'card' }, svg,
    h('figcaption', { text: `Camera ${camera}: ${list.length} alert(s), ${when(new Date(start).toISOString())} – ${when(new Date(end).toISOString())}` })));
}

/** An event from the stream (new or updated alert): fetch it as stored and put it on top. */
export async function received(event) {
  if (!wall) return;
  await show(Number(event.alert_id), true);
}

/** Someone (maybe on another wall) decided: the card shows the alert as stored now, without losing a typed reason. */
export async function decided(event) {
  if (!wall || !cards.has(Number(event.alert_id))) return;
  await show(Number(event.alert_id), false);
  say(`Alert ${event.alert_id}: ${event.by} ${event.verdict === 'confirm' ? 'confirmed' : 'dismissed'} it (${label(event.status)})`);
}

/** c / d on a focused card (or inside it, outside the reason box) press its Confirm / Dismiss button. */
export function shortcut(event) {
  const key = event.key.toLowerCase();
  if (key !== 'c' && key !== 'd') return;
  const target = event.target;
  if (target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return;
  const card = target.closest?.('article.alert');
  const button = card?.querySelector(key === 'c' ? 'button.confirm' : 'button.dismiss');
  if (!button || button.disabled) return;
  event.preventDefault();
  button.click();
}

async function show(id, live, clearReason = false) {
  let view;
  try {
    view = await api(`/api/v1/alerts/${id}`);
  } catch (e) {
    say(describe(e));
    return;
  }
  if (!wall) return;
  if (live && !cards.has(id) && !matches(view.alert)) return; // a new alert outside the filters chosen
  wall.querySelector('#no-alerts')?.remove();
  const card = build(view);
  const old = cards.get(id);
  if (old) {
    // An update (a later sighting) must not wipe a reason being typed, nor move the keyboard focus.
    const typed = old.querySelector('input[name=reason]');
    const next = card.querySelector('input[name=reason]');
    const focused = old.contains(document.activeElement) ? document.activeElement : null;
    if (typed && next && !clearReason) next.value = typed.value;
    old.replaceWith(card);
    if (focused?.name === 'reason' && next) next.focus();
    else if (focused?.getAttribute('aria-label')) card.querySelector(`[aria-label="${focused.getAttribute('aria-label')}"]`)?.focus();
  }
  else if (live) wall.prepend(card);
  else wall.append(card);
  cards.set(id, card);
  if (live) card.classList.add('fresh');
}

const statusText = {
  open: 'Open: nobody has decided yet',
  awaiting_second_confirmation: 'Confirmed once: a second, different user must confirm before any action',
  confirmed: 'Confirmed: action allowed',
  dismissed: 'Dismissed: not this person',
};

function build(view) {
  const a = view.alert;
  const name = view.subject_name ?? `Subject ${a.subject_id}`;
  const basis = view.legal_basis;
  const decided = a.status === 'confirmed' || a.status === 'dismissed';
  const mine = a.decisions.some((d) => d.by === username());
  const error = errorBox();
  const reason = h('input', { name: 'reason', required: true, autocomplete: 'off', 'aria-label': `Reason for alert ${a.id}` });
  const decide = async (verdict) => {
    error.textContent = '';
    if (!reason.value.trim()) {
      error.textContent = 'Give a reason for your decision.';
      reason.focus();
      return;
    }
    try {
      const outcome = await api(`/api/v1/alerts/${a.id}/${verdict}`, { method: 'POST', json: { reason: reason.value } });
      say(`Alert ${a.id}: ${statusText[outcome.alert.status]}`);
      await show(a.id, false, true);
      cards.get(a.id)?.querySelector('h2')?.focus();
    } catch (e) {
      error.textContent = describe(e);
    }
  };
  const img = (kind, alt, available) => available
    ? h('img', { src: `/api/v1/alerts/${a.id}/${kind}`, alt, width: 180, height: 180, loading: 'lazy' })
    : h('div', { class: 'noimg', role: 'img', 'aria-label': alt + ' (not available)', text: 'not available' });
  return h('article', { class: `alert colour-${a.colour} status-${a.status}`, 'aria-labelledby': `alert-${a.id}-title`, 'data-alert': a.id },
    h('header', {},
      h('h2', { id: `alert-${a.id}-title`, tabindex: -1 }, `Alert ${a.id}: ${name}`),
      h('span', { class: 'badge', text: `${a.category} · ${a.severity}` })),
    a.category === 'wanted'
      ? h('p', { class: 'warning', role: 'note' }, h('strong', { text: 'Warning: wanted person. ' }), 'Do not act alone; follow the operational procedure for this case.')
      : null,
    h('div', { class: 'faces' },
      h('figure', {}, img('snapshot', `Camera snapshot for alert ${a.id}`, view.has_snapshot), h('figcaption', { text: `Camera ${a.camera_id}${a.site ? ` (${a.site})` : ''}` })),
      h('figure', {}, img('enrolled', `Enrolled photo of ${name}`, view.has_enrolled_photo), h('figcaption', { text: `Enrolled: ${a.watchlist}` }))),
    dl([
      ['Score', `${a.score.toFixed(3)} over ${a.supporting_shots} shot(s)`],
      ['Seen', `${when(a.first_seen_at)} – ${when(a.last_seen_at)}`],
      ['Status', h('span', { class: 'status-text', text: statusText[a.status] })],
      ['Case', basis?.case_number],
      ['Charges', basis?.grounds],
      ['Officer', basis?.investigating_officer],
      ['Authority', basis && `${basis.issuing_authority}: ${basis.legal_instrument}`],
      ['Entry expires', basis && day(basis.expiry)],
      ['Template', view.template_flagged ? `flagged: ${view.template_dismissed} of ${view.template_decided} decided alerts dismissed` : null],
    ]),
    h('p', { class: 'exports' }, 'Export: ',
      h('a', { href: `/api/v1/alerts/${a.id}/export?format=csv`, download: `argus-alert-${a.id}.csv`, text: 'CSV', 'aria-label': `Export alert ${a.id} as CSV` }), ' · ',
      h('a', { href: `/api/v1/alerts/${a.id}/export?format=html`, target: '_blank', rel: 'noopener', text: 'printable page', 'aria-label': `Printable page of alert ${a.id}` })),
    a.decisions.length
      ? h('ol', { class: 'decisions', 'aria-label': `Decisions on alert ${a.id}` }, a.decisions.map((d) => h('li', { text: `${when(d.at)} ${d.by} ${d.verdict}ed: ${d.reason}` })))
      : null,
    decided
      ? null
      : h('form', { class: 'decide', onsubmit: (e) => e.preventDefault() },
        h('label', { class: 'field' }, h('span', { text: a.status === 'awaiting_second_confirmation' ? 'Reason (second confirmation)' : 'Reason' }), reason),
        h('div', { class: 'buttons' },
          h('button', { type: 'button', class: 'confirm', onclick: () => decide('confirm'), disabled: a.status === 'awaiting_second_confirmation' && mine,
            text: a.status === 'awaiting_second_confirmation' ? 'Confirm (second)' : 'Confirm', 'aria-label': `Confirm alert ${a.id}` }),
          h('button', { type: 'button', class: 'dismiss', onclick: () => decide('dismiss'), text: 'Dismiss', 'aria-label': `Dismiss alert ${a.id}` })),
        mine && a.status === 'awaiting_second_confirmation' ? h('p', { class: 'hint', text: 'You confirmed this alert; another user must give the second confirmation.' }) : null,
        error));
}
