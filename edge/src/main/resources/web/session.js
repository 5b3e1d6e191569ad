// The session viewer: summary, attempts, transcript, and a timeline of when each event arrived
// (from GET /v1/sessions/{id}/timeline, record timestamps) with a replay at the original pace.
// Events are folded with rewind-client.js's reducer, the same rules as the live demo.
import { initialState, reduce } from '/rewind-client.js';
import { drawChart, drawLegend, PALETTE } from '/chart.js';
import { $, callEdge, el, formatMs, formatTime, prefillApiKey, readTokenFor, saveApiKey, savedApiKey } from '/ui.js';

const OUTPUT_TYPES = new Set(['token', 'reasoning', 'refusal', 'tool_call']);
const TERMINAL = new Set(['done', 'error', 'cancelled']);
// A pause between two output events counts as a gap when longer than this and than 5× the median.
const MIN_GAP_MS = 750;

const sessionId = idFromLocation();
let timeline = null; // {events: [{type, id, data, t}], chart}
let replay = null; // {timer, startedAt, index, state}

$('sessionId').textContent = sessionId ?? '(none)';
$('replay').addEventListener('click', () => startReplay());
$('stopReplay').addEventListener('click', () => stopReplay('Replay stopped.'));
$('auth').addEventListener('submit', (event) => {
  event.preventDefault();
  saveApiKey($('apiKey').value.trim());
  load($('apiKey').value.trim());
});

if (!sessionId) {
  showProblem('No session id: open /sessions/{id}.');
} else {
  const credential = readTokenFor(sessionId) ?? savedApiKey();
  if (credential) load(credential);
  else askForKey();
}

function idFromLocation() {
  const match = location.pathname.match(/^\/sessions\/([^/]+)\/?$/);
  if (match) return decodeURIComponent(match[1]);
  return new URLSearchParams(location.search).get('id');
}

function askForKey() {
  $('auth').hidden = false;
  prefillApiKey($('apiKey'));
}

async function load(credential) {
  $('problem').hidden = true;
  let body;
  let summary;
  const path = `/v1/sessions/${encodeURIComponent(sessionId)}`;
  try {
    // the timeline has the events and the summary; the transcript and final tool calls come with the summary
    [body, summary] = await Promise.all([callEdge(`${path}/timeline`, { credential }), callEdge(path, { credential })]);
  } catch (error) {
    if (error.status === 401 || error.status === 403) {
      showProblem(`Not allowed to read this session (${error.status}): ${error.message}`);
      askForKey();
    } else {
      showProblem(`Could not load the session (${error.status ?? 'network'}): ${error.message}`);
    }
    return;
  }
  $('auth').hidden = true;
  $('details').hidden = false;
  renderSummary(body);
  renderAttempts(body.attempts ?? []);
  renderTranscript(summary);
  timeline = { events: (body.events ?? []).map(toClientEvent), truncated: body.truncated };
  renderTimeline(body);
}

/** A timeline entry as the client library's event {type, id, data} plus its time since creation. */
function toClientEvent(entry) {
  const { id, type, ts, t_ms: t, call_id: callId, ...fields } = entry;
  const data = { ...fields, type };
  if (callId !== undefined) data.id = callId;
  return { type, id, data, t: Math.max(0, t ?? 0), ts };
}

function renderSummary(s) {
  document.title = `Rewind — session ${s.id}`;
  const badge = $('statusBadge');
  badge.textContent = s.status;
  badge.className = `badge ${s.status}`;
  badge.dataset.status = s.status;
  const usage = s.usage ? Object.entries(s.usage).filter(([, v]) => typeof v === 'number').map(([k, v]) => `${k} ${v}`).join(', ') : null;
  const facts = [
    ['upstream', s.upstream], ['model', s.model], ['provider format', s.provider_format],
    ['created', formatTime(s.created_at)], ['time to first token', formatMs(s.ttft_ms)],
    ['duration', formatMs(s.duration_ms)], ['token events', s.token_count], ['usage', usage],
    ['error', s.error ? `${s.error.code ?? ''} ${s.error.message ?? ''}`.trim() : null],
    ['cancelled by', s.cancelled_by],
  ].filter(([, v]) => v !== null && v !== undefined && v !== '');
  $('facts').replaceChildren(...facts.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, String(v))]));
}

