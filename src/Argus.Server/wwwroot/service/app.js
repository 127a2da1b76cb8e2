// Service-gallery administration and gate monitoring. Plain DOM, no framework; every value from the server is
// written with textContent, never as HTML.
import { ApiError, currentSession, enc, login, logout, request } from './api.js';

const $ = (id) => document.getElementById(id);
const views = ['login', 'galleries', 'enrol', 'customer', 'ledger', 'gates'];
let session = null;
let galleries = [];
let pollTimer = null;
let lastAlertId = 0;
let lastSequence = 0;
let monitored = null;

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'class') node.className = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const c of children) {
    if (c !== null && c !== undefined) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

const when = (iso) => (iso ? new Date(iso).toLocaleString() : '');
const utc = (iso) => (iso ? `${iso.slice(0, 16).replace('T', ' ')} UTC` : '');
const money = (cents) => (cents / 100).toFixed(2);

function status(text) {
  $('status').textContent = text;
}

function showError(e) {
  const box = $('error');
  if (!e) {
    box.hidden = true;
    box.textContent = '';
    return;
  }
  box.hidden = false;
  box.textContent = e instanceof ApiError ? `${e.message} (${e.code}, HTTP ${e.status})` : String(e.message ?? e);
  if (e instanceof ApiError && e.status === 401) {
    session = null;
    route();
  }
}

async function guarded(work) {
  showError(null);
  try {
    await work();
  } catch (e) {
    showError(e);
  }
}

// The session lists capabilities in snake_case (manage_service_galleries); compare without case or underscores.
const plain = (name) => name.replaceAll('_', '').toLowerCase();
function can(capability) {
  return (session?.capabilities ?? []).some((c) => plain(c) === plain(capability));
}

// ---- routing -------------------------------------------------------------------------------------------------

function route() {
  const wanted = (location.hash || '#galleries').slice(1);
  const view = !session ? 'login' : views.includes(wanted) && wanted !== 'login' ? wanted : 'galleries';
  for (const v of views) $(`view-${v}`).hidden = v !== view;
  $('nav').hidden = !session;
  $('who').hidden = !session;
  for (const a of document.querySelectorAll('nav a')) {
    if (a.getAttribute('href') === `#${view}`) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  stopPolling();
  status('');
  $(`h-${view}`).focus();
  if (session && !can('ManageServiceGalleries') && !can('VerifyCustomers')) {
    showError(new Error('This account has no service-gallery role (enrolment clerk or service terminal). Accounts with a police role may not open service galleries.'));
    return;
  }
  if (view === 'galleries') guarded(loadGalleries);
  if (['enrol', 'customer', 'ledger', 'gates'].includes(view)) guarded(refreshGallerySelects);
  if (view === 'gates') startPolling();
}

// ---- session ---------------------------------------------------------------------------------------------------

function setSession(s) {
  session = s;
  if (s) {
    $('who-name').textContent = `${s.username} (${s.roles.join(', ')})`;
  }
}

$('login-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  guarded(async () => {
    setSession(await login($('login-user').value, $('login-password').value));
    $('login-password').value = '';
    status('Logged in.');
    route();
  });
});

$('logout').addEventListener('click', () => guarded(async () => {
  await logout();
  session = null;
  status('Logged out.');
  route();
}));

// ---- galleries ---------------------------------------------------------------------------------------------------

async function fetchGalleries() {
  galleries = await request('GET', '/api/v1/service/galleries');
  return galleries;
}

async function loadGalleries() {
  const body = $('galleries-body');
  body.replaceChildren();
  for (const g of await fetchGalleries()) {
    body.append(el('tr', {}, el('td', {}, g.name), el('td', {}, g.kind), el('td', { class: 'num' }, g.people), el('td', { class: 'num' }, g.templates),
      el('td', {}, g.description ?? ''), el('td', {}, when(g.created_at))));
  }
  if (galleries.length === 0) body.append(el('tr', {}, el('td', { colspan: '6' }, 'No service galleries yet.')));
}

async function refreshGallerySelects() {
  await fetchGalleries();
  for (const select of document.querySelectorAll('select.gallery-select, #gates-gallery')) {
    const keep = select.value;
    const options = select.id === 'gates-gallery' ? [el('option', { value: '' }, 'All')] : [];
    for (const g of galleries) options.push(el('option', { value: g.name }, `${g.name} (${g.kind})`));
    select.replaceChildren(...options);
    if ([...select.options].some((o) => o.value === keep)) select.value = keep;
  }
}

