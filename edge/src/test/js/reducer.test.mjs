import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initialState, reduce, reduceAll, transcript, MAX_NOTES } from '../../main/resources/web/rewind-client.js';

const ev = (seq, type, data = {}) => ({ id: `1-${seq + 40}-${seq}`, type, data: { seq, type, session_id: 's1', ...data } });

test('duplicates and replays of seen events change nothing', () => {
  const events = [ev(1, 'start', { upstream: 'sim', model: 'm' }), ev(2, 'token', { text: 'Hel' }), ev(3, 'token', { text: 'lo' })];
  const once = reduceAll(events);
  assert.equal(once.text, 'Hello');
  assert.equal(reduce(once, events[1]), once, 'a duplicate returns the very same state object');
  const replayed = reduceAll([...events, ...events, events[2]]);
  assert.deepEqual(replayed, once);
  assert.equal(once.lastSeq, 3);
  assert.equal(once.lastEventId, '1-43-3');
  assert.equal(once.upstream, 'sim');
});

test('an event older than the last applied one is ignored even out of order', () => {
  const state = reduceAll([ev(1, 'start'), ev(2, 'token', { text: 'a' }), ev(4, 'token', { text: 'c' })]);
  assert.equal(reduce(state, ev(3, 'token', { text: 'b' })), state);
  assert.equal(transcript(state), 'ac');
});

test('a reset clears text, reasoning, refusal and tool calls; the transcript is what follows the last reset', () => {
  const state = reduceAll([
    ev(1, 'start'),
    ev(2, 'reasoning', { text: 'think' }),
    ev(3, 'token', { text: 'first try' }),
    ev(4, 'tool_call', { index: 0, id: 'call_1', name: 'f', arguments_delta: '{"a":' }),
    ev(5, 'refusal', { text: 'no' }),
    ev(6, 'reset', { attempt: 2, reason: 'upstream reset' }),
    ev(7, 'token', { text: 'second' }),
    ev(8, 'reset', { attempt: 3, reason: 'stall' }),
    ev(9, 'token', { text: 'third' }),
    ev(10, 'token', { text: ' try' }),
  ]);
  assert.equal(transcript(state), 'third try');
  assert.equal(state.reasoning, '');
  assert.equal(state.refusal, '');
  assert.deepEqual(state.toolCalls, []);
  assert.equal(state.attempt, 3);
  assert.equal(state.resets, 2);
});

test('tool calls accumulate their deltas by index, keep id and name, take snapshots and end final', () => {
  const state = reduceAll([
    ev(1, 'start'),
    ev(2, 'tool_call', { index: 0, id: 'call_a', name: 'read_file', arguments_delta: '{"pa' }),
    ev(3, 'tool_call', { index: 1, id: 'call_b', name: 'grep', arguments_delta: '{"q":' }),
    ev(4, 'tool_call', { index: 0, arguments_delta: 'th":"/tm', arguments: { path: '/tm' } }),
    ev(5, 'tool_call', { index: 1, arguments_delta: '"x"}', arguments: { q: 'x' }, final: true }),
    ev(6, 'tool_call', { index: 0, arguments_delta: 'p"}', arguments: { path: '/tmp' }, final: true }),
  ]);
  assert.equal(state.toolCalls.length, 2);
  assert.deepEqual(state.toolCalls[0], {
    index: 0, id: 'call_a', name: 'read_file', argumentsText: '{"path":"/tmp"}', arguments: { path: '/tmp' }, final: true,
  });
  assert.deepEqual(state.toolCalls[1], {
    index: 1, id: 'call_b', name: 'grep', argumentsText: '{"q":"x"}', arguments: { q: 'x' }, final: true,
  });
});

test('a snapshot stays until the next one while deltas keep arriving', () => {
  const state = reduceAll([
    ev(1, 'tool_call', { index: 0, id: 'c', name: 'f', arguments_delta: '{"k":[1,', arguments: { k: [1] } }),
    ev(2, 'tool_call', { index: 0, arguments_delta: '2,' }),
  ]);
  assert.deepEqual(state.toolCalls[0].arguments, { k: [1] });
  assert.equal(state.toolCalls[0].argumentsText, '{"k":[1,2,');
  assert.equal(state.toolCalls[0].final, false);
});

