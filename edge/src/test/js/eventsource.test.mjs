// The EventSource transport (browsers), driven through an EventSource over node:http.
import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { subscribe } from '../../main/resources/web/rewind-client.js';
import { startServer, sessionEvents, frames, frame, sseHead, problem, rt1Token } from './sse-server.mjs';
import { NodeEventSource } from './node-event-source.mjs';

const T = { timeout: 10_000 };
beforeEach(() => { NodeEventSource.opened = []; });

function follow(server, extra = {}) {
  const texts = [];
  const sub = subscribe({
    transport: 'eventsource', EventSource: NodeEventSource, baseUrl: server.baseUrl, sessionId: 's1',
    token: 'tok', backoff: () => 1, onText: (text) => texts.push(text), ...extra,
  });
  return { sub, texts };
}

const query = (url) => Object.fromEntries(new URL(url).searchParams);

test('the token and the resume position travel in the query; a drop resumes without duplicate text', T, async (t) => {
  const events = sessionEvents(['Guten', ' Tag', ' Zürich']);
  const server = await startServer(t, (req, res, n) => {
    sseHead(res);
    if (n === 0) {
      res.write(frames(events.slice(0, 3)) + frame(events[3].id, 'token', events[3].data).slice(0, 12));
      setTimeout(() => res.destroy(), 20);
    } else {
      res.end(frames(events.slice(1))); // re-sends seen events: the reducer drops them
    }
  });
  const { sub, texts } = follow(server);
  const state = await sub.finished;
  assert.deepEqual(texts, ['Guten', ' Tag', ' Zürich']);
  assert.equal(state.text, 'Guten Tag Zürich');
  assert.deepEqual(NodeEventSource.opened.map(query), [
    { access_token: 'tok' },
    { access_token: 'tok', last_event_id: events[2].id },
  ]);
});

test("the contract's error event ends the session; it is not taken for a lost connection", T, async (t) => {
  const server = await startServer(t, (req, res) => {
    sseHead(res);
    res.end(frame('0-1-1', 'start', { seq: 1 }) + frame('0-2-2', 'error', { seq: 2, code: 'upstream_401', message: 'bad key', retryable: false }));
  });
  let ended = null;
  const { sub } = follow(server, { onEnd: (state) => { ended = state; } });
  const state = await sub.finished;
  assert.equal(state.status, 'error');
  assert.deepEqual(state.error, { code: 'upstream_401', message: 'bad key', retryable: false });
  assert.equal(ended, state);
  assert.equal(NodeEventSource.opened.length, 1);
});

test('a refused EventSource is probed: 401 renews the token and reopens with the fresh one', T, async (t) => {
  const events = sessionEvents(['renewed']);
  const server = await startServer(t, (req, res) => {
    const url = new URL(req.url, server.baseUrl);
    const token = url.searchParams.get('access_token') ?? req.headers.authorization?.slice('Bearer '.length);
    if (req.method === 'POST') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ token: 'fresh' }));
    } else if (token === 'fresh') {
      sseHead(res);
      res.end(frames(events));
    } else {
      problem(res, 401, 'read token has expired');
    }
  });
  const { sub } = follow(server);
  const state = await sub.finished;
  assert.equal(state.text, 'renewed');
  assert.deepEqual(server.requests.map((r) => `${r.method} ${r.url.split('?')[0]} ${r.headers.authorization ?? ''}`.trim()), [
    'GET /v1/sessions/s1/events',
    'GET /v1/sessions/s1/events Bearer tok', // the probe
    'POST /v1/sessions/s1/token Bearer tok',
    'GET /v1/sessions/s1/events',
  ]);
  assert.equal(query(NodeEventSource.opened[1]).access_token, 'fresh');
});

test('a refused EventSource whose probe answers 204 means the session is over: no reconnect', T, async (t) => {
  const server = await startServer(t, (req, res) => { res.writeHead(204); res.end(); });
  const { sub } = follow(server, { lastEventId: '0-150-9' });
  const state = await sub.finished;
  assert.equal(state.lastEventId, '0-150-9');
  assert.equal(NodeEventSource.opened.length, 1);
  assert.equal(query(NodeEventSource.opened[0]).last_event_id, '0-150-9');
  assert.equal(server.requests[1].headers['last-event-id'], '0-150-9');
});

test('a refusal the probe names (403) is final', T, async (t) => {
  const server = await startServer(t, (req, res) => problem(res, 403, 'read token belongs to another session'));
  const { sub } = follow(server);
  await assert.rejects(sub.finished, (error) => error.code === 'refused' && error.status === 403);
  assert.equal(NodeEventSource.opened.length, 1);
});

test('a token about to expire is renewed while connected, and the EventSource reopens with it', T, async (t) => {
  const events = sessionEvents(['before', ' after']);
  const server = await startServer(t, (req, res, n) => {
    sseHead(res);
    if (n === 0) res.write(frames(events.slice(0, 2))); // stays open: only the renewal ends it
    else res.end(frames(events.slice(2)));
  });
  const old = rt1Token('s1', Date.now() + 150);
  const { sub } = follow(server, { token: old, renewToken: async () => ({ token: 'fresh', expiresAt: Date.now() + 3_600_000 }) });
  const state = await sub.finished;
  assert.equal(state.text, 'before after');
  assert.deepEqual(NodeEventSource.opened.map(query), [
    { access_token: old },
    { access_token: 'fresh', last_event_id: events[1].id },
  ]);
});
