// The Argus operator console: log in, then views chosen by the user's capabilities. Alerts arrive over
// server-sent events (the session cookie authenticates the stream) and appear without reloading.
import { api, setCsrf, describe, whenExpired } from './api.js';
import { h, say } from './ui.js';
import { current, can } from './session.js';
import * as alerts from './alerts.js';
import * as watchlists from './watchlists.js';
import * as search from './search.js';
import * as cameras from './cameras.js';
import * as audit from './audit.js';
import * as users from './users.js';

const views = [
  { id: 'alerts', title: 'Alerts', module: alerts, can: ['review_alerts'] },
  { id: 'watchlists', title: 'Watchlists', module: watchlists, can: ['propose_entry', 'approve_entry', 'manage_watchlists', 'read_audit'] },
  { id: 'search', title: 'Search', module: search, can: ['search'] },
  { id: 'cameras', title: 'Cameras', module: cameras, can: ['manage_cameras', 'review_alerts', 'approve_entry'] },
  { id: 'audit', title: 'Audit', module: audit, can: ['read_audit', 'read_reports'] },
  { id: 'users', title: 'Users', module: users, can: ['manage_users'] },
];

const state = { session: null, current: null, stream: null, muted: localStorage.getItem('argus.muted') === '1' };


async function start() {
  document.getElementById('login-form').addEventListener('submit', login);
  document.getElementById('logout').addEventListener('click', logout);
  const mute = document.getElementById('mute');
  mute.addEventListener('click', () => {
    state.muted = !state.muted;
    localStorage.setItem('argus.muted', state.muted ? '1' : '0');
    showMute();
  });
  showMute();
  window.addEventListener('hashchange', route);
  whenExpired(expired);
  document.addEventListener('keydown', shortcut);
  // Ask the server for the session only when this browser signed in before: a fresh visit would otherwise cost a
  // refused (and audited) request on every page load.
  if (localStorage.getItem('argus.signed_in') !== '1') {
    showLogin();
    return;
  }
  try {
    signedIn(await api('/api/v1/session'));
  } catch {
    showLogin();
  }
}

function showMute() {
  const mute = document.getElementById('mute');
  mute.textContent = state.muted ? 'Sound off' : 'Sound on';
  mute.setAttribute('aria-pressed', String(state.muted));
  mute.setAttribute('aria-label', state.muted ? 'Alert sound muted; unmute' : 'Alert sound on; mute');
}

async function login(event) {
  event.preventDefault();
  const form = event.target;
  const error = document.getElementById('login-error');
  error.textContent = '';
  try {
    const s = await api('/api/v1/session', { method: 'POST', json: { username: form.username.value, password: form.password.value } });
    form.reset();
    signedIn(s);
  } catch (e) {
    error.textContent = describe(e);
  }
}

/** The server no longer knows this session: stop the stream and every poll, and ask to log in again (once). */
function expired() {
  if (!state.session) return;
  signOut();
  document.getElementById('login-error').textContent = 'Your session has ended (the server restarted or you were signed out). Log in again.';
}

function signOut() {
  localStorage.removeItem('argus.signed_in');
  state.current?.module.leave?.();
  state.current = null;
  closeStream();
  state.session = null;
  current.session = null;
  setCsrf(null);
  showLogin();
}

async function logout() {
  try {
    await api('/api/v1/session', { method: 'DELETE' });
  } catch {
    // The session may have expired already.
  }
  signOut();
}

function showLogin() {
  say('');
  document.title = 'Log in · Argus';
  document.getElementById('login').hidden = false;
  document.getElementById('nav').hidden = true;
  document.getElementById('who').hidden = true;
  document.getElementById('view').replaceChildren();
  document.querySelector('#login-form input[name=username]').focus();
}

function signedIn(s) {
  localStorage.setItem('argus.signed_in', '1');
  document.getElementById('login-error').textContent = '';
  state.session = s;
  current.session = s;
  setCsrf(s.csrf_token);
  document.getElementById('login').hidden = true;
  document.getElementById('who').hidden = false;
  document.getElementById('who-name').textContent = `${s.username} (${s.roles.join(', ')})`;
  document.getElementById('mute').hidden = !can('review_alerts');
  const nav = document.getElementById('nav');
  const allowed = views.filter((v) => can(...v.can));
  nav.replaceChildren(h('ul', {}, allowed.map((v) => h('li', {}, h('a', { href: `#/${v.id}`, id: `nav-${v.id}`, text: v.title })))));
  nav.hidden = false;
  if (can('review_alerts')) openStream();
  const target = allowed.some((v) => location.hash === `#/${v.id}`) ? location.hash : allowed.length ? `#/${allowed[0].id}` : '';
  if (target !== location.hash) location.hash = target; // hashchange routes
  else route();
}

