// Users (administrators): the accounts with their roles, scope and state; create an account; disable or enable one;
// decide the role grants another administrator requested (an operational role is held only once a second
// administrator approves). Keys and passwords beyond the first are changed through the API or the CLI.
import { api, describe } from './api.js';
import { h, field, table, errorBox, say, when } from './ui.js';
import { username } from './session.js';

const roles = ['operator', 'investigator', 'approver', 'auditor', 'enrolment-clerk', 'service-terminal', 'administrator'];
let root = null;

export async function render(container) {
  root = container;
  const [users, grants] = await Promise.all([api('/api/v1/users'), api('/api/v1/role-grants?state=pending')]);
  container.append(h('h1', { text: 'Users' }), grantQueue(grants),
    table('Accounts', ['Username', 'Name', 'Roles', 'Sites', 'Watchlists', 'State', 'Created', ''],
      users.map((u) => [u.username, u.display_name, u.roles.join(', '), u.scope.sites.join(', '), u.scope.watchlists.join(', '),
        u.disabled ? 'disabled' : u.locked_until ? `locked until ${when(u.locked_until)}` : 'active', when(u.created_at), toggle(u)])),
    createForm());
}

export function leave() {
  root = null;
}

async function rerender() {
  if (!root) return;
  const c = root;
  c.replaceChildren();
  await render(c);
}

function toggle(u) {
  const verb = u.disabled ? 'enable' : 'disable';
  return h('button', { type: 'button', class: `small${u.disabled ? '' : ' dismiss'}`, text: u.disabled ? 'Enable' : 'Disable', 'aria-label': `${u.disabled ? 'Enable' : 'Disable'} ${u.username}`,
    onclick: async () => {
      try {
        await api(`/api/v1/users/${encodeURIComponent(u.username)}/${verb}`, { method: 'POST' });
        say(`User ${u.username} ${verb}d`);
        await rerender();
      } catch (e) {
        say(describe(e));
      }
    } });
}

/** The role grants waiting for a second administrator: whom, which roles, who asked; approve or reject with a reason. */
function grantQueue(grants) {
  const region = h('section', { 'aria-labelledby': 'grants-title' },
    h('h2', { id: 'grants-title', text: `Role grants awaiting a second administrator (${grants.length})` }));
  if (grants.length === 0) region.append(h('p', { text: 'No role grant is waiting.' }));
  for (const g of grants) {
    const mine = g.requested_by === username();
    const reason = h('input', { name: 'reason', autocomplete: 'off', 'aria-label': `Reason for role grant ${g.id}` });
    const decide = (verb) => async () => {
      try {
        await api(`/api/v1/role-grants/${g.id}/${verb}`, { method: 'POST', json: { reason: reason.value.trim() || null } });
        say(`Role grant ${g.id} ${verb === 'approve' ? 'approved' : 'rejected'}: ${g.username} ${verb === 'approve' ? 'now holds' : 'does not get'} ${g.roles.join(', ')}`);
        await rerender();
      } catch (e) {
        say(describe(e));
      }
    };
    region.append(h('article', { class: 'card', 'aria-labelledby': `grant-${g.id}` },
      h('h3', { id: `grant-${g.id}`, text: `Role grant ${g.id}: ${g.roles.join(', ')} for ${g.username}` }),
      h('p', { text: `Requested by ${g.requested_by} on ${when(g.requested_at)}.${mine ? ' You asked for it: another administrator must decide.' : ''}` }),
      mine ? null : field('Reason', reason),
      mine ? null : h('button', { type: 'button', class: 'confirm', text: 'Approve', 'aria-label': `Approve role grant ${g.id}`, onclick: decide('approve') }),
      mine ? null : h('button', { type: 'button', class: 'dismiss', text: 'Reject', 'aria-label': `Reject role grant ${g.id}`, onclick: decide('reject') })));
  }
  return region;
}

function createForm() {
  const error = errorBox();
  const list = (v) => v.split(',').map((s) => s.trim()).filter(Boolean);
  const form = h('form', { class: 'card grid-form', 'aria-labelledby': 'user-create-title' },
    h('h2', { id: 'user-create-title', text: 'Create an account' }),
    field('Username', h('input', { name: 'username', required: true, autocomplete: 'off' })),
    field('Display name', h('input', { name: 'display_name', autocomplete: 'off' })),
    field('Role', h('select', { name: 'role' }, roles.map((r) => h('option', { value: r, text: r.replace('-', ' ') })))),
    field('Sites', h('input', { name: 'sites', autocomplete: 'off', placeholder: '* for all' }), 'Comma-separated; * for all.'),
    field('Watchlists', h('input', { name: 'watchlists', autocomplete: 'off', placeholder: '* for all' }), 'Comma-separated; * for all.'),
    field('Initial password', h('input', { name: 'password', type: 'password', autocomplete: 'new-password', required: true, minlength: 12 })),
    h('button', { type: 'submit', text: 'Create account' }),
    error);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    const v = (n) => form.elements.namedItem(n).value.trim();
    try {
      const created = await api('/api/v1/users', { method: 'POST', json: {
        username: v('username'), display_name: v('display_name') || v('username'), roles: [v('role')],
        scope: { sites: list(v('sites') || '*'), cameras: ['*'], watchlists: list(v('watchlists') || '*') }, password: form.elements.namedItem('password').value,
      } });
      const pending = created.pending_grant;
      say(pending
        ? `User ${v('username')} created; the role ${pending.roles.join(', ')} awaits a second administrator (role grant ${pending.id})`
        : `User ${v('username')} created`);
      await rerender();
    } catch (e) {
      error.textContent = describe(e);
    }
  });
  return form;
}
