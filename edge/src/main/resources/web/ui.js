// Helpers shared by Rewind's browser pages: credentials kept in the browser, calls to the edge
// with RFC 9457 problems turned into readable errors, and a few DOM shortcuts. No dependencies.

export const $ = (id) => document.getElementById(id);

// The API key lives in sessionStorage: it is a long-lived secret and should not outlive the tab.
const API_KEY_STORE = 'rewind.apiKey';
// Read tokens (one session each, they expire) are kept across tabs so the viewer can open a
// session the demo created; at most MAX_TOKENS, the newest.
const TOKENS_STORE = 'rewind.readTokens';
const MAX_TOKENS = 50;

export function savedApiKey() {
  return sessionStorage.getItem(API_KEY_STORE) ?? '';
}

export function saveApiKey(key) {
  if (key) sessionStorage.setItem(API_KEY_STORE, key);
  else sessionStorage.removeItem(API_KEY_STORE);
}

/** Fills an empty key input from this tab's saved key, else from standalone's demo mode (404 elsewhere). */
export async function prefillApiKey(input) {
  if (!input.value) input.value = savedApiKey();
  if (input.value) return;
  try {
    const response = await fetch('/v1/demo');
    if (!response.ok) return;
    const demo = await response.json();
    if (demo.api_key && !input.value) input.value = demo.api_key;
  } catch {
    // no demo mode: the user types the key
  }
}

function tokens() {
  try {
    return JSON.parse(localStorage.getItem(TOKENS_STORE) ?? '{}');
  } catch {
    return {};
  }
}

export function rememberReadToken(sessionId, token) {
  const all = tokens();
  all[sessionId] = { token, savedAt: Date.now() };
  const newest = Object.entries(all).sort((a, b) => b[1].savedAt - a[1].savedAt).slice(0, MAX_TOKENS);
  localStorage.setItem(TOKENS_STORE, JSON.stringify(Object.fromEntries(newest)));
}

export function readTokenFor(sessionId) {
  return tokens()[sessionId]?.token ?? null;
}

/** An edge refusal, with the problem's title and detail. */
export class ProblemError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

/** Calls the edge with a bearer credential; JSON in and out, a ProblemError for every non-2xx. */
export async function callEdge(path, { credential, method = 'GET', body } = {}) {
  const headers = { Accept: 'application/json' };
  if (credential) headers.Authorization = `Bearer ${credential}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!response.ok) throw new ProblemError(response.status, json);
  return json;
}

/** Creates an element: el('a', {href: '/x', class: 'c'}, 'text', child…). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

export function formatMs(ms) {
  if (ms === null || ms === undefined || Number.isNaN(ms)) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10000 ? 2 : 1)} s`;
}

export function formatTime(iso) {
  if (!iso) return '–';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

/** The viewer's address of a session (the edge serves web/session.html at /sessions/{id}). */
export function viewerUrl(sessionId) {
  return `/sessions/${encodeURIComponent(sessionId)}`;
}