function route() {
  if (!state.session) return;
  const id = location.hash.replace(/^#\//, '');
  const view = views.find((v) => v.id === id && can(...v.can));
  state.current?.module.leave?.();
  state.current = view ?? null;
  say(''); // a message belongs to the page it was said on
  for (const a of document.querySelectorAll('#nav a')) {
    if (a.getAttribute('href') === `#/${id}`) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  // A fresh container per visit: a slower earlier render lands in a detached element, never beside this one.
  const container = h('div');
  document.getElementById('view').replaceChildren(container);
  if (!view) {
    // Enrolment clerks and service terminals work in the service console (kept apart from watchlists).
    if (can('manage_service_galleries', 'verify_customers')) {
      container.append(h('p', {}, ['Service galleries have their own console: ', h('a', { href: '/service/', text: 'open the service console' }), '.']));
    } else {
      container.append(h('p', { text: 'Nothing here for your role.' }));
    }
    return;
  }
  document.title = `${view.title} · Argus`;
  view.module.render(container).catch((e) => say(describe(e)));
}

// One stream per signed-in reviewer: the wall shows alerts and everyone's decisions when open; elsewhere the nav
// counts new alerts. The browser's own reconnection is not used: with an ended session it would retry every few
// seconds for ever (each a refused, audited request). On an error the console asks the server once whether the
// session lives: if not, it shows the login; if so, it reconnects after a growing pause.
function openStream() {
  closeStream();
  const stream = new EventSource('/api/v1/alerts/stream');
  stream.addEventListener('alert', (event) => {
    const data = JSON.parse(event.data);
    // A decision arrives twice: as the alert it changed (for API clients) and as the wall's 'decision' event just
    // after it (who and what). The card is refreshed once, by the latter.
    if (data.kind === 'alert.decided') return;
    if (!data.is_update) {
      chime();
      say(`New alert ${data.alert_id} on camera ${data.camera_id}`);
    }
    if (state.current?.id === 'alerts') alerts.received(data);
    else if (!data.is_update) {
      const link = document.getElementById('nav-alerts');
      if (link) link.dataset.unseen = String(Number(link.dataset.unseen || 0) + 1);
    }
  });
  stream.addEventListener('decision', (event) => {
    if (state.current?.id === 'alerts') alerts.decided(JSON.parse(event.data));
  });
  stream.addEventListener('open', () => {
    state.retry = 0;
    document.body.classList.remove('offline');
  });
  stream.addEventListener('error', async () => {
    stream.close();
    if (state.stream !== stream) return;
    document.body.classList.add('offline');
    try {
      await api('/api/v1/session');
    } catch (e) {
      if (e.status === 401) return; // expired() has shown the login
    }
    if (state.stream !== stream || !state.session) return;
    state.retry = Math.min((state.retry ?? 0) + 1, 5);
    state.reconnect = setTimeout(openStream, 1000 * 2 ** state.retry);
  });
  state.stream = stream;
}

function closeStream() {
  clearTimeout(state.reconnect);
  state.stream?.close();
  state.stream = null;
  document.body.classList.remove('offline');
}

/** Keyboard: c confirms and d dismisses the alert whose card holds the focus (the reason must be given first). */
function shortcut(event) {
  if (state.current?.id !== 'alerts' || event.ctrlKey || event.metaKey || event.altKey) return;
  alerts.shortcut(event);
}

let audio = null;
function chime() {
  if (state.muted) return;
  try {
    audio ??= new AudioContext();
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.frequency.value = 880;
    gain.gain.setValueAtTime(0.2, audio.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.6);
    osc.connect(gain).connect(audio.destination);
    osc.start();
    osc.stop(audio.currentTime + 0.6);
  } catch {
    // No audio device (or not yet allowed by the browser): the visual alert is what counts.
  }
}

start();
