// A scripted SSE server for the client tests: node:http on 127.0.0.1, port 0. Each request is
// recorded and handed to the test's handler with its number (0, 1, …).
import http from 'node:http';

/** The bytes of one SSE event as the edge writes it. */
export function frame(id, type, data) {
  return `id: ${id}\nevent: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
}

/** Events of a session: [start, tokens…, done] with ids `0-<offset>-<seq>` (offset = seq + 99). */
export function sessionEvents(texts, { sessionId = 's1' } = {}) {
  const events = [{ type: 'start', data: { upstream: 'sim', model: 'sim-small' } }];
  for (const text of texts) events.push({ type: 'token', data: { text } });
  events.push({ type: 'done', data: { finish_reason: 'stop' } });
  return events.map((event, i) => ({
    id: `0-${i + 100}-${i + 1}`, type: event.type, data: { seq: i + 1, session_id: sessionId, ...event.data },
  }));
}

export function frames(events) {
  return events.map((e) => frame(e.id, e.type, e.data)).join('');
}

export function sseHead(res) {
  res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
}

export function problem(res, status, detail, headers = {}) {
  res.writeHead(status, { 'Content-Type': 'application/problem+json', ...headers });
  res.end(JSON.stringify({ type: 'about:blank', status, title: http.STATUS_CODES[status], detail }));
}

/** Starts a server closed after test `t`; `handler(req, res, n, body)` answers request n. */
export async function startServer(t, handler) {
  const requests = [];
  const sockets = new Set();
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => {
      const n = requests.length;
      requests.push({ method: req.method, url: req.url, headers: req.headers, body });
      Promise.resolve(handler(req, res, n, body)).catch((error) => {
        res.destroy(error);
      });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  let closing = null;
  const close = () => {
    for (const socket of sockets) socket.destroy();
    closing ??= new Promise((resolve) => server.close(resolve));
    return closing;
  };
  t.after(close);
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    /** Requests to the events endpoint only. */
    streams: () => requests.filter((r) => r.url.includes('/events')),
    close,
  };
}

/** A read token in the edge's rt1 shape expiring at `expiresAt` (ms); the signature is not checked here. */
export function rt1Token(sessionId, expiresAt, tag = 'x') {
  const payload = Buffer.from(`${sessionId}|${Date.now()}|${expiresAt}`).toString('base64url');
  return `rt1.k1.${payload}.${tag}`;
}
