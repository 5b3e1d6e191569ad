// The fetch/ReadableStream transport (Node 20 has no EventSource) against scripted SSE servers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { subscribe, RewindError, reduceAll } from '../../main/resources/web/rewind-client.js';
import { startServer, sessionEvents, frames, frame, sseHead, problem, rt1Token } from './sse-server.mjs';

const fast = () => 1; // the backoff, injected: 1 ms between reconnects
const T = { timeout: 10_000 };

function follow(server, extra = {}) {
  const texts = [];
  const sub = subscribe({
    transport: 'fetch', baseUrl: server.baseUrl, sessionId: 's1', token: 'tok', backoff: fast,
    onText: (text) => texts.push(text), ...extra,
  });
  return { sub, texts };
}

test('a drop in the middle of an event resumes after the last whole one, and never shows text twice', T, async (t) => {
  const events = sessionEvents(['Hel', 'lo', ' wor', 'ld']); // start, 4 tokens, done
  const server = await startServer(t, (req, res, n) => {
    sseHead(res);
    if (n === 0) {
      res.write('retry: 2000\n\n' + frames(events.slice(0, 3)));
      const half = frame(events[3].id, events[3].type, events[3].data);
      res.write(half.slice(0, half.length / 2));
      setTimeout(() => res.destroy(), 20);
    } else {
      // the edge resumes after Last-Event-ID; this one also re-sends an already-seen event
      res.end(frames(events.slice(2)));
    }
  });
  const hints = [];
  const { sub, texts } = follow(server, { backoff: (attempt, hintMs) => { hints.push(hintMs); return 1; } });
  const state = await sub.finished;
  await server.close();
  assert.deepEqual(texts, ['Hel', 'lo', ' wor', 'ld']);
  assert.equal(state.text, 'Hello world');
  assert.equal(state.status, 'done');
  const streams = server.streams();
  assert.equal(streams.length, 2);
  assert.equal(streams[0].headers['last-event-id'], undefined);
  assert.equal(streams[1].headers['last-event-id'], events[2].id);
  assert.equal(streams[1].headers.authorization, 'Bearer tok');
  assert.deepEqual(hints, [2000], "the server's retry: hint is the backoff's base");
});

test('a finished session with nothing after the cursor (204) ends the subscription without retrying', T, async (t) => {
  const server = await startServer(t, (req, res) => { res.writeHead(204); res.end(); });
  const saved = reduceAll(sessionEvents(['all', ' seen']));
  let ended = null;
  const { sub } = follow(server, { state: saved, onEnd: (state) => { ended = state; } });
  const state = await sub.finished;
  await server.close();
  assert.equal(server.streams().length, 1);
  assert.equal(server.streams()[0].headers['last-event-id'], saved.lastEventId);
  assert.equal(state.text, 'all seen');
  assert.equal(ended, state);
});

test('an expired token (401) is renewed at the edge and the stream resumes with the fresh one', T, async (t) => {
  const events = sessionEvents(['a', 'b']);
  const server = await startServer(t, (req, res) => {
    if (req.method === 'POST' && req.url === '/v1/sessions/s1/token') {
      assert.equal(req.headers.authorization, 'Bearer tok');
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ token: 'fresh', expires_at: new Date(Date.now() + 3_600_000).toISOString() }));
    } else if (req.headers.authorization === 'Bearer fresh') {
      sseHead(res);
      res.end(frames(events));
    } else {
      problem(res, 401, 'read token has expired');
    }
  });
  const tokens = [];
  const { sub } = follow(server, { onToken: (t) => tokens.push(t) });
  const state = await sub.finished;
  await server.close();
  assert.equal(state.text, 'ab');
  assert.deepEqual(server.requests.map((r) => `${r.method} ${r.url.split('?')[0]} ${r.headers.authorization}`), [
    'GET /v1/sessions/s1/events Bearer tok',
    'POST /v1/sessions/s1/token Bearer tok',
    'GET /v1/sessions/s1/events Bearer fresh',
  ]);
  assert.deepEqual(tokens, ['fresh']);
});

