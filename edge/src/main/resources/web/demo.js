// The demo page: creates a session, follows it with rewind-client.js (which owns the protocol:
// resume by id, reconnect backoff, token renewal, the reducer) and renders what arrives.
import { subscribe } from '/rewind-client.js';
import { $, callEdge, el, prefillApiKey, rememberReadToken, saveApiKey, viewerUrl } from '/ui.js';

// Offered to the model when the fault script asks for tool calls (tools=N needs tools to call).
const DEMO_TOOLS = [
  { type: 'function', function: { name: 'read_file', description: 'Read a file of the project',
    parameters: { type: 'object', properties: { path: { type: 'string' }, max_lines: { type: 'integer' } }, required: ['path'] } } },
  { type: 'function', function: { name: 'get_weather', description: 'Current weather in a city',
    parameters: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } }, required: ['city'] } } },
];
// How long a dropped connection stays down before the client resumes, so the cut is visible.
const DROP_PAUSE_MS = 1000;

let current = null; // {id, token, sub, reconnects, events}
let retryTimer = null;

prefillApiKey($('apiKey'));
$('fault').addEventListener('change', () => { $('customRow').hidden = $('fault').value !== 'custom'; });
$('ask').addEventListener('submit', (event) => {
  event.preventDefault();
  start().catch((error) => finalMessage(`Could not start: ${error.message}`, true));
});
$('stop').addEventListener('click', () => stop());
$('drop').addEventListener('click', () => drop());

function faultScript() {
  return $('fault').value === 'custom' ? $('customFault').value.trim() : $('fault').value;
}

async function start() {
  closeCurrent();
  resetView();
  const apiKey = $('apiKey').value.trim();
  saveApiKey(apiKey);
  const script = faultScript();
  const model = script ? `${$('model').value.trim()}@${script}` : $('model').value.trim();
  const params = { max_tokens: 512 };
  if (/(^|,)tools=/.test(script)) params.tools = DEMO_TOOLS;
  setConnection('connecting');
  const created = await callEdge('/v1/sessions', {
    credential: apiKey, method: 'POST',
    body: { upstream: $('upstream').value, model, messages: [{ role: 'user', content: $('prompt').value }], params },
  });
  rememberReadToken(created.id, created.token);
  current = { id: created.id, token: created.token, sub: null, reconnects: 0, events: 0, transport: $('transport').value };
  $('sessionLabel').textContent = `Session ${created.id}`;
  $('sessionLabel').dataset.sessionId = created.id;
  $('viewLink').href = viewerUrl(created.id);
  $('viewLink').hidden = false;
  $('stop').disabled = false;
  $('drop').disabled = false;
  follow(null);
}

/** Subscribes (again) from `state` — null for the start, or the last state to resume after it. */
function follow(state) {
  const session = current;
  session.sub = subscribe({
    sessionId: session.id,
    token: session.token,
    transport: session.transport,
    state: state ?? undefined,
    onConnect: () => { if (current === session) setConnection('connected'); },
    onReconnect: ({ delayMs, reason }) => {
      if (current !== session) return;
      session.reconnects++;
      $('reconnects').textContent = session.reconnects;
      setConnection('reconnecting', `${reason ?? 'connection lost'}; retrying in ${(delayMs / 1000).toFixed(1)} s`);
    },
    onToken: (token) => { session.token = token; rememberReadToken(session.id, token); },
    onEvent: () => { session.events++; $('eventCount').textContent = session.events; },
    onText: (delta) => { $('output').append(delta); },
    onReasoning: (delta) => { $('reasoningBox').hidden = false; $('reasoning').append(delta); },
    onRefusal: (delta) => { $('output').append(el('span', { class: 'error' }, delta)); },
    onToolCall: (call) => renderToolCall(call),
    onReset: (s) => {
      $('output').replaceChildren();
      $('reasoning').replaceChildren();
      $('toolCalls').replaceChildren();
      showBanner(`The upstream attempt failed after it had started; the answer starts over (attempt ${s.attempt}).`);
    },
    onStatus: (status) => renderStatus(status),
    onWarning: (warning) => showBanner(`Warning: ${warning.message}`),
    onGap: () => showBanner('Part of this session is no longer retained; the stream resumed after the gap.', true),
    onEnd: (s) => ended(session, s),
    onError: (error) => {
      if (current !== session) return;
      setConnection('failed');
      finalMessage(`Stream failed: ${error.message}`, true);
      buttonsOff();
    },
  });
}

