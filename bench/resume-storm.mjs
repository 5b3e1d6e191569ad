// A reconnect storm against a running Rewind (issue 13, goal 3): N sessions stream over SSE; at one
// moment every connection is dropped and all N reconnect within --spread-ms with Last-Event-ID, as
// after an edge restart. Reports the refusals (HTTP status other than 200), resume → first event
// p50/p99/max, and whether every session still saw seq 1..n exactly once with one terminal event.
//   node bench/resume-storm.mjs --url http://127.0.0.1:8080 --key <api key> --upstream bench \
//        --sessions 500 --model sim-400x20 --storm-after-ms 5000 --spread-ms 1000
// The default model is the peer harness's simulator (upstream `bench`, ../shared/peer-bench); any
// upstream whose answers last longer than --storm-after-ms works. Loopback only, bounded in time.
import { performance } from 'node:perf_hooks';

const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, arg, i, all) => {
  if (arg.startsWith('--')) pairs.push([arg.slice(2), all[i + 1]]);
  return pairs;
}, []));
const URL_BASE = args.url ?? 'http://127.0.0.1:8080';
const KEY = args.key ?? process.env.REWIND_API_KEY;
const UPSTREAM = args.upstream ?? 'bench';
const SESSIONS = Number(args.sessions ?? 500);
const MODEL = args.model ?? 'sim-400x20';
const STORM_AFTER_MS = Number(args['storm-after-ms'] ?? 5000);
const SPREAD_MS = Number(args['spread-ms'] ?? 1000);
const DEADLINE_MS = Number(args['max-seconds'] ?? 120) * 1000;
if (!KEY) { console.error('resume-storm: --key (or REWIND_API_KEY) is required'); process.exit(2); }
if (!/^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(URL_BASE)) { console.error('resume-storm: --url must be loopback http'); process.exit(2); }

const started = performance.now();
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.min(s.length - 1, Math.floor(p / 100 * s.length))] : NaN; };

async function create() {
  const res = await fetch(`${URL_BASE}/v1/sessions`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ upstream: UPSTREAM, model: MODEL, messages: [{ role: 'user', content: 'storm' }] }),
  });
  if (res.status !== 201) throw new Error(`create: HTTP ${res.status} ${await res.text()}`);
  return res.json();
}

// One connection: reads SSE events until the terminal one, the abort signal, or the deadline.
async function follow(session, state, signal) {
  const headers = { Authorization: `Bearer ${session.token}` };
  if (state.lastId) headers['Last-Event-ID'] = state.lastId;
  const asked = performance.now();
  const res = await fetch(`${URL_BASE}${session.events_url}`, { headers, signal });
  state.statuses.push(res.status);
  if (res.status === 204) { state.ended = true; return; }
  if (res.status !== 200) { await res.body?.cancel(); return; }
  const decoder = new TextDecoder();
  let buffer = '', id = null, type = null, data = null, first = true;
  for await (const chunk of res.body) {
    buffer += decoder.decode(chunk, { stream: true });
    let nl;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl).replace(/\r$/, '');
      buffer = buffer.slice(nl + 1);
      if (line === '') {
        if (data !== null) {
          if (first && state.resumes > 0) state.resumeFirstEventMs.push(performance.now() - asked);
          first = false;
          const seq = JSON.parse(data).seq;
          if (seq !== undefined) state.seqs.push(seq);
          if (id) state.lastId = id;
          if (['done', 'error', 'cancelled'].includes(type)) { state.terminals++; state.ended = true; return; }
        }
        id = null; type = null; data = null;
      } else if (line.startsWith('id:')) id = line.slice(3).trim();
      else if (line.startsWith('event:')) type = line.slice(6).trim();
      else if (line.startsWith('data:')) data = line.slice(5).trim();
    }
  }
}

async function run(session) {
  const state = { lastId: null, seqs: [], statuses: [], resumes: 0, terminals: 0, ended: false, resumeFirstEventMs: [] };
  const first = new AbortController();
  const storm = new Promise((resolve) => setTimeout(resolve, STORM_AFTER_MS));
  const streaming = follow(session, state, first.signal).catch((e) => { if (e.name !== 'AbortError') throw e; });
  await Promise.race([streaming, storm]);
  if (!state.ended) {
    first.abort(); // every client loses its connection at the same moment
    await streaming;
    await new Promise((resolve) => setTimeout(resolve, Math.random() * SPREAD_MS));
    for (let attempt = 0; !state.ended && attempt < 5 && performance.now() - started < DEADLINE_MS; attempt++) {
      state.resumes++;
      await follow(session, state, AbortSignal.timeout(Math.round(Math.max(1000, DEADLINE_MS - (performance.now() - started)))))
        .catch((e) => { state.statuses.push(`error:${e.name}`); });
      if (!state.ended) await new Promise((resolve) => setTimeout(resolve, 500)); // refused: back off, then resume
    }
  }
  return state;
}

const sessions = [];
for (let i = 0; i < SESSIONS; i += 50) {
  sessions.push(...await Promise.all(Array.from({ length: Math.min(50, SESSIONS - i) }, create)));
}
const states = await Promise.all(sessions.map(run));
const refusals = states.flatMap((s) => s.statuses.filter((code) => code !== 200 && code !== 204));
const exact = states.filter((s) => s.terminals === 1 && s.seqs.every((seq, i) => seq === i + 1)).length;
const firstEvent = states.flatMap((s) => s.resumeFirstEventMs);
const stormed = states.filter((s) => s.resumes > 0).length;
console.log(`[resume-storm] sessions ${SESSIONS}, reconnected in the storm ${stormed} within ${SPREAD_MS} ms; `
  + `refused ${refusals.length}${refusals.length ? ` (${[...new Set(refusals)].join(', ')})` : ''}; `
  + `resume → first event ms p50 ${pct(firstEvent, 50).toFixed(1)} p99 ${pct(firstEvent, 99).toFixed(1)} max ${pct(firstEvent, 100).toFixed(1)}; `
  + `exact ${exact}/${SESSIONS}; ${((performance.now() - started) / 1000).toFixed(1)} s`);
process.exit(exact === SESSIONS && refusals.length === 0 ? 0 : 1);