$('gallery-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  guarded(async () => {
    const g = await request('POST', '/api/v1/service/galleries', {
      name: $('gallery-name').value, kind: $('gallery-kind').value, description: $('gallery-description').value || null,
    });
    status(`Created ${g.kind} gallery “${g.name}”.`);
    ev.target.reset();
    await loadGalleries();
  });
});

// ---- enrolment ---------------------------------------------------------------------------------------------------

$('enrol-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  guarded(async () => {
    const form = new FormData(ev.target);
    const gallery = form.get('gallery');
    form.delete('gallery');
    const at = form.get('consent_given_at');
    if (at) form.set('consent_given_at', new Date(at).toISOString());
    else form.delete('consent_given_at');
    const c = await request('POST', `/api/v1/service/galleries/${enc(gallery)}/customers`, form);
    const out = $('enrol-result');
    out.replaceChildren(el('div', { class: 'receipt' },
      el('p', {}, el('strong', {}, `Enrolled “${c.reference}”`), ` in ${c.gallery} with ${c.templates} template(s).`),
      el('p', {}, `Consent given by ${c.consent.given_by} on ${when(c.consent.given_at)} via ${c.consent.channel} for “${c.consent.purpose}”, recorded by ${c.consent.recorded_by}; valid until ${utc(new Date(c.consent.expires_at).toISOString())}.`)));
    status(`Enrolled ${c.reference}.`);
    ev.target.reset();
    ev.target.querySelector('select').value = gallery;
  });
});

// ---- data-subject requests ----------------------------------------------------------------------------------------

function receiptBox(title, sha, text, download) {
  const box = el('div', { class: 'receipt' }, el('p', {}, el('strong', {}, title)), el('p', {}, 'Receipt SHA-256: ', el('code', {}, sha)));
  if (download) {
    const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
    box.append(el('p', {}, el('a', { href: url, download }, `Download ${download}`)));
  }
  box.append(el('pre', { tabindex: '0', 'aria-label': title }, text));
  return box;
}

$('customer-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const action = ev.submitter?.value ?? 'export';
  const gallery = $('customer-gallery').value;
  const reference = $('customer-reference').value;
  const path = `/api/v1/service/galleries/${enc(gallery)}/customers/${enc(reference)}`;
  guarded(async () => {
    const out = $('customer-result');
    if (action === 'export') {
      const x = await request('GET', `${path}/export`);
      out.replaceChildren(receiptBox(`Export of “${reference}” from ${gallery}`, x.receipt_sha256, JSON.stringify(x.export, null, 2), `export-${gallery}-${reference}.json`));
      status('Exported.');
    } else {
      if (!window.confirm(`Erase customer “${reference}” from ${gallery}? Templates and record are deleted; ledger lines are unlinked.`)) return;
      const r = await request('DELETE', path);
      out.replaceChildren(receiptBox(`Erased “${r.reference}”: ${r.templates_removed} template(s) removed, ${r.ledger_entries_unlinked} ledger line(s) unlinked`, r.receipt_sha256, r.receipt));
      status('Erased.');
    }
  });
});

$('purge-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const gallery = $('purge-gallery').value;
  if (!window.confirm(`Erase every customer of ${gallery} whose consent has expired?`)) return;
  guarded(async () => {
    const receipts = await request('POST', `/api/v1/service/galleries/${enc(gallery)}/purge-expired`);
    const out = $('customer-result');
    out.replaceChildren(el('p', {}, `${receipts.length} customer(s) with expired consent erased from ${gallery}.`));
    for (const r of receipts) out.append(receiptBox(`Erased “${r.reference}” (consent expired)`, r.receipt_sha256, r.receipt));
    status('Purge done.');
  });
});

// ---- ledger ----------------------------------------------------------------------------------------------------------

