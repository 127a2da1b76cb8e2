// Watchlists: entries with their legal basis and expiry; a form to propose an entry with photos (quality feedback
// on upload); the approval queue for approvers (never one's own proposal); watchlist creation for administrators.
import { api, describe } from './api.js';
import { h, day, field, table, errorBox, say } from './ui.js';
import { can, username } from './session.js';
import { photoInput } from './quality.js';

let root = null;

export async function render(container) {
  root = container;
  const lists = await api('/api/v1/watchlists');
  container.append(h('h1', { text: 'Watchlists' }));
  container.append(table('Watchlists in your scope', ['Name', 'Category', 'Severity', 'Active entries', 'Two confirmations', 'Longest entry'],
    lists.map((w) => [h('span', { class: `swatch colour-${w.colour}`, text: w.name }), w.category, w.severity, String(w.active_entries ?? '–'), w.action_needs_two_confirmations ? 'yes' : 'no', `${w.max_entry_days} days`])));

  if (can('approve_entry')) container.append(await queue(lists));
  if (can('propose_entry', 'approve_entry', 'read_audit')) container.append(await entries(lists));
  if (can('propose_entry')) container.append(proposeForm(lists));
  if (can('manage_watchlists')) container.append(createForm());
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

function basisCells(e) {
  const b = e.legal_basis;
  return [`${b.case_number}`, b.grounds, `${b.investigating_officer}; ${b.issuing_authority}; ${b.legal_instrument}`, day(b.expiry)];
}

async function queue(lists) {
  const proposed = (await Promise.all(lists.map((w) => api(`/api/v1/watchlists/${encodeURIComponent(w.name)}/entries?state=proposed`)))).flat();
  const section = h('section', { 'aria-labelledby': 'queue-title', class: 'card' }, h('h2', { id: 'queue-title', text: `Approval queue (${proposed.length})` }));
  if (proposed.length === 0) section.append(h('p', { text: 'No proposals wait for approval.' }));
  for (const e of proposed) {
    const reason = h('input', { 'aria-label': `Reason for entry ${e.id}`, autocomplete: 'off' });
    const error = errorBox();
    const decide = async (verb) => {
      try {
        await api(`/api/v1/entries/${e.id}/${verb}`, { method: 'POST', json: { reason: reason.value } });
        say(`Entry ${e.id} ${verb === 'approve' ? 'approved' : 'rejected'}`);
        await rerender();
      } catch (err) {
        error.textContent = describe(err);
      }
    };
    const own = e.proposed_by === username();
    const [caseNo, grounds, who, expiry] = basisCells(e);
    section.append(h('article', { class: 'entry', 'aria-label': `Proposed entry ${e.id}` },
      h('h3', { text: `Entry ${e.id} · ${e.watchlist} · subject ${e.subject_id}` }),
      h('p', { text: `Case ${caseNo}: ${grounds}. ${who}. Expires ${expiry}. Proposed by ${e.proposed_by}.` }),
      field('Reason', reason),
      h('div', { class: 'buttons' },
        h('button', { type: 'button', onclick: () => decide('approve'), disabled: own, text: 'Approve', 'aria-label': `Approve entry ${e.id}` }),
        h('button', { type: 'button', class: 'dismiss', onclick: () => decide('reject'), disabled: own, text: 'Reject', 'aria-label': `Reject entry ${e.id}` })),
      own ? h('p', { class: 'hint', text: 'You proposed this entry: another approver decides.' }) : null,
      error));
  }
  return section;
}

async function entries(lists) {
  const section = h('section', { 'aria-labelledby': 'entries-title', class: 'card' }, h('h2', { id: 'entries-title', text: 'Entries' }));
  const pick = h('select', {}, lists.map((w) => h('option', { value: w.name, text: w.name })));
  const state = h('select', {}, ['', 'active', 'proposed', 'rejected', 'removed'].map((s) => h('option', { value: s, text: s || 'any state' })));
  const out = h('div');
  const load = async () => {
    if (!pick.value) return;
    try {
      const list = await api(`/api/v1/watchlists/${encodeURIComponent(pick.value)}/entries${state.value ? `?state=${state.value}` : ''}`);
      out.replaceChildren(table(`Entries of ${pick.value}`, ['Id', 'Subject', 'State', 'Case', 'Grounds', 'Officer, authority, instrument', 'Expires'],
        list.map((e) => [String(e.id), String(e.subject_id), e.expired ? `${e.state} (expired)` : e.state, ...basisCells(e)])));
    } catch (e) {
      out.replaceChildren(h('p', { class: 'error', text: describe(e) }));
    }
  };
  pick.addEventListener('change', load);
  state.addEventListener('change', load);
  section.append(h('div', { class: 'row' }, field('Watchlist', pick), field('State', state)), out);
  await load();
  return section;
}

function proposeForm(lists) {
  const photos = photoInput('photos', 'Photos', { multiple: true });
  const inMonths = new Date(Date.now() + 90 * 864e5).toISOString().slice(0, 10);
  const input = (name, props = {}) => h('input', { name, required: true, autocomplete: 'off', ...props });
  const error = errorBox();
  const form = h('form', { class: 'card grid-form', 'aria-labelledby': 'propose-title' },
    h('h2', { id: 'propose-title', text: 'Propose an entry' }),
    h('p', { class: 'hint', text: 'An entry needs its full legal basis and becomes active only when another user approves it.' }),
    field('Watchlist', h('select', { name: 'watchlist' }, lists.map((w) => h('option', { value: w.name, text: w.name })))),
    field('Subject reference', input('subject_reference')),
    field('Subject name', input('subject_name')),
    field('Case number', input('case')),
    field('Offence or grounds', input('grounds')),
    field('Investigating officer', input('officer')),
    field('Issuing authority', input('authority')),
    field('Legal instrument', input('instrument')),
    field('Expires', input('expires', { type: 'date', value: inMonths })),
    field('Image source', input('image_source', { placeholder: 'custody:CR-0001' }), 'SOURCE:REFERENCE, e.g. custody:CR-0001'),
    field('Reason', input('reason')),
    photos.field,
    h('button', { type: 'submit', text: 'Propose entry' }),
    error);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    const data = new FormData(form);
    const watchlist = data.get('watchlist');
    data.delete('watchlist');
    try {
      const e = await api(`/api/v1/watchlists/${encodeURIComponent(watchlist)}/entries`, { method: 'POST', form: data });
      say(`Entry ${e.id} proposed; it waits for approval by another user`);
      await rerender();
    } catch (err) {
      error.textContent = describe(err);
    }
  });
  return form;
}

function createForm() {
  const error = errorBox();
  const form = h('form', { class: 'card grid-form', 'aria-labelledby': 'create-title' },
    h('h2', { id: 'create-title', text: 'Create a watchlist' }),
    field('Name', h('input', { name: 'name', required: true, autocomplete: 'off' })),
    field('Category', h('select', { name: 'category' }, ['wanted', 'missing', 'venue-ban', 'administrative', 'custom'].map((c) => h('option', { value: c, text: c })))),
    h('button', { type: 'submit', text: 'Create watchlist' }),
    error);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      const name = form.elements.namedItem('name').value;
      await api('/api/v1/watchlists', { method: 'POST', json: { name, category: form.elements.namedItem('category').value } });
      say(`Watchlist ${name} created`);
      await rerender();
    } catch (err) {
      error.textContent = describe(err);
    }
  });
  return form;
}
