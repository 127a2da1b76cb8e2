// The officer's heads-up client: only the alerts of the officer's sites, large enough to read at arm's length (the
// camera snapshot beside the enrolled photo, the list's colour, the warning, who has confirmed), and two decisions:
// confirm or dismiss, with the two-person rule the server enforces. Nothing else: no search, no watchlists, no audit.
// The live stream carries new alerts and decisions; every (re)connection first reads the undecided alerts, so what
// happened while the device was offline appears once, keyed by alert id.
import { api, describe, setCsrf, whenExpired } from '../js/api.js';

const state = { session: null, stream: null, retry: 0, timer: null, syncing: null };
const cards = new Map();

const $ = (id) => document.getElementById(id);

const statusText = {
  open: 'Open: nobody has decided yet',
  awaiting_second_confirmation: 'Confirmed once: a second officer must confirm before any action',
  confirmed: 'Confirmed by two officers: action allowed',
  dismissed: 'Dismissed: not this person',
};

// Reasons an officer can give with one tap (the server requires one and audits it); the console allows free text.
const reasons = {
  confirm: 'Face matches the enrolled photo; checked on site by the officer',
  dismiss: 'Not this person: the face does not match the enrolled photo',
};

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'text') node.textContent = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) node.append(c);
  return node;
}

function say(text) {
  $('say').textContent = text;
}

function link(text, live) {
  const p = $('link');
  p.textContent = text;
  p.classList.toggle('offline', !live);
}

async function start() {
  if ('serviceWorker' in navigator) navigator.serviceWorker.register('/officer/sw.js', { scope: '/officer/' }).catch(() => {});
  $('login-form').addEventListener('submit', login);
  $('logout').addEventListener('click', logout);
  window.addEventListener('offline', () => disconnect('Offline: alerts will arrive when the connection returns'));
  window.addEventListener('online', () => connect());
  try {
    signedIn(await api('/api/v1/session'));
  } catch {
    showLogin();
  }
  // Told only from now on: a first visit without a session is not an ended session.
  whenExpired(() => ended('Your session has ended. Log in again.'));
}

function showLogin() {
  $('login').hidden = false;
  $('alerts').hidden = true;
  $('logout').hidden = true;
  $('login-form').elements.namedItem('username').focus();
}

async function login(event) {
  event.preventDefault();
  const form = event.target;
  $('login-error').textContent = '';
  try {
    const s = await api('/api/v1/session', { method: 'POST', json: { username: form.username.value, password: form.password.value } });
    form.reset();
    signedIn(s);
  } catch (e) {
    $('login-error').textContent = describe(e);
  }
}

async function logout() {
  disconnect('Logged out');
  try {
    await api('/api/v1/session', { method: 'DELETE' });
  } catch {
    // The session may have ended already.
  }
  ended('');
}

function ended(message) {
  disconnect('Not connected');
  state.session = null;
  cards.clear();
  $('cards').replaceChildren();
  showLogin();
  $('login-error').textContent = message;
}

function signedIn(s) {
  state.session = s;
  setCsrf(s.csrf_token);
  $('login').hidden = true;
  $('logout').hidden = false;
  if (!s.capabilities.includes('review_alerts')) {
    $('refused').hidden = false;
    $('refused').textContent = `${s.username} does not handle alerts: this client is for officers of a site. Use the console instead.`;
    return;
  }
  $('refused').hidden = true;
  $('alerts').hidden = false;
  connect();
}

function connect() {
  if (!state.session || state.stream) return;
  clearTimeout(state.timer);
  link('Connecting…', false);
  const stream = new EventSource('/api/v1/alerts/stream');
  state.stream = stream;
  stream.addEventListener('open', () => {
    state.retry = 0;
    link('Live', true);
    // Subscribed first, then read: an alert raised in between arrives by both ways and is drawn once.
    sync();
  });
  stream.addEventListener('alert', (event) => {
    const data = JSON.parse(event.data);
    if (data.kind === 'alert.decided') return; // the 'decision' event that follows redraws the card
    if (!data.is_update && !cards.has(Number(data.alert_id))) {
      navigator.vibrate?.([200, 100, 200]);
      say(`New alert ${data.alert_id} on camera ${data.camera_id}`);
    }
    show(Number(data.alert_id));
  });
  stream.addEventListener('decision', (event) => {
    const data = JSON.parse(event.data);
    if (cards.has(Number(data.alert_id))) show(Number(data.alert_id));
  });
  // The server dropped events for this slow client: read the state again.
  stream.addEventListener('lost', () => sync());
  stream.addEventListener('error', async () => {
    disconnect('Connection lost: reconnecting…');
    // A session that ended (logout elsewhere, account disabled) must not be retried for ever.
    try {
      await api('/api/v1/session');
    } catch {
      return;
    }
    state.timer = setTimeout(connect, Math.min(30_000, 1000 * 2 ** state.retry++));
  });
}

