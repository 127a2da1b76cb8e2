// Quality feedback while photos are chosen: each file is checked by the server (nothing is kept) and the verdict
// shown next to the input, so a poor photo is replaced before the proposal or search is sent.
import { api, describe } from './api.js';
import { h } from './ui.js';

export function photoInput(name, label, { multiple = false } = {}) {
  const input = h('input', { type: 'file', name, accept: 'image/*', multiple, required: true });
  const feedback = h('ul', { class: 'quality', 'aria-live': 'polite', 'aria-label': `Photo quality for ${label}` });
  input.addEventListener('change', async () => {
    feedback.replaceChildren();
    for (const file of input.files) {
      const item = h('li', { text: `${file.name}: checking…` });
      feedback.append(item);
      const form = new FormData();
      form.append('photo', file);
      try {
        const q = await api('/api/v1/faces/quality', { method: 'POST', form });
        item.textContent = `${file.name}: ${q.message}`;
        item.className = q.usable ? 'good' : 'bad';
      } catch (e) {
        item.textContent = `${file.name}: ${describe(e)}`;
        item.className = 'bad';
      }
    }
  });
  return { input, feedback, field: h('div', { class: 'field' }, h('label', {}, h('span', { text: label }), input), feedback) };
}