function renderAttempts(attempts) {
  const rows = attempts.map((a) => el('tr', {},
    el('td', { class: 'num' }, a.n), el('td', {}, formatTime(a.started_at)),
    el('td', { class: 'num' }, a.upstream_status ?? '–'), el('td', {}, a.outcome ?? 'in progress'),
    el('td', {}, a.reason ?? ''), el('td', { class: 'num' }, a.retry_delay_ms != null ? formatMs(a.retry_delay_ms) : '')));
  $('attempts').replaceChildren(...(rows.length ? rows : [el('tr', {}, el('td', { colspan: 6 }, 'No attempt yet.'))]));
}

function renderTranscript(s) {
  $('transcript').textContent = s.transcript ?? '';
  $('toolCalls').replaceChildren(...(s.tool_calls ?? []).map((call) =>
    el('li', {}, el('strong', {}, call.name ?? ''), ' ', el('span', { class: 'hint' }, call.id ?? ''),
      el('pre', { class: 'args' }, JSON.stringify(call.arguments, null, 2)))));
}

/** Cumulative output events per attempt (a reset starts a new line), and the moments that matter. */
function analyse(events) {
  const series = [];
  const markers = [];
  const bands = [];
  let current = { name: 'output events', points: [[0, 0]], count: 0, times: [] };
  series.push(current);
  let firstOutput = null;
  for (const event of events) {
    const t = event.t;
    if (OUTPUT_TYPES.has(event.type)) {
      if (firstOutput === null) firstOutput = t;
      current.count++;
      current.points.push([t, current.count]);
      current.times.push(t);
    } else if (event.type === 'status' && event.data.state === 'retrying') {
      markers.push({ x: t, kind: 'retry', label: `retry ${event.data.attempt ?? ''} in ${formatMs(event.data.delay_ms)}` });
    } else if (event.type === 'reset') {
      markers.push({ x: t, kind: 'reset', label: `reset → attempt ${event.data.attempt}` });
      current = { name: `after reset: attempt ${event.data.attempt}`, points: [[t, 0]], count: 0, times: [] };
      series.push(current);
    } else if (TERMINAL.has(event.type)) {
      markers.push({ x: t, kind: 'end', label: event.type });
      current.points.push([t, current.count]);
    }
  }
  if (firstOutput !== null) markers.push({ x: firstOutput, kind: 'ttft', label: `first token ${formatMs(firstOutput)}` });
  for (const s of series) {
    const deltas = s.times.slice(1).map((t, i) => t - s.times[i]);
    const median = [...deltas].sort((a, b) => a - b)[Math.floor(deltas.length / 2)] ?? 0;
    const threshold = Math.max(MIN_GAP_MS, 5 * median);
    deltas.forEach((d, i) => {
      if (d > threshold) bands.push({ from: s.times[i], to: s.times[i + 1], label: `gap of ${formatMs(d)}` });
    });
  }
  return { series: series.filter((s) => s.points.length > 1 || s.count > 0), markers, bands, firstOutput };
}

function renderTimeline(summary) {
  const { series, markers, bands, firstOutput } = analyse(timeline.events);
  const colored = series.map((s, i) => ({ ...s, color: PALETTE[i % PALETTE.length], step: true }));
  timeline.chart = drawChart($('timeline'), {
    series: colored, markers, bands, xFormat: (ms) => formatMs(ms), yFormat: (n) => String(n),
    title: 'Output events received over time since the session was created',
  });
  drawLegend($('timelineLegend'), colored);
  $('timeline').dataset.lastMs = String(timeline.events.at(-1)?.t ?? 0);
  const notes = [
    `${timeline.events.length} events`,
    firstOutput !== null ? `first output after ${formatMs(firstOutput)}` : 'no output',
    `${bands.length} gap${bands.length === 1 ? '' : 's'}`,
    `${markers.filter((m) => m.kind === 'retry').length} retries`,
    `${markers.filter((m) => m.kind === 'reset').length} resets`,
  ];
  if (timeline.truncated) notes.push('truncated: the session has more events than one timeline holds');
  if (!summary.events?.length) notes.push('no events yet');
  $('timelineNotes').textContent = `${notes.join(' · ')}.`;
  $('replay').disabled = timeline.events.length === 0;
}

