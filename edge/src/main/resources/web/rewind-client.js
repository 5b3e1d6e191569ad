// rewind-client.js — the browser and Node 20+ client of Rewind's event streams (DESIGN §4.1).
// A dependency-free ES module: import it from the edge (`/rewind-client.js`) or copy it into an app.
// Documented in docs/clients.md: the reducer's state shape, the options and the callbacks.

/** Event types that end a session; exactly one arrives, and nothing after it. */
export const TERMINAL_TYPES = Object.freeze(['done', 'error', 'cancelled']);

/** Every event type of the v1 contract, the edge-generated `gap` included. */
export const EVENT_TYPES = Object.freeze([
  'start', 'token', 'reasoning', 'refusal', 'tool_call', 'status', 'warning', 'reset',
  'done', 'error', 'cancelled', 'gap',
]);

/** The reducer keeps at most this many warnings and gaps (the newest), so state stays bounded. */
export const MAX_NOTES = 100;

/** A failure the client cannot recover from by itself; `code` says which, `status` is the HTTP status if any. */
export class RewindError extends Error {
  constructor(code, message, { status, detail, cause } = {}) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'RewindError';
    this.code = code;
    this.status = status;
    this.detail = detail;
  }
}

// ---------------------------------------------------------------------------------------------
// The reducer: events in, display state out. Pure; the same events in any number of deliveries
// (a resume re-sending what was seen, a duplicate after a reconnect) give the same state.
// ---------------------------------------------------------------------------------------------

/** The state before any event. Its shape is documented in docs/clients.md. */
export function initialState() {
  return Object.freeze({
    lastSeq: 0,
    lastEventId: null,
    status: 'waiting',
    ended: false,
    upstream: null,
    model: null,
    attempt: 1,
    resets: 0,
    text: '',
    reasoning: '',
    refusal: '',
    toolCalls: Object.freeze([]),
    retry: null,
    queue: null,
    warnings: Object.freeze([]),
    gaps: Object.freeze([]),
    finish: null,
    error: null,
    cancelled: null,
  });
}

/**
 * Applies one event `{type, id, data}` (data: the parsed JSON of the `data:` line) and returns the
 * next state, or the same object when the event changes nothing (a duplicate: `seq` ≤ `lastSeq`).
 */
export function reduce(state, event) {
  const { type, id = null } = event;
  const data = event.data ?? {};
  if (type === 'gap') {
    if (state.gaps.some((gap) => gap.resumedAt === data.resumed_at)) return state;
    const gap = Object.freeze({ requested: data.requested ?? null, resumedAt: data.resumed_at ?? id });
    return Object.freeze({ ...state, lastEventId: id ?? state.lastEventId, gaps: bounded(state.gaps, gap) });
  }
  const seq = Number(data.seq);
  if (!Number.isSafeInteger(seq) || seq <= state.lastSeq || state.ended) return state;
  // a queue position holds only until the next event: any event after it means the session left the queue
  const next = { ...state, lastSeq: seq, lastEventId: id ?? state.lastEventId, queue: null };
  switch (type) {
    case 'start':
      Object.assign(next, { status: 'streaming', upstream: data.upstream ?? null, model: data.model ?? null });
      break;
    case 'token':
      Object.assign(next, { status: 'streaming', text: state.text + (data.text ?? '') });
      break;
    case 'reasoning':
      Object.assign(next, { status: 'streaming', reasoning: state.reasoning + (data.text ?? '') });
      break;
    case 'refusal':
      Object.assign(next, { status: 'streaming', refusal: state.refusal + (data.text ?? '') });
      break;
    case 'tool_call':
      Object.assign(next, { status: 'streaming', toolCalls: applyToolCall(state.toolCalls, data) });
      break;
    case 'status':
      Object.assign(next, {
        status: data.state === 'retrying' || data.state === 'queued' ? data.state : 'streaming',
        attempt: data.attempt ?? state.attempt,
        retry: data.state === 'retrying'
          ? Object.freeze({ attempt: data.attempt ?? null, delayMs: data.delay_ms ?? null, reason: data.reason ?? null })
          : null,
        queue: data.state === 'queued'
          ? Object.freeze({ position: data.position ?? null, reason: data.reason ?? null })
          : null,
      });
      break;
    case 'warning':
      next.warnings = bounded(state.warnings, Object.freeze({ seq, code: data.code ?? null, message: data.message ?? null }));
      break;
    case 'reset':
      // everything before belongs to a failed attempt (DESIGN §4.1): the screen starts over
      Object.assign(next, {
        attempt: data.attempt ?? state.attempt + 1, resets: state.resets + 1,
        text: '', reasoning: '', refusal: '', toolCalls: Object.freeze([]),
      });
      break;
    case 'done':
      Object.assign(next, {
        status: 'done', ended: true, retry: null,
        finish: Object.freeze({
          finishReason: data.finish_reason ?? null,
          providerFinishReason: data.provider_finish_reason ?? null,
          usage: data.usage ?? null,
        }),
      });
      break;
    case 'error':
      Object.assign(next, {
        status: 'error', ended: true, retry: null,
        error: Object.freeze({ code: data.code ?? null, message: data.message ?? null, retryable: data.retryable === true }),
      });
      break;
    case 'cancelled':
      Object.assign(next, {
        status: 'cancelled', ended: true, retry: null,
        cancelled: Object.freeze({ by: data.by ?? null, reason: data.reason ?? null }),
      });
      break;
    default:
      // a type from a newer edge: it only moves the cursor
      break;
  }
  return Object.freeze(next);
}