test('a renewal the edge refuses ends the subscription with a RewindError', T, async (t) => {
  const server = await startServer(t, (req, res) => {
    if (req.method === 'POST') problem(res, 401, 'read token expired too long ago');
    else problem(res, 401, 'read token has expired');
  });
  let reported = null;
  const { sub } = follow(server, { onError: (e) => { reported = e; } });
  await assert.rejects(sub.finished, (error) => error instanceof RewindError
    && error.code === 'token_renewal_failed' && error.status === 401 && error.detail === 'read token expired too long ago');
  await server.close();
  assert.ok(reported instanceof RewindError);
});

test('a renewToken callback replaces the default endpoint; a second 401 in a row is final', T, async (t) => {
  const server = await startServer(t, (req, res) => problem(res, 401, 'unknown signing key'));
  const asked = [];
  const { sub } = follow(server, {
    renewToken: async ({ sessionId, token, baseUrl }) => { asked.push([sessionId, token, baseUrl]); return 'from-my-backend'; },
  });
  await assert.rejects(sub.finished, (error) => error.code === 'refused' && error.status === 401);
  await server.close();
  assert.deepEqual(asked, [['s1', 'tok', server.baseUrl]]);
  assert.equal(server.requests.filter((r) => r.method === 'POST').length, 0);
  assert.deepEqual(server.streams().map((r) => r.headers.authorization), ['Bearer tok', 'Bearer from-my-backend']);
});

test('503 with Retry-After waits at least that long, then resumes', T, async (t) => {
  const events = sessionEvents(['x']);
  const server = await startServer(t, (req, res, n) => {
    if (n === 0) problem(res, 503, 'busy', { 'Retry-After': '2' });
    else { sseHead(res); res.end(frames(events)); }
  });
  const waits = [];
  const { sub } = follow(server, {
    idleTimeoutMs: 30_000,
    onReconnect: (r) => waits.push(r.delayMs),
    // the wait is recorded but not really slept: timers other than the idle watchdog fire at once
    setTimeout: (fn, ms) => setTimeout(fn, ms === 30_000 ? ms : 0),
  });
  const state = await sub.finished;
  await server.close();
  assert.deepEqual(waits, [2000]);
  assert.equal(state.text, 'x');
});

test('consecutive failures count up the backoff; progress resets it; too many give up', T, async (t) => {
  const events = sessionEvents(['1', '2']);
  const server = await startServer(t, (req, res, n) => {
    if (n < 3) { problem(res, 502, 'bad gateway'); return; }
    if (n === 4) { problem(res, 500, 'oops'); return; }
    sseHead(res);
    res.end(frames(events.slice(n === 3 ? 0 : 2, n === 3 ? 2 : undefined)));
  });
  const attempts = [];
  const { sub } = follow(server, { backoff: (attempt) => { attempts.push(attempt); return 1; } });
  await sub.finished;
  await server.close();
  // 3 failures, a stream with progress (ends without terminal: attempt 1 again), one more failure
  assert.deepEqual(attempts, [1, 2, 3, 1, 2]);

  const down = await startServer(t, (req, res) => problem(res, 503, 'down'));
  const { sub: hopeless } = follow(down, { maxFailures: 3 });
  await assert.rejects(hopeless.finished, (error) => error.code === 'unavailable');
  await down.close();
  assert.equal(down.streams().length, 4);
});

test('a connection that falls silent beyond the idle timeout is dropped and resumed', T, async (t) => {
  const events = sessionEvents(['quiet', ' then more']);
  const server = await startServer(t, (req, res, n) => {
    sseHead(res);
    if (n === 0) res.write(frames(events.slice(0, 2))); // then nothing, not even a ping
    else res.end(frames(events.slice(2)));
  });
  const { sub, texts } = follow(server, { idleTimeoutMs: 100 });
  const state = await sub.finished;
  await server.close();
  assert.deepEqual(texts, ['quiet', ' then more']);
  assert.equal(server.streams()[1].headers['last-event-id'], events[1].id);
  assert.equal(state.status, 'done');
});

