// The analytics dashboard: GET /v1/analytics (one-minute windows and running totals per upstream
// and model, from rewind.analytics), drawn as SVG line charts and refreshed while windows fill up.
import { drawChart, drawLegend, PALETTE } from '/chart.js';
import { $, callEdge, el, formatMs, prefillApiKey, saveApiKey } from '/ui.js';

const MINUTE = 60000;
let timer = null;

prefillApiKey($('apiKey')).then(() => { if ($('apiKey').value) refresh(); });
$('controls').addEventListener('submit', (event) => { event.preventDefault(); saveApiKey($('apiKey').value.trim()); refresh(); });
$('series').addEventListener('change', () => refresh());
$('refresh').addEventListener('change', () => refresh());

async function refresh() {
  clearTimeout(timer);
  try {
    const body = await callEdge('/v1/analytics', { credential: $('apiKey').value.trim() });
    $('problem').hidden = true;
    render(body);
  } catch (error) {
    $('problem').textContent = error.status === 404
      ? 'Analytics are off on this edge (analytics.enabled: false).'
      : `Could not load analytics (${error.status ?? 'network'}): ${error.message}`;
    $('problem').hidden = false;
  }
  const every = Number($('refresh').value);
  if (every > 0) timer = setTimeout(() => refresh(), every);
}

function seriesKey(s) {
  return `${s.upstream}\u0000${s.model}`;
}

function offerSeries(all) {
  const select = $('series');
  const chosen = select.value;
  const options = [el('option', { value: '' }, 'all')].concat(all.map((s) =>
    el('option', { value: seriesKey(s) }, `${s.upstream} / ${s.model}`)));
  select.replaceChildren(...options);
  select.value = all.some((s) => seriesKey(s) === chosen) ? chosen : '';
}

function render(body) {
  const since = Date.parse(body.since);
  const now = Date.parse(body.now);
  const span = Math.max(now - since, MINUTE);
  offerSeries(body.series);
  const chosen = $('series').value;
  const shown = body.series.filter((s) => !chosen || seriesKey(s) === chosen)
    .map((s, i) => ({ ...s, name: `${s.upstream} / ${s.model}`, color: PALETTE[i % PALETTE.length] }));
  const clock = (ms) => new Date(since + ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  // a window is drawn at its middle; a minute without a window is zero for counts (the API's rule)
  const at = (w) => Date.parse(w.window_start) + MINUTE / 2 - since;
  const minutes = [];
  for (let t = Math.floor(since / MINUTE) * MINUTE; t < now; t += MINUTE) minutes.push(t);
  const zeroFilled = (s, value) => {
    const byStart = new Map(s.windows.map((w) => [Date.parse(w.window_start), w]));
    return minutes.filter((t) => t + MINUTE / 2 >= since).map((t) => {
      const w = byStart.get(t);
      return [t + MINUTE / 2 - since, w ? value(w) : 0];
    });
  };
  const sparse = (s, value) => s.windows.map((w) => [at(w), value(w)]).filter(([, v]) => v !== null && v !== undefined && Number.isFinite(v));
  const chart = (id, series, yFormat, title) => {
    drawChart($(`${id}Chart`), { series: series.map((s) => ({ dots: true, ...s })), xMax: span, xFormat: clock, yFormat, title, width: 520, height: 240 });
    drawLegend($(`${id}Legend`), series);
  };

  chart('throughput', shown.map((s) => ({ ...s, dots: false, points: zeroFilled(s, (w) => w.throughput_tokens_per_second ?? 0) })),
    (v) => v.toFixed(v < 10 ? 1 : 0), 'Throughput per minute');
  chart('speed', shown.map((s) => ({ ...s, points: sparse(s, (w) => w.stats.tokens_per_second) })),
    (v) => v.toFixed(0), 'Generation speed per minute');
  if (shown.length === 1) {
    $('ttftCaption').textContent = `Time to first token (ms), ${shown[0].name}: p50, p95, p99`;
    chart('ttft', ['p50', 'p95', 'p99'].map((p, i) => ({ name: p, color: PALETTE[i], points: sparse(shown[0], (w) => w.stats.ttft_ms?.[p]) })),
      (v) => formatMs(v), 'Time to first token percentiles');
  } else {
    $('ttftCaption').textContent = 'Time to first token p95 (ms) — choose one series for p50/p95/p99';
    chart('ttft', shown.map((s) => ({ ...s, points: sparse(s, (w) => w.stats.ttft_ms?.p95) })), (v) => formatMs(v), 'Time to first token p95');
  }
  chart('error', shown.map((s) => ({ ...s, points: sparse(s, (w) => {
    const ended = (w.stats.sessions.done ?? 0) + (w.stats.sessions.error ?? 0) + (w.stats.sessions.cancelled ?? 0);
    return ended ? (100 * (w.stats.sessions.error ?? 0)) / ended : null;
  }) })), (v) => `${v.toFixed(v < 10 ? 1 : 0)}%`, 'Error rate per minute');
  chart('retry', shown.map((s) => ({ ...s, points: sparse(s, (w) =>
    (w.stats.sessions.started ? (w.stats.retries ?? 0) / w.stats.sessions.started : null)) })), (v) => v.toFixed(v < 10 ? 1 : 0), 'Retries per started session');

  $('totals').replaceChildren(...(shown.length ? shown.map(totalRow) : [el('tr', {}, el('td', { colspan: 12 }, 'No analytics yet: no session has run in the last two hours, or the analytics app is not running.'))]));
  $('updated').textContent = `updated ${new Date(now).toLocaleTimeString()}`;
  const notes = [];
  if (!body.caught_up) notes.push('This edge is still reading rewind.analytics: the numbers are filling in.');
  if (body.evicted_series) notes.push(`${body.evicted_series} older series are not kept (analytics.max_series).`);
  $('note').textContent = notes.join(' ');
}

function totalRow(s) {
  const t = s.total?.stats;
  const n = (v) => (v === undefined || v === null ? '–' : String(v));
  const ttft = t?.ttft_ms?.count ? `${formatMs(t.ttft_ms.p50)} / ${formatMs(t.ttft_ms.p95)} / ${formatMs(t.ttft_ms.p99)}` : '–';
  return el('tr', { 'data-series': `${s.upstream}/${s.model}` },
    el('td', {}, s.upstream), el('td', {}, s.model),
    el('td', { class: 'num' }, n(t?.sessions.started)), el('td', { class: 'num' }, n(t?.sessions.done)),
    el('td', { class: 'num' }, n(t?.sessions.error)), el('td', { class: 'num' }, n(t?.sessions.cancelled)),
    el('td', { class: 'num' }, n(t?.tokens)), el('td', { class: 'num' }, t?.tokens_per_second ? t.tokens_per_second.toFixed(1) : '–'),
    el('td', { class: 'num' }, ttft), el('td', { class: 'num' }, n(t?.retries)), el('td', { class: 'num' }, n(t?.resets)),
    el('td', {}, (t?.top_errors ?? []).map((e) => `${e.code} ×${e.count}`).join(', ')));
}
