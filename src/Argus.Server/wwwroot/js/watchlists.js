// Watchlists: entries with their photos, names and legal basis; a form to propose an entry with photos (quality
// feedback on upload); the approval queue for approvers (never one's own proposal or amendment), showing whom they
// approve; amend and remove on each entry; bulk import of a CSV of photos with their legal basis; watchlist creation
// for administrators.
import { api, describe } from './api.js';
import { h, day, field, table, errorBox, say, label } from './ui.js';
import { can, username } from './session.js';
import { photoInput } from './quality.js';

let root = null;

export async function render(container) {
  root = container;
  const lists = await api('/api/v1/watchlists');
  container.append(h('h1', { text: 'Watchlists' }));
  container.append(table('Watchlists in your scope', ['Name', 'Category', 'Severity', 'Active entries', 'Two confirmations', 'Longest entry'],
    lists.map((w) => [h('span', { class: `swatch colour-${w.colour}`, text: w.name }), label(w.category), label(w.severity), String(w.active_entries ?? '–'), w.action_needs_two_confirmations ? 'yes' : 'no', `${w.max_entry_days} days`])));

  if (can('approve_entry')) container.append(await queue(lists));
  if (can('propose_entry', 'approve_entry', 'read_audit')) container.append(await entries(lists));
  if (can('propose_entry')) container.append(proposeForm(lists), importForm(lists));
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

/** The entry's photos (aligned face crops the server kept), each labelled with whom it shows. */
function photos(e, size = 140) {
  const name = e.subject_name ?? `subject ${e.subject_id}`;
  const list = e.photos ?? [];
  if (list.length === 0) return h('div', { class: 'noimg small', role: 'img', 'aria-label': `No photo kept for entry ${e.id}`, text: 'no photo' });
  return h('div', { class: 'photos' }, list.map((src, i) => h('img', { src, alt: `Photo ${i + 1} of ${name} (entry ${e.id})`, width: size, height: size, loading: 'lazy' })));
}

function basisFacts(e) {
  const b = e.legal_basis;
  return [
    ['Case', b.case_number],
    ['Grounds', b.grounds],
    ['Officer', b.investigating_officer],
    ['Authority', `${b.issuing_authority}: ${b.legal_instrument}`],
    ['Expires', day(b.expiry)],
    ['Image sources', (b.image_sources ?? []).map((s) => `${s.source}:${s.reference}`).join(', ')],
  ];
}

function facts(pairs) {
  return h('dl', { class: 'facts' }, pairs.filter(([, v]) => v !== undefined && v !== null && v !== '').flatMap(([k, v]) => [h('dt', { text: k }), h('dd', {}, v)]));
}

async function queue(lists) {
  const proposed = (await Promise.all(lists.map((w) => api(`/api/v1/watchlists/${encodeURIComponent(w.name)}/entries?state=proposed`)))).flat();
  const section = h('section', { 'aria-labelledby': 'queue-title', class: 'card' }, h('h2', { id: 'queue-title', text: `Approval queue (${proposed.length})` }));
  if (proposed.length === 0) section.append(h('p', { text: 'No proposals wait for approval.' }));
  for (const e of proposed) {
    const reason = h('input', { 'aria-label': `Reason for entry ${e.id}`, autocomplete: 'off' });
    const error = errorBox();
    const decide = async (verb) => {
      error.textContent = '';
      try {
        await api(`/api/v1/entries/${e.id}/${verb}`, { method: 'POST', json: { reason: reason.value } });
        say(`Entry ${e.id} ${verb === 'approve' ? 'approved' : 'rejected'}`);
        await rerender();
      } catch (err) {
        error.textContent = describe(err);
      }
    };
    // The server refuses these too; the buttons say so before anyone tries.
    const own = e.proposed_by === username() || e.amended_by === username();
    const name = e.subject_name ?? `Subject ${e.subject_id}`;
    section.append(h('article', { class: 'entry review', 'aria-label': `Proposed entry ${e.id}: ${name}` },
      h('h3', { text: `${name} · ${e.watchlist} · entry ${e.id}` }),
      h('div', { class: 'side' },
        photos(e),
        facts([
          ['Name', name],
          ['Reference', e.subject_reference],
          ...basisFacts(e),
          ['Proposed by', e.first_proposed_by ?? e.proposed_by],
          ['Amended by', e.amended_by],
          ['Version', String(e.version)],
        ])),
      field('Reason', reason),
      h('div', { class: 'buttons' },
        h('button', { type: 'button', onclick: () => decide('approve'), disabled: own, text: 'Approve', 'aria-label': `Approve entry ${e.id}` }),
        h('button', { type: 'button', class: 'dismiss', onclick: () => decide('reject'), disabled: own, text: 'Reject', 'aria-label': `Reject entry ${e.id}` })),
      own ? h('p', { class: 'hint', text: 'You proposed or amended this entry: another approver decides.' }) : null,
      error));
  }
  return section;
}

async function entries(lists) {
  const section = h('section', { 'aria-labelledby': 'entries-title', class: 'card' }, h('h2', { id: 'entries-title', text: 'Entries' }));
  const pick = h('select', {}, lists.map((w) => h('option', { value: w.name, text: w.name })));
  const state = h('select', {}, ['', 'active', 'proposed', 'rejected', 'removed'].map((s) => h('option', { value: s, text: s ? label(s) : 'Any state' })));
  const out = h('div');
  const load = async () => {
    if (!pick.value) return;
    try {
      const list = await api(`/api/v1/watchlists/${encodeURIComponent(pick.value)}/entries${state.value ? `?state=${state.value}` : ''}`);
      const w = lists.find((x) => x.name === pick.value);
      out.replaceChildren(table(`Entries of ${pick.value}`, ['Id', 'Photo', 'Name', 'State', 'Legal basis', 'Proposed / amended by', 'Actions'],
        list.map((e) => [
          String(e.id),
          photos(e, 64),
          h('span', {}, e.subject_name ?? `Subject ${e.subject_id}`, e.subject_reference ? h('small', { class: 'hint', text: ` (${e.subject_reference})` }) : null),
          e.expired ? `${label(e.state)} (expired)` : label(e.state),
          facts(basisFacts(e).slice(0, 5)),
          `${e.first_proposed_by ?? e.proposed_by}${e.amended_by ? ` / ${e.amended_by}` : ''}`,
          actions(e, w, load),
        ])));
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

/** Amend (investigators: back to approval) and remove (investigators and approvers) on an entry still in force. */
function actions(e, w, reload) {
  if (e.state !== 'active' && e.state !== 'proposed') return '';
  const box = h('div', { class: 'actions' });
  const error = errorBox();
  const open = (form) => {
    box.querySelector('form')?.remove();
    box.insertBefore(form, error);
    form.querySelector('input')?.focus();
  };
  const removeForm = () => {
    const reason = h('input', { name: 'reason', required: true, autocomplete: 'off', 'aria-label': `Reason for removing entry ${e.id}` });
    const form = h('form', { class: 'inline-form', 'aria-label': `Remove entry ${e.id}` }, reason, h('button', { type: 'submit', class: 'dismiss', text: 'Remove now' }));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      try {
        await api(`/api/v1/entries/${e.id}/remove`, { method: 'POST', json: { reason: reason.value } });
        say(`Entry ${e.id} removed`);
        await reload();
      } catch (err) {
        error.textContent = describe(err);
      }
    });
    return form;
  };
  const amendForm = () => {
    const b = e.legal_basis;
    const input = (name, aria, props = {}) => h('input', { name, autocomplete: 'off', 'aria-label': aria, ...props });
    const form = h('form', { class: 'inline-form', 'aria-label': `Amend entry ${e.id}` },
      input('case', 'Case number', { value: b.case_number }),
      input('instrument', 'Legal instrument', { value: b.legal_instrument }),
      input('expires', 'Expires', { type: 'date', value: day(b.expiry), max: lastDay(w) }),
      input('reason', `Reason for amending entry ${e.id}`, { required: true }),
      h('button', { type: 'submit', text: 'Send for approval' }));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const v = (n) => form.elements.namedItem(n).value.trim();
      const json = { reason: v('reason') };
      if (v('case') !== b.case_number) json.case = v('case');
      if (v('instrument') !== b.legal_instrument) json.instrument = v('instrument');
      if (v('expires') !== day(b.expiry)) json.expires = v('expires');
      try {
        await api(`/api/v1/entries/${e.id}/amend`, { method: 'POST', json });
        say(`Entry ${e.id} amended; it waits for approval by another user`);
        await reload();
      } catch (err) {
        error.textContent = describe(err);
      }
    });
    return form;
  };
  if (can('propose_entry')) box.append(h('button', { type: 'button', class: 'small', text: 'Amend', 'aria-label': `Amend entry ${e.id}`, onclick: () => open(amendForm()) }));
  if (can('propose_entry', 'approve_entry')) box.append(h('button', { type: 'button', class: 'small dismiss', text: 'Remove', 'aria-label': `Remove entry ${e.id}`, onclick: () => open(removeForm()) }));
  box.append(error);
  return box;
}