test('a token about to expire is renewed ahead of time and the next connection presents the fresh one', T, async (t) => {
  const events = sessionEvents(['early', ' renewal']);
  let renewed;
  const renewal = new Promise((resolve) => { renewed = resolve; });
  const server = await startServer(t, async (req, res, n) => {
    sseHead(res);
    if (n === 0) {
      res.write(frames(events.slice(0, 2)));
      await renewal;
      res.destroy();
    } else {
      res.end(frames(events.slice(2)));
    }
  });
  const old = rt1Token('s1', Date.now() + 200);
  const { sub } = follow(server, {
    token: old,
    renewToken: async ({ token }) => {
      assert.equal(token, old);
      setTimeout(renewed, 10);
      return { token: 'fresh', expiresAt: Date.now() + 3_600_000 };
    },
  });
  const state = await sub.finished;
  await server.close();
  assert.equal(state.text, 'early renewal');
  assert.deepEqual(server.streams().map((r) => r.headers.authorization), [`Bearer ${old}`, 'Bearer fresh']);
});

test('refusals other than 401 are final and carry the problem detail', T, async (t) => {
  const server = await startServer(t, (req, res) => problem(res, 403, 'read token belongs to another session'));
  const { sub } = follow(server);
  await assert.rejects(sub.finished, (error) => error.code === 'refused' && error.status === 403
    && error.message.includes('another session'));
  await server.close();
  assert.equal(server.requests.length, 1);
});

test('close() stops following at once, also during a backoff wait; generation is not cancelled', T, async (t) => {
  const server = await startServer(t, (req, res) => problem(res, 503, 'down'));
  const { sub } = follow(server, { backoff: () => 60_000 });
  while (server.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
  sub.close();
  const state = await sub.finished;
  await server.close();
  assert.equal(state.ended, false);
  assert.equal(server.requests.length, 1);
  assert.ok(server.requests.every((r) => !r.url.endsWith('/cancel')));
});

test('cancel() posts to the cancel endpoint with the read token', T, async (t) => {
  const server = await startServer(t, (req, res) => {
    if (req.url.endsWith('/cancel')) {
      res.writeHead(202, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ id: 's1', status: 'cancelling' }));
    } else {
      sseHead(res);
      res.write(frames(sessionEvents(['a']).slice(0, 1)));
    }
  });
  const { sub } = follow(server);
  assert.deepEqual(await sub.cancel('user left'), { id: 's1', status: 'cancelling' });
  sub.close();
  await server.close();
  const post = server.requests.find((r) => r.method === 'POST');
  assert.equal(post.headers.authorization, 'Bearer tok');
  assert.deepEqual(JSON.parse(post.body), { reason: 'user left' });
});

test('eventsUrl alone locates the session (as POST /v1/sessions returns it)', T, async (t) => {
  const server = await startServer(t, (req, res) => {
    if (req.method === 'POST') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ token: 'fresh' }));
    } else if (req.headers.authorization === 'Bearer fresh') {
      sseHead(res);
      res.end(frames(sessionEvents(['ok'])));
    } else {
      problem(res, 401, 'expired');
    }
  });
  const sub = subscribe({ transport: 'fetch', eventsUrl: `${server.baseUrl}/v1/sessions/s_9/events`, token: 't', backoff: fast });
  const state = await sub.finished;
  await server.close();
  assert.equal(state.text, 'ok');
  assert.equal(server.requests[1].url, '/v1/sessions/s_9/token');
});

test('a failed early renewal keeps the current token until a 401 renews for real', T, async (t) => {
  const events = sessionEvents(['p', 'q']);
  let attempted;
  const attempt = new Promise((resolve) => { attempted = resolve; });
  const server = await startServer(t, async (req, res, n) => {
    if (n === 0) {
      sseHead(res);
      res.write(frames(events.slice(0, 2)));
      await attempt;
      res.destroy();
    } else if (req.headers.authorization === 'Bearer fresh') {
      sseHead(res);
      res.end(frames(events.slice(2)));
    } else {
      problem(res, 401, 'read token has expired');
    }
  });
  const old = rt1Token('s1', Date.now() + 200);
  let calls = 0;
  const { sub } = follow(server, {
    token: old,
    renewToken: async () => {
      calls++;
      if (calls === 1) {
        setTimeout(attempted, 10);
        throw new RewindError('token_renewal_failed', 'not found', { status: 404 });
      }
      return 'fresh';
    },
  });
  const state = await sub.finished;
  assert.equal(state.text, 'pq');
  assert.equal(calls, 2);
  assert.deepEqual(server.streams().map((r) => r.headers.authorization), [`Bearer ${old}`, `Bearer ${old}`, 'Bearer fresh']);
});
