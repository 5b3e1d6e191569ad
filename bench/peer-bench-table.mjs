// Summarises one run of ../shared/peer-bench/side-by-side.sh (called by bench/side-by-side):
//   node bench/peer-bench-table.mjs <results dir> [<hop probe output>]
// Prints markdown: one row per load with Rewind and the peer side by side (exact sessions, live-token
// latency p50/p99, resume → first token p99, refusals, CPU per delivered token of the server
// processes), the direct floor's wall time, idle CPU, Rewind's per-hop latency split (from
// dev.rewind.bench.peer.HopProbe) and its thread-group CPU per run.
import fs from 'node:fs';
import path from 'node:path';

const [dir, hopsFile] = process.argv.slice(2);
if (!dir) { console.error('usage: node bench/peer-bench-table.mjs <results dir> [<hops file>]'); process.exit(2); }

const runs = {};
for (const file of fs.readdirSync(dir)) {
  const m = file.match(/^(direct|peer|rewind)-n(\d+)-c(\d+)\.json$/);
  if (m) runs[file.slice(0, -5)] = { target: m[1], n: Number(m[2]), cuts: Number(m[3]), r: JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) };
}
const fmt = (v, d = 1) => (v === undefined || v === null || Number.isNaN(v) ? '–' : Number(v).toFixed(d));
const serverCpu = (run) => Object.entries(run.r.cpu ?? {}).filter(([name]) => !['sim', 'loadgen'].includes(name))
  .reduce((sum, [, v]) => sum + (v.cpu_s ?? 0), 0);
const perToken = (run) => (serverCpu(run) * 1e6) / Math.max(1, run.r.tokens?.unique ?? 0);
const refusals = (run) => Object.entries(run.r.errors ?? {}).filter(([k]) => /http_(429|503)/.test(k)).reduce((s, [, v]) => s + v, 0);
const cell = (run) => {
  if (!run) return ['–', '–', '–', '–', '–'];
  const s = run.r.sessions, l = run.r.latency_ms?.live ?? {}, res = run.r.resume?.ttft_ms ?? {};
  return [`${s.ok}/${s.total}`, `${fmt(l.p50)} / ${fmt(l.p99)}`, run.cuts ? fmt(res.p99) : '–', String(refusals(run)), fmt(perToken(run), 0)];
};

const loads = [...new Set(Object.values(runs).map((x) => `${x.n}x${x.cuts}`))]
  .sort((a, b) => a.split('x')[0] - b.split('x')[0] || a.split('x')[1] - b.split('x')[1]);
console.log('| sessions × cuts | Rewind exact | Rewind p50 / p99 ms | Rewind resume p99 ms | Rewind 429/503 | Rewind CPU µs/token | peer exact | peer p50 / p99 ms | peer resume p99 ms | peer 429/503 | peer CPU µs/token | Rewind wall s (direct floor) |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const load of loads) {
  const [n, c] = load.split('x');
  const rw = runs[`rewind-n${n}-c${c}`], pe = runs[`peer-n${n}-c${c}`], di = runs[`direct-n${n}-c0`];
  console.log(`| ${n} × ${c} | ${cell(rw).join(' | ')} | ${cell(pe).join(' | ')} | ${rw ? fmt(rw.r.wall_s) : '–'} (${di ? fmt(di.r.wall_s) : '–'}) |`);
}

const summary = path.join(dir, 'summary.txt');
if (fs.existsSync(summary)) {
  const idle = fs.readFileSync(summary, 'utf8').split('\n').filter((l) => l.startsWith('idle '));
  if (idle.length) console.log(`\nIdle (10 s right after start-up): ${idle.map((l) => l.slice(5)).join('; ')}`);
}

if (hopsFile && fs.existsSync(hopsFile)) {
  const samples = { read: [], chunk: [], token: [] };
  const lines = fs.readFileSync(hopsFile, 'utf8').split('\n');
  const pct = (xs, p) => (xs.length ? xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] / 1000 : NaN);
  console.log('\nPer hop, emit → … (p50 / p99 ms; live tokens of each Rewind run):\n');
  console.log('| run | ingest read | chunk acked and visible | token committed | client |');
  console.log('|---|---|---|---|---|');
  for (const [name, run] of Object.entries(runs).filter(([, x]) => x.target === 'rewind').sort((a, b) => a[1].n - b[1].n || a[1].cuts - b[1].cuts)) {
    // the load generator stamps its report when the run ends
    const to = Date.parse(run.r.date), from = to - run.r.wall_s * 1000;
    for (const k of Object.keys(samples)) samples[k] = [];
    for (const line of lines) {
      const [at, hop, us] = line.split(' ');
      const t = Number(at);
      if (t >= from && t <= to && samples[hop]) samples[hop].push(Number(us));
    }
    for (const k of Object.keys(samples)) samples[k].sort((a, b) => a - b);
    const hop = (k) => `${fmt(pct(samples[k], 50))} / ${fmt(pct(samples[k], 99))}`;
    const l = run.r.latency_ms?.live ?? {};
    console.log(`| ${name} | ${hop('read')} | ${hop('chunk')} | ${hop('token')} | ${fmt(l.p50)} / ${fmt(l.p99)} |`);
  }
}

for (const [name] of Object.entries(runs).filter(([, x]) => x.target === 'rewind')) {
  const threads = path.join(dir, `${name}.threads`);
  if (fs.existsSync(threads)) console.log(`\n${name}, Rewind's threads 3 s into the run:\n\`\`\`\n${fs.readFileSync(threads, 'utf8').trimEnd()}\n\`\`\``);
}