test('a gap is recorded once, moves the cursor to where replay resumed, and later events still apply', () => {
  const gap = { id: '1-500-3', type: 'gap', data: { requested: '1-42-2', resumed_at: '1-500-3' } };
  let state = reduceAll([ev(1, 'start'), ev(2, 'token', { text: 'a' })]);
  state = reduce(state, gap);
  assert.equal(state.lastEventId, '1-500-3');
  assert.equal(reduce(state, gap), state, 'the same gap twice is one gap');
  state = reduceAll([
    ev(7, 'tool_call', { index: 0, id: 'c', name: 'f', arguments_delta: '1}', arguments: { n: 1 }, final: true }),
    ev(8, 'token', { text: 'z' }),
  ], state);
  assert.deepEqual(state.gaps, [{ requested: '1-42-2', resumedAt: '1-500-3' }]);
  assert.equal(state.text, 'az');
  assert.equal(state.toolCalls[0].argumentsText, '{"n":1}', 'the final arguments replace deltas lost in the gap');
});

test('a queued session shows its position until its attempt connects', () => {
  let state = reduceAll([
    ev(1, 'start'),
    ev(2, 'status', { state: 'queued', attempt: 1, reason: 'waiting for an upstream stream slot: 4 sessions ahead', position: 5 }),
  ]);
  assert.equal(state.status, 'queued');
  assert.deepEqual(state.queue, { position: 5, reason: 'waiting for an upstream stream slot: 4 sessions ahead' });
  state = reduce(state, ev(3, 'token', { text: 'Hi' }));
  assert.equal(state.status, 'streaming');
  assert.equal(state.queue, null, 'the first token means the session left the queue');
});

test('status, warnings and the terminal events fill their fields; nothing applies after the end', () => {
  let state = reduceAll([
    ev(1, 'start'),
    ev(2, 'status', { state: 'retrying', attempt: 2, delay_ms: 3000, reason: 'upstream 503' }),
  ]);
  assert.equal(state.status, 'retrying');
  assert.deepEqual(state.retry, { attempt: 2, delayMs: 3000, reason: 'upstream 503' });
  state = reduceAll([ev(3, 'status', { state: 'connected', attempt: 2 }), ev(4, 'warning', { code: 'malformed', message: 'skipped' })], state);
  assert.equal(state.status, 'streaming');
  assert.equal(state.retry, null);
  assert.deepEqual(state.warnings, [{ seq: 4, code: 'malformed', message: 'skipped' }]);
  const done = reduce(state, ev(5, 'done', { finish_reason: 'stop', provider_finish_reason: 'end_turn', usage: { total_tokens: 9 } }));
  assert.equal(done.status, 'done');
  assert.equal(done.ended, true);
  assert.deepEqual(done.finish, { finishReason: 'stop', providerFinishReason: 'end_turn', usage: { total_tokens: 9 } });
  assert.equal(reduce(done, ev(6, 'token', { text: 'late' })), done);

  const failed = reduce(state, ev(5, 'error', { code: 'limit', message: 'too long', retryable: false }));
  assert.deepEqual([failed.status, failed.error], ['error', { code: 'limit', message: 'too long', retryable: false }]);
  const cancelled = reduce(state, ev(5, 'cancelled', { by: 'team-a', reason: 'user' }));
  assert.deepEqual([cancelled.status, cancelled.cancelled], ['cancelled', { by: 'team-a', reason: 'user' }]);
});

test('an unknown event type only moves the cursor', () => {
  const state = reduceAll([ev(1, 'start'), ev(2, 'future_thing', { x: 1 })]);
  assert.equal(state.lastSeq, 2);
  assert.equal(state.text, '');
});

test('warnings and gaps are bounded to the newest MAX_NOTES', () => {
  const events = [];
  for (let seq = 1; seq <= MAX_NOTES + 5; seq++) events.push(ev(seq, 'warning', { code: `w${seq}` }));
  const state = reduceAll(events);
  assert.equal(state.warnings.length, MAX_NOTES);
  assert.equal(state.warnings[0].code, 'w6');
});

test('states are frozen, and the initial state is fresh each time', () => {
  const state = reduceAll([ev(1, 'token', { text: 'a' })]);
  assert.ok(Object.isFrozen(state));
  assert.throws(() => { 'use strict'; state.text = 'b'; }, TypeError);
  assert.notEqual(initialState(), initialState());
  assert.equal(initialState().status, 'waiting');
});