// --- replay at the original pace -----------------------------------------------------------------

function startReplay() {
  stopReplay();
  const speed = Number($('speed').value) || 1;
  for (const id of ['replayOutput', 'replayReasoning', 'replayTools']) $(id).replaceChildren();
  replay = { speed, startedAt: performance.now(), index: 0, state: initialState(), timer: null, frame: null };
  $('replay').disabled = true;
  $('stopReplay').disabled = false;
  $('replayStatus').textContent = 'Replaying…';
  delete $('replayStatus').dataset.outcome;
  step();
  tickClock();
}

/** Applies every event due by now, then sleeps until the next one is due. */
function step() {
  if (!replay) return;
  const elapsed = (performance.now() - replay.startedAt) * replay.speed;
  const events = timeline.events;
  while (replay.index < events.length && events[replay.index].t <= elapsed) {
    apply(events[replay.index]);
    replay.index++;
  }
  if (replay.index >= events.length) {
    finishReplay();
    return;
  }
  replay.timer = setTimeout(step, Math.max(0, (events[replay.index].t - elapsed) / replay.speed));
}

function apply(event) {
  const before = replay.state;
  const after = reduce(before, event);
  if (after === before) return;
  replay.state = after;
  switch (event.type) {
    case 'token': $('replayOutput').append(event.data.text ?? ''); break;
    case 'reasoning': $('replayReasoning').append(event.data.text ?? ''); break;
    case 'refusal': $('replayOutput').append(el('span', { class: 'error' }, event.data.text ?? '')); break;
    case 'reset':
      for (const id of ['replayOutput', 'replayReasoning', 'replayTools']) $(id).replaceChildren();
      $('replayStatus').textContent = `Reset: attempt ${after.attempt} starts over.`;
      break;
    case 'status':
      $('replayStatus').textContent = event.data.state === 'retrying'
        ? `Upstream busy (${event.data.reason ?? 'retrying'}) — retrying in ${formatMs(event.data.delay_ms)}`
        : event.data.state === 'queued'
          ? `Queued for an upstream slot (position ${event.data.position ?? '?'}).`
          : `Upstream connected (attempt ${after.attempt}).`;
      break;
    case 'tool_call': renderReplayTools(after.toolCalls); break;
    default: break;
  }
}

function renderReplayTools(calls) {
  $('replayTools').replaceChildren(...calls.filter(Boolean).map((call) =>
    el('li', {}, el('strong', {}, call.name ?? ''), ' ', el('span', { class: 'hint' }, call.final ? 'complete' : 'streaming…'),
      el('pre', { class: 'args' }, call.argumentsText))));
}

function tickClock() {
  if (!replay) return;
  const elapsed = (performance.now() - replay.startedAt) * replay.speed;
  $('replayClock').textContent = `t = ${formatMs(elapsed)}`;
  timeline.chart.setCursor(elapsed);
  replay.frame = requestAnimationFrame(tickClock);
}

function finishReplay() {
  const state = replay.state;
  const last = timeline.events[timeline.events.length - 1];
  stopReplay(state.ended ? `Replay finished: ${state.status}.` : 'Replay reached the last event so far.');
  $('replayStatus').dataset.outcome = state.ended ? state.status : 'partial';
  timeline.chart.setCursor(last?.t ?? 0);
}

function stopReplay(message) {
  if (replay) {
    clearTimeout(replay.timer);
    cancelAnimationFrame(replay.frame);
    replay = null;
  }
  $('replay').disabled = !timeline?.events.length;
  $('stopReplay').disabled = true;
  if (message) $('replayStatus').textContent = message;
}

function showProblem(text) {
  $('problem').textContent = text;
  $('problem').hidden = false;
}
