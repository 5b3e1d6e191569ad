// The list of an API key's recent sessions (GET /v1/sessions), newest first, with paging by cursor.
import { $, callEdge, el, formatMs, formatTime, prefillApiKey, saveApiKey, viewerUrl } from '/ui.js';

const PAGE = 25;
let cursor = null;
let refreshTimer = null;

prefillApiKey($('apiKey')).then(() => { if ($('apiKey').value) show(); });
$('filters').addEventListener('submit', (event) => { event.preventDefault(); show(); });
$('status').addEventListener('change', () => show());
$('autoRefresh').addEventListener('change', () => schedule());
$('more').addEventListener('click', () => load(true));

function show() {
  saveApiKey($('apiKey').value.trim());
  load(false);
}

async function load(append) {
  clearTimeout(refreshTimer);
  const query = new URLSearchParams({ limit: String(PAGE) });
  if ($('status').value) query.set('status', $('status').value);
  if (append && cursor) query.set('cursor', cursor);
  try {
    const page = await callEdge(`/v1/sessions?${query}`, { credential: $('apiKey').value.trim() });
    $('problem').hidden = true;
    const rows = page.sessions.map(row);
    if (append) $('rows').append(...rows);
    else $('rows').replaceChildren(...rows);
    cursor = page.next_cursor ?? null;
    $('more').hidden = !cursor;
    const shown = $('rows').children.length;
    $('listNote').textContent = shown ? `${shown} session${shown === 1 ? '' : 's'} shown.` : 'No sessions yet: start one on the demo page.';
  } catch (error) {
    $('problem').textContent = `Could not list sessions (${error.status ?? 'network'}): ${error.message}`;
    $('problem').hidden = false;
  }
  if (!append) schedule();
}

/** Refreshes the first page while the tab is visible, unless the user is paging back. */
function schedule() {
  clearTimeout(refreshTimer);
  const every = Number($('autoRefresh').value);
  if (every > 0) refreshTimer = setTimeout(() => (document.hidden || $('rows').children.length > PAGE ? schedule() : load(false)), every);
}

function row(s) {
  return el('tr', { 'data-session-id': s.id },
    el('td', {}, formatTime(s.created_at)),
    el('td', {}, el('a', { href: viewerUrl(s.id) }, s.id)),
    el('td', {}, el('span', { class: `badge ${s.status}` }, s.status)),
    el('td', {}, s.upstream ?? ''),
    el('td', {}, s.model ?? ''),
    el('td', { class: 'num' }, s.token_count ?? '–'),
    el('td', { class: 'num' }, formatMs(s.ttft_ms)),
    el('td', { class: 'num' }, formatMs(s.duration_ms)),
    el('td', { class: 'num' }, s.attempts?.length ?? 0));
}