/** The last day a watchlist accepts as expiry (its maximum, counted in whole UTC days from today). */
function lastDay(w) {
  return new Date(Date.now() + (w?.max_entry_days ?? 90) * 864e5).toISOString().slice(0, 10);
}

function proposeForm(lists) {
  const photos = photoInput('photo', 'Photos', { multiple: true });
  const input = (name, props = {}) => h('input', { name, required: true, autocomplete: 'off', ...props });
  const error = errorBox();
  const pick = h('select', { name: 'watchlist' }, lists.map((w) => h('option', { value: w.name, text: w.name })));
  const expires = input('expires', { type: 'date' });
  const expiryHint = h('small', { class: 'hint' });
  // The default expiry is the list's own maximum (a 180-day list gets 180 days), never beyond it.
  const syncExpiry = () => {
    const w = lists.find((x) => x.name === pick.value);
    expires.max = lastDay(w);
    expires.value = lastDay(w);
    expiryHint.textContent = `At most ${w?.max_entry_days ?? 90} days on this list (until ${expires.max}).`;
  };
  pick.addEventListener('change', syncExpiry);
  syncExpiry();
  const form = h('form', { class: 'card grid-form', 'aria-labelledby': 'propose-title' },
    h('h2', { id: 'propose-title', text: 'Propose an entry' }),
    h('p', { class: 'hint', text: 'An entry needs its full legal basis and becomes active only when another user approves it.' }),
    field('Watchlist', pick),
    field('Subject reference', input('subject_reference')),
    field('Subject name', input('subject_name')),
    field('Case number', input('case')),
    field('Offence or grounds', input('grounds')),
    field('Investigating officer', input('officer')),
    field('Issuing authority', input('authority')),
    field('Legal instrument', input('instrument')),
    h('label', { class: 'field' }, h('span', { text: 'Expires' }), expires, expiryHint),
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

/**
 * Bulk import: a CSV (one row per photo: photo file name, subject reference and name, the legal basis) and the photos
 * it names. The server checks every row and proposes every valid one for approval; refused rows come back with why.
 */
function importForm(lists) {
  const error = errorBox();
  const out = h('div', { id: 'import-result', 'aria-live': 'polite' });
  const form = h('form', { class: 'card grid-form', 'aria-labelledby': 'import-title' },
    h('h2', { id: 'import-title', text: 'Import entries from a CSV' }),
    h('p', { class: 'hint', text: 'Columns: photo, subject_reference, subject_name, case, grounds, officer, authority, instrument, expires (YYYY-MM-DD), image_source. Every valid row is proposed for approval; rows with a problem are refused with the reason.' }),
    field('Watchlist', h('select', { name: 'watchlist' }, lists.map((w) => h('option', { value: w.name, text: w.name })))),
    field('CSV file', h('input', { type: 'file', name: 'csv', accept: '.csv,text/csv', required: true })),
    field('Photos named in the CSV', h('input', { type: 'file', name: 'photo', accept: 'image/*', multiple: true, required: true })),
    field('Reason', h('input', { name: 'reason', required: true, autocomplete: 'off' })),
    h('button', { type: 'submit', text: 'Import' }),
    error, out);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    const data = new FormData(form);
    const watchlist = data.get('watchlist');
    data.delete('watchlist');
    try {
      const r = await api(`/api/v1/watchlists/${encodeURIComponent(watchlist)}/imports`, { method: 'POST', form: data });
      say(`Import: ${r.proposed.length} entr${r.proposed.length === 1 ? 'y' : 'ies'} proposed, ${r.refused.length} row(s) refused`);
      out.replaceChildren(
        h('p', { text: `${r.proposed.length} proposed for approval, ${r.refused.length} refused.` }),
        table('Imported rows', ['Row', 'Photo', 'Outcome'], [
          ...r.proposed.map((p) => [String(p.row), p.photo, `proposed as entry ${p.entry_id}`]),
          ...r.refused.map((p) => [String(p.row), p.photo ?? '', h('span', { class: 'bad', text: `refused: ${p.reason} (${p.code})` })]),
        ].sort((a, b) => Number(a[0]) - Number(b[0]))));
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
    field('Category', h('select', { name: 'category' }, ['wanted', 'missing', 'venue-ban', 'administrative', 'custom'].map((c) => h('option', { value: c, text: label(c) })))),
    field('Severity', h('select', { name: 'severity' }, ['', 'low', 'medium', 'high', 'critical'].map((c) => h('option', { value: c, text: c ? label(c) : 'Default' }))), 'Only custom lists choose it; the other kinds have a fixed severity.'),
    field('Longest entry (days)', h('input', { name: 'max_days', type: 'number', min: 1, max: 730, placeholder: 'default of the kind' })),
    h('button', { type: 'submit', text: 'Create watchlist' }),
    error);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    try {
      const v = (n) => form.elements.namedItem(n).value.trim();
      const name = v('name');
      const json = { name, category: v('category') };
      if (v('severity')) json.severity = v('severity');
      if (v('max_days')) json.max_days = Number(v('max_days'));
      await api('/api/v1/watchlists', { method: 'POST', json });
      say(`Watchlist ${name} created`);
      await rerender();
    } catch (err) {
      error.textContent = describe(err);
    }
  });
  return form;
}