function disconnect(text) {
  clearTimeout(state.timer);
  state.stream?.close();
  state.stream = null;
  link(text, false);
}

/** The undecided alerts of the officer's sites as stored now (the server filters by scope); each drawn once. */
async function sync() {
  if (state.syncing) return state.syncing;
  state.syncing = (async () => {
    try {
      const lists = await Promise.all(['open', 'awaiting_second_confirmation'].map((s) => api(`/api/v1/alerts?status=${s}&limit=50`)));
      const ids = lists.flat().map((a) => a.id).sort((a, b) => a - b);
      for (const id of ids) await show(id);
    } catch (e) {
      say(describe(e));
    } finally {
      state.syncing = null;
    }
  })();
  return state.syncing;
}

async function show(id) {
  let view;
  try {
    view = await api(`/api/v1/alerts/${id}`);
  } catch (e) {
    say(describe(e));
    return;
  }
  if (!state.session) return;
  const card = build(view);
  const old = cards.get(id);
  if (old) old.replaceWith(card);
  else $('cards').prepend(card);
  cards.set(id, card);
  $('empty').hidden = cards.size > 0;
}

function build(view) {
  const a = view.alert;
  const name = view.subject_name ?? `Subject ${a.subject_id}`;
  const mine = a.decisions.some((d) => d.by === state.session.username);
  const decided = a.status === 'confirmed' || a.status === 'dismissed';
  const error = el('p', { class: 'error', role: 'alert' });
  const decide = async (verdict) => {
    error.textContent = '';
    try {
      const outcome = await api(`/api/v1/alerts/${a.id}/${verdict}`, { method: 'POST', json: { reason: reasons[verdict] } });
      say(`Alert ${a.id}: ${statusText[outcome.alert.status]}`);
      await show(a.id);
    } catch (e) {
      error.textContent = describe(e);
    }
  };
  const photo = (kind, alt, available) => available
    ? el('img', { src: `/api/v1/alerts/${a.id}/${kind}`, alt })
    : el('div', { class: 'noimg', role: 'img', 'aria-label': `${alt} (not available)`, text: 'not available' });
  return el('article', { class: `alert colour-${a.colour} status-${a.status}`, 'aria-labelledby': `alert-${a.id}-title`, 'data-alert': a.id },
    el('h2', { id: `alert-${a.id}-title` }, `Alert ${a.id}: ${name}`),
    el('p', { class: 'badge', text: `${a.watchlist} · ${a.category} · ${a.severity}` }),
    a.category === 'wanted'
      ? el('p', { class: 'warning', role: 'note' }, el('strong', { text: 'Warning: wanted person. ' }), 'Do not act alone; follow the procedure for this case.')
      : null,
    el('div', { class: 'faces' },
      el('figure', {}, photo('snapshot', `Camera snapshot for alert ${a.id}`, view.has_snapshot), el('figcaption', { text: `Camera ${a.camera_id}${a.site ? ` · ${a.site}` : ''}` })),
      el('figure', {}, photo('enrolled', `Enrolled photo of ${name}`, view.has_enrolled_photo), el('figcaption', { text: 'Enrolled photo' }))),
    el('p', { class: 'status', text: statusText[a.status] }),
    a.decisions.length
      ? el('ul', { class: 'decisions', 'aria-label': `Decisions on alert ${a.id}` }, a.decisions.map((d) => el('li', { text: `${d.by} ${d.verdict === 'confirm' ? 'confirmed' : 'dismissed'}` })))
      : null,
    decided
      ? null
      : el('div', { class: 'buttons' },
        el('button', {
          type: 'button', class: 'confirm', onclick: () => decide('confirm'), disabled: mine && a.status === 'awaiting_second_confirmation',
          text: a.status === 'awaiting_second_confirmation' ? 'Confirm (second officer)' : 'Confirm: this is the person', 'aria-label': `Confirm alert ${a.id}`,
        }),
        el('button', { type: 'button', class: 'dismiss', onclick: () => decide('dismiss'), text: 'Dismiss: not this person', 'aria-label': `Dismiss alert ${a.id}` })),
    mine && a.status === 'awaiting_second_confirmation' ? el('p', { class: 'hint', text: 'You confirmed; another officer must give the second confirmation.' }) : null,
    error);
}

start();
