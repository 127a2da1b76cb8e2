// Cameras: a grid of live state and health figures (refreshed while the view is open), add and edit for
// administrators, and deployments (the only time cameras compare faces): list, create, end with a reason.
import { api, describe } from './api.js';
import { h, when, field, table, errorBox, say, dl } from './ui.js';
import { can } from './session.js';

let timer = null;
let root = null;

export async function render(container) {
  root = container;
  const grid = h('div', { class: 'grid', id: 'camera-grid', 'aria-live': 'polite' });
  const note = h('p', { class: 'hint' });
  container.append(h('h1', { text: 'Cameras' }), note, grid);
  const refresh = async () => {
    if (!grid.isConnected) {
      clearInterval(own);
      return;
    }
    try {
      const health = await api('/api/v1/cameras/health');
      note.textContent = health.running
        ? 'Live state from the cameras this server runs, with the latest analysed frame (held in memory only; each view is audited).'
        : `Cameras are not running: ${health.problem ?? 'starting'}.`;
      grid.replaceChildren(...(health.cameras.length ? health.cameras.map(card) : [h('p', { text: 'No cameras are running.' })]));
    } catch (e) {
      note.textContent = describe(e);
    }
  };
  let own = null;
  await refresh();
  clearInterval(timer);
  own = setInterval(refresh, 3000);
  timer = own;
  if (can('manage_cameras')) container.append(await registry());
  if (can('manage_cameras', 'approve_entry', 'review_alerts')) container.append(await deployments());
}

export function leave() {
  clearInterval(timer);
  timer = null;
  root = null;
}

async function rerender() {
  if (!root) return;
  const c = root;
  leave();
  c.replaceChildren();
  await render(c);
}

function card(c) {
  return h('article', { class: `camera state-${c.state}`, 'aria-label': `Camera ${c.camera_id}` },
    h('h2', { text: `${c.name} (${c.camera_id})` }),
    h('p', { class: 'state', text: `${c.state}${c.deployment ? ` · deployment ${c.deployment}` : ' · no deployment: compares nothing'}` }),
    h('img', {
      class: 'frame', width: 240, height: 135, loading: 'lazy',
      alt: `Latest analysed frame of camera ${c.camera_id}`,
      src: `/api/v1/cameras/${encodeURIComponent(c.camera_id)}/frame.jpg?t=${Date.now()}`,
      onerror: (e) => { e.target.hidden = true; },
    }),
    dl([
      ['Site', c.site ?? '–'],
      ['Watchlists', c.watchlists.length ? `${c.watchlists.join(', ')} (${c.entries} entries)` : '–'],
      ['Frames/s in', c.fps_in.toFixed(1)],
      ['Analysed/s', c.fps_analysed.toFixed(1)],
      ['Dropped', String(c.frames_dropped)],
      ['Reconnects', String(c.reconnects)],
      ['Resolution', c.width ? `${c.width}×${c.height}` : '–'],
      ['Faces seen', String(c.faces_seen)],
      ['Alerts', String(c.alerts_raised)],
      ['Last error', c.error],
    ]));
}