async function loadLedger() {
  const gallery = $('ledger-gallery').value;
  const lines = await request('GET', `/api/v1/service/galleries/${enc(gallery)}/ledger?last=500`);
  const refunded = new Set(lines.filter((l) => l.kind === 'refund').map((l) => l.refund_of));
  const body = $('ledger-body');
  body.replaceChildren();
  for (const l of lines) {
    let action = '';
    if (l.kind === 'charge' && l.amount_cents > 0 && !refunded.has(l.id)) {
      action = el('button', { type: 'button', class: 'small', onclick: () => refund(l) }, `Refund #${l.id}`);
    } else if (refunded.has(l.id)) {
      action = 'refunded';
    } else if (l.kind === 'refund') {
      action = `of #${l.refund_of}: ${l.reason ?? ''}`;
    }
    body.append(el('tr', {}, el('td', {}, l.id), el('td', {}, when(l.at)), el('td', {}, l.kind + (l.linked ? '' : ' (unlinked)')), el('td', {}, l.gate), el('td', {}, l.passage),
      el('td', { class: 'num' }, money(l.amount_cents)), el('td', {}, el('code', { title: l.receipt_sha256 }, l.receipt_sha256.slice(0, 16))), el('td', {}, action)));
  }
  if (lines.length === 0) body.append(el('tr', {}, el('td', { colspan: '8' }, 'No ledger lines.')));
  status(`${lines.length} ledger line(s).`);
}

function refund(line) {
  const reason = window.prompt(`Reason for refunding charge #${line.id} (${money(line.amount_cents)})?`);
  if (!reason) return;
  guarded(async () => {
    const r = await request('POST', `/api/v1/service/ledger/${line.id}/refund`, { reason });
    status(r.duplicate ? `Charge #${line.id} was already refunded.` : `Refunded #${line.id}: ledger #${r.refund.id}, receipt ${r.refund.receipt_sha256}.`);
    await loadLedger();
  });
}

$('ledger-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  guarded(loadLedger);
});

// ---- gate monitor ------------------------------------------------------------------------------------------------------

async function loadGates() {
  const alerts = await request('GET', `/api/v1/service/steward-alerts?after=${lastAlertId}`);
  const board = $('steward-alerts');
  for (const a of alerts) {
    lastAlertId = Math.max(lastAlertId, a.id);
    const b = a.legal_basis;
    board.prepend(el('div', { class: 'alert' },
      el('strong', {}, `Banned person refused at gate ${a.gate}`), ` (${a.gallery}, passage ${a.passage}, ${when(a.at)}). `,
      `Ban list ${a.watchlist}, entry #${a.entry_id}, score ${a.score}. Legal basis: ${b.legal_instrument}, case ${b.case_number}, ${b.issuing_authority}; grounds: ${b.grounds}; until ${when(b.expiry)}.`));
  }
  while (board.children.length > 10) board.lastElementChild.remove();

  if (!can('ManageServiceGalleries')) return;
  const gallery = $('gates-gallery').value;
  if (gallery !== monitored) {
    monitored = gallery;
    lastSequence = 0;
    $('gates-body').replaceChildren();
  }
  // The first read takes the last 100 decisions; later polls ask only for what the audit recorded since.
  const query = `last=100&after=${lastSequence}${gallery ? `&gallery=${enc(gallery)}` : ''}`;
  const decisions = await request('GET', `/api/v1/service/gates/decisions?${query}`);
  const body = $('gates-body');
  body.querySelector('tr.empty')?.remove();
  for (const d of [...decisions].reverse()) {
    lastSequence = Math.max(lastSequence, d.sequence);
    body.prepend(el('tr', {}, el('td', {}, when(d.at)), el('td', {}, d.gate), el('td', {}, d.kind === 'face_pay' ? 'face-pay' : 'venue'), el('td', {}, d.gallery ?? ''),
      el('td', {}, d.passage ?? ''), el('td', { class: d.outcome === 'ok' ? 'open' : 'refused' }, d.outcome === 'ok' ? 'open' : 'refused'),
      el('td', {}, d.reason ?? ''), el('td', {}, d.ledger ?? '')));
  }
  while (body.children.length > 100) body.lastElementChild.remove();
  if (body.children.length === 0) body.append(el('tr', { class: 'empty' }, el('td', { colspan: '8' }, 'No gate decisions yet.')));
}

function startPolling() {
  guarded(loadGates);
  pollTimer = window.setInterval(() => {
    if ($('gates-live').checked && !document.hidden) guarded(loadGates);
  }, 10000);
}

function stopPolling() {
  if (pollTimer !== null) window.clearInterval(pollTimer);
  pollTimer = null;
}

$('gates-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  guarded(loadGates);
});

// ---- start -------------------------------------------------------------------------------------------------------------

window.addEventListener('hashchange', route);
guarded(async () => {
  setSession(await currentSession());
  route();
});
