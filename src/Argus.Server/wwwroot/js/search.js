// Purpose-bound search: a photo, the declared purpose, case and justification (and an authorisation, or urgent
// with authorisation due later); ranked candidates above the threshold with their legal basis, or "no match".
import { api, describe } from './api.js';
import { h, day, field, errorBox, say, label, when, table } from './ui.js';
import { photoInput } from './quality.js';

export async function render(container) {
  const lists = await api('/api/v1/watchlists');
  const photo = photoInput('photo', 'Photo to search');
  const error = errorBox();
  const results = h('section', { 'aria-labelledby': 'results-title', 'aria-live': 'polite', id: 'search-results' });
  const urgent = h('input', { type: 'checkbox', name: 'urgent', value: 'true' });
  const form = h('form', { class: 'card grid-form', 'aria-labelledby': 'search-title' },
    h('h1', { id: 'search-title', text: 'Search the watchlists' }),
    h('p', { class: 'hint', text: 'Every search declares its purpose, case and justification and is audited; results show only candidates above the threshold.' }),
    h('fieldset', {}, h('legend', { text: 'Watchlists' }),
      lists.map((w) => h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'watchlist', value: w.name, checked: true }), ` ${w.name}`))),
    field('Purpose', h('select', { name: 'purpose', required: true },
      h('option', { value: '', text: 'Choose the purpose' }),
      ['investigation', 'missing-person', 'imminent-threat', 'victim-identification'].map((p) => h('option', { value: p, text: p })))),
    field('Case reference', h('input', { name: 'case', required: true, autocomplete: 'off' })),
    field('Justification', h('textarea', { name: 'justification', required: true, minlength: 20, rows: 3 }), 'A sentence of at least twenty characters: why this search is necessary and proportionate.'),
    field('Authorisation number', h('input', { name: 'authorisation', autocomplete: 'off', inputmode: 'numeric' }),
      'The number of an authorisation recorded by an authorising official for this case and these watchlists (a missing-person search of missing-persons lists needs none). Or tick urgent: it is then due within 48 hours.'),
    h('label', { class: 'check' }, urgent, ' Urgent (authorise later)'),
    photo.field,
    h('button', { type: 'submit', text: 'Search' }),
    error);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    const data = new FormData(form);
    if (!urgent.checked) data.delete('urgent');
    try {
      const r = await api('/api/v1/searches', { method: 'POST', form: data });
      show(results, r);
      historyLoad?.();
      say(r.match ? `${r.candidates.length} candidate(s) above ${r.threshold}` : 'No match');
    } catch (e) {
      error.textContent = describe(e);
    }
  });
  container.append(form, results, history());
}

/** The investigator's own recent searches: what was asked, under which case, and what is still to authorise. */
function history() {
  const section = h('section', { class: 'card', 'aria-labelledby': 'history-title', id: 'search-history' }, h('h2', { id: 'history-title', text: 'Your recent searches' }));
  const out = h('div');
  const load = async () => {
    try {
      const list = await api('/api/v1/searches/mine?days=30');
      out.replaceChildren(table('Your searches of the last 30 days', ['#', 'When', 'Purpose', 'Case', 'Watchlists', 'Candidates', 'Authorisation'],
        list.map((s) => [String(s.id), when(s.performed_at), label(s.purpose), s.case, s.watchlists.map((w) => w.replace(/^watchlist:/, '')).join(', '), String(s.candidates),
          `${label(s.authorisation)}${s.authorisation_reference ? ` (${s.authorisation_reference})` : ''}${s.overdue ? ': OVERDUE' : s.authorisation_due && s.authorisation === 'pending' ? `, due ${day(s.authorisation_due)}` : ''}`])));
    } catch (e) {
      out.replaceChildren(h('p', { class: 'error', text: describe(e) }));
    }
  };
  section.append(h('button', { type: 'button', class: 'dismiss small', text: 'Refresh', onclick: load }), out);
  load();
  historyLoad = load;
  return section;
}

let historyLoad = null;

function show(results, r) {
  results.replaceChildren(h('h2', { id: 'results-title', text: `Search ${r.search_id}: ${r.match ? `${r.candidates.length} candidate(s)` : 'no match'}` }));
  results.append(h('p', { class: 'hint', text: `Purpose ${r.purpose}; threshold ${r.threshold}${(r.floors || []).length ? ` (lowest allowed: ${r.floors.map(f => `${f.list} ${f.threshold}${f.calibrated ? ` for ${f.templates} templates` : ''}`).join(', ')})` : ''}; authorisation ${label(r.authorisation)}${r.authorisation_due ? `, due ${day(r.authorisation_due)}` : ''}.` }));
  if (!r.match) {
    results.append(h('p', { class: 'nomatch', text: 'No match: nobody on the searched watchlists scores above the threshold. Nothing about the photo was kept.' }));
    return;
  }
  results.append(h('ol', { class: 'candidates' }, r.candidates.map((c) => h('li', { class: `candidate colour-${c.colour}` },
    c.photo ? h('img', { class: 'thumb', src: c.photo, alt: `Enrolled photo of ${c.subject_name ?? `subject ${c.subject_id}`}`, width: 96, height: 96 }) : null,
    h('h3', { text: `${c.rank}. ${c.subject_name ?? `Subject ${c.subject_id}`} · score ${c.score.toFixed(3)}` }),
    h('p', { text: `${c.watchlist} (${c.category}), entry ${c.entry_id}. Case ${c.legal_basis.case_number}: ${c.legal_basis.grounds}. ${c.legal_basis.investigating_officer}, ${c.legal_basis.issuing_authority}, ${c.legal_basis.legal_instrument}; expires ${day(c.legal_basis.expiry)}.` })))));
}