async function registry() {
  const cameras = await api('/api/v1/cameras');
  const error = errorBox();
  const input = (name, props = {}) => h('input', { name, autocomplete: 'off', ...props });
  const form = h('form', { class: 'card grid-form', 'aria-labelledby': 'camera-form-title' },
    h('h2', { id: 'camera-form-title', text: 'Add or edit a camera' }),
    field('Camera id', input('id', { required: true })),
    field('Name', input('name')),
    field('Site', input('site')),
    field('Source', input('source', { required: true }), 'A file, rtsp://, http(s):// or device:N. Credentials are stored, shown redacted.'),
    field('Analysis rate (frames/s)', input('analysis_fps', { type: 'number', min: 0.5, max: 30, step: 0.5, value: 5 })),
    h('button', { type: 'submit', text: 'Save camera' }),
    error);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    const v = (n) => form.elements.namedItem(n).value.trim();
    const body = { id: v('id'), name: v('name') || null, site: v('site') || null, source: v('source'), analysis_fps: Number(v('analysis_fps')) };
    try {
      // Editing replaces the camera (both steps audited); the server restarts its cameras with the new settings.
      if (cameras.some((c) => c.id === body.id)) await api(`/api/v1/cameras/${encodeURIComponent(body.id)}`, { method: 'DELETE' });
      await api('/api/v1/cameras', { method: 'POST', json: body });
      say(`Camera ${body.id} saved`);
      await rerender();
    } catch (e) {
      error.textContent = describe(e);
    }
  });
  const edit = (c) => () => {
    for (const [k, val] of Object.entries({ id: c.id, name: c.name, site: c.site ?? '', source: '', analysis_fps: c.analysis_fps })) form.elements.namedItem(k).value = val;
    form.elements.namedItem('source').focus();
    say(`Editing camera ${c.id}: enter its source again (it is shown redacted)`);
  };
  return h('section', { 'aria-labelledby': 'registry-title' },
    h('h2', { id: 'registry-title', text: 'Registered cameras' }),
    table('Registered cameras', ['Id', 'Name', 'Site', 'Source', 'Frames/s', ''],
      cameras.map((c) => [c.id, c.name, c.site ?? '–', c.source, String(c.analysis_fps), h('button', { type: 'button', onclick: edit(c), text: 'Edit', 'aria-label': `Edit camera ${c.id}` })])),
    form);
}

async function deployments() {
  const list = await api('/api/v1/deployments');
  const section = h('section', { 'aria-labelledby': 'deployments-title' }, h('h2', { id: 'deployments-title', text: 'Deployments' }));
  const manage = can('manage_cameras', 'approve_entry');
  section.append(table('Deployments', ['Id', 'Name', 'Cameras or site', 'Watchlists', 'Authorisation', 'From', 'Until', 'State', ''],
    list.map((d) => {
      const end = manage && d.active ? endButton(d) : null;
      return [String(d.id), d.name, d.cameras.length ? d.cameras.join(', ') : `site ${d.site}`, d.watchlists.join(', '), d.authorisation, when(d.start), when(d.end_reason ? d.ended_at : d.end),
        d.active ? 'active' : d.ended_at ? `ended: ${d.end_reason}` : 'not active', end];
    })));
  if (!manage) return section;
  const error = errorBox();
  const input = (name, props = {}) => h('input', { name, autocomplete: 'off', ...props });
  const form = h('form', { class: 'card grid-form', 'aria-labelledby': 'deploy-title' },
    h('h3', { id: 'deploy-title', text: 'Create a deployment' }),
    field('Deployment name', input('name', { required: true })),
    field('Site', input('site'), 'Every camera of this site, or list cameras below.'),
    field('Cameras', input('cameras'), 'Camera ids, comma-separated.'),
    field('Watchlists', input('watchlists', { required: true }), 'Watchlist names, comma-separated.'),
    field('Authorisation number', input('authorisation', { required: true, inputmode: 'numeric' }), 'An authorisation recorded by an authorising official that covers these watchlists for the whole deployment.'),
    field('Hours', input('hours', { type: 'number', min: 1, max: 744, value: 8 })),
    h('button', { type: 'submit', text: 'Create deployment' }),
    error);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    const v = (n) => form.elements.namedItem(n).value.trim();
    const split = (s) => s.split(',').map((x) => x.trim()).filter(Boolean);
    try {
      const d = await api('/api/v1/deployments', { method: 'POST', json: { name: v('name'), site: v('site') || null, cameras: split(v('cameras')), watchlists: split(v('watchlists')), authorisation: v('authorisation'), hours: Number(v('hours')) } });
      say(`Deployment ${d.id} created: cameras compare faces until ${when(d.end)}`);
      await rerender();
    } catch (e) {
      error.textContent = describe(e);
    }
  });
  section.append(form);
  return section;
}

function endButton(d) {
  return h('button', { type: 'button', 'aria-label': `End deployment ${d.id}`, text: 'End', onclick: async () => {
    const reason = window.prompt(`Why end deployment ${d.id}?`);
    if (!reason) return;
    try {
      await api(`/api/v1/deployments/${d.id}/end`, { method: 'POST', json: { reason } });
      say(`Deployment ${d.id} ended`);
      await rerender();
    } catch (e) {
      say(describe(e));
    }
  } });
}
