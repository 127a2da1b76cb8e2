// Users (administrators): the accounts with their roles, scope and state; create an account; disable or enable one.
// Roles, keys and passwords beyond the first are changed through the API or the CLI (their rules are stricter).
import { api, describe } from './api.js';
import { h, field, table, errorBox, say, when } from './ui.js';

const roles = ['operator', 'investigator', 'approver', 'auditor', 'enrolment-clerk', 'service-terminal', 'administrator'];
let root = null;

export async function render(container) {
  root = container;
  const users = await api('/api/v1/users');
  container.append(h('h1', { text: 'Users' }),
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
      await api('/api/v1/users', { method: 'POST', json: {
        username: v('username'), display_name: v('display_name') || v('username'), roles: [v('role')],
        scope: { sites: list(v('sites') || '*'), cameras: ['*'], watchlists: list(v('watchlists') || '*') }, password: form.elements.namedItem('password').value,
      } });
      say(`User ${v('username')} created`);
      await rerender();
    } catch (e) {
      error.textContent = describe(e);
    }
  });
  return form;
}