/** Reduces a whole list of events from `state` (default: the initial state). */
export function reduceAll(events, state = initialState()) {
  return events.reduce(reduce, state);
}

/** The transcript: the token text after the last reset (DESIGN §4.1). */
export function transcript(state) {
  return state.text;
}

function applyToolCall(calls, data) {
  const index = Number(data.index);
  if (!Number.isSafeInteger(index) || index < 0) return calls;
  const before = calls[index];
  let argumentsText = (before?.argumentsText ?? '') + (data.arguments_delta ?? '');
  const isFinal = data.final === true;
  if (isFinal && data.arguments !== undefined && !parsesAsJson(argumentsText)) {
    // deltas lost to a retention gap: the final event's complete arguments are the truth
    argumentsText = JSON.stringify(data.arguments);
  }
  const call = Object.freeze({
    index,
    id: data.id ?? before?.id ?? null,
    name: data.name ?? before?.name ?? null,
    argumentsText,
    arguments: data.arguments !== undefined ? data.arguments : (before?.arguments ?? null),
    final: isFinal || before?.final === true,
  });
  const next = calls.slice();
  next[index] = call;
  return Object.freeze(next);
}

function parsesAsJson(text) {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function bounded(list, item) {
  const next = list.length >= MAX_NOTES ? list.slice(list.length - MAX_NOTES + 1) : list.slice();
  next.push(item);
  return Object.freeze(next);
}

// ---------------------------------------------------------------------------------------------
// SSE parsing (WHATWG rules), for the fetch transport: text in whatever pieces the network gives.
// ---------------------------------------------------------------------------------------------

/**
 * Turns decoded text into SSE events. `onEvent({type, id, data})` gets each dispatched event (data
 * as the raw string), `onRetry(ms)` each valid `retry:` field, `onComment(text)` each comment.
 * Lines may end in CRLF, LF or CR, also split across pieces.
 */
export class SseParser {
  constructor({ onEvent, onRetry = () => {}, onComment = () => {} }) {
    this.onEvent = onEvent;
    this.onRetry = onRetry;
    this.onComment = onComment;
    this.buffer = '';
    this.skipLeadingLf = false;
    this.lastEventId = '';
    this.resetEvent();
  }

  resetEvent() {
    this.type = '';
    this.data = '';
    this.hasData = false;
  }

  feed(text) {
    let chunk = text;
    if (this.skipLeadingLf && chunk.length > 0) {
      if (chunk[0] === '\n') chunk = chunk.slice(1);
      this.skipLeadingLf = false;
    }
    this.buffer += chunk;
    let start = 0;
    for (let i = 0; i < this.buffer.length; i++) {
      const c = this.buffer[i];
      if (c !== '\n' && c !== '\r') continue;
      this.line(this.buffer.slice(start, i));
      if (c === '\r') {
        if (i + 1 < this.buffer.length) {
          if (this.buffer[i + 1] === '\n') i++;
        } else {
          this.skipLeadingLf = true; // the LF of this CRLF may come in the next piece
        }
      }
      start = i + 1;
    }
    this.buffer = this.buffer.slice(start);
  }

  line(line) {
    if (line === '') {
      this.dispatch();
      return;
    }
    if (line[0] === ':') {
      this.onComment(line.slice(1).replace(/^ /, ''));
      return;
    }
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    switch (field) {
      case 'event': this.type = value; break;
      case 'data': this.data += value + '\n'; this.hasData = true; break;
      case 'id': if (!value.includes('\0')) this.lastEventId = value; break;
      case 'retry': if (/^\d+$/.test(value)) this.onRetry(Number(value)); break;
      default: break;
    }
  }

  dispatch() {
    if (this.hasData) {
      this.onEvent({ type: this.type || 'message', id: this.lastEventId || null, data: this.data.slice(0, -1) });
    }
    this.resetEvent();
  }
}

// ---------------------------------------------------------------------------------------------
// Reconnect pacing and tokens
// ---------------------------------------------------------------------------------------------

/**
 * The wait before reconnect attempt `attempt` (1, 2, …): exponential from `baseMs` (the server's
 * `retry:` hint when known), capped at `maxMs`, with "equal jitter" — uniformly in [ceiling/2, ceiling]
 * — so a fleet of clients of a restarted edge spreads out instead of returning in one millisecond.
 */
export function backoffDelay(attempt, { baseMs = 1000, maxMs = 30000, random = Math.random } = {}) {
  const exponent = Math.min(Math.max(attempt, 1) - 1, 30);
  const ceiling = Math.min(maxMs, baseMs * 2 ** exponent);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/**
 * The expiry (epoch ms) of a Rewind read token `rt1.<key id>.<payload>.<signature>`, whose payload is
 * base64url of `session|created_at ms|expires_at ms`; null for any other shape. Used only to renew
 * early: the edge is what decides whether a token is valid.
 */
export function tokenExpiry(token) {
  const parts = typeof token === 'string' ? token.split('.') : [];
  if (parts.length !== 4 || parts[0] !== 'rt1') return null;
  try {
    const fields = atob(parts[2].replace(/-/g, '+').replace(/_/g, '/')).split('|');
    const expiresAt = Number(fields[2]);
    return fields.length === 3 && Number.isSafeInteger(expiresAt) ? expiresAt : null;
  } catch {
    return null;
  }
}

/**
 * The default `renewToken`: `POST /v1/sessions/{id}/token` with the current read token (docs/api.md)
 * → `{token, expiresAt}`.
 */
export async function renewTokenAtEdge({ baseUrl, sessionId, token, fetch: fetchImpl = globalThis.fetch }) {
  const response = await fetchImpl(`${baseUrl}/v1/sessions/${encodeURIComponent(sessionId)}/token`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}` },
  });
  if (!response.ok) throw await problemError('token_renewal_failed', 'renewing the read token failed', response);
  const body = await response.json();
  return { token: body.token, expiresAt: instantMs(body.expires_at) };
}

/**
 * Epoch ms of an instant as the edge writes it (Java's `Instant`: up to 9 fraction digits), cut to
 * milliseconds first, the only precision `Date.parse` is specified for; null when absent or
 * unparsable, so that the token's own expiry is used instead.
 */
function instantMs(text) {
  if (typeof text !== 'string') return null;
  const ms = Date.parse(text.replace(/(\.\d{3})\d+/, '$1'));
  return Number.isNaN(ms) ? null : ms;
}

/**
 * Creates a session (`POST /v1/sessions`, DESIGN §4.1) with an API key — for services; a browser
 * page should get its session from its own backend rather than hold an API key.
 */
export async function createSession({ baseUrl = '', apiKey, request, idempotencyKey, fetch: fetchImpl = globalThis.fetch }) {
  const headers = { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json' };
  if (idempotencyKey) headers['Idempotency-Key'] = idempotencyKey;
  const response = await fetchImpl(`${baseUrl}/v1/sessions`, { method: 'POST', headers, body: JSON.stringify(request) });
  if (response.status !== 201) throw await problemError('create_failed', 'creating the session failed', response);
  return response.json();
}

async function problemError(code, what, response) {
  let detail = null;
  try {
    const problem = await response.json();
    detail = problem.detail ?? problem.title ?? null;
  } catch {
    // not problem JSON: the status says enough
  }
  return new RewindError(code, `${what}: HTTP ${response.status}${detail ? ` — ${detail}` : ''}`,
    { status: response.status, detail });
}

// ---------------------------------------------------------------------------------------------
// The subscription
// ---------------------------------------------------------------------------------------------

const RETRYABLE_STATUSES = new Set([408, 425, 429, 500, 502, 503, 504]);

/**
 * Follows one session's events until its terminal event, resuming after every drop without a
 * duplicate and renewing the read token as needed. Options and callbacks: docs/clients.md.
 * Returns `{close(), cancel(reason), state, finished}`; `finished` resolves with the final state
 * (or rejects with a RewindError).
 */
export function subscribe(options) {
  return new Subscription(options);
}

class Subscription {
  constructor(options) {
    const o = { ...options };
    if (!o.token) throw new RewindError('bad_options', 'a read token is required');
    const located = locate(o);
    this.baseUrl = located.baseUrl;
    this.sessionId = located.sessionId;
    this.eventsUrl = located.eventsUrl;
    this.token = o.token;
    this.fetch = o.fetch ?? globalThis.fetch?.bind(globalThis);
    this.EventSource = o.EventSource ?? globalThis.EventSource;
    this.transport = o.transport ?? 'auto';
    if (this.transport === 'auto') this.transport = this.EventSource ? 'eventsource' : 'fetch';
    if (this.transport === 'fetch' && !this.fetch) throw new RewindError('bad_options', 'no fetch available');
    if (this.transport === 'eventsource' && !this.EventSource) throw new RewindError('bad_options', 'no EventSource available');
    this.renewToken = o.renewToken ?? ((args) => renewTokenAtEdge({ ...args, fetch: this.fetch }));
    this.renewBeforeMs = o.renewBeforeMs ?? 60000;
    this.delay = typeof o.backoff === 'function'
      ? o.backoff
      : (attempt, hintMs) => backoffDelay(attempt, { ...o.backoff, baseMs: hintMs ?? o.backoff?.baseMs ?? 1000 });
    this.maxFailures = o.maxFailures ?? 20;
    this.idleTimeoutMs = o.idleTimeoutMs ?? 45000;
    this.setTimer = o.setTimeout ?? globalThis.setTimeout.bind(globalThis);
    this.clearTimer = o.clearTimeout ?? globalThis.clearTimeout.bind(globalThis);
    this.now = o.now ?? Date.now;
    this.callbacks = o;
    this.state = o.state ?? initialState();
    if (o.lastEventId && !o.state) this.state = Object.freeze({ ...this.state, lastEventId: o.lastEventId });
    this.hintMs = null;
    this.failures = 0;
    this.closed = false;
    this.renewTimer = null;
    this.waitTimer = null;
    this.wake = null;
    this.finished = new Promise((resolve, reject) => { this.resolve = resolve; this.reject = reject; });
    this.finished.catch(() => {}); // a caller that never awaits it gets no unhandled rejection
    this.learnExpiry(o.tokenExpiresAt ?? tokenExpiry(this.token));
    if (this.transport === 'fetch') this.runFetch();
    else this.openEventSource();
  }

  /** Stops following (generation goes on: a disconnect never cancels, DESIGN §4). */
  close() {
    if (this.stop()) this.resolve(this.state);
  }

  /** Ends every connection and timer; false if the subscription had already ended. */
  stop() {
    if (this.closed) return false;
    this.closed = true;
    this.stopTimers();
    this.abort?.abort();
    this.source?.close();
    return true;
  }

  /** Asks the edge to stop generating (`POST /v1/sessions/{id}/cancel` with the read token). */
  async cancel(reason) {
    const response = await this.fetch(`${this.baseUrl}/v1/sessions/${encodeURIComponent(this.sessionId)}/cancel`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${this.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(reason ? { reason } : {}),
    });
    if (response.status !== 202) throw await problemError('cancel_failed', 'cancelling the session failed', response);
    return response.json();
  }

  // --- events -------------------------------------------------------------------------------

  /** Applies one event and calls the render callbacks for what it changed; true if it was new. */
  apply(event) {
    const before = this.state;
    const after = reduce(before, event);
    if (after === before) return false;
    this.state = after;
    const cb = this.callbacks;
    const data = event.data ?? {};
    switch (event.type) {
      case 'token': cb.onText?.(data.text ?? '', after); break;
      case 'reasoning': cb.onReasoning?.(data.text ?? '', after); break;
      case 'refusal': cb.onRefusal?.(data.text ?? '', after); break;
      case 'tool_call': cb.onToolCall?.(after.toolCalls[data.index], after); break;
      case 'status': cb.onStatus?.({ state: data.state, attempt: after.attempt, delayMs: data.delay_ms ?? null, reason: data.reason ?? null, position: data.position ?? null }, after); break;
      case 'warning': cb.onWarning?.(after.warnings[after.warnings.length - 1], after); break;
      case 'reset': cb.onReset?.(after); break;
      case 'gap': cb.onGap?.(after.gaps[after.gaps.length - 1], after); break;
      default: break;
    }
    cb.onEvent?.(event, after);
    cb.onState?.(after);
    if (after.ended) this.finish();
    return true;
  }

  finish() {
    if (!this.stop()) return;
    this.callbacks.onEnd?.(this.state);
    this.resolve(this.state);
  }

  fail(error) {
    if (!this.stop()) return;
    this.callbacks.onError?.(error, this.state);
    this.reject(error);
  }

  // --- tokens -------------------------------------------------------------------------------

  learnExpiry(expiresAt) {
    if (this.renewTimer) this.clearTimer(this.renewTimer);
    this.renewTimer = null;
    this.renewAt = null;
    if (expiresAt == null || Number.isNaN(expiresAt)) return;
    const remaining = expiresAt - this.now();
    // at most half the remaining life early, so a short-lived token is not renewed in a loop
    this.renewAt = expiresAt - Math.min(this.renewBeforeMs, Math.max(remaining, 0) / 2);
    const wait = this.renewAt - this.now();
    if (wait > 0) this.renewTimer = this.setTimer(() => this.renewOnTimer(), Math.min(wait, 2 ** 31 - 1));
  }

  tokenDue() {
    return this.renewAt != null && this.now() >= this.renewAt;
  }

  async renew() {
    const renewed = await this.renewToken({ baseUrl: this.baseUrl, sessionId: this.sessionId, token: this.token });
    const fresh = typeof renewed === 'string' ? { token: renewed } : renewed;
    if (!fresh?.token) throw new RewindError('token_renewal_failed', 'renewToken returned no token');
    this.token = fresh.token;
    this.learnExpiry(fresh.expiresAt ?? tokenExpiry(fresh.token));
    this.callbacks.onToken?.(this.token);
  }

  /**
   * Renews, retrying a failed renewal after the backoff; a refusal (401/403/404) is final. True once
   * a fresh token is in place, false when the subscription failed or was closed meanwhile.
   */
  async renewOrFail() {
    while (!this.closed) {
      try {
        await this.renew();
        return !this.closed;
      } catch (error) {
        if (error instanceof RewindError && [401, 403, 404].includes(error.status)) {
          this.fail(error);
          return false;
        }
        if (!(await this.pauseAfterFailure(`token renewal failed: ${error.message}`))) return false;
      }
    }
    return false;
  }

  /**
   * Renews ahead of expiry. A failure here is not final — the current token may still be good — so
   * it only stops early renewal: a later 401 renews (or fails) for real.
   */
  async renewEarly() {
    try {
      await this.renew();
      return true;
    } catch {
      this.renewAt = null;
      return false;
    }
  }

  async renewOnTimer() {
    this.renewTimer = null;
    if (this.closed) return;
    const active = this.source;
    if (!(await this.renewEarly()) || this.closed) return;
    // an EventSource carries its token in the URL: reconnect so that no later retry presents the old one
    if (this.transport === 'eventsource' && active && this.source === active) {
      active.close();
      this.openEventSource();
    }
  }

  // --- waiting ------------------------------------------------------------------------------

  /** Waits the backoff for one more consecutive failure; false (and failed) once they are too many. */
  async pauseAfterFailure(reason, retryAfterMs) {
    this.failures++;
    if (this.failures > this.maxFailures) {
      this.fail(new RewindError('unavailable', `gave up after ${this.maxFailures} failed reconnects (${reason})`));
      return false;
    }
    const wait = Math.max(this.delay(this.failures, this.hintMs ?? undefined), retryAfterMs ?? 0);
    this.callbacks.onReconnect?.({ attempt: this.failures, delayMs: wait, reason });
    await this.sleep(wait);
    return !this.closed;
  }

  sleep(ms) {
    return new Promise((resolve) => {
      this.wake = resolve;
      this.waitTimer = this.setTimer(() => { this.waitTimer = null; this.wake = null; resolve(); }, ms);
    });
  }

  stopTimers() {
    if (this.renewTimer) this.clearTimer(this.renewTimer);
    if (this.waitTimer) this.clearTimer(this.waitTimer);
    this.renewTimer = null;
    this.waitTimer = null;
    this.wake?.();
    this.wake = null;
  }

  // --- the fetch transport --------------------------------------------------------------------

  async runFetch() {
    let renewedForThisFailure = false;
    while (!this.closed) {
      if (this.tokenDue()) await this.renewEarly();
      if (this.closed) return;
      const headers = { Accept: 'text/event-stream', Authorization: `Bearer ${this.token}` };
      if (this.state.lastEventId) headers['Last-Event-ID'] = this.state.lastEventId;
      const abort = new AbortController();
      this.abort = abort;
      let response;
      try {
        response = await this.fetch(this.eventsUrl, { headers, signal: abort.signal });
      } catch (error) {
        if (this.closed || !(await this.pauseAfterFailure(`connect failed: ${error.message}`))) return;
        continue;
      }
      const status = response.status;
      if (status === 200) {
        renewedForThisFailure = false;
        this.callbacks.onConnect?.(this.state);
        const progressed = await this.readStream(response, abort);
        if (this.closed) return;
        if (progressed) this.failures = 0;
        if (!(await this.pauseAfterFailure('stream ended before the terminal event'))) return;
        continue;
      }
      if (status !== 204 && !(status === 401 && !renewedForThisFailure) && !RETRYABLE_STATUSES.has(status)) {
        this.fail(await problemError('refused', 'the edge refused the stream', response));
        return;
      }
      await response.body?.cancel().catch(() => {});
      if (status === 204) {
        // a finished session with nothing after the cursor: everything has been seen
        this.finish();
        return;
      }
      if (status === 401) {
        renewedForThisFailure = true;
        if (!(await this.renewOrFail())) return;
        continue;
      }
      if (!(await this.pauseAfterFailure(`HTTP ${status}`, retryAfterMs(response, this.now())))) return;
    }
  }

  /** Reads one response until it ends or stalls; true if at least one new event arrived. */
  async readStream(response, abort) {
    let progressed = false;
    const parser = new SseParser({
      onEvent: (raw) => {
        const event = parseEvent(raw);
        if (event && this.apply(event)) progressed = true;
      },
      onRetry: (ms) => { this.hintMs = ms; },
    });
    const reader = response.body.getReader();
    const decoder = new TextDecoder('utf-8');
    let idle = null;
    const armIdle = () => {
      if (idle) this.clearTimer(idle);
      // heartbeats arrive every ~15 s: silence much longer than that is a half-open connection
      idle = this.setTimer(() => abort.abort(), this.idleTimeoutMs);
    };
    try {
      armIdle();
      while (!this.closed) {
        const { value, done } = await reader.read();
        if (done) break;
        armIdle();
        parser.feed(decoder.decode(value, { stream: true }));
      }
    } catch {
      // a dropped or aborted connection: the caller reconnects from the last applied id
    } finally {
      if (idle) this.clearTimer(idle);
      reader.cancel().catch(() => {});
    }
    return progressed;
  }

  // --- the EventSource transport --------------------------------------------------------------

  openEventSource() {
    if (this.closed) return;
    if (this.tokenDue()) {
      this.renewEarly().then(() => this.openEventSource());
      return;
    }
    const params = new URLSearchParams({ access_token: this.token });
    if (this.state.lastEventId) params.set('last_event_id', this.state.lastEventId);
    const separator = this.eventsUrl.includes('?') ? '&' : '?';
    const source = new this.EventSource(`${this.eventsUrl}${separator}${params}`);
    this.source = source;
    let progressed = false;
    source.onopen = () => this.callbacks.onConnect?.(this.state);
    for (const type of EVENT_TYPES) {
      if (type === 'error') continue;
      source.addEventListener(type, (message) => {
        const event = parseEvent({ type, id: message.lastEventId || null, data: message.data });
        if (event && this.apply(event)) progressed = true;
      });
    }
    // `error` is both the contract's terminal event (a MessageEvent with data) and EventSource's
    // own connection error (a plain Event): told apart by the data
    source.addEventListener('error', (message) => {
      if (typeof message.data === 'string') {
        const event = parseEvent({ type: 'error', id: message.lastEventId || null, data: message.data });
        if (event) this.apply(event);
        return;
      }
      if (this.source !== source || this.closed) return;
      const refused = source.readyState === 2; // CLOSED: an HTTP status other than 200, or a 204
      source.close();
      this.source = null;
      if (progressed) this.failures = 0;
      this.afterEventSourceError(refused);
    });
  }

  /** The browser hides the status of a refused EventSource: a fetch of the same stream tells it. */
  async afterEventSourceError(refused) {
    let status = null;
    let response = null;
    if (refused && this.fetch) {
      const headers = { Accept: 'text/event-stream', Authorization: `Bearer ${this.token}` };
      if (this.state.lastEventId) headers['Last-Event-ID'] = this.state.lastEventId;
      const abort = new AbortController();
      try {
        response = await this.fetch(this.eventsUrl, { headers, signal: abort.signal });
        status = response.status;
        if (status === 200) abort.abort();
      } catch {
        status = null;
      }
    }
    if (this.closed) return;
    const fatal = status !== null && status !== 200 && status !== 204 && status !== 401 && !RETRYABLE_STATUSES.has(status);
    if (!fatal) response?.body?.cancel().catch(() => {});
    if (status === 204) {
      this.finish();
      return;
    }
    if (status === 401 || (refused && status === null && this.tokenDue())) {
      if (await this.renewOrFail()) this.openEventSource();
      return;
    }
    if (fatal) {
      this.fail(await problemError('refused', 'the edge refused the stream', response));
      return;
    }
    const wait = status === null || status === 200 ? undefined : retryAfterMs(response, this.now());
    if (await this.pauseAfterFailure(refused ? `refused (HTTP ${status ?? 'unknown'})` : 'connection lost', wait)) {
      this.openEventSource();
    }
  }
}

/** Where the session's stream is: `eventsUrl` as given, or `baseUrl` + `sessionId`. */
function locate(o) {
  if (o.eventsUrl) {
    const match = /\/v1\/sessions\/([^/?#]+)\/events/.exec(o.eventsUrl);
    const sessionId = o.sessionId ?? (match ? decodeURIComponent(match[1]) : null);
    const baseUrl = o.baseUrl ?? (match ? o.eventsUrl.slice(0, match.index) : '');
    return { eventsUrl: o.eventsUrl, sessionId, baseUrl };
  }
  if (!o.sessionId) throw new RewindError('bad_options', 'give eventsUrl, or baseUrl and sessionId');
  const baseUrl = o.baseUrl ?? '';
  return { baseUrl, sessionId: o.sessionId, eventsUrl: `${baseUrl}/v1/sessions/${encodeURIComponent(o.sessionId)}/events` };
}

/** An SSE event with its JSON data parsed; null for data that is not JSON (never from the edge). */
function parseEvent({ type, id, data }) {
  try {
    return { type, id, data: JSON.parse(data) };
  } catch {
    return null;
  }
}

/** `Retry-After` in seconds or as an HTTP date, in ms from now; undefined when absent or unreadable. */
function retryAfterMs(response, now) {
  const value = response?.headers?.get?.('retry-after');
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
