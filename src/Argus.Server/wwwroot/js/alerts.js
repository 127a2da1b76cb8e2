// The live alert wall: alerts of the user's sites, newest first, each with the camera snapshot beside the enrolled
// photo, the category colour (red with a warning for wanted persons, grey for administrative lists), the score and
// the entry's legal basis; confirm or dismiss with a reason (a second, different user confirms where required).
import { api, describe } from './api.js';
import { h, when, day, dl, errorBox, say } from './ui.js';
import { username } from './session.js';

let wall = null;
const cards = new Map();

export async function render(container) {
  cards.clear();
  const filter = h('select', { id: 'alert-filter', onchange: () => load(filter.value) },
    h('option', { value: 'undecided', text: 'Undecided (open or awaiting a second confirmation)' }),
    h('option', { value: 'all', text: 'All recent' }));
  wall = h('div', { class: 'wall', id: 'alert-wall', 'aria-live': 'polite', 'aria-relevant': 'additions' });
  container.append(
    h('h1', { text: 'Live alerts' }),
    h('p', { class: 'hint', text: 'New alerts appear here as cameras raise them. Compare the camera snapshot with the enrolled photo before deciding; every decision is audited with its reason.' }),
    h('label', { class: 'inline' }, 'Show ', filter),
    wall);
  document.getElementById('nav-alerts')?.removeAttribute('data-unseen');
  await load('undecided');
}

export function leave() {
  wall = null;
}

async function load(which) {
  const list = await api(`/api/v1/alerts?limit=50`);
  if (!wall) return;
  cards.clear();
  wall.replaceChildren();
  const shown = which === 'all' ? list : list.filter((a) => a.status === 'open' || a.status === 'awaiting_second_confirmation');
  if (shown.length === 0) wall.append(h('p', { class: 'empty', id: 'no-alerts', text: 'No alerts to review.' }));
  for (const a of shown) await show(a.id, false);
}

/** An event from the stream (new or updated alert): fetch it as stored and put it on top. */
export async function received(event) {
  if (!wall) return;
  await show(Number(event.alert_id), true);
}

async function show(id, live) {
  let view;
  try {
    view = await api(`/api/v1/alerts/${id}`);
  } catch (e) {
    say(describe(e));
    return;
  }
  if (!wall) return;
  wall.querySelector('#no-alerts')?.remove();
  const card = build(view);
  const old = cards.get(id);
  if (old) {
    // An update (a later sighting) must not wipe a reason being typed, nor move the keyboard focus.
    const typed = old.querySelector('input[name=reason]');
    const next = card.querySelector('input[name=reason]');
    const focused = old.contains(document.activeElement) ? document.activeElement : null;
    if (typed && next) next.value = typed.value;
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
      await show(a.id, false);
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
