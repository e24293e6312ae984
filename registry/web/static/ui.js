// go-registry web UI: copy buttons and search as you type. The pages work without it.
'use strict';

function addCopyButtons() {
  for (const pre of document.querySelectorAll('pre[data-copy]')) {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'copy-button';
    button.textContent = 'Copy';
    button.setAttribute('aria-label', 'Copy to the clipboard');
    button.addEventListener('click', async () => {
      const text = pre.querySelector('code')?.textContent ?? pre.textContent ?? '';
      try {
        await navigator.clipboard.writeText(text);
        button.textContent = 'Copied';
      } catch {
        button.textContent = 'Select and copy';
      }
      setTimeout(() => (button.textContent = 'Copy'), 1500);
    });
    pre.append(button);
  }
}

function searchAsYouType() {
  const input = document.getElementById('q');
  const box = document.getElementById('live-results');
  if (!input || !box) return;
  let timer;
  let asked = 0;
  const clear = () => box.replaceChildren();
  input.addEventListener('input', () => {
    clearTimeout(timer);
    const q = input.value.trim();
    if (q === '') return clear();
    timer = setTimeout(async () => {
      const mine = ++asked;
      const res = await fetch('/ui/search?q=' + encodeURIComponent(q), { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
      if (mine !== asked || !res.ok) return;
      const found = await res.json();
      const list = document.createElement('ul');
      for (const m of found) {
        const li = document.createElement('li');
        const a = document.createElement('a');
        a.href = m.url;
        a.textContent = m.latest ? `${m.modulePath} ${m.latest} (${m.owner})` : `${m.modulePath} (${m.owner})`;
        li.append(a);
        list.append(li);
      }
      if (found.length === 0) {
        const li = document.createElement('li');
        li.textContent = 'No module matches.';
        list.append(li);
      }
      box.replaceChildren(list);
    }, 150);
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') clear();
    if (e.key === 'ArrowDown') box.querySelector('a')?.focus();
  });
}

document.addEventListener('DOMContentLoaded', () => {
  addCopyButtons();
  searchAsYouType();
});