function renderStatus({ state, attempt, delayMs, reason, position }) {
  clearInterval(retryTimer);
  if (state === 'queued') {
    showBanner(`Queued for an upstream slot${position ? ` (position ${position})` : ''} — it starts when one frees.`);
    return;
  }
  if (state !== 'retrying') {
    showBanner(`Upstream connected (attempt ${attempt}).`, false, 'ok');
    return;
  }
  const until = Date.now() + (delayMs ?? 0);
  const why = reason ? ` (${reason})` : '';
  const tick = () => {
    const left = Math.max(0, Math.ceil((until - Date.now()) / 1000));
    showBanner(left > 0 ? `Upstream busy${why} — retrying in ${left} s (attempt ${attempt})` : `Upstream busy${why} — retrying now (attempt ${attempt})`);
    if (left === 0) clearInterval(retryTimer);
  };
  tick();
  retryTimer = setInterval(tick, 250);
}

function renderToolCall(call) {
  const id = `tool-${call.index}`;
  let item = document.getElementById(id);
  if (!item) {
    item = el('li', { id, 'data-index': call.index },
      el('div', {}, el('strong', { class: 'name' }), ' ', el('span', { class: 'hint state' })),
      el('code', { class: 'args' }));
    $('toolCalls').append(item);
  }
  item.querySelector('.name').textContent = call.name ?? '(unnamed tool)';
  item.querySelector('.state').textContent = call.final ? 'complete' : 'streaming arguments…';
  item.querySelector('.args').textContent = call.final && call.arguments ? JSON.stringify(call.arguments, null, 2) : call.argumentsText;
}

function ended(session, state) {
  if (current !== session) return;
  clearInterval(retryTimer);
  setConnection('closed');
  buttonsOff();
  if (state.status === 'done') {
    hideBanner();
    const usage = state.finish?.usage?.completion_tokens;
    finalMessage(`Done: ${state.finish?.finishReason ?? 'stop'}${usage !== undefined ? `, ${usage} completion tokens` : ''}.`);
  } else if (state.status === 'cancelled') {
    hideBanner();
    finalMessage(`Cancelled${state.cancelled?.by ? ` by ${state.cancelled.by}` : ''}.`);
  } else {
    finalMessage(`Error ${state.error?.code ?? ''}: ${state.error?.message ?? ''}`, true);
  }
  $('final').dataset.outcome = state.status;
}

async function stop() {
  if (!current?.sub) return;
  $('stop').disabled = true;
  try {
    await current.sub.cancel('stopped from the demo page');
    finalMessage('Stopping…');
  } catch (error) {
    $('stop').disabled = false;
    finalMessage(`Stop failed: ${error.message}`, true);
  }
}

/** Really cuts the transport (closes the EventSource or aborts the fetch), then resumes from the last id. */
function drop() {
  const session = current;
  if (!session?.sub || session.sub.state.ended) return;
  session.sub.close();
  session.reconnects++;
  $('reconnects').textContent = session.reconnects;
  setConnection('dropped', `connection dropped by you; resuming after event ${session.sub.state.lastEventId ?? '(none yet)'}`);
  $('drop').disabled = true;
  setTimeout(() => {
    if (current !== session) return;
    $('drop').disabled = false;
    follow(session.sub.state);
  }, DROP_PAUSE_MS);
}

function closeCurrent() {
  current?.sub?.close();
  current = null;
  clearInterval(retryTimer);
}

function resetView() {
  for (const id of ['output', 'reasoning', 'toolCalls']) $(id).replaceChildren();
  $('reasoningBox').hidden = true;
  $('reconnects').textContent = '0';
  $('eventCount').textContent = '0';
  $('sessionLabel').textContent = '';
  $('viewLink').hidden = true;
  delete $('final').dataset.outcome;
  finalMessage('');
  hideBanner();
}

function buttonsOff() {
  $('stop').disabled = true;
  $('drop').disabled = true;
}

function setConnection(state, detail) {
  $('connDot').dataset.state = state;
  $('connState').textContent = detail ? `${state} — ${detail}` : state;
  $('connState').dataset.state = state;
}

function showBanner(text, bad = false, kind) {
  const banner = $('retryBanner');
  banner.textContent = text;
  banner.className = `banner${bad ? ' bad' : ''}${kind ? ` ${kind}` : ''}`;
  banner.hidden = false;
}

function hideBanner() {
  $('retryBanner').hidden = true;
}

function finalMessage(text, isError = false) {
  $('final').textContent = text;
  $('final').className = isError ? 'error' : '';
}
